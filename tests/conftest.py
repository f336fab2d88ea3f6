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


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """Layla coordinator, Ogechi supervisor, Diego field worker, Pedro nobody, Ana admin — the real
    bot over a SQLite file or a wiped PostgreSQL database."""
    if request.param == "sqlite":
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that spawn processes first (they are the longest): the workers start them at once
    and share out the short ones meanwhile, instead of one worker ending the run with a long tail."""
    items.sort(key=lambda item: item.get_closest_marker("processes") is None)
