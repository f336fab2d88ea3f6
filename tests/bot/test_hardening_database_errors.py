"""A database that fails under the running bot never loses a submission in silence (issue 11, item 6).

The database is broken under the bot between two gestures (a table renamed away, on SQLite and on
PostgreSQL), then a form is submitted, a command typed, a button clicked: the form stays open with an
error saying nothing was saved, the command and the click get an ephemeral answer that says so, and
nothing is stored. One dropped PostgreSQL connection is retried once and the submission goes through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from bot.demo import LAYLA, OGECHI, World
from forms import ids
from tests.bot.helpers import click, ephemerals_to, fill_new_order, opened_view, submit_order
from tests.conftest import count_notes

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database

NOTHING_SAVED = "nothing was saved"


@contextmanager
def table_away(engine: Engine, table: str) -> Iterator[None]:
    """The table is missing while the block runs (renamed away, then back)."""
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))


def still_open_with(world: World, user: str, view: str) -> str:
    """The form is still open for user; the errors it shows, as one text."""
    assert view in [v["id"] for v in world.fake.open_views(user)], "the form was closed"
    errors = world.fake.view_errors.get(view) or {}
    return " ".join(errors.values())


def test_a_form_submitted_while_the_inbox_fails_stays_open_and_nothing_is_stored(world):
    """Provoke: the inbox table is missing when the new-order form is submitted."""
    wf, fake = world.runtime.workflow, world.fake
    view = fill_new_order(world)
    with table_away(wf.inbox, "commands"):
        result = fake.submit(LAYLA, view)
    assert result.status == 200
    shown = still_open_with(world, LAYLA, view)
    assert NOTHING_SAVED in shown.lower() and "Traceback" not in shown
    world.settle()
    assert wf.list_for(LAYLA)[0] == []
    # the database is back: the same form goes through, once
    assert fake.submit(LAYLA, view).status == 200
    world.settle()
    assert [o.title for o in wf.list_for(LAYLA)[0]] == ["Router"]


def test_a_decision_form_submitted_while_the_database_fails_stays_open(world):
    """Provoke: the orders table is missing when a supervisor submits the reject form."""
    wf, fake = world.runtime.workflow, world.fake
    order = submit_order(world)
    click(world, OGECHI, order, ids.REJECT)
    view = opened_view(world)
    fake.fill(view, ids.REJECT_REASON, ids.REJECT_REASON, "The client cancelled.")
    with table_away(wf.engine, "orders"):  # the form's check cannot read the order
        assert fake.submit(OGECHI, view).status == 200
    assert NOTHING_SAVED in still_open_with(world, OGECHI, view).lower()
    world.settle()
    assert wf.order(order.id).status == "pending_approval"
    assert not wf.has_pending_commands()  # nothing stored to be carried out later


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_a_form_whose_listener_fails_for_another_reason_stays_open_too(world, monkeypatch):
    """Provoke: the workflow raises an unexpected error (a bug) while the reject form is saved."""
    wf, fake = world.runtime.workflow, world.fake
    order = submit_order(world)
    click(world, OGECHI, order, ids.REJECT)
    view = opened_view(world)
    fake.fill(view, ids.REJECT_REASON, ids.REJECT_REASON, "The client cancelled.")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("a bug")

    monkeypatch.setattr(wf, "precheck", broken)
    assert fake.submit(OGECHI, view).status == 200
    shown = still_open_with(world, OGECHI, view)
    assert "something went wrong and nothing was saved" in shown.lower()
    assert "a bug" not in shown and "ValueError" not in shown


def test_a_command_while_the_database_fails_answers_that_nothing_was_saved(world):
    """Provoke: the saved filters' table is missing when someone saves a filter."""
    wf, fake = world.runtime.workflow, world.fake
    with table_away(wf.engine, "saved_filters"):
        result = fake.slash_command(LAYLA, "/so", "list save late status:pending")
    assert result.status == 200
    assert NOTHING_SAVED in result.body_text.lower() and "Traceback" not in result.body_text
    assert any(NOTHING_SAVED in t.lower() for t in ephemerals_to(world, LAYLA))
    assert wf.saved_filters(LAYLA) == []


def test_a_click_while_the_database_fails_is_answered_ephemerally(world):
    """Provoke: the inbox table is missing when the supervisor clicks Approve."""
    wf = world.runtime.workflow
    order = wf.order(submit_order(world).id)
    with table_away(wf.inbox, "commands"):
        result = world.fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE)
    assert result.status == 200
    assert any(NOTHING_SAVED in t.lower() for t in ephemerals_to(world, OGECHI))
    world.settle()
    assert wf.order(order.id).status == "pending_approval"


def test_an_event_the_database_could_not_record_is_left_for_slack_to_deliver_again(world):
    """Provoke: the activity log is missing when a thread reply arrives. The answer is 500, so
    Slack delivers it again; the retry, once the database is back, records it once."""
    wf = world.runtime.workflow
    order = wf.order(submit_order(world).id)
    event = {
        "type": "message",
        "channel": order.channel_id,
        "user": LAYLA,
        "text": "Key at the front desk",
        "ts": "1764000000.001000",
        "thread_ts": order.card_ts,
        "channel_type": "group",
        "event_ts": "1764000000.001000",
    }
    with table_away(wf.engine, "activities"):
        assert world.fake.deliver_event(event, event_id="Ev0DBDOWN1").status == 500
    assert world.fake.deliver_event(event, event_id="Ev0DBDOWN1", retry_num=1).status == 200
    world.settle()
    assert count_notes(world, order.id) == 1


@contextmanager
def one_connection_dropped(engine: Engine, statement_start: str) -> Iterator[list]:
    """PostgreSQL ends the connection of the first statement starting with statement_start just
    before it runs (pg_terminate_backend from another connection), as a server restart would."""
    killer = create_engine(engine.url.render_as_string(hide_password=False))
    dropped: list[int] = []

    def drop(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if dropped or not statement.lstrip().upper().startswith(statement_start):
            return
        pid = cursor.connection.info.backend_pid
        dropped.append(pid)
        with killer.connect() as k:
            k.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    event.listen(engine, "before_cursor_execute", drop)
    try:
        yield dropped
    finally:
        event.remove(engine, "before_cursor_execute", drop)
        killer.dispose()


@pytest.mark.parametrize("world", ["postgres"], indirect=True)
def test_one_dropped_connection_is_retried_and_the_form_goes_through(world):
    """Provoke: PostgreSQL drops the connection the submission's INSERT runs on."""
    wf, fake = world.runtime.workflow, world.fake
    view = fill_new_order(world, "Dropped once")
    with one_connection_dropped(wf.inbox, "INSERT INTO COMMANDS") as dropped:
        result = fake.submit(LAYLA, view)
    assert dropped, "no connection was dropped: the test did not provoke anything"
    assert result.status == 200 and "Submitting your order" in result.body_text
    world.settle()
    assert [o.title for o in wf.list_for(LAYLA)[0]] == ["Dropped once"]
