"""Master data for the picker tests, inserted straight into the tables (as an import leaves them)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from storage.models import CatalogItem, Client, Contact, Site
from workflow.text_keys import fold

KINDS = ("service", "material", "labour")


def _stamps() -> dict:
    now = datetime.now(UTC)
    return {"created_at": now, "updated_at": now}


def add_client(engine: Engine, name: str, number: str | None = None, active: bool = True) -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(Client)
            .values(
                name=name,
                name_key=fold(name),
                number=number,
                active=active,
                search_key=fold(f"{name} {number or ''}"),
                **_stamps(),
            )
            .returning(Client.id)
        ).scalar_one()


def add_site(engine: Engine, client_id: int, name: str, address: str = "", access_notes: str = "") -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(Site)
            .values(
                client_id=client_id,
                name=name,
                name_key=fold(name),
                address=address,
                access_notes=access_notes,
                search_key=fold(name),
                **_stamps(),
            )
            .returning(Site.id)
        ).scalar_one()


def add_contact(
    engine: Engine, client_id: int, name: str, phone: str = "", site_id: int | None = None
) -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(Contact)
            .values(
                client_id=client_id, site_id=site_id, name=name, name_key=fold(name), phone=phone, **_stamps()
            )
            .returning(Contact.id)
        ).scalar_one()


def item_row(code: str, name: str, kind: str, unit: str, price: str, active: bool = True) -> dict:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "unit": unit,
        "unit_price": Decimal(price),
        "active": active,
        "search_key": fold(f"{name} {code}"),
        **_stamps(),
    }


def add_items(engine: Engine, rows: list[dict]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CatalogItem), rows)


def catalog_of(n: int) -> list[dict]:
    """n catalog items: codes C00000…, plain names in three families, every 50th inactive."""
    families = ("Cable", "Router", "Switch", "Diagnosis", "Installation")
    return [
        item_row(
            f"C{i:05d}",
            f"{families[i % len(families)]} model {i}",
            KINDS[i % 3],
            ("m", "pcs", "h")[i % 3],
            f"{10 + i % 90}.50",
            active=i % 50 != 7,
        )
        for i in range(n)
    ]


def item_id(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return (
            conn.execute(
                CatalogItem.__table__.select().where(CatalogItem.__table__.c.code == code)  # type: ignore[attr-defined]
            )
            .one()
            .id
        )
