"""The invoice files (issue 13): `service-orders invoices export` for an order with two VAT rates and
an exempt line — the UBL valid against the UBL 2.1 XSD, the JSON against its schema, the CSV one
row per line — and `/so invoice 42` sending the three files to the person's DM."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import jsonschema
from lxml import etree

from bot.demo import DIEGO, LAYLA
from forms import ids
from forms.types import LineDraft, OrderDraft
from invoicing.json_doc import SCHEMA_PATH
from invoicing.ubl import validate_ubl
from tests.bot.helpers import click
from tests.bot.test_cli import run
from tests.bot.test_ready_for_invoicing import closed_order, office  # noqa: F401 - the fixture
from workflow import commands as c
from workflow.master_csv import import_csv
from workflow.policy import Policy
from workflow.service import open_workflow

CATALOG = (
    "code,name,kind,unit,unit_price,active,vat_rate,vat_exemption\n"
    "LAB,Technician hour,labour,h,80.00,true,21,\n"
    "BOOK,Equipment manual,material,pcs,25.00,true,4,\n"
    "TRAIN,Staff training (exempt),service,h,60.00,true,0,Exempt: Art. 20.Uno.9 Ley 37/1992\n"
)
COMPANY = """\
invoicing:
  legal_name: Andes IT & Consulting S.L.
  vat_number: ESB12345678
  address: {street: Calle de Serrano 41, city: Madrid, postal_code: "28001", country: ES}
  payment_terms_days: 30
  vat_rate: 21
"""
UBL = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def test_invoices_export_writes_valid_ubl_json_and_csv_for_two_rates_and_an_exempt_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'so.db'}"
    wf = open_workflow(db, Policy(vat_rate=Decimal(21)))
    assert import_csv(wf.engine, "catalog", CATALOG.encode(), actor="test").ok
    clients = (
        "name,number,email,phone,billing_address,active,vat_id,country\n"
        "Clínica Norte,B-801,,,Alcalá 120,true,ESB80123456,ES\n"
    )
    assert import_csv(wf.engine, "clients", clients.encode(), actor="test").ok
    [client] = wf.master.search_clients("norte")
    items = {i.code: i for i in wf.master.search_items("", limit=10)}
    for user, role in (("U_COORD", "coordinator"), ("U_SUP", "supervisor")):
        wf.grant("test", user, role, check=False)

    def picked(code: str, qty: str) -> LineDraft:
        i = items[code]
        return LineDraft(i.kind, i.name, Decimal(qty), i.unit, i.unit_price, i.id, i.code)

    lines = [picked("LAB", "3"), picked("BOOK", "2"), picked("TRAIN", "1.5")]
    draft = OrderDraft(
        "Clínica Norte", "Alcalá 120", "", "Install", "", None, "normal", lines, client_id=client.id
    )
    order = wf.submit("U_COORD", draft)
    wf.approve(order.id, "U_SUP")
    wf.close(order.id, "U_SUP", "completed", attested=True)
    wf.execute("U_COORD", c.ReadyForInvoicing(order.id))
    wf.engine.dispose()
    (tmp_path / "company.yml").write_text(COMPANY, encoding="utf-8")
    env = {"DATABASE_URL": db, "SO_COMPANY_FILE": str(tmp_path / "company.yml")}

    for fmt in ("json", "ubl", "csv"):
        ran = run(
            ["invoices", "export", "--ready", "--format", fmt, "--out", str(tmp_path / "out")], tmp_path, env
        )
        assert ran.returncode == 0, ran.stderr
    xml = (tmp_path / "out" / "SO-0001-r2.xml").read_bytes()
    assert validate_ubl(xml) == []
    tree = etree.fromstring(xml)
    subtotals = {
        s.find(f"{UBL}TaxCategory/{CBC}Percent").text: (
            s.find(f"{UBL}TaxCategory/{CBC}ID").text,
            s.find(f"{CBC}TaxableAmount").text,
            s.find(f"{CBC}TaxAmount").text,
        )
        for s in tree.iter(f"{UBL}TaxSubtotal")
    }
    assert subtotals == {
        "21": ("S", "240.00", "50.40"),
        "4": ("S", "50.00", "2.00"),
        "0": ("E", "90.00", "0.00"),
    }
    assert tree.find(f"{UBL}LegalMonetaryTotal/{CBC}PayableAmount").text == "432.40"
    doc = json.loads((tmp_path / "out" / "SO-0001-r2.json").read_text())
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(doc)
    assert [x["vat_rate"] for x in doc["lines"]] == ["21", "4", "0"]
    assert doc["lines"][2]["exemption_reason"].startswith("Exempt: Art. 20")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "invoices.csv").read_text(encoding="utf-8"))))
    assert [r["code"] for r in rows] == ["LAB", "BOOK", "TRAIN"] and rows[0]["invoice_gross"] == "432.40"

    ran = run(["invoices", "export", "--since", "yesterday", "--out", str(tmp_path / "x")], tmp_path, env)
    assert ran.returncode == 2 and ran.stderr.count("\n") == 1 and "--since" in ran.stderr


def test_so_invoice_sends_the_three_files_to_the_office_only(office):  # noqa: F811 - the fixture
    world, fake = office, office.fake
    order = closed_order(world)
    early = fake.slash_command(LAYLA, "/so", f"invoice {order.number}").body_text
    assert "no invoice data yet" in early
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    refused = fake.slash_command(DIEGO, "/so", f"invoice {order.number}").body_text
    assert "Only a coordinator or an admin" in refused
    said = fake.slash_command(LAYLA, "/so", "invoice 1").body_text
    assert "on its way" in said
    world.settle()
    [sent] = [m for m in fake.dms(LAYLA) if m.get("files")]
    names = sorted(f["name"] for f in sent["files"])
    # a client typed on the order, not in the client list: no VAT number or email to address the
    # buyer in Peppol, so no UBL file — and the message says why
    assert names == [f"{order.number}-r2.csv", f"{order.number}-r2.json"]
    assert "No UBL file" in sent["text"] and "electronic address" in sent["text"]
