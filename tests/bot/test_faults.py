"""Faults provoked in the local Slack, and what people see afterwards: exactly one of everything.

Each test says what it provokes; the assertions count what a person would see in Slack.
"""

from __future__ import annotations

import threading

import pytest

from bot.demo import DIEGO, LAYLA, OGECHI, World
from forms import ids
from tests.bot.helpers import card, click, ephemerals_to, opened_view, submit_order
from tests.conftest import ADMIN, PEDRO, count_notes

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database


def pdfs(world: World) -> list[str]:
    return sorted(f["name"] for f in world.fake.files.values() if f["name"].endswith(".pdf"))


def channels_named(world: World, prefix: str) -> list:
    return [c for c in world.fake.channels.values() if c.name.startswith(prefix)]


def cards_in(world: World, channel: str) -> list[dict]:
    return [
        m
        for m in world.fake.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == "service_order_card" or m.get("blocks")
    ]


def texts(world: World, channel: str, needle: str) -> list[str]:
    return [m.get("text", "") for m in world.fake.messages(channel) if needle in m.get("text", "")]


def approve(world: World, order) -> None:  # type: ignore[no-untyped-def]
    click(world, OGECHI, order, ids.APPROVE)


def test_429_on_the_first_channel_create_waits_retry_after_then_one_channel(world):
    """Provoke: conversations.create answers 429 Retry-After: 1 once."""
    world.fake.fail_next("conversations.create", retry_after=1)
    order = submit_order(world)
    assert len(channels_named(world, "so-0001")) == 1
    assert len(cards_in(world, order.channel_id)) == 1
    assert world.fake.calls_inside_retry_after("conversations.create") == []
    assert [c.status for c in world.fake.calls_to("conversations.create")] == [429, 200]


def test_429_on_the_upload_completion_gives_one_pdf(world):
    """Provoke: files.completeUploadExternal answers 429 Retry-After: 1 once."""
    order = submit_order(world)
    world.fake.fail_next("files.completeUploadExternal", retry_after=1)
    approve(world, order)
    assert pdfs(world) == ["SO-0001-r1.pdf"]
    assert world.fake.calls_inside_retry_after("files.completeUploadExternal") == []


def test_500s_are_retried_and_the_card_is_posted_once(world):
    """Provoke: chat.postMessage answers HTTP 500 twice (the card's post)."""
    world.fake.fail_next("chat.postMessage", error="internal_error", status=500, times=2)
    order = submit_order(world)
    assert len(cards_in(world, order.channel_id)) == 1
    assert len(texts(world, order.channel_id, "submitted *SO-0001*")) == 1


def test_a_slow_upload_still_gives_one_pdf(world):
    """Provoke: the raw upload POST takes 2 s."""
    order = submit_order(world)
    world.fake.delay_next("upload", 2.0)
    approve(world, order)
    assert pdfs(world) == ["SO-0001-r1.pdf"]
    assert world.runtime.workflow.revision(order.id, 1).pdf_file_id


def test_a_lost_channel_create_answer_does_not_make_a_second_channel(world):
    """Provoke: conversations.create is performed but its answer is lost (connection dropped), twice."""
    world.fake.lose_response_next("conversations.create", times=2)
    order = submit_order(world)
    assert len(channels_named(world, "so-0001")) == 1
    assert world.fake.channels[order.channel_id].name == "so-0001-clinica-dental-norte-fix-the-router"
    assert len(cards_in(world, order.channel_id)) == 1


def test_a_lost_card_post_answer_does_not_post_a_second_card(world):
    """Provoke: the card's chat.postMessage is performed but its answer is lost (and the SDK's retry too)."""
    world.fake.lose_response_next("chat.postMessage", times=2)
    order = submit_order(world)
    assert len(cards_in(world, order.channel_id)) == 1
    assert world.fake.channels[order.channel_id].pins == [order.card_ts]


def test_a_lost_announcement_answer_does_not_announce_twice(world):
    """Provoke: the approval announcement is performed but its answer is lost."""
    order = submit_order(world)
    world.fake.lose_response_next("chat.postMessage", times=2)
    approve(world, order)
    assert len(texts(world, order.channel_id, "approved *SO-0001*")) == 1


def test_a_lost_upload_answer_does_not_upload_twice(world):
    """Provoke: files.completeUploadExternal shares the PDF but its answer is lost."""
    order = submit_order(world)
    world.fake.lose_response_next("files.completeUploadExternal", times=2)
    approve(world, order)
    assert pdfs(world) == ["SO-0001-r1.pdf"]
    assert world.runtime.workflow.revision(order.id, 1).pdf_file_id


def test_the_same_event_three_times_is_one_note(world):
    """Provoke: Slack delivers one thread reply three times (a first try and two retries)."""
    order = submit_order(world)
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
    for retry in (None, 1, 2):
        assert world.fake.deliver_event(event, event_id="Ev0THRICE1", retry_num=retry).status == 200
    world.settle()
    notes = count_notes(world)
    assert notes == 1
    assert len(world.fake.calls_to("reactions.add")) == 1


def test_parallel_approve_and_reject_record_one_decision(world):
    """Provoke: two supervisors click Approve and Reject-submit at the same moment."""
    wf = world.runtime.workflow
    wf.grant("test", PEDRO, "supervisor", check=False)
    order = submit_order(world)  # Pedro is a supervisor now, so he is invited too
    click(world, PEDRO, order, ids.REJECT)
    reject_view = opened_view(world)
    world.fake.fill(reject_view, ids.REJECT_REASON, ids.REJECT_REASON, "Too expensive")
    fresh = wf.order(order.id)
    barrier = threading.Barrier(2)

    def approve_now() -> None:
        barrier.wait()
        world.fake.click(OGECHI, fresh.channel_id, fresh.card_ts, ids.APPROVE)

    def reject_now() -> None:
        barrier.wait()
        world.fake.submit(PEDRO, reject_view)

    threads = [threading.Thread(target=approve_now), threading.Thread(target=reject_now)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    world.settle()
    final = wf.order(order.id)
    assert final.status in ("in_progress", "rejected")
    decided = len(texts(world, order.channel_id, "approved *SO-0001*")) + len(
        texts(world, order.channel_id, "rejected *SO-0001*")
    )
    assert decided == 1
    loser_told = ephemerals_to(world, OGECHI) + [str(e) for e in world.fake.view_errors.values()]
    loser_told.append(str(world.fake.views[reject_view]["blocks"]))  # refused after the form's check
    assert any("already" in t for t in loser_told)
    assert len(pdfs(world)) == (1 if final.status == "in_progress" else 0)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # Slack's limit, not the database's
def test_a_burst_of_orders_under_the_channel_create_limit(world):
    """Provoke: 40 submissions at once; conversations.create allows 10 calls a second (Tier 2,
    scaled), so the channels take four windows of 429s."""
    fake = world.fake
    orders = 40
    fake.rate_limit("conversations.create", 10, 1.0)
    for n in range(orders):
        assert fake.slash_command(LAYLA, "/so", "new").status == 200
        view = opened_view(world)
        fake.fill(view, ids.CLIENT, ids.CLIENT, f"Client {n}")
        fake.fill(view, ids.SITE, ids.SITE, "Site")
        fake.fill(view, ids.TITLE, ids.TITLE, f"Order {n}")
        assert fake.submit(LAYLA, view).status == 200
    world.settle(timeout=180)
    wf = world.runtime.workflow
    channels = {wf.find(str(n)).channel_id for n in range(1, orders + 1)}
    assert None not in channels and len(channels) == orders
    assert len([c for c in fake.channels.values() if c.name.startswith("so-")]) == orders
    assert all(len(cards_in(world, ch)) == 1 for ch in channels)
    assert fake.calls_inside_retry_after("conversations.create") == []


def test_a_permanent_error_alerts_the_admin_and_an_admin_retry_completes_it(world):
    """Provoke: pins.add answers restricted_action (a workspace setting) — a retry cannot mend it."""
    fake, wf = world.fake, world.runtime.workflow
    fake.fail_next("pins.add", error="restricted_action")
    order = submit_order(world)
    failed = wf.effects("failed")
    assert [e.kind for e in failed] == ["pin_card"]
    assert any("restricted_action" in m.get("text", "") for m in fake.dms(ADMIN))
    assert texts(world, order.channel_id, "restricted_action")
    assert wf.outbox.retry_effect(failed[0].id)
    world.settle()
    assert fake.channels[order.channel_id].pins == [wf.order(order.id).card_ts]
    assert not wf.effects("failed")


def test_a_field_worker_who_left_the_workspace_is_reported_not_fatal(world):
    """Provoke: Diego is deactivated before he is added to an order."""
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    approve(world, order)
    fake.remove_user(DIEGO)
    wf.add_field_workers(order.id, OGECHI, [DIEGO, PEDRO])
    world.runtime.dispatcher.wake()
    world.settle()
    channel = fake.channels[order.channel_id]
    assert PEDRO in channel.members and DIEGO not in channel.members
    assert texts(world, order.channel_id, "could not invite")
    assert not wf.effects("failed")
    assert card(world, order)


def test_two_confirmations_from_the_same_revision_the_second_is_refused(world):
    """Provoke: Diego and Ogechi open Create confirmation on revision 1 and both submit."""
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    approve(world, order)
    wf.add_field_workers(order.id, OGECHI, [DIEGO])
    world.runtime.dispatcher.wake()
    world.settle()
    click(world, DIEGO, order, ids.OPEN_CONFIRMATION)
    diego_view = opened_view(world)
    click(world, OGECHI, order, ids.OPEN_CONFIRMATION)
    ogechi_view = opened_view(world)
    fake.fill(diego_view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "3 h × 85")
    fake.fill(ogechi_view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "4 h × 85")
    assert fake.submit(DIEGO, diego_view).status == 200
    assert fake.submit(OGECHI, ogechi_view).status == 200
    world.settle()
    # refused under the note if Diego's was carried out before Ogechi's form was checked, else in
    # the form once the worker reaches hers: either way she reads why, in the form
    error = fake.view_errors.get(ogechi_view, {}).get(ids.CONFIRMATION_NOTE, "")
    shown = error or str(fake.views[ogechi_view]["blocks"])
    assert "changed since you opened this form" in shown and "revision 2" in shown
    assert wf.order(order.id).current_revision == 2
    assert str(wf.order(order.id).lines[0].quantity) == "3"  # Diego's, not merged with Ogechi's
    assert pdfs(world) == ["SO-0001-r1.pdf", "SO-0001-r2.pdf"]


def test_a_supervisor_who_left_does_not_hold_up_the_order(world):
    """Provoke: a second supervisor is deactivated before an order is submitted (the DM to them fails)."""
    fake, wf = world.fake, world.runtime.workflow
    wf.grant("test", PEDRO, "supervisor", check=False)
    fake.remove_user(PEDRO)
    order = submit_order(world)
    assert not wf.effects("failed")
    assert len(fake.dms(OGECHI)) == 1
    assert texts(world, order.channel_id, "could not invite")  # Pedro could not be invited
    approve(world, order)
    assert pdfs(world) == ["SO-0001-r1.pdf"]


def test_a_retry_after_one_process_was_given_holds_every_process(world):
    """Provoke: conversations.create answers 429 Retry-After: 3 to one process's dispatcher; another
    process (a dispatcher with its own memory, over the same database) then has a channel to create."""
    import time

    from bot.effects import Dispatcher
    from bot.worker import effects_client

    fake, wf, settings = world.fake, world.runtime.workflow, world.runtime.settings
    fake.fail_next("conversations.create", retry_after=3)

    def new_order(title: str) -> None:
        assert fake.slash_command(LAYLA, "/so", "new").status == 200
        view = opened_view(world)
        fake.fill(view, ids.CLIENT, ids.CLIENT, "Acme")
        fake.fill(view, ids.SITE, ids.SITE, "Site")
        fake.fill(view, ids.TITLE, ids.TITLE, title)
        assert fake.submit(LAYLA, view).status == 200

    new_order("First")
    deadline = time.monotonic() + 20
    while not any(c.status == 429 for c in fake.calls_to("conversations.create")):
        assert time.monotonic() < deadline, "the first process never called conversations.create"
        time.sleep(0.02)
    world.runtime.dispatcher.stop()  # that process is gone; its memory of the 429 with it
    other = Dispatcher(wf, effects_client(settings), settings, poll_seconds=0.05)
    other.start()
    try:
        new_order("Second")
        assert other.wait_idle(30)
    finally:
        other.stop()
    creates = fake.calls_to("conversations.create")
    assert [c.status for c in creates] == [429, 200, 200]
    assert fake.calls_inside_retry_after("conversations.create") == []
    assert len(channels_named(world, "so-")) == 2
