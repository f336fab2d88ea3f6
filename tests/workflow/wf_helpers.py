"""Shared test data for the workflow tests: the cast, a standing clock, drafts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from forms.types import LineDraft, OrderDraft

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

REQUESTER = "U_COORD"  # a coordinator who submits
SUPERVISOR = "U_SUP"
SUPERVISOR_2 = "U_SUP2"
ADMIN = "U_ADMIN"
WORKER = "U_WORKER"  # a field worker (role) who will be put on the order
OTHER_WORKER = "U_WORKER2"  # a field worker (role) who is not on the order
NOBODY = "U_NOBODY"  # no roles at all


class Clock:
    """A clock that stands still until told to move (every call returns the same instant)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def line(
    description: str = "Router swap",
    quantity: str = "2",
    unit_price: str = "45.00",
    kind: str = "service",
    unit: str = "h",
) -> LineDraft:
    return LineDraft(kind, description, Decimal(quantity), unit, Decimal(unit_price))


def draft(client: str = "Acme", title: str = "Router", lines: list[LineDraft] | None = None) -> OrderDraft:
    return OrderDraft(
        client=client,
        site="Main Street 1, Springfield",
        contact="Jo +1 555 0100",
        title=title,
        description="Replace the edge router",
        planned_date=None,
        priority="normal",
        lines=lines
        if lines is not None
        else [line(), line("Cable Cat6", "12.5", "1.99", kind="material", unit="m")],
    )
