"""An empty database with the schema, on SQLite (a file) and on PostgreSQL.

The same backend selection as tests/workflow/conftest.py (kept in step by hand): PostgreSQL from
SO_TEST_POSTGRES_URL or a local default; skipped when unreachable, failed when env CI is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from storage.db import create_schema, drop_schema, make_engine

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
