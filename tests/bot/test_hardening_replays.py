"""A request Slack sent once, posted again, does nothing again (issue 11, item 13).

Within Slack's 5-minute window a captured request still carries a valid signature. A submitted form
is keyed on its view id and hash (what Slack gives once), an Approve click on its action_ts, the
message and the person: the inbox's unique key and processed_commands both recognise a repeat.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from sqlalchemy import text

from bot.demo import LAYLA, OGECHI, World
from forms import ids
from sandbox import HttpResult
from sandbox.slack import APP_ID
from tests.bot.helpers import ephemerals_to, fill_new_order, submit_order
from tests.bot.test_inbox import run_a_worker

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database


def replay(world: World, payload: dict, timestamp: int) -> HttpResult:
    """Post payload as Slack posted it: the same body, signed with the same timestamp."""
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return world.fake.post_signed(body, "application/x-www-form-urlencoded", timestamp=timestamp)


def count(world: World, table: str) -> int:
    with world.runtime.workflow.engine.connect() as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def test_the_same_signed_submission_posted_again_makes_one_order(world):
    """Provoke: the exact signed view_submission of a new order, posted twice more (once before the
    worker carried the first out, once after)."""
    fake, wf = world.fake, world.runtime.workflow
    view = fill_new_order(world, "Replayed")
    world.runtime.dispatcher.stop()  # the first is still in the inbox when the second comes
    first = fake.submit(LAYLA, view)
    assert first.status == 200 and first.request is not None
    now = int(time.time())
    again = replay(world, first.request, now)
    assert again.status == 200 and "Submitting your order" in again.body_text
    run_a_worker(world)
    third = replay(world, first.request, now)  # carried out meanwhile: processed_commands knows it
    assert third.status == 200 and "Submitting your order" in third.body_text
    run_a_worker(world)
    assert [o.title for o in wf.list_for(LAYLA)[0]] == ["Replayed"]
    assert count(world, "orders") == 1


def test_the_same_signed_approve_click_posted_again_is_not_carried_out_again(world):
    """Provoke: the exact signed Approve click posted again: no second approval, and no "already
    approved" refusal either (it is the same click, not a second one)."""
    fake, wf = world.fake, world.runtime.workflow
    order = wf.order(submit_order(world).id)
    first = fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE)
    world.settle()
    assert first.status == 200 and first.request is not None
    assert wf.order(order.id).status == "in_progress"
    processed = count(world, "processed_commands")
    assert replay(world, first.request, int(time.time())).status == 200
    world.settle()
    assert count(world, "processed_commands") == processed
    assert not [t for t in ephemerals_to(world, OGECHI) if "already approved" in t]
    assert wf.order(order.id).current_revision == 1


def test_submit_pressed_again_after_a_lost_answer_still_turns_into_the_order(world):
    """Provoke: Slack lost the bot's answer to a submitted form (so the form stayed as filled in),
    the order was stored meanwhile, and Layla presses Submit again (the same view id and hash): the
    form must turn into the order, not stay on "Submitting…" for ever."""
    fake = world.fake
    view = fill_new_order(world, "Pressed twice")
    with fake._lock:  # the submission as Slack sends it; its answer never reaches the modal
        lost = {
            "type": "view_submission",
            "team": fake._team_ref(),
            "user": fake._user_ref(LAYLA),
            "api_app_id": APP_ID,
            "view": fake._public_view(fake.views[view]),
            "response_urls": [],
        }
    assert replay(world, lost, int(time.time())).status == 200
    world.settle()
    assert count(world, "orders") == 1
    assert fake.submit(LAYLA, view).status == 200  # pressed again: "Submitting…"
    world.settle()
    shown = json.dumps(fake.views[view]["blocks"], ensure_ascii=False)
    assert "SO-0001* is submitted" in shown, shown
    assert count(world, "orders") == 1
