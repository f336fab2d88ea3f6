"""Shared fixtures: a local Slack with the real bot serving HTTP against it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot.demo import DIEGO, LAYLA, OGECHI, PEOPLE, World, local_world
from storage.db import create_schema, drop_schema, make_engine

PEDRO = "U0PEDRO01"  # in the workspace, with no role
ADMIN = "U0ADMIN01"
EVERYONE = {**PEOPLE, PEDRO: "Pedro Sánchez", ADMIN: "Ana Admin"}


# The bot's own tests run on SQLite: the bot layer is the same over either database, and everything
# it calls below (tests/workflow, tests/storage) runs on both. The modules whose outcome depends on
# the database — concurrent clicks and row locks, replays, database errors, the cascade of a delete,
# the whole story end to end — run on PostgreSQL too (pytestmark = pytest.mark.both_databases).
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    defs = metafunc._arg2fixturedefs.get("world") if "world" in metafunc.fixturenames else None
    chosen = any(m.args and m.args[0] == "world" for m in metafunc.definition.iter_markers("parametrize"))
    if defs and defs[-1].func.__module__ == __name__ and not chosen:  # this file's world, not chosen
        both = metafunc.definition.get_closest_marker("both_databases") is not None
        metafunc.parametrize("world", ["sqlite", "postgres"] if both else ["sqlite"], indirect=True)


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """Layla coordinator, Ogechi supervisor, Diego field worker, Pedro nobody, Ana admin — the real
    bot over a SQLite file or (modules marked both_databases) a wiped PostgreSQL database too."""
    if getattr(request, "param", "sqlite") == "sqlite":
        url = f"sqlite:///{tmp_path / 'so.db'}"
    else:
        url = _postgres_url()
        engine = make_engine(url)
        drop_schema(engine)
        engine.dispose()
    # The Home tab refreshes at most once per person per bucket (5 s in production); settle() waits
    # for the bucket's end, so the tests use short ones (tests/bot/test_home.py sets its own).
    with local_world(url, people=EVERYONE, admins=(ADMIN,), home_refresh_seconds=0.2) as w:
        wf = w.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        yield w


def count_notes(world: World, order_id: int | None = None) -> int:
    """How many notes the bot recorded (on one order, or on all)."""
    query = "select count(*) from activities where kind = 'note'"
    params: dict = {}
    if order_id is not None:
        query += " and order_id = :order_id"
        params["order_id"] = order_id
    with world.runtime.workflow.engine.connect() as conn:
        return int(conn.execute(text(query), params).scalar_one())


# A fresh database per test, on SQLite (a file) and on PostgreSQL. PostgreSQL comes from
# SO_TEST_POSTGRES_URL (default: a local server with trust auth); unreachable → skipped locally,
# failed in CI (env CI set).
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@cache
def _postgres_problem(url: str) -> str:
    """'' when url answers, else why not."""
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with probe.connect() as conn:
                conn.execute(text("select 1"))
        finally:
            probe.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return ""


@cache
def _worker_database(url: str, worker: str) -> str:
    """url's database for one xdist worker (`test` → `test_gw1`), created the first time: the
    workers wipe their databases test by test, so two of them must never share one."""
    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("select 1 from pg_database where datname = :name"), {"name": mine.database}
            ).first()
            if not exists:
                conn.execute(text(f'create database "{mine.database}"'))
    finally:
        admin.dispose()
    return mine.render_as_string(hide_password=False)


def _postgres_url() -> str:
    url = os.environ.get("SO_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    problem = _postgres_problem(url)
    if problem:
        reason = f"PostgreSQL at {url} is not reachable ({problem}); set SO_TEST_POSTGRES_URL"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A fresh, empty database with the schema: a SQLite file, or a wiped PostgreSQL database."""
    if request.param == "sqlite":
        eng = make_engine("sqlite:///" + str(tmp_path / "orders.db"))
    else:
        eng = make_engine(_postgres_url())
        drop_schema(eng)
    create_schema(eng)
    try:
        yield eng
    finally:
        eng.dispose()


# The longest tests, longest first (seconds on the 2-core CI machine, in a full run): each worker
# starts with its share of them, so none ends the run with a long tail of its own.
LONGEST = (
    "tests/test_bench_smoke.py",  # ~80 s alone: every benchmark with tiny counts
    "tests/bot/test_replicas.py::test_three_replicas_fifty_orders_nothing_twice",
    "tests/workflow/test_export.py::test_ten_thousand_orders",
    "tests/bot/test_crash.py",
    "tests/hostile/test_pdf_properties.py::test_any_document",
    "tests/bot/test_replicas.py",
    "tests/bot/test_faults.py::test_a_burst_of_orders",
    "tests/pdf/test_print_render.py::test_long_and_hostile",
    "tests/bot/test_effects_crash.py",
    "tests/hostile/test_http_properties.py",
    "tests/hostile/test_workflow_properties.py",
    "tests/hostile/test_pdf_properties.py",
)


def _rank(item: pytest.Item) -> int:
    for rank, prefix in enumerate(LONGEST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(LONGEST) if item.get_closest_marker("processes") else len(LONGEST) + 1


def _workers(config: pytest.Config) -> int:
    """How many xdist workers share the run (each worker is told; the controller reads -n)."""
    told = os.environ.get("PYTEST_XDIST_WORKER_COUNT") or str(
        getattr(config.option, "numprocesses", "") or ""
    )
    return int(told) if told.isdigit() and int(told) > 0 else 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long tests first, shared out among the workers. pytest-xdist's worksteal gives each of
    its n workers a contiguous part of this list (as below) and lets idle ones steal from the end of
    another's: each part starts with its share of the long tests, longest first, and the short ones
    fill in around them, instead of one worker running every long test in turn."""
    ranked = sorted(items, key=_rank)  # stable: the rest keep their order
    long = [i for i in ranked if _rank(i) <= len(LONGEST)]
    short = [i for i in ranked if _rank(i) > len(LONGEST)]
    workers = _workers(config)
    sizes, remaining = [], len(items)
    for k in range(workers):  # xdist's split: each idle worker gets len(pending) // workers left
        sizes.append(remaining // (workers - k))
        remaining -= sizes[-1]
    out: list[pytest.Item] = []
    for k, size in enumerate(sizes):
        mine = long[k::workers][:size]
        take = size - len(mine)
        out += mine + short[:take]
        del short[:take]
    out += [i for i in long if i not in out] + short  # more long tests than room: at the end
    items[:] = out
