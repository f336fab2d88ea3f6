"""Create backorder: what is still to do on an order that went to the accounting becomes a new order
(SO-0042-1). The person picks the lines to carry over (none by default), and may give it a title,
a planned date and a note; client, site, contact and field workers come from the original."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import (
    TextField,
    form_order_id,
    iso_date,
    metadata_int,
    read_metadata,
    selected_date,
    selected_values,
    state_values,
    write_metadata,
)

PER_BLOCK = 10  # Slack's most options in one checkboxes element
LINES_MAX = 90  # a modal holds 100 blocks: the rest of the order's lines are not offered
OPTION_TEXT_MAX = 75

TITLE = TextField(ids.BACKORDER_TITLE, "Title", 150, required=True, placeholder="What is still to do")
NOTE = TextField(
    ids.BACKORDER_NOTE,
    "Description",
    3000,
    multiline=True,
    placeholder="What the field workers need to know (empty: it says which order it continues)",
)


@dataclass(frozen=True)
class BackorderDraft:
    order_id: int
    lines: tuple[int, ...]
    title: str
    planned_date: date | None
    note: str


def backorder_modal(order_id: int, number: str, title: str, lines: Sequence[str]) -> dict[str, Any]:
    """The form: the order's lines (their words, e.g. '2 pcs Router AX'), none ticked."""
    esc = blocks.escape_mrkdwn
    view_blocks: list[dict[str, Any]] = [
        blocks.section(
            None,
            f"A new order continuing *{esc(number)}*, with its client, site, contact and field workers. "
            "It waits for approval in a channel of its own. Tick the lines it carries over.",
        ),
        TITLE.block(title),
        blocks.input_block(
            ids.BACKORDER_DATE,
            "Planned date",
            {"type": "datepicker", "action_id": ids.BACKORDER_DATE},
            optional=True,
        ),
        NOTE.block(),
    ]
    offered = list(lines)[:LINES_MAX]
    for start in range(0, len(offered), PER_BLOCK):
        options = [
            blocks.option(_cut(text), str(start + i))
            for i, text in enumerate(offered[start : start + PER_BLOCK])
        ]
        element = {"type": "checkboxes", "action_id": ids.BACKORDER_LINES, "options": options}
        label = "Lines to carry over" if start == 0 else f"Lines {start + 1}–{start + len(options)}"
        view_blocks.append(
            blocks.input_block(f"{ids.BACKORDER_LINES}:{start}", label, element, optional=True)
        )
    if len(lines) > LINES_MAX:
        view_blocks.append(
            blocks.context(None, f"Only the first {LINES_MAX} of {len(lines)} lines can be picked here.")
        )
    if not lines:
        view_blocks.append(blocks.context(None, f"{esc(number)} has no lines to carry over."))
    meta = write_metadata({"order_id": order_id, "number": number[:50], "lines": min(len(lines), LINES_MAX)})
    return blocks.modal(ids.CREATE_BACKORDER, "Create backorder", "Create", view_blocks, meta)


def _cut(text: str) -> str:
    return text if len(text) <= OPTION_TEXT_MAX else text[: OPTION_TEXT_MAX - 1] + "…"


@never_raises(ids.BACKORDER_TITLE)
def parse_backorder(view: Any) -> FormResult[BackorderDraft]:
    """The lines ticked (indexes into the order's current lines, to be re-checked), title, date, note."""
    errors: dict[str, str] = {}
    values = state_values(view)
    title = TITLE.read(values, errors)
    note = NOTE.read(values, errors)
    raw_date = selected_date(values, ids.BACKORDER_DATE, ids.BACKORDER_DATE)
    planned = iso_date(raw_date)
    if raw_date and planned is None:
        errors[ids.BACKORDER_DATE] = "Pick a date from the calendar"
    order_id = form_order_id(view, errors, ids.BACKORDER_TITLE)
    offered = metadata_int(read_metadata(view), "lines", 0) or 0
    picked: set[int] = set()
    for start in range(0, offered, PER_BLOCK):
        for value in selected_values(values, f"{ids.BACKORDER_LINES}:{start}", ids.BACKORDER_LINES):
            if value.isdigit() and int(value) < offered:
                picked.add(int(value))
    if errors or order_id is None:
        return failed(errors)
    return FormResult(BackorderDraft(order_id, tuple(sorted(picked)), title, planned, note))
