"""On PostgreSQL, a `serve` process killed in the middle of an order's first Slack call: the process
started after it takes the dead one's claim over within seconds, and the channel is made once."""

from __future__ import annotations

import pytest

from tests.bot.processes import (
    LAYLA,
    OGECHI,
    BotProcess,
    all_done,
    fresh_postgres,
    local_slack,
    submit_order,
    wait_until,
)
from tests.bot.test_crash import SECRET
from tests.conftest import _postgres_url

pytestmark = pytest.mark.processes  # spawns processes: kept in CI, `-m 'not processes'` skips them


@pytest.fixture
def postgres_bot(tmp_path):
    url = _postgres_url()  # skips locally without PostgreSQL, fails in CI
    wf = fresh_postgres(url)
    fake = local_slack(SECRET)
    bot = BotProcess(fake, url, tmp_path / "bot.log", SECRET)
    try:
        yield fake, wf, bot
    finally:
        bot.stop()
        fake.stop()
        wf.engine.dispose()


def test_a_process_killed_mid_create_is_taken_over_within_seconds(postgres_bot):
    """Provoke: SIGKILL while conversations.create is performed by Slack and not yet answered; start
    the bot again."""
    fake, wf, bot = postgres_bot
    bot.start()
    hold = fake.hold_next("conversations.create")
    try:
        submit_order(fake, "Router one")
        assert hold.wait_reached(30), "the channel create never started"
        bot.kill()
    finally:
        hold.release()  # the answer goes to a dead process
    order = wf.find("1")
    assert order is not None and not order.channel_id  # half made: the channel exists, unknown to the bot

    bot.start()

    def whole() -> bool:
        o = wf.find("1")
        if o is None or not o.channel_id or not o.card_ts:
            return False
        channel = fake.channels[o.channel_id]
        return {LAYLA, OGECHI} <= channel.members and fake.message(o.channel_id, o.card_ts) is not None

    wait_until(whole, timeout=30, what="the channel's invites and card after the restart")
    wait_until(lambda: all_done(wf), timeout=30, what="the order's remaining Slack actions")
    so_channels = [c for c in fake.channels.values() if c.name.startswith("so-")]
    assert [c.name for c in so_channels] == ["so-0001-nordic-dental-router-one"]  # created once
    order = wf.find("1")
    assert order is not None and order.channel_id == so_channels[0].id
    assert len([m for m in fake.messages(order.channel_id) if m.get("blocks")]) == 1  # one card
