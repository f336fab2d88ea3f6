"""What admins do to the master data: validated writes of single records, deactivation, deletion
of what no order uses, and lookups that include inactive records.

Every write keeps `name_key` (fold(name)) and `search_key` (fold(name and code or number)) in step
with the name, so typeahead and natural keys never disagree with what people see. The checks
(`client_problems`, `item_problems`, …) are shared with the CSV import (workflow.master_csv), so a
record is valid or not whichever way it comes in.

A separate module from workflow.masterdata because it raises workflow.service.Refused, and
workflow.service builds its MasterData from that module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.db import transaction
from storage.models import CatalogItem, Client, Contact, Line, Order, Revision, Site
from workflow.checks import require
from workflow.errors import Refused
from workflow.masterdata import (
    ClientView,
    ContactView,
    ItemView,
    SiteView,
    client_view,
    contact_view,
    item_view,
    matches,
    site_view,
)
from workflow.rules import Power
from workflow.service import Workflow
from workflow.text_keys import fold

KINDS = ("service", "material", "labour")
PRICE_MAX = Decimal(100_000_000)  # as forms.amounts.PRICE_MAX: what a line accepts
LOOKUP_LIMIT = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2, as stored (upper-case)
VAT_RATE_MAX = Decimal(100)
ZERO_RATE_NEEDS_REASON = "a 0 % rate needs vat_exemption, the reason printed on the invoice"

# Longest text each field keeps (storage.models)
CLIENT_LENGTHS = {
    "name": 200,
    "number": 40,
    "email": 200,
    "phone": 50,
    "billing_address": 500,
    "vat_id": 40,
}
SITE_LENGTHS = {"name": 200, "address": 500, "access_notes": 1000}
CONTACT_LENGTHS = {"name": 200, "phone": 50, "email": 200}
ITEM_LENGTHS = {"code": 40, "name": 200, "unit": 20, "vat_exemption": 200}


class Invalid(Refused):
    """A record that cannot be stored as given: what is wrong with each field (nothing changed)."""

    def __init__(self, problems: dict[str, str]) -> None:
        first = next(iter(problems.items()))
        super().__init__("invalid", f"{first[0].replace('_', ' ').capitalize()}: {first[1]}")
        self.problems = dict(problems)


@dataclass(frozen=True)
class ClientFields:
    name: str
    number: str = ""
    email: str = ""
    phone: str = ""
    billing_address: str = ""
    active: bool = True
    vat_id: str = ""  # the buyer's VAT number on invoices (EN 16931 BT-48)
    country: str = ""  # ISO 3166-1 alpha-2; empty: the company's own


@dataclass(frozen=True)
class SiteFields:
    name: str
    address: str = ""
    access_notes: str = ""
    active: bool = True


@dataclass(frozen=True)
class ContactFields:
    name: str
    site_id: int | None = None
    phone: str = ""
    email: str = ""
    active: bool = True


@dataclass(frozen=True)
class ItemFields:
    code: str
    name: str
    kind: str
    unit: str
    unit_price: Decimal
    active: bool = True
    vat_rate: Decimal | None = None  # percent; None: the company's rate
    vat_exemption: str = ""  # with a 0 % rate only: why, printed on the invoice


# ------------------------------------------------------------------------------------ checks


def _lengths(values: dict[str, str], limits: dict[str, int], problems: dict[str, str]) -> None:
    for name, limit in limits.items():
        if len(values.get(name) or "") > limit:
            problems.setdefault(name, f"at most {limit:,} characters (now {len(values[name]):,})")


def _email(value: str, problems: dict[str, str]) -> None:
    if value and not _EMAIL.fullmatch(value):
        problems.setdefault("email", f"“{value[:60]}” is not an email address")


def client_problems(f: ClientFields) -> dict[str, str]:
    """What is wrong with a client as given, by field; empty when it can be stored."""
    problems: dict[str, str] = {}
    if not f.name.strip():
        problems["name"] = "a name is required"
    _lengths(vars(f), CLIENT_LENGTHS, problems)
    _email(f.email, problems)
    if f.country and not _COUNTRY.fullmatch(f.country):
        problems.setdefault("country", f"“{f.country[:20]}” is not a two-letter country code like ES or DE")
    return problems


def site_problems(f: SiteFields) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not f.name.strip():
        problems["name"] = "a name is required"
    _lengths(vars(f), SITE_LENGTHS, problems)
    return problems


def contact_problems(f: ContactFields) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not f.name.strip():
        problems["name"] = "a name is required"
    _lengths(vars(f), CONTACT_LENGTHS, problems)
    _email(f.email, problems)
    return problems


def price_problem(price: Decimal) -> str | None:
    """Why price cannot be a unit price (at least 0, cents at most), or None."""
    try:
        if not price.is_finite():
            return "not a number"
        if price < 0:
            return "cannot be negative"
        if price > PRICE_MAX:
            return f"at most {PRICE_MAX:,}"
        if price != price.quantize(Decimal("0.01")):
            return "at most 2 decimals"
    except InvalidOperation:
        return "not a number"
    return None


def vat_rate_problem(rate: Decimal) -> str | None:
    """Why rate cannot be a VAT rate (a percentage from 0 to 100, 2 decimals at most), or None."""
    try:
        if not rate.is_finite():
            return "not a number"
        if rate < 0:
            return "cannot be negative"
        if rate > VAT_RATE_MAX:
            return f"a percentage: at most {VAT_RATE_MAX}"
        if rate != rate.quantize(Decimal("0.01")):
            return "at most 2 decimals"
    except InvalidOperation:
        return "not a number"
    return None


def item_problems(f: ItemFields) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not f.code.strip():
        problems["code"] = "a code is required"
    if not f.name.strip():
        problems["name"] = "a name is required"
    if f.kind not in KINDS:
        problems["kind"] = f"“{f.kind[:20]}” is not one of {', '.join(KINDS)}"
    if not f.unit.strip():
        problems["unit"] = "a unit is required, e.g. h, pcs, m"
    texts = {"code": f.code, "name": f.name, "unit": f.unit, "vat_exemption": f.vat_exemption}
    _lengths(texts, ITEM_LENGTHS, problems)
    problem = price_problem(f.unit_price)
    if problem:
        problems["unit_price"] = problem
    problem = vat_rate_problem(f.vat_rate) if f.vat_rate is not None else None
    if problem:
        problems["vat_rate"] = problem  # and the reason is not judged against a rate that is not one
    elif f.vat_rate == 0 and not f.vat_exemption.strip():
        problems.setdefault("vat_exemption", ZERO_RATE_NEEDS_REASON)
    elif f.vat_rate != 0 and f.vat_exemption.strip():
        problems.setdefault(
            "vat_exemption", "only a 0 % rate has an exemption reason: empty it, or make the rate 0"
        )
    return problems


def _stripped(f):  # type: ignore[no-untyped-def]
    """The same fields with the surrounding spaces of every text removed."""
    return type(f)(**{k: v.strip() if isinstance(v, str) else v for k, v in vars(f).items()})


def client_as_stored(f: ClientFields) -> ClientFields:
    """The client's fields as stored: texts without surrounding spaces, the VAT number without any
    spaces and upper-case ("es b1234 5678" → ESB12345678), the country code upper-case."""
    f = _stripped(f)
    return replace(f, vat_id="".join(f.vat_id.split()).upper(), country=f.country.upper())


def item_as_stored(f: ItemFields) -> ItemFields:
    """The item's fields as stored: texts without surrounding spaces, the rate with 2 decimals."""
    f = _stripped(f)
    rate = f.vat_rate
    if rate is not None and vat_rate_problem(rate) is None:
        rate = rate.quantize(Decimal("0.01"))
    return replace(f, vat_rate=rate)


def client_search_key(name: str, number: str | None) -> str:
    return fold(f"{name} {number or ''}")[:300]


def item_search_key(code: str, name: str) -> str:
    return fold(f"{name} {code}")[:300]


def link_typed_orders(s: Session, names: dict[str, int]) -> int:
    """Orders whose client was typed (not picked) and whose folded name is a client's name_key
    get that client's id; their text stays as typed. The number of orders linked."""
    if not names:
        return 0
    typed = s.exec(select(Order.id, Order.client).where(col(Order.client_id).is_(None))).all()
    linked = 0
    for order_id, client in typed:
        client_id = names.get(fold(client))
        if client_id is not None:
            s.exec(update(Order).where(col(Order.id) == order_id).values(client_id=client_id))  # type: ignore[call-overload]
            linked += 1
    return linked


# ------------------------------------------------------------------------------------ writes


class MasterAdmin:
    """Admins' writes and lookups on the master data of a Workflow (its engine and clock)."""

    def __init__(self, workflow: Workflow) -> None:
        self.wf = workflow

    def _require_admin(self, actor: str, what: str) -> None:
        require(self.wf.roles_of(actor), Power.MANAGE_MASTER_DATA, f"change {what}")

    # ---------------------------------------------------------------- clients
    def save_client(self, actor: str, fields: ClientFields, client_id: int | None = None) -> ClientView:
        """Create the client (client_id None) or change it; orders that typed its name get linked."""
        self._require_admin(actor, "the client list")
        f = client_as_stored(fields)
        problems = client_problems(f)
        if problems:
            raise Invalid(problems)
        number = f.number or None
        key = fold(f.name)
        now = self.wf.clock()
        with transaction(self.wf.engine) as s:
            same_name = s.exec(select(Client).where(Client.name_key == key, Client.id != client_id)).first()
            if same_name is not None:
                raise Invalid({"name": f"there is already a client named “{same_name.name}”"})
            if number is not None:
                same = s.exec(select(Client).where(Client.number == number, Client.id != client_id)).first()
                if same is not None:
                    raise Invalid({"number": f"{same.name} has this number already"})
            if client_id is None:
                c = Client(name=f.name, name_key=key, created_at=now, search_key="")
            else:
                found = s.get(Client, client_id)
                if found is None:
                    raise Refused("not_found", "That client no longer exists.")
                c = found
            renamed = c.name_key != key or client_id is None
            c.name, c.name_key, c.number = f.name, key, number
            c.email, c.phone, c.billing_address, c.active = f.email, f.phone, f.billing_address, f.active
            c.vat_id, c.country = f.vat_id, f.country
            c.search_key = client_search_key(f.name, number)
            c.updated_by, c.updated_at = actor, now
            s.add(c)
            s.flush()
            if renamed:
                link_typed_orders(s, {key: c.id})  # type: ignore[dict-item]
            return client_view(c)

    def save_site(
        self, actor: str, client_id: int, fields: SiteFields, site_id: int | None = None
    ) -> SiteView:
        self._require_admin(actor, "the client list")
        f = _stripped(fields)
        problems = site_problems(f)
        if problems:
            raise Invalid(problems)
        key = fold(f.name)
        now = self.wf.clock()
        with transaction(self.wf.engine) as s:
            client = s.get(Client, client_id)
            if client is None:
                raise Refused("not_found", "That client no longer exists.")
            same = s.exec(
                select(Site).where(Site.client_id == client_id, Site.name_key == key, Site.id != site_id)
            ).first()
            if same is not None:
                raise Invalid({"name": f"{client.name} has a site named “{same.name}” already"})
            site = Site(client_id=client_id, name=f.name, name_key=key, search_key="", created_at=now)
            if site_id is not None:
                found = s.get(Site, site_id)
                if found is None or found.client_id != client_id:
                    raise Refused("not_found", "That site no longer exists.")
                site = found
            site.name, site.name_key, site.address = f.name, key, f.address
            site.access_notes, site.active = f.access_notes, f.active
            site.search_key = fold(f.name)[:300]
            site.updated_by, site.updated_at = actor, now
            s.add(site)
            s.flush()
            return site_view(site)

    def save_contact(
        self, actor: str, client_id: int, fields: ContactFields, contact_id: int | None = None
    ) -> ContactView:
        self._require_admin(actor, "the client list")
        f = _stripped(fields)
        problems = contact_problems(f)
        if problems:
            raise Invalid(problems)
        key = fold(f.name)
        now = self.wf.clock()
        with transaction(self.wf.engine) as s:
            client = s.get(Client, client_id)
            if client is None:
                raise Refused("not_found", "That client no longer exists.")
            if f.site_id is not None:
                site = s.get(Site, f.site_id)
                if site is None or site.client_id != client_id:
                    raise Invalid({"site_id": f"not a site of {client.name}"})
            same = s.exec(
                select(Contact).where(
                    Contact.client_id == client_id,
                    Contact.site_id == f.site_id if f.site_id is not None else col(Contact.site_id).is_(None),
                    Contact.name_key == key,
                    Contact.id != contact_id,
                )
            ).first()
            if same is not None:
                raise Invalid({"name": f"“{same.name}” is a contact there already"})
            contact = Contact(client_id=client_id, name=f.name, name_key=key, created_at=now)
            if contact_id is not None:
                found = s.get(Contact, contact_id)
                if found is None or found.client_id != client_id:
                    raise Refused("not_found", "That contact no longer exists.")
                contact = found
            contact.site_id, contact.name, contact.name_key = f.site_id, f.name, key
            contact.phone, contact.email, contact.active = f.phone, f.email, f.active
            contact.updated_by, contact.updated_at = actor, now
            s.add(contact)
            s.flush()
            return contact_view(contact)

    # ---------------------------------------------------------------- catalog
    def save_item(self, actor: str, fields: ItemFields, item_id: int | None = None) -> ItemView:
        """Create the catalog item (item_id None) or change it. Orders keep their own copies."""
        self._require_admin(actor, "the catalog")
        f = item_as_stored(fields)
        problems = item_problems(f)
        if problems:
            raise Invalid(problems)
        now = self.wf.clock()
        with transaction(self.wf.engine) as s:
            same = s.exec(
                select(CatalogItem).where(CatalogItem.code == f.code, CatalogItem.id != item_id)
            ).first()
            if same is not None:
                raise Invalid({"code": f"{f.code} is “{same.name}” already"})
            item = CatalogItem(
                code=f.code, name=f.name, kind=f.kind, unit=f.unit, unit_price=f.unit_price, search_key=""
            )
            item.created_at = now
            if item_id is not None:
                found = s.get(CatalogItem, item_id)
                if found is None:
                    raise Refused("not_found", "That catalog item no longer exists.")
                item = found
            item.code, item.name, item.kind, item.unit = f.code, f.name, f.kind, f.unit
            item.unit_price, item.active = f.unit_price, f.active
            item.vat_rate, item.vat_exemption = f.vat_rate, f.vat_exemption
            item.search_key = item_search_key(f.code, f.name)
            item.updated_by, item.updated_at = actor, now
            s.add(item)
            s.flush()
            return item_view(item)

    # ---------------------------------------------------------------- (de)activation and deletion
    _TABLES = {"client": Client, "site": Site, "contact": Contact, "item": CatalogItem}

    def set_active(self, actor: str, record: str, record_id: int, active: bool) -> bool:
        """Deactivate (pickers stop offering it; orders keep it) or reactivate a record; False when
        it was so already."""
        self._require_admin(actor, "the catalog" if record == "item" else "the client list")
        table = self._TABLES[record]
        with transaction(self.wf.engine) as s:
            row = s.get(table, record_id)
            if row is None:
                raise Refused("not_found", f"That {record} no longer exists.")
            if row.active == active:
                return False
            row.active, row.updated_by, row.updated_at = active, actor, self.wf.clock()
            s.add(row)
            return True

    def delete(self, actor: str, record: str, record_id: int) -> None:
        """Delete a record no order refers to (a client with its sites and contacts); an order that
        refers to it refuses the deletion, naming the order."""
        self._require_admin(actor, "the catalog" if record == "item" else "the client list")
        table = self._TABLES[record]
        with transaction(self.wf.engine) as s:
            row = s.get(table, record_id)
            if row is None:
                raise Refused("not_found", f"That {record} no longer exists.")
            user = self._first_user(s, record, record_id)
            if user is not None:
                raise Refused("in_use", f"{user} uses it: deactivate it instead.")
            if record == "client":
                s.exec(delete(Contact).where(col(Contact.client_id) == record_id))  # type: ignore[call-overload]
                s.exec(delete(Site).where(col(Site.client_id) == record_id))  # type: ignore[call-overload]
            elif record == "site":
                s.exec(delete(Contact).where(col(Contact.site_id) == record_id))  # type: ignore[call-overload]
            s.delete(row)

    @staticmethod
    def _first_user(s: Session, record: str, record_id: int) -> str | None:
        """The number of the first order that refers to the record (or, for a client, to one of its
        sites or contacts), or None."""
        if record == "item":
            query = (
                select(Order.number)
                .join(Revision, col(Revision.order_id) == Order.id)
                .join(Line, col(Line.revision_id) == Revision.id)
                .where(Line.catalog_item_id == record_id)
            )
        elif record == "client":
            sites = select(Site.id).where(Site.client_id == record_id)
            contacts = select(Contact.id).where(Contact.client_id == record_id)
            query = select(Order.number).where(
                (col(Order.client_id) == record_id)
                | col(Order.site_id).in_(sites)
                | col(Order.contact_id).in_(contacts)
            )
        elif record == "site":
            contacts = select(Contact.id).where(Contact.site_id == record_id)
            query = select(Order.number).where(
                (col(Order.site_id) == record_id) | col(Order.contact_id).in_(contacts)
            )
        else:
            query = select(Order.number).where(Order.contact_id == record_id)
        return s.exec(query.order_by(col(Order.number)).limit(1)).first()

    # ---------------------------------------------------------------- lookups (inactive included)
    def find_items(self, typed: str, limit: int = LOOKUP_LIMIT) -> list[ItemView]:
        """The item whose code is exactly what was typed; else those whose code or name contain the
        words typed, active or not, by code."""
        with Session(self.wf.reader) as s:
            exact = s.exec(select(CatalogItem).where(CatalogItem.code == typed.strip())).first()
            if exact is not None:
                return [item_view(exact)]
            rows = s.exec(
                select(CatalogItem)
                .where(matches(col(CatalogItem.search_key), typed))
                .order_by(col(CatalogItem.code))
                .limit(limit)
            ).all()
            return [item_view(i) for i in rows]

    def find_clients(self, typed: str, limit: int = LOOKUP_LIMIT) -> list[ClientView]:
        """The client with exactly that number or name (case and accents ignored); else those whose
        name or number contain the words typed, active or not, by name."""
        with Session(self.wf.reader) as s:
            exact = s.exec(
                select(Client).where((Client.number == typed.strip()) | (Client.name_key == fold(typed)))
            ).first()
            if exact is not None:
                return [client_view(exact)]
            rows = s.exec(
                select(Client)
                .where(matches(col(Client.search_key), typed))
                .order_by(col(Client.name_key))
                .limit(limit)
            ).all()
            return [client_view(c) for c in rows]

    def all_sites(self, client_id: int) -> list[SiteView]:
        """The client's sites, active or not, by name."""
        with Session(self.wf.reader) as s:
            rows = s.exec(select(Site).where(Site.client_id == client_id).order_by(col(Site.name_key))).all()
            return [site_view(x) for x in rows]

    def all_contacts(self, client_id: int) -> list[ContactView]:
        """The client's contacts, active or not, by name."""
        with Session(self.wf.reader) as s:
            rows = s.exec(
                select(Contact).where(Contact.client_id == client_id).order_by(col(Contact.name_key))
            ).all()
            return [contact_view(x) for x in rows]
