"""The forms that end an order's life another way: Cancel (why; required, the channel is told)
and Delete (an admin types the order's number to confirm: the order and its data go for good)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import TextField, form_order_id, read_metadata, state_values, write_metadata

CANCEL_REASON = TextField(
    ids.CANCEL_REASON,
    "Reason",
    3000,
    required=True,
    multiline=True,
    placeholder="Why the order is called off",
    missing="A reason is required: the order's channel is told why",
)
DELETE_CONFIRM = TextField(
    ids.DELETE_CONFIRM,
    "Type the order's number to confirm",
    20,
    required=True,
    placeholder="SO-0042",
    missing="Type the order's number to confirm",
)


@dataclass(frozen=True)
class CancelDraft:
    order_id: int
    reason: str


@dataclass(frozen=True)
class DeleteDraft:
    order_id: int
    number: str


def cancel_modal(order_id: int, number: str) -> dict[str, Any]:
    view_blocks = [
        blocks.section(
            None,
            f"Cancel *{blocks.escape_mrkdwn(number)}*? Everyone in its channel is told why; its history "
            "is kept, and the office can reinstate it.",
        ),
        CANCEL_REASON.block(),
    ]
    meta = write_metadata({"order_id": order_id, "number": number[:50]})
    return blocks.modal(ids.CANCEL_ORDER, "Cancel order", "Cancel order", view_blocks, meta, close="Back")


def delete_modal(order_id: int, number: str, title: str, client: str, status: str) -> dict[str, Any]:
    """Delete an order for good: what it is, what happens, and the number typed to confirm."""
    esc = blocks.escape_mrkdwn
    view_blocks = [
        blocks.section(
            None,
            f":warning: Delete *{esc(number)}* — {esc(title)} for {esc(client)} ({esc(status)})?\n"
            "Its lines, history, members and recorded time are removed for good, and its channel is "
            f"archived. The number {esc(number)} is never used again; the audit keeps who deleted it "
            "and when.",
        ),
        DELETE_CONFIRM.block(),
    ]
    meta = write_metadata({"order_id": order_id, "number": number[:50]})
    return blocks.modal(ids.DELETE_ORDER, "Delete order", "Delete", view_blocks, meta)


@never_raises(ids.CANCEL_REASON)
def parse_cancel(view: Any) -> FormResult[CancelDraft]:
    errors: dict[str, str] = {}
    reason = CANCEL_REASON.read(state_values(view), errors)
    order_id = form_order_id(view, errors, ids.CANCEL_REASON)
    if errors or order_id is None:
        return failed(errors)
    return FormResult(CancelDraft(order_id, reason))


@never_raises(ids.DELETE_CONFIRM)
def parse_delete(view: Any) -> FormResult[DeleteDraft]:
    """The order to delete, when the number typed is the order's (any case, spaces around)."""
    errors: dict[str, str] = {}
    typed = DELETE_CONFIRM.read(state_values(view), errors)
    order_id = form_order_id(view, errors, ids.DELETE_CONFIRM)
    number = str(read_metadata(view).get("number") or "")
    if not errors and typed.strip().upper() != number.upper():
        errors[ids.DELETE_CONFIRM] = (
            f"Type {number} to delete it (you typed {typed[:20]}). Nothing was deleted."
        )
    if errors or order_id is None:
        return failed(errors)
    return FormResult(DeleteDraft(order_id, number))
