"""`/so list`, `/so show`, the Home tab and the CSV export on 100,000 orders and 1,000,000 lines.

    python bench/listing.py [--smoke] [--postgres URL]     (or as part of python bench/run.py)

On SQLite (a temporary file) and PostgreSQL (a fresh schema of its own in the database at
--postgres, default $SO_BENCH_POSTGRES_URL, else $SO_TEST_POSTGRES_URL; neither: skipped, saying so),
each filled by bench/bigdata.py:

- the bot's code (Workflow.search with forms.parse_filters' filters, Workflow.list_for,
  Workflow.find) against the bare SQL it needs, hand-written with the same WHERE and run through
  the raw DBAPI connection in one read transaction: median and p95 of warm repetitions, and the
  query plans of the statements the code really sent (recorded with before_cursor_execute, then
  EXPLAINed with their parameters): a full scan of orders, lines, revisions or members is named;
- the CSV export as `service-orders export orders --out FILE` (bot/cli.py, workflow.export.write_csv)
  in a subprocess at 10,000 and at 100,000 orders: time, rows and the process's peak RSS.

Prints the tables and the targets. Not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/listing.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import bigdata
from bench.common import Table, Target, percentile
from bot.lists import PAGE_SIZE
from forms import parse_filters
from storage.db import make_engine
from workflow.service import Workflow

ROOT = Path(__file__).resolve().parents[1]
TODAY = bigdata.NOW.date()
LIMIT = 2.0  # code / bare, at the median
FLAT = 1.2  # export peak RSS at 100,000 orders / at 10,000
DEEP_ROW = 500  # the deep page starts at this row of the result (page 51), keyset cursor
BIG_TABLES = ("orders", "lines", "revisions", "members", "activities", "effects")


@dataclass(frozen=True)
class Size:
    orders: int
    export_small: int
    repeat: int  # repetitions of each request ...
    least: int  # ... or at least this many, once budget seconds have gone by
    budget: float
    warm: int


FULL = Size(orders=100_000, export_small=10_000, repeat=40, least=10, budget=4.0, warm=3)
SMOKE = Size(orders=300, export_small=30, repeat=3, least=3, budget=0.0, warm=1)


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median: float  # seconds
    p95: float

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        return cls(statistics.median(samples), percentile(samples, 95))


@dataclass(frozen=True)
class Plan:
    by: str  # "code" | "bare"
    statement: str
    lines: tuple[str, ...]
    full_scan: str | None  # the plan line that reads a whole big table


@dataclass
class Case:
    section: str  # list | show | home
    name: str  # what was asked
    page: str  # "first", "row 500", ""
    code: Timing | None = None  # None: not measured (note says why)
    bare: Timing | None = None
    repeat: int = 0
    statements: int = 0  # sent by the code for one request
    bare_statements: int = 0
    same: bool = True  # the code's answer is the bare SQL's
    plans: list[Plan] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.code.median / self.bare.median if self.code and self.bare else None

    @property
    def ratio_p95(self) -> float | None:
        return self.code.p95 / self.bare.p95 if self.code and self.bare else None

    def full_scans(self) -> list[Plan]:
        return [p for p in self.plans if p.by == "code" and p.full_scan]


@dataclass(frozen=True)
class Export:
    orders_in_db: int
    orders: int
    rows: int
    seconds: float
    peak_mb: float  # the export process's RSS high-water mark
    file_mb: float


@dataclass
class Backend:
    name: str  # SQLite | PostgreSQL
    skipped: str = ""  # why it was not measured
    orders: int = 0
    lines: int = 0
    members: int = 0
    build_seconds: float = 0.0
    seconds: float = 0.0  # everything on this backend
    cases: list[Case] = field(default_factory=list)
    empty_export: Export | None = None  # the same command selecting no order: startup and imports
    exports: list[Export] = field(default_factory=list)


@dataclass
class Result:
    smoke: bool
    size: Size
    backends: list[Backend]


# --- the bare SQL ---------------------------------------------------------------------------------

ROW_COLUMNS = "id, seq, number, status, outcome, client, title, planned_date, channel_id"  # OrderRow
ORDER_COLUMNS = ", ".join(bigdata.ORDER_COLUMNS)  # the whole order (OrderView)
ROLES = "SELECT role FROM role_grants WHERE user_id = :viewer"
VISIBLE = "(requester_id = :viewer OR id IN (SELECT order_id FROM members WHERE user_id = :viewer))"
ESC = "ESCAPE '\\'"


class Bare:
    """Hand-written SQL through the raw DBAPI connection, in one read transaction like the code's."""

    def __init__(self, engine: Engine) -> None:
        self.raw = engine.raw_connection()
        self.db = self.raw.driver_connection
        self.sqlite = engine.dialect.name == "sqlite"
        self.cur = self.db.cursor()
        self.record: list[tuple[str, Any]] | None = None
        self._sql: dict[str, str] = {}

    def close(self) -> None:
        self.raw.close()

    def begin(self) -> None:
        if self.sqlite:
            self.cur.execute("BEGIN")

    def end(self) -> None:
        if self.sqlite:
            self.cur.execute("COMMIT")
        else:
            self.db.commit()

    def native(self, sql: str) -> str:
        """:name parameters as the driver spells them (sqlite3 takes them; psycopg wants %(name)s)."""
        if sql not in self._sql:
            self._sql[sql] = sql if self.sqlite else re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)
        return self._sql[sql]

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        sql = self.native(sql)
        if self.record is not None:
            self.record.append((sql, params))
        self.cur.execute(sql, params)
        return self.cur.fetchall()


def _in(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(f":{n}" for n in names), dict(zip(names, values, strict=True))


# --- the requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCase:
    text: str  # typed after /so list
    viewer: str
    who: str
    where: str  # the same WHERE, by hand
    params: dict[str, Any]


def list_cases() -> list[ListCase]:
    fw, coordinator, supervisor = "UFIELD010", "UCOORD03", "USUPER01"
    return [
        ListCase("status:in_progress", coordinator, "coordinator", "status IN (:s0)", {"s0": "in_progress"}),
        ListCase("status:closed", fw, "field worker", f"{VISIBLE} AND status IN (:s0)", {"s0": "closed"}),
        ListCase(
            "client:acme",
            coordinator,
            "coordinator",
            f"lower(client) LIKE :client {ESC}",
            {"client": "%acme%"},
        ),
        ListCase(
            "mine",
            fw,
            "field worker",
            f"{VISIBLE} AND (requester_id = :viewer OR id IN "
            "(SELECT order_id FROM members WHERE user_id = :viewer AND role != :sup))",
            {"sup": "supervisor"},
        ),
        ListCase(
            "waiting",
            supervisor,
            "supervisor",
            "status = :pending AND requester_id != :viewer",
            {"pending": "pending_approval"},
        ),
        ListCase(
            "from:2026-03-01 to:2026-03-31",
            coordinator,
            "coordinator",
            "planned_date >= :d0 AND planned_date <= :d1",
            {"d0": "2026-03-01", "d1": "2026-03-31"},
        ),
        ListCase(
            "router",
            fw,
            "field worker",
            f"{VISIBLE} AND (lower(title) LIKE :w0 {ESC} OR lower(description) LIKE :w0 {ESC})",
            {"w0": "%router%"},
        ),
    ]


def _params(case: ListCase, sqlite: bool) -> dict[str, Any]:
    p = {"viewer": case.viewer, **case.params}
    if not sqlite:  # psycopg binds dates as dates
        p = {k: (date.fromisoformat(v) if k in ("d0", "d1") else v) for k, v in p.items()}
    return p


def bare_page(bare: Bare, case: ListCase, after: int | None) -> tuple[list[tuple], bool | None]:
    """The page (LIMIT page + 1, to know whether another follows) and, past the first page, whether
    a newer one exists: what Workflow.search answers."""
    params = _params(case, bare.sqlite)
    bare.begin()
    bare.rows(ROLES, {"viewer": case.viewer})
    keyset = " AND seq < :after" if after is not None else ""
    rows = bare.rows(
        f"SELECT {ROW_COLUMNS} FROM orders WHERE {case.where}{keyset} ORDER BY seq DESC LIMIT :n",
        {**params, "after": after, "n": PAGE_SIZE + 1},
    )
    newer = None
    if after is not None:
        first = rows[0][1] if rows else after - 1
        newer = bool(
            bare.rows(
                f"SELECT EXISTS (SELECT 1 FROM orders WHERE {case.where} AND seq > :first)",
                {**params, "first": first},
            )[0][0]
        )
    bare.end()
    return rows, newer


def deep_cursor(bare: Bare, case: ListCase) -> tuple[int | None, int]:
    """The keyset cursor of the page starting at DEEP_ROW (or halfway, for fewer rows), and the row."""
    params = _params(case, bare.sqlite)
    bare.begin()
    total = bare.rows(f"SELECT count(*) FROM orders WHERE {case.where}", params)[0][0]
    row = min(DEEP_ROW, total // 2 // PAGE_SIZE * PAGE_SIZE)
    cursor = None
    if row >= PAGE_SIZE:
        cursor = bare.rows(
            f"SELECT seq FROM orders WHERE {case.where} ORDER BY seq DESC LIMIT 1 OFFSET :off",
            {**params, "off": row - 1},
        )[0][0]
    bare.end()
    return cursor, row


def bare_list_for(bare: Bare, user: str, supervisor: bool) -> tuple[list[tuple], list[tuple]]:
    """What Workflow.list_for answers (my open orders, those waiting for me, each with its lines,
    members and confirmation flag): two order queries, then one query each for all their lines,
    members and confirmations."""
    bare.begin()
    bare.rows(ROLES, {"viewer": user})
    mine = bare.rows(
        f"SELECT {ORDER_COLUMNS} FROM orders WHERE status IN (:s0, :s1) AND (requester_id = :viewer "
        "OR id IN (SELECT order_id FROM members WHERE user_id = :viewer AND role != :sup)) "
        "ORDER BY seq DESC LIMIT 20",
        {"s0": "pending_approval", "s1": "in_progress", "viewer": user, "sup": "supervisor"},
    )
    waiting: list[tuple] = []
    if supervisor:
        waiting = bare.rows(
            f"SELECT {ORDER_COLUMNS} FROM orders WHERE status = :pending AND requester_id != :viewer "
            "ORDER BY seq LIMIT 20",
            {"pending": "pending_approval", "viewer": user},
        )
    ids = sorted({r[0] for r in mine + waiting})
    if ids:
        marks, p = _in("o", ids)
        bare.rows(
            "SELECT revisions.order_id, lines.kind, lines.description, lines.quantity, lines.unit, "
            "lines.unit_price FROM lines JOIN revisions ON lines.revision_id = revisions.id "
            "JOIN orders ON orders.id = revisions.order_id AND revisions.number = orders.current_revision "
            f"WHERE revisions.order_id IN ({marks}) ORDER BY revisions.order_id, lines.position",
            p,
        )
        bare.rows(
            f"SELECT order_id, user_id, role FROM members WHERE order_id IN ({marks}) "
            "AND role IN (:r0, :r1) ORDER BY id",
            {**p, "r0": "supervisor", "r1": "field_worker"},
        )
        bare.rows(
            f"SELECT DISTINCT order_id FROM revisions WHERE order_id IN ({marks}) AND kind = :kind",
            {**p, "kind": "confirmation"},
        )
    bare.end()
    return mine, waiting


def bare_show(bare: Bare, seq: int) -> tuple[tuple | None, list[tuple], list[tuple]]:
    """What Workflow.find answers: the order (and whether it has a confirmation), the lines of its
    current revision, its supervisors and field workers."""
    bare.begin()
    found = bare.rows(
        f"SELECT {ORDER_COLUMNS}, EXISTS (SELECT 1 FROM revisions WHERE revisions.order_id = orders.id "
        "AND revisions.kind = :kind) FROM orders WHERE seq = :seq",
        {"seq": seq, "kind": "confirmation"},
    )
    lines: list[tuple] = []
    members: list[tuple] = []
    if found:
        order_id, revision = found[0][0], found[0][bigdata.ORDER_COLUMNS.index("current_revision")]
        lines = bare.rows(
            "SELECT lines.kind, lines.description, lines.quantity, lines.unit, lines.unit_price "
            "FROM lines JOIN revisions ON lines.revision_id = revisions.id "
            "WHERE revisions.order_id = :id AND revisions.number = :rev ORDER BY lines.position",
            {"id": order_id, "rev": revision},
        )
        members = bare.rows(
            "SELECT user_id, role FROM members WHERE order_id = :id AND role IN (:r0, :r1) ORDER BY id",
            {"id": order_id, "r0": "supervisor", "r1": "field_worker"},
        )
    bare.end()
    return (found[0] if found else None), lines, members


HOME_COLUMNS = (  # HomeRow
    "id, number, status, outcome, client, title, planned_date, channel_id, requester_id, "
    "created_at, updated_at"
)
INVOLVED = (  # requested, or works on (a supervisor's approvals are not "theirs")
    "(requester_id = :viewer OR id IN "
    "(SELECT order_id FROM members WHERE user_id = :viewer AND role != :sup))"
)


def bare_section(bare: Bare, where: str, params: dict[str, Any], limit: int) -> tuple[list[tuple], int]:
    rows = bare.rows(
        f"SELECT {HOME_COLUMNS} FROM orders WHERE {where} ORDER BY seq DESC LIMIT :n",
        {**params, "n": limit + 1},
    )
    total = len(rows)
    if total > limit:
        total = bare.rows(f"SELECT count(*) FROM orders WHERE {where}", params)[0][0]
    return rows[:limit], total


def bare_home(bare: Bare, user: str, approver: bool) -> dict[str, tuple[list[tuple], int]]:
    """What Workflow.home answers (workflow.home's defaults: 10 rows a section, 5 closed and 5 of
    each exception, pending over 4 hours, stale after 3 days): the same statements, by hand."""
    now = bigdata.NOW

    def as_ts(t: datetime) -> Any:
        return bigdata.stored_time(t, bare.sqlite)

    p = {"viewer": user, "sup": "supervisor", "pending": "pending_approval", "progress": "in_progress"}
    out: dict[str, tuple[list[tuple], int]] = {"waiting": ([], 0)}
    bare.begin()
    bare.rows(ROLES, {"viewer": user})
    if approver:
        out["waiting"] = bare_section(bare, "status = :pending AND requester_id != :viewer", p, 10)
    out["mine"] = bare_section(bare, f"status IN (:pending, :progress) AND {INVOLVED}", p, 10)
    ended = {"e0": "rejected", "e1": "closed", "e2": "cancelled", "since": as_ts(now - timedelta(days=14))}
    out["closed"] = bare_section(
        bare, f"status IN (:e0, :e1, :e2) AND {INVOLVED} AND updated_at >= :since", {**p, **ended}, 5
    )
    open_ids = sorted(
        {
            r[0]
            for k in ("waiting", "mine", "closed")
            for r in out[k][0]
            if r[2] in (p["pending"], p["progress"])
        }
    )
    if open_ids:
        marks, ids = _in("o", open_ids)
        bare.rows(
            f"SELECT order_id FROM members WHERE user_id = :viewer AND role = :fw AND order_id IN ({marks})",
            {**ids, "viewer": user, "fw": "field_worker"},
        )
    if approver:
        today = now.date().isoformat() if bare.sqlite else now.date()
        quiet = as_ts(now - timedelta(days=3))
        out["pending"] = bare_section(
            bare, "status = :pending AND created_at <= :at", {**p, "at": as_ts(now - timedelta(hours=4))}, 5
        )
        out["overdue"] = bare_section(
            bare, "status = :progress AND planned_date < :today", {**p, "today": today}, 5
        )
        out["stale"] = bare_section(
            bare,
            "status = :progress AND updated_at <= :quiet AND NOT EXISTS (SELECT 1 FROM activities "
            "WHERE activities.order_id = orders.id AND activities.at > :quiet)",
            {**p, "quiet": quiet},
            5,
        )
        failed = bare.rows(
            "SELECT effects.id, effects.kind, effects.last_error, effects.created_at, orders.number, "
            "orders.channel_id FROM effects LEFT OUTER JOIN orders ON effects.order_id = orders.id "
            "WHERE effects.status = :failed ORDER BY effects.id DESC LIMIT 6",
            {"failed": "failed"},
        )
        total = len(failed)
        if total > 5:
            (total,) = bare.rows("SELECT count(*) FROM effects WHERE status = :failed", {"failed": "failed"})[
                0
            ]
        out["failed"] = (failed[:5], total)
    bare.end()
    return out


# --- timing and plans ---------------------------------------------------------------------------------


class Recorder:
    """The statements the code sends (before_cursor_execute), while on."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if self.on and statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.statements.append((statement, parameters))

    def during(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.statements


def explain(bare: Bare, statement: str, params: Any) -> list[str]:
    """The plan of statement with its parameters (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN,
    parameters inlined client-side, i.e. the plan for these values)."""
    if bare.sqlite:
        cur = bare.db.execute("EXPLAIN QUERY PLAN " + statement, params)
        return [row[3] for row in cur.fetchall()]
    import psycopg

    with psycopg.ClientCursor(bare.db) as cur:
        cur.execute("EXPLAIN (COSTS OFF) " + statement, params)
        plan = [row[0].strip().lstrip("-> ").strip() for row in cur.fetchall()]
    bare.db.rollback()
    return plan


def full_scan(lines: Sequence[str]) -> str | None:
    """The first plan line reading a whole big table: SQLite's SCAN without an index, PostgreSQL's
    (Parallel) Seq Scan."""
    for line in lines:
        m = re.search(r"\bSCAN (\w+)", line) or re.search(r"\bSeq Scan on (\w+)", line)
        if m and m.group(1) in BIG_TABLES and " USING " not in line:
            return line
    return None


def short_sql(statement: str) -> str:
    """statement on one line, its column list as …, parameters as ?, its middle cut when long."""
    s = " ".join(statement.split())
    s = re.sub(r"^SELECT (?!EXISTS)[^()]+?, [^()]+? FROM ", "SELECT … FROM ", s, count=1)
    s = re.sub(r"\borders\.", "", s)
    s = re.sub(r"%\(\w+\)s(::(TIMESTAMP WITH(OUT)? TIME ZONE|\w+))?", "?", s)  # psycopg's parameters
    return s if len(s) <= 200 else s[:110] + " … " + s[-85:]


def plans(bare: Bare, by: str, statements: list[tuple[str, Any]]) -> list[Plan]:
    out = []
    for statement, params in statements:
        lines = explain(bare, statement, params)
        out.append(Plan(by, short_sql(statement), tuple(lines), full_scan(lines)))
    return out


def indexes(case: Case, by: str = "code") -> str:
    """The indexes a case's statements use, in order, and what else the plans say."""
    seen: list[str] = []
    extra: list[str] = []
    for p in case.plans:
        if p.by != by:
            continue
        for line in p.lines:
            for m in re.finditer(r"USING (?:COVERING )?INDEX (\w+)|(?:Scan|Scan Backward) using (\w+)", line):
                name = m.group(1) or m.group(2)
                if name not in seen:
                    seen.append(name)
            if "INTEGER PRIMARY KEY" in line or re.search(r"using \w+_pkey", line):
                seen.append("pk") if "pk" not in seen else None
            if "TEMP B-TREE" in line or line.startswith("Sort"):
                extra.append("sort") if "sort" not in extra else None
        if p.full_scan:
            extra.append(f"FULL SCAN: {p.full_scan}")
    return ", ".join(seen + extra)


def timed(code: Callable[[], Any], bare: Callable[[], Any], size: Size) -> tuple[Timing, Timing, int]:
    """Warm both, then alternate them (the machine's drift falls on both alike): size.repeat times,
    or fewer (size.least at least) for a slow request once size.budget seconds have gone by."""
    for _ in range(size.warm):
        code()
        bare()
    ours, base = [], []
    started = time.perf_counter()
    while len(ours) < size.repeat and (len(ours) < size.least or time.perf_counter() - started < size.budget):
        t0 = time.perf_counter()
        code()
        t1 = time.perf_counter()
        bare()
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        base.append(t2 - t1)
    return Timing.of(ours), Timing.of(base), len(ours)


def measure(
    wf: Workflow,
    rec: Recorder,
    bare: Bare,
    size: Size,
    section: str,
    name: str,
    page: str,
    code: Callable[[], Any],
    by_hand: Callable[[], Any],
    same: Callable[[Any, Any], bool],
) -> Case:
    case = Case(section, name, page)
    sent = rec.during(code)
    bare.record = []
    case.same = same(code(), by_hand())
    by_hand_sent, bare.record = bare.record, None
    case.statements, case.bare_statements = len(sent), len(by_hand_sent)
    case.plans = plans(bare, "code", sent) + plans(bare, "bare", by_hand_sent)
    case.code, case.bare, case.repeat = timed(code, by_hand, size)
    return case


# --- the measurements ---------------------------------------------------------------------------------


def list_measurements(
    wf: Workflow, rec: Recorder, bare: Bare, size: Size, log: Callable[[str], None]
) -> list[Case]:
    cases = []
    for lc in list_cases():
        filters = parse_filters(lc.text, TODAY).value
        assert filters is not None, lc.text
        cursor, row = deep_cursor(bare, lc)
        for after, page in ((None, "first"), (cursor, f"row {row}")):
            name = f"`{lc.text}` ({lc.who})"
            if page != "first" and after is None:
                cases.append(Case("list", name, "deep", note="fewer than two pages match"))
                continue

            def code(after: int | None = after, filters: Any = filters, lc: ListCase = lc) -> Any:
                return wf.search(filters, lc.viewer, after=after, limit=PAGE_SIZE)

            def by_hand(after: int | None = after, lc: ListCase = lc) -> Any:
                return bare_page(bare, lc, after)

            def same(page_: Any, hand: Any) -> bool:
                rows, newer = hand
                seqs = [r[1] for r in rows[:PAGE_SIZE]]
                nxt = seqs[-1] if len(rows) > PAGE_SIZE else None
                return (
                    [r.seq for r in page_.rows] == seqs
                    and page_.next == nxt
                    and (newer is None or (page_.previous is not None) == newer)
                )

            case = measure(wf, rec, bare, size, "list", name, page, code, by_hand, same)
            cases.append(case)
            log(f"    list {name} {page}: {_ms(case.code)} vs {_ms(case.bare)} ms")
    for user, who, supervisor in (("UFIELD010", "field worker", False), ("USUPER01", "supervisor", True)):

        def code(user: str = user) -> Any:
            return wf.list_for(user)

        def by_hand(user: str = user, supervisor: bool = supervisor) -> Any:
            return bare_list_for(bare, user, supervisor)

        def same(views: Any, hand: Any) -> bool:
            return [[v.id for v in part] for part in views] == [[r[0] for r in part] for part in hand]

        name = f"no filters → list_for ({who})"
        case = measure(wf, rec, bare, size, "list", name, "", code, by_hand, same)
        cases.append(case)
        log(f"    list {name}: {_ms(case.code)} vs {_ms(case.bare)} ms")
    return cases


def show_measurements(
    wf: Workflow, rec: Recorder, bare: Bare, size: Size, log: Callable[[str], None]
) -> list[Case]:
    cases = []
    for seq in (42, size.orders - 7):

        def code(seq: int = seq) -> Any:
            return wf.find(str(seq))

        def by_hand(seq: int = seq) -> Any:
            return bare_show(bare, seq)

        def same(view: Any, hand: Any) -> bool:
            order, lines, members = hand
            return (
                view is not None
                and order is not None
                and view.id == order[0]
                and len(view.lines) == len(lines)
                and len(view.supervisors) + len(view.field_workers) == len(members)
                and view.has_confirmation == bool(order[-1])
            )

        case = measure(wf, rec, bare, size, "show", f"`/so show {seq}` → find", "", code, by_hand, same)
        cases.append(case)
        log(f"    show {seq}: {_ms(case.code)} vs {_ms(case.bare)} ms")
    return cases


def home_measurements(
    wf: Workflow, rec: Recorder, bare: Bare, size: Size, log: Callable[[str], None]
) -> list[Case]:
    cases = []
    for user, who, approver in (
        ("UFIELD010", "field worker", False),
        ("UCOORD03", "coordinator", False),
        ("USUPER01", "supervisor", True),
    ):

        def code(user: str = user) -> Any:
            return wf.home(user, bigdata.NOW)

        def by_hand(user: str = user, approver: bool = approver) -> Any:
            return bare_home(bare, user, approver)

        def same(view: Any, hand: dict[str, Any]) -> bool:
            sections = {"waiting": view.waiting, "mine": view.mine, "closed": view.closed}
            if view.exceptions is not None:
                x = view.exceptions
                sections |= {"pending": x.pending_too_long, "overdue": x.overdue, "stale": x.stale}
            ours = {k: ([r.id for r in v.rows], v.total) for k, v in sections.items()}
            if view.exceptions is not None:
                ours["failed"] = ([f.id for f in view.exceptions.failed], view.exceptions.failed_total)
            theirs = {k: ([r[0] for r in rows], total) for k, (rows, total) in hand.items()}
            return ours == theirs

        name = f"Home tab → home ({who})"
        case = measure(wf, rec, bare, size, "home", name, "", code, by_hand, same)
        cases.append(case)
        log(f"    {name}: {_ms(case.code)} vs {_ms(case.bare)} ms")
    return cases


# `service-orders export orders ...` (bot.cli.main), then the process's own peak RSS. VmHWM, not
# ru_maxrss: Linux carries the parent's high-water mark over the fork and exec into ru_maxrss.
EXPORT_CHILD = """
import resource, sys
from bot.cli import main
code = main(sys.argv[1:])
try:
    with open("/proc/self/status") as f:
        kb = next(int(row.split()[1]) for row in f if row.startswith("VmHWM:"))
except OSError:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"peak-rss-kb {kb}", file=sys.stderr)
sys.exit(code)
"""


def export(url: str, folder: str, orders_in_db: int, *filters: str) -> Export:
    """`service-orders export orders --out FILE [filters]` in a process of its own, as an operator
    runs it: wall time (start-up included), what it wrote and its peak RSS."""
    out = os.path.join(folder, f"export-{orders_in_db}-{len(filters)}.csv")
    env = {**os.environ, "DATABASE_URL": url, "SO_DB_AUTO_UPGRADE": "false"}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD, "export", "orders", "--out", out, *filters],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"export failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
    m = re.search(r"exported (\d+) orders, (\d+) rows", proc.stdout)
    peak = re.search(r"peak-rss-kb (\d+)", proc.stderr)
    assert m and peak, proc.stdout + proc.stderr
    size = os.path.getsize(out) / 1e6
    os.unlink(out)
    return Export(orders_in_db, int(m.group(1)), int(m.group(2)), took, int(peak.group(1)) / 1024, size)


def measure_backend(name: str, url: str, folder: str, size: Size, log: Callable[[str], None]) -> Backend:
    started = time.perf_counter()
    result = Backend(name)
    engine = make_engine(url)
    try:
        log(f"  {name}: building {size.export_small:,} orders")
        built = bigdata.build(engine, size.export_small + 1, total=size.orders, log=log)
        result.build_seconds += built.seconds
        result.empty_export = export(url, folder, built.orders, "--from", "1990-01-01", "--to", "1990-01-01")
        result.exports.append(export(url, folder, built.orders))
        log(f"  {name}: export of {built.orders:,} orders {result.exports[-1].seconds:.1f} s")
        log(f"  {name}: building up to {size.orders:,} orders")
        built = bigdata.build(
            engine, size.orders + 1, start=size.export_small + 1, total=size.orders, log=log
        )
        result.build_seconds += built.seconds
        result.orders, result.lines, result.members = built.orders, built.lines, built.members
        log(f"  {name}: {built.orders:,} orders, {built.lines:,} lines built in {result.build_seconds:.1f} s")
        result.exports.append(export(url, folder, built.orders))
        log(f"  {name}: export of {built.orders:,} orders {result.exports[-1].seconds:.1f} s")
        wf = Workflow(engine)
        rec = Recorder(engine)
        bare = Bare(engine)
        try:
            result.cases += list_measurements(wf, rec, bare, size, log)
            result.cases += show_measurements(wf, rec, bare, size, log)
            result.cases += home_measurements(wf, rec, bare, size, log)
        finally:
            bare.close()
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    return result


def postgres_url(given: str | None) -> tuple[str | None, str]:
    """The PostgreSQL URL to use, or None and why not."""
    url = given or os.environ.get("SO_BENCH_POSTGRES_URL") or os.environ.get("SO_TEST_POSTGRES_URL")
    if not url:
        return None, "no PostgreSQL URL (--postgres, SO_BENCH_POSTGRES_URL or SO_TEST_POSTGRES_URL)"
    try:
        engine = make_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as e:  # unreachable: say so and go on with SQLite
        return None, f"PostgreSQL at {url} is not reachable ({type(e).__name__})"
    return url, ""


def run(
    smoke: bool,
    log: Callable[[str], None] = print,
    postgres: str | None = None,
    backends_wanted: Collection[str] = ("sqlite", "postgresql"),
) -> Result:
    size = SMOKE if smoke else FULL
    backends = []
    with tempfile.TemporaryDirectory(prefix="so-bench-listing-") as folder:
        if "sqlite" in backends_wanted:
            backends.append(measure_backend("SQLite", f"sqlite:///{folder}/orders.db", folder, size, log))
        else:
            backends.append(Backend("SQLite", skipped="not asked for (--backend)"))
        url, why = (
            postgres_url(postgres) if "postgresql" in backends_wanted else (None, "not asked for (--backend)")
        )
        if url is None:
            log(f"  PostgreSQL skipped: {why}")
            backends.append(Backend("PostgreSQL", skipped=why))
        else:
            schema = f"so_bench_listing_{os.getpid()}"
            try:
                inside = bigdata.create_postgres_schema(url, schema)
                backends.append(measure_backend("PostgreSQL", inside, folder, size, log))
            finally:
                bigdata.drop_postgres_schema(url, schema)
    return Result(smoke, size, backends)


# --- report -------------------------------------------------------------------------------------------


def _ms(t: Timing | None, p95: bool = False) -> str:
    if t is None:
        return "—"
    return f"{(t.p95 if p95 else t.median) * 1000:.2f}"


def _x(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}"


def _same_indexes(c: Case) -> str:
    ours, theirs = (set(indexes(c, by).split(", ")) - {"sort"} for by in ("code", "bare"))
    return "yes" if ours == theirs else "no: " + indexes(c, "bare")


def tables(result: Result) -> list[Table]:
    out = []
    measured = [b for b in result.backends if not b.skipped]
    for b in measured:
        rows = []
        for c in b.cases:
            if c.code is None:
                rows.append([c.section, c.name, c.page, "0", *["—"] * 8, c.note])
                continue
            rows.append(
                [
                    c.section,
                    c.name,
                    c.page,
                    str(c.repeat),
                    _ms(c.code),
                    _ms(c.bare),
                    _x(c.ratio),
                    _ms(c.code, p95=True),
                    _ms(c.bare, p95=True),
                    _x(c.ratio_p95),
                    f"{c.statements}/{c.bare_statements}",
                    _same_indexes(c),
                    indexes(c) + ("" if c.same else " — ANSWERS DIFFER"),
                ]
            )
        out.append(
            Table(
                f"3. Listing on {b.name}: {b.orders:,} orders, {b.lines:,} lines (code vs bare SQL, ms)",
                [
                    "request",
                    "filters / person",
                    "page",
                    "n",
                    "code p50",
                    "bare p50",
                    "ratio p50",
                    "code p95",
                    "bare p95",
                    "ratio p95",
                    "statements code/bare",
                    "bare uses the same indexes",
                    "indexes the code's statements use (plan)",
                ],
                rows,
                [
                    f"Median and p95 of n warm repetitions ({result.size.repeat}, or at least "
                    f"{result.size.least} within {result.size.budget:g} s for a slow request), code and bare "
                    f"alternating. Pages of {PAGE_SIZE} (bot.lists.PAGE_SIZE); the deep page is the keyset "
                    f"page starting at row {DEEP_ROW}, or halfway for fewer rows (`search(after=cursor)`).",
                    "Bare: the same WHERE hand-written, through the raw DBAPI connection, in one read "
                    "transaction, selecting only the columns the answer shows. It also reads the viewer's "
                    "roles (the code needs them), and on a deep page whether a newer page exists (the "
                    "Previous button). show: the order with an EXISTS for its confirmation, its current "
                    "lines, its members (3 statements; the code sends 5). list_for: both order queries, "
                    "then one query each for all their lines, members and confirmations. Home: "
                    "workflow.home's statements, by hand.",
                    "Plans: every statement the code sent (recorded with before_cursor_execute), "
                    "EXPLAINed with its parameters; a full scan of "
                    + ", ".join(BIG_TABLES)
                    + " would be named. sqlite_autoindex_orders_1 / orders_seq_key: the unique index on "
                    "seq; ix_orders_status is the single-column index on status; sort: the rows found are "
                    "sorted before the LIMIT (all of them are read).",
                    f"Data built in {b.build_seconds:.0f} s ({b.members:,} members); the whole "
                    f"{b.name} part took {b.seconds:.0f} s.",
                ],
                text_columns=3,
            )
        )
        seen: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for c in b.cases:
            for p in c.plans:
                if p.by == "code":
                    seen.setdefault((p.statement, p.lines), []).append(f"{c.name} {c.page}".strip())
        plan_rows = [
            [asked[0] + (f" (+{len(asked) - 1})" if len(asked) > 1 else ""), statement, " / ".join(lines)]
            for (statement, lines), asked in seen.items()
        ]
        if plan_rows:
            out.append(
                Table(
                    f"3. Query plans on {b.name} (the code's statements, each distinct one once)",
                    ["first request (+ others with the same)", "statement", "plan"],
                    plan_rows,
                    [
                        "PostgreSQL: EXPLAIN with the parameters inlined (the plan for these values); "
                        "VACUUM ANALYZE ran after the load, as autovacuum would."
                        if b.name == "PostgreSQL"
                        else "SQLite: EXPLAIN QUERY PLAN; no ANALYZE was run (the bot runs none)."
                    ],
                    text_columns=3,
                )
            )
    export_rows = []
    for b in measured:
        base = b.empty_export
        for e in ([base] if base else []) + b.exports:
            export_rows.append(
                [
                    b.name,
                    f"{e.orders_in_db:,}",
                    f"{e.orders:,}",
                    f"{e.rows:,}",
                    f"{e.seconds:.1f}",
                    f"{e.rows / e.seconds:,.0f}",
                    f"{e.peak_mb:.0f}",
                    f"{e.peak_mb - base.peak_mb:+.0f}" if base else "—",
                    f"{e.file_mb:.1f}",
                ]
            )
    if export_rows:
        out.append(
            Table(
                "3. CSV export (`service-orders export orders --out FILE`, a process each)",
                [
                    "backend",
                    "orders in db",
                    "orders",
                    "rows",
                    "seconds",
                    "rows/s",
                    "peak RSS MB",
                    "over 0 orders",
                    "file MB",
                ],
                export_rows,
                [
                    "The command line's own code (bot.cli.main → Workflow.export_orders → "
                    "workflow.export.write_csv), in a fresh process; seconds include its start-up.",
                    "Peak RSS: the process's high-water mark (VmHWM), imports included. The 0-orders row "
                    "is the same command selecting nothing (`--from 1990-01-01 --to 1990-01-01`): "
                    "start-up and imports.",
                    "The 10,000-order database is the first step of the 100,000-order one (its oldest "
                    "orders).",
                ],
            )
        )
    skipped = [b for b in result.backends if b.skipped]
    if skipped:
        out.append(
            Table("3. Backends not measured", ["backend", "why"], [[b.name, b.skipped] for b in skipped], [])
        )
    return out


def _where(result: Result) -> str:
    skipped = [b for b in result.backends if b.skipped]
    return "".join(f"; {b.name} not measured: {b.skipped}" for b in skipped)


def _ratio_target(result: Result, section: str, title: str) -> Target:
    cases = [(b, c) for b in result.backends if not b.skipped for c in b.cases if c.section == section]
    timed_ = [(b, c) for b, c in cases if c.ratio is not None]
    if not timed_:
        notes = "; ".join(c.note for _, c in cases if c.note) or "nothing measured"
        return Target(title, None, notes + _where(result))
    over = [(b, c) for b, c in timed_ if c.ratio > LIMIT or not c.same]  # type: ignore[operator]
    worst_b, worst = max(timed_, key=lambda bc: bc[1].ratio or 0.0)
    detail = f"worst {worst.ratio:.2f}× ({worst_b.name}, {worst.name} {worst.page})".replace(" )", ")")
    if over:
        detail += "; over the limit: " + ", ".join(
            f"{b.name} {c.name} {c.page} {c.ratio:.2f}×".replace("  ", " ")
            + ("" if c.same else " (answers differ)")
            for b, c in over
        )
    missing = [c.note for _, c in cases if c.ratio is None and c.note and "fewer than" not in c.note]
    if missing:
        detail += "; " + "; ".join(missing)
    return Target(title, not over, detail + f" (limit {LIMIT:g}×, medians)" + _where(result))


def targets(result: Result) -> list[Target]:
    out = [
        _ratio_target(
            result,
            "list",
            "3. `/so list` (filters, first and deep page; no filters) within 2× of the bare SQL",
        ),
        _ratio_target(result, "show", "3. `/so show` within 2× of the bare SQL"),
        _ratio_target(result, "home", "3. Home tab within 2× of the bare SQL"),
    ]
    scans = [
        f"{b.name}: {f'{c.section} {c.name} {c.page}'.strip()}: `{p.statement}` → {p.full_scan}"
        for b in result.backends
        for c in b.cases
        for p in c.full_scans()
    ]
    checked = sum(len([p for p in c.plans if p.by == "code"]) for b in result.backends for c in b.cases)
    smoke = " (smoke: a few hundred rows, where a scan is the right plan; only a full run counts)"
    out.append(
        Target(
            "3. never a full scan (query plans of the statements the code sends)",
            not scans if checked else None,
            ("; ".join(scans) if scans else f"no full scan of {', '.join(BIG_TABLES)} in {checked} plans")
            + _where(result)
            + (smoke if result.smoke else ""),
        )
    )
    flat = []
    for b in result.backends:
        if len(b.exports) == 2:
            small, big = b.exports
            flat.append((b.name, small, big, big.peak_mb / small.peak_mb))
    if flat:
        out.append(
            Target(
                f"3. export memory flat (peak RSS at {result.size.orders:,} orders within {FLAT:g}× of "
                f"{result.size.export_small:,})",
                all(r <= FLAT for *_, r in flat),
                ", ".join(f"{n} {s.peak_mb:.0f} → {g.peak_mb:.0f} MB = {r:.2f}×" for n, s, g, r in flat)
                + _where(result),
            )
        )
    else:
        out.append(Target("3. export memory flat", None, "not measured" + _where(result)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="300 orders, 3 repetitions: to keep it working")
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL (default: $SO_BENCH_POSTGRES_URL, $SO_TEST_POSTGRES_URL)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    started = time.perf_counter()
    wanted = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    result = run(args.smoke, postgres=args.postgres, backends_wanted=wanted)
    for t in tables(result):
        print(t.text())
        print()
    for t in targets(result):
        print(t.line())
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
