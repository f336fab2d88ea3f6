"""A request being answered (storage.db.request_waits: the HTTP process's listeners) gives up on a
locked or unreachable database within seconds, with a SQLAlchemy DBAPIError, instead of outwaiting
Slack's 3 s; everything else (the worker, migrations, the CLI) keeps waiting as long as it must.

Each write runs in a thread joined with a generous timeout: a hang fails the test, no timing is
asserted. The lock is held by another connection (SQLite: BEGIN EXCLUSIVE on the file;
PostgreSQL: LOCK TABLE ... IN ACCESS EXCLUSIVE MODE in another session)."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.db import create_schema, make_engine, request_waits, transaction
from storage.models import RoleGrant

GENEROUS = 25.0  # seconds before a waiting write counts as hung (the bound is a few seconds)


class Attempt:
    """fn() in a thread of its own; what it raised, if anything."""

    def __init__(self, fn: Callable[[], object]) -> None:
        self.error: BaseException | None = None
        self.done = False
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - reported to the test
            self.error = e
        self.done = True

    def wait(self, timeout: float = GENEROUS) -> Attempt:
        self.thread.join(timeout)
        assert self.done, f"still waiting for the database after {timeout} s"
        return self


@contextmanager
def locked(engine: Engine) -> Iterator[None]:
    """The database's role_grants table locked against writers by another connection."""
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(engine.url.database, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
    else:
        other_engine = make_engine(engine.url.render_as_string(hide_password=False))
        with other_engine.connect() as conn:
            conn.execute(text("LOCK TABLE role_grants IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                conn.rollback()
        other_engine.dispose()


def grant(engine: Engine, user: str) -> None:
    with transaction(engine) as s:
        s.add(RoleGrant(user_id=user, role="admin"))


def grant_on_request_path(engine: Engine, user: str) -> None:
    with request_waits():
        grant(engine, user)


def granted(engine: Engine) -> set[str]:
    with engine.connect() as c:
        return set(c.execute(text("select user_id from role_grants")).scalars())


def test_a_request_path_write_gives_up_on_a_lock_and_others_keep_waiting(engine: Engine) -> None:
    """Provoke: another connection holds the write lock; a write of a request being answered and
    a write of the worker start behind it."""
    with locked(engine):
        worker = Attempt(lambda: grant(engine, "U0WORKER"))
        request = Attempt(lambda: grant_on_request_path(engine, "U0REQUEST")).wait()
        assert isinstance(request.error, OperationalError | DBAPIError), repr(request.error)
        assert not worker.done, worker.error  # the worker's write still waits, without an error
    worker.wait()
    assert worker.error is None
    assert granted(engine) == {"U0WORKER"}  # the request's write left nothing behind


def test_a_request_path_write_gives_up_behind_a_writer_of_this_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Provoke (SQLite): a long transaction of this process (the worker thread in `--worker
    thread` mode, an import) holds the process's write lock; a request's write comes after it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'so.db'}")
    create_schema(engine)
    release = threading.Event()
    holding = threading.Event()

    def long_writer() -> None:
        with transaction(engine) as s:
            s.add(RoleGrant(user_id="U0LONG", role="admin"))
            s.flush()
            holding.set()
            release.wait(GENEROUS)

    long = Attempt(long_writer)
    assert holding.wait(GENEROUS)
    request = Attempt(lambda: grant_on_request_path(engine, "U0REQUEST")).wait()
    release.set()
    long.wait()
    assert isinstance(request.error, OperationalError), repr(request.error)
    assert long.error is None and granted(engine) == {"U0LONG"}
    engine.dispose()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung database host)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for s in accepted:
            s.close()
        server.close()


def test_a_request_path_connect_to_a_silent_postgresql_gives_up(silent_server: int) -> None:
    """Provoke: DATABASE_URL points at a host that accepts the connection and never answers."""
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/so")

    def connect() -> None:
        with request_waits(), engine.connect() as c:
            c.execute(text("select 1"))

    attempt = Attempt(connect).wait()
    assert isinstance(attempt.error, OperationalError), repr(attempt.error)
    engine.dispose()
