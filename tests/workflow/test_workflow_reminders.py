"""The reminder jobs with a fixed clock, on SQLite and PostgreSQL: what each queues, and never twice —
not when run again, and not when two scheduler instances (two Workflows) run at the same moment."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wf_helpers import ADMIN, REQUESTER, SUPERVISOR, SUPERVISOR_2, WORKER, Clock, draft

from workflow import effects as fx
from workflow import reminders
from workflow.reminders import (
    ReminderSettings,
    archive_channels,
    mark_overdue,
    remind_approvals,
    remind_planned,
    send_digests,
)
from workflow.rules import Status, is_overdue
from workflow.service import Workflow
from workflow.working_hours import WorkingCalendar

# Office hours in UTC, Monday to Friday: wf_helpers.START is Monday 2025-03-03 09:00 UTC.
OFFICE = WorkingCalendar(ZoneInfo("UTC"), 8 * 60, 18 * 60, frozenset(range(5)))
SETTINGS = ReminderSettings(calendar=OFFICE, approval_hours=4)
MONDAY = date(2025, 3, 3)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def queued(wf: Workflow, prefix: str) -> list:  # type: ignore[type-arg]
    return [e for e in wf.effects() if e.key.startswith(prefix)]


def submit(wf: Workflow, clock: Clock, when: datetime, **kw):  # type: ignore[no-untyped-def]
    clock.now = when
    planned = kw.pop("planned_date", None)
    return wf.submit(kw.pop("actor", REQUESTER), replace(draft(**kw), planned_date=planned))


def started(wf: Workflow, clock: Clock, when: datetime, planned: date | None):  # type: ignore[no-untyped-def]
    order = submit(wf, clock, when, planned_date=planned)
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    return wf.order(order.id)


# ---------------------------------------------------------------- approval reminders
def test_supervisors_are_reminded_after_four_working_hours_and_admins_at_eight(wf, clock):
    order = submit(wf, clock, at(MONDAY, 9))
    assert remind_approvals(wf, at(MONDAY, 12, 59), SETTINGS) == 0
    assert remind_approvals(wf, at(MONDAY, 13), SETTINGS) == 2
    first = queued(wf, "remind:")
    assert [(e.key, e.kind, e.order_id) for e in first] == [
        (f"remind:SO-0001:approval:1:{SUPERVISOR}", fx.APPROVAL_REMINDER, order.id),
        (f"remind:SO-0001:approval:1:{SUPERVISOR_2}", fx.APPROVAL_REMINDER, order.id),
    ]
    assert first[0].payload == {"user": SUPERVISOR, "level": 1, "hours": 4}
    # every minute after that (and a restart within the minute) queues nothing more
    assert remind_approvals(wf, at(MONDAY, 13), SETTINGS) == 0
    assert remind_approvals(wf, at(MONDAY, 16, 59), SETTINGS) == 0
    assert remind_approvals(wf, at(MONDAY, 17), SETTINGS) == 3  # the supervisors again, and the admin
    second = [e for e in queued(wf, "remind:") if e.payload["level"] == 2]
    assert sorted(e.payload["user"] for e in second) == sorted([SUPERVISOR, SUPERVISOR_2, ADMIN])
    assert all(e.payload["hours"] == 8 for e in second)
    assert remind_approvals(wf, at(MONDAY + timedelta(days=1), 12), SETTINGS) == 0
    assert len(queued(wf, "remind:")) == 5


def test_working_hours_only_nights_and_weekends_do_not_count(wf, clock):
    friday = MONDAY + timedelta(days=4)
    submit(wf, clock, at(friday, 16))  # two working hours on Friday
    assert remind_approvals(wf, at(friday, 17, 59), SETTINGS) == 0
    assert remind_approvals(wf, at(friday + timedelta(days=1), 12), SETTINGS) == 0  # Saturday
    monday = friday + timedelta(days=3)
    assert remind_approvals(wf, at(monday, 9, 59), SETTINGS) == 0
    assert remind_approvals(wf, at(monday, 10), SETTINGS) == 2


def test_nobody_is_woken_at_night(wf, clock):
    submit(wf, clock, at(MONDAY, 9))
    # the worker was down all afternoon: the reminder waits for the next working hours
    assert remind_approvals(wf, at(MONDAY, 22), SETTINGS) == 0
    tuesday = MONDAY + timedelta(days=1)
    assert remind_approvals(wf, at(tuesday, 8), SETTINGS) == 3  # 9 working hours: escalated at once
    assert {e.payload["level"] for e in queued(wf, "remind:")} == {2}


def test_the_company_time_zone_decides_the_working_hours(wf, clock):
    tokyo = ReminderSettings(calendar=replace(OFFICE, tz=ZoneInfo("Asia/Tokyo")), approval_hours=4)
    # Monday 00:00 UTC is 09:00 in Tokyo: four working hours there by 04:00 UTC
    submit(wf, clock, at(MONDAY, 0))
    assert remind_approvals(wf, at(MONDAY, 3, 59), tokyo) == 0
    assert remind_approvals(wf, at(MONDAY, 4), tokyo) == 2


def test_the_requester_is_not_reminded_of_their_own_order(wf, clock):
    wf.grant("test", SUPERVISOR, "coordinator", check=False)
    submit(wf, clock, at(MONDAY, 9), actor=SUPERVISOR)
    assert remind_approvals(wf, at(MONDAY, 17), SETTINGS) == 2
    assert sorted(e.payload["user"] for e in queued(wf, "remind:")) == sorted([SUPERVISOR_2, ADMIN])


def test_decided_orders_and_zero_hours_remind_nobody(wf, clock):
    order = submit(wf, clock, at(MONDAY, 9))
    assert remind_approvals(wf, at(MONDAY, 17), replace(SETTINGS, approval_hours=0)) == 0
    wf.approve(order.id, SUPERVISOR)
    assert remind_approvals(wf, at(MONDAY, 17), SETTINGS) == 0
    assert queued(wf, "remind:") == []


def test_two_scheduler_instances_at_the_same_moment_queue_each_reminder_once(wf, clock, engine):
    for n in range(5):
        submit(wf, clock, at(MONDAY, 9), title=f"Order {n}")
    other = Workflow(engine, wf.policy, clock=clock)  # a second process's scheduler
    now = at(MONDAY, 17)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run(w: Workflow) -> None:
        barrier.wait()
        counts.append(remind_approvals(w, now, SETTINGS))

    threads = [threading.Thread(target=run, args=(w,)) for w in (wf, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 5 * 3
    keys = [e.key for e in queued(wf, "remind:")]
    assert len(keys) == len(set(keys)) == 15


def test_a_key_inserted_by_another_process_meanwhile_is_skipped_not_an_error(wf, clock, monkeypatch):
    submit(wf, clock, at(MONDAY, 9))
    assert remind_approvals(wf, at(MONDAY, 13), SETTINGS) == 2
    # the other process inserted between this one's look and its insert: ON CONFLICT DO NOTHING
    monkeypatch.setattr(reminders, "_existing", lambda s, keys: set())
    assert remind_approvals(wf, at(MONDAY, 13), SETTINGS) == 0
    assert len(queued(wf, "remind:")) == 2


# ---------------------------------------------------------------- the day before, overdue
def test_channel_reminder_the_working_day_before_the_planned_date(wf, clock):
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    order = started(wf, clock, at(MONDAY, 9), planned=tuesday)
    started(wf, clock, at(MONDAY, 9), planned=wednesday)
    submit(wf, clock, at(MONDAY, 9), planned_date=tuesday)  # pending: approval reminders cover it
    assert remind_planned(wf, at(MONDAY, 7), SETTINGS) == 0  # before opening
    assert remind_planned(wf, at(MONDAY, 10), SETTINGS) == 1
    assert remind_planned(wf, at(MONDAY, 11), SETTINGS) == 0
    [effect] = queued(wf, "remind:")
    assert (effect.key, effect.kind, effect.order_id) == (
        "remind:SO-0001:planned:2025-03-04",
        fx.PLANNED_REMINDER,
        order.id,
    )
    assert effect.payload == {"planned_date": "2025-03-04"}
    assert remind_planned(wf, at(tuesday, 10), SETTINGS) == 1  # SO-0002, planned for Wednesday


def test_friday_reminds_of_the_weekend_and_monday(wf, clock):
    friday = MONDAY + timedelta(days=4)
    for planned in (friday + timedelta(days=1), friday + timedelta(days=3), friday + timedelta(days=4)):
        started(wf, clock, at(MONDAY, 9), planned=planned)
    assert remind_planned(wf, at(friday, 12), SETTINGS) == 2  # Saturday and Monday, not Tuesday
    assert remind_planned(wf, at(friday + timedelta(days=1), 12), SETTINGS) == 0  # a day off


def test_an_order_past_its_planned_date_gets_its_card_marked_once(wf, clock):
    order = started(wf, clock, at(MONDAY, 9), planned=MONDAY)
    assert mark_overdue(wf, at(MONDAY, 23, 59), SETTINGS) == 0
    tuesday = MONDAY + timedelta(days=1)
    assert mark_overdue(wf, at(tuesday, 0), SETTINGS) == 1
    assert mark_overdue(wf, at(tuesday, 0, 1), SETTINGS) == 0
    [effect] = queued(wf, "card-overdue:")
    assert (effect.kind, effect.key, effect.order_id) == (
        fx.UPDATE_CARD,
        "card-overdue:SO-0001:2025-03-03",
        order.id,
    )
    assert effect.payload["overdue"] is True
    wf.close(order.id, SUPERVISOR, "completed", attested=True)
    assert mark_overdue(wf, at(tuesday, 12), SETTINGS) == 0


def test_is_overdue_uses_the_company_date():
    order = type("O", (), {"status": Status.IN_PROGRESS, "planned_date": MONDAY})()
    assert not is_overdue(order, MONDAY)
    assert is_overdue(order, MONDAY + timedelta(days=1))
    order.status = Status.CLOSED
    assert not is_overdue(order, MONDAY + timedelta(days=1))
    order.status, order.planned_date = Status.IN_PROGRESS, None
    assert not is_overdue(order, MONDAY + timedelta(days=9))
    # Monday 23:30 UTC is Tuesday in Tokyo: the order planned for Monday is overdue there
    late = at(MONDAY, 23, 30)
    order.planned_date = MONDAY
    assert is_overdue(order, WorkingCalendar(ZoneInfo("Asia/Tokyo")).today(late))
    assert not is_overdue(order, OFFICE.today(late))


# ---------------------------------------------------------------- topic, archive, digest
def test_every_status_change_sets_the_channel_topic_once(wf, clock):
    order = submit(wf, clock, at(MONDAY, 9))
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])  # not a status change
    wf.close(order.id, WORKER, "completed", attested=True)
    topics = [(e.key, e.payload) for e in wf.effects() if e.kind == fx.SET_TOPIC]
    assert topics == [
        ("topic:SO-0001:pending_approval", {"status": "pending_approval"}),
        ("topic:SO-0001:in_progress", {"status": "in_progress"}),
        ("topic:SO-0001:closed", {"status": "closed"}),
    ]
    rejected = submit(wf, clock, at(MONDAY, 9))
    wf.reject(rejected.id, SUPERVISOR, "No budget")
    assert queued(wf, "topic:SO-0002:")[-1].payload == {"status": "rejected"}


def test_channels_are_archived_days_after_the_order_ended(wf, clock):
    settings = replace(SETTINGS, archive_after_days=3)
    closed = started(wf, clock, at(MONDAY, 9), planned=None)
    rejected = submit(wf, clock, at(MONDAY, 9))
    open_one = started(wf, clock, at(MONDAY, 9), planned=None)
    no_channel = submit(wf, clock, at(MONDAY, 9))
    for o in (closed, rejected, open_one):
        wf.record_channel(o.id, f"C{o.id}", f"so-{o.id}")
    clock.now = at(MONDAY, 10)
    wf.close(closed.id, SUPERVISOR, "completed", attested=True)
    wf.reject(rejected.id, SUPERVISOR, "No budget")
    wf.reject(no_channel.id, SUPERVISOR, "Duplicate")
    assert archive_channels(wf, at(MONDAY, 10) + timedelta(days=30), SETTINGS) == 0  # off by default
    assert archive_channels(wf, at(MONDAY, 9, 59) + timedelta(days=3), settings) == 0
    assert archive_channels(wf, at(MONDAY, 10) + timedelta(days=3), settings) == 2
    assert archive_channels(wf, at(MONDAY, 11) + timedelta(days=3), settings) == 0
    archived = queued(wf, "archive:")
    assert sorted((e.key, e.kind, e.order_id) for e in archived) == [
        ("archive:SO-0001", fx.ARCHIVE, closed.id),
        ("archive:SO-0002", fx.ARCHIVE, rejected.id),
    ]


def test_daily_digest_for_each_coordinator(wf, clock, engine):
    settings = replace(SETTINGS, digest_time=time(8, 30))
    tuesday = MONDAY + timedelta(days=1)
    waiting = submit(wf, clock, at(MONDAY, 7))  # before Monday's digest: waits, did not move since
    moved = started(wf, clock, at(MONDAY, 9), planned=MONDAY)
    wf.grant("test", "U_COORD2", "coordinator", check=False)  # nothing to tell them
    assert send_digests(wf, at(tuesday, 8, 29), settings) == 0
    assert send_digests(wf, at(tuesday, 8, 30), settings) == 2
    assert send_digests(wf, at(tuesday, 8, 31), settings) == 0
    assert send_digests(wf, at(tuesday, 8, 30), replace(settings, digest_time=None)) == 0
    digest = wf.effects()[-2]
    assert (digest.key, digest.kind, digest.order_id, digest.status) == (
        f"digest:{REQUESTER}:2025-03-04",
        fx.DIGEST,
        None,
        "pending",
    )
    p = digest.payload
    assert [i["number"] for i in p["moved"]] == [moved.number] and p["moved_total"] == 1
    assert [i["number"] for i in p["waiting"]] == [waiting.number, moved.number]
    assert p["waiting"][1]["overdue"] is True and p["waiting"][0]["status"] == "pending_approval"
    empty = wf.effects()[-1]
    assert (empty.key, empty.status) == ("digest:U_COORD2:2025-03-04", "done")  # recorded, not sent
    saturday = MONDAY + timedelta(days=5)
    assert send_digests(wf, at(saturday, 9), settings) == 0
    # the next working day's digest counts what moved since the previous one
    assert send_digests(wf, at(MONDAY + timedelta(days=7), 9), settings) == 2
    assert wf.effects()[-2].payload["since"] == at(MONDAY + timedelta(days=4), 8, 30).isoformat()
