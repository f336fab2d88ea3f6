"""A locked database does not hold Slack's request past its 3 s: a form submitted while another
session holds the inbox's write lock is answered within seconds (the listener gets a database
error: bot.listeners tells the person nothing was saved), and nothing is stored.

Over signed HTTP into the running bot, on a SQLite file and on PostgreSQL. The local Slack waits
GENEROUS seconds for the answer: a hang fails the test, no timing is asserted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from bot.demo import LAYLA, World
from forms import ids
from storage.db import make_engine
from tests.bot.helpers import opened_view

GENEROUS = 20.0  # SQLite's long busy wait (30 s) and PostgreSQL's (none) both outlast it


@contextmanager
def inbox_locked(world: World) -> Iterator[None]:
    """Another session holds the write lock of the inbox, where the HTTP process stores commands."""
    inbox = world.runtime.workflow.inbox
    if inbox.dialect.name == "sqlite":
        other = sqlite3.connect(str(Path(inbox.url.database)), isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    other_engine = make_engine(inbox.url.render_as_string(hide_password=False))
    try:
        with other_engine.connect() as conn:
            conn.execute(text("LOCK TABLE commands IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                conn.rollback()
    finally:
        other_engine.dispose()


def test_a_submission_while_the_database_is_locked_is_answered_and_stores_nothing(world: World) -> None:
    """Provoke: Layla fills the new-order form; another session locks the inbox; she submits."""
    fake = world.fake
    fake.request_timeout = GENEROUS
    assert fake.slash_command(LAYLA, "/so", "new").status == 200
    view = opened_view(world)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")
    fake.fill(view, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
    fake.fill(view, ids.TITLE, ids.TITLE, "Fix the router")
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    with inbox_locked(world):
        result = fake.submit(LAYLA, view)  # raises (a timeout) if the bot is still waiting
        assert result.status < 500, result.body_text
    world.settle()
    orders, _ = world.runtime.workflow.list_for(LAYLA)
    assert orders == []  # nothing was stored: the person must not be told it was
    assert not world.runtime.workflow.has_pending_commands()
