"""Three `service-orders serve` processes over one PostgreSQL database, requests landing on any of
them: nothing happens twice, nothing is lost."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from forms import ids
from tests.bot.processes import (
    LAYLA,
    OGECHI,
    BotProcess,
    all_done,
    fresh_postgres,
    local_slack,
    opened_for,
    submit_order,
    wait_until,
)
from tests.conftest import _postgres_url
from workflow.service import channel_name

pytestmark = pytest.mark.processes  # spawns processes: kept in CI, `-m 'not processes'` skips them

SECRET = "replica-test-secret"
ORDERS = 50


def coordinator(n: int) -> str:
    return f"U0COORD{n:03d}"


@pytest.fixture
def replicas(tmp_path):
    url = _postgres_url()  # skips locally without PostgreSQL, fails in CI
    wf = fresh_postgres(url)
    fake = local_slack(SECRET)
    for n in range(ORDERS):  # one coordinator per order: a person has one modal open at a time
        fake.add_user(coordinator(n), f"coordinator{n}", f"Coordinator {n}")
        wf.grant("test", coordinator(n), "coordinator", check=False)
    bots = [BotProcess(fake, url, tmp_path / f"bot{i}.log", SECRET) for i in range(3)]
    try:
        for bot in bots:
            bot.start()
        fake.request_urls = [bot.url for bot in bots]  # a load balancer in front of the replicas
        yield fake, wf, bots
    finally:
        for bot in bots:
            bot.stop()
        fake.stop()
        wf.engine.dispose()


def test_three_replicas_fifty_orders_nothing_twice(replicas):
    fake, wf, bots = replicas

    def one_order(n: int) -> None:
        # Each person's modal is their own: find it by the trigger the command carried.
        submit_order(fake, f"Order {n}", coordinator(n), f"Client {n}", "1 h × 80")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one_order, range(ORDERS)))
    wait_until(lambda: all_done(wf), timeout=120, what="every order's channel and card")

    orders = [wf.find(str(n)) for n in range(1, ORDERS + 1)]
    assert all(o is not None and o.channel_id and o.card_ts for o in orders)

    def approve(order) -> None:  # type: ignore[no-untyped-def]
        assert fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE).status == 200

    order_list = list(orders)
    random.shuffle(order_list)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(approve, order_list))
    wait_until(lambda: all_done(wf), timeout=120, what="every approval's PDF")

    so_channels = [c for c in fake.channels.values() if c.name.startswith("so-")]
    assert len(so_channels) == ORDERS
    # each order's own channel, under the name it asked for (no "-2" from a second create)
    assert sorted(c.id for c in so_channels) == sorted(o.channel_id for o in orders)
    assert all(fake.channels[o.channel_id].name == channel_name(o.number, o.client, o.title) for o in orders)
    for order in orders:
        messages = fake.messages(order.channel_id)
        assert len([m for m in messages if m.get("blocks")]) == 1, order.number  # one card
        assert fake.channels[order.channel_id].pins == [order.card_ts]
        assert len([m for m in messages if "submitted *" in m.get("text", "")]) == 1
        assert len([m for m in messages if "approved *" in m.get("text", "")]) == 1
        assert wf.order(order.id).status == "in_progress"
    shared_pdfs = [f["name"] for f in fake.files.values() if f.get("shared_to")]
    assert sorted(shared_pdfs) == sorted(f"{o.number}-r1.pdf" for o in orders)
    assert len(fake.dms(OGECHI)) == ORDERS
    # the work was shared: every replica answered requests
    assert len({c.params.get("trigger_id") for c in fake.calls_to("views.open")}) == ORDERS


def test_one_event_delivered_to_every_replica_is_one_note(replicas):
    fake, wf, bots = replicas
    result = fake.slash_command(LAYLA, "/so", "new")
    view = opened_for(fake, result)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Acme")
    fake.fill(view, ids.SITE, ids.SITE, "Site")
    fake.fill(view, ids.TITLE, ids.TITLE, "Router")
    assert fake.submit(LAYLA, view).status == 200 and result.status == 200
    wait_until(lambda: all_done(wf), timeout=60, what="the order's channel")
    order = wf.find("1")
    event = {
        "type": "message",
        "channel": order.channel_id,
        "user": LAYLA,
        "text": "Gate code 1234",
        "ts": "1764000000.002000",
        "thread_ts": order.card_ts,
        "channel_type": "group",
        "event_ts": "1764000000.002000",
    }
    for retry, bot in enumerate(bots):
        fake.request_urls = [bot.url]
        assert fake.deliver_event(event, event_id="Ev0REPLICA", retry_num=retry or None).status == 200
    wait_until(lambda: all_done(wf), timeout=60, what="the reaction")
    with wf.engine.connect() as conn:
        notes = conn.exec_driver_sql("select count(*) from activities where kind = 'note'").scalar()
    assert notes == 1
    assert len(fake.calls_to("reactions.add")) == 1


# Every replica runs the reminder jobs each second; the effect keys, not a leader, keep them single.
REMINDING = {
    "SO_APPROVAL_REMINDER_HOURS": "0.0015",  # 5.4 s; escalated at 10.8 s
    "SO_WORKING_HOURS": "00:00-24:00",
    "SO_WORKING_DAYS": "mon-sun",
    "SO_SCHEDULER_SECONDS": "1",
}
REMINDED_ORDERS = 4
ANA = "U0ANAADM1"


def test_three_replicas_remind_and_escalate_once(replicas, tmp_path):
    fake, wf, bots = replicas
    fake.add_user(ANA, "ana", "Ana Admin")
    wf.grant("test", ANA, "admin", check=False)
    for bot in bots:  # restarted with the reminders on: they survive restarts too
        bot.stop()
        bot.env.update(REMINDING)
        bot.start()
    for n in range(REMINDED_ORDERS):
        submit_order(fake, f"Order {n}", coordinator(n), f"Client {n}", "1 h × 80")

    def escalations_done() -> int:
        with wf.engine.connect() as conn:
            query = "select count(*) from effects where key like :k and status = 'done'"
            return conn.execute(text(query), {"k": "remind:%:approval:2:%"}).scalar()

    wait_until(lambda: escalations_done() == REMINDED_ORDERS * 2, timeout=90, what="every escalation")
    time.sleep(3)  # three more ticks of three schedulers: room for a duplicate to show up
    wait_until(lambda: all_done(wf), timeout=30, what="the last Slack calls")
    for n in range(1, REMINDED_ORDERS + 1):
        number = f"SO-{n:04d}"
        to_ogechi = [m["text"] for m in fake.dms(OGECHI) if f"*{number}*" in m["text"]]
        assert len([t for t in to_ogechi if "Reminder" in t]) == 1, (number, to_ogechi)
        assert len([t for t in to_ogechi if "Escalated" in t]) == 1, (number, to_ogechi)
        to_ana = [m["text"] for m in fake.dms(ANA) if f"*{number}*" in m["text"]]
        assert len(to_ana) == 1 and "Escalated" in to_ana[0]
    with wf.engine.connect() as conn:
        kinds = conn.exec_driver_sql("select count(*) from effects where kind = 'approval_reminder'").scalar()
    assert kinds == REMINDED_ORDERS * 3
    assert all("reminder jobs every 1s" in bot.log.read_text() for bot in bots)  # each ran them
