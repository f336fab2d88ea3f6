"""The company's choices the workflow applies (from the bot's settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from workflow.checklists import ChecklistTemplate
from workflow.home import REFRESH_SECONDS


@dataclass(frozen=True)
class InvoiceRules:
    """What must be true before a closed order's invoice data may go out (the company file's
    `invoicing:` section); every rule broken is told at once."""

    # A note of what was done: the close reason, a confirmation note or a thread note
    require_note: bool = False
    # The company's own fields that must be filled in: (form, key, label)
    required_fields: tuple[tuple[str, str, str], ...] = ()
    # What the company file lacks for an invoice (e.g. "the seller's VAT number"), found at start-up
    seller_missing: tuple[str, ...] = ()
    send_to_erp: bool = False  # SO_ERP_WEBHOOK_URL is set: the invoice data is posted there


@dataclass(frozen=True)
class Policy:
    allow_self_approval: bool = False
    private_channels: bool = True
    home_refresh_seconds: float = REFRESH_SECONDS  # SO_HOME_REFRESH_SECONDS
    # Catalog lines keep the catalog's unit price unless the person is a supervisor or an admin
    # (SO_CATALOG_PRICES=locked | editable)
    lock_catalog_prices: bool = True
    # VAT (percent) of lines typed or picked without a rate of their own (SO_VAT_RATE or the company
    # file's invoicing.vat_rate) and, when it is 0, the exemption printed with it
    vat_rate: Decimal = Decimal(0)
    vat_exemption: str = ""
    # The company's rules for Ready for invoicing (workflow.invoicing)
    invoicing: InvoiceRules = field(default_factory=lambda: InvoiceRules())
    # Time from the field: the catalog item's code recorded time is priced as (the company file's
    # time.labour_item; "": the catalog's only labour item, if it has one) and the company's time
    # zone, whose dates a timer's time is booked on
    labour_item: str = ""
    timezone: str = "UTC"
    # Articles to be ordered: who is emailed when articles are added (the company file's
    # articles.email; "": nobody)
    articles_email: str = ""
    # The customer's emails (an SMTP server configured, the company file's email section): the order
    # confirmation on approval and the final order on closing, to the order's contact email, with
    # the PDF — without prices unless the customer sees them
    email_enabled: bool = False  # an SMTP server is configured: Email customer can send
    email_on_approval: bool = False
    email_on_close: bool = False
    customer_sees_prices: bool = False
    # Self-checks: the company file's checklists, attached to the orders they apply to on approval
    checklists: tuple[ChecklistTemplate, ...] = ()
