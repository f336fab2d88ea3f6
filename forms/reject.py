"""The reject modal: a supervisor says why an order is rejected."""

from __future__ import annotations

from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import TextField, metadata_int, read_metadata, state_values, write_metadata
from forms.types import RejectDraft

TITLE = "Reject order"
STALE_FORM = "This form could not be matched to an order. Close it and open it again from the order card."

REASON = TextField(
    ids.REJECT_REASON,
    "Reason",
    3000,
    required=True,
    multiline=True,
    placeholder="Why the order is rejected",
    missing="A reason is required",
)


def reject_modal(order_id: int, number: str) -> dict[str, Any]:
    """Gives the modal that asks for the reason of a rejection."""
    view_blocks = [
        blocks.section(
            None,
            f"Reject *{blocks.escape_mrkdwn(number)}*? The requester sees the reason, "
            "and the order ends here.",
        ),
        REASON.block(),
    ]
    return blocks.modal(
        ids.REJECT_ORDER,
        TITLE,
        "Reject",
        view_blocks,
        write_metadata({"order_id": order_id, "number": number[:50]}),
    )


@never_raises(ids.REJECT_REASON)
def parse_reject(view: Any) -> FormResult[RejectDraft]:
    """Gives the order id (from private_metadata, to be re-checked) and the reason, or errors."""
    errors: dict[str, str] = {}
    reason = REASON.read(state_values(view), errors)
    order_id = metadata_int(read_metadata(view), "order_id", 1)
    if order_id is None:
        errors.setdefault(ids.REJECT_REASON, STALE_FORM)
    if errors or order_id is None:
        return failed(errors)
    return FormResult(RejectDraft(order_id, reason))
