"""A big database for the listing benchmark: 100,000 orders and 1,000,000 lines in seconds.

    python bench/bigdata.py [--orders N] [--url URL]     (builds it and prints what it made)

The schema is the bot's own (storage.db.create_schema: its tables and indexes); the rows go in
through the raw DBAPI connection, executemany on SQLite and COPY on PostgreSQL, a chunk of orders
per transaction. The data is deterministic (seeded) and shaped like two years of a company's work:

- orders spread evenly over two years (seq and created_at rise together), planned 0-21 days after
  creation; old orders have ended (mostly closed), recent ones are open;
- ~2,000 clients, a few big and many small (Zipf-like); 40 of them are "Acme …" (client:acme);
- a dozen coordinators request the orders; every order has the three supervisors as members (as
  Workflow.submit makes it) and, once approved, one to three of 80 field workers;
- revisions as the workflow makes them (0 submitted, 1 approved, 2+ confirmations); the current
  revision holds the lines, 10 on average. Older revisions are stored without lines: list, show,
  Home and the export read only the current revision's;
- each order's log (activities: submitted, decided, confirmations, closed, a few notes) and its
  outbox (effects: channel and card, done; one in 2,000 failed for good), which the Home tab reads.

The data can be built in steps (build(..., start, stop)): the export is measured at 10,000 orders,
then the same database grows to 100,000.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/bigdata.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from storage.db import create_schema, make_engine
from workflow.money import order_total
from workflow.service import channel_name

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the data's "now": the newest order is from today
SPAN = timedelta(days=730)
CHUNK = 5_000  # orders a transaction
SEED = 20261124

ADMINS = tuple(f"UADMIN{i:02d}" for i in range(1, 3))
COORDINATORS = tuple(f"UCOORD{i:02d}" for i in range(1, 13))  # the requesters
SUPERVISORS = tuple(f"USUPER{i:02d}" for i in range(1, 4))
FIELD_WORKERS = tuple(f"UFIELD{i:03d}" for i in range(1, 81))

FIRST = (
    "Acme Bosque Clínica Colegio Contoso Delta Estrella Farmacia Globex Granja Hooli Hospital Hotel "
    "Initech Jardín Kappa Lumen Mercado Molino Nexo Norte Oasis Orbital Panadería Pinar Plaza Puerto "
    "Quantum Residencia Ribera Sierra Solar Stark Taller Terra Umbra Umbrella Valle Vandelay Vértice "
    "Vista Wayne Xenon Yunque Zafiro Alba Brisa Cumbre Dunas Eco"
).split()
SECOND = (
    "Norte Sur Este Oeste Central Logistics Retail Foods Labs Systems Group Partners Holdings Motors "
    "Textil Energía Salud Hogar Digital Industrial Servicios Construcciones Medical Steel Pharma "
    "Transportes Inmobiliaria Agro Marine Metals Office Printing Security Hospitality Academy Clinic "
    "Airport Warehouse Studio Works"
).split()
STREETS = ("Main", "Mayor", "Sol", "Alcalá", "Gran Vía", "Industria", "Puerto", "Estación", "Río", "Olivo")
CITIES = ("Madrid", "Sevilla", "Valencia", "Bilbao", "Zaragoza", "Málaga", "Lisboa", "Porto")
TITLES = (
    "Replace router in the server room",
    "Configure backup router and failover",
    "Install edge switch in rack B",
    "Repair HVAC unit on the roof",
    "Annual fire extinguisher inspection",
    "Replace broken window in reception",
    "Paint the warehouse loading bay",
    "Fix water leak in the kitchen",
    "Install security cameras at the entrance",
    "Service the backup generator",
    "Replace ceiling lights with LED panels",
    "Unblock drains in the car park",
    "Elevator quarterly maintenance",
    "Rewire the meeting room",
    "Install access control on the main door",
    "Repair the automatic gate",
    "Replace UPS batteries",
    "Move workstations to the second floor",
    "Fix the cold room compressor",
    "Replace damaged floor tiles",
    "Clean and service air conditioning filters",
    "Install solar panel inverter",
    "Seal the roof against leaks",
    "Replace the boiler pressure valve",
    "Pull new network cabling to the annex",
    "Install shelving in the stockroom",
    "Fix the intercom at the gate",
    "Inspect and certify electrical panels",
)
DESCRIPTIONS = (
    "The client reports the problem since last week. Access through the service entrance; ask for "
    "the facilities manager on arrival.",
    "Bring the spare parts listed below. The area must be cordoned off while the work is done.",
    "Recurring job agreed in the maintenance contract. Leave the report signed by the site contact.",
    "Urgent: the client's operations depend on it. Coordinate the downtime window with their IT team "
    "before starting, and keep the old equipment for inspection.",
    "",
    "Work outside opening hours only (after 20:00). Parking is available in the back yard.",
    "Follow-up of the previous visit: the first repair did not hold. Check the whole circuit.",
    "Quote approved by the client by email. Photos of the finished work are required.",
)
LINE_TEXT = {
    "labour": ("Technician hours", "Senior technician hours", "Electrician", "Plumber", "Installer"),
    "material": (
        "Cat6 cable (m)",
        "RJ45 connectors",
        "LED panel 60x60",
        "Circuit breaker 16A",
        "PVC pipe 40mm",
        "Silicone sealant",
        "Router",
        "24-port switch",
        "UPS battery 12V 9Ah",
        "Filter set",
    ),
    "service": ("Call-out fee", "Waste disposal", "Crane rental", "Certification"),
    "other": ("Travel", "Parking", "Consumables"),
}
UNITS = {"labour": "h", "service": "service", "material": "pcs", "other": "pcs"}


@dataclass(frozen=True)
class Built:
    orders: int  # in the database now
    lines: int
    members: int
    revisions: int
    seconds: float  # this build step


def clients(rng: random.Random) -> tuple[list[str], list[float]]:
    """2,000 client names and their cumulative weights (Zipf-like: a few big, many small)."""
    names = [f"{a} {b}" for a in FIRST for b in SECOND]
    rng.shuffle(names)  # which names are big is random (Acme ones included)
    cum, total = [], 0.0
    for rank in range(1, len(names) + 1):
        total += rank**-0.7
        cum.append(total)
    return names, cum


def _status(rng: random.Random, age_days: float) -> str:
    if age_days < 14:
        weights = (35, 50, 5, 5, 5)
    elif age_days < 60:
        weights = (5, 40, 5, 45, 5)
    else:
        weights = (0.2, 2, 7, 83, 7.8)
    return rng.choices(("pending_approval", "in_progress", "rejected", "closed", "cancelled"), weights)[0]


def stored_time(t: datetime | None, sqlite: bool) -> Any:
    """t as the driver takes it: SQLAlchemy's text form in UTC on SQLite, as is for psycopg."""
    if t is None or not sqlite:
        return t
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Rows:
    """The rows of a chunk of orders, as the backend's driver takes them."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.orders: list[tuple] = []
        self.revisions: list[tuple] = []
        self.lines: list[tuple] = []
        self.members: list[tuple] = []
        self.activities: list[tuple] = []
        self.effects: list[tuple] = []

    def ts(self, t: datetime | None) -> Any:
        return stored_time(t, self.sqlite)

    def day(self, d: date | None) -> Any:
        return d.isoformat() if d is not None and self.sqlite else d

    def dec(self, d: Decimal) -> Any:
        return format(d, "f") if self.sqlite else d


ORDER_COLUMNS = (
    "id seq number status version client site contact title description planned_date priority "
    "requester_id channel_id channel_name card_ts current_revision decided_by decided_at reject_reason "
    "outcome outcome_reason closed_by closed_at created_at updated_at"
).split()
REVISION_COLUMNS = (
    "id order_id number kind author_id note final status outcome field_workers last_activity_id total "
    "pdf_file_id pdf_sha256 created_at"
).split()
LINE_COLUMNS = "id revision_id position kind description quantity unit unit_price".split()
MEMBER_COLUMNS = "id order_id user_id role added_by added_at".split()
ACTIVITY_COLUMNS = "id order_id at actor_id kind text data".split()
EFFECT_COLUMNS = "id key order_id kind payload status attempts last_error created_at done_at".split()


@dataclass
class _Line:  # what workflow.money.line_total reads
    quantity: Decimal
    unit_price: Decimal


def _chunk(rows: _Rows, rng: random.Random, start: int, stop: int, total: int, ids: dict[str, int]) -> None:
    names, cum = clients(random.Random(SEED))  # the same clients in every chunk
    gap = SPAN / total
    for seq in range(start, stop):
        created = NOW - SPAN + gap * (seq - 1) + gap * rng.random() * 0.9
        age = (NOW - created).total_seconds() / 86400
        status = _status(rng, age)
        client = rng.choices(names, cum_weights=cum)[0]
        title = rng.choice(TITLES)
        number = f"SO-{seq:04d}"
        requester = rng.choices(COORDINATORS, weights=range(len(COORDINATORS), 0, -1))[0]
        approved = status in ("in_progress", "closed") or (status == "cancelled" and rng.random() < 0.5)
        kinds = ["submitted"] + (["approved"] if approved else [])
        if status == "in_progress" and rng.random() < 0.3:
            kinds.append("confirmation")
        if status == "closed":
            kinds += ["confirmation"] * (2 if rng.random() < 0.2 else 1)
        decided = created + timedelta(hours=rng.uniform(1, 48))
        decider = rng.choice(SUPERVISORS)
        decided_by = decider if approved or status == "rejected" else None
        closed_at = decided + timedelta(days=rng.uniform(1, 20)) if status == "closed" else None
        outcome = (
            rng.choices(("completed", "completed_with_changes", "not_performed"), (75, 20, 5))[0]
            if status == "closed"
            else ""
        )
        workers = (
            rng.sample(FIELD_WORKERS[: 20 + seq % 60], rng.choices((1, 2, 3), (50, 35, 15))[0])
            if approved
            else []
        )
        planned = None if rng.random() < 0.05 else (created + timedelta(days=rng.randint(0, 21))).date()
        current = len(kinds) - 1
        updated = closed_at or (decided if decided_by else created)
        rows.orders.append(
            (
                seq,
                seq,
                number,
                status,
                1 + len(kinds) + (status in ("closed", "cancelled")),
                client,
                f"{rng.randint(1, 300)} {rng.choice(STREETS)}, {rng.choice(CITIES)}",
                "" if rng.random() < 0.4 else f"+34 6{rng.randint(10_000_000, 99_999_999)}",
                title,
                rng.choice(DESCRIPTIONS),
                rows.day(planned),
                rng.choices(("low", "normal", "high", "urgent"), (10, 65, 20, 5))[0],
                requester,
                f"C{0x10000000 + seq:X}",
                channel_name(number, client, title),
                f"{created.timestamp():.6f}",
                current,
                decided_by,
                rows.ts(decided if decided_by else None),
                "Not in the contract this year." if status == "rejected" else "",
                outcome,
                "The site was closed on arrival." if outcome == "not_performed" else "",
                requester if closed_at else None,
                rows.ts(closed_at),
                rows.ts(created),
                rows.ts(updated),
            )
        )
        n_lines = max(1, min(60, round(rng.gammavariate(2.0, 5.0))))
        revision_id = 0
        for number_, kind in enumerate(kinds):
            ids["revision"] += 1
            revision_id = ids["revision"]
            lines = []
            if number_ == current:
                for position in range(1, n_lines + 1):
                    line_kind = rng.choices(("labour", "material", "service", "other"), (35, 45, 15, 5))[0]
                    if line_kind == "labour":
                        quantity = Decimal(rng.choice(("0.5", "1", "1.5", "2", "3", "4", "8")))
                    else:
                        quantity = Decimal(rng.randint(1, 20))
                    price = Decimal(rng.randint(150, 60_000)) / 100
                    lines.append(_Line(quantity, price))
                    ids["line"] += 1
                    rows.lines.append(
                        (
                            ids["line"],
                            revision_id,
                            position,
                            line_kind,
                            rng.choice(LINE_TEXT[line_kind]),
                            rows.dec(quantity),
                            UNITS[line_kind],
                            rows.dec(price),
                        )
                    )
            at = created if number_ == 0 else decided + timedelta(days=number_ - 1)
            final = status == "closed" and number_ == current
            rows.revisions.append(
                (
                    revision_id,
                    seq,
                    number_,
                    kind,
                    requester if number_ == 0 else decider,
                    "",
                    int(final) if rows.sqlite else final,
                    status if number_ == current else ("pending_approval" if number_ == 0 else "in_progress"),
                    outcome if final else "",
                    json.dumps(workers if number_ >= 2 else []),
                    0,
                    rows.dec(order_total(lines)),
                    f"F{revision_id:09d}" if number_ >= 1 else None,
                    None,
                    rows.ts(at),
                )
            )
        at = rows.ts(created)
        people = [(requester, "requester", requester, at)]
        people += [(u, "supervisor", requester, at) for u in SUPERVISORS]
        people += [(u, "field_worker", decider, rows.ts(decided)) for u in workers]
        for user, role, by, when in people:
            ids["member"] += 1
            rows.members.append((ids["member"], seq, user, role, by, when))
        # the log: each transition, and a few notes (an open order's may be recent)
        log = [(created, requester, "submitted")]
        if decided_by:
            log.append((decided, decided_by, "approved" if approved else "rejected"))
        if workers:
            log.append((decided + timedelta(hours=1), requester, "field_workers_added"))
        log += [(decided + timedelta(days=n), decider, "confirmed") for n in range(1, current)]
        if closed_at:
            log.append((closed_at, requester, "closed"))
        elif status == "cancelled":
            log.append((updated, requester, "cancelled"))
        until = NOW if status in ("pending_approval", "in_progress") else updated
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            log.append(
                (created + (until - created) * rng.random(), rng.choice(workers or [requester]), "note")
            )
        for when, actor, kind in sorted(log):
            ids["activity"] += 1
            note = "Arrived on site; parts ordered." if kind == "note" else ""
            rows.activities.append((ids["activity"], seq, rows.ts(when), actor, kind, note, "{}"))
        # the outbox: the order's channel, card and PDF, done (and now and then one failed for good)
        for key, kind in ((f"channel:{number}", "create_channel"), (f"card:{number}:post", "post_card")):
            ids["effect"] += 1
            failed = rng.random() < 0.0005
            rows.effects.append(
                (
                    ids["effect"],
                    key,
                    seq,
                    kind,
                    "{}",
                    "failed" if failed else "done",
                    5 if failed else 1,
                    "ratelimited" if failed else "",
                    rows.ts(created),
                    None if failed else rows.ts(created + timedelta(seconds=2)),
                )
            )


def _insert_sqlite(dbapi: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
    marks = ", ".join("?" * len(columns))
    dbapi.cursor().executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _insert_postgres(dbapi: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
    with dbapi.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _people_rows(sqlite: bool) -> list[tuple]:
    at = _Rows(sqlite).ts(NOW - SPAN)
    grants = [(u, "admin") for u in ADMINS] + [(u, "coordinator") for u in COORDINATORS]
    grants += [(u, "supervisor") for u in SUPERVISORS] + [(u, "field_worker") for u in FIELD_WORKERS]
    return [(i, u, role, "UADMIN01", at) for i, (u, role) in enumerate(grants, 1)]


TABLES = ("orders", "revisions", "lines", "members", "activities", "effects", "role_grants")


def set_counters(dbapi, last_order: int, tables: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """After a raw PostgreSQL load: the order counter and each table's id sequence past what was
    inserted (the app's next insert must not collide), committed."""
    with dbapi.cursor() as cur:
        cur.execute(
            "INSERT INTO counters (name, value) VALUES ('order', %s) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (last_order,),
        )
        for table in tables:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    dbapi.commit()


def analyze(engine: Engine) -> None:
    """What autovacuum does after a load: planner statistics and the visibility map (PostgreSQL)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _max_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
            for name, table in (
                ("revision", "revisions"),
                ("line", "lines"),
                ("member", "members"),
                ("activity", "activities"),
                ("effect", "effects"),
            )
        }


def build(
    engine: Engine,
    stop: int,
    *,
    start: int = 1,
    total: int | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> Built:
    """Add orders start..stop-1 (seq) to the database engine points at; total: the size the data is
    spread for (the final number of orders, so that a first step of a bigger build is its oldest part).

    The schema is created when missing (storage.db.create_schema); the people's roles with the
    first step."""
    total = total or stop - 1
    started = time.perf_counter()
    create_schema(engine)
    sqlite = engine.dialect.name == "sqlite"
    insert = _insert_sqlite if sqlite else _insert_postgres
    ids = _max_ids(engine)
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        if sqlite:
            dbapi.execute("BEGIN")
        if start == 1:
            insert(
                dbapi,
                "role_grants",
                ["id", "user_id", "role", "granted_by", "granted_at"],
                _people_rows(sqlite),
            )
        for first in range(start, stop, CHUNK):
            last = min(first + CHUNK, stop)
            rows = _Rows(sqlite)
            _chunk(rows, random.Random(SEED * 1_000_003 + first), first, last, total, ids)
            insert(dbapi, "orders", ORDER_COLUMNS, rows.orders)
            insert(dbapi, "revisions", REVISION_COLUMNS, rows.revisions)
            insert(dbapi, "lines", LINE_COLUMNS, rows.lines)
            insert(dbapi, "members", MEMBER_COLUMNS, rows.members)
            insert(dbapi, "activities", ACTIVITY_COLUMNS, rows.activities)
            insert(dbapi, "effects", EFFECT_COLUMNS, rows.effects)
            if first // CHUNK % 4 == 3:
                log(f"    {last - 1:,} orders")
        counter = (stop - 1,)
        if sqlite:
            dbapi.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('order', ?)", counter)
            dbapi.execute("COMMIT")
            dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # readers start from a settled file
        else:
            set_counters(dbapi, counter[0], TABLES)
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    if not sqlite:
        analyze(engine)
    counts = _max_ids(engine)
    return Built(
        stop - 1, counts["line"], counts["member"], counts["revision"], time.perf_counter() - started
    )


# --- where the data lives ---------------------------------------------------------------------


def postgres_schema_url(url: str, schema: str) -> str:
    """url with every connection's search_path set to schema (a PostgreSQL namespace of its own:
    the benchmark never touches the tables of the database's public schema)."""
    u = make_url(url)
    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def create_postgres_schema(url: str, schema: str) -> str:
    """A fresh, empty schema (namespace) in the database at url; the URL that works inside it."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        engine.dispose()
    return postgres_schema_url(url, schema)


def drop_postgres_schema(url: str, schema: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


def iter_sizes(engine: Engine) -> Iterator[tuple[str, int]]:
    with engine.connect() as conn:
        for table in ("orders", "revisions", "lines", "members", "activities", "effects", "role_grants"):
            yield table, int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--url", default="sqlite:///bench-bigdata.db", help="an empty database")
    args = parser.parse_args()
    engine = make_engine(args.url)
    built = build(engine, args.orders + 1, log=print)
    print(f"built in {built.seconds:.1f} s")
    for table, n in iter_sizes(engine):
        print(f"  {table:<12} {n:>10,}")


if __name__ == "__main__":
    main()
