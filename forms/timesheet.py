"""The Log time form: time worked on an order that was not timed (date, hours, note), and the same
form to correct an entry (with Remove). `parse_hours` reads what people type: 2h30, 2:30, 2.5, 90m."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import (
    TextField,
    iso_date,
    metadata_int,
    read_metadata,
    selected_date,
    selected_values,
    state_values,
    text_value,
    write_metadata,
)

MINUTES_MAX = 24 * 60
HOURS_HOW_TO = "Type the time worked, e.g. 2h30, 2:30, 2.5 or 45m (at most 24 hours)"
STALE_FORM = "This form could not be matched to an order. Close it and open it again from the order card."
REMOVE_VALUE = "remove"

NOTE = TextField(ids.TIME_NOTE, "Note", 500, placeholder="What was done, e.g. cabling")

_HM = re.compile(r"(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*(?:m|min|mins|minutes)?)?", re.IGNORECASE)


def parse_hours(text: str) -> int | None:
    """Minutes in what was typed: '2h30', '2 h 30 min', '2:30', '2.5', '2,5', '2h', '45m', '90min';
    None when it is none of those, or not more than 0 and at most 24 hours."""
    t = text.strip().lower().replace(" ", "")
    minutes: int | None = None
    if m := re.fullmatch(r"(\d{1,2}):([0-5]\d)", t):
        minutes = int(m[1]) * 60 + int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})(?:[.,](\d{1,2}))?h?", t):
        fraction = int((m[2] or "0").ljust(2, "0"))
        minutes = int(m[1]) * 60 + round(fraction * 60 / 100)
    elif t and (m := _HM.fullmatch(t)) and (m[1] or m[2]):
        if m[1] is None and not re.search(r"m", t):
            return None
        minutes = int(m[1] or 0) * 60 + int(m[2] or 0)
    if minutes is None or not 0 < minutes <= MINUTES_MAX:
        return None
    return minutes


def hours_text(minutes: int) -> str:
    """'2h30', '2h', '45m': as parse_hours reads it back."""
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}" if h and m else f"{h}h" if h else f"{m}m"


@dataclass(frozen=True)
class TimeDraft:
    order_id: int
    entry_id: int | None  # None: new time; else the entry corrected
    work_date: date
    minutes: int  # 0 when removed
    note: str
    remove: bool = False


def log_time_modal(
    order_id: int,
    number: str,
    today: date,
    entry_id: int | None = None,
    work_date: date | None = None,
    minutes: int | None = None,
    note: str = "",
    whose: str = "",
) -> dict[str, Any]:
    """The form; with entry_id, the entry's values filled in and a Remove choice (whose: the name
    of the person whose time it is, when it is someone else's)."""
    heading = (
        f"Correct time on *{blocks.escape_mrkdwn(number)}*"
        + (f" recorded by {blocks.escape_mrkdwn(whose)}" if whose else "")
        if entry_id
        else f"Time you worked on *{blocks.escape_mrkdwn(number)}* that was not timed."
    )
    date_element = {
        "type": "datepicker",
        "action_id": ids.TIME_DATE,
        "initial_date": (work_date or today).isoformat(),
    }
    hours = blocks.text_input(
        ids.TIME_HOURS, max_length=20, placeholder="e.g. 2h30", initial=hours_text(minutes) if minutes else ""
    )
    view_blocks = [
        blocks.section(None, heading),
        blocks.input_block(ids.TIME_DATE, "Date", date_element, optional=False),
        blocks.input_block(ids.TIME_HOURS, "Hours", hours, optional=False, hint="2h30, 2:30, 2.5 or 45m"),
        NOTE.block(note),
    ]
    if entry_id:
        remove = {
            "type": "checkboxes",
            "action_id": ids.TIME_REMOVE,
            "options": [blocks.option("Remove this time", REMOVE_VALUE)],
        }
        view_blocks.append(blocks.input_block(ids.TIME_REMOVE, "Remove", remove, optional=True))
    meta = write_metadata({"order_id": order_id, "entry_id": entry_id, "number": number[:50]})
    title, submit = ("Correct time", "Save") if entry_id else ("Log time", "Log time")
    return blocks.modal(ids.LOG_TIME, title, submit, view_blocks, meta)


@never_raises(ids.TIME_HOURS)
def parse_log_time(view: Any, today: date) -> FormResult[TimeDraft]:
    """The time typed, or errors under the field: hours unreadable, a date in the future."""
    values = state_values(view)
    meta = read_metadata(view)
    errors: dict[str, str] = {}
    remove = REMOVE_VALUE in selected_values(values, ids.TIME_REMOVE, ids.TIME_REMOVE)
    work_date = iso_date(selected_date(values, ids.TIME_DATE, ids.TIME_DATE))
    if work_date is None:
        errors[ids.TIME_DATE] = "Pick the day the work was done"
    elif work_date > today and not remove:
        errors[ids.TIME_DATE] = "The date is in the future: time is recorded once worked"
    minutes = 0
    if not remove:
        minutes = parse_hours(text_value(values, ids.TIME_HOURS, ids.TIME_HOURS) or "") or 0
        if not minutes:
            errors[ids.TIME_HOURS] = HOURS_HOW_TO
    note = NOTE.read(values, errors)
    order_id = metadata_int(meta, "order_id", 1)
    entry_id = metadata_int(meta, "entry_id", 1)
    if order_id is None:
        errors[ids.TIME_HOURS] = STALE_FORM
    if errors or order_id is None or work_date is None:
        return failed(errors)
    return FormResult(TimeDraft(order_id, entry_id, work_date, minutes, note, remove))
