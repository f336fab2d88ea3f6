"""Totals and revision differences, in Decimal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")


class LineLike(Protocol):
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal


def line_total(line: LineLike) -> Decimal:
    return (Decimal(line.quantity) * Decimal(line.unit_price)).quantize(CENT, rounding=ROUND_HALF_UP)


def order_total(lines: Sequence[LineLike]) -> Decimal:
    return sum((line_total(line) for line in lines), Decimal("0.00")).quantize(CENT)


def quantity_text(q: Decimal) -> str:
    """2, 1.5, 0.125 — no trailing zeros, no exponent."""
    text = format(Decimal(q).normalize(), "f")
    return text


def money_text(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def amount_text(line: LineLike) -> str:
    """'2 h × 45.00 = 90.00'"""
    return (
        f"{quantity_text(line.quantity)} {line.unit} × {money_text(line.unit_price)}"
        f" = {money_text(line_total(line))}"
    )


@dataclass(frozen=True)
class LineChange:
    change: str  # added | removed | changed
    description: str
    before: str = ""
    after: str = ""


def diff_lines(before: Sequence[LineLike], after: Sequence[LineLike]) -> list[LineChange]:
    """What changed between two revisions' lines.

    Lines with the same description are the same line (edited or not); the lines left over on
    both sides are paired in order (a description edited in place), and what is still left is
    added or removed.
    """
    unmatched_old = list(range(len(before)))
    pairs: dict[int, int] = {}  # index in after -> index in before
    for j, new in enumerate(after):
        for i in unmatched_old:
            if before[i].description == new.description:
                pairs[j] = i
                unmatched_old.remove(i)
                break
    rest_new = [j for j in range(len(after)) if j not in pairs]
    for j, i in zip(rest_new, list(unmatched_old), strict=False):
        pairs[j] = i
        unmatched_old.remove(i)
    changes: list[LineChange] = []
    for j, new in enumerate(after):
        if j not in pairs:
            changes.append(LineChange("added", new.description, "", _describe(new)))
            continue
        old = before[pairs[j]]
        if _key(old) != _key(new):
            desc = new.description
            if old.description != new.description:
                desc = f"{old.description} → {new.description}"
            with_kind = old.kind != new.kind
            changes.append(LineChange("changed", desc, _describe(old, with_kind), _describe(new, with_kind)))
    for i in unmatched_old:
        changes.append(LineChange("removed", before[i].description, _describe(before[i]), ""))
    return changes


def _key(line: LineLike) -> tuple:
    return (line.kind, line.description, Decimal(line.quantity), line.unit, Decimal(line.unit_price))


def _describe(line: LineLike, with_kind: bool = True) -> str:
    return f"{line.kind}: {amount_text(line)}" if with_kind else amount_text(line)
