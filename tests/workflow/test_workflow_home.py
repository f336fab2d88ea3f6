"""The App Home's reads and refresh queueing (workflow.home), on SQLite and PostgreSQL, with a
clock that stands still."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session, select
from wf_helpers import (
    ADMIN,
    NOBODY,
    OTHER_WORKER,
    REQUESTER,
    SUPERVISOR,
    SUPERVISOR_2,
    WORKER,
    draft,
    line,
)

from storage.models import HomeViewer
from tests.workflow.bulk import insert_orders
from workflow import effects as fx
from workflow.home import bucket_of, working_start
from workflow.rules import Action, Status
from workflow.service import Policy, Workflow
from workflow.working_hours import WorkingCalendar, working_time

EVERYONE = (REQUESTER, SUPERVISOR, SUPERVISOR_2, ADMIN, WORKER, OTHER_WORKER, NOBODY)


def numbers(section) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.number for r in section.rows]


def publishes(wf: Workflow) -> list[tuple[str, str, datetime | None]]:
    """(key, user, not_before) of every publish_home effect, in the order they were queued."""
    with wf.engine.connect() as conn:
        rows = conn.execute(
            text("select key, payload, not_before, order_id from effects where kind = :k order by id"),
            {"k": fx.PUBLISH_HOME},
        ).all()
    assert all(r[3] is None for r in rows), "a Home publish must stand in no order's queue"
    out = []
    for key, payload, not_before, _ in rows:
        user = (payload if isinstance(payload, dict) else json.loads(payload))["user"]
        if isinstance(not_before, str):
            not_before = datetime.fromisoformat(not_before)
        if not_before is not None and not_before.tzinfo is None:
            not_before = not_before.replace(tzinfo=UTC)
        out.append((key, user, not_before))
    return out


def users_refreshed(wf: Workflow, since: int = 0) -> list[str]:
    return sorted(u for k, u, _ in publishes(wf)[since:] if ":opened:" not in k)


# ------------------------------------------------------------------------------------ sections


def test_my_open_orders_and_recently_ended_with_the_actions_i_may_use(wf, clock):
    a = wf.submit(REQUESTER, draft(title="A"))
    b = wf.submit(REQUESTER, draft(title="B"))
    c = wf.submit(REQUESTER, draft(title="C"))
    wf.approve(b.id, SUPERVISOR)
    wf.add_field_workers(b.id, REQUESTER, [WORKER])
    wf.approve(c.id, SUPERVISOR)
    wf.close(c.id, REQUESTER, "not_performed", "Client cancelled the visit")

    mine = wf.home(REQUESTER)
    assert not mine.approver and mine.exceptions is None
    assert numbers(mine.mine) == [b.number, a.number]  # newest first; the closed one is not open
    assert mine.mine.total == 2 and mine.mine.more == 0
    pending, in_progress = mine.mine.rows[1], mine.mine.rows[0]
    assert pending.status is Status.PENDING_APPROVAL and pending.actions == ()  # a coordinator
    assert in_progress.actions == (Action.ADD_FIELD_WORKERS, Action.CONFIRM, Action.CLOSE)
    assert in_progress.channel_id is None  # no channel yet in these tests: the row says so
    assert numbers(mine.closed) == [c.number]
    assert mine.closed.rows[0].status_text == "Closed — Not performed"

    worker = wf.home(WORKER)
    assert numbers(worker.mine) == [b.number]
    # not add field workers; Start work (Stop work only where their timer runs)
    assert worker.mine.rows[0].actions == (Action.CONFIRM, Action.CLOSE, Action.START_WORK, Action.LOG_TIME)
    assert numbers(worker.closed) == []

    nobody = wf.home(NOBODY)
    assert (nobody.mine.total, nobody.closed.total, nobody.waiting.total) == (0, 0, 0)
    assert nobody.exceptions is None and not nobody.approver

    clock.advance(15 * 86400)  # two weeks on, the closed order is no longer "recent"
    assert wf.home(REQUESTER).closed.total == 0


def test_waiting_for_my_approval_newest_first_without_my_own(engine, clock):
    wf = Workflow(engine, Policy(), clock=clock)
    for user, role in [(REQUESTER, "coordinator"), (SUPERVISOR, "supervisor"), (ADMIN, "admin")]:
        wf.grant("test", user, role, check=False)
    wf.grant("test", SUPERVISOR, "coordinator", check=False)  # a supervisor who also requests
    first = wf.submit(REQUESTER, draft(title="first"))
    own = wf.submit(SUPERVISOR, draft(title="mine"))
    last = wf.submit(REQUESTER, draft(title="last"))
    approved = wf.submit(REQUESTER, draft(title="approved"))
    wf.approve(approved.id, ADMIN)

    sup = wf.home(SUPERVISOR)
    assert sup.approver
    assert numbers(sup.waiting) == [last.number, first.number]  # not their own, not the approved one
    assert all(r.actions == (Action.APPROVE, Action.REJECT) for r in sup.waiting.rows)
    assert numbers(sup.mine) == [own.number] and sup.mine.rows[0].actions == ()  # may not approve it

    admin = wf.home(ADMIN)
    assert numbers(admin.waiting) == [last.number, own.number, first.number]
    assert numbers(wf.home(REQUESTER).waiting) == []  # a coordinator approves nothing

    selfish = Workflow(engine, Policy(allow_self_approval=True), clock=clock)
    home = selfish.home(SUPERVISOR)
    assert numbers(home.waiting) == [last.number, own.number, first.number]
    assert home.mine.rows[0].actions == (Action.APPROVE, Action.REJECT)


def test_a_section_shows_ten_rows_and_counts_the_rest(wf, engine):
    insert_orders(engine, 25, requester=REQUESTER, status=lambda i: "pending_approval")
    insert_orders(engine, 3, requester=REQUESTER, status=lambda i: "in_progress")
    home = wf.home(SUPERVISOR)
    assert numbers(home.waiting) == [f"SO-{i:04d}" for i in range(25, 15, -1)]
    assert (home.waiting.total, home.waiting.more) == (25, 15)
    mine = wf.home(REQUESTER).mine
    assert numbers(mine) == [f"SO-{i:04d}" for i in range(28, 18, -1)]
    assert (mine.total, mine.more) == (28, 18)
    assert wf.home(REQUESTER, today=date(2026, 12, 31)).mine.rows[0].overdue  # planned in early 2026


# ------------------------------------------------------------------------------------ exceptions


def test_pending_longer_than_the_limit(wf, clock):
    early = wf.submit(REQUESTER, draft(title="early"))
    clock.advance(3 * 3600)
    late = wf.submit(REQUESTER, draft(title="late"))
    clock.advance(1.5 * 3600)  # early has waited 4.5 h, late 1.5 h
    exc = wf.home(SUPERVISOR).exceptions
    assert exc is not None
    assert numbers(exc.pending_too_long) == [early.number]
    assert numbers(wf.home(SUPERVISOR, pending_limit_hours=1).exceptions.pending_too_long) == [
        late.number,
        early.number,
    ]
    assert wf.home(SUPERVISOR, pending_limit_hours=0).exceptions.pending_too_long.total == 0  # off
    wf.approve(early.id, SUPERVISOR)
    assert wf.home(ADMIN).exceptions.pending_too_long.total == 0
    assert wf.home(REQUESTER).exceptions is None  # coordinators see no exceptions


def test_pending_limit_counts_working_hours():
    madrid = ZoneInfo("Europe/Madrid")
    cal = WorkingCalendar(madrid, 8 * 60, 18 * 60, frozenset(range(5)))
    friday_17 = datetime(2026, 3, 6, 17, 0, tzinfo=madrid)
    monday_11 = datetime(2026, 3, 9, 11, 0, tzinfo=madrid)
    assert working_start(monday_11, timedelta(hours=4), cal) == friday_17
    assert working_start(monday_11, timedelta(hours=2), cal) == datetime(2026, 3, 9, 9, 0, tzinfo=madrid)
    sunday = datetime(2026, 3, 8, 12, 0, tzinfo=madrid)
    assert working_start(sunday, timedelta(hours=1), cal) == datetime(2026, 3, 6, 17, 0, tzinfo=madrid)
    for end in (monday_11, sunday, datetime(2026, 3, 10, 7, 0, tzinfo=madrid)):
        for hours in (0.5, 4, 13):
            start = working_start(end, timedelta(hours=hours), cal)
            assert working_time(start, end, cal) == timedelta(hours=hours)


def test_pending_too_long_with_the_working_calendar(wf, clock):
    cal = WorkingCalendar(ZoneInfo("UTC"), 8 * 60, 18 * 60, frozenset(range(5)))
    clock.now = datetime(2025, 3, 7, 17, 0, tzinfo=UTC)  # a Friday, an hour before closing
    order = wf.submit(REQUESTER, draft())
    clock.now = datetime(2025, 3, 8, 23, 0, tzinfo=UTC)  # Saturday night: one working hour waited
    assert wf.home(SUPERVISOR, calendar=cal).exceptions.pending_too_long.total == 0
    assert numbers(wf.home(SUPERVISOR).exceptions.pending_too_long) == [order.number]  # wall-clock
    clock.now = datetime(2025, 3, 10, 11, 0, tzinfo=UTC)  # Monday 11:00: four working hours
    assert numbers(wf.home(SUPERVISOR, calendar=cal).exceptions.pending_too_long) == [order.number]


def test_in_progress_past_the_planned_date(wf):
    late = wf.submit(REQUESTER, replace(draft(title="late"), planned_date=date(2025, 3, 1)))
    today = wf.submit(REQUESTER, replace(draft(title="today"), planned_date=date(2025, 3, 3)))
    waiting = wf.submit(REQUESTER, replace(draft(title="waiting"), planned_date=date(2025, 2, 1)))
    for o in (late, today):
        wf.approve(o.id, SUPERVISOR)
    exc = wf.home(SUPERVISOR, today=date(2025, 3, 3)).exceptions
    assert numbers(exc.overdue) == [late.number]  # not planned for today, not the pending one
    rows = {r.number: r for r in wf.home(REQUESTER, today=date(2025, 3, 3)).mine.rows}
    assert rows[late.number].overdue and not rows[today.number].overdue
    assert not rows[waiting.number].overdue  # pending: its date is not yet a promise
    assert numbers(wf.home(ADMIN, today=date(2025, 3, 4)).exceptions.overdue) == [
        today.number,
        late.number,
    ]


def test_in_progress_with_nothing_recorded_for_days(wf, clock):
    quiet = wf.submit(REQUESTER, draft(title="quiet"))
    busy = wf.submit(REQUESTER, draft(title="busy"))
    wf.approve(quiet.id, SUPERVISOR)
    wf.approve(busy.id, SUPERVISOR)
    wf.record_channel(busy.id, "C0BUSY", "so-busy")
    wf.add_field_workers(busy.id, SUPERVISOR, [WORKER])  # notes come from the order's people
    clock.advance(2 * 86400)
    wf.record_message("Ev1", "C0BUSY", WORKER, "1.0", "On site, waiting for the part")
    clock.advance(1 * 86400 + 60)  # quiet: 3 days and a minute since its approval; busy: a day
    exc = wf.home(SUPERVISOR).exceptions
    assert numbers(exc.stale) == [quiet.number]
    assert wf.home(SUPERVISOR, stale_days=0).exceptions.stale.total == 0  # off
    wf.confirm(quiet.id, REQUESTER, 1, [line()], note="Done")
    assert wf.home(SUPERVISOR).exceptions.stale.total == 0


def test_failed_effects_newest_first(wf):
    a = wf.submit(REQUESTER, draft(title="A"))
    b = wf.submit(REQUESTER, draft(title="B"))
    fa = next(e for e in wf.effects() if e.order_id == a.id and e.kind == fx.CREATE_CHANNEL)
    fb = next(e for e in wf.effects() if e.order_id == b.id and e.kind == fx.CREATE_CHANNEL)
    assert wf.home(ADMIN).exceptions.empty
    wf.outbox.effect_failed(fa.id, "restricted_action")
    wf.outbox.effect_failed(fb.id, "invalid_name_specials")
    exc = wf.home(ADMIN).exceptions
    assert not exc.empty
    assert [(f.id, f.order_number, f.error, f.kind) for f in exc.failed] == [
        (fb.id, b.number, "invalid_name_specials", fx.CREATE_CHANNEL),
        (fa.id, a.number, "restricted_action", fx.CREATE_CHANNEL),
    ]
    assert exc.failed_total == 2
    wf.outbox.retry_effect(fa.id)
    assert [f.id for f in wf.home(SUPERVISOR).exceptions.failed] == [fb.id]


# ------------------------------------------------------------------------------------ refreshes


def test_a_burst_of_changes_is_one_publish_per_person_per_bucket(wf, clock):
    for user in (REQUESTER, SUPERVISOR, WORKER):
        wf.home_opened(user)  # SUPERVISOR_2, ADMIN and OTHER_WORKER never opened the Home tab
    opened = publishes(wf)
    assert sorted(u for _, u, _ in opened) == sorted([REQUESTER, SUPERVISOR, WORKER])
    assert all(nb is None for _, _, nb in opened)  # the opening is published at once

    bucket, end = bucket_of(clock.now, 5)
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    wf.confirm(order.id, WORKER, 1, [line()], note="first")
    wf.confirm(order.id, WORKER, 2, [line(quantity="3")], note="second")
    burst = publishes(wf)[len(opened) :]
    assert sorted(u for _, u, _ in burst) == sorted([REQUESTER, SUPERVISOR, WORKER])  # one each
    assert {k for k, _, _ in burst} == {f"home:{u}:{bucket}" for u in (REQUESTER, SUPERVISOR, WORKER)}
    assert {nb for _, _, nb in burst} == {end}  # due when the bucket ends: after the last change

    clock.advance(5)  # the next bucket: in progress now, the supervisor is no longer involved
    wf.confirm(order.id, WORKER, 3, [line(quantity="4")])
    later = publishes(wf)[len(opened) + len(burst) :]
    assert sorted(u for _, u, _ in later) == sorted([REQUESTER, WORKER])
    assert all(k.endswith(f":{bucket + 1}") for k, _, _ in later)


def test_approvers_are_refreshed_while_an_order_waits_and_when_it_is_decided(wf, clock):
    for user in (SUPERVISOR, SUPERVISOR_2, ADMIN):
        wf.home_opened(user)
    before = len(publishes(wf))
    order = wf.submit(REQUESTER, draft())
    assert users_refreshed(wf, before) == sorted([SUPERVISOR, SUPERVISOR_2, ADMIN])
    clock.advance(5)
    before = len(publishes(wf))
    wf.reject(order.id, SUPERVISOR_2, "Duplicate of SO-0001")
    assert users_refreshed(wf, before) == sorted([SUPERVISOR, SUPERVISOR_2, ADMIN])


def test_opening_the_home_tab_again_and_again(wf, clock):
    for _ in range(3):
        wf.home_opened(REQUESTER)
    assert [k for k, _, _ in publishes(wf)] == [f"home:{REQUESTER}:opened:{bucket_of(clock.now, 5)[0]}"]
    clock.advance(5)
    wf.home_opened(REQUESTER)
    assert len(publishes(wf)) == 2
    with Session(wf.engine) as s:
        assert s.exec(select(HomeViewer.user_id)).all() == [REQUESTER]
    assert all(e.kind == fx.PUBLISH_HOME for e in wf.effects())
