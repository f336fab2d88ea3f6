"""Fixtures for the workflow tests: one Workflow per test, on SQLite and on PostgreSQL.

PostgreSQL comes from SO_TEST_POSTGRES_URL (default: a local server with trust auth). When it is
not reachable the PostgreSQL tests are skipped locally, and fail in CI (env CI set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from wf_helpers import (
    ADMIN,
    OTHER_WORKER,
    REQUESTER,
    SUPERVISOR,
    SUPERVISOR_2,
    WORKER,
    Clock,
)

from storage.db import create_schema, drop_schema, make_engine
from workflow.service import Policy, Workflow

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


def _postgres_url() -> str:
    url = os.environ.get("SO_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    problem = _postgres_problem(url)
    if problem:
        reason = f"PostgreSQL at {url} is not reachable ({problem}); set SO_TEST_POSTGRES_URL"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return url


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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def wf(engine: Engine, clock: Clock, policy: Policy) -> Workflow:
    """A Workflow with the cast's roles granted: coordinator, two supervisors, an admin, workers."""
    w = Workflow(engine, policy, clock=clock)
    for user, role in [
        (REQUESTER, "coordinator"),
        (SUPERVISOR, "supervisor"),
        (SUPERVISOR_2, "supervisor"),
        (ADMIN, "admin"),
        (WORKER, "field_worker"),
        (OTHER_WORKER, "field_worker"),
    ]:
        w.grant("test", user, role, check=False)
    return w
