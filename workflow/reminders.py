"""Reminders, escalations, overdue cards, archiving and digests: jobs that are plain functions of now.

The scheduler (bot.scheduler) runs each job every minute in every worker process. A job finds what
is due at `now` and queues outbox effects whose keys name the occasion:

    remind:SO-0042:approval:1:U123      a supervisor's reminder, after SO_APPROVAL_REMINDER_HOURS
    remind:SO-0042:approval:2:U123      ... and the escalation (supervisors and admins) at twice that
    remind:SO-0042:planned:2026-11-25   the channel reminder, the working day before the planned date
    card-overdue:SO-0042:2026-11-25     the card update that marks an order overdue
    archive:SO-0042                     the channel archived SO_ARCHIVE_AFTER_DAYS after the order ended
    digest:U123:2026-11-24              a coordinator's daily digest

Keys are unique in the effects table and rows go in with ON CONFLICT DO NOTHING: the same job run
again (by another process, or after a restart within the same minute) queues nothing twice and never
fails on the race. The effects table is the record of what was sent; no table of its own is needed.
Each job returns the number of effects it queued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, literal
from sqlmodel import Session, col, select

from storage.db import insert_new, writing
from storage.models import Effect, Member, Order
from workflow import effects as fx
from workflow.queries import users_with
from workflow.rules import ENDED, Role, Status, is_overdue
from workflow.service import Workflow
from workflow.working_hours import WorkingCalendar, after_working_time

OPEN = (Status.PENDING_APPROVAL, Status.IN_PROGRESS)
DIGEST_ROWS = 15  # orders listed per section of a digest; the rest are counted
ARCHIVE_BATCH = 100  # channels queued for archiving per run (conversations.archive is Tier 2)
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class ReminderSettings:
    """What the jobs need from the configuration (bot.config.Settings makes one)."""

    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    approval_hours: float = 4.0  # working hours pending before the supervisors are reminded; 0: never
    archive_after_days: int = 0  # days after an order ended that its channel is archived; 0: never
    digest_time: time | None = None  # the coordinators' daily digest, local time; None: no digest


# ---------------------------------------------------------------------------------- the jobs
def remind_approvals(wf: Workflow, now: datetime, settings: ReminderSettings) -> int:
    """DM the supervisors of orders pending longer than the threshold (in working time); at twice
    the threshold, the supervisors again and the admins. Only during working hours."""
    cal = settings.calendar
    if settings.approval_hours <= 0 or not cal.is_working(now):
        return 0
    threshold = timedelta(hours=settings.approval_hours)
    due: dict[int, tuple[str, str, int]] = {}  # order id -> (number, requester, level)
    with Session(wf.reader) as s:
        pending = s.exec(
            select(Order.id, Order.number, Order.requester_id, Order.created_at)
            .where(Order.status == Status.PENDING_APPROVAL)
            .order_by(col(Order.seq))
        ).all()
        for order_id, number, requester, created in pending:
            first = after_working_time(created, threshold, cal)
            if now < first:
                continue
            level = 2 if now >= after_working_time(first, threshold, cal) else 1
            due[order_id] = (number, requester, level)  # type: ignore[index]
        if not due:
            return 0
        supervisors: dict[int, list[str]] = {}
        for order_id, user in s.exec(
            select(Member.order_id, Member.user_id)
            .where(col(Member.order_id).in_(list(due)), Member.role == "supervisor")
            .order_by(col(Member.id))
        ).all():
            supervisors.setdefault(order_id, []).append(user)
        admins = users_with(s, Role.ADMIN)
    rows = []
    hours = settings.approval_hours
    for order_id, (number, requester, level) in due.items():
        people = list(supervisors.get(order_id, []))
        if level == 2:
            people += [a for a in admins if a not in people]
        for user in people:
            if user == requester and not wf.policy.allow_self_approval:
                continue  # they cannot approve it: a reminder would only nag
            rows.append(
                fx.row(
                    f"remind:{number}:approval:{level}:{user}",
                    fx.APPROVAL_REMINDER,
                    {"user": user, "level": level, "hours": hours * level},
                    now,
                    order_id,
                )
            )
    return _queue_once(wf, rows)


def remind_planned(wf: Workflow, now: datetime, settings: ReminderSettings) -> int:
    """A reminder in the channel of each order in progress planned for the next working day (or a
    day off before it), mentioning its field workers. Only during working hours."""
    cal = settings.calendar
    if not cal.is_working(now):
        return 0
    today = cal.today(now)
    last = cal.next_working_day(today)
    with Session(wf.reader) as s:
        found = s.exec(
            select(Order.id, Order.number, Order.planned_date)
            .where(Order.status == Status.IN_PROGRESS)
            .where(col(Order.planned_date) > today, col(Order.planned_date) <= last)
        ).all()
    rows = [
        fx.row(
            f"remind:{number}:planned:{planned.isoformat()}",
            fx.PLANNED_REMINDER,
            {"planned_date": planned.isoformat()},
            now,
            order_id,
        )
        for order_id, number, planned in found
    ]
    return _queue_once(wf, rows)


def mark_overdue(wf: Workflow, now: datetime, settings: ReminderSettings) -> int:
    """Update the card (once) of each order still in progress after its planned date: it shows
    the overdue mark from then on (bot.cards)."""
    today = settings.calendar.today(now)
    with Session(wf.reader) as s:
        found = s.exec(
            select(Order.id, Order.number, Order.planned_date, Order.version)
            .where(Order.status == Status.IN_PROGRESS)
            .where(col(Order.planned_date) < today)
        ).all()
    rows = [
        fx.row(
            f"card-overdue:{number}:{planned.isoformat()}",
            fx.UPDATE_CARD,
            {"version": version, "overdue": True},
            now,
            order_id,
        )
        for order_id, number, planned, version in found
    ]
    return _queue_once(wf, rows)


def archive_channels(wf: Workflow, now: datetime, settings: ReminderSettings) -> int:
    """Archive the channels of orders that ended (closed, rejected or cancelled) at least
    archive_after_days ago; a batch per run."""
    if settings.archive_after_days <= 0:
        return 0
    cutoff = now - timedelta(days=settings.archive_after_days)
    queued = exists().where(Effect.key == literal("archive:") + col(Order.number))
    with Session(wf.reader) as s:
        found = s.exec(
            select(Order.id, Order.number)
            .where(col(Order.status).in_(list(ENDED)), col(Order.channel_id).is_not(None))
            .where(Order.updated_at <= cutoff, ~queued)
            .order_by(col(Order.seq))
            .limit(ARCHIVE_BATCH)
        ).all()
    rows = [
        fx.row(f"archive:{number}", fx.ARCHIVE, {"days": settings.archive_after_days}, now, order_id)
        for order_id, number in found
    ]
    return _queue_once(wf, rows)


def send_digests(wf: Workflow, now: datetime, settings: ReminderSettings) -> int:
    """Each coordinator's digest, once a working day from digest_time (local): their orders that
    moved since the previous digest, and those still open. Nobody is sent an empty one."""
    cal = settings.calendar
    if settings.digest_time is None:
        return 0
    local = now.astimezone(cal.tz)
    if local.weekday() not in cal.days or local.time() < settings.digest_time:
        return 0
    day = local.date()
    since = _previous_digest(day, settings.digest_time, cal)
    today = cal.today(now)
    with Session(wf.reader) as s:
        coordinators = users_with(s, Role.COORDINATOR)
        keys = {f"digest:{u}:{day.isoformat()}": u for u in coordinators}
        done = _existing(s, keys)
        rows = []
        for key, user in keys.items():
            if key in done:
                continue
            # the requester's index: a coordinator's own orders, open or changed since the last digest
            orders = s.exec(
                select(Order)
                .where(Order.requester_id == user)
                .where(col(Order.status).in_(list(OPEN)) | (col(Order.updated_at) >= since))
                .order_by(col(Order.seq))
            ).all()
            moved = [o for o in orders if o.updated_at >= since]
            waiting = [o for o in orders if o.status in OPEN]
            payload = {
                "user": user,
                "date": day.isoformat(),
                "since": since.isoformat(),
                "moved": [_digest_item(o, today) for o in moved[-DIGEST_ROWS:]],
                "moved_total": len(moved),
                "waiting": [_digest_item(o, today) for o in waiting[:DIGEST_ROWS]],
                "waiting_total": len(waiting),
            }
            row = fx.row(key, fx.DIGEST, payload, now, None)
            if not moved and not waiting:
                row.update(status="done", done_at=now, last_error="nothing to report")  # recorded, not sent
            rows.append(row)
    return _queue_once(wf, rows)


JOBS = (remind_approvals, remind_planned, mark_overdue, archive_channels, send_digests)


# ---------------------------------------------------------------------------------- helpers
def _previous_digest(day: date, at: time, cal: WorkingCalendar) -> datetime:
    """When the digest before day's went out: at `at` on the previous working day."""
    prev = day - timedelta(days=1)
    while prev.weekday() not in cal.days:
        prev -= timedelta(days=1)
    return datetime.combine(prev, at, tzinfo=cal.tz).astimezone(UTC)


def _digest_item(order: Order, today: date) -> dict:
    return {
        "number": order.number,
        "status": str(Status(order.status).value),
        "title": order.title[:150],
        "client": order.client[:100],
        "channel_id": order.channel_id,
        "planned_date": order.planned_date.isoformat() if order.planned_date else None,
        "overdue": is_overdue(order, today),
    }


def _existing(s: Session, keys: Iterable[str]) -> set[str]:
    """Which of keys are in the effects table already (through its unique index)."""
    keys = list(keys)
    found: set[str] = set()
    for i in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[i : i + KEYS_PER_QUERY]
        found.update(s.exec(select(Effect.key).where(col(Effect.key).in_(chunk))).all())
    return found


def _queue_once(wf: Workflow, rows: Sequence[dict]) -> int:
    """Insert the effects whose keys are new; the number inserted. Safe against a concurrent run:
    a key another process inserted meanwhile is skipped (ON CONFLICT DO NOTHING), not an error."""
    if not rows:
        return 0
    with Session(wf.reader) as s:
        known = _existing(s, (r["key"] for r in rows))
    rows = [r for r in rows if r["key"] not in known]  # most runs: nothing new, no write at all
    if not rows:
        return 0
    with writing(wf.engine) as conn:
        return len(insert_new(conn, Effect.__table__, rows))  # type: ignore[attr-defined]
