"""Benchmark 5: the catalog picker's typeahead (options load requests) with a large catalog.

    python bench/options_load.py [--smoke] [--postgres URL]     (or as part of python bench/run.py)

Slack sends a signed block_suggestion on every pause in typing and waits 3 seconds; people feel
300 ms. Two apps, served the same way (SlackASGI under uvicorn, each in a process of its own, see
bench.servers), answer the same signed requests from the load generator's process, one at a time:

(bare) a Bolt app whose options listener acks a fixed list of 100 options;
(real) the bot as `service-orders serve` runs it (Runtime.build, worker process), over a SQLite file
    (and a PostgreSQL schema of its own with --postgres), with 10,000 and then 100,000 catalog items.

Typed queries of one to three words: a common prefix (many matches: the first 100 by code), a code,
an accented name typed without accents, three words, and no match (every row looked at). Beside
it, in this process, the query alone: workflow.lookup (Core, the columns an option needs) against
MasterData.search_items (ORM objects), which is why the listener uses the first.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_bolt import App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

import forms  # noqa: E402
from bench import bigdata  # noqa: E402
from bench.common import Table, Target, percentile  # noqa: E402
from bench.listing import postgres_url  # noqa: E402
from bench.loadgen import Generator  # noqa: E402
from bench.servers import AppProcess  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.demo import LAYLA  # noqa: E402
from forms import ids  # noqa: E402
from sandbox import FakeSlack  # noqa: E402
from sandbox.slack import APP_ID, VERIFICATION_TOKEN  # noqa: E402
from storage.models import CatalogItem  # noqa: E402
from workflow import lookup  # noqa: E402
from workflow.service import open_workflow  # noqa: E402
from workflow.text_keys import fold  # noqa: E402

FAMILIES = (
    ("Cable UTP cat6", "material", "m"),
    ("Router 24 puertos", "material", "pcs"),
    ("Switch gestionable", "material", "pcs"),
    ("Diagnóstico de red", "labour", "h"),
    ("Cámara térmica", "material", "pcs"),
    ("Instalación eléctrica", "service", "service"),
    ("Mantenimiento preventivo", "service", "service"),
    ("Técnico de campo", "labour", "h"),
)
# what a person types → what it shows
QUERIES = (
    ("cab", "common prefix, 1 word"),
    ("C004321", "a code"),
    ("diagnostico red", "accented name typed plain, 2 words"),
    ("router 24 puertos", "3 words"),
    ("zzqx", "no match"),
)
APP_BARE, APP_REAL = "bare", "real"
TARGET_MS = 100.0
TARGET_SIZE = 10_000


@dataclass
class Config:
    sizes: tuple[int, ...]
    requests: int  # per query, app and size
    warmup: int

    @classmethod
    def of(cls, smoke: bool) -> Config:
        return cls((1_000, 2_000), 10, 5) if smoke else cls((10_000, 100_000), 200, 30)


@dataclass
class Cell:
    backend: str
    size: int
    query: str
    app: str
    latencies: list[float]
    options: int
    errors: int

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


@dataclass
class Result:
    config: Config
    cells: list[Cell] = field(default_factory=list)
    direct: list[tuple[str, int, str, float, float]] = field(default_factory=list)  # core / orm p50 s
    skipped: list[str] = field(default_factory=list)

    def cell(self, backend: str, size: int, query: str, app: str) -> Cell | None:
        return next(
            (c for c in self.cells if (c.backend, c.size, c.query, c.app) == (backend, size, query, app)),
            None,
        )


def bare_app(secret: str, fake_url: str) -> App:
    """A Bolt app that answers the catalog picker with the same 100 options whatever is typed."""
    app = App(
        signing_secret=secret,
        token_verification_enabled=False,
        process_before_response=True,
        client=WebClient(base_url=fake_url, token="xoxb-sandbox"),
    )
    fixed = [
        {"text": {"type": "plain_text", "text": f"C{i:06d} — Cable UTP cat6 {i} · 10.50/m"}, "value": str(i)}
        for i in range(100)
    ]

    @app.options(ids.CATALOG_ITEM)
    def options(ack):  # type: ignore[no-untyped-def]
        ack(options=fixed)

    return app


def catalog_rows(start: int, stop: int) -> list[dict]:
    now = datetime.now(UTC)
    rows = []
    for i in range(start, stop):
        name, kind, unit = FAMILIES[i % len(FAMILIES)]
        code = f"C{i:06d}"
        rows.append(
            {
                "code": code,
                "name": f"{name} {i}",
                "kind": kind,
                "unit": unit,
                "unit_price": Decimal(10 + i % 500) + Decimal("0.50"),
                "active": i % 40 != 3,
                "search_key": fold(f"{name} {i} {code}"),
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def fill_catalog(engine, start: int, stop: int) -> None:  # type: ignore[no-untyped-def]
    for chunk in range(start, stop, 5_000):
        with engine.begin() as conn:
            conn.execute(insert(CatalogItem), catalog_rows(chunk, min(chunk + 5_000, stop)))


def suggestion_body(view: dict, typed: str) -> bytes:
    """A block_suggestion as Slack sends it from the new-order form's first line (the whole view)."""
    payload = {
        "type": "block_suggestion",
        "user": {"id": LAYLA, "username": "layla", "name": "layla", "team_id": "T0SANDBOX"},
        "container": {"type": "view", "view_id": view["id"]},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "action_id": ids.CATALOG_ITEM,
        "block_id": ids.line_block(0, ids.LINE_ACTIONS),
        "value": typed,
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "view": view,
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def measure_direct(result: Result, backend: str, size: int, wf, n: int) -> None:  # type: ignore[no-untyped-def]
    """The query alone, in this process: Core columns (the listener's) against ORM views."""
    for typed, _ in QUERIES:
        core, orm = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            lookup.item_choices(wf.reader, typed)
            t1 = time.perf_counter()
            wf.master.search_items(typed)
            orm.append(time.perf_counter() - t1)
            core.append(t1 - t0)
        result.direct.append((backend, size, typed, percentile(core, 50), percentile(orm, 50)))


def measure_backend(result: Result, backend: str, url: str, gen: Generator, log) -> None:  # type: ignore[no-untyped-def]
    cfg = result.config
    secret = secrets.token_hex(16)
    fake = FakeSlack(signing_secret=secret)
    fake.start()
    wf = open_workflow(url)
    servers: dict[str, AppProcess] = {}
    try:
        settings = Settings(
            bot_token="xoxb-sandbox", signing_secret=secret, slack_api_url=fake.url, database_url=url
        )
        view = dict(forms.new_order_modal(catalog=True), id="V0BENCH", state={"values": {}})
        filled = 0
        for size in cfg.sizes:
            log(f"  {backend}: {size:,} catalog items...")
            fill_catalog(wf.engine, filled, size)
            filled = size
            if not servers:  # started once there is a catalog, as the form then shows the picker
                servers[APP_BARE] = AppProcess("options", secret, fake.url)
                servers[APP_REAL] = AppProcess("real", secret, fake.url, settings=settings)
            measure_direct(result, backend, size, wf, max(5, cfg.requests // 10))
            for app, srv in servers.items():
                gen.run(
                    srv.host,
                    srv.port,
                    "/slack/events",
                    secret,
                    [suggestion_body(view, "cab")] * cfg.warmup,
                    1,
                )
                for typed, _ in QUERIES:
                    res = gen.run(
                        srv.host,
                        srv.port,
                        "/slack/events",
                        secret,
                        [suggestion_body(view, typed)] * cfg.requests,
                        1,
                    )
                    # an answer is options (the generator keeps its first 2,000 bytes: their count
                    # is the query's, counted in this process)
                    errors = sum(1 for s in res.samples if s.status != 200 or b'"options"' not in s.body[:20])
                    result.cells.append(
                        Cell(
                            backend,
                            size,
                            typed,
                            app,
                            [s.latency for s in res.samples],
                            len(lookup.item_choices(wf.reader, typed)) if app == APP_REAL else 100,
                            errors,
                        )
                    )
    finally:
        for srv in servers.values():
            srv.stop()
        wf.engine.dispose()
        fake.stop()


def run(smoke: bool, log=print, postgres: str | None = None) -> Result:  # type: ignore[no-untyped-def]
    result = Result(Config.of(smoke))
    with tempfile.TemporaryDirectory(prefix="so-bench-options-") as folder, Generator() as gen:
        gen.start()
        measure_backend(result, "SQLite", f"sqlite:///{folder}/catalog.db", gen, log)
        url, why = postgres_url(postgres) if postgres else (None, "no --postgres URL")
        if url is None:
            result.skipped.append(f"PostgreSQL skipped: {why}")
        else:
            schema = f"so_bench_options_{os.getpid()}"
            try:
                measure_backend(result, "PostgreSQL", bigdata.create_postgres_schema(url, schema), gen, log)
            finally:
                bigdata.drop_postgres_schema(url, schema)
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def tables(result: Result) -> list[Table]:
    rows = []
    for backend in dict.fromkeys(c.backend for c in result.cells):
        for size in result.config.sizes:
            for typed, what in QUERIES:
                real = result.cell(backend, size, typed, APP_REAL)
                bare = result.cell(backend, size, typed, APP_BARE)
                if real is None or bare is None:
                    continue
                rows.append(
                    [
                        backend,
                        f"{size:,}",
                        f"`{typed}` ({what})",
                        str(real.options),
                        _ms(real.p(50)),
                        _ms(real.p(99)),
                        _ms(bare.p(50)),
                        _ms(bare.p(99)),
                        str(real.errors + bare.errors),
                    ]
                )
    notes = [
        f"{result.config.requests} signed block_suggestion requests per row and app, one at a time, from "
        "the load generator's process; the payload carries the whole new-order view, as Slack's does",
        "bare: a Bolt app acking a fixed list of 100 options (the floor: HTTP, signature, JSON, Bolt)",
        "every 40th item inactive (never offered); answers hold at most 100 options (Slack's limit)",
        *result.skipped,
    ]
    latency = Table(
        "Options load answer (ms)",
        ["backend", "items", "typed", "options", "real p50", "real p99", "bare p50", "bare p99", "errors"],
        rows,
        notes,
        text_columns=3,
    )
    direct = Table(
        "The query alone, in process (ms, p50)",
        ["backend", "items", "typed", "Core columns", "ORM views"],
        [[b, f"{s:,}", f"`{t}`", _ms(core), _ms(orm)] for b, s, t, core, orm in result.direct],
        ["Core: workflow.lookup.item_choices (what the listener runs); ORM: MasterData.search_items"],
        text_columns=3,
    )
    return [latency, direct]


def targets(result: Result) -> list[Target]:
    size = TARGET_SIZE if TARGET_SIZE in result.config.sizes else result.config.sizes[0]
    cells = [c for c in result.cells if c.app == APP_REAL and c.size == size and c.backend == "SQLite"]
    if not cells:
        return [Target("5. typeahead at 10,000 items", None, "not measured")]
    worst = max(cells, key=lambda c: c.p(99))
    met = worst.p(99) * 1000 < TARGET_MS and not any(c.errors for c in cells)
    return [
        Target(
            "5. typeahead at 10,000 items",
            met,
            f"slowest query `{worst.query}` p99 {_ms(worst.p(99))} ms at {size:,} items on SQLite "
            f"(target < {TARGET_MS:.0f} ms)",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny counts, to keep the benchmark working")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own, dropped at the end)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="    %(levelname)s %(name)s: %(message)s")
    result = run(args.smoke, postgres=args.postgres)
    for t in tables(result):
        print(t.text(), end="\n\n")
    for t in targets(result):
        print(t.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
