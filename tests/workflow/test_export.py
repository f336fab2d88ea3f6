"""Exporting orders: every field, one row per line of the current revision, Unicode, exact numbers,
and ten thousand orders streamed in flat memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from dataclasses import replace
from datetime import date

from bulk import insert_orders
from wf_helpers import ADMIN, REQUESTER, SUPERVISOR, WORKER, draft, line

from forms import OrderFilters
from workflow.export import BOM, export_columns, write_csv, write_json_lines
from workflow.service import Workflow

EVERYTHING = OrderFilters()
HEADER = [
    "number",
    "status",
    "outcome",
    "client",
    "site",
    "contact",
    "title",
    "order_description",
    "priority",
    "planned_date",
    "requester_id",
    "requester_name",
    "approver_id",
    "approver_name",
    "approved_at",
    "field_worker_ids",
    "field_worker_names",
    "revision",
    "created_at",
    "closed_at",
    "line_number",
    "line_kind",
    "line_description",
    "quantity",
    "unit",
    "unit_price",
    "line_total",
    "order_total",
    "vat_rate",
    "order_vat",
    "order_gross",
    "invoice_number",
]
NAMES = {REQUESTER: "Layla Haddad", SUPERVISOR: "Ogechi Okafor", WORKER: "Diego Ramírez"}


def csv_of(wf: Workflow, filters: OrderFilters = EVERYTHING, viewer: str | None = None, names=None):  # type: ignore[no-untyped-def]
    out = io.StringIO(newline="")
    stats = write_csv(wf.export_orders(filters, viewer), out, names=names)
    text = out.getvalue()
    assert text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text[len(BOM) :], newline="")))
    return text, rows, stats


def closed_order(wf: Workflow) -> int:
    """Submitted, approved, a field worker added, confirmed with changed lines, closed."""
    order = wf.submit(
        REQUESTER,
        replace(
            draft("Clínica Dental Norte, S.L.", "Router “Ñandú” 🚀"),
            planned_date=date(2026, 11, 30),
            description="Line one\nline two, with a comma",
        ),
    ).id
    wf.approve(order, SUPERVISOR)
    wf.add_field_workers(order, REQUESTER, [WORKER])
    wf.confirm(
        order,
        WORKER,
        1,
        [
            line("Router swap", "3", "45.00"),
            line("Cable Cat6 — ñ", "12.5", "1.99", kind="material", unit="m"),
        ],
        note="as done",
        final=True,
        attested=True,
    )
    return order


def test_every_field_of_a_closed_order_one_row_per_line(wf, clock):
    closed_order(wf)
    text, rows, stats = csv_of(wf, names=NAMES.get)
    assert text.splitlines()[0] == BOM + ",".join(HEADER)
    assert [c.name for c in export_columns()] == HEADER
    assert (stats.orders, stats.rows) == (1, 2)
    first, second = rows
    assert first == {
        "number": "SO-0001",
        "status": "closed",
        "outcome": "completed_with_changes",
        "client": "Clínica Dental Norte, S.L.",
        "site": "Main Street 1, Springfield",
        "contact": "Jo +1 555 0100",
        "title": "Router “Ñandú” 🚀",
        "order_description": "Line one\nline two, with a comma",
        "priority": "normal",
        "planned_date": "2026-11-30",
        "requester_id": REQUESTER,
        "requester_name": "Layla Haddad",
        "approver_id": SUPERVISOR,
        "approver_name": "Ogechi Okafor",
        "approved_at": "2025-03-03T09:00:00Z",
        "field_worker_ids": WORKER,
        "field_worker_names": "Diego Ramírez",
        "revision": "2",
        "created_at": "2025-03-03T09:00:00Z",
        "closed_at": "2025-03-03T09:00:00Z",
        "line_number": "1",
        "line_kind": "service",
        "line_description": "Router swap",
        "quantity": "3",
        "unit": "h",
        "unit_price": "45.00",
        "line_total": "135.00",
        "order_total": "159.88",
        "vat_rate": "0",  # the workflow's default Policy: no VAT configured
        "order_vat": "0.00",
        "order_gross": "159.88",
        "invoice_number": "",
    }
    assert (second["line_number"], second["line_description"], second["quantity"]) == (
        "2",
        "Cable Cat6 — ñ",
        "12.5",
    )
    assert (second["unit_price"], second["line_total"], second["order_total"]) == ("1.99", "24.88", "159.88")
    assert {k: v for k, v in second.items() if not k.startswith(("line", "quantity", "unit"))} == {
        k: v for k, v in first.items() if not k.startswith(("line", "quantity", "unit"))
    }


def test_without_a_name_lookup_the_name_columns_stay_empty(wf):
    closed_order(wf)
    _, rows, _ = csv_of(wf)
    assert rows[0]["requester_id"] == REQUESTER and rows[0]["requester_name"] == ""
    assert rows[0]["field_worker_names"] == "" and list(rows[0]) == HEADER


def test_a_rejected_order_has_no_approver_and_an_order_without_lines_has_one_row(wf):
    rejected = wf.submit(REQUESTER, draft("Acme", "No", lines=[])).id
    wf.reject(rejected, SUPERVISOR, "not needed")
    _, rows, stats = csv_of(wf)
    assert (stats.orders, stats.rows) == (1, 1)
    (row,) = rows
    assert row["status"] == "rejected" and row["approver_id"] == "" and row["approved_at"] == ""
    assert row["line_number"] == row["quantity"] == row["line_total"] == "" and row["order_total"] == "0.00"


def test_a_pending_order_exports_what_was_submitted(wf):
    wf.submit(REQUESTER, draft())
    _, rows, _ = csv_of(wf)
    assert [r["line_description"] for r in rows] == ["Router swap", "Cable Cat6"]
    assert rows[0]["revision"] == "0" and rows[0]["approver_id"] == "" and rows[0]["closed_at"] == ""


def test_text_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(wf):
    wf.submit(REQUESTER, draft('=HYPERLINK("http://x")', "+cmd", lines=[line("@SUM(A1)", "1", "-0")]))
    _, rows, _ = csv_of(wf)
    assert rows[0]["client"] == '\'=HYPERLINK("http://x")' and rows[0]["title"] == "'+cmd"
    assert rows[0]["line_description"] == "'@SUM(A1)"
    assert rows[0]["unit_price"] == "0.00"  # numbers are never touched


def test_filters_and_who_sees_what_apply(wf):
    closed_order(wf)
    wf.submit(REQUESTER, draft("Globex", "Other"))
    assert [r["number"] for r in csv_of(wf, OrderFilters(client="globex"))[1]] == ["SO-0002"] * 2
    assert {r["number"] for r in csv_of(wf, viewer=WORKER)[1]} == {"SO-0001"}
    assert {r["number"] for r in csv_of(wf, viewer=ADMIN)[1]} == {"SO-0001", "SO-0002"}
    assert csv_of(wf, OrderFilters(statuses=frozenset({"cancelled"})))[2].orders == 0


def test_json_lines_one_order_a_line_with_its_lines(wf):
    closed_order(wf)
    out = io.StringIO()
    stats = write_json_lines(wf.export_orders(EVERYTHING, None), out, names=NAMES.get)
    (only,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert stats.orders == 1
    assert only["number"] == "SO-0001" and only["title"] == "Router “Ñandú” 🚀"
    assert only["requester"] == {"id": REQUESTER, "name": "Layla Haddad"}
    assert only["approver"] == {"id": SUPERVISOR, "name": "Ogechi Okafor"}
    assert only["field_workers"] == [{"id": WORKER, "name": "Diego Ramírez"}]
    assert only["total"] == "159.88" and only["planned_date"] == "2026-11-30" and only["custom_fields"] == {}
    assert only["lines"][1] == {
        "position": 2,
        "kind": "material",
        "description": "Cable Cat6 — ñ",
        "quantity": "12.5",
        "unit": "m",
        "unit_price": "1.99",
        "total": "24.88",
        "vat_rate": "0",
    }


def test_batches_keep_every_order_once_in_order(wf):
    seqs = insert_orders(wf.engine, 1203, lines_per_order=0)
    exported = [o.seq for o in wf.export_orders(EVERYTHING, None)]
    assert exported == seqs


class _Sink:
    """A file that keeps nothing: what is measured is the export, not its output."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def _peak_export(wf: Workflow) -> tuple[int, int]:
    """(peak bytes allocated while exporting every order, rows written)."""
    sink = _Sink()
    tracemalloc.start()
    try:
        stats = write_csv(wf.export_orders(EVERYTHING, None), sink)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, stats.rows


def test_ten_thousand_orders_stream_in_the_memory_of_one_thousand(wf):
    insert_orders(wf.engine, 1000)
    _peak_export(wf)  # once before measuring: the statement caches are filled the first time
    peak_1k, rows_1k = _peak_export(wf)
    insert_orders(wf.engine, 9000)
    peak_10k, rows_10k = _peak_export(wf)
    assert (rows_1k, rows_10k) == (2000, 20000)
    # Ten times the orders, about the same memory: a batch at a time, never the whole export.
    assert peak_10k < 1.5 * peak_1k, (peak_1k, peak_10k)
