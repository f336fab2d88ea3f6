"""CSV import and export of the master data: round trip, all or nothing with every bad row named,
spreadsheet dialects (BOM, semicolons, decimal commas), and 10,000 catalog items in one go."""

from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import text

from storage.db import create_schema, drop_schema
from workflow.master_csv import KINDS, export_csv, import_csv

CLIENTS = """name,number,email,phone,billing_address,active
Acme AB,556677-8899,billing@acme.test,+46 8 123,"Box 1
Stockholm",true
Clínica Dental Norte,,,,,
"Müller, GmbH",DE-1,,,Hauptstr. 5,no
"""
SITES = """client,name,address,access_notes,active
Acme AB,Head office,Main Street 1,"Ring twice, ""blue"" door",yes
556677-8899,Depot,Harbour 3,,false
clinica dental norte,Consulta 2,Calle de Alcalá 120,,
"""
CONTACTS = """client,site,name,phone,email,active
Acme AB,,Jo Doe,+1 555 0100,jo@acme.test,1
Acme AB,Head office,Jo Doe,,,0
Clínica Dental Norte,Consulta 2,Dra. Ana,,ana@clinica.test,
"""
CATALOG = """code,name,kind,unit,unit_price,active
SVC-010,Diagnóstico,service,h,85,true
MAT-7,"Cable Cat6, 305 m",material,m,1.99,true
LAB-1,Labour,labour,h,45.5,false
"""


def export(engine, kind: str) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    export_csv(engine, kind, out)
    return out.getvalue()


def load_all(engine) -> None:  # type: ignore[no-untyped-def]
    for kind, data in zip(KINDS, (CLIENTS, SITES, CONTACTS, CATALOG), strict=True):
        report = import_csv(engine, kind, data.encode())
        assert report.ok, report.problems


def count(engine, table: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def test_export_then_import_into_an_empty_database_gives_the_same_files(engine):
    load_all(engine)
    first = {kind: export(engine, kind) for kind in KINDS}
    assert first["catalog"].startswith("\ufeffcode,name,kind,unit,unit_price,active\r\n")
    assert "SVC-010,Diagnóstico,service,h,85.00,true" in first["catalog"]
    assert "Acme AB,Depot,Harbour 3,,false" in first["sites"]
    assert 'Acme AB,Head office,Main Street 1,"Ring twice, ""blue"" door",true' in first["sites"]
    drop_schema(engine)
    create_schema(engine)
    for kind in KINDS:
        report = import_csv(engine, kind, first[kind].encode("utf-8"))
        assert report.ok and report.new == report.rows, report
    assert {kind: export(engine, kind) for kind in KINDS} == first


def test_importing_the_same_file_again_changes_nothing_and_an_edit_updates(engine):
    load_all(engine)
    again = import_csv(engine, "catalog", CATALOG.encode())
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    edited = CATALOG.replace("1.99", "2.10") + "NEW-1,New,service,pcs,0,\n"
    report = import_csv(engine, "catalog", edited.encode())
    assert (report.rows, report.new, report.updated, report.unchanged) == (4, 1, 1, 2)
    assert 'MAT-7,"Cable Cat6, 305 m",material,m,2.10,true' in export(engine, "catalog")
    clients = import_csv(engine, "clients", b"name,number\nACME ab,\nNew Name,DE-1\n")
    assert (clients.new, clients.updated) == (0, 2)  # by folded name, then by number (a rename)
    assert "New Name,DE-1" in export(engine, "clients")


def test_any_bad_row_means_nothing_is_imported_and_every_bad_row_is_named(engine):
    load_all(engine)
    before = {kind: export(engine, kind) for kind in KINDS}
    bad = (
        "code,name,kind,unit,unit_price,active\n"
        "OK-1,Fine,service,h,10,\n"  # line 2: good, yet not written
        "SVC-010,,tool,h,1.999,maybe\n"  # line 3
        "OK-1,Again,service,h,10,\n"  # line 4: the same code as line 2
        "\n"
        "X-9,Neg,material,,-3,\n"  # line 6
    )
    report = import_csv(engine, "catalog", bad.encode())
    found = [(p.line, p.column) for p in report.problems]
    assert found == [
        (3, "name"),
        (3, "kind"),
        (3, "unit_price"),
        (3, "active"),
        (4, "code"),
        (6, "unit"),
        (6, "unit_price"),
    ]
    messages = {(p.line, p.column): p.message for p in report.problems}
    assert "2 decimals" in messages[(3, "unit_price")] and "line 2" in messages[(4, "code")]
    assert "negative" in messages[(6, "unit_price")]
    sites = import_csv(engine, "sites", b"client,name\nNobody Inc,HQ\nAcme AB,\n")
    assert [(p.line, p.column) for p in sites.problems] == [(2, "client"), (3, "name")]
    contacts = import_csv(engine, "contacts", b"client,site,name\nAcme AB,Nowhere,Jo\n")
    assert [(p.line, p.column) for p in contacts.problems] == [(2, "site")]
    assert {kind: export(engine, kind) for kind in KINDS} == before


def test_the_header_must_name_known_columns_and_the_required_ones(engine):
    report = import_csv(engine, "catalog", b"code,name,colour,unit\nA,B,red,h\n")
    assert {(p.line, p.column) for p in report.problems} == {(1, "colour"), (1, "kind"), (1, "unit_price")}
    assert count(engine, "catalog_items") == 0


def test_a_european_excel_file_semicolons_decimal_commas_and_a_bom(engine):
    data = "\ufeffcode;name;kind;unit;unit_price;active\r\nMAT-1;Tornillo, 5 mm;material;pcs;0,25;sí\r\n"
    report = import_csv(engine, "catalog", data.encode())
    assert [(p.line, p.column) for p in report.problems] == [(2, "active")]  # "sí" is not a yes
    report = import_csv(engine, "catalog", data.replace(";sí", ";YES").encode())
    assert report.ok and report.new == 1
    assert 'MAT-1,"Tornillo, 5 mm",material,pcs,0.25,true' in export(engine, "catalog")


def test_a_dry_run_counts_and_writes_nothing(engine):
    report = import_csv(engine, "catalog", CATALOG.encode(), dry_run=True)
    assert report.ok and report.new == 3
    assert count(engine, "catalog_items") == 0


def test_a_client_imported_links_the_orders_that_typed_its_name(engine):
    from wf_helpers import REQUESTER, draft

    from workflow.service import Workflow

    wf = Workflow(engine)
    wf.grant("test", REQUESTER, "coordinator", check=False)
    order = wf.submit(REQUESTER, draft(client="clinica dental NORTE"))
    load_all(engine)
    linked = wf.order(order.id)
    assert linked.client_id is not None and linked.client == "clinica dental NORTE"


def test_ten_thousand_catalog_items_import_in_one_go(engine):
    rows = "".join(f"C{i:05d},Item {i},material,pcs,{i % 1000}.{i % 100:02d},\n" for i in range(10_000))
    data = ("code,name,kind,unit,unit_price,active\n" + rows).encode()
    seen: list[tuple[int, int]] = []
    report = import_csv(engine, "catalog", data, progress=lambda done, total: seen.append((done, total)))
    assert report.ok and report.new == 10_000
    assert seen[-1] == (10_000, 10_000)
    assert count(engine, "catalog_items") == 10_000
    with engine.connect() as conn:
        name, price = conn.execute(
            text("select name, unit_price from catalog_items where code = 'C04321'")
        ).one()
    assert name == "Item 4321" and Decimal(str(price)) == Decimal("321.21")
    again = import_csv(engine, "catalog", data.replace(b"Item 9999,", b"Item 9999 v2,"))
    assert (again.updated, again.unchanged) == (1, 9_999)
