"""Reminders through the local Slack: the jobs run with a chosen `now`, the bot performs what they
queued, and people see the DMs, the channel reminder, the topic, the overdue card, the archive."""

from __future__ import annotations

import time as clock
from dataclasses import replace
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.config import ConfigError, load_settings
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from bot.scheduler import reminder_settings, run_job
from forms import ids
from storage.models import Order
from tests.bot.helpers import card, click, opened_view, submit_order
from tests.bot.processes import wait_until
from tests.conftest import ADMIN, EVERYONE
from workflow import effects as fx
from workflow.reminders import (
    _queue_once,
    archive_channels,
    mark_overdue,
    remind_approvals,
    remind_planned,
    send_digests,
)
from workflow.working_hours import WorkingCalendar

REMINDER_VARIABLES = (
    "SO_APPROVAL_REMINDER_HOURS",
    "SO_WORKING_HOURS",
    "SO_WORKING_DAYS",
    "SO_DIGEST_TIME",
    "SO_ARCHIVE_AFTER_DAYS",
    "SO_SCHEDULER_SECONDS",
)


def always(world: World, **kw):  # type: ignore[no-untyped-def]
    """The bot's reminder settings, with every hour of every day a working one."""
    params = reminder_settings(world.runtime.settings)
    calendar = WorkingCalendar(ZoneInfo(world.runtime.settings.timezone), 0, 24 * 60, frozenset(range(7)))
    return replace(params, calendar=calendar, **kw)


def run(world: World, job, now, params) -> int:  # type: ignore[no-untyped-def]
    queued = job(world.runtime.workflow, now, params)
    world.settle()
    return queued


def set_planned(world: World, order_id: int, days_from_today: int) -> None:
    """Move an order's planned date (the form only offers dates from today on)."""
    wf = world.runtime.workflow
    today = wf.clock().astimezone(world.runtime.settings.tz).date()
    with wf.engine.begin() as conn:
        conn.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(planned_date=today + timedelta(days=days_from_today))
        )


def add_diego(world: World, order) -> None:  # type: ignore[no-untyped-def]
    click(world, OGECHI, order, ids.OPEN_ADD_FIELD_WORKERS)
    view = opened_view(world)
    world.fake.fill(view, ids.FIELD_WORKERS, ids.FIELD_WORKERS, [DIEGO])
    assert world.fake.submit(OGECHI, view).status == 200
    world.settle()


def test_supervisor_reminded_then_escalated_to_the_admins(world):
    fake = world.fake
    order = submit_order(world)
    created = world.runtime.workflow.order(order.id).created_at
    params = always(world, approval_hours=4)
    assert run(world, remind_approvals, created + timedelta(hours=3, minutes=59), params) == 0
    assert len(fake.dms(OGECHI)) == 1  # the approval request only
    assert run(world, remind_approvals, created + timedelta(hours=4), params) == 1
    reminder = fake.dms(OGECHI)[-1]["text"]
    assert "Reminder" in reminder and order.number in reminder and f"<#{order.channel_id}>" in reminder
    assert "4 working hours" in reminder
    assert fake.dms(ADMIN) == []
    # the same minute again, or a second scheduler: nothing twice
    assert run(world, remind_approvals, created + timedelta(hours=4), params) == 0
    assert run(world, remind_approvals, created + timedelta(hours=8), params) == 2
    assert len(fake.dms(OGECHI)) == 3 and len(fake.dms(ADMIN)) == 1
    escalated = fake.dms(ADMIN)[0]["text"]
    assert "Escalated" in escalated and order.number in escalated and "8 working hours" in escalated
    assert run(world, remind_approvals, created + timedelta(hours=30), params) == 0
    assert len(fake.dms(OGECHI)) == 3


def test_a_reminder_queued_just_before_the_approval_is_not_sent(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    # as if the job had queued it a moment before the click: performed after it, it says nothing
    row = fx.row(
        f"remind:{order.number}:approval:1:{OGECHI}",
        fx.APPROVAL_REMINDER,
        {"user": OGECHI},
        wf.clock(),
        order.id,
    )
    assert _queue_once(wf, [row]) == 1
    world.settle()
    assert [e.status for e in wf.effects() if e.key == row["key"]] == ["done"]
    assert [m for m in fake.dms(OGECHI) if "Reminder" in m["text"]] == []


def test_channel_reminder_the_day_before_mentions_the_field_workers(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    add_diego(world, order)
    set_planned(world, order.id, 1)
    assert run(world, remind_planned, wf.clock(), always(world)) == 1
    assert run(world, remind_planned, wf.clock(), always(world)) == 0
    reminders = [m["text"] for m in fake.messages(order.channel_id) if ":calendar:" in m.get("text", "")]
    assert len(reminders) == 1
    assert f"<@{DIEGO}>" in reminders[0] and order.number in reminders[0] and "planned for" in reminders[0]


def test_the_channel_topic_follows_the_status(world):
    fake = world.fake
    order = submit_order(world)
    channel = fake.channels[order.channel_id]
    assert channel.topic == f"{order.number} · Pending approval"
    set_planned(world, order.id, 3)
    click(world, OGECHI, order, ids.APPROVE)
    planned = world.runtime.workflow.order(order.id).planned_date
    assert channel.topic == f"{order.number} · In progress · planned {planned.isoformat()}"
    add_diego(world, order)  # no status change: no topic call
    assert len(fake.calls_to("conversations.setTopic")) == 2


def test_an_overdue_order_is_marked_on_its_card(world):
    wf = world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    set_planned(world, order.id, -1)
    assert "Overdue" not in str(card(world, order)["blocks"])
    assert run(world, mark_overdue, wf.clock(), always(world)) == 1
    assert "Overdue" in str(card(world, order)["blocks"])
    assert run(world, mark_overdue, wf.clock(), always(world)) == 0


def test_order_channels_are_archived_days_after_closing(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    wf.close(order.id, OGECHI, "completed", attested=True)
    world.settle()
    closed_at = wf.order(order.id).updated_at
    assert run(world, archive_channels, closed_at + timedelta(days=30), always(world)) == 0  # default: never
    params = always(world, archive_after_days=7)
    assert run(world, archive_channels, closed_at + timedelta(days=6), params) == 0
    assert not fake.channels[order.channel_id].archived
    assert run(world, archive_channels, closed_at + timedelta(days=7), params) == 1
    assert fake.channels[order.channel_id].archived
    assert run(world, archive_channels, closed_at + timedelta(days=8), params) == 0
    assert len(fake.calls_to("conversations.archive")) == 1


def test_coordinators_get_a_daily_digest(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    now = wf.clock()
    local = now.astimezone(world.runtime.settings.tz)
    params = always(world, digest_time=time(local.hour, local.minute))
    assert run(world, send_digests, now, params) == 1
    assert run(world, send_digests, now + timedelta(minutes=1), params) == 0
    [digest] = fake.dms(LAYLA)
    assert "Your service orders" in digest["text"] and order.number in digest["text"]
    assert f"<#{order.channel_id}>" in digest["text"]


def test_a_failing_job_is_logged_and_keeps_the_worker_alive(world, caplog):
    def broken(wf, now, params):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    broken.__name__ = "broken"
    woken = []
    assert run_job(broken, world.runtime.workflow, always(world), lambda: woken.append(1)) == 0
    assert "scheduled job broken failed" in caplog.text and woken == []


def test_the_dispatchers_scheduler_runs_the_jobs_by_itself(tmp_path):
    """Thread mode (tests, the demo): the scheduler starts and stops with the dispatcher."""
    reminding = {
        "approval_reminder_hours": 0.0005,  # 1.8 s
        "working_hours": (0, 24 * 60),
        "working_days": tuple(range(7)),
        "scheduler_seconds": 0.2,
    }
    with local_world(f"sqlite:///{tmp_path / 'so.db'}", people=EVERYONE, **reminding) as w:
        w.runtime.workflow.grant("test", LAYLA, "coordinator", check=False)
        w.runtime.workflow.grant("test", OGECHI, "supervisor", check=False)
        order = submit_order(w)
        wait_until(lambda: any("Reminder" in m["text"] for m in w.fake.dms(OGECHI)), 30, "the reminder")
        clock.sleep(1)  # five more runs
        assert len([m for m in w.fake.dms(OGECHI) if "Reminder" in m["text"]]) == 1
        assert order.number in w.fake.dms(OGECHI)[-1]["text"]
        scheduler = w.runtime.dispatcher._scheduler
        assert scheduler is not None and scheduler.running
    assert not scheduler.running


def test_reminder_settings_from_the_environment():
    s = load_settings(
        {
            "SO_TIMEZONE": "Europe/Madrid",
            "SO_APPROVAL_REMINDER_HOURS": "2.5",
            "SO_WORKING_HOURS": "07:30-24:00",
            "SO_WORKING_DAYS": "mon-thu,sat",
            "SO_DIGEST_TIME": "8:05",
            "SO_ARCHIVE_AFTER_DAYS": "30",
            "SO_SCHEDULER_SECONDS": "15",
        }
    )
    params = reminder_settings(s)
    assert params.approval_hours == 2.5 and params.archive_after_days == 30
    assert params.digest_time == time(8, 5) and s.scheduler_seconds == 15
    cal = params.calendar
    assert (cal.tz.key, cal.opens, cal.closes, cal.days) == (
        "Europe/Madrid",
        450,
        1440,
        frozenset({0, 1, 2, 3, 5}),
    )
    defaults = reminder_settings(load_settings({}))
    assert (defaults.calendar.opens, defaults.calendar.closes) == (480, 1080)
    assert defaults.calendar.days == frozenset(range(5)) and defaults.digest_time is None
    assert (defaults.approval_hours, defaults.archive_after_days) == (4, 0)


@pytest.mark.parametrize(
    "name, value",
    [
        ("SO_WORKING_HOURS", "18:00-08:00"),
        ("SO_WORKING_HOURS", "9-25"),
        ("SO_WORKING_DAYS", "weekdays"),
        ("SO_DIGEST_TIME", "half past eight"),
        ("SO_ARCHIVE_AFTER_DAYS", "-1"),
        ("SO_APPROVAL_REMINDER_HOURS", "four"),
        ("SO_SCHEDULER_SECONDS", "nan"),
    ],
)
def test_a_wrong_reminder_setting_is_named(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_every_reminder_setting_is_documented():
    root = Path(__file__).resolve().parents[2]
    example, readme = (root / ".env.example").read_text(), (root / "README.md").read_text()
    for name in REMINDER_VARIABLES:
        assert f"\n{name}=" in example and f"`{name}`" in readme, name
