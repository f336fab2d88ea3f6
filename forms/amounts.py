"""The amount field of a line: "2 h × 45.00" ⇄ quantity, unit and unit price, in Decimal only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_UNITS = {"labour": "h", "service": "service", "material": "pcs", "other": "pcs"}

QUANTITY_MAX = Decimal(1_000_000)
QUANTITY_DECIMALS = 3
PRICE_MAX = Decimal(100_000_000)
PRICE_DECIMALS = 2
UNIT_MAX = 20

EXAMPLE = "e.g. 2 h × 45.00 or 3 pcs x 12,50"
HOW_TO = "Write quantity, unit and unit price, e.g. 2 h × 45.00"

# Plain digits with one optional decimal comma or dot: no exponents, NaN, Infinity or grouping,
# and [0-9] rather than \d so that other scripts' digits do not slip into Decimal.
_NUMBER = r"[-+−]?[0-9]+(?:[.,][0-9]+)?"
_AMOUNT = re.compile(rf"\s*(?P<quantity>{_NUMBER})\s*(?P<middle>.*?)\s*(?P<price>{_NUMBER})\s*", re.DOTALL)
_SEPARATORS = "×*@"


@dataclass(frozen=True)
class Amount:
    quantity: Decimal
    unit: str
    unit_price: Decimal


def _number(text: str, max_decimals: int, what: str) -> tuple[Decimal | None, str | None]:
    text = text.replace("−", "-").replace(",", ".")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    if len(fraction) > max_decimals:
        return None, f"{what}: at most {max_decimals} decimals"
    return Decimal(f"{whole}.{fraction}" if fraction else whole), None


def _unit(middle: str) -> str | None:
    """Gives the unit written before the separator ("" when none), None when there is no separator."""
    if not middle:
        return None
    if middle[-1] in _SEPARATORS:
        unit = middle[:-1].strip()
    elif middle[-1] in "xX" and (len(middle) == 1 or middle[-2].isspace()):
        unit = middle[:-1].strip()
    else:
        return None
    # A second separator, a stray number or an exponent ("1e9 × 3") is not "quantity unit × price".
    if any(c in _SEPARATORS for c in unit) or re.search(r"(?:^|\s)[-+−]?[0-9]|^[eE][-+]?[0-9]", unit):
        return None
    return unit


def parse_amount(text: str, kind: str) -> tuple[Amount | None, str | None]:
    """Gives the amount in `text` (the unit defaulting by kind), or a message for the person."""
    match = _AMOUNT.fullmatch(text)
    unit = _unit(match["middle"]) if match else None
    if match is None or unit is None:
        return None, HOW_TO
    quantity, error = _number(match["quantity"], QUANTITY_DECIMALS, "Quantity")
    if quantity is None:
        return None, error
    price, error = _number(match["price"], PRICE_DECIMALS, "Unit price")
    if price is None:
        return None, error
    if quantity <= 0:
        return None, "Quantity must be more than 0"
    if quantity > QUANTITY_MAX:
        return None, f"Quantity must be at most {QUANTITY_MAX:,}"
    if price < 0:
        return None, "Unit price cannot be negative"
    if price > PRICE_MAX:
        return None, f"Unit price must be at most {PRICE_MAX:,}"
    if len(unit) > UNIT_MAX:
        return None, f"Unit: at most {UNIT_MAX} characters"
    unit = unit or DEFAULT_UNITS.get(kind, "pcs")
    # Bounded above, so quantize cannot overflow the context's 28 digits.
    return Amount(_plain_quantity(quantity), unit, price.quantize(Decimal("0.01"))), None


def _plain_quantity(quantity: Decimal) -> Decimal:
    """Drops trailing zeros without turning 100 into 1E+2."""
    normal = quantity.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def format_quantity(quantity: Decimal) -> str:
    return format(_plain_quantity(quantity), "f")


def format_price(price: Decimal) -> str:
    return format(price.quantize(Decimal("0.01")), "f")


def format_amount(quantity: Decimal, unit: str, unit_price: Decimal) -> str:
    """Gives the text the amount field shows, e.g. "2 h × 45.00" (unit left out when empty)."""
    parts = [format_quantity(quantity), unit, "×", format_price(unit_price)]
    return " ".join(p for p in parts if p)
