"""The invoices as CSV, one row per invoice line with the invoice's header and totals repeated, for
accounting systems and spreadsheets that import flat files.

A cell that starts with = + - @, a tab or a carriage return is prefixed with "'", because a
spreadsheet would run it as a formula (CSV injection); a plain number such as "-45.00" is left as
it is, since it runs nothing and a credit line must stay a number."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from invoicing.model import (
    Invoice,
    amount_text,
    buyer_reference,
    category_of,
    compact,
    due_date,
    line_net,
    number_text,
    rate_text,
    totals,
)
from invoicing.units import unit_code

CSV_COLUMNS: tuple[str, ...] = (
    "invoice_number", "order_number", "revision", "issue_date", "due_date", "currency",
    "buyer_name", "buyer_vat_id", "buyer_reference",
    "line_id", "code", "name", "kind", "quantity", "unit", "unit_code", "unit_price",
    "vat_category", "vat_rate", "exemption_reason", "line_net",
    "invoice_net", "invoice_vat", "invoice_gross",
)  # fmt: skip

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def to_csv_rows(invoice: Invoice) -> list[list[str]]:
    """Gives one row of text per invoice line, in CSV_COLUMNS order, not yet defused."""
    total = totals(invoice.lines)
    head = [
        invoice.number, invoice.order_number, str(invoice.revision), invoice.issue_date.isoformat(),
        due_date(invoice).isoformat(), invoice.currency,
        invoice.buyer.name, compact(invoice.buyer.vat_id), buyer_reference(invoice),
    ]  # fmt: skip
    tail = [amount_text(total.net), amount_text(total.vat), amount_text(total.gross)]
    return [
        [
            *head,
            line.id,
            line.code,
            line.name,
            line.kind,
            number_text(line.quantity),
            line.unit,
            unit_code(line.unit),
            number_text(line.unit_price),
            category_of(line.vat_rate),
            rate_text(line.vat_rate),
            line.exemption_reason,
            amount_text(line_net(line)),
            *tail,
        ]  # fmt: skip
        for line in invoice.lines
    ]


def to_csv(invoices: Iterable[Invoice]) -> str:
    """Gives the header and the rows of every invoice, "\\r\\n" line ends, formula cells defused."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for invoice in invoices:
        writer.writerows([defuse(cell) for cell in row] for row in to_csv_rows(invoice))
    return out.getvalue()


def defuse(cell: str) -> str:
    """Gives the cell as a spreadsheet will show it without evaluating it."""
    if cell.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
