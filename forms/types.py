"""Typed, validated data that the forms parse out of a view's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

LINE_KINDS = ("service", "material", "labour", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
OUTCOMES = ("completed", "completed_with_changes", "not_performed")


@dataclass(frozen=True)
class LineDraft:
    kind: str  # one of LINE_KINDS
    description: str
    quantity: Decimal  # > 0
    unit: str
    unit_price: Decimal  # >= 0


@dataclass(frozen=True)
class OrderDraft:
    client: str
    site: str
    contact: str
    title: str
    description: str
    planned_date: date | None
    priority: str  # one of PRIORITIES
    lines: list[LineDraft] = field(default_factory=list)


@dataclass(frozen=True)
class ConfirmationDraft:
    order_id: int
    base_revision: int  # the revision the form was opened on (optimistic check)
    lines: list[LineDraft]
    note: str
    final: bool


@dataclass(frozen=True)
class RejectDraft:
    order_id: int
    reason: str


@dataclass(frozen=True)
class FieldWorkersDraft:
    order_id: int
    user_ids: list[str]


@dataclass(frozen=True)
class CloseDraft:
    order_id: int
    outcome: str  # one of OUTCOMES
    reason: str
