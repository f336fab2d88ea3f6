"""The client and catalog pickers, as a person uses them: typing into the new-order form's
external_selects (signed options load requests to the running app), choosing, and submitting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.demo import LAYLA
from forms import ids
from tests.bot.helpers import opened_view
from tests.bot.pick_masterdata import (
    add_client,
    add_contact,
    add_items,
    add_site,
    catalog_of,
    item_id,
    item_row,
)

ROW0 = ids.line_block(0, ids.LINE_ACTIONS)
SPECIAL = [
    item_row("LAB-001", "Diagnóstico de red", "labour", "h", "85.00"),
    item_row("MAT-CAM", "Cámara térmica Ø 40", "material", "pcs", "1200.00"),
    item_row("OLD-001", "Diagnóstico antiguo", "labour", "h", "60.00", active=False),
]


@pytest.fixture
def catalog(world):  # type: ignore[no-untyped-def]
    """10,000 catalog items (every 50th inactive) and three special ones."""
    add_items(world.runtime.workflow.engine, catalog_of(10_000) + SPECIAL)
    return world


def _open_form(world, user: str = LAYLA) -> str:  # type: ignore[no-untyped-def]
    assert world.fake.slash_command(user, "/so", "new").status == 200
    return opened_view(world)


def _texts(options: list[dict]) -> list[str]:
    return [o["text"]["text"] for o in options]


def _values(view: dict) -> dict:
    return view["state"]["values"]


def _row_keys(view: dict) -> list[int]:
    return [
        int(b["block_id"].split(":")[1])
        for b in view["blocks"]
        if b.get("block_id", "").startswith(ids.LINE_PREFIX) and b["block_id"].endswith(":" + ids.LINE_DESC)
    ]


def test_catalog_typeahead_with_10000_items(catalog):
    fake = catalog.fake
    view = _open_form(catalog)

    def typed(text: str) -> list[str]:
        return _texts(fake.suggest(LAYLA, view, ROW0, ids.CATALOG_ITEM, text))

    # by code (case ignored): every item whose code holds the letters typed, by code, with its price
    by_code = typed("c0012")
    assert [t.split(" — ")[0] for t in by_code] == [f"C0012{d}" for d in range(10)]
    assert by_code[0] == "C00120 — Cable model 120 · 40.50/m"
    # by name, accents and case ignored, every word typed in order
    assert typed("diagnostico red") == ["LAB-001 — Diagnóstico de red · 85.00/h"]
    assert typed("CAMARA termica") == ["MAT-CAM — Cámara térmica Ø 40 · 1200.00/pcs"]
    # a common word: Slack's 100 at most, in code order
    routers = typed("router")
    assert len(routers) == 100 and all("Router model" in t for t in routers)
    assert routers == sorted(routers)
    # inactive items are not offered; nothing matching: no options
    assert typed("C00007") == [] and typed("antiguo") == []
    assert typed("zzz no such thing") == []


def test_choosing_an_item_fills_its_row_and_the_order_keeps_the_code(catalog):
    fake, wf = catalog.fake, catalog.runtime.workflow
    view = _open_form(catalog)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")  # no client list: typed
    fake.fill(view, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
    fake.fill(view, ids.TITLE, ids.TITLE, "Network down")
    [option] = fake.suggest(LAYLA, view, ROW0, ids.CATALOG_ITEM, "LAB-001")
    assert fake.choose(LAYLA, view, ROW0, ids.CATALOG_ITEM, option).status == 200

    shown = fake.views[view]
    [key] = _row_keys(shown)
    assert key != 0  # a new row: Slack would have kept row 0's (empty) inputs
    values = _values(shown)
    assert values[ids.line_block(key, ids.LINE_DESC)][ids.LINE_DESC]["value"] == "Diagnóstico de red"
    assert values[ids.line_block(key, ids.LINE_AMOUNT)][ids.LINE_AMOUNT]["value"] == "1 h × 85.00"
    actions = values[ids.line_block(key, ids.LINE_ACTIONS)]
    assert actions[ids.LINE_KIND]["selected_option"]["value"] == "labour"
    assert actions[ids.CATALOG_ITEM]["selected_option"]["text"]["text"].startswith("LAB-001")
    # the typed values elsewhere are kept
    assert values[ids.TITLE][ids.TITLE]["value"] == "Network down"

    # the person makes it two hours and renames the line: still the catalog's item and price
    fake.fill(view, ids.line_block(key, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    fake.fill(view, ids.line_block(key, ids.LINE_DESC), ids.LINE_DESC, "Diagnóstico de red (2 plantas)")
    result = fake.submit(LAYLA, view)
    assert result.status == 200 and not fake.view_errors.get(view), result.body_text
    catalog.settle()
    order = wf.list_for(LAYLA)[0][0]
    [line] = wf.order(order.id).lines
    assert (line.code, line.catalog_item_id) == ("LAB-001", item_id(wf.engine, "LAB-001"))
    assert (line.description, line.quantity, line.unit_price) == (
        "Diagnóstico de red (2 plantas)",
        Decimal(2),
        Decimal("85.00"),
    )
    assert order.client_id is None  # typed, and the company keeps no client list


def test_a_coordinator_may_not_change_a_catalog_price_a_supervisor_may(catalog):
    fake, wf = catalog.fake, catalog.runtime.workflow
    view = _open_form(catalog)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")
    fake.fill(view, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
    fake.fill(view, ids.TITLE, ids.TITLE, "Network down")
    fake.view_action(LAYLA, view, ids.ADD_LINE, ids.LINES_ACTIONS_BLOCK)  # row 1: typed by hand
    fake.fill(view, ids.line_block(1, ids.LINE_DESC), ids.LINE_DESC, "Travel")
    fake.fill(view, ids.line_block(1, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "1 trip × 30")
    [option] = fake.suggest(LAYLA, view, ROW0, ids.CATALOG_ITEM, "diagnostico de red")
    fake.choose(LAYLA, view, ROW0, ids.CATALOG_ITEM, option)
    [key] = [k for k in _row_keys(fake.views[view]) if k not in (0, 1)]  # the picked row's new key
    amount = ids.line_block(key, ids.LINE_AMOUNT)
    fake.fill(view, amount, ids.LINE_AMOUNT, "1 h × 70")

    assert fake.submit(LAYLA, view).status == 200
    errors = fake.view_errors[view]
    assert list(errors) == [amount]  # under the picked line's amount, not elsewhere
    assert "comes from the catalog (85.00)" in errors[amount]
    assert "only supervisors and admins may change it" in errors[amount]
    catalog.settle()
    assert wf.list_for(LAYLA)[0] == []  # nothing was stored

    wf.grant("test", LAYLA, "supervisor", check=False)
    result = fake.submit(LAYLA, view)
    assert result.status == 200 and not fake.view_errors.get(view), fake.view_errors.get(view)
    catalog.settle()
    order = wf.list_for(LAYLA)[0][0]
    prices = sorted((x.description, x.unit_price, x.code) for x in wf.order(order.id).lines)
    assert prices == [("Diagnóstico de red", Decimal("70.00"), "LAB-001"), ("Travel", Decimal("30.00"), "")]


@pytest.fixture
def clients(world):  # type: ignore[no-untyped-def]
    """A client list: Clínica Dental Norte with two sites and a contact, a few others, one inactive."""
    engine = world.runtime.workflow.engine
    norte = add_client(engine, "Clínica Dental Norte", "B-12345678")
    add_client(engine, "Clínica Veterinaria Sur", "B-87654321")
    add_client(engine, "Clínica Cerrada", "B-00000000", active=False)
    for n in range(150):
        add_client(engine, f"Cliente {n:03d}")
    sede = add_site(engine, norte, "Sede central", "Calle de Alcalá 120, Madrid", "Ask at reception")
    add_site(engine, norte, "Almacén", "Polígono Sur 4, Getafe")
    marta = add_contact(engine, norte, "Marta Ruiz", "+34 600 123 456")
    add_items(engine, SPECIAL)
    world.ids = {"norte": norte, "sede": sede, "marta": marta}  # type: ignore[attr-defined]
    return world


def test_a_picked_client_offers_its_sites_and_the_order_keeps_the_ids(clients):
    fake, wf = clients.fake, clients.runtime.workflow
    view = _open_form(clients)

    options = fake.suggest(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, "clinica")
    assert _texts(options) == [
        "Clínica Dental Norte — B-12345678",
        "Clínica Veterinaria Sur — B-87654321",
        "➕ “clinica” (not in the client list)",
    ]
    assert _texts(fake.suggest(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, "8765"))[0].startswith("Clínica Vet")
    assert len(fake.suggest(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, "cliente")) == 100

    fake.fill(view, ids.TITLE, ids.TITLE, "Network down")
    assert fake.choose(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, options[0]).status == 200
    shown = fake.views[view]
    [site_select] = [b for b in shown["blocks"] if b.get("block_id", "").startswith(ids.SITE_PICK)]
    assert _texts(site_select["elements"][0]["options"]) == ["Almacén", "Sede central"]
    contact = next(v for k, v in _values(shown).items() if k.startswith(ids.CONTACT + "."))
    assert next(iter(contact.values()))["value"] == "Marta Ruiz, +34 600 123 456"

    sede = next(o for o in site_select["elements"][0]["options"] if o["text"]["text"] == "Sede central")
    fake.choose(LAYLA, view, site_select["block_id"], ids.SITE_PICK, sede)
    shown = fake.views[view]
    site = next(v for k, v in _values(shown).items() if k.startswith(ids.SITE + "."))
    assert next(iter(site.values()))["value"] == "Sede central\nCalle de Alcalá 120, Madrid\nAsk at reception"
    assert _values(shown)[ids.TITLE][ids.TITLE]["value"] == "Network down"  # kept

    [item] = fake.suggest(LAYLA, view, ROW0, ids.CATALOG_ITEM, "MAT-CAM")
    fake.choose(LAYLA, view, ROW0, ids.CATALOG_ITEM, item)
    result = fake.submit(LAYLA, view)
    assert result.status == 200 and not fake.view_errors.get(view), fake.view_errors.get(view)
    clients.settle()
    order = wf.order(wf.list_for(LAYLA)[0][0].id)
    assert (order.client_id, order.site_id, order.contact_id) == (
        clients.ids["norte"],
        clients.ids["sede"],
        clients.ids["marta"],
    )
    assert order.client == "Clínica Dental Norte"
    assert order.site.startswith("Sede central\nCalle de Alcalá 120")
    assert [(x.code, x.description, x.unit_price) for x in order.lines] == [
        ("MAT-CAM", "Cámara térmica Ø 40", Decimal("1200.00"))
    ]


def test_a_client_not_in_the_list_is_kept_as_typed(clients):
    fake, wf = clients.fake, clients.runtime.workflow
    view = _open_form(clients)
    options = fake.suggest(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, "Ópticas  Nuevas")
    assert _texts(options) == ["➕ “Ópticas Nuevas” (not in the client list)"]  # nor the inactive one
    fake.choose(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, options[-1])
    assert not [b for b in fake.views[view]["blocks"] if b.get("block_id", "").startswith(ids.SITE_PICK)]
    site = next(b["block_id"] for b in fake.views[view]["blocks"] if b["block_id"].split(".")[0] == ids.SITE)
    fake.fill(view, site, site, "Gran Vía 1, Madrid")
    fake.fill(view, ids.TITLE, ids.TITLE, "New shop network")
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Survey")
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "1 h × 50")
    result = fake.submit(LAYLA, view)
    assert result.status == 200 and not fake.view_errors.get(view), fake.view_errors.get(view)
    clients.settle()
    order = wf.order(wf.list_for(LAYLA)[0][0].id)
    assert (order.client, order.client_id, order.site_id, order.contact_id) == (
        "Ópticas Nuevas",
        None,
        None,
        None,
    )
    assert order.site == "Gran Vía 1, Madrid"


def test_a_long_client_name_fits_slacks_option_limits(clients):
    fake = clients.fake
    long_name = "Compañía General de Mantenimiento Integral de Instalaciones Hospitalarias del Norte"
    add_client(clients.runtime.workflow.engine, long_name, "ESX-" + "9" * 30)
    view = _open_form(clients)
    typed = "compania general " + "x" * 60  # the new-client option too: cut, not refused
    assert len(fake.suggest(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, typed)) == 1
    [found, new] = fake.suggest(LAYLA, view, ids.CLIENT, ids.CLIENT_PICK, "compania general")
    assert (
        found["text"]["text"].startswith("Compañía General de Mantenimiento")
        and len(found["text"]["text"]) <= 75
    )
    assert found["text"]["text"].endswith("…") or "ESX-" in found["text"]["text"]
    assert new["value"] == "new:compania general"


def test_without_master_data_the_form_is_as_before(world):
    """No client list, no catalog: Client is a text input and the rows have no catalog picker."""
    view = _open_form(world)
    blocks = {b["block_id"]: b for b in world.fake.views[view]["blocks"]}
    assert blocks[ids.CLIENT]["element"]["type"] == "plain_text_input"
    assert [e["type"] for e in blocks[ROW0]["elements"]] == ["static_select", "button"]
