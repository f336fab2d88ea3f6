"""The confirmation modal: the order's lines adjusted to the job as really done."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from forms import blocks, ids
from forms.custom import FieldSpec, carried_over, field_blocks, parse_fields
from forms.lines import (
    LineRow,
    catalog_shown,
    editor_blocks,
    editor_metadata,
    max_lines,
    parse_rows,
    row_from_line,
    row_items,
    row_keys,
)
from forms.result import FormResult, failed, never_raises
from forms.state import TextField, metadata_int, read_metadata, selected_values, state_values, write_metadata
from forms.types import ConfirmationDraft, LineDraft

TITLE = "Confirmation"
SUBMIT = "Save confirmation"
FINAL_VALUE = "final"
FINAL_TEXT = "Final confirmation — closes the order as completed with adjustments"
# A final confirmation closes the order: the person attests the work in the same checkbox group
# (no block of its own: the lines keep their room)
ATTEST_VALUE = "attest"
ATTEST_TEXT = "I confirm the work was carried out as recorded (needed to close)"
ATTEST_ERROR = "A final confirmation closes the order: tick 'I confirm the work was carried out as recorded'"
NUMBER_MAX = 50

NOTE = TextField(
    ids.CONFIRMATION_NOTE, "Note", 3000, multiline=True, placeholder="What changed on site, and why"
)

# The heading, the Add line block, the note, the photos and the final checkbox.
FIXED_BLOCKS = 5
PHOTOS_MAX = 10  # Slack's file_input takes at most ten files
PHOTO_TYPES = ["jpg", "jpeg", "png", "heic"]
MAX_LINES = max_lines(FIXED_BLOCKS)


def line_limit(fields: int) -> int:
    """Gives how many lines fit beside the company's `fields` extra fields (one block each)."""
    return max_lines(FIXED_BLOCKS + fields)


STALE_FORM = "This form could not be matched to an order. Close it and open it again from the order card."


def _final_option() -> dict[str, Any]:
    return blocks.option(FINAL_TEXT, FINAL_VALUE)


def _attest_option() -> dict[str, Any]:
    return blocks.option(ATTEST_TEXT, ATTEST_VALUE)


def _view(
    order_id: int | None,
    number: str,
    revision: int | None,
    rows: list[LineRow],
    next_key: int,
    values: dict[str, Any],
    catalog: bool = False,
    custom: list[blocks.Block] | None = None,
    time: str = "",
    time_changes: Sequence[str] = (),
) -> dict[str, Any]:
    """Gives the modal; custom: the blocks of the company's own fields, shown after the note; time:
    the recorded time its lines hold (time_text), time_changes: what of it changed which line."""
    custom = custom or []
    limit = line_limit(len(custom))
    rows = rows[:limit]
    heading = (
        f"*{blocks.escape_mrkdwn(number)}* · changes to revision {revision}"
        if number
        else f"Changes to revision {revision}"
    )
    final_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": ids.CONFIRMATION_FINAL,
        "options": [_final_option(), _attest_option()],
    }
    ticked = selected_values(values, ids.CONFIRMATION_FINAL, ids.CONFIRMATION_FINAL)
    initial = [o for o in (_final_option(), _attest_option()) if o["value"] in ticked]
    if initial:
        final_element["initial_options"] = initial
    intro = heading + "\nAdjust the lines to the job as done: change, add or remove them."
    if time_changes:
        shown = [blocks.escape_mrkdwn(x) for x in time_changes[:TIME_CHANGES_SHOWN]]
        more = len(time_changes) - len(shown)
        intro += "\n:stopwatch: Recorded time put into the labour lines: " + "; ".join(shown)
        intro += f"; and {more} more" if more > 0 else ""
    view_blocks = [
        blocks.section(None, intro[:3000]),
        *editor_blocks(rows, limit, catalog),
        NOTE.block(NOTE.raw(values)),
        *custom,
        photos_block(),
        blocks.input_block(ids.CONFIRMATION_FINAL, "Final", final_element, optional=True),
    ]
    meta = {
        "order_id": order_id,
        "number": number,
        "revision": revision,
        **editor_metadata(rows, next_key, catalog),
    }
    if time:
        meta["time"] = time
    return blocks.modal(ids.CONFIRMATION, TITLE, SUBMIT, view_blocks, write_metadata(meta))


def confirmation_modal(
    order_id: int,
    number: str,
    revision: int,
    lines: list[LineDraft],
    catalog: bool = False,
    fields: Sequence[FieldSpec] = (),
    values: Mapping[str, Any] | None = None,
    time: Sequence[tuple[int, int]] = (),
    time_changes: Sequence[str] = (),
) -> dict[str, Any]:
    """Gives the modal with the order's current lines filled in (one empty line if it has none);
    catalog: the company has a catalog (each line gets a catalog picker); fields: the company's own
    fields of this form, filled with values (key → value, from the previous confirmation) or their
    defaults.

    Raises ValueError when there are more lines than a modal can show (line_limit); the forms
    never produce that many (bot.company keeps room for the new-order form's lines).
    """
    limit = line_limit(len(fields))
    if len(lines) > limit:
        raise ValueError(f"{len(lines)} lines do not fit in one confirmation form (at most {limit})")
    rows = [row_from_line(key, line) for key, line in enumerate(lines)] or [LineRow(0)]
    return _view(
        order_id,
        number[:NUMBER_MAX],
        revision,
        rows,
        len(rows),
        {},
        catalog,
        field_blocks(fields, values),
        time_text(time),
        time_changes,
    )


def rebuild(view: Any, meta: dict[str, Any], rows: list[LineRow], next_key: int) -> dict[str, Any]:
    """Gives the modal again with everything in the view's state as initial values (for views.update)."""
    number = meta.get("number")
    values = state_values(view)
    return _view(
        metadata_int(meta, "order_id", 1),
        number[:NUMBER_MAX] if isinstance(number, str) else "",
        metadata_int(meta, "revision", 0),
        rows,
        next_key,
        values,
        catalog_shown(meta),
        carried_over(view, values),
        time_text(time_of(meta)),
    )


def photos_block() -> dict[str, Any]:
    """Photos of the work, up to ten, fetched by the bot and printed on this revision's PDF (a
    file_input has no initial value: files attached before the form is redrawn stay in its state)."""
    element = {
        "type": "file_input",
        "action_id": ids.CONFIRMATION_PHOTOS,
        "filetypes": PHOTO_TYPES,
        "max_files": PHOTOS_MAX,
    }
    hint = "JPEG or PNG, up to ten: printed on this revision's PDF with your name."
    return blocks.input_block(ids.CONFIRMATION_PHOTOS, "Photos", element, optional=True, hint=hint)


def parse_photos(values: Mapping[str, Any], block_id: str) -> tuple[tuple[str, str], ...]:
    """(file id, name) of the files in a file_input (at most PHOTOS_MAX; anything else ignored)."""
    block = values.get(block_id)
    state = block.get(block_id) if isinstance(block, dict) else None
    files = state.get("files") if isinstance(state, dict) else None
    out = []
    for f in files if isinstance(files, list) else []:
        if isinstance(f, dict) and isinstance(f.get("id"), str) and f["id"]:
            out.append((f["id"][:40], str(f.get("name") or f.get("title") or f["id"])[:255]))
    return tuple(out[:PHOTOS_MAX])


@never_raises(ids.CONFIRMATION_NOTE)
def parse_confirmation(view: Any, fields: Sequence[FieldSpec] = ()) -> FormResult[ConfirmationDraft]:
    """Gives the adjusted lines, note, final flag and the company's own fields, or errors keyed by
    input block_id.

    order_id and base revision come from private_metadata: the caller re-checks both.
    """
    values = state_values(view)
    meta = read_metadata(view)
    errors: dict[str, str] = {}
    note = NOTE.read(values, errors)
    ticked = selected_values(values, ids.CONFIRMATION_FINAL, ids.CONFIRMATION_FINAL)
    final, attested = FINAL_VALUE in ticked, ATTEST_VALUE in ticked
    if final and not attested:
        errors[ids.CONFIRMATION_FINAL] = ATTEST_ERROR
    custom = parse_fields(fields, values, errors, "confirmation")
    keys, _ = row_keys(view, meta)
    lines = parse_rows(values, keys, line_limit(len(fields)), errors, row_items(meta))
    if not lines and not any(key.startswith(ids.LINE_PREFIX) for key in errors):
        first = ids.line_block(keys[0], ids.LINE_DESC) if keys else ids.CONFIRMATION_NOTE
        errors[first] = "Add at least one line"
    order_id = metadata_int(meta, "order_id", 1)
    revision = metadata_int(meta, "revision", 0)
    if order_id is None or revision is None:
        errors[ids.CONFIRMATION_NOTE] = STALE_FORM
    if errors or order_id is None or revision is None:
        return failed(errors)
    photos = parse_photos(values, ids.CONFIRMATION_PHOTOS)
    draft = ConfirmationDraft(
        order_id, revision, lines, note, final, custom, time_of(meta), photos, attested and final
    )
    return FormResult(draft)


TIME_CHANGES_SHOWN = 10
_TIME_ITEM = re.compile(r"(\d{1,12}):(\d{1,5})")


def time_text(time: Sequence[tuple[int, int]]) -> str:
    """The recorded time a form's lines hold, for its metadata: '7:150,8:0' (entry id:minutes)."""
    return ",".join(f"{entry_id}:{minutes}" for entry_id, minutes in time)


def time_of(meta: dict[str, Any]) -> tuple[tuple[int, int], ...]:
    """What time_text wrote (nothing when it is missing or damaged: the time waits for the next form)."""
    raw = meta.get("time")
    if not isinstance(raw, str) or not raw:
        return ()
    items = [_TIME_ITEM.fullmatch(x) for x in raw.split(",")]
    if not all(items):
        return ()
    return tuple((int(m[1]), int(m[2])) for m in items if m)
