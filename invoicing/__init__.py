"""Invoice-ready orders → the documents an accounting system imports, after EN 16931: a JSON
document with its schema, a Peppol BIS Billing 3.0 UBL invoice, a CSV, and the signature of the
webhook that carries them. Plain values in, bytes out: no database, no Slack, nothing of ours."""

from invoicing.csv_doc import CSV_COLUMNS, to_csv, to_csv_rows
from invoicing.json_doc import SCHEMA_PATH, to_json, to_json_bytes
from invoicing.model import (
    Address,
    Invoice,
    InvoiceLine,
    Party,
    Totals,
    VatSubtotal,
    category_of,
    check,
    line_net,
    totals,
    vat_breakdown,
)
from invoicing.signing import headers, sign, verify
from invoicing.ubl import to_ubl, validate_ubl
from invoicing.units import unit_code

__all__ = [
    "CSV_COLUMNS",
    "SCHEMA_PATH",
    "Address",
    "Invoice",
    "InvoiceLine",
    "Party",
    "Totals",
    "VatSubtotal",
    "category_of",
    "check",
    "headers",
    "line_net",
    "sign",
    "to_csv",
    "to_csv_rows",
    "to_json",
    "to_json_bytes",
    "to_ubl",
    "totals",
    "unit_code",
    "validate_ubl",
    "vat_breakdown",
    "verify",
]
