"""An order keeps its PDF: made from the client list and the catalog, approved, and then the client
and the catalog item edited, its revision renders to the same bytes as before, by the same code the
upload uses (order_document + render). And what the company's print settings put in the document."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import Session, select

from bot.company import CompanyConfig, PrintSettings
from bot.config import Settings
from bot.documents import order_document
from forms.types import FieldValue, LineDraft, OrderDraft
from pdf import render
from storage.db import transaction
from storage.models import CatalogItem, Client, Site
from workflow.service import Workflow
from workflow.text_keys import fold

LOGO = (Path(__file__).resolve().parents[1] / "pdf" / "print_logo.png").read_bytes()
COORDINATOR, SUPERVISOR, WORKER = "U_COORD", "U_SUP", "U_WORKER"
NAMES = {COORDINATOR: "Layla Haddad", SUPERVISOR: "Ogechi Okafor", WORKER: "Diego Rojas"}
PRINT = PrintSettings(
    company_name="Andes IT & Consulting",
    address="Av. Providencia 1234\nSantiago",
    footer="RUT 76.123.456-7 · andes.example",
    logo=LOGO,
    currency="CLP",
    locale="de_DE",
)
SETTINGS = Settings(
    company_name=PRINT.company_name,
    currency=PRINT.currency,
    timezone="America/Santiago",
    company=CompanyConfig(print=PRINT),
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def field(form: str, key: str, label: str, text: str, pdf: bool = True, **more) -> FieldValue:
    return FieldValue(form, key, label, more.pop("type", "text"), more.pop("value", text), text, pdf, **more)


def master_data(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        client = Client(
            name="Clínica Dental Norte",
            name_key=fold("Clínica Dental Norte"),
            number="76.555.444-3",
            billing_address="Calle Norte 5, Santiago",
            search_key=fold("Clínica Dental Norte 76.555.444-3"),
        )
        s.add(client)
        s.flush()
        site = Site(
            client_id=client.id,
            name="Main clinic",
            name_key=fold("Main clinic"),
            address="Calle de Alcalá 120",
            search_key=fold("Main clinic Calle de Alcalá 120"),
        )
        item = CatalogItem(
            code="RTR-200",
            name="Router swap",
            kind="service",
            unit="h",
            unit_price=Decimal("85.00"),
            search_key=fold("Router swap RTR-200"),
        )
        s.add_all([site, item])
        s.flush()
        return client.id, site.id, item.id  # type: ignore[return-value]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_approved_order_renders_its_old_pdf_after_its_client_and_catalog_item_change(engine):
    wf = Workflow(engine, clock=Clock())
    for user, role in [(COORDINATOR, "coordinator"), (SUPERVISOR, "supervisor"), (WORKER, "field_worker")]:
        wf.grant("test", user, role, check=False)
    client_id, site_id, item_id = master_data(engine)
    draft = OrderDraft(
        client="Clínica Dental Norte",
        site="Main clinic, Calle de Alcalá 120",
        contact="",
        title="Network diagnosis",
        description="",
        planned_date=None,
        priority="normal",
        lines=[
            LineDraft("service", "Router swap", Decimal("2"), "h", Decimal("85.00"), item_id, "RTR-200"),
            LineDraft("material", "Cable Cat6", Decimal("12.5"), "m", Decimal("1.99")),
        ],
        client_id=client_id,
        site_id=site_id,
        custom=[
            field(
                "new_order", "type", "Order type", "Repair", type="select", value="repair", colour="#d32f2f"
            ),
            field("new_order", "internal", "Internal margin note", "Keep it cheap", pdf=False),
            field("new_order", "hours", "Budget (hours)", "1234.5", type="number", value="1234.5"),
        ],
    )
    order = wf.submit(COORDINATOR, draft)
    wf.approve(order.id, SUPERVISOR)

    def revision_pdf(customer_copy: bool = False) -> bytes:
        rev = wf.revision(order.id, 1)
        return render(order_document(rev, SETTINGS, NAMES.get, customer_copy=customer_copy))

    before, before_copy = revision_pdf(), revision_pdf(customer_copy=True)
    text = pdf_text(before)
    for shown in (
        "Andes IT & Consulting",
        "Av. Providencia 1234",
        "RUT 76.123.456-7",
        "Clínica Dental Norte",
        "RTR-200",
        "Order type",
        "Repair",
        "1.234,5",  # the number field, in the company's locale
        "170,00",
        "194,88 CLP",
    ):
        assert shown in text, shown
    assert "Internal margin note" not in text and "Keep it cheap" not in text

    with Session(engine) as s:
        client, site, item = s.get(Client, client_id), s.get(Site, site_id), s.get(CatalogItem, item_id)
        client.name, client.name_key, client.search_key = "Norte Dental Group", "norte dental group", "x"
        client.billing_address = "Avenida Nueva 99, Valparaíso"
        site.address = "Avenida Nueva 99"
        item.name, item.unit_price = "Router replacement (premium)", Decimal("120.00")
        s.add_all([client, site, item])
        s.commit()
    with Session(engine) as s:  # the edit took
        assert s.exec(select(Client.name).where(Client.id == client_id)).one() == "Norte Dental Group"

    after = revision_pdf()
    assert after == before
    assert revision_pdf(customer_copy=True) == before_copy
    for edited in ("Norte Dental Group", "Avenida Nueva", "premium", "120,00"):
        assert edited not in pdf_text(after)


def test_print_settings_and_line_codes_reach_the_document(engine):
    wf = Workflow(engine, clock=Clock())
    wf.grant("test", COORDINATOR, "coordinator", check=False)
    wf.grant("test", SUPERVISOR, "supervisor", check=False)
    draft = OrderDraft(
        "Acme",
        "Main St",
        "",
        "Router",
        "",
        None,
        "normal",
        [LineDraft("service", "Router swap", Decimal("1"), "h", Decimal("85.00"), None, "RTR-200")],
        custom=[field("new_order", "type", "Order type", "Repair", colour="#d32f2f")],
    )
    order = wf.submit(COORDINATOR, draft)
    wf.approve(order.id, SUPERVISOR)
    doc = order_document(wf.revision(order.id, 1), SETTINGS, NAMES.get, customer_copy=True)
    assert (doc.company, doc.company_address, doc.footer, doc.logo) == (
        PRINT.company_name,
        PRINT.address,
        PRINT.footer,
        LOGO,
    )
    assert (doc.currency, doc.locale, doc.customer_copy) == ("CLP", "de_DE", True)
    assert [line.code for line in doc.lines] == ["RTR-200"]
    assert [(f.label, f.text, f.colour) for f in doc.custom_fields] == [("Order type", "Repair", "#d32f2f")]
    plain = order_document(
        wf.revision(order.id, 1), dataclasses.replace(SETTINGS, company=CompanyConfig()), str
    )
    assert (plain.logo, plain.company_address, plain.locale, plain.customer_copy) == (None, "", "en", False)


def test_the_pdf_shows_the_new_order_fields_then_the_revisions_then_the_close_forms(engine):
    wf = Workflow(engine, clock=Clock())
    wf.grant("test", COORDINATOR, "coordinator", check=False)
    wf.grant("test", SUPERVISOR, "supervisor", check=False)
    lines = [LineDraft("service", "Router swap", Decimal("1"), "h", Decimal("85.00"))]
    draft = OrderDraft(
        "Acme",
        "Main St",
        "",
        "Router",
        "",
        None,
        "normal",
        lines,
        custom=[field("new_order", "t", "Type", "Repair")],
    )
    order = wf.submit(COORDINATOR, draft)
    wf.approve(order.id, SUPERVISOR)
    wf.confirm(
        order.id,
        COORDINATOR,
        1,
        lines,
        custom=[
            field("confirmation", "f", "Findings", "Fan clogged"),
            field("confirmation", "x", "Hidden", "no", pdf=False),
        ],
    )
    wf.close(
        order.id, COORDINATOR, "completed", custom=[field("close", "s", "Signed by", "Jo")], attested=True
    )

    def labels(number: int) -> list[str]:
        return [f.label for f in order_document(wf.revision(order.id, number), SETTINGS, str).custom_fields]

    assert labels(1) == ["Type"]  # made before the confirmation and the close
    assert labels(2) == ["Type", "Findings", "Signed by"]
