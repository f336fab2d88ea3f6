"""The master-data modals render within Slack's limits and parse what a person typed, or name the
field that is wrong (pure: no Slack, no database)."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest
from slack_sdk.models.views import View

from forms import ids
from forms import master as m
from workflow.master_admin import ClientFields, ItemFields
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


EXEMPT = ItemView(
    8, "EDU-1", "Training", "service", "h", Decimal("40.00"), True, Decimal("0.00"), "Exempt: Art. 20"
)
RATED = ItemView(9, "MAT-1", "Cable", "material", "m", Decimal("1.99"), True, Decimal("10.50"))
FOREIGN = ClientView(4, "Müller GmbH", None, "", "", "Hauptstr. 5", True, "DE123456789", "DE")


def block_ids(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if "block_id" in b]


def initial(view: dict, block_id: str) -> str | None:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block["element"].get("initial_value")


def test_the_vat_inputs_are_shown_prefilled_when_editing():
    for view in (m.item_modal(), m.item_modal(EXEMPT), m.item_modal(RATED), m.client_modal(FOREIGN, [], [])):
        View(**view).validate_json()
        assert len(block_ids(view)) == len(set(block_ids(view)))
    assert (
        initial(m.item_modal(EXEMPT), m.ITEM_VAT_RATE.block_id),
        initial(m.item_modal(RATED), m.ITEM_VAT_RATE.block_id),
    ) == ("0", "10.5")
    assert initial(m.item_modal(EXEMPT), m.ITEM_VAT_EXEMPTION.block_id) == "Exempt: Art. 20"
    assert initial(m.item_modal(ITEM), m.ITEM_VAT_RATE.block_id) is None  # the company's rate
    client = m.client_modal(FOREIGN, [], [])
    assert (initial(client, m.CLIENT_VAT_ID.block_id), initial(client, m.CLIENT_COUNTRY.block_id)) == (
        "DE123456789",
        "DE",
    )
    labels = {b["label"]["text"] for b in m.item_modal()["blocks"] + client["blocks"] if b["type"] == "input"}
    assert {"VAT rate %", "VAT exemption reason", "VAT number", "Country (2 letters)"} <= labels


def test_the_vat_fields_parse_back_to_what_they_show():
    assert m.parse_item(submitted(m.item_modal(EXEMPT), {})).value == m.ItemDraft(
        8, "EDU-1", "Training", "service", "h", Decimal("40.00"), True, Decimal("0.00"), "Exempt: Art. 20"
    )
    assert m.parse_item(submitted(m.item_modal(RATED), {})).value.vat_rate == Decimal("10.50")  # type: ignore[union-attr]
    parsed = m.parse_client(submitted(m.client_modal(FOREIGN, [], []), {}))
    assert parsed.value == m.ClientDraft(
        4, "Müller GmbH", "", "", "", "Hauptstr. 5", True, "DE123456789", "DE"
    )
    typed = {m.CLIENT_VAT_ID.block_id: " es b1234 5678", m.CLIENT_COUNTRY.block_id: "es"}
    spaced = m.parse_client(submitted(m.client_modal(name="Acme"), typed)).value
    assert spaced is not None and (spaced.vat_id, spaced.country) == ("ESB12345678", "ES")


@pytest.mark.parametrize(
    ("typed", "rate"),
    [
        ("21", Decimal("21.00")),
        ("10,5", Decimal("10.50")),
        ("21 %", Decimal("21.00")),
        ("7.25%", Decimal("7.25")),
        ("", None),
    ],
)
def test_a_vat_rate_is_read_as_people_write_it(typed, rate):
    assert m.parse_vat_rate(typed) == (rate, None)


@pytest.mark.parametrize(
    ("rate", "reason", "block", "says"),
    [
        ("101", "", "rate", "At most 100"),
        ("-4", "", "rate", "negative"),
        ("12.345", "", "rate", "2 decimals"),
        ("21 €", "", "rate", "like 21"),
        ("0", "", "reason", "0 % rate needs"),
        ("21", "Exempt", "reason", "Only a 0 % rate"),
        ("", "Exempt", "reason", "Only a 0 % rate"),
    ],
)
def test_a_bad_vat_rate_or_reason_is_named(rate, reason, block, says):
    typed = {ids.ITEM_CODE: "X", ids.ITEM_NAME: "Y", ids.ITEM_UNIT: "h", ids.ITEM_PRICE: "1"}
    typed |= {m.ITEM_VAT_RATE.block_id: rate or None, m.ITEM_VAT_EXEMPTION.block_id: reason or None}
    parsed = m.parse_item(submitted(m.item_modal(), typed))
    field = m.ITEM_VAT_RATE if block == "rate" else m.ITEM_VAT_EXEMPTION
    assert list(parsed.errors) == [field.block_id] and says in parsed.errors[field.block_id]


def test_a_country_is_two_letters():
    typed = {m.CLIENT_COUNTRY.block_id: "E1"}
    parsed = m.parse_client(submitted(m.client_modal(name="Acme"), typed))
    assert "two-letter" in parsed.errors[m.CLIENT_COUNTRY.block_id]


def test_every_field_the_workflow_may_refuse_has_its_input():
    assert {f.name for f in fields(ItemFields)} == set(m.ITEM_BLOCKS)
    assert {f.name for f in fields(ClientFields)} == set(m.CLIENT_BLOCKS)
    assert set(m.ITEM_BLOCKS.values()) <= set(block_ids(m.item_modal()))
    assert set(m.CLIENT_BLOCKS.values()) <= set(block_ids(m.client_modal()))
