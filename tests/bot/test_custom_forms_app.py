"""A company file with one field of each kind, through the real bot: the modals show the fields,
the orders keep them, the card shows them, the export has them."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from bot.config import load_settings
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from forms import OrderFilters, ids
from storage.db import drop_schema, make_engine
from tests.bot.helpers import card, click, opened_view
from tests.conftest import ADMIN, EVERYONE, _postgres_url
from workflow.export import export_columns, write_csv, write_json_lines

COMPANY = """\
forms:
  new_order:
    - key: order_type
      label: Order type
      type: select
      required: true
      options:
        - {value: repair, label: Repair, colour: "#d62728"}
        - {value: maintenance, label: Maintenance, colour: "#2ca02c"}
    - key: cost_center
      label: Cost center
      type: text
      required: true
      max_length: 20
    - key: access_notes
      label: Access notes
      type: long_text
      pdf: false
    - key: budget_hours
      label: Budget (hours)
      type: number
      min: 0
      max: 100
      decimals: 1
    - key: promised_by
      label: Promised by
      type: date
    - key: warranty
      label: Under warranty
      type: checkbox
  confirmation:
    - key: findings
      label: Findings
      type: text
      required: true
  close:
    - key: customer_signed
      label: Customer signed
      type: checkbox
"""


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The usual people, and a bot whose settings come from SO_COMPANY_FILE."""
    path = tmp_path / "company.yml"
    path.write_text(textwrap.dedent(COMPANY), encoding="utf-8")
    company = load_settings({"SO_COMPANY_FILE": str(path)}).company
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'so.db'}"
    else:
        url = _postgres_url()
        engine = make_engine(url)
        drop_schema(engine)
        engine.dispose()
    with local_world(url, people=EVERYONE, admins=(ADMIN,), company=company) as w:
        wf = w.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        yield w


def labels(world: World, view_id: str) -> list[str]:
    return [b["label"]["text"] for b in world.fake.views[view_id]["blocks"] if b["type"] == "input"]


def test_fields_go_from_the_modals_to_the_order_the_card_and_the_export(world: World) -> None:
    fake, wf = world.fake, world.runtime.workflow
    assert fake.slash_command(LAYLA, "/so", "new").status == 200
    view = opened_view(world)
    shown = labels(world, view)
    start = shown.index("Priority") + 1
    expected = [
        "Order type",
        "Cost center",
        "Access notes",
        "Budget (hours)",
        "Promised by",
        "Under warranty",
    ]
    assert shown[start : start + 6] == expected
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")
    fake.fill(view, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
    fake.fill(view, ids.TITLE, ids.TITLE, "Fix the router")
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    fake.fill(view, "cf:order_type", "cf:order_type", "repair")
    fake.fill(view, "cf:budget_hours", "cf:budget_hours", "12.25")  # one decimal allowed
    fake.fill(view, "cf:promised_by", "cf:promised_by", "2026-12-24")
    fake.fill(view, "cf:warranty", "cf:warranty", ["yes"])
    fake.fill(view, "cf:access_notes", "cf:access_notes", "Key at the front desk\nAsk for Marta")

    # Cost center is required: Slack itself refuses to send the form without it
    fake.submit(LAYLA, view)
    assert set(fake.view_errors.get(view, {})) == {"cf:cost_center"}
    fake.fill(view, "cf:cost_center", "cf:cost_center", "4711-IT")
    fake.view_errors.pop(view, None)
    # then the bot checks like its own fields: 12.25 has two decimals
    assert fake.submit(LAYLA, view).status == 200
    assert fake.view_errors.get(view) == {"cf:budget_hours": "At most 1 digits after the decimal point"}
    assert wf.list_for(LAYLA)[0] == []  # nothing stored
    fake.fill(view, "cf:budget_hours", "cf:budget_hours", "12.5")
    assert fake.submit(LAYLA, view).status == 200
    world.settle()

    order = wf.list_for(LAYLA)[0][0]
    stored = {f["key"]: (f["value"], f["text"], f["pdf"], f["colour"]) for f in order.custom_fields}
    assert stored == {
        "order_type": ("repair", "Repair", True, "#d62728"),
        "cost_center": ("4711-IT", "4711-IT", True, ""),
        "access_notes": (
            "Key at the front desk\nAsk for Marta",
            "Key at the front desk\nAsk for Marta",
            False,
            "",
        ),
        "budget_hours": ("12.5", "12.5", True, ""),
        "promised_by": ("2026-12-24", "2026-12-24", True, ""),
        "warranty": (True, "Yes", True, ""),
    }
    shown_on_card = json.dumps(card(world, order)["blocks"], ensure_ascii=False)
    assert "*Order type* 🟥 Repair · *Cost center* 4711-IT" in shown_on_card
    assert "*Budget (hours)* 12.5" in shown_on_card and "*Under warranty* Yes" in shown_on_card

    click(world, OGECHI, order, ids.APPROVE)
    click(world, LAYLA, order, ids.OPEN_CONFIRMATION)
    confirm = opened_view(world)
    assert labels(world, confirm)[-3:] == ["Findings", "Photos", "Final"]
    fake.submit(LAYLA, confirm)
    assert set(fake.view_errors.get(confirm, {})) == {"cf:findings"}  # required: Slack's own check
    fake.view_errors.pop(confirm)
    fake.fill(confirm, "cf:findings", "cf:findings", "Fan clogged with dust")
    assert fake.submit(LAYLA, confirm).status == 200 and not fake.view_errors.get(confirm)
    world.settle()
    order = wf.order(order.id)
    revision = wf.revision(order.id, order.current_revision)
    assert [(f["form"], f["key"], f["value"]) for f in revision.custom_fields] == [
        ("confirmation", "findings", "Fan clogged with dust")
    ]
    # the revision's PDF shows the fields marked for it, and only those
    [pdf] = [f for f in fake.files.values() if f["name"] == f"{order.number}-r{revision.number}.pdf"]
    printed = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf["content"])).pages).split()
    )
    for text in ("Order type", "Repair", "Cost center", "4711-IT", "Budget (hours)", "12.5", "Promised by"):
        assert text in printed
    assert "Under warranty Yes" in printed and "Findings Fan clogged with dust" in printed
    assert "Access notes" not in printed and "front desk" not in printed  # pdf: false
    click(world, LAYLA, order, ids.OPEN_CONFIRMATION)  # opened again: as the last confirmation left it
    again = fake.views[opened_view(world)]
    findings = next(b for b in again["blocks"] if b.get("block_id") == "cf:findings")
    assert findings["element"]["initial_value"] == "Fan clogged with dust"

    click(world, OGECHI, order, ids.OPEN_CLOSE)
    closing = opened_view(world)
    assert labels(world, closing)[-1] == "Customer signed"
    fake.fill(closing, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
    fake.fill(closing, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
    fake.fill(closing, "cf:customer_signed", "cf:customer_signed", ["yes"])
    assert fake.submit(OGECHI, closing).status == 200 and not fake.view_errors.get(closing)
    world.settle()
    order = wf.order(order.id)
    assert order.custom_fields[-1]["key"] == "customer_signed" and order.custom_fields[-1]["value"] is True
    assert "*Customer signed* Yes" in json.dumps(card(world, order)["blocks"], ensure_ascii=False)

    keys = world.runtime.settings.company.field_keys
    out = io.StringIO()
    write_csv(wf.export_orders(OrderFilters(), None), out, columns=export_columns(keys))
    rows = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert {k: rows[0][f"custom:{k}"] for k in keys} == {
        "order_type": "repair",
        "cost_center": "4711-IT",
        "access_notes": "Key at the front desk\nAsk for Marta",
        "budget_hours": "12.5",
        "promised_by": "2026-12-24",
        "warranty": "true",
        "findings": "Fan clogged with dust",
        "customer_signed": "true",
    }
    out = io.StringIO()
    write_json_lines(wf.export_orders(OrderFilters(), None), out)
    exported = json.loads(out.getvalue())["custom_fields"]
    assert exported["budget_hours"] == "12.5" and exported["warranty"] is True
    assert exported["findings"] == "Fan clogged with dust"
