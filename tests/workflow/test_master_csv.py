"""CSV import and export of the master data: round trip, all or nothing with every bad row named,
spreadsheet dialects (BOM, semicolons, decimal commas), 10,000 catalog items in one go, and the
invoicing columns (VAT number and country, VAT rate and exemption), which older files leave out."""

from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import text

from storage.db import create_schema, drop_schema
from workflow.master_admin import ZERO_RATE_NEEDS_REASON
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
    header = "\ufeffcode,name,kind,unit,unit_price,active,vat_rate,vat_exemption\r\n"
    assert first["catalog"].startswith(header)  # the invoicing columns last: older readers go by name
    assert "SVC-010,Diagnóstico,service,h,85.00,true,,\r\n" in first["catalog"]
    assert first["clients"].startswith(
        "\ufeffname,number,email,phone,billing_address,active,vat_id,country\r\n"
    )
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


# ------------------------------------------------------------------------------------ invoicing columns

CLIENTS_VAT = """name,number,vat_id,country
Acme AB,556677-8899,se 556677 889901,se
Clínica Dental Norte,,ESB12345678,ES
"""
CATALOG_VAT = """code,name,kind,unit,unit_price,active,vat_rate,vat_exemption
SVC-010,Diagnóstico,service,h,85,true,21%,
MAT-7,"Cable Cat6, 305 m",material,m,1.99,true,"10,5",
LAB-1,Labour,labour,h,45.5,false,0 %,Exempt: Art. 20 Ley 37/1992
"""


def rows_of(engine, sql: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def vat_of_items(engine) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    rows = rows_of(engine, "select code, vat_rate, vat_exemption from catalog_items")
    return {code: (None if rate is None else Decimal(str(rate)), why) for code, rate, why in rows}


def test_the_vat_columns_are_read_normalised_and_exported_last(engine):
    assert import_csv(engine, "clients", CLIENTS_VAT.encode()).ok
    assert import_csv(engine, "catalog", CATALOG_VAT.encode()).ok
    assert rows_of(engine, "select name, vat_id, country from clients order by name_key") == [
        ("Acme AB", "SE556677889901", "SE"),  # spaces gone, upper-case
        ("Clínica Dental Norte", "ESB12345678", "ES"),
    ]
    assert vat_of_items(engine) == {
        "SVC-010": (Decimal(21), ""),
        "MAT-7": (Decimal("10.5"), ""),
        "LAB-1": (Decimal(0), "Exempt: Art. 20 Ley 37/1992"),
    }
    catalog, clients = export(engine, "catalog"), export(engine, "clients")
    assert "SVC-010,Diagnóstico,service,h,85.00,true,21,\r\n" in catalog
    assert 'MAT-7,"Cable Cat6, 305 m",material,m,1.99,true,10.5,\r\n' in catalog
    assert "LAB-1,Labour,labour,h,45.50,false,0,Exempt: Art. 20 Ley 37/1992\r\n" in catalog
    assert "Acme AB,556677-8899,,,,true,SE556677889901,SE\r\n" in clients
    drop_schema(engine)
    create_schema(engine)
    for kind, data in (("clients", clients), ("catalog", catalog)):
        report = import_csv(engine, kind, data.encode("utf-8"))
        assert report.ok and report.new == 2 + (kind == "catalog"), report
    assert (export(engine, "clients"), export(engine, "catalog")) == (clients, catalog)


def test_a_file_without_the_vat_columns_imports_as_before_and_keeps_the_stored_vat(engine):
    assert import_csv(engine, "clients", CLIENTS_VAT.encode()).ok
    assert import_csv(engine, "catalog", CATALOG_VAT.encode()).ok
    before = vat_of_items(engine)
    old = import_csv(engine, "catalog", CATALOG.encode())  # the same items, in the old columns
    assert old.ok and (old.new, old.updated, old.unchanged) == (0, 0, 3)
    repriced = import_csv(engine, "catalog", CATALOG.replace("1.99", "2.10").encode())
    assert (repriced.updated, repriced.unchanged) == (1, 2)
    assert vat_of_items(engine) == before
    clients = import_csv(engine, "clients", CLIENTS.encode())
    assert clients.ok and clients.new == 1  # Müller
    assert rows_of(engine, "select vat_id, country from clients where number = '556677-8899'") == [
        ("SE556677889901", "SE")
    ]
    assert rows_of(engine, "select vat_id, country from clients where number = 'DE-1'") == [("", "")]
    assert vat_of_items(engine)["SVC-010"] == (Decimal(21), "")


def test_an_old_file_into_an_empty_database_gives_the_company_rate(engine):
    load_all(engine)
    assert set(vat_of_items(engine).values()) == {(None, "")}
    assert rows_of(engine, "select distinct vat_id, country from clients") == [("", "")]


def test_an_empty_vat_cell_empties_the_stored_value(engine):
    assert import_csv(engine, "clients", CLIENTS_VAT.encode()).ok
    assert import_csv(engine, "catalog", CATALOG_VAT.encode()).ok
    emptied = import_csv(
        engine,
        "catalog",
        b"code,name,kind,unit,unit_price,vat_rate,vat_exemption\nLAB-1,Labour,labour,h,45.5,,\n",
    )
    assert emptied.ok and emptied.updated == 1
    assert vat_of_items(engine)["LAB-1"] == (None, "")  # the company's rate now
    cleared = import_csv(engine, "clients", b"name,number,vat_id,country\nAcme AB,556677-8899,,\n")
    assert cleared.ok and cleared.updated == 1
    assert rows_of(engine, "select vat_id, country from clients where number = '556677-8899'") == [("", "")]


def test_one_vat_column_alone_is_judged_with_the_stored_other(engine):
    assert import_csv(engine, "catalog", CATALOG_VAT.encode()).ok
    reason = import_csv(
        engine,
        "catalog",
        b"code,name,kind,unit,unit_price,vat_exemption\nLAB-1,Labour,labour,h,45.5,Exenta: art. 20\n",
    )
    assert reason.ok  # LAB-1's stored rate is 0
    assert vat_of_items(engine)["LAB-1"] == (Decimal(0), "Exenta: art. 20")
    rated = import_csv(
        engine, "catalog", b"code,name,kind,unit,unit_price,vat_rate\nLAB-1,Labour,labour,h,45.5,21\n"
    )
    assert [(p.line, p.column) for p in rated.problems] == [(2, "vat_exemption")]  # stored, and not 0 %
    assert vat_of_items(engine)["LAB-1"] == (Decimal(0), "Exenta: art. 20")


def test_every_bad_vat_cell_is_named_with_its_line_and_column(engine):
    catalog = (
        "code,name,kind,unit,unit_price,active,vat_rate,vat_exemption\n"
        "A-1,A,service,h,1,,abc,\n"  # line 2
        "A-2,A,service,h,1,,101,\n"  # line 3
        "A-3,A,service,h,1,,10.555,\n"  # line 4
        "A-4,A,service,h,1,,0,\n"  # line 5: a 0 % rate without its reason
        "A-5,A,service,h,1,,21,Exempt\n"  # line 6: a reason with another rate
        "A-6,A,service,h,1,,-5,\n"  # line 7
        "A-7,A,service,h,1,,,Exempt\n"  # line 8: a reason with the company's rate
        "A-8,A,service,h,1,,x%,Exempt\n"  # line 9: only the rate, which is not one, is named
        f"A-9,A,service,h,1,,0,{'x' * 201}\n"  # line 10
        "OK-1,A,service,h,1,,0 %,Exempt: Art. 20\n"
    )
    report = import_csv(engine, "catalog", catalog.encode())
    assert [(p.line, p.column) for p in report.problems] == [
        (2, "vat_rate"),
        (3, "vat_rate"),
        (4, "vat_rate"),
        (5, "vat_exemption"),
        (6, "vat_exemption"),
        (7, "vat_rate"),
        (8, "vat_exemption"),
        (9, "vat_rate"),
        (10, "vat_exemption"),
    ]
    says = {p.line: p.message for p in report.problems}
    assert "like 21" in says[2] and "100" in says[3] and "2 decimals" in says[4] and "negative" in says[7]
    assert (
        says[5]
        == ZERO_RATE_NEEDS_REASON
        == "a 0 % rate needs vat_exemption, the reason printed on the invoice"
    )
    assert "only a 0 % rate" in says[6] and "200" in says[10]
    clients = (
        "name,vat_id,country\n"
        "A,,Spain\n"  # line 2
        f"B,{'X' * 41},ES\n"  # line 3
        "C,,E1\n"  # line 4
        "D,de 123 456 789,de\n"
    )
    report = import_csv(engine, "clients", clients.encode())
    assert [(p.line, p.column) for p in report.problems] == [(2, "country"), (3, "vat_id"), (4, "country")]
    assert "two-letter" in report.problems[0].message and "40" in report.problems[1].message
    assert count(engine, "catalog_items") == 0 and count(engine, "clients") == 0


def test_a_european_excel_file_writes_rates_with_a_decimal_comma(engine):
    data = (
        "\ufeffcode;name;kind;unit;unit_price;active;vat_rate;vat_exemption\r\n"
        "MAT-1;Tornillo;material;pcs;0,25;;10,5 %;\r\n"
        "SVC-1;Formación;service;h;40;;0;Exento: art. 20.Uno.9º LIVA\r\n"
    )
    report = import_csv(engine, "catalog", data.encode())
    assert report.ok, report.problems
    assert vat_of_items(engine) == {
        "MAT-1": (Decimal("10.5"), ""),
        "SVC-1": (Decimal(0), "Exento: art. 20.Uno.9º LIVA"),
    }
