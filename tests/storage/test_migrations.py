"""Alembic migrations on both backends: they build the models' schema, and upgrades keep every row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from storage.db import (
    BASELINE_REVISION,
    SchemaOutdated,
    SchemaTooNew,
    create_schema,
    current_revision,
    drop_schema,
    head_revision,
    upgrade,
)
from storage.models import (
    Activity,
    Counter,
    Effect,
    Line,
    Member,
    Order,
    ProcessedEvent,
    Revision,
    RoleGrant,
)

HEAD = "0018_checklists"
T0 = datetime(2025, 3, 3, 9, 30, 15, 123456, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def emptied(engine: Engine) -> Engine:
    """The fixture's database, with nothing in it (no tables, no migration stamp)."""
    drop_schema(engine)
    assert sa.inspect(engine).get_table_names() == []
    return engine


def schema_diffs(engine: Engine, metadata: sa.MetaData | None = None) -> list[Any]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata if metadata is not None else SQLModel.metadata)


def structure_of_database(engine: Engine) -> dict[str, Any]:
    """Columns, uniques, indexes and foreign keys as reflected, per table.

    alembic does not see unnamed UNIQUE constraints on SQLite, so these are compared here too.
    """
    insp = sa.inspect(engine)
    out: dict[str, Any] = {}
    for table in insp.get_table_names():
        if table == "alembic_version":
            continue
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints(table)}
        indexes = set()
        for ix in insp.get_indexes(table):
            if ix.get("unique") and tuple(ix["column_names"]) in uniques:
                continue  # PostgreSQL/SQLite may also list a UNIQUE constraint's own index
            indexes.add((ix["name"], tuple(ix["column_names"]), bool(ix.get("unique"))))
        out[table] = {
            "columns": {(c["name"], bool(c["nullable"])) for c in insp.get_columns(table)},
            "primary_key": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "uniques": uniques,
            "indexes": indexes,
            "foreign_keys": {
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in insp.get_foreign_keys(table)
            },
        }
    return out


def structure_of_models() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in SQLModel.metadata.sorted_tables:
        out[table.name] = {
            "columns": {(c.name, bool(c.nullable)) for c in table.columns},
            "primary_key": tuple(c.name for c in table.primary_key.columns),
            "uniques": {
                tuple(c.name for c in con.columns)
                for con in table.constraints
                if isinstance(con, sa.UniqueConstraint)
            },
            "indexes": {
                (ix.name, tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes
            },
            "foreign_keys": {
                (
                    tuple(c.name for c in fk.columns),
                    fk.referred_table.name,
                    tuple(e.column.name for e in fk.elements),
                )
                for fk in table.foreign_key_constraints
            },
        }
    return out


# --- The migrations build the models' schema ----------------------------------------------------


def test_migrating_an_empty_database_gives_exactly_the_models_schema(engine):
    emptied(engine)
    assert current_revision(engine) is None
    upgrade(engine, "head")
    assert current_revision(engine) == head_revision() == HEAD
    assert schema_diffs(engine) == []
    assert structure_of_database(engine) == structure_of_models()


def test_create_all_and_the_migrations_build_the_same_schema(engine):
    created = structure_of_database(engine)  # the fixture used create_schema: create_all + stamp
    emptied(engine)
    upgrade(engine)
    assert structure_of_database(engine) == created


def test_the_comparison_sees_missing_columns_other_types_and_other_constraints(engine):
    """The check above is not vacuous: it notices the differences it is there to catch."""
    emptied(engine)
    upgrade(engine, BASELINE_REVISION)
    diffs = schema_diffs(engine)
    found = {(d[0], d[2], d[3].name) if d[0] == "add_column" else (d[0], d[1].name) for d in diffs}
    assert {
        ("add_column", "effects", "claimed_by"),  # 0002
        ("add_column", "effects", "lease_until"),
        ("add_table", "commands"),  # 0003
        ("add_table", "processed_commands"),
        ("add_table", "rate_limits"),  # 0005
        ("add_table", "saved_filters"),  # 0007
    } <= found
    assert structure_of_database(engine) != structure_of_models()

    upgrade(engine)
    altered = sa.MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(altered)
    altered.tables["lines"].c.quantity.type = sa.Integer()
    altered.tables["orders"].c.decided_at.type = sa.String(30)
    orders_status = next(ix for ix in altered.tables["orders"].indexes if ix.name == "ix_orders_status")
    altered.tables["orders"].indexes.discard(orders_status)
    changed = {
        (d[0][0], d[0][3]) if isinstance(d, list) else (d[0], d[1].name)
        for d in schema_diffs(engine, altered)
    }
    assert changed == {
        ("modify_type", "quantity"),
        ("modify_type", "decided_at"),
        ("remove_index", "ix_orders_status"),
    }
    models = structure_of_models()
    models["members"]["uniques"] = set()
    assert structure_of_database(engine) != models


# --- create_schema --------------------------------------------------------------------------------


def test_create_schema_on_an_empty_database_creates_the_tables_and_stamps_head(engine):
    emptied(engine)
    create_schema(engine)
    assert current_revision(engine) == HEAD
    assert schema_diffs(engine) == []
    create_schema(engine)  # at head: nothing to do
    assert current_revision(engine) == HEAD


def test_create_schema_refuses_an_outdated_database_unless_told_to_upgrade(engine):
    emptied(engine)
    upgrade(engine, BASELINE_REVISION)
    with pytest.raises(SchemaOutdated) as caught:
        create_schema(engine)
    message = str(caught.value)
    assert BASELINE_REVISION in message and HEAD in message
    assert "service-orders db upgrade" in message and "SO_DB_AUTO_UPGRADE=true" in message
    assert (caught.value.current, caught.value.head) == (BASELINE_REVISION, HEAD)
    assert current_revision(engine) == BASELINE_REVISION  # nothing was changed
    assert "claimed_by" not in {c["name"] for c in sa.inspect(engine).get_columns("effects")}

    create_schema(engine, auto_upgrade=True)
    assert current_revision(engine) == HEAD
    assert schema_diffs(engine) == []


def test_create_schema_adopts_a_database_made_before_migrations_existed(engine):
    emptied(engine)
    upgrade(engine, BASELINE_REVISION)
    seed_baseline(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))
    assert current_revision(engine) is None

    create_schema(engine)
    assert current_revision(engine) == HEAD
    assert schema_diffs(engine) == []
    with Session(engine) as s:
        assert len(s.exec(select(Order)).all()) == len(ORDERS)


def test_create_schema_refuses_a_database_from_a_newer_version(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(SchemaTooNew, match="0099_from_the_future"):
        create_schema(engine, auto_upgrade=True)


def test_drop_schema_drops_the_migration_stamp_too(engine):
    assert current_revision(engine) == HEAD
    drop_schema(engine)
    assert sa.inspect(engine).get_table_names() == []
    assert current_revision(engine) is None


# --- Upgrading keeps every row --------------------------------------------------------------------

# Orders in every state, as the application stored them: (status, outcome, revision kinds).
ORDERS: list[tuple[str, str, list[str]]] = [
    ("pending_approval", "", ["submitted"]),
    ("in_progress", "", ["submitted", "approved"]),
    ("rejected", "", ["submitted"]),
    ("closed", "completed", ["submitted", "approved", "confirmation"]),
    ("closed", "completed_with_changes", ["submitted", "approved", "confirmation"]),
    ("closed", "not_performed", ["submitted", "approved", "confirmation"]),
    ("cancelled", "", ["submitted", "approved"]),
]
ALL_OUTCOMES = {"completed", "completed_with_changes", "not_performed"}
ALL_STATES = {"pending_approval", "in_progress", "rejected", "closed", "cancelled"}
EFFECT_STATES = ["pending", "done", "failed"]


def order_row(i: int, status: str, outcome: str, revisions: int) -> dict[str, Any]:
    decided = status not in ("pending_approval",)
    closed = status in ("closed", "cancelled")
    return dict(
        seq=i + 1,
        number=f"SO-{i + 1:04d}",
        status=status,
        version=3 + i,
        client=f"Clínica {i} & Söhne",
        site=f"Rua {i}, Lisboa",
        contact="+351 900 000 00" + str(i),
        title=f"Order {i}",
        description="Replace the router.\nSecond line – with “quotes”.",
        planned_date=date(2025, 4, 1 + i) if i % 2 == 0 else None,
        priority="urgent" if i % 3 == 0 else "normal",
        requester_id="U0LAYLA01",
        channel_id=f"C0ORDER{i:02d}" if status != "pending_approval" else None,
        channel_name=f"so-{i + 1:04d}" if status != "pending_approval" else "",
        card_ts=f"1741000000.{i:06d}",
        current_revision=revisions - 1,
        decided_by="U0OGECHI1" if decided else None,
        decided_at=at(10 + i) if decided else None,
        reject_reason="Not in our area" if status == "rejected" else "",
        outcome=outcome,
        outcome_reason="Client was away" if outcome == "not_performed" else "",
        closed_by="U0OGECHI1" if closed else None,
        closed_at=at(100 + i) if closed else None,
        created_at=at(i),
        updated_at=at(200 + i),
    )


def revision_row(order_id: int, i: int, number: int, kind: str, status: str, outcome: str) -> dict[str, Any]:
    final = kind == "confirmation"
    return dict(
        order_id=order_id,
        number=number,
        kind=kind,
        author_id="U0DIEGO01" if final else "U0LAYLA01",
        note=f"revision {number} of order {i}",
        final=final,
        status=status if final or number == 0 else "in_progress",
        outcome=outcome if final else "",
        field_workers=["U0DIEGO01", "U0PEDRO01"] if number > 0 else [],
        last_activity_id=number * 2,
        total=Decimal("12345.67") + Decimal(i) + Decimal(number) / 100,
        pdf_file_id=f"F0PDF{i}{number}" if number > 0 else None,
        pdf_sha256=("ab" * 32) if number > 0 else None,
        created_at=at(20 + i * 10 + number),
    )


def line_rows(revision_id: int, i: int, number: int) -> list[dict[str, Any]]:
    return [
        dict(
            revision_id=revision_id,
            position=1,
            kind="material",
            description="Cable Cat6",
            quantity=Decimal("1.125") + number,
            unit="m",
            unit_price=Decimal("12345.67"),
        ),
        dict(
            revision_id=revision_id,
            position=2,
            kind="labour",
            description=f"Installation, order {i}",
            quantity=Decimal("0.001"),
            unit="h",
            unit_price=Decimal("9999999999999999.99"),
        ),
        dict(
            revision_id=revision_id,
            position=3,
            kind="travel",
            description="Trip",
            quantity=Decimal("999999999999999.999"),
            unit="km",
            unit_price=Decimal("0.01"),
        ),
    ]


def to_database(value: Any, dialect: str) -> Any:
    """What the application wrote for value into a reflected column (the models' bind rules)."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect == "sqlite" else value
    if isinstance(value, Decimal):
        return value if dialect == "postgresql" else format(value, "f")
    return value


def seed_baseline(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Fill a database at 0001_initial through its reflected tables; returns the rows written, by table.

    Each row gets its database id under "id" (the key of the others' foreign keys).
    """
    written: dict[str, list[dict[str, Any]]] = {name: [] for name in SQLModel.metadata.tables}
    dialect = engine.dialect.name
    reflected = sa.MetaData()
    with engine.begin() as conn:
        reflected.reflect(conn)
        assert "claimed_by" not in reflected.tables["effects"].c  # really the old schema

        def put(table: str, row: dict[str, Any]) -> dict[str, Any]:
            t = reflected.tables[table]
            values = {k: to_database(v, dialect) for k, v in row.items()}
            result = conn.execute(sa.insert(t).values(**values))
            stored = dict(row)
            if "id" in t.c:
                stored["id"] = result.inserted_primary_key[0]
            written[table].append(stored)
            return stored

        put("counters", dict(name="order", value=len(ORDERS)))
        put("counters", dict(name="invoice", value=0))
        for user, role in [
            ("U0LAYLA01", "coordinator"),
            ("U0OGECHI1", "supervisor"),
            ("U0DIEGO01", "field_worker"),
        ]:
            put("role_grants", dict(user_id=user, role=role, granted_by="U0ADMIN01", granted_at=at(-60)))
        put("processed_events", dict(event_id="Ev0001", received_at=at(5)))
        put("processed_events", dict(event_id="Ev0002", received_at=at(6)))

        for i, (status, outcome, kinds) in enumerate(ORDERS):
            order = put("orders", order_row(i, status, outcome, len(kinds)))
            for number, kind in enumerate(kinds):
                rev = put("revisions", revision_row(order["id"], i, number, kind, status, outcome))
                for line in line_rows(rev["id"], i, number):
                    put("lines", line)
            members = [("U0LAYLA01", "requester"), ("U0OGECHI1", "supervisor")]
            if len(kinds) > 1:
                members.append(("U0DIEGO01", "field_worker"))
            for n, (user, role) in enumerate(members):
                put(
                    "members",
                    dict(
                        order_id=order["id"],
                        user_id=user,
                        role=role,
                        added_by="U0LAYLA01",
                        added_at=at(30 + n),
                    ),
                )
            for n in range(3):
                put(
                    "activities",
                    dict(
                        order_id=order["id"],
                        at=at(40 + i * 5 + n),
                        actor_id="U0DIEGO01",
                        kind=["submitted", "note", "photo"][n],
                        text="Note with ünïcödé" if n == 1 else "",
                        data={"revision": n, "files": ["F1", "F2"], "ok": True, "amount": "12.50"},
                    ),
                )
            for n, state in enumerate(EFFECT_STATES):
                put(
                    "effects",
                    dict(
                        key=f"card:{order['number']}:{n}",
                        order_id=order["id"],
                        kind="card",
                        payload={"order": order["number"], "n": n},
                        status=state,
                        attempts=n,
                        last_error="channel_not_found" if state == "failed" else "",
                        not_before=at(300) if state == "pending" else None,
                        created_at=at(50 + n),
                        done_at=at(60 + n) if state == "done" else None,
                    ),
                )
        put(
            "effects",
            dict(
                key="dm:U0ADMIN01:hello",
                order_id=None,
                kind="dm",
                payload={},
                status="pending",
                attempts=0,
                last_error="",
                not_before=None,
                created_at=at(70),
                done_at=None,
            ),
        )
    return written


MODELS: dict[str, type[SQLModel]] = {
    "counters": Counter,
    "role_grants": RoleGrant,
    "orders": Order,
    "revisions": Revision,
    "lines": Line,
    "members": Member,
    "activities": Activity,
    "effects": Effect,
    "processed_events": ProcessedEvent,
}
KEYS = {"counters": "name", "processed_events": "event_id"}


def assert_same(expected: Any, got: Any, where: str) -> None:
    assert got == expected, where
    if isinstance(expected, Decimal):
        assert isinstance(got, Decimal), where
        assert str(got) == str(expected), where  # same digits, not only the same value
    if isinstance(expected, datetime):
        assert isinstance(got, datetime) and got.tzinfo is not None, where
        assert got.utcoffset() == timedelta(0), where


def test_upgrading_keeps_every_order_revision_line_member_and_activity(engine):
    emptied(engine)
    upgrade(engine, BASELINE_REVISION)
    written = seed_baseline(engine)
    assert {status for status, _, _ in ORDERS} == ALL_STATES
    assert {outcome for _, outcome, _ in ORDERS if outcome} == ALL_OUTCOMES
    assert {e["status"] for e in written["effects"]} == set(EFFECT_STATES)

    upgrade(engine, "head")
    assert current_revision(engine) == HEAD
    assert schema_diffs(engine) == []

    with Session(engine) as s:
        for table, model in MODELS.items():
            key = KEYS.get(table, "id")
            stored = {getattr(obj, key): obj for obj in s.exec(select(model)).all()}
            rows = written[table]
            assert rows, f"nothing was written to {table}"
            assert sorted(stored) == sorted(row[key] for row in rows), table
            for row in rows:
                obj = stored[row[key]]
                for field, value in row.items():
                    assert_same(value, getattr(obj, field), f"{table}[{row[key]}].{field}")
        for effect in s.exec(select(Effect)).all():
            assert effect.claimed_by is None and effect.lease_until is None

    # The upgraded database takes new rows through the models, the new columns included.
    lease = at(1000)
    with Session(engine) as s:
        order = s.exec(select(Order).where(Order.status == "in_progress")).one()
        s.add(Effect(key="pdf:new", order_id=order.id, kind="pdf", claimed_by="worker-1", lease_until=lease))
        s.add(Activity(order_id=order.id, actor_id="U0DIEGO01", kind="note", text="after the upgrade"))
        s.commit()
    with Session(engine) as s:
        effect = s.exec(select(Effect).where(Effect.key == "pdf:new")).one()
        assert (effect.claimed_by, effect.lease_until) == ("worker-1", lease)
        assert effect.id not in {row["id"] for row in written["effects"]}
        assert len(s.exec(select(Activity)).all()) == len(written["activities"]) + 1


def test_upgrade_adopts_a_database_made_before_migrations_existed(engine):
    emptied(engine)
    upgrade(engine, BASELINE_REVISION)
    written = seed_baseline(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))

    upgrade(engine)  # what `service-orders db upgrade` does
    assert current_revision(engine) == HEAD
    assert schema_diffs(engine) == []
    with Session(engine) as s:
        assert len(s.exec(select(Line)).all()) == len(written["lines"])
