"""Every order form takes the inbox path (issue 12): the listener checks the form, stores the command
and turns the form into "Saving…"; the worker carries it out once and the form turns into the
result, or into the refusal when something changed in between. A command survives a crash between
the ack and the worker."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from bot.demo import DIEGO, LAYLA, OGECHI, World
from bot.runtime import Runtime
from forms import ids
from tests.bot.helpers import buttons, card, channel_texts, click, fill_new_order, opened_view, submit_order
from tests.bot.test_hardening_replays import replay
from tests.bot.test_inbox import run_a_worker
from tests.conftest import PEDRO

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database


def view_text(world: World, view_id: str) -> str:
    return json.dumps(world.fake.views[view_id], ensure_ascii=False)


def reject_form(world: World, reason: str = "The client cancelled by phone.") -> tuple[int, str]:
    """A submitted order and Ogechi's reject form for it, filled in (not submitted)."""
    order = submit_order(world)
    click(world, OGECHI, order, ids.REJECT)
    view = opened_view(world)
    world.fake.fill(view, ids.REJECT_REASON, ids.REJECT_REASON, reason)
    return order.id, view


def close_form(world: World) -> tuple[int, str]:
    """An approved order and Ogechi's close form for it: not performed, with a reason."""
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    click(world, OGECHI, order, ids.OPEN_CLOSE)
    view = opened_view(world)
    world.fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "not_performed")
    world.fake.fill(view, ids.CLOSE_REASON, ids.CLOSE_REASON, "Nobody was on site to open the door.")
    return order.id, view


def activities(world: World, kind: str) -> int:
    """How many times the order log recorded kind (rejected, closed, …)."""
    with world.runtime.workflow.engine.connect() as conn:
        query = text("select count(*) from activities where kind = :kind")
        return int(conn.execute(query, {"kind": kind}).scalar_one())


def test_a_rejection_says_saving_then_rejected_and_a_replay_is_carried_out_once(world):
    """Provoke: the exact signed reject submission posted again, before and after the worker."""
    fake, wf = world.fake, world.runtime.workflow
    order_id, view = reject_form(world)
    world.runtime.dispatcher.stop()  # the worker has not got to it yet
    first = fake.submit(OGECHI, view)
    assert first.status == 200 and "Saving" in first.body_text
    assert "Saving" in view_text(world, view)
    assert wf.order(order_id).status == "pending_approval"  # stored as a command only
    now = int(time.time())
    assert "Saving" in replay(world, first.request, now).body_text
    run_a_worker(world)
    assert "SO-0001 rejected." in view_text(world, view)
    again = replay(world, first.request, now)  # carried out meanwhile: answered the same
    assert again.status == 200 and "Saving" in again.body_text
    run_a_worker(world)
    assert wf.order(order_id).status == "rejected"
    assert activities(world, "rejected") == 1
    said = [t for t in channel_texts(world, wf.order(order_id)) if "cancelled by phone" in t]
    assert len(said) == 1, said
    assert "SO-0001 rejected." in view_text(world, view)


def test_a_close_posted_twice_is_carried_out_once(world):
    fake, wf = world.fake, world.runtime.workflow
    order_id, view = close_form(world)
    first = fake.submit(OGECHI, view)
    assert first.status == 200 and "Saving" in first.body_text
    assert replay(world, first.request, int(time.time())).status == 200
    world.settle()
    order = wf.order(order_id)
    assert (order.status, order.outcome) == ("closed", "not_performed")
    assert activities(world, "closed") == 1
    assert len([t for t in channel_texts(world, order) if "open the door" in t]) == 1
    assert "SO-0001 is closed." in view_text(world, view)
    assert buttons(card(world, order)) == [
        "Customer copy",
        ":link: Customer link",
        "Cancel order",
    ]  # not performed: nothing to invoice


def test_a_refusal_that_arises_after_the_ack_reaches_the_person_in_the_form(world):
    """Provoke: Pedro's Approve waits in the inbox when Ogechi submits the reject form (the form's
    check still sees a pending order); the worker approves first, so the rejection is refused."""
    fake, wf = world.fake, world.runtime.workflow
    wf.grant("test", PEDRO, "supervisor", check=False)
    order_id, view = reject_form(world)
    world.runtime.dispatcher.stop()
    order = wf.order(order_id)
    assert fake.click(PEDRO, order.channel_id, order.card_ts, ids.APPROVE).status == 200
    answer = fake.submit(OGECHI, view)
    assert answer.status == 200 and "Saving" in answer.body_text
    run_a_worker(world)
    shown = view_text(world, view)
    assert "already approved by <@" + PEDRO in shown and "Nothing was changed" in shown
    assert wf.order(order_id).status == "in_progress"
    assert activities(world, "rejected") == 0


def test_field_workers_and_a_confirmation_answer_in_the_form(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    click(world, OGECHI, order, ids.OPEN_ADD_FIELD_WORKERS)
    view = opened_view(world)
    fake.fill(view, ids.FIELD_WORKERS, ids.FIELD_WORKERS, [DIEGO])
    assert "Saving" in fake.submit(OGECHI, view).body_text
    world.settle()
    assert "Field workers added to SO-0001." in view_text(world, view)
    assert DIEGO in wf.order(order.id).field_workers

    click(world, DIEGO, order, ids.OPEN_CONFIRMATION)
    view = opened_view(world)
    fake.fill(view, ids.CONFIRMATION_NOTE, ids.CONFIRMATION_NOTE, "Swapped the router.")
    assert "Saving" in fake.submit(DIEGO, view).body_text
    world.settle()
    assert "Revision 2 of SO-0001 is confirmed." in view_text(world, view)
    assert wf.order(order.id).current_revision == 2


def test_a_rejection_acked_before_a_crash_is_carried_out_by_the_next_runtime(world):
    """Provoke: the process stops between the ack and the worker (the dispatcher is stopped, the
    command waits in the inbox); a new runtime on the same database carries it out and answers."""
    fake = world.fake
    order_id, view = reject_form(world)
    world.runtime.dispatcher.stop()
    assert "Saving" in fake.submit(OGECHI, view).body_text
    successor = Runtime.build(world.runtime.settings)
    successor.dispatcher.start()
    try:
        assert successor.dispatcher.wait_idle(30)
        assert successor.workflow.order(order_id).status == "rejected"
    finally:
        successor.stop()
    assert "SO-0001 rejected." in view_text(world, view)
    assert activities(world, "rejected") == 1


def test_requests_stored_by_the_previous_version_are_still_carried_out(world):
    """Provoke: an upgrade while requests wait in the inbox in the previous version's shape (a
    new-order view, an approval by order id): the new worker carries both out and answers the form."""
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    world.runtime.dispatcher.stop()
    view = fill_new_order(world, title="Stored before the upgrade")
    form = {"external_id": f"so-submitted-{view}"}
    wf.enqueue("submit", LAYLA, {"view": fake.views[view], "custom": []}, form)
    wf.enqueue("approve", OGECHI, {"order_id": order.id}, {"channel": order.channel_id, "user": OGECHI})
    run_a_worker(world)
    assert wf.order(order.id).status == "in_progress"
    assert [o.title for o in wf.list_for(LAYLA)[0]][0] == "Stored before the upgrade"
    answers = [e.payload for e in wf.effects() if e.kind == "reply" and e.payload["to"] == form]
    assert [a["order"] for a in answers] == [wf.find("SO-0002").id]  # the form is told its number


def test_a_role_taken_away_while_the_form_was_open_is_told_in_the_form(world):
    """Provoke: Layla opens the new-order form, an admin revokes her coordinator role, she submits:
    the worker refuses it and the form says who may submit; no order is made."""
    wf = world.runtime.workflow
    view = fill_new_order(world, title="After the revoke")
    wf.revoke("test", LAYLA, "coordinator", check=False)
    assert "Submitting" in world.fake.submit(LAYLA, view).body_text
    world.settle()
    shown = view_text(world, view)
    assert "Not submitted" in shown and "Only a coordinator or an admin can submit orders" in shown
    assert wf.list_for(LAYLA)[0] == []
