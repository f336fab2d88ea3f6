"""Master data: clients, their sites and contacts, and the catalog of services, materials and labour.

Orders keep copies of what they used (name, address, price), so nothing here ever rewrites an
order. Records an order refers to are deactivated, never deleted. This module reads; the writes
(single records from Slack, CSV imports) live beside the reads they keep consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.models import CatalogItem, Client, Contact, Site
from workflow.money import exact_price
from workflow.text_keys import fold

SUGGESTIONS = 100  # Slack shows at most 100 options in an external_select


@dataclass(frozen=True)
class ClientView:
    id: int
    name: str
    number: str | None
    email: str
    phone: str
    billing_address: str
    active: bool
    vat_id: str = ""  # the buyer's VAT number on invoices
    country: str = ""  # ISO 3166-1 alpha-2; empty: the company's own


@dataclass(frozen=True)
class SiteView:
    id: int
    client_id: int
    name: str
    address: str
    access_notes: str
    active: bool


@dataclass(frozen=True)
class ContactView:
    id: int
    client_id: int
    site_id: int | None
    name: str
    phone: str
    email: str
    active: bool


@dataclass(frozen=True)
class ItemView:
    id: int
    code: str
    name: str
    kind: str
    unit: str
    unit_price: Decimal
    active: bool
    vat_rate: Decimal | None = None  # percent; None: the company's rate
    vat_exemption: str = ""  # with a 0 % rate: why, printed on the invoice


def client_view(c: Client) -> ClientView:
    return ClientView(
        c.id,  # type: ignore[arg-type]
        c.name,
        c.number,
        c.email,
        c.phone,
        c.billing_address,
        c.active,
        c.vat_id,
        c.country,
    )


def site_view(s: Site) -> SiteView:
    return SiteView(s.id, s.client_id, s.name, s.address, s.access_notes, s.active)  # type: ignore[arg-type]


def contact_view(c: Contact) -> ContactView:
    return ContactView(c.id, c.client_id, c.site_id, c.name, c.phone, c.email, c.active)  # type: ignore[arg-type]


def item_view(i: CatalogItem) -> ItemView:
    rate = None if i.vat_rate is None else Decimal(i.vat_rate).quantize(Decimal("0.01"))  # percent
    return ItemView(
        i.id,  # type: ignore[arg-type]
        i.code,
        i.name,
        i.kind,
        i.unit,
        exact_price(i.unit_price),
        i.active,
        rate,
        i.vat_exemption,
    )


def like_pattern(typed: str) -> str:
    """A LIKE pattern matching search keys that contain every word typed, in that order."""
    words = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in fold(typed).split()]
    return "%" + "%".join(words) + "%"


def matches(search_key: Any, typed: str) -> Any:
    """The condition "search_key holds every word typed, in order" (case and accents ignored)."""
    return search_key.like(like_pattern(typed), escape="\\")


# ---------------------------------------------------------------- the reads, over the caller's session


def has_clients(s: Session) -> bool:
    return s.exec(select(Client.id).where(Client.active).limit(1)).first() is not None


def has_catalog(s: Session) -> bool:
    return s.exec(select(CatalogItem.id).where(CatalogItem.active).limit(1)).first() is not None


def search_clients(s: Session, typed: str, limit: int = SUGGESTIONS) -> list[ClientView]:
    """Active clients whose name or number contains the words typed (case and accents ignored),
    by name."""
    rows = s.exec(
        select(Client)
        .where(Client.active, matches(col(Client.search_key), typed))
        .order_by(col(Client.name_key))
        .limit(limit)
    ).all()
    return [client_view(c) for c in rows]


def search_items(s: Session, typed: str, limit: int = SUGGESTIONS) -> list[ItemView]:
    """Active catalog items whose code or name contains the words typed, by code."""
    rows = s.exec(
        select(CatalogItem)
        .where(CatalogItem.active, matches(col(CatalogItem.search_key), typed))
        .order_by(col(CatalogItem.code))
        .limit(limit)
    ).all()
    return [item_view(i) for i in rows]


def client(s: Session, client_id: int) -> ClientView | None:
    c = s.get(Client, client_id)
    return client_view(c) if c else None


def site(s: Session, site_id: int) -> SiteView | None:
    x = s.get(Site, site_id)
    return site_view(x) if x else None


def contact(s: Session, contact_id: int) -> ContactView | None:
    x = s.get(Contact, contact_id)
    return contact_view(x) if x else None


def item(s: Session, item_id: int) -> ItemView | None:
    x = s.get(CatalogItem, item_id)
    return item_view(x) if x else None


def sites_of(s: Session, client_id: int, limit: int = SUGGESTIONS) -> list[SiteView]:
    """The client's active sites, by name."""
    rows = s.exec(
        select(Site).where(Site.client_id == client_id, Site.active).order_by(col(Site.name_key)).limit(limit)
    ).all()
    return [site_view(x) for x in rows]


def contacts_of(s: Session, client_id: int, site_id: int | None = None) -> list[ContactView]:
    """The client's active contacts, by name: with a site, those of the site and then the client's
    own; without one, the client's own and then those of any site."""
    rows = s.exec(
        select(Contact).where(Contact.client_id == client_id, Contact.active).order_by(col(Contact.name_key))
    ).all()
    general = [c for c in rows if c.site_id is None]
    if site_id is not None:
        return [contact_view(c) for c in [c for c in rows if c.site_id == site_id] + general]
    return [contact_view(c) for c in general + [c for c in rows if c.site_id is not None]]


_T = TypeVar("_T")


class MasterData:
    """The master data's reads for a listener: each opens one short session on the reader and hands
    it to the function above (safe from any thread)."""

    def __init__(self, reader: Engine) -> None:
        self.reader = reader

    def _read(self, query: Callable[..., _T], *args: Any) -> _T:
        with Session(self.reader) as s:
            return query(s, *args)

    def in_use(self) -> tuple[bool, bool]:
        """(the company has active clients, it has active catalog items): what the new-order form
        offers pickers for. One statement: it runs before views.open, whose trigger_id lives 3 s."""
        clients = select(Client.id).where(Client.active).exists()
        items = select(CatalogItem.id).where(CatalogItem.active).exists()
        with self.reader.connect() as conn:
            has_clients, has_catalog = conn.execute(select(clients, items)).one()
            return bool(has_clients), bool(has_catalog)

    def has_clients(self) -> bool:
        return self._read(has_clients)

    def has_catalog(self) -> bool:
        return self._read(has_catalog)

    def search_clients(self, typed: str, limit: int = SUGGESTIONS) -> list[ClientView]:
        return self._read(search_clients, typed, limit)

    def search_items(self, typed: str, limit: int = SUGGESTIONS) -> list[ItemView]:
        return self._read(search_items, typed, limit)

    def client(self, client_id: int) -> ClientView | None:
        return self._read(client, client_id)

    def site(self, site_id: int) -> SiteView | None:
        return self._read(site, site_id)

    def contact(self, contact_id: int) -> ContactView | None:
        return self._read(contact, contact_id)

    def item(self, item_id: int) -> ItemView | None:
        return self._read(item, item_id)

    def sites_of(self, client_id: int, limit: int = SUGGESTIONS) -> list[SiteView]:
        return self._read(sites_of, client_id, limit)

    def contacts_of(self, client_id: int, site_id: int | None = None) -> list[ContactView]:
        return self._read(contacts_of, client_id, site_id)
