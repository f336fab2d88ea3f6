"""Admins' writes to the master data: validation, keys kept in step, orders linked by a typed name,
deactivation rather than deletion of what an order uses."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlmodel import Session, select
from wf_helpers import ADMIN, REQUESTER, draft, line

from storage.models import CatalogItem, Client, Order
from workflow.master_admin import ClientFields, ContactFields, Invalid, ItemFields, MasterAdmin, SiteFields
from workflow.service import Refused


@pytest.fixture
def admin(wf) -> MasterAdmin:  # type: ignore[no-untyped-def]
    return MasterAdmin(wf)


def item(code: str = "SVC-1", price: str = "85.00", **kw) -> ItemFields:  # type: ignore[no-untyped-def]
    values = {"code": code, "name": "Diagnosis", "kind": "service", "unit": "h", "unit_price": Decimal(price)}
    return ItemFields(**{**values, **kw})


def test_an_admin_adds_and_edits_an_item_and_the_keys_follow_the_name(admin, wf):
    saved = admin.save_item(ADMIN, item(name="Diagnóstico"))
    assert [i.code for i in wf.master.search_items("diagnostico")] == ["SVC-1"]
    admin.save_item(ADMIN, item(name="Router swap", price="120.5"), saved.id)
    assert wf.master.item(saved.id).unit_price == Decimal("120.50")
    assert wf.master.search_items("diagnostico") == []
    assert [i.code for i in wf.master.search_items("router svc")] == ["SVC-1"]


def test_only_an_admin_may_write(admin, wf):
    with pytest.raises(Refused) as refused:
        admin.save_item(REQUESTER, item())
    assert refused.value.code == "role" and refused.value.who == "an admin"
    with pytest.raises(Refused):
        admin.save_client(REQUESTER, ClientFields("Acme"))
    assert not wf.master.has_catalog() and not wf.master.has_clients()


def test_every_bad_field_is_named_and_nothing_is_stored(admin, wf):
    with pytest.raises(Invalid) as bad:
        admin.save_item(ADMIN, item(code=" ", kind="tool", unit="x" * 21, price="12.345"))
    assert set(bad.value.problems) == {"code", "kind", "unit", "unit_price"}
    assert "2 decimals" in bad.value.problems["unit_price"]
    with pytest.raises(Invalid) as negative:
        admin.save_item(ADMIN, item(price="-1"))
    assert "negative" in negative.value.problems["unit_price"]
    with pytest.raises(Invalid) as email:
        admin.save_client(ADMIN, ClientFields("Acme", email="acme.example.com"))
    assert set(email.value.problems) == {"email"}
    assert not wf.master.has_catalog() and not wf.master.has_clients()


def test_natural_keys_stay_unique(admin):
    admin.save_item(ADMIN, item())
    with pytest.raises(Invalid) as dup:
        admin.save_item(ADMIN, item(name="Other"))
    assert "code" in dup.value.problems
    admin.save_client(ADMIN, ClientFields("Müller GmbH", number="556"))
    with pytest.raises(Invalid) as same_name:
        admin.save_client(ADMIN, ClientFields("MULLER gmbh"))
    assert "name" in same_name.value.problems
    with pytest.raises(Invalid) as same_number:
        admin.save_client(ADMIN, ClientFields("Other AB", number="556"))
    assert "number" in same_number.value.problems


def test_sites_and_contacts_belong_to_their_client(admin, wf):
    acme = admin.save_client(ADMIN, ClientFields("Acme"))
    other = admin.save_client(ADMIN, ClientFields("Other"))
    hq = admin.save_site(ADMIN, acme.id, SiteFields("HQ", "Main Street 1"))
    far = admin.save_site(ADMIN, other.id, SiteFields("Far"))
    jo = admin.save_contact(ADMIN, acme.id, ContactFields("Jo", hq.id, "+1 555", "jo@acme.test"))
    admin.save_contact(ADMIN, acme.id, ContactFields("Kim"))
    with pytest.raises(Invalid) as wrong_site:
        admin.save_contact(ADMIN, acme.id, ContactFields("Lee", far.id))
    assert "site_id" in wrong_site.value.problems
    with pytest.raises(Invalid):
        admin.save_site(ADMIN, acme.id, SiteFields("hq"))
    assert [c.name for c in wf.master.contacts_of(acme.id, hq.id)] == ["Jo", "Kim"]
    assert jo.site_id == hq.id


def test_a_new_or_renamed_client_links_the_orders_that_typed_its_name(admin, wf):
    typed = wf.submit(REQUESTER, draft(client="Clínica Norte"))
    other = wf.submit(REQUESTER, draft(client="Somebody Else"))
    client = admin.save_client(ADMIN, ClientFields("CLINICA norte"))
    assert wf.order(typed.id).client_id == client.id
    assert wf.order(typed.id).client == "Clínica Norte"  # the order's own text stays
    assert wf.order(other.id).client_id is None
    admin.save_client(ADMIN, ClientFields("Somebody else"), None)
    assert wf.order(other.id).client_id is not None


def test_what_an_order_uses_is_deactivated_not_deleted(admin, wf):
    used = admin.save_item(ADMIN, item())
    spare = admin.save_item(ADMIN, item(code="SPARE"))
    picked = replace(line(unit_price="85.00"), catalog_item_id=used.id, code=used.code)
    order = wf.submit(REQUESTER, draft(lines=[picked]))
    with pytest.raises(Refused) as refused:
        admin.delete(ADMIN, "item", used.id)
    assert refused.value.message == f"{order.number} uses it: deactivate it instead."
    assert admin.set_active(ADMIN, "item", used.id, False)
    assert [i.code for i in wf.master.search_items("")] == ["SPARE"]
    assert admin.set_active(ADMIN, "item", used.id, True)
    admin.delete(ADMIN, "item", spare.id)
    with Session(wf.engine) as s:
        assert s.exec(select(CatalogItem.code)).all() == ["SVC-1"]


def test_a_client_an_order_picked_cannot_be_deleted(admin, wf):
    acme = admin.save_client(ADMIN, ClientFields("Acme"))
    admin.save_site(ADMIN, acme.id, SiteFields("HQ"))
    order = wf.submit(REQUESTER, draft(client="Acme"))
    with Session(wf.engine) as s:  # as if picked in the form
        s.get(Order, order.id).client_id = acme.id  # type: ignore[union-attr]
        s.commit()
    with pytest.raises(Refused) as refused:
        admin.delete(ADMIN, "client", acme.id)
    assert order.number in refused.value.message
    unused = admin.save_client(ADMIN, ClientFields("Unused"))
    admin.save_site(ADMIN, unused.id, SiteFields("Depot"))
    admin.save_contact(ADMIN, unused.id, ContactFields("Ann"))
    admin.delete(ADMIN, "client", unused.id)
    with Session(wf.engine) as s:
        assert s.exec(select(Client.name)).all() == ["Acme"]


def test_a_client_keeps_its_vat_number_and_country_as_invoices_need_them(admin, wf):
    saved = admin.save_client(ADMIN, ClientFields("Acme", vat_id=" es b1234 5678 ", country="es"))
    assert (saved.vat_id, saved.country) == ("ESB12345678", "ES")
    assert (wf.master.client(saved.id).vat_id, wf.master.client(saved.id).country) == ("ESB12345678", "ES")
    admin.save_client(ADMIN, ClientFields("Acme"), saved.id)  # emptied: a domestic client again
    assert (wf.master.client(saved.id).vat_id, wf.master.client(saved.id).country) == ("", "")


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"country": "Spain"}, "country", "two-letter"),
        ({"country": "E1"}, "country", "two-letter"),
        ({"vat_id": "X" * 41}, "vat_id", "at most 40"),
    ],
)
def test_a_bad_country_or_vat_number_is_refused_by_field(admin, wf, fields, field, says):
    with pytest.raises(Invalid) as bad:
        admin.save_client(ADMIN, ClientFields("Acme", **fields))
    assert set(bad.value.problems) == {field} and says in bad.value.problems[field]
    assert not wf.master.has_clients()


def test_an_item_keeps_its_own_vat_rate_or_the_companys(admin, wf):
    saved = admin.save_item(ADMIN, item(vat_rate=Decimal("10.5")))
    assert (saved.vat_rate, saved.vat_exemption) == (Decimal("10.50"), "")
    exempt = item(vat_rate=Decimal(0), vat_exemption=" Exempt: Art. 20 Ley 37/1992 ")
    admin.save_item(ADMIN, exempt, saved.id)
    assert (wf.master.item(saved.id).vat_rate, wf.master.item(saved.id).vat_exemption) == (
        Decimal("0.00"),
        "Exempt: Art. 20 Ley 37/1992",
    )
    admin.save_item(ADMIN, item(), saved.id)
    assert (wf.master.item(saved.id).vat_rate, wf.master.item(saved.id).vat_exemption) == (None, "")


@pytest.mark.parametrize(
    ("rate", "reason", "field", "says"),
    [
        ("101", "", "vat_rate", "at most 100"),
        ("-1", "", "vat_rate", "negative"),
        ("10.555", "", "vat_rate", "2 decimals"),
        ("0", "", "vat_exemption", "a 0 % rate needs vat_exemption"),
        ("0", "x" * 201, "vat_exemption", "at most 200"),
        ("21", "Exempt", "vat_exemption", "only a 0 % rate"),
        (None, "Exempt", "vat_exemption", "only a 0 % rate"),
    ],
)
def test_a_bad_vat_rate_or_exemption_is_refused_by_field(admin, wf, rate, reason, field, says):
    fields = item(vat_rate=None if rate is None else Decimal(rate), vat_exemption=reason)
    with pytest.raises(Invalid) as bad:
        admin.save_item(ADMIN, fields)
    assert set(bad.value.problems) == {field} and says in bad.value.problems[field]
    assert not wf.master.has_catalog()
