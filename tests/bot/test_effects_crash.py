"""On PostgreSQL, a `serve` process killed in the middle of an order's first Slack call: the process
started after it takes the dead one's claim over within seconds, and the channel is made once."""

from __future__ import annotations

import pytest

from forms import ids
from sandbox import FakeSlack
from storage.db import create_schema, drop_schema, make_engine
from tests.bot.processes import BotProcess, all_done, wait_until
from tests.bot.test_crash import LAYLA, OGECHI, SECRET
from tests.conftest import _postgres_url
from workflow.service import Workflow


def submit(fake: FakeSlack, title: str) -> None:
    """Layla opens /so new (the bot may open the form just after its answer), fills it, submits."""
    opened = len(fake.calls_to("views.open"))
    assert fake.slash_command(LAYLA, "/so", "new").status == 200
    wait_until(lambda: len(fake.calls_to("views.open")) > opened, timeout=10, what="the new-order form")
    view = fake.calls_to("views.open")[-1].response["view"]["id"]
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Nordic Dental")
    fake.fill(view, ids.SITE, ids.SITE, "Main street 1")
    fake.fill(view, ids.TITLE, ids.TITLE, title)
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    assert fake.submit(LAYLA, view).status == 200


@pytest.fixture
def postgres_bot(tmp_path):
    url = _postgres_url()  # skips locally without PostgreSQL, fails in CI
    engine = make_engine(url)
    drop_schema(engine)
    create_schema(engine)
    wf = Workflow(engine)
    wf.grant("test", LAYLA, "coordinator", check=False)
    wf.grant("test", OGECHI, "supervisor", check=False)
    fake = FakeSlack(signing_secret=SECRET)
    fake.start()
    fake.add_user(LAYLA, "layla", "Layla Haddad")
    fake.add_user(OGECHI, "ogechi", "Ogechi Okafor")
    bot = BotProcess(fake, url, tmp_path / "bot.log", SECRET)
    try:
        yield fake, wf, bot
    finally:
        bot.stop()
        fake.stop()
        engine.dispose()


def test_a_process_killed_mid_create_is_taken_over_within_seconds(postgres_bot):
    """Provoke: SIGKILL while conversations.create is performed by Slack and not yet answered; start
    the bot again."""
    fake, wf, bot = postgres_bot
    bot.start()
    hold = fake.hold_next("conversations.create")
    try:
        submit(fake, "Router one")
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
