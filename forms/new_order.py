"""The new-order modal: what the coordinator fills in after `/so`."""

from __future__ import annotations

from typing import Any

from forms import blocks, ids
from forms.lines import LineRow, editor_blocks, editor_metadata, max_lines, parse_rows, row_keys
from forms.result import FormResult, failed, never_raises
from forms.state import (
    TextField,
    iso_date,
    read_metadata,
    selected_date,
    selected_value,
    state_values,
    write_metadata,
)
from forms.types import PRIORITIES, OrderDraft

TITLE = "New service order"
SUBMIT = "Submit"

CLIENT = TextField(ids.CLIENT, "Client", 200, required=True, placeholder="Who the work is for")
SITE = TextField(
    ids.SITE,
    "Site / address",
    500,
    required=True,
    multiline=True,
    placeholder="Where the work is done",
    missing="Site is required",
)
CONTACT = TextField(ids.CONTACT, "Contact", 200, hint="Name and phone")
ORDER_TITLE = TextField(ids.TITLE, "What is to be done", 150, required=True, missing="Say what is to be done")
DESCRIPTION = TextField(
    ids.DESCRIPTION,
    "Description",
    3000,
    multiline=True,
    placeholder="Details, access, anything the field workers should know",
)
TEXT_FIELDS = (CLIENT, SITE, CONTACT, ORDER_TITLE, DESCRIPTION)

PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
DEFAULT_PRIORITY = "normal"

# Five text inputs, date, priority, the lines heading and the Add line block.
FIXED_BLOCKS = len(TEXT_FIELDS) + 4
MAX_LINES = max_lines(FIXED_BLOCKS)


def _priority_option(priority: str) -> dict[str, Any]:
    return blocks.option(PRIORITY_LABELS[priority], priority)


def _view(values: dict[str, Any], rows: list[LineRow], next_key: int) -> dict[str, Any]:
    """Gives the modal with `values` (a state.values mapping) as the initial values."""
    rows = rows[:MAX_LINES]
    date_element: dict[str, Any] = {
        "type": "datepicker",
        "action_id": ids.PLANNED_DATE,
        "placeholder": blocks.plain("Pick a date"),
    }
    planned = iso_date(selected_date(values, ids.PLANNED_DATE, ids.PLANNED_DATE))
    if planned is not None:
        date_element["initial_date"] = planned.isoformat()
    priority = selected_value(values, ids.PRIORITY, ids.PRIORITY)
    priority_element = {
        "type": "static_select",
        "action_id": ids.PRIORITY,
        "options": [_priority_option(p) for p in PRIORITIES],
        "initial_option": _priority_option(priority if priority in PRIORITIES else DEFAULT_PRIORITY),
    }
    view_blocks = [field.block(field.raw(values)) for field in TEXT_FIELDS]
    view_blocks += [
        blocks.input_block(ids.PLANNED_DATE, "Planned date", date_element, optional=True),
        blocks.input_block(ids.PRIORITY, "Priority", priority_element, optional=False),
        blocks.section(None, "*Lines — services, materials, labour*"),
        *editor_blocks(rows, MAX_LINES),
    ]
    meta = write_metadata(editor_metadata(rows, next_key))
    return blocks.modal(ids.NEW_ORDER, TITLE, SUBMIT, view_blocks, meta)


def new_order_modal() -> dict[str, Any]:
    """Gives the empty new-order modal, with one empty line."""
    return _view({}, [LineRow(0)], 1)


def rebuild(view: Any, meta: dict[str, Any], rows: list[LineRow], next_key: int) -> dict[str, Any]:
    """Gives the modal again with everything in the view's state as initial values (for views.update)."""
    return _view(state_values(view), rows, next_key)


@never_raises(ids.CLIENT)
def parse_new_order(view: Any) -> FormResult[OrderDraft]:
    """Gives the order the person submitted, or errors keyed by input block_id."""
    values = state_values(view)
    errors: dict[str, str] = {}
    client, site, contact, title, description = (field.read(values, errors) for field in TEXT_FIELDS)

    raw_date = selected_date(values, ids.PLANNED_DATE, ids.PLANNED_DATE)
    planned_date = iso_date(raw_date)
    if raw_date is not None and planned_date is None:
        errors[ids.PLANNED_DATE] = "Pick a date from the calendar"

    priority = selected_value(values, ids.PRIORITY, ids.PRIORITY) or DEFAULT_PRIORITY
    if priority not in PRIORITIES:
        errors[ids.PRIORITY] = "Pick a priority: low, normal, high or urgent"

    keys, _ = row_keys(view, read_metadata(view))
    lines = parse_rows(values, keys, MAX_LINES, errors)
    if errors:
        return failed(errors)
    return FormResult(OrderDraft(client, site, contact, title, description, planned_date, priority, lines))
