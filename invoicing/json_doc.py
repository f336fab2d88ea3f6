"""The invoice as a JSON document for an accounting system's import (schema/invoice-v1.schema.json).

Every amount, quantity and rate is a decimal string ("90.00", "1.5", "21"): a JSON number becomes a
float in most readers, and no float may touch money. The names follow EN 16931; the schema gives
each one's BT/BG id. to_json_bytes gives the canonical bytes, the ones a webhook signs."""

from __future__ import annotations

import json
from pathlib import Path

from invoicing.model import (
    Invoice,
    InvoiceLine,
    Party,
    amount_text,
    buyer_reference,
    category_of,
    compact,
    due_date,
    endpoint_of,
    line_net,
    number_text,
    rate_text,
    terms_text,
    totals,
    vat_breakdown,
)
from invoicing.units import unit_code

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "invoice-v1.schema.json"
VERSION = 1


def to_json(invoice: Invoice) -> dict:
    """Gives the document as plain JSON values (str, int, None, dict, list), version 1."""
    total = totals(invoice.lines)
    return {
        "version": VERSION,
        "number": invoice.number,
        "order_number": invoice.order_number,
        "revision": invoice.revision,
        "correction_of": invoice.correction_of,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": due_date(invoice).isoformat(),
        "currency": invoice.currency,
        "buyer_reference": buyer_reference(invoice),
        "order_reference": invoice.order_reference,
        "delivery_period": _period(invoice),
        "payment_terms": {"days": invoice.payment_terms_days, "text": terms_text(invoice)},
        "payment": {"iban": compact(invoice.iban), "bic": compact(invoice.bic)}
        if invoice.iban.strip()
        else None,
        "note": invoice.note,
        "seller": party_json(invoice.seller),
        "buyer": party_json(invoice.buyer),
        "lines": [line_json(line) for line in invoice.lines],
        "vat_breakdown": [
            {
                "category": s.category,
                "rate": rate_text(s.rate),
                "taxable": amount_text(s.taxable),
                "tax": amount_text(s.tax),
                "exemption_reason": s.exemption_reason,
            }
            for s in vat_breakdown(invoice.lines)
        ],
        "totals": {
            "net": amount_text(total.net),
            "vat": amount_text(total.vat),
            "gross": amount_text(total.gross),
            "payable": amount_text(total.gross),
        },
    }


def to_json_bytes(invoice: Invoice) -> bytes:
    """Gives the canonical UTF-8 bytes of to_json: sorted keys, no spaces, so a signature is stable."""
    return json.dumps(to_json(invoice), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def party_json(party: Party) -> dict:
    """Gives BG-4 (seller) or BG-7 (buyer), the street split into its two lines."""
    street, _, additional = party.address.street.partition("\n")
    endpoint = endpoint_of(party)
    return {
        "name": party.name,
        "vat_id": compact(party.vat_id),
        "legal_id": party.legal_id,
        "email": party.email,
        "endpoint": {"scheme": endpoint[0], "id": endpoint[1]} if endpoint else None,
        "address": {
            "street": street.strip(),
            "additional_street": additional.strip(),
            "city": party.address.city,
            "postal_code": party.address.postal_code,
            "country": party.address.country,
        },
    }


def line_json(line: InvoiceLine) -> dict:
    """Gives BG-25, one invoice line, with the typed unit kept beside its Rec 20 code."""
    return {
        "id": line.id,
        "code": line.code,
        "name": line.name,
        "kind": line.kind,
        "quantity": number_text(line.quantity),
        "unit": line.unit,
        "unit_code": unit_code(line.unit),
        "unit_price": number_text(line.unit_price),
        "vat_category": category_of(line.vat_rate),
        "vat_rate": rate_text(line.vat_rate),
        "exemption_reason": line.exemption_reason,
        "net": amount_text(line_net(line)),
    }


def _period(invoice: Invoice) -> dict | None:
    if invoice.period_start is None and invoice.period_end is None:
        return None
    return {
        "start": invoice.period_start.isoformat() if invoice.period_start else None,
        "end": invoice.period_end.isoformat() if invoice.period_end else None,
    }
