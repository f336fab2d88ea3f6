"""The SQLite files hold client contacts and stored response_urls: only their owner may read them.

Real files on disk: the database, the inbox beside it and their -wal/-shm files are made 0600
whatever the umask (by the CLI in a process of its own, and by make_engine in this one); an
existing file that others may read or write loses those bits on start, its owner and group keep
theirs (a backup group an operator chose keeps working)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from storage.db import create_schema, make_engine, open_inbox, transaction
from storage.models import Command, RoleGrant

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_of(db: Path) -> list[Path]:
    inbox = db.with_name(f"{db.stem}.inbox{db.suffix}")
    return [Path(f"{p}{suffix}") for p in (db, inbox) for suffix in ("", "-wal", "-shm")]


def test_a_real_start_of_the_cli_makes_the_database_and_its_inbox_0600_under_umask_0(tmp_path: Path) -> None:
    """Provoke: `service-orders role grant` on a new SQLite file, under the most open umask (0)."""
    db = tmp_path / "orders.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SO_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "role", "grant", "U0ADMIN01", "admin"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0),
    )
    assert done.returncode == 0, done.stderr
    made = [p for p in files_of(db) if p.exists()]
    assert db in made and db.with_name("orders.inbox.db") in made
    assert {p.name: oct(mode(p)) for p in made} == {p.name: "0o600" for p in made}


def test_wal_and_shm_files_of_an_open_database_are_0600(tmp_path: Path) -> None:
    """Provoke: make_engine + create_schema + a write to the orders and to the inbox, connections
    still open (the -wal and -shm files exist only then), under the usual umask 022."""
    old = os.umask(0o022)
    try:
        db = tmp_path / "so.db"
        engine = make_engine(f"sqlite:///{db}")
        create_schema(engine)
        inbox = open_inbox(engine)
        with transaction(engine) as s:
            s.add(RoleGrant(user_id="U1", role="admin"))
        with transaction(inbox) as s:
            s.add(Command(key="k1", kind="submit", user_id="U1", payload={}, reply={}))
        with engine.connect() as c1, inbox.connect() as c2:  # held open: -wal and -shm stay on disk
            c1.execute(text("select count(*) from role_grants")).scalar_one()
            c2.execute(text("select count(*) from commands")).scalar_one()
            made = files_of(db)
            assert all(p.exists() for p in made), [p.name for p in made if not p.exists()]
            assert {p.name: oct(mode(p)) for p in made} == {p.name: "0o600" for p in made}
        engine.dispose()
        inbox.dispose()
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_loses_what_others_may_do(tmp_path: Path) -> None:
    """Provoke: a database made by an older version (0644, group 0640 kept as the operator set it)."""
    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    engine.dispose()
    os.chmod(db, 0o664)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as c:
        c.execute(text("select 1")).scalar_one()
    engine.dispose()
    assert oct(mode(db)) == oct(0o660)  # the owner and group keep theirs; others lose read and write
