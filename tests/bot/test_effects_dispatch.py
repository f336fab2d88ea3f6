"""The effects dispatcher through the real app against the local Slack: a card never stays a change
behind, one failing effect holds up nothing else, long work (an export's upload) never holds up
other orders, and a busy thread's acknowledgements never hold up the order."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.demo import DIEGO, LAYLA, OGECHI
from forms import ids
from storage.db import transaction
from tests.bot.helpers import card, fill_new_order, submit_order
from tests.bot.processes import wait_until
from tests.conftest import ADMIN
from workflow import effects as fx

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database


def submit_new_order(world, title: str) -> None:  # type: ignore[no-untyped-def]
    """Layla submits an order; the test does not wait for the bot's work after the answer."""
    view = fill_new_order(world, title)
    world.fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
    world.fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    assert world.fake.submit(LAYLA, view).status == 200


def made(world, number: str) -> bool:  # type: ignore[no-untyped-def]
    """The order exists, with its channel, and its card stands in the channel."""
    order = world.runtime.workflow.find(number)
    return bool(
        order is not None
        and order.channel_id
        and order.card_ts
        and world.fake.message(order.channel_id, order.card_ts) is not None
    )


# ---------------------------------------------------------------- item 1: a stale card


def test_a_change_made_while_the_card_is_drawn_still_reaches_the_card(world):
    """Provoke: Ogechi approves; while the dispatcher updates the card (the order read, the card not
    yet sent), Diego is added as a field worker — a second change and a second card update."""
    wf = world.runtime.workflow
    order = submit_order(world)
    supersede = wf.outbox.supersede_card_updates
    changed: list[int] = []

    def change_in_between(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not changed:
            changed.append(wf.add_field_workers(order.id, OGECHI, [DIEGO]).version)
        return supersede(*args, **kwargs)

    wf.outbox.supersede_card_updates = change_in_between  # type: ignore[method-assign]
    world.fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE)
    world.settle()
    assert changed, "the card update never ran"
    shown = card(world, order)
    assert "In progress" in str(shown["blocks"])
    assert f"<@{DIEGO}>" in str(shown["blocks"]), "the card stays one change behind"


# ---------------------------------------------------------------- item 2: one failure is its own


def test_a_database_error_before_slack_is_called_holds_up_nothing(world):
    """Provoke: the first effect the dispatcher starts meets a database error (the connection
    dropped) while its attempt is being counted, outside the Slack call's error handling."""
    wf = world.runtime.workflow
    started = wf.outbox.effect_started
    failures: list[int] = []

    def flaky(effect_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(effect_id)
            raise OperationalError("UPDATE effects", {}, Exception("server closed the connection"))
        return started(effect_id, *args, **kwargs)

    wf.outbox.effect_started = flaky  # type: ignore[method-assign]
    submit_new_order(world, "Router one")
    submit_new_order(world, "Router two")
    world.settle(timeout=20)  # not the claim's lease (minutes) of the effect and its batch
    assert failures
    assert made(world, "1") and made(world, "2")
    assert wf.effects("failed") == []
    (hit,) = [e for e in wf.effects() if e.id == failures[0]]
    assert hit.status == "done"


def test_an_effect_whose_order_is_gone_fails_and_the_admins_are_told(world):
    """Provoke: an effect names an order that no longer exists (removed by hand from the database);
    another order is submitted beside it."""
    wf = world.runtime.workflow
    insert = (
        "insert into effects (key, order_id, kind, payload, status, attempts, last_error, created_at)"
        " values ('card:SO-0999:v2', 999, :kind, '{\"version\": 2}', 'pending', 0, '', :now)"
    )
    if wf.engine.dialect.name == "sqlite":  # a plain connection: foreign keys unchecked
        with closing(sqlite3.connect(str(wf.engine.url.database))) as conn, conn:
            now = wf.clock().astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")  # as SQLite keeps it
            conn.execute(insert.replace(":kind", "?").replace(":now", "?"), (fx.UPDATE_CARD, now))
    else:
        with transaction(wf.engine) as s:  # the rows a hand-made deletion leaves: no foreign key check
            s.connection().exec_driver_sql("SET LOCAL session_replication_role = replica")
            s.connection().execute(text(insert), {"kind": fx.UPDATE_CARD, "now": wf.clock()})
    world.runtime.dispatcher.wake()
    submit_new_order(world, "Router one")
    world.settle(timeout=20)
    (gone,) = [e for e in wf.effects() if e.key == "card:SO-0999:v2"]
    assert gone.status == "failed" and "order" in gone.last_error
    assert any(f"effects retry {gone.id}`" in m.get("text", "") for m in world.fake.dms(ADMIN))
    assert made(world, "1")


# ---------------------------------------------------------------- item 7: long work has its own lane


def test_an_export_upload_that_hangs_holds_up_no_new_order(world):
    """Provoke: Layla's CSV export is being uploaded and Slack does not answer; meanwhile she
    submits a new order."""
    fake, wf = world.fake, world.runtime.workflow
    submit_order(world)  # something to export
    hold = fake.hold_next("upload")
    try:
        answer = fake.slash_command(LAYLA, "/so", "export")
        assert answer.status == 200 and "Preparing your export…" in answer.body_text
        assert hold.wait_reached(30), "the export's upload never started"
        submit_new_order(world, "Router two")
        wait_until(lambda: made(world, "2"), timeout=20, what="the new order's channel and card")
    finally:
        hold.release()
    world.settle()
    assert [m for m in fake.dms(LAYLA) if m.get("files")], "the export was never delivered"
    assert wf.effects("failed") == []


def test_one_export_per_person_at_a_time(world):
    """Provoke: Layla asks for a second export while her first one is being uploaded."""
    fake, wf = world.fake, world.runtime.workflow
    submit_order(world)
    hold = fake.hold_next("upload")
    try:
        assert "Preparing your export…" in fake.slash_command(LAYLA, "/so", "export").body_text
        assert hold.wait_reached(30), "the export's upload never started"
        again = fake.slash_command(LAYLA, "/so", "export status:pending")
        assert again.status == 200 and "still being prepared" in again.body_text, again.body_text
        assert len([e for e in wf.effects() if e.kind == fx.EXPORT_CSV]) == 1  # nothing queued
        # someone else's export is theirs to ask for
        assert "Preparing your export…" in fake.slash_command(OGECHI, "/so", "export").body_text
    finally:
        hold.release()
    world.settle()
    assert len([m for m in fake.dms(LAYLA) if m.get("files")]) == 1
    # once it is sent, the next export is welcome
    assert "Preparing your export…" in fake.slash_command(LAYLA, "/so", "export").body_text
    world.settle()
    assert len([m for m in fake.dms(LAYLA) if m.get("files")]) == 2


# ---------------------------------------------------------------- item 8: acknowledgements stand aside


def test_a_busy_thread_does_not_hold_up_the_approval(world):
    """Provoke: four replies in the card's thread, each acknowledged with a reaction that Slack
    allows once a second; then Ogechi approves."""
    fake = world.fake
    order = submit_order(world)
    fake.rate_limit("reactions.add", 1, 1.0)
    replies = [
        fake.post_message_as(LAYLA, order.channel_id, f"Note {n}", thread_ts=order.card_ts)[0]
        for n in range(4)
    ]
    fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE)

    def announced() -> bool:
        return any("approved *SO-0001*" in m.get("text", "") for m in fake.messages(order.channel_id))

    wait_until(announced, timeout=30, what="the approval announcement")
    reacted = [ts for ts in replies if (fake.message(order.channel_id, ts) or {}).get("reactions")]
    assert len(reacted) < len(replies), "the approval waited for every acknowledgement"
    world.settle()
    assert all((fake.message(order.channel_id, ts) or {}).get("reactions") for ts in replies)
    assert world.runtime.workflow.effects("failed") == []
