"""Engine and transactions: SQLite by default (one process), PostgreSQL for more."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

import storage
from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///service-orders.db"
READ_ONLY = "service_orders_read_only"  # execution option marking a read-only connection
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


# How long the database may keep a request waiting. Slack gives the whole answer 3 s: a listener
# that waits longer for a lock or a connection answers nobody and holds a request thread. Inside
# request_waits() (the HTTP process's listeners) each wait gives up after these, with a
# SQLAlchemy OperationalError (DBAPIError) the listener turns into an answer; elsewhere (the
# worker, migrations, the CLI) the long waits stay: SQLite's busy wait, PostgreSQL's none.
REQUEST_LOCK_SECONDS = 2.0  # a write lock: SQLite's busy wait and this process's writers; PG's lock_timeout
REQUEST_STATEMENT_SECONDS = 2.5  # PostgreSQL's statement_timeout (a lock wait is a part of it)
REQUEST_CONNECT_SECONDS = 2  # PostgreSQL's connect_timeout (whole seconds; libpq's least is 2)
LONG_BUSY_MS = 30_000  # SQLite's busy wait elsewhere
_request = threading.local()


@contextmanager
def request_waits() -> Iterator[None]:
    """What this thread does inside waits on the database for seconds at most (see above)."""
    before = getattr(_request, "bounded", False)
    _request.bounded = True
    try:
        yield
    finally:
        _request.bounded = before


def on_request_path() -> bool:
    """Whether this thread is answering a request (inside request_waits)."""
    return getattr(_request, "bounded", False)


def make_engine(url: str = DEFAULT_URL, echo: bool = False) -> Engine:
    """An engine for url; SQLite gets WAL, foreign keys, a busy timeout and write-ahead locking.
    Inside request_waits() its waits are bounded (see REQUEST_LOCK_SECONDS)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _private_file(engine.url.database)
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if engine.dialect.name == "postgresql":
        _bound_postgresql(engine)
    return engine


def _bound_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):  # type: ignore[no-untyped-def]
        if not on_request_path():
            return None  # SQLAlchemy connects as configured
        # cparams is the engine's own: a copy, so other threads' connects keep their settings
        timeout = min(int(cparams.get("connect_timeout") or REQUEST_CONNECT_SECONDS), REQUEST_CONNECT_SECONDS)
        return dialect.connect(*cargs, **{**cparams, "connect_timeout": timeout})

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        if on_request_path():  # for this transaction only: the pooled connection forgets them
            conn.exec_driver_sql(
                "SELECT set_config('lock_timeout', %(lock)s, true),"
                " set_config('statement_timeout', %(statement)s, true)",
                {
                    "lock": f"{int(REQUEST_LOCK_SECONDS * 1000)}ms",
                    "statement": f"{int(REQUEST_STATEMENT_SECONDS * 1000)}ms",
                },
            )


def _private_file(database: str | None) -> None:
    """Make the SQLite file 0600 before SQLite opens it: it holds client contacts and stored
    response_urls. SQLite gives its -wal, -shm and -journal files the mode of the database file,
    so they are 0600 too. A new file is created 0600 whatever the umask; an existing one loses what
    others (not its owner, not its group) may do, as do its -wal and -shm files: a group an
    operator gave access (a backup group) keeps it."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            try:
                now = stat.S_IMODE(p.stat().st_mode)
                if now & 0o007:
                    os.chmod(p, now & ~0o007)
                    log.warning("%s was open to every user of this machine: now %o", p, now & ~0o007)
            except FileNotFoundError:
                continue
            except PermissionError:  # not ours: SQLite says so if it cannot open it either
                log.warning("cannot restrict the mode of %s (not its owner)", p)
        return
    except OSError:
        return  # a missing folder and the like: SQLite's own error names it when it opens
    try:
        os.fchmod(fd, 0o600)  # a umask of 0o277 would have left 0o400
    finally:
        os.close(fd)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={LONG_BUSY_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        busy_ms = int(REQUEST_LOCK_SECONDS * 1000) if on_request_path() else LONG_BUSY_MS
        info = conn.connection.info  # kept with the DBAPI connection across checkouts
        if info.get("busy_ms", LONG_BUSY_MS) != busy_ms:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
            info["busy_ms"] = busy_ms
        if conn.get_execution_options().get(READ_ONLY):
            # A reader: under WAL it sees a snapshot and never waits for a writer.
            conn.exec_driver_sql("BEGIN")
        else:
            # Take the write lock at the start: a read that later upgrades to a write can otherwise
            # fail with "database is locked" instead of waiting for the busy timeout.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    # Writers of this process queue on a lock of ours, woken the moment it is free, instead of on
    # SQLite's busy handler, which sleeps in steps of up to 100 ms (the long tail of the acks).
    _WRITE_LOCKS[engine] = threading.RLock()


# --- Schema and migrations -------------------------------------------------------------------
#
# Alembic scripts live in storage/migrations; the Config is built here, so no alembic.ini is needed
# and the env.py runs on the connection we pass in.

MIGRATIONS_DIR = Path(storage.__file__).parent / "migrations"
BASELINE_REVISION = "0001_initial"  # the schema as it was before migrations existed
VERSION_TABLE = "alembic_version"
_PG_LOCK_KEY = 0x5E5F_0DE5  # pg_advisory_xact_lock: one schema change at a time across processes


class SchemaOutdated(RuntimeError):
    """The database is at an older migration than this code needs, and was not upgraded."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"The database is at migration {current}; this version needs {head}. "
            "Run `service-orders db upgrade` (or set SO_DB_AUTO_UPGRADE=true)."
        )


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of this code (a migration unknown here)."""

    def __init__(self, current: str, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"The database is at migration {current}, which this version (at {head}) does not know: "
            "it was upgraded by a newer version. Run that version, or restore a backup."
        )


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "no migrations under storage/migrations/versions"
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at; None when it has never been stamped (or is empty)."""
    with engine.connect() as conn:
        return _current(conn)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to revision (default: the newest), in one transaction.

    A database made before migrations existed (tables, no stamp) is first stamped at the baseline.
    """
    with engine.begin() as conn:
        _lock(conn)
        config = _alembic_config(conn)
        if _current(conn) is None and _has_tables(conn):
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, revision)


def _has_tables(conn: Connection) -> bool:
    return bool(set(inspect(conn).get_table_names()) & set(SQLModel.metadata.tables))


def _lock(conn: Connection) -> None:
    # SQLite transactions already begin with BEGIN IMMEDIATE (the write lock); PostgreSQL needs one.
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def create_schema(engine: Engine, auto_upgrade: bool = False) -> None:
    """Make the database ready for this code (the embedded default needs no manual step).

    - empty database: create the tables from the models and stamp the newest migration;
    - tables but no migration stamp (made before migrations existed): stamp the baseline and
      upgrade to the newest;
    - stamped at an older migration: raise SchemaOutdated, or upgrade when auto_upgrade;
    - stamped at a migration unknown here (a newer version upgraded it): raise SchemaTooNew;
    - at the newest migration: nothing.
    """
    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    assert head is not None
    with engine.begin() as conn:
        _lock(conn)
        config = _alembic_config(conn)
        current = _current(conn)
        if current == head:
            return
        if current is None:
            if not _has_tables(conn):
                SQLModel.metadata.create_all(conn)
                command.stamp(config, head)
                return
            command.stamp(config, BASELINE_REVISION)
            command.upgrade(config, head)
            return
        try:
            script.get_revision(current)
        except CommandError as exc:  # alembic.util.CommandError: "Can't locate revision ..."
            raise SchemaTooNew(current, head) from exc
        if not auto_upgrade:
            raise SchemaOutdated(current, head)
        command.upgrade(config, head)


def drop_schema(engine: Engine) -> None:
    """Drop every table, the migration stamp included."""
    with engine.begin() as conn:
        _lock(conn)
        SQLModel.metadata.drop_all(conn)
        conn.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))


def open_inbox(engine: Engine) -> Engine:
    """The engine for the inbox (storage.models.Command) of the database engine points at.

    A SQLite database file keeps its inbox in a file beside it (orders.db → orders.inbox.db), with
    a write lock of its own: storing a command before the ack never waits for a worker's longer
    transaction on the orders. Elsewhere (PostgreSQL, in-memory SQLite) it is the database itself.
    The inbox holds only commands not yet carried out; its one table is created when missing."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine
    path = Path(database)
    beside = path.with_name(f"{path.stem}.inbox{path.suffix or '.db'}")
    inbox = make_engine(engine.url.set(database=str(beside)).render_as_string(hide_password=False))
    models.Command.__table__.create(inbox, checkfirst=True)  # type: ignore[attr-defined]
    return inbox


@contextmanager
def _write_lock(engine: Engine) -> Iterator[None]:
    """This process's turn to write to engine's SQLite file (nothing elsewhere); on the request
    path given up after REQUEST_LOCK_SECONDS, as SQLite's own busy wait is."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        yield
        return
    if not lock.acquire(timeout=REQUEST_LOCK_SECONDS if on_request_path() else -1):
        raise OperationalError(
            "BEGIN IMMEDIATE (waiting for this process's other writers)",
            None,
            sqlite3.OperationalError("database is locked"),
        )
    try:
        yield
    finally:
        lock.release()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for a few statements of Core SQL, committed at the end."""
    with _write_lock(engine), engine.begin() as conn:
        yield conn


def insert_new(db: Connection | Session, table: Table, rows: Sequence[dict], key: str = "key") -> list:
    """INSERT rows, skipping those whose unique key exists (ON CONFLICT DO NOTHING, on PostgreSQL
    and SQLite), in db's transaction; the keys inserted. A row another transaction inserts at the
    same moment is skipped too, not an error: how two processes queue the same thing once."""
    bind = db.get_bind() if isinstance(db, Session) else db
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    inserted: list = []
    for i in range(0, len(rows), 500):  # SQLite caps the bound parameters of one statement
        stmt = (
            insert(table)
            .values(list(rows[i : i + 500]))
            .on_conflict_do_nothing(index_elements=[key])
            .returning(table.c[key])
        )
        inserted += db.execute(stmt).scalars().all()
    return inserted


def reader(engine: Engine) -> Engine:
    """The engine for reads only: on SQLite they take no write lock (and wait for none)."""
    return engine.execution_options(**{READ_ONLY: True})


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together at the end, or not at all."""
    with _write_lock(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
