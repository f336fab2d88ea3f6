"""Admins keep the catalog and the client list from Slack, through the real app and the local
Slack: `/so catalog`, `/so clients`, their modals, and the DM about a client typed on an order."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.views import View

from bot.demo import LAYLA
from forms import ids
from forms import master as m
from tests.bot.helpers import ephemerals_to, opened_view
from tests.conftest import ADMIN
from tests.workflow.wf_helpers import draft
from workflow.master_admin import ClientFields, ItemFields, MasterAdmin


def so(world, user: str, text: str) -> str:  # type: ignore[no-untyped-def]
    answer = world.fake.slash_command(user, "/so", text)
    assert answer.status == 200
    return answer.body_text


def values(view: dict) -> dict[str, str]:
    """The initial text of each text input of a modal, by block id."""
    return {
        b["block_id"]: b["element"].get("initial_value", "")
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    }


def test_an_admin_adds_and_edits_a_catalog_item(world):
    fake, wf = world.fake, world.runtime.workflow
    so(world, ADMIN, "catalog")
    view = opened_view(world)
    View(**fake.views[view]).validate_json()
    fake.fill(view, ids.ITEM_CODE, ids.ITEM_CODE, "SVC-010")
    fake.fill(view, ids.ITEM_NAME, ids.ITEM_NAME, "Diagnóstico")
    fake.fill(view, ids.ITEM_KIND, ids.ITEM_KIND, "labour")
    fake.fill(view, ids.ITEM_UNIT, ids.ITEM_UNIT, "h")
    fake.fill(view, ids.ITEM_PRICE, ids.ITEM_PRICE, "85,5")
    assert fake.submit(ADMIN, view).status == 200
    assert not fake.view_errors.get(view) and fake.open_views(ADMIN) == []
    (item,) = wf.master.search_items("diagnostico")
    assert (item.code, item.kind, item.unit, item.unit_price, item.active) == (
        "SVC-010",
        "labour",
        "h",
        Decimal("85.50"),
        True,
    )

    so(world, ADMIN, "catalog SVC-010")  # the exact code opens its form
    view = opened_view(world)
    assert values(fake.views[view])[ids.ITEM_PRICE] == "85.50"
    fake.fill(view, ids.ITEM_PRICE, ids.ITEM_PRICE, "12.345")
    fake.submit(ADMIN, view)
    assert "2 decimals" in fake.view_errors[view][ids.ITEM_PRICE]  # the field is named; nothing saved
    assert wf.master.item(item.id).unit_price == Decimal("85.50")
    fake.fill(view, ids.ITEM_PRICE, ids.ITEM_PRICE, "90")
    fake.fill(view, ids.ITEM_ACTIVE, ids.ITEM_ACTIVE, None)  # unticked: deactivated
    fake.submit(ADMIN, view)
    assert not fake.view_errors.get(view)
    edited = wf.master.item(item.id)
    assert edited.unit_price == Decimal("90.00") and not edited.active
    assert wf.master.search_items("diag") == []  # no longer offered in the order forms


def test_several_matches_are_listed_with_an_edit_button_each(world):
    fake = world.fake
    admin = MasterAdmin(world.runtime.workflow)

    for n in range(3):
        admin.save_item(ADMIN, ItemFields(f"CAB-{n}", f"Cable {n}", "material", "m", Decimal("1.5")))
    so(world, ADMIN, "catalog cable")
    record = next(r for r in reversed(fake.responses) if r["user"] == ADMIN)
    assert not record.get("problems")
    assert [b["accessory"]["value"] for b in record["blocks"] if "accessory" in b] == ["1", "2", "3"]
    fake.click_ephemeral(ADMIN, record["ts"], ids.EDIT_ITEM, value="2")
    assert values(fake.views[opened_view(world)])[ids.ITEM_CODE] == "CAB-1"


def test_a_coordinator_is_refused_and_told_who_may(world):
    fake = world.fake
    for text in ("catalog", "clients", "clients acme"):
        answer = so(world, LAYLA, text)
        assert "Only an admin can change" in answer
    assert fake.calls_to("views.open") == []
    assert all("admin" in t for t in ephemerals_to(world, LAYLA))


def test_an_admin_adds_a_client_with_a_site_and_edits_it(world):
    fake, wf = world.fake, world.runtime.workflow
    so(world, ADMIN, "clients")
    view = opened_view(world)
    fake.fill(view, ids.CLIENT_NAME, ids.CLIENT_NAME, "Clínica Dental Norte")
    fake.fill(view, ids.CLIENT_NUMBER, ids.CLIENT_NUMBER, "B-12345678")
    fake.fill(view, ids.CLIENT_EMAIL, ids.CLIENT_EMAIL, "not an email")
    fake.submit(ADMIN, view)
    assert ids.CLIENT_EMAIL in fake.view_errors[view]
    fake.fill(view, ids.CLIENT_EMAIL, ids.CLIENT_EMAIL, "admin@clinica.test")
    fake.submit(ADMIN, view)
    (client,) = wf.master.search_clients("clinica")
    assert client.number == "B-12345678" and client.email == "admin@clinica.test"

    # the form turned into the client's own, where sites and contacts are added
    (shown,) = fake.open_views(ADMIN)
    assert shown["title"]["text"] == "Edit client"
    fake.view_action(ADMIN, view, ids.ADD_SITE, "master_client_actions")
    site_view = fake.open_views(ADMIN)[-1]["id"]
    assert len(fake.open_views(ADMIN)) == 2  # pushed over the client form
    fake.fill(site_view, ids.SITE_NAME, ids.SITE_NAME, "Consulta 2")
    fake.fill(site_view, ids.SITE_ADDRESS, ids.SITE_ADDRESS, "Calle de Alcalá 120, Madrid")
    fake.submit(ADMIN, site_view)
    world.settle()
    (site,) = wf.master.sites_of(client.id)
    assert site.address == "Calle de Alcalá 120, Madrid"
    (back,) = fake.open_views(ADMIN)
    assert any("Consulta 2" in b.get("text", {}).get("text", "") for b in back["blocks"])  # listed now
    fake.close_view(ADMIN, back["id"])

    so(world, ADMIN, "clients B-12345678")
    view = opened_view(world)
    fake.fill(view, ids.CLIENT_NAME, ids.CLIENT_NAME, "Clínica Norte")
    fake.fill(view, ids.CLIENT_ACTIVE, ids.CLIENT_ACTIVE, None)
    fake.submit(ADMIN, view)
    edited = wf.master.client(client.id)
    assert edited.name == "Clínica Norte" and not edited.active
    assert fake.open_views(ADMIN) == []


def test_the_admins_are_asked_to_add_a_typed_client(world):
    fake, wf = world.fake, world.runtime.workflow
    MasterAdmin(wf).save_client(ADMIN, ClientFields("Acme"))
    order = wf.submit(LAYLA, draft(client="Talleres Pérez"))
    world.settle()
    (dm,) = [m for m in fake.dms(ADMIN) if "client list" in m.get("text", "")]
    assert dm["text"] == (
        f"<@{LAYLA}> used the client “Talleres Pérez” on *{order.number}*, which is not in the client list."
    )
    channel = next(
        c.response["channel"] for c in fake.calls_to("chat.postMessage") if c.params["channel"] == ADMIN
    )
    fake.click(ADMIN, channel, dm["ts"], ids.ADD_TYPED_CLIENT)
    view = opened_view(world)
    assert values(fake.views[view])[ids.CLIENT_NAME] == "Talleres Pérez"
    fake.submit(ADMIN, view)
    assert wf.order(order.id).client_id is not None  # the order is linked to the client now


def test_an_admin_keeps_the_vat_of_an_item_and_of_a_client(world):
    fake, wf = world.fake, world.runtime.workflow
    rate, reason = m.ITEM_VAT_RATE.block_id, m.ITEM_VAT_EXEMPTION.block_id
    so(world, ADMIN, "catalog")
    view = opened_view(world)
    for block, typed in [(ids.ITEM_CODE, "EDU-1"), (ids.ITEM_NAME, "Formación"), (ids.ITEM_UNIT, "h")]:
        fake.fill(view, block, block, typed)
    fake.fill(view, ids.ITEM_PRICE, ids.ITEM_PRICE, "40")
    fake.fill(view, rate, rate, "0 %")
    fake.submit(ADMIN, view)
    assert "0 % rate needs" in fake.view_errors[view][reason]  # the field is named; nothing saved
    assert wf.master.search_items("formacion") == []
    fake.fill(view, reason, reason, "Exento: art. 20.Uno.9º LIVA")
    fake.submit(ADMIN, view)
    (item,) = wf.master.search_items("formacion")
    assert (item.vat_rate, item.vat_exemption) == (Decimal("0.00"), "Exento: art. 20.Uno.9º LIVA")

    so(world, ADMIN, "catalog EDU-1")  # the form shows them, and an edit changes them
    view = opened_view(world)
    assert (values(fake.views[view])[rate], values(fake.views[view])[reason]) == ("0", item.vat_exemption)
    fake.fill(view, rate, rate, "10,5")
    fake.submit(ADMIN, view)
    assert "Only a 0 % rate" in fake.view_errors[view][reason]
    fake.fill(view, reason, reason, None)
    fake.submit(ADMIN, view)
    assert not fake.view_errors.get(view)
    assert (wf.master.item(item.id).vat_rate, wf.master.item(item.id).vat_exemption) == (Decimal("10.50"), "")

    vat_id, country = m.CLIENT_VAT_ID.block_id, m.CLIENT_COUNTRY.block_id
    so(world, ADMIN, "clients")
    view = opened_view(world)
    fake.fill(view, ids.CLIENT_NAME, ids.CLIENT_NAME, "Müller GmbH")
    fake.fill(view, vat_id, vat_id, "de 123 456 789")
    fake.fill(view, country, country, "D1")
    fake.submit(ADMIN, view)
    assert "two-letter" in fake.view_errors[view][country]
    fake.fill(view, country, country, "de")
    fake.submit(ADMIN, view)
    (client,) = wf.master.search_clients("muller")
    assert (client.vat_id, client.country) == ("DE123456789", "DE")
    (shown,) = fake.open_views(ADMIN)  # the client's own form now, filled in
    assert (values(shown)[vat_id], values(shown)[country]) == ("DE123456789", "DE")
