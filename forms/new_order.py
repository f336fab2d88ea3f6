"""The new-order modal: what the coordinator fills in after `/so`."""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    row_items,
    row_keys,
)
from forms.pickers import Pickers, client_block, pickers_of, read_client, read_site_id
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
# The contact's email goes in the same field (a modal holds 100 blocks: one more would cost a line)
CONTACT = TextField(ids.CONTACT, "Contact", 200, hint="Name, phone and email: the customer's emails go there")
EMAIL = re.compile(r"[^@\s<>,;\"'()]+@[^@\s<>,;\"'()]+\.[^@\s<>,;\"'().]+")
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

# Five text inputs, date, priority, the lines heading, the Add line block and the client's sites.
FIXED_BLOCKS = len(TEXT_FIELDS) + 5
MAX_LINES = max_lines(FIXED_BLOCKS)


def line_limit(fields: int) -> int:
    """Gives how many lines fit beside the company's `fields` extra fields (one block each)."""
    return max_lines(FIXED_BLOCKS + fields)


def _priority_option(priority: str) -> dict[str, Any]:
    return blocks.option(PRIORITY_LABELS[priority], priority)


def _client_blocks(values: dict[str, Any], picks: Pickers) -> list[blocks.Block]:
    """Client, Site and Contact: text inputs, or the client picker with its refillable inputs."""
    if not picks.clients:
        return [field.block(field.raw(values)) for field in (CLIENT, SITE, CONTACT)]
    site, contact = picks.versioned(SITE), picks.versioned(CONTACT)
    return [
        client_block(),
        *([picks.site_block] if picks.site_block else []),
        site.block(site.raw(values)),
        contact.block(contact.raw(values)),
    ]


def _view(
    values: dict[str, Any],
    rows: list[LineRow],
    next_key: int,
    picks: Pickers | None = None,
    catalog: bool = False,
    custom: list[blocks.Block] | None = None,
) -> dict[str, Any]:
    """Gives the modal with `values` (a state.values mapping) as the initial values; custom: the
    blocks of the company's own fields, shown after Priority."""
    picks = picks or Pickers()
    custom = custom or []
    limit = line_limit(len(custom))
    rows = rows[:limit]
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
    view_blocks = _client_blocks(values, picks)
    view_blocks += [field.block(field.raw(values)) for field in (ORDER_TITLE, DESCRIPTION)]
    view_blocks += [
        blocks.input_block(ids.PLANNED_DATE, "Planned date", date_element, optional=True),
        blocks.input_block(ids.PRIORITY, "Priority", priority_element, optional=False),
        *custom,
        blocks.section(None, "*Lines — services, materials, labour*"),
        *editor_blocks(rows, limit, catalog),
    ]
    meta = write_metadata({**editor_metadata(rows, next_key, catalog), **picks.to_meta()})
    return blocks.modal(ids.NEW_ORDER, TITLE, SUBMIT, view_blocks, meta)


def new_order_modal(
    clients: bool = False, catalog: bool = False, fields: Sequence[FieldSpec] = ()
) -> dict[str, Any]:
    """Gives the empty new-order modal, with one empty line. clients: the company keeps a client
    list (Client is a picker); catalog: it has a catalog (each line gets a catalog picker); fields:
    the company's own fields of this form."""
    return _view({}, [LineRow(0)], 1, Pickers(clients=clients), catalog, field_blocks(fields))


def rebuild(
    view: Any,
    meta: dict[str, Any],
    rows: list[LineRow],
    next_key: int,
    picks: Pickers | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Gives the modal again with everything in the view's state as initial values (for views.update).

    picks and values: what a choice in a picker changed (forms.choices); by default as they were."""
    values = state_values(view) if values is None else values
    return _view(
        values,
        rows,
        next_key,
        pickers_of(view, meta) if picks is None else picks,
        catalog_shown(meta),
        carried_over(view, values),
    )


@never_raises(ids.CLIENT)
def parse_new_order(view: Any, fields: Sequence[FieldSpec] = ()) -> FormResult[OrderDraft]:
    """Gives the order the person submitted, or errors keyed by input block_id; fields: the
    company's own fields of this form."""
    values = state_values(view)
    meta = read_metadata(view)
    picks = pickers_of(view, meta)
    errors: dict[str, str] = {}
    client_id = site_id = contact_id = None
    if picks.clients:
        client, client_id = read_client(values, picks, errors)
        site = picks.versioned(SITE).read(values, errors)
        contact = picks.versioned(CONTACT).read(values, errors)
        site_id = read_site_id(values, picks)
        if client_id is not None and picks.contact_id is not None and contact == picks.contact_text:
            contact_id = picks.contact_id
    else:
        client, site, contact = (field.read(values, errors) for field in (CLIENT, SITE, CONTACT))
    title, description = (field.read(values, errors) for field in (ORDER_TITLE, DESCRIPTION))
    found = EMAIL.search(contact)
    contact_email = found.group(0).rstrip(".") if found else ""

    raw_date = selected_date(values, ids.PLANNED_DATE, ids.PLANNED_DATE)
    planned_date = iso_date(raw_date)
    if raw_date is not None and planned_date is None:
        errors[ids.PLANNED_DATE] = "Pick a date from the calendar"

    priority = selected_value(values, ids.PRIORITY, ids.PRIORITY) or DEFAULT_PRIORITY
    if priority not in PRIORITIES:
        errors[ids.PRIORITY] = "Pick a priority: low, normal, high or urgent"

    custom = parse_fields(fields, values, errors, "new_order")
    keys, _ = row_keys(view, meta)
    lines = parse_rows(values, keys, line_limit(len(fields)), errors, row_items(meta))
    if errors:
        return failed(errors)
    return FormResult(
        OrderDraft(
            client,
            site,
            contact,
            title,
            description,
            planned_date,
            priority,
            lines,
            client_id=client_id,
            site_id=site_id if client_id is not None else None,
            contact_id=contact_id,
            custom=custom,
            contact_email=contact_email,
        )
    )
