"""The close modal: how the order ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forms import blocks, ids
from forms.custom import FieldSpec, field_blocks, parse_fields
from forms.result import FormResult, failed, never_raises
from forms.state import (
    TextField,
    metadata_int,
    read_metadata,
    selected_value,
    selected_values,
    state_values,
    write_metadata,
)
from forms.types import OUTCOMES, CloseDraft

TITLE = "Close order"
STALE_FORM = "This form could not be matched to an order. Close it and open it again from the order card."

OUTCOME_LABELS = {
    "completed": "Completed as specified",
    "completed_with_changes": "Completed with adjustments",
    "not_performed": "Not performed",
}

REASON = TextField(ids.CLOSE_REASON, "Reason (required if not performed)", 3000, multiline=True)
ATTEST_VALUE = "attested"
ATTEST_TEXT = "I confirm the work was carried out as recorded"
ATTEST_ERROR = "Tick to confirm the work was carried out as recorded (needed unless not performed)"


def attest_block() -> dict[str, Any]:
    """The technician attestation: ticked by the person closing (required unless not performed)."""
    element = {
        "type": "checkboxes",
        "action_id": ids.CLOSE_ATTEST,
        "options": [blocks.option(ATTEST_TEXT, ATTEST_VALUE)],
    }
    hint = "Printed on the PDF with your name and the time. Not needed when the work was not performed."
    return blocks.input_block(ids.CLOSE_ATTEST, "Technician attestation", element, optional=True, hint=hint)


def close_modal(
    order_id: int, number: str, has_confirmation: bool, fields: Sequence[FieldSpec] = ()
) -> dict[str, Any]:
    """Gives the modal to close an order; "with adjustments" only once a confirmation exists.
    fields: the company's own fields of this form, shown after the reason."""
    offered = [o for o in OUTCOMES if has_confirmation or o != "completed_with_changes"]
    element = {
        "type": "radio_buttons",
        "action_id": ids.CLOSE_OUTCOME,
        "options": [blocks.option(OUTCOME_LABELS[o], o) for o in offered],
    }
    view_blocks = [
        blocks.section(None, f"Close *{blocks.escape_mrkdwn(number)}*. A closed order cannot be changed."),
        blocks.input_block(ids.CLOSE_OUTCOME, "Outcome", element, optional=False),
        REASON.block(),
        attest_block(),
        *field_blocks(fields),
    ]
    return blocks.modal(
        ids.CLOSE_ORDER,
        TITLE,
        "Close order",
        view_blocks,
        write_metadata({"order_id": order_id, "number": number[:50]}),
    )


@never_raises(ids.CLOSE_OUTCOME)
def parse_close(view: Any, fields: Sequence[FieldSpec] = ()) -> FormResult[CloseDraft]:
    """Gives the order id (from private_metadata, to be re-checked), outcome, reason and the
    company's own fields, or errors.

    Whether "completed with adjustments" is allowed (a confirmation exists) is the server's check.
    """
    values = state_values(view)
    errors: dict[str, str] = {}
    outcome = selected_value(values, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME)
    if outcome is None:
        errors[ids.CLOSE_OUTCOME] = "Choose how the order ended"
    elif outcome not in OUTCOMES:
        errors[ids.CLOSE_OUTCOME] = "Choose one of the outcomes shown"
    reason = REASON.read(values, errors)
    if outcome == "not_performed" and not reason and ids.CLOSE_REASON not in errors:
        errors[ids.CLOSE_REASON] = "Say why the order was not performed"
    attested = ATTEST_VALUE in selected_values(values, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST)
    if outcome in ("completed", "completed_with_changes") and not attested:
        errors[ids.CLOSE_ATTEST] = ATTEST_ERROR
    custom = parse_fields(fields, values, errors, "close")
    order_id = metadata_int(read_metadata(view), "order_id", 1)
    if order_id is None:
        errors.setdefault(ids.CLOSE_OUTCOME, STALE_FORM)
    if errors or order_id is None or outcome is None:
        return failed(errors)
    return FormResult(CloseDraft(order_id, outcome, reason, custom, attested))
