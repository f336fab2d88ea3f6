"""From closed to invoiced through Slack (issue 13): VAT on the card, the Ready for invoicing gate
(everything missing told at once, nothing changed), the invoice revision and its PDF, Mark as
invoiced with a number, Restore with a reason and the correcting revision after it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from bot.company import CompanyConfig
from bot.company_invoicing import InvoicingSettings
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from forms import ids
from tests.bot.helpers import buttons, card, channel_texts, click, ephemerals_to, opened_view, submit_order
from tests.conftest import ADMIN, EVERYONE

SELLER = InvoicingSettings(
    legal_name="Andes IT & Consulting S.L.",
    vat_number="ESB12345678",
    street="Calle Mayor 1",
    city="Madrid",
    postal_code="28013",
    country="ES",
)


@pytest.fixture
def office(request, tmp_path):  # type: ignore[no-untyped-def]
    """The test world with VAT at 21 % and the seller's invoicing identity in the company file."""
    invoicing = getattr(request, "param", SELLER)
    with local_world(
        f"sqlite:///{tmp_path / 'so.db'}",
        people=EVERYONE,
        admins=(ADMIN,),
        home_refresh_seconds=0.2,
        vat_rate=Decimal(21),
        company=CompanyConfig(invoicing=invoicing),
    ) as w:
        wf = w.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        yield w


def closed_order(world: World, lines=(("Diagnosis", "2 h × 85", "labour"),)):  # type: ignore[no-untyped-def]
    order = submit_order(world, lines=lines)
    click(world, OGECHI, order, ids.APPROVE)
    click(world, OGECHI, order, ids.OPEN_CLOSE)
    view = opened_view(world)
    world.fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
    world.fake.fill(view, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
    assert world.fake.submit(OGECHI, view).status == 200
    world.settle()
    return world.runtime.workflow.order(order.id)


def pdf_text(world: World, name: str) -> str:
    [pdf] = [f for f in world.fake.files.values() if f["name"] == name]
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf["content"])).pages).split())


def test_ready_for_invoicing_then_invoiced_with_its_number(office):
    world, fake, wf = office, office.fake, office.runtime.workflow
    order = closed_order(world)
    shown = str(card(world, order)["blocks"])
    assert "Net EUR 170.00" in shown and "VAT 21 % 35.70" in shown and "Total EUR 205.70" in shown
    assert "Ready for invoicing" in buttons(card(world, order))

    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    after = wf.order(order.id)
    assert after.status == "ready_for_invoicing" and after.invoice_revision == 2
    assert buttons(card(world, order)) == [
        "Mark as invoiced",
        "Create backorder",
        "Restore",
        ":link: Customer link",
    ]
    said = [t for t in channel_texts(world, order) if "ready for invoicing" in t]
    assert len(said) == 1 and "revision 2" in said[0]
    printed = pdf_text(world, f"{order.number}-r2.pdf")
    assert "Ready for invoicing" in printed and "205.70" in printed and "35.70" in printed

    click(world, LAYLA, order, ids.OPEN_MARK_INVOICED)
    view = opened_view(world)
    fake.fill(view, ids.INVOICE_NUMBER, ids.INVOICE_NUMBER, "2026-0187")
    assert fake.submit(LAYLA, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    done = wf.order(order.id)
    assert (done.status, done.invoice_number, done.invoiced_by) == ("invoiced", "2026-0187", LAYLA)
    assert "invoice 2026-0187" in str(card(world, order)["blocks"])
    assert buttons(card(world, order)) == ["Create backorder", "Restore", ":link: Customer link"]


def test_who_may_not_is_refused_and_nothing_changes(office):
    world, wf = office, office.runtime.workflow
    order = closed_order(world)
    click(world, OGECHI, order, ids.READY_FOR_INVOICING)  # a supervisor: it is the office's step
    assert wf.order(order.id).status == "closed"
    assert any("Only a coordinator or an admin" in t for t in ephemerals_to(world, OGECHI))
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    click(world, LAYLA, order, ids.OPEN_RESTORE)  # restoring is the admins'
    assert any("Only an admin" in t for t in ephemerals_to(world, LAYLA))
    assert wf.order(order.id).status == "ready_for_invoicing"


def test_restore_needs_a_reason_and_the_next_ready_sends_a_correction(office):
    world, fake, wf = office, office.fake, office.runtime.workflow
    order = closed_order(world)
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    fake.channels[order.channel_id].members.add(ADMIN)  # the admin was asked into the channel
    click(world, ADMIN, order, ids.OPEN_RESTORE)
    view = opened_view(world)
    fake.submit(ADMIN, view)
    assert ids.RESTORE_REASON in fake.view_errors.get(view, {})
    fake.fill(view, ids.RESTORE_REASON, ids.RESTORE_REASON, "The client's <!channel> VAT number was wrong")
    assert fake.submit(ADMIN, view).status == 200
    world.settle()
    assert wf.order(order.id).status == "closed"
    said = [t for t in channel_texts(world, order) if "restored" in t]
    assert len(said) == 1 and "VAT number was wrong" in said[0] and "<!channel>" not in said[0]
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    again = wf.order(order.id)
    assert (again.status, again.invoice_revision) == ("ready_for_invoicing", 3)
    assert any("correcting revision 2" in t for t in channel_texts(world, order))


@pytest.mark.parametrize("office", [InvoicingSettings(require_note=True)], indirect=True)
def test_the_gate_tells_everything_missing_at_once_and_changes_nothing(office):
    world, wf = office, office.runtime.workflow
    order = closed_order(world, lines=(("Diagnosis", "2 h × 85", "labour"), ("Cable", "3 m × 0", "material")))
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    [told] = [t for t in ephemerals_to(world, LAYLA) if "not ready for invoicing" in t]
    assert "'Cable' has no price" in told
    assert "no note of what was done" in told
    assert "VAT number" in told and "country" in told  # the company file lacks the seller's
    after = wf.order(order.id)
    assert (after.status, after.current_revision, after.version) == (
        "closed",
        order.current_revision,
        order.version,
    )
