"""The company's own fields in the export: one column per configured key, in the file's order,
empty where an order lacks the field; the confirmation's fields from the current revision."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from wf_helpers import REQUESTER, SUPERVISOR, draft, line

from forms import OrderFilters
from forms.types import FieldValue
from workflow.export import BOM, export_columns, write_csv, write_json_lines
from workflow.service import Workflow

KEYS = ["order_type", "cost_center", "warranty", "findings"]


def test_each_configured_key_is_a_column_and_an_order_without_it_leaves_it_empty(wf: Workflow) -> None:
    typed = replace(
        draft(title="With fields", lines=[line()]),
        custom=[
            FieldValue(
                "new_order", "order_type", "Order type", "select", "repair", "Repair", True, "#d62728"
            ),
            FieldValue("new_order", "cost_center", "Cost center", "text", "=SUM(A1)", "=SUM(A1)"),
            FieldValue("new_order", "warranty", "Under warranty", "checkbox", False, "No"),
            FieldValue("new_order", "retired", "No longer in the file", "text", "old", "old"),
        ],
    )
    with_fields = wf.submit(REQUESTER, typed)
    wf.submit(REQUESTER, draft(title="Without", lines=[line()]))
    wf.approve(with_fields.id, SUPERVISOR)
    wf.confirm(
        with_fields.id,
        REQUESTER,
        1,
        [line()],
        "",
        False,
        custom=[FieldValue("confirmation", "findings", "Findings", "text", "Dusty fan", "Dusty fan")],
    )

    out = io.StringIO(newline="")
    write_csv(wf.export_orders(OrderFilters(), None), out, columns=export_columns(KEYS))
    rows = list(csv.DictReader(io.StringIO(out.getvalue()[len(BOM) :], newline="")))
    header = list(rows[0])
    assert header[header.index("closed_at") + 1 : header.index("line_number")] == [
        f"custom:{k}" for k in KEYS
    ]
    by_title = {r["title"]: r for r in rows}
    assert [by_title["With fields"][f"custom:{k}"] for k in KEYS] == [
        "repair",
        "'=SUM(A1)",
        "false",
        "Dusty fan",
    ]
    assert [by_title["Without"][f"custom:{k}"] for k in KEYS] == ["", "", "", ""]
    assert "custom:retired" not in header  # only the fields the company file has now

    out = io.StringIO()
    write_json_lines(wf.export_orders(OrderFilters(), None), out)
    orders = {o["title"]: o for o in map(json.loads, out.getvalue().splitlines())}
    assert orders["With fields"]["custom_fields"] == {
        "order_type": "repair",
        "cost_center": "=SUM(A1)",
        "warranty": False,
        "retired": "old",
        "findings": "Dusty fan",
    }
    assert orders["Without"]["custom_fields"] == {}
