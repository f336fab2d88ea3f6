"""The office's forms on a closed order: Mark as invoiced (the invoice number, optional) and
Restore (why the invoice data is taken back; required, it is kept with the order)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import TextField, form_order_id, state_values, write_metadata

INVOICE_NUMBER = TextField(
    ids.INVOICE_NUMBER,
    "Invoice number",
    60,
    placeholder="e.g. 2026-0187",
    hint="As your accounting system numbered it; leave empty if it has none yet.",
)
RESTORE_REASON = TextField(
    ids.RESTORE_REASON,
    "Reason",
    3000,
    required=True,
    multiline=True,
    placeholder="What must be put right",
    missing="A reason is required: it is kept with the order",
)


@dataclass(frozen=True)
class InvoicedDraft:
    order_id: int
    invoice_number: str


@dataclass(frozen=True)
class RestoreDraft:
    order_id: int
    reason: str


def mark_invoiced_modal(order_id: int, number: str) -> dict[str, Any]:
    view_blocks = [
        blocks.section(None, f"Mark *{blocks.escape_mrkdwn(number)}* as invoiced? Its life ends here."),
        INVOICE_NUMBER.block(),
    ]
    meta = write_metadata({"order_id": order_id, "number": number[:50]})
    return blocks.modal(ids.MARK_INVOICED, "Mark as invoiced", "Mark invoiced", view_blocks, meta)


def restore_modal(order_id: int, number: str) -> dict[str, Any]:
    view_blocks = [
        blocks.section(
            None,
            f"Restore *{blocks.escape_mrkdwn(number)}*? It goes back to closed; the invoice data "
            "already sent stays with the accounting, and the next *Ready for invoicing* sends a "
            "correction.",
        ),
        RESTORE_REASON.block(),
    ]
    meta = write_metadata({"order_id": order_id, "number": number[:50]})
    return blocks.modal(ids.RESTORE_ORDER, "Restore order", "Restore", view_blocks, meta)


@never_raises(ids.INVOICE_NUMBER)
def parse_mark_invoiced(view: Any) -> FormResult[InvoicedDraft]:
    errors: dict[str, str] = {}
    number = INVOICE_NUMBER.read(state_values(view), errors)
    order_id = form_order_id(view, errors, ids.INVOICE_NUMBER)
    if errors or order_id is None:
        return failed(errors)
    return FormResult(InvoicedDraft(order_id, number))


@never_raises(ids.RESTORE_REASON)
def parse_restore(view: Any) -> FormResult[RestoreDraft]:
    errors: dict[str, str] = {}
    reason = RESTORE_REASON.read(state_values(view), errors)
    order_id = form_order_id(view, errors, ids.RESTORE_REASON)
    if errors or order_id is None:
        return failed(errors)
    return FormResult(RestoreDraft(order_id, reason))
