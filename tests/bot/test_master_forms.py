"""The master-data modals render within Slack's limits and parse what a person typed, or name the
field that is wrong (pure: no Slack, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from slack_sdk.models.views import View

from forms import ids
from forms import master as m
from workflow.masterdata import ClientView, ContactView, ItemView, SiteView


def submitted(view: dict, typed: dict[str, object]) -> dict:
    """The view as Slack sends it back: the initial values, overridden by what was typed."""
    values: dict = {}
    for b in view["blocks"]:
        if b["type"] != "input":
            continue
        e = b["element"]
        value = typed.get(
            b["block_id"], e.get("initial_value") or e.get("initial_option") or e.get("initial_options")
        )
        if e["type"] == "plain_text_input":
            values[b["block_id"]] = {e["action_id"]: {"type": e["type"], "value": value}}
        elif e["type"] == "static_select":
            values[b["block_id"]] = {e["action_id"]: {"type": e["type"], "selected_option": value}}
        else:
            values[b["block_id"]] = {e["action_id"]: {"type": e["type"], "selected_options": value or []}}
    return {**view, "state": {"values": values}}


ITEM = ItemView(7, "SVC-1", "Diagnosis", "service", "h", Decimal("85.00"), True)
CLIENT = ClientView(3, "Acme", "556", "a@acme.test", "", "Box 1", True)
SITES = [SiteView(n, 3, f"Site {n}", f"Street {n}", "", n % 2 == 0) for n in range(1, 31)]
CONTACTS = [ContactView(n, 3, 1 if n % 2 else None, f"Person {n}", "+1", "", True) for n in range(1, 31)]


def test_every_modal_is_valid_block_kit_even_for_a_client_with_many_sites():
    for view in (
        m.item_modal(),
        m.item_modal(ITEM),
        m.client_modal(name="Typed Name"),
        m.client_modal(CLIENT, SITES, CONTACTS),
        m.site_modal(3, "Acme"),
        m.site_modal(3, "Acme", SITES[0]),
        m.contact_modal(3, "Acme", SITES, CONTACTS[0]),
        m.contact_modal(3, "Acme", []),
    ):
        View(**view).validate_json()
        assert len(view["blocks"]) <= 100


def test_an_item_form_parses_back_to_what_it_shows():
    parsed = m.parse_item(submitted(m.item_modal(ITEM), {}))
    assert parsed.value == m.ItemDraft(7, "SVC-1", "Diagnosis", "service", "h", Decimal("85.00"), True)
    unticked = m.parse_item(submitted(m.item_modal(ITEM), {ids.ITEM_ACTIVE: []}))
    assert unticked.value is not None and not unticked.value.active


@pytest.mark.parametrize(
    ("price", "says"),
    [("12.345", "2 decimals"), ("-3", "negative"), ("1e3", "like 45.00"), ("12,5 €", "like 45.00")],
)
def test_a_bad_unit_price_is_named(price, says):
    parsed = m.parse_item(
        submitted(m.item_modal(), {ids.ITEM_PRICE: price, ids.ITEM_CODE: "X", ids.ITEM_NAME: "Y"})
    )
    assert says in parsed.errors[ids.ITEM_PRICE]


def test_a_contact_keeps_its_site_and_a_site_form_its_client():
    contact = m.parse_contact(submitted(m.contact_modal(3, "Acme", SITES, CONTACTS[0]), {}))
    assert contact.value is not None and (contact.value.client_id, contact.value.site_id) == (3, 1)
    site = m.parse_site(submitted(m.site_modal(3, "Acme"), {ids.SITE_NAME: "Depot"}))
    assert site.value == m.SiteDraft(3, None, "Depot", "", "", True)
    forged = m.parse_site({"state": {"values": {}}, "private_metadata": "{}"})
    assert ids.SITE_NAME in forged.errors
