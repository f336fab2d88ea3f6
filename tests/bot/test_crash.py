"""Kill the bot process (SIGKILL) while Slack calls are in flight, start it again: nothing is lost,
nothing is done twice. The bot runs as `service-orders serve` in a process of its own."""

from __future__ import annotations

import time

import pytest

from forms import ids
from tests.bot.processes import LAYLA, OGECHI, BotProcess, all_done, local_slack, submit_order, wait_until
from workflow.service import open_workflow

pytestmark = pytest.mark.processes  # spawns processes: kept in CI, `-m 'not processes'` skips them

SECRET = "crash-test-secret"


@pytest.fixture
def crash_world(tmp_path):
    fake = local_slack(SECRET)
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    wf = open_workflow(db_url)
    wf.grant("test", LAYLA, "coordinator", check=False)
    wf.grant("test", OGECHI, "supervisor", check=False)
    bot = BotProcess(fake, db_url, tmp_path / "bot.log", SECRET)
    try:
        yield fake, wf, bot
    finally:
        bot.stop()
        fake.stop()
        wf.engine.dispose()


def test_sigkill_between_commit_and_effects_and_mid_call_loses_nothing_and_repeats_nothing(crash_world):
    """Provoke: SIGKILL while a channel create and a card post are performed but not yet answered;
    then SIGKILL in the middle of a PDF upload. Restart each time."""
    fake, wf, bot = crash_world
    bot.start()
    # Slack performs these at once but answers slowly: the process dies before it hears back.
    fake.delay_next("conversations.create", 5.0)
    submit_order(fake, "Router one")
    submit_order(fake, "Router two")
    wait_until(lambda: fake.calls_to("conversations.create"), what="the first channel create")
    bot.kill()
    assert not all_done(wf), "effects must still be pending when the process dies"

    bot.start()
    fake.delay_next("chat.postMessage", 5.0)  # the next card post is performed, its answer never heard
    wait_until(
        lambda: any(m.get("blocks") for c in fake.channels.values() for m in fake.messages(c.id)),
        what="a card posted",
    )
    bot.kill()

    bot.start()
    wait_until(lambda: all_done(wf), what="every pending effect done after the restarts")
    orders = [wf.find("1"), wf.find("2")]
    so_channels = [c for c in fake.channels.values() if c.name.startswith("so-")]
    assert sorted(c.name for c in so_channels) == [
        "so-0001-nordic-dental-router-one",
        "so-0002-nordic-dental-router-two",
    ]
    for order in orders:
        cards = [m for m in fake.messages(order.channel_id) if m.get("blocks")]
        assert len(cards) == 1 and cards[0]["ts"] == order.card_ts
        assert fake.channels[order.channel_id].pins == [order.card_ts]
        submitted = [m for m in fake.messages(order.channel_id) if "submitted *" in m.get("text", "")]
        assert len(submitted) == 1

    # approve, and die in the middle of the PDF upload (the bytes are sent, the share not yet done)
    card = orders[0]
    fake.delay_next("upload", 5.0)
    fake.click(OGECHI, card.channel_id, card.card_ts, ids.APPROVE)
    wait_until(lambda: fake.calls_to("files.getUploadURLExternal"), what="the upload to start")
    time.sleep(0.3)
    bot.kill()
    bot.start()
    wait_until(lambda: all_done(wf), what="the PDF after the restart")
    pdfs = [f["name"] for f in fake.files.values() if f["name"].endswith(".pdf") and f.get("shared_to")]
    assert pdfs == ["SO-0001-r1.pdf"]
    approved = [m for m in fake.messages(card.channel_id) if "approved *SO-0001*" in m.get("text", "")]
    assert len(approved) == 1
    assert wf.order(card.id).status == "in_progress"
