"""From an order's invoice revision to the invoice-ready document (invoicing.Invoice): the seller
from the company file, the buyer from the order's client, the lines as that revision kept them.

It reads what the order stored (the client's name as typed on the order, the lines' prices and
rates as they were) plus the client's billing identity from the master data, so the accounting
system gets what the PDF of that revision shows."""

from __future__ import annotations

from datetime import date

from bot.config import Settings
from invoicing.model import Address, Invoice, InvoiceLine, Party
from workflow.masterdata import ClientView
from workflow.money import taxed
from workflow.snapshots import RevisionView


def seller_of(settings: Settings) -> Party:
    inv = settings.company.invoicing
    return Party(
        name=inv.legal_name or settings.company_name,
        address=Address(inv.street, inv.city, inv.postal_code, inv.country),
        vat_id=inv.vat_number,
        legal_id=inv.organisation_number,
        email=inv.email,
    )


def buyer_of(rev: RevisionView, client: ClientView | None, seller_country: str) -> Party:
    """The order's client; its billing address and VAT number from the client list when the order
    was made from it; the seller's country when the client list gives none (a domestic sale)."""
    order = rev.order
    if client is None:
        return Party(name=order.client, address=Address(street=order.site, country=seller_country))
    return Party(
        name=order.client,
        address=Address(
            street=client.billing_address or order.site, country=client.country or seller_country
        ),
        vat_id=client.vat_id,
        legal_id=client.number or "",
        email=client.email,
    )


def invoice_of(
    rev: RevisionView, settings: Settings, client: ClientView | None, correction_of: int | None = None
) -> Invoice:
    """The invoice data of one revision of an order (the revision Ready for invoicing made)."""
    order, tz = rev.order, settings.tz
    inv = settings.company.invoicing
    rated = taxed(rev.lines, settings.vat_rate, settings.vat_exemption)
    lines = tuple(
        InvoiceLine(
            id=str(i),
            name=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_rate=r.vat_rate,
            exemption_reason=r.exemption_reason,
            code=line.code,
            kind=line.kind,
        )
        for i, (line, r) in enumerate(zip(rev.lines, rated, strict=True), start=1)
    )
    issued: date = rev.created_at.astimezone(tz).date()
    closed = order.closed_at.astimezone(tz).date() if order.closed_at else issued
    seller = seller_of(settings)
    return Invoice(
        number=f"{order.number}-r{rev.number}",
        order_number=order.number,
        revision=rev.number,
        issue_date=issued,
        currency=settings.currency,
        seller=seller,
        buyer=buyer_of(rev, client, seller.address.country),
        lines=lines,
        payment_terms_days=inv.payment_terms_days,
        buyer_reference=_buyer_reference(rev, inv.buyer_reference_field),
        order_reference=order.number,
        period_start=min(order.planned_date, closed) if order.planned_date else closed,
        period_end=closed,
        iban=inv.iban,
        bic=inv.bic,
        note=f"Correction of revision {correction_of}" if correction_of else "",
        correction_of=correction_of,
    )


def _buyer_reference(rev: RevisionView, key: str) -> str:
    """The client's own order number (BT-10), from the company's field named for it, when filled in."""
    if not key:
        return ""
    for f in rev.order.custom_fields:
        if f.get("key") == key and str(f.get("text") or "").strip():
            return str(f["text"]).strip()[:200]
    return ""
