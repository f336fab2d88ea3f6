"""The add-field-workers modal: people to invite to the order's channel."""

from __future__ import annotations

import re
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import metadata_int, read_metadata, selected_users, state_values, write_metadata
from forms.types import FieldWorkersDraft

TITLE = "Add field workers"
STALE_FORM = "This form could not be matched to an order. Close it and open it again from the order card."
MAX_PEOPLE = 100  # conversations.invite takes at most 100 users
MENTIONS_SHOWN = 40

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def _current_line(current: list[str]) -> str | None:
    mentions = [f"<@{u}>" for u in current if isinstance(u, str) and _USER_ID.fullmatch(u)]
    if not mentions:
        return None
    shown = ", ".join(mentions[:MENTIONS_SHOWN])
    more = len(mentions) - MENTIONS_SHOWN
    return f"Already on this order: {shown}" + (f" and {more} more" if more > 0 else "")


def field_workers_modal(order_id: int, number: str, current: list[str]) -> dict[str, Any]:
    """Gives the modal to pick field workers; the ones already on the order are listed, not preselected."""
    view_blocks: list[blocks.Block] = [
        blocks.section(
            None, f"Field workers for *{blocks.escape_mrkdwn(number)}* are invited to the order's channel."
        ),
    ]
    line = _current_line(current)
    if line:
        view_blocks.append(blocks.context(None, line))
    element = {
        "type": "multi_users_select",
        "action_id": ids.FIELD_WORKERS,
        "placeholder": blocks.plain("Choose people"),
    }
    view_blocks.append(blocks.input_block(ids.FIELD_WORKERS, "Field workers", element, optional=False))
    return blocks.modal(
        ids.ADD_FIELD_WORKERS,
        TITLE,
        "Add",
        view_blocks,
        write_metadata({"order_id": order_id, "number": number[:50]}),
    )


@never_raises(ids.FIELD_WORKERS)
def parse_field_workers(view: Any) -> FormResult[FieldWorkersDraft]:
    """Gives the order id (from private_metadata, to be re-checked) and the people picked, or errors."""
    errors: dict[str, str] = {}
    users = selected_users(state_values(view), ids.FIELD_WORKERS, ids.FIELD_WORKERS) or []
    picked: list[str] = []
    for user in users:
        if not (isinstance(user, str) and _USER_ID.fullmatch(user)):
            errors[ids.FIELD_WORKERS] = "Pick people from the list"
            break
        if user not in picked:
            picked.append(user)
    if not users:
        errors[ids.FIELD_WORKERS] = "Pick at least one person"
    elif len(picked) > MAX_PEOPLE:
        errors[ids.FIELD_WORKERS] = f"At most {MAX_PEOPLE} people at once"
    order_id = metadata_int(read_metadata(view), "order_id", 1)
    if order_id is None:
        errors.setdefault(ids.FIELD_WORKERS, STALE_FORM)
    if errors or order_id is None:
        return failed(errors)
    return FormResult(FieldWorkersDraft(order_id, picked))
