"""Benchmark 7: ERP webhook throughput: N closed orders marked ready for invoicing at once, their
invoice data delivered by the bot's effects runner, against the receiver's own limit.

    python bench/webhook_throughput.py [--smoke] [--n N] [--postgres URL] [--profile]
    (or as part of python bench/run.py)

N closed orders go into a fresh database (SQLite file, and a PostgreSQL schema of its own with
--postgres) through the raw DBAPI connection, as bench.bigdata seeds its data. Each is marked ready
for invoicing through the workflow (Workflow.execute(ReadyForInvoicing), what the inbox carries
out for the button), which makes the invoice revision and queues its SEND_INVOICE effect. Then the
dispatcher's "effects" lane (the thread that performs SEND_INVOICE in the bot: claim, attempt,
bot.erp.send_invoice, done) runs alone until every delivery is done; the clock runs from its start.

The receiver is sandbox.erp's (a ThreadingHTTPServer on 127.0.0.1); each delivery's signature is
verified and its Idempotency-Key counted as it arrives. Baseline, in the same run: the same bodies,
signed the same way, POSTed straight to the same receiver by one thread with urllib (the bot's lane
is one thread, and urllib opens a connection per request, as bot.erp does), no database.

The order's other effects (its announcement, card update, topic, PDF, Home refreshes) are Slack's,
measured in benchmarks 1, 2 and 4: they are marked done before the clock starts. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import re
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench import bigdata  # noqa: E402
from bench.common import Table, Target, percentile  # noqa: E402
from bench.listing import postgres_url  # noqa: E402
from bot import erp  # noqa: E402
from bot.company import CompanyConfig  # noqa: E402
from bot.company_invoicing import InvoicingSettings  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.effects import Dispatcher  # noqa: E402
from bot.worker import open_settings_workflow  # noqa: E402
from invoicing.signing import headers, verify  # noqa: E402
from sandbox.erp import Delivery, erp_receiver  # noqa: E402
from workflow import commands as c  # noqa: E402
from workflow import effects as fx  # noqa: E402
from workflow.service import Workflow, channel_name  # noqa: E402

SECRET = "bench-erp-secret-0123456789abcdef"
ADMIN = bigdata.ADMINS[0]  # marks them ready (admins and coordinators may)
LINES = 10  # a line per order: bench.bigdata's average
TIMEOUT = 600.0  # seconds the runner may take before the run is called failed
SELLER = InvoicingSettings(
    legal_name="Andes IT & Consulting S.L.",
    vat_number="ESB12345678",
    street="Calle Mayor 1",
    city="Madrid",
    postal_code="28013",
    country="ES",
)


@dataclass
class Config:
    orders: int
    baseline_runs: int

    @classmethod
    def of(cls, smoke: bool, n: int | None = None) -> Config:
        return cls(n or (20 if smoke else 1000), 1 if smoke else 3)


# --- the receiver's side: signatures checked, deliveries counted by Idempotency-Key ----------------


class Tally:
    """What the receiver got: deliveries per Idempotency-Key, bad signatures; done once `expected`
    distinct keys have arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset(0)

    def reset(self, expected: int) -> None:
        with self.lock:
            self.keys: Counter[str] = Counter()
            self.bad_signatures = 0
            self.expected = expected
            self.last_at = 0.0
            self.done = threading.Event()

    def __call__(self, delivery: Delivery) -> None:  # sandbox.erp's on_delivery, in its thread
        h = delivery.headers
        good = verify(SECRET, h.get("x-so-timestamp"), h.get("x-so-signature"), delivery.body, time.time())
        with self.lock:
            self.keys[h.get("idempotency-key", "")] += 1
            self.bad_signatures += not good
            self.last_at = time.perf_counter()
            if self.expected and len(self.keys) >= self.expected:
                self.done.set()

    def twice(self) -> int:
        return sum(1 for n in self.keys.values() if n > 1)


# --- SQL statements the runner sends ----------------------------------------------------------------

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def statement_kind(statement: str) -> str:
    """'SELECT orders', 'UPDATE effects', 'BEGIN'...: the verb and the first table named."""
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
    table = _TABLE.search(statement)
    return f"{verb} {table.group(1)}" if table else verb


class SqlCount:
    """Statements sent through engine while on (a cursor event each), their kinds and time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.kinds: Counter[str] = Counter()
        self.seconds = 0.0
        self.on = False
        self._started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, many) -> None:  # type: ignore[no-untyped-def]
        if self.on:
            self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, many) -> None:  # type: ignore[no-untyped-def]
        started = self._started.pop(id(cursor), None)
        if started is not None:
            self.seconds += time.perf_counter() - started
            self.kinds[statement_kind(statement)] += 1

    @property
    def statements(self) -> int:
        return sum(self.kinds.values())

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


class Timings:
    """Seconds spent in each step of a delivery, while on: the runner's calls wrapped in a timer
    each (on the Workflow the runner holds and in bot.erp's namespace), put back by close()."""

    def __init__(self, wf: Workflow) -> None:
        self.seconds: Counter[str] = Counter()
        self._undo: list[tuple[object, str, object]] = []
        for label, owner, name in (
            ("claim (a pass of 50)", wf.outbox, "claim_effects"),
            ("effect_started (attempt counted)", wf.outbox, "effect_started"),
            ("wf.order (order view)", wf, "order"),
            ("wf.revision (revision view)", wf, "revision"),
            ("invoice_of + JSON", erp, "invoice_of"),
            ("invoice_of + JSON", erp, "to_json_bytes"),
            ("signature headers", erp, "headers"),
            ("HTTP POST (urlopen)", urllib.request, "urlopen"),
            ("effect_done", wf.outbox, "effect_done"),
        ):
            self._wrap(label, owner, name)

    def _wrap(self, label: str, owner: object, name: str) -> None:
        inner = getattr(owner, name)
        seconds = self.seconds

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started

        in_dict = name in vars(owner)
        self._undo.append((owner, name, inner if in_dict else None))
        setattr(owner, name, timed)

    def close(self) -> None:
        for owner, name, inner in reversed(self._undo):
            if inner is None:
                delattr(owner, name)  # an instance's bound method: the class's shows again
            else:
                setattr(owner, name, inner)
        self._undo = []


# --- the data -----------------------------------------------------------------------------------------


def seed(engine: Engine, n: int) -> float:
    """n closed orders (completed, ten priced lines each, as a real close leaves them), inserted
    through the raw DBAPI connection in one transaction; the seconds it took."""
    started = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    rows = bigdata._Rows(sqlite)
    now = datetime.now(UTC)
    for seq in range(1, n + 1):
        number = f"SO-{seq:04d}"
        created = now - timedelta(days=5, minutes=n - seq)
        decided, closed = created + timedelta(hours=2), created + timedelta(days=3)
        requester = bigdata.COORDINATORS[seq % len(bigdata.COORDINATORS)]
        decider = bigdata.SUPERVISORS[seq % len(bigdata.SUPERVISORS)]
        worker = bigdata.FIELD_WORKERS[seq % len(bigdata.FIELD_WORKERS)]
        client = f"{bigdata.FIRST[seq % len(bigdata.FIRST)]} {bigdata.SECOND[seq % len(bigdata.SECOND)]}"
        title = bigdata.TITLES[seq % len(bigdata.TITLES)]
        rows.orders.append(
            (
                seq,
                seq,
                number,
                "closed",
                5,
                client,
                f"{seq % 300 + 1} Calle Mayor, Madrid",
                "",
                title,
                bigdata.DESCRIPTIONS[seq % len(bigdata.DESCRIPTIONS)],
                rows.day(created.date()),
                "normal",
                requester,
                f"C{0x10000000 + seq:X}",
                channel_name(number, client, title),
                f"{created.timestamp():.6f}",
                2,
                decider,
                rows.ts(decided),
                "",
                "completed",
                "",
                requester,
                rows.ts(closed),
                rows.ts(created),
                rows.ts(closed),
            )
        )
        total = Decimal(0)
        for number_, kind in enumerate(("submitted", "approved", "confirmation")):
            revision_id = (seq - 1) * 3 + number_ + 1
            if number_ == 2:
                for position in range(1, LINES + 1):
                    labour = position % 2 == 1
                    quantity, price = (
                        (Decimal("1.5"), Decimal("85.00")) if labour else (Decimal(4), Decimal("12.35"))
                    )
                    total += quantity * price
                    rows.lines.append(
                        (
                            (seq - 1) * LINES + position,
                            revision_id,
                            position,
                            "labour" if labour else "material",
                            "Technician hours" if labour else "RJ45 connectors",
                            rows.dec(quantity),
                            "h" if labour else "pcs",
                            rows.dec(price),
                        )
                    )
            final = number_ == 2
            rows.revisions.append(
                (
                    revision_id,
                    seq,
                    number_,
                    kind,
                    requester if number_ == 0 else decider,
                    "",
                    int(final) if sqlite else final,
                    "closed" if final else ("pending_approval" if number_ == 0 else "in_progress"),
                    "completed" if final else "",
                    '["' + worker + '"]' if final else "[]",
                    0,
                    rows.dec(total if final else Decimal(0)),
                    f"F{revision_id:09d}" if number_ >= 1 else None,
                    None,
                    rows.ts(closed if final else decided if number_ else created),
                )
            )
        at = rows.ts(created)
        people = [
            (requester, "requester", requester, at),
            (worker, "field_worker", decider, rows.ts(decided)),
        ]
        people += [(u, "supervisor", requester, at) for u in bigdata.SUPERVISORS]
        for i, (user, role, by, when) in enumerate(people):
            rows.members.append(((seq - 1) * len(people) + i + 1, seq, user, role, by, when))
        for i, (when, actor, kind) in enumerate(
            ((created, requester, "submitted"), (decided, decider, "approved"), (closed, requester, "closed"))
        ):
            rows.activities.append(((seq - 1) * 3 + i + 1, seq, rows.ts(when), actor, kind, "", "{}"))
    insert = bigdata._insert_sqlite if sqlite else bigdata._insert_postgres
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        if sqlite:
            dbapi.execute("BEGIN")
        insert(
            dbapi,
            "role_grants",
            ["id", "user_id", "role", "granted_by", "granted_at"],
            bigdata._people_rows(sqlite),
        )
        insert(dbapi, "orders", bigdata.ORDER_COLUMNS, rows.orders)
        insert(dbapi, "revisions", bigdata.REVISION_COLUMNS, rows.revisions)
        insert(dbapi, "lines", bigdata.LINE_COLUMNS, rows.lines)
        insert(dbapi, "members", bigdata.MEMBER_COLUMNS, rows.members)
        insert(dbapi, "activities", bigdata.ACTIVITY_COLUMNS, rows.activities)
        if sqlite:
            dbapi.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('order', ?)", (n,))
            dbapi.execute("COMMIT")
        else:
            bigdata.set_counters(dbapi, n, bigdata.TABLES)
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    if not sqlite:
        bigdata.analyze(engine)
    return time.perf_counter() - started


def set_aside(wf: Workflow) -> int:
    """Mark done the pending effects that are not invoice deliveries (Slack's); how many."""
    with wf.engine.begin() as conn:
        res = conn.execute(
            text(
                "UPDATE effects SET status = 'done', done_at = :now, "
                "last_error = 'set aside by the benchmark' WHERE status = 'pending' AND kind != :kind"
            ),
            {
                "now": bigdata.stored_time(wf.clock(), wf.engine.dialect.name == "sqlite"),
                "kind": fx.SEND_INVOICE,
            },
        )
        return res.rowcount or 0


def invoice_effects(wf: Workflow) -> Counter[str]:
    with wf.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, count(*) FROM effects WHERE kind = :kind GROUP BY status"),
            {"kind": fx.SEND_INVOICE},
        ).all()
    return Counter({status: n for status, n in rows})


# --- the two measurements -------------------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    orders: int
    seed_seconds: float
    mark_seconds: float
    set_aside: int
    seconds: float  # the runner: from its start until every SEND_INVOICE is done
    received: int  # deliveries the receiver got
    keys: int  # distinct Idempotency-Keys among them
    twice: int  # keys received more than once
    missing: int  # orders whose key never came
    bad_signatures: int
    effects: dict[str, int]  # SEND_INVOICE effects by status at the end
    sql_kinds: Counter[str]
    sql_seconds: float
    steps: Counter[str]
    baseline: list[float] = field(default_factory=list)  # seconds of each baseline run
    baseline_bad: int = 0
    baseline_missing: int = 0
    bodies: int = 0
    body_bytes: float = 0.0
    profile: str = ""

    @property
    def rate(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    @property
    def baseline_seconds(self) -> float:
        return percentile(self.baseline, 50)

    @property
    def baseline_rate(self) -> float:
        return self.orders / self.baseline_seconds if self.baseline else 0.0

    @property
    def ratio(self) -> float:
        return self.baseline_rate / self.rate if self.rate else float("inf")

    @property
    def statements_per_delivery(self) -> float:
        return sum(self.sql_kinds.values()) / self.orders

    @property
    def ok(self) -> bool:
        return (
            self.keys == self.orders
            and self.twice == 0
            and self.missing == 0
            and self.bad_signatures == 0
            and self.effects == {"done": self.orders}
            and self.baseline_bad == 0
            and self.baseline_missing == 0
        )


def run_effects_lane(
    dispatcher: Dispatcher, tally: Tally, wf: Workflow, n: int, profile: bool
) -> tuple[float, str]:
    """Start the dispatcher's effects lane alone; the seconds until all n deliveries are done."""
    lane = next(lane for lane in dispatcher.lanes if lane.name == "effects")
    profiler = cProfile.Profile() if profile else None

    def work() -> None:
        if profiler is not None:
            profiler.runcall(dispatcher._run_lane, lane)
        else:
            dispatcher._run_lane(lane)

    started = time.perf_counter()
    dispatcher._spawn("effects-effects", work)
    deadline = started + TIMEOUT
    tally.done.wait(TIMEOUT)
    while time.perf_counter() < deadline:  # the last delivery's effect_done follows its answer
        if invoice_effects(wf).get("pending", 0) == 0:
            break
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    dispatcher.stop()
    report = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        report = out.getvalue()
    return seconds, report


def post_straight(url: str, sent: list[tuple[str, bytes]]) -> float:
    """The baseline: each body signed and POSTed with urllib from one thread; the seconds it took."""
    started = time.perf_counter()
    for key, body in sent:
        request = urllib.request.Request(
            url, data=body, method="POST", headers=headers(SECRET, body, key, time.time())
        )
        with urllib.request.urlopen(request, timeout=10.0) as answer:  # noqa: S310 - 127.0.0.1
            answer.read(64 * 1024)
    return time.perf_counter() - started


def measure_backend(backend: str, url: str, config: Config, log, profile: bool) -> Run:  # type: ignore[no-untyped-def]
    n = config.orders
    tally = Tally()
    with erp_receiver() as receiver:
        receiver.on_delivery = tally
        settings = Settings(
            bot_token="xoxb-bench",
            signing_secret="bench",
            slack_api_url="http://127.0.0.1:9/api/",  # never called: only invoice deliveries run
            database_url=url,
            company_name="Andes IT & Consulting",
            currency="EUR",
            timezone="Europe/Madrid",
            vat_rate=Decimal(21),
            company=CompanyConfig(invoicing=SELLER),
            erp_webhook_url=receiver.url,
            erp_webhook_secret=SECRET,
        )
        wf = open_settings_workflow(settings)
        try:
            seed_seconds = seed(wf.engine, n)
            log(
                f"  {backend}: {n:,} closed orders in {seed_seconds:.1f} s; marking them ready for "
                "invoicing..."
            )
            started = time.perf_counter()
            for order_id in range(1, n + 1):
                wf.execute(ADMIN, c.ReadyForInvoicing(order_id=order_id))
            mark_seconds = time.perf_counter() - started
            aside = set_aside(wf)
            queued = invoice_effects(wf)
            if queued != {"pending": n}:
                raise RuntimeError(f"expected {n} pending invoice deliveries, found {dict(queued)}")
            log(f"  {backend}: marked in {mark_seconds:.1f} s; the effects lane delivers...")
            dispatcher = Dispatcher(
                wf, WebClient(base_url=settings.slack_api_url, retry_handlers=[]), settings
            )
            sql = SqlCount(wf.engine)
            steps = Timings(wf)
            tally.reset(n)
            sql.on = True
            seconds, report = run_effects_lane(dispatcher, tally, wf, n, profile)
            sql.on = False
            sql.close()
            steps.close()
            with wf.engine.connect() as conn:
                want = {f"{number}:r3" for (number,) in conn.execute(text("SELECT number FROM orders"))}
            with tally.lock:
                keys = Counter(tally.keys)
            result = Run(
                backend,
                n,
                seed_seconds,
                mark_seconds,
                aside,
                seconds,
                sum(keys.values()),
                len(keys),
                tally.twice(),
                len(want - set(keys)),
                tally.bad_signatures,
                dict(invoice_effects(wf)),
                sql.kinds,
                sql.seconds,
                steps.seconds,
                profile=report,
            )
        finally:
            wf.engine.dispose()
            if wf.inbox is not wf.engine:
                wf.inbox.dispose()
        log(
            f"  {backend}: runner {result.seconds:.2f} s ({result.rate:.0f}/s), "
            f"{result.statements_per_delivery:.1f} SQL statements per delivery"
        )
        # the baseline: the same bodies, to the same receiver, no database
        sent = [(d.headers["idempotency-key"], d.body) for d in receiver.deliveries]
        result.bodies = len(sent)
        result.body_bytes = sum(len(b) for _, b in sent) / max(1, len(sent))
        tally.reset(0)
        post_straight(receiver.url, sent[: min(50, len(sent))])  # warm-up
        for _ in range(config.baseline_runs):
            tally.reset(n)
            result.baseline.append(post_straight(receiver.url, sent))
            result.baseline_bad += tally.bad_signatures
            result.baseline_missing += n - len(tally.keys)
        log(f"  {backend}: straight POSTs {result.baseline_seconds:.2f} s ({result.baseline_rate:.0f}/s)")
    return result


@dataclass
class Result:
    config: Config
    runs: list[Run] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def run(  # type: ignore[no-untyped-def]
    smoke: bool, log=print, postgres: str | None = None, n: int | None = None, profile: bool = False
) -> Result:
    result = Result(Config.of(smoke, n))
    with tempfile.TemporaryDirectory(prefix="so-bench-webhook-") as folder:
        result.runs.append(
            measure_backend("SQLite", f"sqlite:///{folder}/wh.db", result.config, log, profile)
        )
        url, why = postgres_url(postgres) if postgres else (None, "no --postgres URL")
        if url is None:
            result.skipped.append(f"PostgreSQL skipped: {why}")
        else:
            schema = f"so_bench_webhook_{os.getpid()}"
            try:
                result.runs.append(
                    measure_backend(
                        "PostgreSQL", bigdata.create_postgres_schema(url, schema), result.config, log, profile
                    )
                )
            finally:
                bigdata.drop_postgres_schema(url, schema)
    return result


def tables(result: Result) -> list[Table]:
    rows = [
        [
            r.backend,
            f"{r.orders:,}",
            f"{r.seconds:.2f}",
            f"{r.rate:.0f}",
            f"{r.baseline_seconds:.2f}",
            f"{r.baseline_rate:.0f}",
            f"{r.ratio:.2f}",
            f"{r.statements_per_delivery:.1f}",
            f"{r.sql_seconds / r.orders * 1000:.2f}",
            f"{(r.seconds - r.baseline_seconds) / r.orders * 1000:.2f}",
            f"{r.keys:,}",
            str(r.twice + r.missing),
            str(r.bad_signatures + r.baseline_bad),
            ", ".join(f"{k} {v:,}" for k, v in sorted(r.effects.items())),
        ]
        for r in result.runs
    ]
    first = result.runs[0] if result.runs else None
    notes = [
        "runner: the dispatcher's effects lane (the bot's one thread for SEND_INVOICE), from its start "
        "until every invoice delivery is done; straight: the same bodies, signed, POSTed by one thread "
        "with urllib (a connection each, as bot.erp) to the same receiver, no database, median of "
        f"{result.config.baseline_runs} run(s) after a warm-up",
        "ratio = straight deliveries/s ÷ runner deliveries/s; extra ms = (runner − straight) ÷ orders: "
        "what the bot adds to each delivery",
        "receiver: sandbox.erp (ThreadingHTTPServer, 127.0.0.1) answering 200 with no body; every "
        "delivery's signature verified and its Idempotency-Key counted as it arrives; wrong = keys "
        "received twice or never",
        "SQL: statements the runner sent while it ran (SQLAlchemy cursor events, in this process; their "
        "time is the driver's execute, fetches not included)",
    ]
    if first is not None:
        notes += [
            f"{first.orders:,} closed orders of {LINES} lines seeded through the raw DBAPI connection "
            f"({', '.join(f'{r.backend} {r.seed_seconds:.1f} s' for r in result.runs)}), then marked "
            "ready for invoicing one by one through Workflow.execute(ReadyForInvoicing) "
            f"({', '.join(f'{r.backend} {r.mark_seconds:.1f} s' for r in result.runs)}, not in the figures); "
            f"their {first.set_aside:,} other effects (Slack's) marked done before the clock starts",
            f"invoice bodies: {first.body_bytes:,.0f} bytes on average (JSON)",
        ]
    notes += result.skipped
    main = Table(
        "7. ERP webhook throughput (the effects runner vs straight POSTs to the same receiver)",
        [
            "backend",
            "orders",
            "runner s",
            "runner /s",
            "straight s",
            "straight /s",
            "ratio",
            "SQL statements per delivery",
            "SQL ms per delivery",
            "extra ms per delivery",
            "keys received",
            "wrong",
            "bad signatures",
            "SEND_INVOICE effects",
        ],
        rows,
        notes,
    )
    kinds = sorted(
        {k for r in result.runs for k in r.sql_kinds}, key=lambda k: -sum(r.sql_kinds[k] for r in result.runs)
    )
    per = Table(
        "7. SQL statements per delivery, by kind",
        ["statement", *(r.backend for r in result.runs)],
        [[f"`{k}`", *(f"{r.sql_kinds[k] / r.orders:.2f}" for r in result.runs)] for k in kinds],
        ["the verb and the first table the statement names"],
    )
    labels = list(dict.fromkeys(k for r in result.runs for k in r.steps))
    steps_rows = [
        [label, *(f"{r.steps[label] / r.orders * 1000:.2f}" for r in result.runs)] for label in labels
    ]
    steps_rows.append(
        [
            "the rest (the lane's loop, Dispatcher.perform, the receiver's thread under the GIL)",
            *(f"{(r.seconds - sum(r.steps.values())) / r.orders * 1000:.2f}" for r in result.runs),
        ]
    )
    steps_rows.append(
        ["**a delivery, in all**", *(f"{r.seconds / r.orders * 1000:.2f}" for r in result.runs)]
    )
    steps_rows.append(
        [
            "a straight POST (the baseline)",
            *(f"{r.baseline_seconds / r.orders * 1000:.2f}" for r in result.runs),
        ]
    )
    steps = Table(
        "7. Where a delivery's time goes (ms per delivery)",
        ["step", *(r.backend for r in result.runs)],
        steps_rows,
        [
            "each step's calls wrapped in a timer during the run (the Workflow's methods the runner calls, "
            "and bot.erp's invoice_of, to_json_bytes, headers, urllib.request.urlopen); a claim serves 50 "
            "deliveries, so its row is a fiftieth of a pass",
        ],
    )
    return [main, steps, per]


def targets(result: Result) -> list[Target]:
    name = "7. ERP webhooks: every order delivered once, every effect done"
    if not result.runs:
        return [Target(name, None, "not measured")]
    return [
        Target(
            name,
            all(r.ok for r in result.runs),
            "; ".join(
                f"{r.backend}: {r.keys:,} of {r.orders:,} keys, {r.twice} twice, {r.missing} never, "
                f"{r.bad_signatures + r.baseline_bad} bad signatures, {r.rate:.0f} deliveries/s against the "
                f"receiver's {r.baseline_rate:.0f}/s straight ({r.ratio:.2f}×)"
                for r in result.runs
            ),
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny counts, to keep the benchmark working")
    parser.add_argument("--n", type=int, help="orders (default 1,000; 20 with --smoke)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own, dropped at the end)")
    parser.add_argument("--profile", action="store_true", help="cProfile the runner's lane and print it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="    %(levelname)s %(name)s: %(message)s")
    result = run(args.smoke, postgres=args.postgres, n=args.n, profile=args.profile)
    for t in tables(result):
        print(t.text(), end="\n\n")
    for t in targets(result):
        print(t.line())
    for r in result.runs:
        if r.profile:
            print(f"\n== cProfile of the runner's lane on {r.backend}\n{r.profile}")
    return 0 if all(r.ok for r in result.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
