"""Email customer: the order's current PDF to the customer, with the recipient, subject and text
prefilled (the order's contact email, the order's number and title, a greeting) and editable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import TextField, form_order_id, state_values, write_metadata

TO = TextField(ids.EMAIL_TO, "To", 254, required=True, placeholder="marta@clinica.example")
SUBJECT = TextField(ids.EMAIL_SUBJECT, "Subject", 250, required=True)
TEXT = TextField(ids.EMAIL_TEXT, "Text", 3000, multiline=True)  # Slack's most for one input


@dataclass(frozen=True)
class EmailDraft:
    order_id: int
    to: str
    subject: str
    text: str


def email_customer_modal(
    order_id: int, number: str, to: str, subject: str, text: str, attached: str
) -> dict[str, Any]:
    """The form, prefilled; attached: what goes with it, in words ('SO-0042-r2-customer.pdf, …')."""
    view_blocks = [
        TO.block(to),
        SUBJECT.block(subject),
        TEXT.block(text),
        blocks.context(None, f":paperclip: Attached: {blocks.escape_mrkdwn(attached)}"),
    ]
    meta = write_metadata({"order_id": order_id, "number": number[:50]})
    return blocks.modal(ids.EMAIL_CUSTOMER, "Email customer", "Send", view_blocks, meta)


@never_raises(ids.EMAIL_TO)
def parse_email_customer(view: Any) -> FormResult[EmailDraft]:
    errors: dict[str, str] = {}
    values = state_values(view)
    to, subject, text = TO.read(values, errors), SUBJECT.read(values, errors), TEXT.read(values, errors)
    order_id = form_order_id(view, errors, ids.EMAIL_TO)
    if errors or order_id is None:
        return failed(errors)
    return FormResult(EmailDraft(order_id, to, subject, text))
