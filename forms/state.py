"""Reading a view's `state.values` and `private_metadata` without trusting their shape.

Slack sends `state.values[block_id][action_id]` (slack-facts §8.3); any level may be missing,
null or of another type in a forged or truncated payload, and every reader here answers None
(or an empty list) rather than raise.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from forms import blocks

PRIVATE_METADATA_MAX = 3000

# Bidirectional overrides and isolates can make text display differently from what it says.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def state_values(view: Any) -> dict[str, Any]:
    """Gives `view.state.values`, or an empty dict when it is absent or not a mapping."""
    if not isinstance(view, dict):
        return {}
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _entry(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    entry = block.get(action_id) if isinstance(block, dict) else None
    return entry if isinstance(entry, dict) else {}


def text_value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """Gives a plain_text_input's value (None when empty or not text)."""
    value = _entry(values, block_id, action_id).get("value")
    return value if isinstance(value, str) else None


def selected_value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """Gives the value of a static_select's or radio_buttons' selected option."""
    selected = _entry(values, block_id, action_id).get("selected_option")
    value = selected.get("value") if isinstance(selected, dict) else None
    return value if isinstance(value, str) else None


def selected_values(values: dict[str, Any], block_id: str, action_id: str) -> list[str]:
    """Gives the values of the selected checkboxes (or multi-select options)."""
    selected = _entry(values, block_id, action_id).get("selected_options")
    if not isinstance(selected, list):
        return []
    return [o["value"] for o in selected if isinstance(o, dict) and isinstance(o.get("value"), str)]


def selected_date(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    value = _entry(values, block_id, action_id).get("selected_date")
    return value if isinstance(value, str) else None


def selected_users(values: dict[str, Any], block_id: str, action_id: str) -> list[Any] | None:
    """Gives a multi_users_select's raw list (items unchecked), or None when absent."""
    users = _entry(values, block_id, action_id).get("selected_users")
    return users if isinstance(users, list) else None


def read_metadata(view: Any) -> dict[str, Any]:
    """Gives the view's private_metadata as a dict; {} when missing or not our JSON."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if not isinstance(raw, str) or not raw or len(raw) > PRIVATE_METADATA_MAX:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def write_metadata(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    if len(text) > PRIVATE_METADATA_MAX:  # only reachable through a programming error
        raise ValueError("private_metadata over Slack's 3000 characters")
    return text


def metadata_int(meta: dict[str, Any], name: str, minimum: int) -> int | None:
    """Gives meta[name] when it is a real int (not a bool, not a string) ≥ minimum."""
    value = meta.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return None
    return value


def clean_text(raw: str | None, *, multiline: bool) -> str:
    """Gives the text a person meant: NFC, no control characters, no surrounding whitespace.

    Newlines survive in multiline fields (CRLF becomes LF); in single-line fields every line
    break becomes a space. Tabs become spaces. Lone surrogates, which no database encodes, go.
    """
    if not raw:
        return ""
    # Drop what is not text first, then normalise: NFC of the cleaned text is stable, so the same
    # words cleaned twice are the same words (a reopened line is not a changed line).
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for char in text:
        if char == "\n":
            kept.append("\n" if multiline else " ")
        elif char == "\t":
            kept.append(" ")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept))
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


@dataclass(frozen=True)
class TextField:
    """One plain_text_input, defined once and used to render and to parse it."""

    block_id: str  # == action_id
    label: str
    max_length: int
    required: bool = False
    multiline: bool = False
    placeholder: str | None = None
    hint: str | None = None
    missing: str | None = None  # message when required and empty; default "<label> is required"

    def block(self, initial: str | None = None) -> blocks.Block:
        element = blocks.text_input(
            self.block_id,
            max_length=self.max_length,
            multiline=self.multiline,
            placeholder=self.placeholder,
            initial=initial,
        )
        return blocks.input_block(
            self.block_id, self.label, element, optional=not self.required, hint=self.hint
        )

    def raw(self, values: dict[str, Any]) -> str | None:
        return text_value(values, self.block_id, self.block_id)

    def read(self, values: dict[str, Any], errors: dict[str, str]) -> str:
        """Gives the cleaned text; records an error under the block when it is not acceptable."""
        text = clean_text(self.raw(values), multiline=self.multiline)
        if self.required and not text:
            errors[self.block_id] = self.missing or f"{self.label} is required"
        elif len(text) > self.max_length:
            errors[self.block_id] = f"At most {self.max_length:,} characters (now {len(text):,})"
        return text


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(raw: str | None) -> date | None:
    """Gives the date for a strict YYYY-MM-DD string; None for anything else."""
    if raw is None or not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


STALE_FORM = "This form could not be matched to an order. Close it and open it again from the order card."


def form_order_id(view: Any, errors: dict[str, str], block: str) -> int | None:
    """The order id a form's private_metadata carries (to be re-checked); when it has none, the
    form is stale: errors gets it under block."""
    order_id = metadata_int(read_metadata(view), "order_id", 1)
    if order_id is None:
        errors.setdefault(block, STALE_FORM)
    return order_id
