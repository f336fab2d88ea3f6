"""The company's own fields in the new-order, confirmation and close forms.

A company describes them in its company file (bot.company reads and checks it); each becomes one
input block with block_id == action_id == `cf:<key>`, placed by the form after its own inputs.
Parsing checks them like the built-in fields and gives FieldValues, which keep a copy of the
label and of the text shown, so an order reads the same after the company's file changes.

A rebuilt view (Add line, a picked client) has no company file at hand: `carried_over` takes the
field blocks from the view itself with what the person typed as initial values.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from forms import blocks, ids
from forms.state import (
    clean_text,
    iso_date,
    selected_date,
    selected_value,
    selected_values,
    text_value,
)
from forms.types import FieldValue

FORMS = ("new_order", "confirmation", "close")
TYPES = ("text", "long_text", "number", "date", "select", "checkbox")

TEXT_MAX = 3000  # Slack's limit for a plain_text_input
DEFAULT_MAX_LENGTH = {"text": 150, "long_text": 3000}
OPTIONS_MAX = 100  # Slack's limit for a static_select
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
NUMBER_INPUT_MAX = 40  # digits a number field accepts; Decimal has no limit of its own
DECIMALS_MAX = 6
CHECKED = "yes"  # the value of a checkbox field's one option
YES, NO = "Yes", "No"

# An option's colour cannot colour text in Slack: the nearest of Slack's coloured squares stands in.
_SQUARES = {
    "🟥": (0xDD, 0x2E, 0x44),
    "🟧": (0xF4, 0x90, 0x0C),
    "🟨": (0xFD, 0xCB, 0x58),
    "🟩": (0x78, 0xB1, 0x59),
    "🟦": (0x55, 0xAC, 0xEE),
    "🟪": (0xAA, 0x8E, 0xD6),
    "🟫": (0xC1, 0x69, 0x4F),
    "⬛": (0x31, 0x37, 0x3D),
    "⬜": (0xE6, 0xE7, 0xE8),
}


def colour_square(colour: str) -> str:
    """Gives the coloured square emoji nearest to "#rrggbb"; "" for no (or no readable) colour."""
    if len(colour) != 7 or not colour.startswith("#"):
        return ""
    try:
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return ""
    return min(_SQUARES, key=lambda sq: sum((a - b) ** 2 for a, b in zip(_SQUARES[sq], rgb, strict=True)))


@dataclass(frozen=True)
class Choice:
    """One option of a select field."""

    value: str
    label: str
    colour: str = ""  # "#rrggbb", e.g. an order type's colour on the card and the PDF

    def option(self) -> dict[str, Any]:
        square = colour_square(self.colour)
        return blocks.option(f"{square} {self.label}" if square else self.label, self.value)


@dataclass(frozen=True)
class FieldSpec:
    """One field as the company file describes it (already checked by bot.company)."""

    key: str  # snake_case, unique in the file
    label: str
    type: str  # one of TYPES
    required: bool = False
    pdf: bool = True  # shown on the PDF
    placeholder: str = ""
    hint: str = ""
    max_length: int = 0  # text, long_text: at most this many characters; 0: DEFAULT_MAX_LENGTH
    min: Decimal | None = None  # number
    max: Decimal | None = None  # number
    decimals: int = 0  # number: digits after the point; 0: whole numbers
    options: tuple[Choice, ...] = ()  # select
    # the initial value, as FieldValue.value: text, a number's text, ISO date, option value, bool
    default: Any = None

    @property
    def block_id(self) -> str:
        return ids.custom_block(self.key)

    @property
    def length_limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type, TEXT_MAX)

    def choice(self, value: Any) -> Choice | None:
        return next((c for c in self.options if c.value == value), None)


def _element(spec: FieldSpec, initial: Any) -> dict[str, Any]:
    bid = spec.block_id
    if spec.type in ("text", "long_text"):
        return blocks.text_input(
            bid,
            max_length=spec.length_limit,
            multiline=spec.type == "long_text",
            placeholder=spec.placeholder or None,
            initial=initial if isinstance(initial, str) else None,
        )
    element: dict[str, Any]
    if spec.type == "number":
        element = {"type": "number_input", "action_id": bid, "is_decimal_allowed": spec.decimals > 0}
        if spec.min is not None:
            element["min_value"] = format(spec.min, "f")
        if spec.max is not None:
            element["max_value"] = format(spec.max, "f")
        if (
            isinstance(initial, int | float | Decimal | str)
            and not isinstance(initial, bool)
            and initial != ""
        ):
            element["initial_value"] = str(initial)[:NUMBER_INPUT_MAX]
    elif spec.type == "date":
        element = {"type": "datepicker", "action_id": bid}
        day = iso_date(initial if isinstance(initial, str) else None)
        if day is not None:
            element["initial_date"] = day.isoformat()
    elif spec.type == "select":
        element = {"type": "static_select", "action_id": bid, "options": [c.option() for c in spec.options]}
        chosen = spec.choice(initial)
        if chosen is not None:
            element["initial_option"] = chosen.option()
    else:  # checkbox
        yes = blocks.option(YES, CHECKED)
        element = {"type": "checkboxes", "action_id": bid, "options": [yes]}
        if initial is True:
            element["initial_options"] = [yes]
    if spec.placeholder and spec.type in ("number", "date", "select"):
        element["placeholder"] = blocks.plain(spec.placeholder)
    return element


def field_blocks(specs: Iterable[FieldSpec], values: Mapping[str, Any] | None = None) -> list[blocks.Block]:
    """Gives one input block per field; values (key → FieldValue.value) fill them in, else each
    field's default."""
    out = []
    for spec in specs:
        initial = values.get(spec.key) if values is not None and spec.key in values else spec.default
        out.append(
            blocks.input_block(
                spec.block_id, spec.label, _element(spec, initial), optional=not spec.required, hint=spec.hint
            )
        )
    return out


def stored_values(fields: Iterable[Mapping[str, Any]], form: str) -> dict[str, Any]:
    """Gives key → value of the stored fields (FieldValue.to_dict()) of one form, to fill it again."""
    return {str(f.get("key")): f.get("value") for f in fields if f.get("form") == form}


def is_field_block(block_id: Any) -> bool:
    return isinstance(block_id, str) and block_id.startswith(ids.CUSTOM_PREFIX)


def carried_over(view: Any, values: Mapping[str, Any]) -> list[blocks.Block]:
    """Gives the view's own field blocks again, with what is in values (a state.values mapping) as
    their initial values: for rebuilding a form without the company file."""
    view_blocks = view.get("blocks") if isinstance(view, dict) else None
    out = []
    for block in view_blocks if isinstance(view_blocks, list) else []:
        if not (
            isinstance(block, dict) and block.get("type") == "input" and is_field_block(block.get("block_id"))
        ):
            continue
        block = copy.deepcopy(block)
        element = block.get("element")
        if not isinstance(element, dict):
            continue
        bid = block["block_id"]
        for name in ("initial_value", "initial_date", "initial_option", "initial_options"):
            element.pop(name, None)
        kind = element.get("type")
        if kind in ("plain_text_input", "number_input"):
            typed = text_value(dict(values), bid, bid)
            if typed:
                element["initial_value"] = typed[: element.get("max_length") or TEXT_MAX]
        elif kind == "datepicker":
            day = iso_date(selected_date(dict(values), bid, bid))
            if day is not None:
                element["initial_date"] = day.isoformat()
        elif kind == "static_select":
            picked = selected_value(dict(values), bid, bid)
            chosen = [
                o for o in element.get("options") or [] if isinstance(o, dict) and o.get("value") == picked
            ]
            if chosen:
                element["initial_option"] = chosen[0]
        elif kind == "checkboxes":
            ticked = set(selected_values(dict(values), bid, bid))
            chosen = [
                o for o in element.get("options") or [] if isinstance(o, dict) and o.get("value") in ticked
            ]
            if chosen:
                element["initial_options"] = chosen
        out.append(block)
    return out


def _number(spec: FieldSpec, raw: str, errors: dict[str, str]) -> Decimal | None:
    bid = spec.block_id
    try:
        number = Decimal(raw) if len(raw) <= NUMBER_INPUT_MAX else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors[bid] = f"{spec.label}: enter a number, like 12 or 12.5"
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > spec.decimals:
        errors[bid] = (
            f"{spec.label} is a whole number"
            if spec.decimals == 0
            else f"At most {spec.decimals} digits after the decimal point"
        )
    elif spec.min is not None and number < spec.min:
        errors[bid] = f"At least {format(spec.min, 'f')}"
    elif spec.max is not None and number > spec.max:
        errors[bid] = f"At most {format(spec.max, 'f')}"
    return None if bid in errors else number


def _read(spec: FieldSpec, values: dict[str, Any], errors: dict[str, str]) -> tuple[Any, str, str] | None:
    """Gives (value, text, colour) of one field, None when left empty; records an error instead."""
    bid = spec.block_id
    if spec.type in ("text", "long_text"):
        text = clean_text(text_value(values, bid, bid), multiline=spec.type == "long_text")
        if len(text) > spec.length_limit:
            errors[bid] = f"At most {spec.length_limit:,} characters (now {len(text):,})"
        return (text, text, "") if text else None
    if spec.type == "number":
        raw = clean_text(text_value(values, bid, bid), multiline=False)
        number = _number(spec, raw, errors) if raw else None
        return (format(number, "f"), format(number, "f"), "") if number is not None else None
    if spec.type == "date":
        raw = selected_date(values, bid, bid)
        day = iso_date(raw)
        if raw is not None and day is None:
            errors[bid] = "Pick a date from the calendar"
        return (day.isoformat(), day.isoformat(), "") if day is not None else None
    if spec.type == "select":
        picked = selected_value(values, bid, bid)
        chosen = spec.choice(picked)
        if picked is not None and chosen is None:
            errors[bid] = "Pick one of the options shown"
        return (chosen.value, chosen.label, chosen.colour) if chosen is not None else None
    ticked = CHECKED in selected_values(values, bid, bid)
    if spec.required and not ticked:
        errors[bid] = f"Tick {spec.label} to go on"
    return (ticked, YES if ticked else NO, "")


def parse_fields(
    specs: Sequence[FieldSpec], values: dict[str, Any], errors: dict[str, str], form: str
) -> list[FieldValue]:
    """Gives the filled fields of a form (a checkbox always counts as filled); an error under each
    field's block when it is required and empty or not acceptable."""
    filled = []
    for spec in specs:
        read = _read(spec, values, errors)
        if spec.block_id in errors:
            continue
        if read is None:
            if spec.required:
                errors[spec.block_id] = f"{spec.label} is required"
            continue
        value, text, colour = read
        filled.append(FieldValue(form, spec.key, spec.label, spec.type, value, text, spec.pdf, colour))
    return filled
