"""The CSV export: one row per invoice line, safe to open in a spreadsheet."""

import csv
import io
from dataclasses import replace
from decimal import Decimal

from invoicing import CSV_COLUMNS, InvoiceLine, to_csv, to_csv_rows
from tests.invoicing.test_invoice_model import spanish_invoice


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_line():
    text = to_csv([spanish_invoice(), spanish_invoice(number="SO-0043-r1", order_number="SO-0043")])
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    rows = parsed(text)
    assert len(rows) == 8
    first = rows[0]
    assert first["invoice_number"] == "SO-0042-r3"
    assert first["buyer_name"] == "Clínica Dental Sonrisa"
    assert first["buyer_vat_id"] == "ESB87654321"
    assert (first["quantity"], first["unit"], first["unit_code"]) == ("2.5", "hours", "HUR")
    assert (first["unit_price"], first["vat_category"], first["vat_rate"], first["line_net"]) == (
        "45.00", "S", "21", "112.50")  # fmt: skip
    assert (first["invoice_net"], first["invoice_vat"], first["invoice_gross"]) == (
        "500.30",
        "45.96",
        "546.26",
    )
    exempt = rows[3]
    assert (exempt["vat_category"], exempt["vat_rate"]) == ("E", "0")
    assert exempt["exemption_reason"].startswith("Exento")
    assert rows[4]["invoice_number"] == "SO-0043-r1"


def test_rows_are_text_in_column_order():
    rows = to_csv_rows(spanish_invoice())
    assert len(rows) == 4
    assert all(len(row) == len(CSV_COLUMNS) and all(type(cell) is str for cell in row) for row in rows)
    assert rows[1][CSV_COLUMNS.index("code")] == "FLT-600"


def test_formula_cells_are_defused_but_negative_numbers_stay_numbers():
    lines = (
        InvoiceLine("1", '=HYPERLINK("http://evil.example","Pulse aquí")', Decimal("-1"), "h",
                    Decimal("45.00"), Decimal("21"), code="@SUM(A1)", kind="+labour"),
    )  # fmt: skip
    invoice = replace(spanish_invoice(), lines=lines, buyer_reference="-2+3")
    (row,) = parsed(to_csv([invoice]))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","Pulse aquí")'
    assert row["code"] == "'@SUM(A1)"
    assert row["kind"] == "'+labour"
    assert row["buyer_reference"] == "'-2+3"
    assert (row["quantity"], row["line_net"]) == ("-1", "-45.00")


def test_a_tab_at_the_start_is_defused():
    line = InvoiceLine("1", "\tcmd", Decimal("1"), "h", Decimal("1.00"), Decimal("21"))
    (row,) = parsed(to_csv([replace(spanish_invoice(), lines=(line,))]))
    assert row["name"] == "'\tcmd"
