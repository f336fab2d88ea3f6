"""The pickers in the forms without Slack or a database: render → choose and type as a person
would (state kept across views.update the way Slack keeps it, modelled by the sandbox) → parse."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

from slack_sdk.models.views import View

from forms import confirmation_modal, ids, new_order_modal, parse_confirmation, parse_new_order
from forms.choices import ClientChoice, with_client_picked, with_site_picked
from forms.editor import with_item_picked, with_line_added
from forms.lines import CatalogPick
from forms.new_order import MAX_LINES
from forms.pickers import client_option, new_client_option
from forms.types import LineDraft
from sandbox import _blocks

LAB = CatalogPick(17, "LAB-001", "Diagnóstico de red", "labour", "h", Decimal("85.00"))
CAM = CatalogPick(18, "MAT-CAM", "Cámara térmica", "material", "pcs", Decimal("1200.00"))
NORTE = ClientChoice(
    12, "Clínica Dental Norte", [(5, "Sede central"), (6, "Almacén")], 40, "Marta Ruiz, +34 600 123 456"
)


def shown(view: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view as Slack holds it after views.open (or views.update of `previous`)."""
    assert not _blocks.validate_view(view), _blocks.validate_view(view)
    View(**copy.deepcopy(view)).validate_json()
    out = copy.deepcopy(view)
    out["state"] = _blocks.build_state(view["blocks"], previous["state"] if previous else None)
    return out


def type_in(view: dict[str, Any], block_id: str, action_id: str, text: str) -> None:
    view["state"]["values"][block_id][action_id] = {"type": "plain_text_input", "value": text}


def choose(view: dict[str, Any], block_id: str, action_id: str, option: dict[str, Any]) -> None:
    kind = view["state"]["values"][block_id][action_id]["type"]
    view["state"]["values"][block_id][action_id] = {"type": kind, "selected_option": option}


def block_starting(view: dict[str, Any], name: str) -> str:
    """The block id of `name` at the view's version (`site`, `site.3`)."""
    return next(b["block_id"] for b in view["blocks"] if b.get("block_id", "").split(".")[0] == name)


def row_keys(view: dict[str, Any]) -> list[int]:
    return json.loads(view["private_metadata"])["keys"]


def test_pick_client_site_and_item_round_trip():
    view = shown(new_order_modal(clients=True, catalog=True))
    client = next(b for b in view["blocks"] if b["block_id"] == ids.CLIENT)
    assert client["element"]["type"] == "external_select" and client["dispatch_action"]

    type_in(view, ids.TITLE, ids.TITLE, "Network down")
    choose(view, ids.CLIENT, ids.CLIENT_PICK, client_option(12, "Clínica Dental Norte", "B-12345678"))
    view = shown(with_client_picked(view, NORTE), view)
    site_pick = block_starting(view, ids.SITE_PICK)
    assert [o["text"]["text"] for o in view["blocks"][1]["elements"][0]["options"]] == [
        "Sede central",
        "Almacén",
    ]
    contact = block_starting(view, ids.CONTACT)
    assert view["state"]["values"][contact][contact]["value"] == "Marta Ruiz, +34 600 123 456"

    sede = {"text": {"type": "plain_text", "text": "Sede central"}, "value": "5"}
    choose(view, site_pick, ids.SITE_PICK, sede)
    view = shown(with_site_picked(view, "Sede central\nCalle de Alcalá 120"), view)
    site = block_starting(view, ids.SITE)
    assert view["state"]["values"][site][site]["value"] == "Sede central\nCalle de Alcalá 120"
    picked_site = view["state"]["values"][block_starting(view, ids.SITE_PICK)][ids.SITE_PICK]
    assert picked_site["selected_option"]["value"] == "5"

    view = shown(with_item_picked(view, 0, LAB), view)
    [key] = row_keys(view)
    assert key == 1
    view = shown(with_line_added(view), view)  # the link survives another rebuild
    type_in(view, ids.line_block(key, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "3 h × 85")

    result = parse_new_order(view)
    assert result.ok, result.errors
    draft = result.value
    assert (draft.client, draft.client_id, draft.site_id, draft.contact_id) == (
        "Clínica Dental Norte",
        12,
        5,
        40,
    )
    assert draft.site == "Sede central\nCalle de Alcalá 120"
    assert draft.contact == "Marta Ruiz, +34 600 123 456"
    [line] = draft.lines
    assert (line.catalog_item_id, line.code, line.description) == (17, "LAB-001", "Diagnóstico de red")
    assert (line.kind, line.quantity, line.unit, line.unit_price) == ("labour", 3, "h", Decimal("85.00"))


def test_typing_over_the_filled_contact_drops_its_id_and_a_new_client_keeps_what_was_typed():
    view = shown(new_order_modal(clients=True))
    choose(view, ids.CLIENT, ids.CLIENT_PICK, client_option(12, "Clínica Dental Norte", None))
    view = shown(with_client_picked(view, NORTE), view)
    contact = block_starting(view, ids.CONTACT)
    type_in(view, contact, contact, "Luis, reception")
    site = block_starting(view, ids.SITE)
    type_in(view, site, site, "Back door")
    type_in(view, ids.TITLE, ids.TITLE, "Network down")
    draft = parse_new_order(view).value
    assert (draft.client_id, draft.contact_id, draft.site_id) == (12, None, None)
    assert draft.contact == "Luis, reception"

    # then the person changes their mind: a client not in the list; what they typed stays
    choose(view, ids.CLIENT, ids.CLIENT_PICK, new_client_option("Ópticas  Nuevas"))
    view = shown(with_client_picked(view, None), view)
    assert not [b for b in view["blocks"] if b.get("block_id", "").startswith(ids.SITE_PICK)]
    draft = parse_new_order(view).value
    assert (draft.client, draft.client_id, draft.site, draft.contact) == (
        "Ópticas Nuevas",
        None,
        "Back door",
        "Luis, reception",
    )


def test_a_client_chosen_and_submitted_before_the_bot_saw_it_keeps_the_option_name():
    view = shown(new_order_modal(clients=True))
    choose(view, ids.CLIENT, ids.CLIENT_PICK, client_option(12, "Clínica Dental Norte", "B-1"))
    type_in(view, ids.SITE, ids.SITE, "Calle 1")
    type_in(view, ids.TITLE, ids.TITLE, "Network down")
    draft = parse_new_order(view).value
    assert (draft.client, draft.client_id, draft.site_id) == ("Clínica Dental Norte", 12, None)


def test_no_client_chosen_is_an_error_under_client():
    view = shown(new_order_modal(clients=True))
    type_in(view, ids.SITE, ids.SITE, "Calle 1")
    type_in(view, ids.TITLE, ids.TITLE, "Network down")
    assert parse_new_order(view).errors == {ids.CLIENT: "Pick a client, or type a new one"}


def test_confirmation_keeps_catalog_links_and_picks_more():
    lines = [LineDraft("labour", "Diagnóstico de red", Decimal(2), "h", Decimal("85.00"), 17, "LAB-001")]
    view = shown(confirmation_modal(7, "SO-0007", 1, lines, catalog=True))
    view = shown(with_line_added(view), view)
    view = shown(with_item_picked(view, 1, CAM), view)
    result = parse_confirmation(view)
    assert result.ok, result.errors
    assert [(x.catalog_item_id, x.code, x.unit_price) for x in result.value.lines] == [
        (17, "LAB-001", Decimal("85.00")),
        (18, "MAT-CAM", Decimal("1200.00")),
    ]


def test_a_full_form_of_picked_lines_fits_slacks_limits():
    view = shown(new_order_modal(clients=True, catalog=True))
    choose(view, ids.CLIENT, ids.CLIENT_PICK, client_option(12, "x" * 200, "y" * 40))
    big = ClientChoice(12, "x" * 200, [(i, f"Site {i}") for i in range(1, 101)], 40, "z" * 200)
    view = shown(with_client_picked(view, big), view)
    for _ in range(MAX_LINES - 1):
        view = shown(with_line_added(view), view)
    item = CatalogPick(2**40, "C" * 40, "n", "labour", "h", Decimal(1))
    for key in list(row_keys(view)):
        view = shown(with_item_picked(view, key, item), view)
    assert len(row_keys(view)) == MAX_LINES
    assert len(view["private_metadata"]) <= 3000  # shown() checked the blocks


def test_forged_metadata_is_read_as_nothing_picked():
    view = shown(new_order_modal(clients=True, catalog=True))
    view["private_metadata"] = json.dumps(
        {"clients": 1, "v": "x", "client": [True, 3], "items": {"0": ["17", "X"], "a": [1, "b"]}, "keys": [0]}
    )
    new = {"text": {"type": "plain_text", "text": "?"}, "value": "new:Acme"}
    choose(view, ids.CLIENT, ids.CLIENT_PICK, new)
    type_in(view, ids.SITE, ids.SITE, "Calle 1")
    type_in(view, ids.TITLE, ids.TITLE, "T")
    type_in(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Work")
    type_in(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "1 h × 10")
    draft = parse_new_order(view).value
    assert draft.client == "Acme" and draft.client_id is None
    assert [(x.catalog_item_id, x.code) for x in draft.lines] == [(None, "")]
