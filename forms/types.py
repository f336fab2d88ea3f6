"""Typed, validated data that the forms parse out of a view's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

LINE_KINDS = ("service", "material", "labour", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
OUTCOMES = ("completed", "completed_with_changes", "not_performed")


@dataclass(frozen=True)
class FieldValue:
    """One of the company's own fields (forms.custom) as filled in. The label and the shown text
    are copies, so an order keeps them when the company's file changes later."""

    form: str  # new_order | confirmation | close
    key: str
    label: str
    type: str  # text | long_text | number | date | select | checkbox
    value: Any  # as JSON: str, a number's exact text, an ISO date, a select's value, bool; None: empty
    text: str  # as shown on the card and the PDF, e.g. "Repair" for a select, "Yes" for a checkbox
    pdf: bool = True  # shown on the PDF
    colour: str = ""  # a select option's colour (#rrggbb), e.g. the order type's

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "value": self.value,
            "text": self.text,
            "pdf": self.pdf,
            "colour": self.colour,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FieldValue:
        return cls(
            str(d.get("form", "")),
            str(d.get("key", "")),
            str(d.get("label", "")),
            str(d.get("type", "")),
            d.get("value"),
            str(d.get("text", "")),
            bool(d.get("pdf", True)),
            str(d.get("colour", "")),
        )


@dataclass(frozen=True)
class LineDraft:
    kind: str  # one of LINE_KINDS
    description: str
    quantity: Decimal  # > 0
    unit: str
    unit_price: Decimal  # >= 0
    catalog_item_id: int | None = None  # picked from the catalog (the line keeps its own copies)
    code: str = ""  # the catalog item's code, copied


@dataclass(frozen=True)
class OrderDraft:
    client: str
    site: str
    contact: str
    title: str
    description: str
    planned_date: date | None
    priority: str  # one of PRIORITIES
    lines: list[LineDraft] = field(default_factory=list)
    client_id: int | None = None  # picked from the client list; None: typed (an admin is asked to add it)
    site_id: int | None = None
    contact_id: int | None = None
    custom: list[FieldValue] = field(default_factory=list)
    contact_email: str = ""  # where the customer's emails go ("": none)


@dataclass(frozen=True)
class ConfirmationDraft:
    order_id: int
    base_revision: int  # the revision the form was opened on (optimistic check)
    lines: list[LineDraft]
    note: str
    final: bool
    custom: list[FieldValue] = field(default_factory=list)
    time: tuple[tuple[int, int], ...] = ()  # the recorded time its lines hold: (entry id, minutes)
    photos: tuple[tuple[str, str], ...] = ()  # the files attached as photos: (Slack file id, name)
    attested: bool = False  # the technician attestation ticked (a final one needs it)


@dataclass(frozen=True)
class RejectDraft:
    order_id: int
    reason: str


@dataclass(frozen=True)
class FieldWorkersDraft:
    order_id: int
    user_ids: list[str]


@dataclass(frozen=True)
class CloseDraft:
    order_id: int
    outcome: str  # one of OUTCOMES
    reason: str
    custom: list[FieldValue] = field(default_factory=list)
    attested: bool = False  # "I confirm the work was carried out as recorded" ticked
