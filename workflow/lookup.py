"""The pickers' typeahead: the few columns an option shows, in one query, without ORM objects.

Slack sends an options load request on every pause in typing; MasterData.search_* build full
views through the ORM, which costs more than the query itself at 100 rows (bench/options_load.py
measures both). Matching is MasterData's: every typed word, in order, in the folded search key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.models import CatalogItem, Client
from workflow.masterdata import SUGGESTIONS, matches
from workflow.money import exact_price

__all__ = ["SUGGESTIONS", "ClientChoice", "ItemChoice", "client_choices", "item_choices"]


class ClientChoice(NamedTuple):
    id: int
    name: str
    number: str | None


class ItemChoice(NamedTuple):
    id: int
    code: str
    name: str
    unit: str
    unit_price: Decimal


_clients = Client.__table__.c  # type: ignore[attr-defined]
_items = CatalogItem.__table__.c  # type: ignore[attr-defined]


def client_choices(reader: Engine, typed: str, limit: int = SUGGESTIONS) -> list[ClientChoice]:
    """Active clients whose name or number contains the words typed, by name."""
    query = (
        select(_clients.id, _clients.name, _clients.number)
        .where(_clients.active, matches(_clients.search_key, typed))
        .order_by(_clients.name_key)
        .limit(limit)
    )
    with reader.connect() as conn:
        return [ClientChoice(*row) for row in conn.execute(query)]


def item_choices(reader: Engine, typed: str, limit: int = SUGGESTIONS) -> list[ItemChoice]:
    """Active catalog items whose code or name contains the words typed, by code."""
    query = (
        select(_items.id, _items.code, _items.name, _items.unit, _items.unit_price)
        .where(_items.active, matches(_items.search_key, typed))
        .order_by(_items.code)
        .limit(limit)
    )
    with reader.connect() as conn:
        return [
            ItemChoice(i, code, name, unit, exact_price(price))
            for i, code, name, unit, price in conn.execute(query)
        ]
