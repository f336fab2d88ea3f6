"""The App Home: what one person sees on the bot's Home tab, and when it is published again.

`home()` reads a plain HomeView snapshot in a few queries, each bounded by an index and a LIMIT
(orders (status, seq), (requester_id, seq), members (user_id, order_id), effects status): the
newest rows of each section and, only when there are more, how many.

`queue_refresh()` runs inside the transaction of every order change: each person involved who has
opened the Home tab gets a publish_home effect keyed by a time bucket, so a burst of changes is one
publish per person per bucket. `queue_opened()` is the publish when someone opens the tab.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from storage.db import insert_new
from storage.models import Activity, Effect, HomeViewer, Member, Order, RoleGrant, TimeEntry
from workflow import effects as fx
from workflow.rules import (
    APPROVERS,
    ENDED,
    Action,
    Relation,
    Status,
    card_actions,
    decide,
    status_text,
)
from workflow.working_hours import WorkingCalendar

EFFECTS = Effect.__table__  # type: ignore[attr-defined]
HOME_VIEWERS = HomeViewer.__table__  # type: ignore[attr-defined]

SECTION_ROWS = 10  # rows a section shows (Block Kit: 100 blocks a Home tab, see bot.home)
CLOSED_ROWS = 5
EXCEPTION_ROWS = 5
RECENT_DAYS = 14  # "recently closed": ended within this many days
PENDING_LIMIT_HOURS = 4.0  # SO_APPROVAL_REMINDER_HOURS: pending longer than this is an exception
STALE_DAYS = 3.0  # SO_STALE_DAYS: in progress with no activity for this long is an exception
REFRESH_SECONDS = 5.0  # SO_HOME_REFRESH_SECONDS: at most one publish per person per this many seconds

OPEN = (Status.PENDING_APPROVAL, Status.IN_PROGRESS)


@dataclass(frozen=True)
class HomeRow:
    """One order on the Home tab, with what this person may do to it now."""

    id: int
    number: str
    status: Status
    outcome: str
    client: str
    title: str
    planned_date: date | None
    channel_id: str | None
    requester_id: str
    created_at: datetime
    updated_at: datetime
    overdue: bool  # in progress and its planned date has passed
    actions: tuple[Action, ...] = ()  # the card's buttons this person may use now

    @property
    def status_text(self) -> str:
        return status_text(self.status, self.outcome)


@dataclass(frozen=True)
class Section:
    """The newest rows of a section, and how many orders it holds in all."""

    rows: list[HomeRow]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


@dataclass(frozen=True)
class FailedEffect:
    """A Slack action that failed for good (an admin can retry it by its id)."""

    id: int
    kind: str
    error: str
    order_number: str
    channel_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Exceptions:
    """What needs a supervisor's or an admin's attention."""

    pending_too_long: Section
    overdue: Section
    stale: Section
    failed: list[FailedEffect]
    failed_total: int
    pending_limit_hours: float
    stale_days: float

    @property
    def empty(self) -> bool:
        return not (
            self.pending_too_long.total or self.overdue.total or self.stale.total or self.failed_total
        )


@dataclass(frozen=True)
class HomeView:
    """Everything one person's Home tab shows, read at one moment."""

    user_id: str
    now: datetime
    today: date
    approver: bool  # may approve orders: sees "waiting for my approval"
    waiting: Section
    mine: Section
    closed: Section
    exceptions: Exceptions | None  # None unless a supervisor or an admin
    # the person's running timer: (order id, its number, since when); None when not timing
    timer: tuple[int, str, datetime] | None = None


# ------------------------------------------------------------------------------------ reading


def home(
    engine: Engine,
    user_id: str,
    roles: Collection[str],
    now: datetime,
    *,
    today: date | None = None,
    allow_self_approval: bool = False,
    pending_limit_hours: float = PENDING_LIMIT_HOURS,
    stale_days: float = STALE_DAYS,
    calendar: WorkingCalendar | None = None,
    rows: int = SECTION_ROWS,
    closed_rows: int = CLOSED_ROWS,
    exception_rows: int = EXCEPTION_ROWS,
    recent_days: float = RECENT_DAYS,
) -> HomeView:
    """The Home tab of user_id at now; today is the company's date (default: now's, in UTC).

    pending_limit_hours counts working hours of calendar when given (as the approval reminders
    do), else hours; stale_days counts days. A threshold of 0 turns its part off."""
    today = today or now.astimezone(UTC).date()
    approver = bool(APPROVERS & set(roles))
    involved = _involving(user_id)
    with Session(engine) as s:
        waiting = Section([], 0)
        if approver:
            where = [Order.status == Status.PENDING_APPROVAL]
            if not allow_self_approval:
                where.append(Order.requester_id != user_id)
            waiting = _section(s, where, rows, today)
        mine = _section(s, [col(Order.status).in_(OPEN), involved], rows, today)
        since = now - timedelta(days=recent_days)
        closed = _section(
            s, [col(Order.status).in_(ENDED), involved, col(Order.updated_at) >= since], closed_rows, today
        )
        timer = s.exec(
            select(Order.id, Order.number, TimeEntry.started_at)
            .join(TimeEntry, col(TimeEntry.order_id) == col(Order.id))
            .where(TimeEntry.user_id == user_id, col(TimeEntry.running))
        ).first()
        running = (timer[0], timer[1], timer[2]) if timer is not None else None
        timing = running[0] if running else None
        waiting, mine, closed = _with_actions(
            s, user_id, roles, allow_self_approval, timing, waiting, mine, closed
        )
        exceptions = None
        if approver:
            exceptions = _exceptions(s, now, today, pending_limit_hours, stale_days, calendar, exception_rows)
    return HomeView(user_id, now, today, approver, waiting, mine, closed, exceptions, running)


def _involving(user_id: str) -> ColumnElement[bool]:
    """Orders the person requested or works on (a supervisor's approvals are not "theirs")."""
    works_on = select(Member.order_id).where(Member.user_id == user_id, Member.role != "supervisor")
    return or_(Order.requester_id == user_id, col(Order.id).in_(works_on))


def _section(s: Session, where: list[Any], limit: int, today: date) -> Section:
    """The newest `limit` orders matching where (seq descending, read in index order), counted
    only when there are more."""
    found = list(s.exec(select(Order).where(*where).order_by(col(Order.seq).desc()).limit(limit + 1)).all())
    total = len(found)
    if total > limit:
        total = int(s.exec(select(func.count()).select_from(Order).where(*where)).one())
    return Section([_row(o, today) for o in found[:limit]], total)


def _row(o: Order, today: date) -> HomeRow:
    assert o.id is not None
    status = Status(o.status)
    overdue = status is Status.IN_PROGRESS and o.planned_date is not None and o.planned_date < today
    return HomeRow(
        id=o.id,
        number=o.number,
        status=status,
        outcome=o.outcome,
        client=o.client,
        title=o.title,
        planned_date=o.planned_date,
        channel_id=o.channel_id,
        requester_id=o.requester_id,
        created_at=o.created_at,
        updated_at=o.updated_at,
        overdue=overdue,
    )


def _with_actions(
    s: Session,
    user_id: str,
    roles: Collection[str],
    allow_self_approval: bool,
    timing: int | None,
    *sections: Section,
) -> list[Section]:
    """The sections with each row's actions: the card's buttons for its status that this person
    may use (workflow.rules.decide, the rule the commands apply); timing: the order their timer
    runs on, if any (Stop work there, Start work elsewhere)."""
    ids = {r.id for section in sections for r in section.rows if card_actions(r.status, r.outcome)}
    works_on: set[int] = set()
    if ids:
        works_on = set(
            s.exec(
                select(Member.order_id).where(
                    Member.user_id == user_id,
                    Member.role == "field_worker",
                    col(Member.order_id).in_(ids),
                )
            ).all()
        )
    out = []
    for section in sections:
        rows = []
        for r in section.rows:
            relations = set()
            if r.requester_id == user_id:
                relations.add(Relation.REQUESTER)
            if r.id in works_on:
                relations.add(Relation.FIELD_WORKER)
            allowed = tuple(
                a
                for a in card_actions(r.status, r.outcome)
                if decide(
                    a,
                    frozenset(roles),
                    relations,
                    r.status,
                    is_requester=r.requester_id == user_id,
                    allow_self_approval=allow_self_approval,
                ).allowed
            )
            # Start work where the person is not timing; Stop work where they are
            drop = Action.START_WORK if r.id == timing else Action.STOP_WORK
            rows.append(replace(r, actions=tuple(a for a in allowed if a is not drop)))
        out.append(Section(rows, section.total))
    return out


def _exceptions(
    s: Session,
    now: datetime,
    today: date,
    pending_limit_hours: float,
    stale_days: float,
    calendar: WorkingCalendar | None,
    limit: int,
) -> Exceptions:
    nothing = Section([], 0)
    pending_too_long = nothing
    if pending_limit_hours > 0:
        limit_time = timedelta(hours=pending_limit_hours)
        pending_since = now - limit_time if calendar is None else working_start(now, limit_time, calendar)
        pending_too_long = _section(
            s,
            [Order.status == Status.PENDING_APPROVAL, col(Order.created_at) <= pending_since],
            limit,
            today,
        )
    overdue = _section(
        s,
        [Order.status == Status.IN_PROGRESS, col(Order.planned_date) < today],
        limit,
        today,
    )
    # Unrecorded confirmations: in progress, and nothing recorded on the order (no transition, note,
    # photo or PDF) for stale_days — the work was probably done and not confirmed.
    stale = nothing
    if stale_days > 0:
        quiet_since = now - timedelta(days=stale_days)
        recent = exists().where(and_(Activity.order_id == Order.id, col(Activity.at) > quiet_since))
        stale = _section(
            s,
            [Order.status == Status.IN_PROGRESS, col(Order.updated_at) <= quiet_since, ~recent],
            limit,
            today,
        )
    failed_rows = s.exec(
        select(Effect, Order.number, Order.channel_id)
        .join(Order, col(Effect.order_id) == col(Order.id), isouter=True)
        .where(Effect.status == "failed")
        .order_by(col(Effect.id).desc())
        .limit(limit + 1)
    ).all()
    failed_total = len(failed_rows)
    if failed_total > limit:
        failed_total = int(
            s.exec(select(func.count()).select_from(Effect).where(Effect.status == "failed")).one()
        )
    failed = [
        FailedEffect(e.id, e.kind, e.last_error, number or "", channel, e.created_at)  # type: ignore[arg-type]
        for e, number, channel in failed_rows[:limit]
    ]
    return Exceptions(pending_too_long, overdue, stale, failed, failed_total, pending_limit_hours, stale_days)


def working_start(end: datetime, amount: timedelta, calendar: WorkingCalendar) -> datetime:
    """The latest instant from which amount of working time has passed by end (the inverse of
    workflow.working_hours.after_working_time): orders submitted by then have waited that long."""
    left = amount
    day = end.astimezone(calendar.tz).date() + timedelta(days=1)
    for _ in range(366 * 10):  # a calendar has a working day every week: this ends long before
        window = calendar.window(day)
        day -= timedelta(days=1)
        if window is None or window[0] >= end:
            continue
        opens, closes = window[0], min(window[1], end)
        if closes - opens >= left:
            return closes - left
        left -= closes - opens
    return datetime.min.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------ publishing


def bucket_of(now: datetime, seconds: float) -> tuple[int, datetime]:
    """(the bucket now falls in, the moment it ends): buckets of `seconds` since the epoch."""
    seconds = max(float(seconds), 0.001)
    bucket = int(now.timestamp() // seconds)
    return bucket, datetime.fromtimestamp((bucket + 1) * seconds, UTC)


def queue_opened(s: Session, user_id: str, now: datetime, seconds: float = REFRESH_SECONDS) -> None:
    """The person opened the Home tab: publish it now (once per bucket however often they open
    it), and remember that they use it (home_viewers), so order changes refresh it from now on."""
    bucket, _ = bucket_of(now, seconds)
    insert_new(s, HOME_VIEWERS, [{"user_id": user_id, "first_opened_at": now}], key="user_id")
    insert_new(
        s, EFFECTS, [fx.row(f"home:{user_id}:opened:{bucket}", fx.PUBLISH_HOME, {"user": user_id}, now)]
    )


def queue_refresh(s: Session, order: Order, now: datetime, seconds: float = REFRESH_SECONDS) -> list[str]:
    """In the transaction of a change to order: queue a Home refresh for each person involved who
    has opened the Home tab; those people.

    Involved: the requester and the field workers; while the order waits for approval (or has just
    been decided), every supervisor and admin, whose "waiting for my approval" changes. One effect
    per person per bucket (key home:{user}:{bucket}, due when the bucket ends): a burst of changes
    is one publish, showing the state after the last of them. A key already queued is ignored by
    the database (ON CONFLICT DO NOTHING), so this never fails the change."""
    people = set(
        s.exec(select(Member.user_id).where(Member.order_id == order.id, Member.role != "supervisor")).all()
    )
    people.add(order.requester_id)
    status = Status(order.status)
    just_decided = order.decided_at is not None and order.decided_at == now
    if (
        status is Status.PENDING_APPROVAL
        or just_decided
        or (status is Status.CANCELLED and order.decided_by is None)
    ):
        people |= set(
            s.exec(select(RoleGrant.user_id).where(col(RoleGrant.role).in_(sorted(APPROVERS)))).all()
        )
    seen = _seen(s, people)
    if not seen:
        return []
    bucket, due = bucket_of(now, seconds)
    insert_new(
        s,
        EFFECTS,
        [fx.row(f"home:{u}:{bucket}", fx.PUBLISH_HOME, {"user": u}, now, not_before=due) for u in seen],
    )
    return seen


def queue_publish(s: Session, user_id: str, now: datetime, seconds: float = REFRESH_SECONDS) -> bool:
    """In the transaction of a change to what user_id's own Home shows (their saved filters): queue
    its refresh, as queue_refresh does for an order's people; False when they never opened the tab."""
    if not _seen(s, [user_id]):
        return False
    bucket, due = bucket_of(now, seconds)
    insert_new(
        s,
        EFFECTS,
        [fx.row(f"home:{user_id}:{bucket}", fx.PUBLISH_HOME, {"user": user_id}, now, not_before=due)],
    )
    return True


def _seen(s: Session, people: Iterable[str]) -> list[str]:
    """Those of people who have opened the Home tab, sorted: concurrent changes then insert (and so
    lock) the same effect keys in one order — no deadlock."""
    wanted = sorted({u for u in people if u})
    if not wanted:
        return []
    return sorted(s.exec(select(HomeViewer.user_id).where(col(HomeViewer.user_id).in_(wanted))).all())
