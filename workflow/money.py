"""Totals and revision differences, in Decimal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from invoicing.model import VatSubtotal, totals, vat_breakdown

CENT = Decimal("0.01")


class LineLike(Protocol):
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal


QUANTITY_STEP = Decimal("0.001")


def exact_quantity(q: Decimal) -> Decimal:
    """A quantity as stored: three decimals at most (what every database keeps the same)."""
    text = format(Decimal(q).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP), "f")
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)  # 1.500 → 1.5, 100 stays 100


def exact_price(p: Decimal) -> Decimal:
    return Decimal(p).quantize(CENT, rounding=ROUND_HALF_UP)


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

    Identical lines are the same line, unchanged; then lines with the same description are the
    same line edited; the lines left over on both sides are paired in order (a description edited
    in place), and what is still left is added or removed.
    """
    unmatched_old = list(range(len(before)))
    pairs: dict[int, int] = {}  # index in after -> index in before

    def match(same: Callable[[LineLike, LineLike], bool]) -> None:
        for j, new in enumerate(after):
            if j in pairs:
                continue
            for i in unmatched_old:
                if same(before[i], new):
                    pairs[j] = i
                    unmatched_old.remove(i)
                    break

    match(lambda old, new: _key(old) == _key(new))
    match(lambda old, new: old.description == new.description)
    match(lambda old, new: True)
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


# ---------------------------------------------------------------- VAT
@dataclass(frozen=True)
class TaxedLine:
    """A line as an invoice reads it: its net from quantity × price, taxed at its rate."""

    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    exemption_reason: str = ""


def taxed(lines: Sequence[object], default_rate: Decimal, default_exemption: str = "") -> list[TaxedLine]:
    """lines with their VAT rate: the one each kept, or (lines stored before rates were kept) the
    company's rate now; a 0 % line without its own reason takes the company's."""
    out = []
    for x in lines:
        rate = getattr(x, "vat_rate", None)
        rate = Decimal(default_rate) if rate is None else Decimal(rate)
        reason = (getattr(x, "vat_exemption", "") or "") if getattr(x, "vat_rate", None) is not None else ""
        if rate == 0 and not reason:
            reason = default_exemption
        out.append(TaxedLine(Decimal(x.quantity), Decimal(x.unit_price), rate, reason if rate == 0 else ""))  # type: ignore[attr-defined]
    return out


@dataclass(frozen=True)
class TaxSummary:
    """Net, VAT per rate and gross of an order's lines (EN 16931: each line's net rounded, summed per
    rate; each rate's VAT rounded once; gross = net + VAT)."""

    net: Decimal
    subtotals: tuple[VatSubtotal, ...]
    vat: Decimal
    gross: Decimal


def tax_summary(lines: Sequence[object], default_rate: Decimal, default_exemption: str = "") -> TaxSummary:
    rated = taxed(lines, default_rate, default_exemption)
    t = totals(rated)
    return TaxSummary(t.net, tuple(vat_breakdown(rated)), t.vat, t.gross)


def rate_text(rate: Decimal) -> str:
    """21 %, 10.5 %, 0 %."""
    return f"{quantity_text(Decimal(rate))} %"
