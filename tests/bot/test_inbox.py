"""Submissions and approvals are acked once stored; the worker carries them out and answers."""

from __future__ import annotations

import json

from bot.demo import LAYLA, OGECHI, World
from bot.effects import Dispatcher
from bot.worker import effects_client
from forms import ids
from tests.bot.helpers import click, ephemerals_to, fill_new_order, forged_click, submit_order
from workflow import effects as fx


def view_text(world: World, view_id: str) -> str:
    return json.dumps(world.fake.views[view_id], ensure_ascii=False)


def run_a_worker(world: World) -> None:
    """A worker (another process's dispatcher) that starts now, carries out what waits, and stops."""
    settings = world.runtime.settings
    worker = Dispatcher(world.runtime.workflow, effects_client(settings), settings)
    worker.start()
    try:
        assert worker.wait_idle(30)
    finally:
        worker.stop()


def test_the_form_says_submitting_then_turns_into_the_orders_number(world):
    view = fill_new_order(world, "Router")
    world.runtime.dispatcher.stop()  # the worker has not got to it yet
    answer = world.fake.submit(LAYLA, view)
    assert answer.status == 200 and "Submitting your order" in answer.body_text
    assert "Submitting your order" in view_text(world, view)
    assert world.runtime.workflow.list_for(LAYLA)[0] == []  # stored as a command only
    run_a_worker(world)
    shown = view_text(world, view)
    assert "*SO-0001* is submitted and waits for approval" in shown and "Order submitted" in shown
    order = world.runtime.workflow.list_for(LAYLA)[0][0]
    assert order.title == "Router" and order.channel_id and order.card_ts


def test_a_form_closed_before_the_answer_is_let_be(world):
    view = fill_new_order(world, "Closed early")
    world.runtime.dispatcher.stop()
    assert world.fake.submit(LAYLA, view).status == 200
    world.fake.close_view(LAYLA, view)
    run_a_worker(world)
    wf = world.runtime.workflow
    assert [o.title for o in wf.list_for(LAYLA)[0]] == ["Closed early"]  # the order is stored anyway
    replies = [e for e in wf.effects() if e.kind == fx.REPLY]
    assert [e.status for e in replies] == ["done"] and not wf.effects("failed")


def test_a_second_approval_is_refused_to_the_clicker_and_changes_nothing(world):
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    pdfs_before = len(world.fake.files)
    forged_click(world, OGECHI, order, ids.APPROVE)  # a double tap on a slow phone: the old card
    world.settle()
    assert any("already approved by <@" + OGECHI in t for t in ephemerals_to(world, OGECHI))
    assert len(world.fake.files) == pdfs_before
    assert world.runtime.workflow.order(order.id).current_revision == 1
