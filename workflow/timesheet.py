"""Time from the field: running timers, time logged afterwards, corrections, and how recorded time
becomes labour lines.

An entry's minutes are what was worked; billed_minutes what already went into the order's lines (a
confirmation, or the invoice revision). The difference, per worker and day, is what the next one adds
to that worker's labour line of the day (or takes off it, after a correction down): a correction
after the lines were made is never lost and never counted twice. The labour line is found by its
description ("Labour: Diego Ruiz, 2026-12-04"); a person who renamed it adjusts it by hand (the
confirmation form says what changed).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import CatalogItem, Order, TimeEntry
from workflow import commands as c
from workflow import home as order_home
from workflow.changes import Tx
from workflow.errors import Refused
from workflow.policy import Policy
from workflow.rules import Action, Relation

MINUTES_MAX = 24 * 60  # one entry: at most a day
NOTE_MAX = 500
HOURS = Decimal("0.01")  # labour quantities in hundredths of an hour
ENTRIES_PER_FORM = 150  # entries one confirmation form turns into lines (its metadata holds them)


def duration_text(minutes: int) -> str:
    """'2 h 30 min', '45 min', '-1 h'."""
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    h, m = divmod(minutes, 60)
    parts = ([f"{h} h"] if h else []) + ([f"{m} min"] if m or not h else [])
    return sign + " ".join(parts)


def hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HOURS, ROUND_HALF_UP)


def labour_description(name: str, day: date) -> str:
    return f"Labour: {name}, {day.isoformat()}"


def company_today(policy: Policy, now: datetime) -> date:
    return now.astimezone(ZoneInfo(policy.timezone)).date()


# ------------------------------------------------------------------------------------ reading


def running_of(s: Session, user_id: str) -> TimeEntry | None:
    return s.exec(select(TimeEntry).where(TimeEntry.user_id == user_id, col(TimeEntry.running))).first()


def entries_of(s: Session, order_id: int) -> list[TimeEntry]:
    return list(
        s.exec(
            select(TimeEntry)
            .where(TimeEntry.order_id == order_id)
            .order_by(col(TimeEntry.work_date), col(TimeEntry.id))
        ).all()
    )


def counted(entry: TimeEntry) -> int:
    """The minutes an entry counts for the lines: none while running or once removed."""
    return 0 if entry.running or entry.removed else entry.minutes


@dataclass(frozen=True)
class Pending:
    """A worker's day of time not yet in the lines as recorded: minutes to add (negative: to take off)."""

    user_id: str
    name: str
    day: date
    minutes: int
    entries: tuple[tuple[int, int], ...]  # (entry id, minutes it counts now)

    @property
    def description(self) -> str:
        return labour_description(self.name, self.day)


def pending(s: Session, order_id: int, limit: int | None = None) -> list[Pending]:
    """The order's recorded time that its lines do not have yet, per worker and day, oldest first;
    limit: at most that many entries (the rest wait for the next time)."""
    groups: dict[tuple[str, date], list[TimeEntry]] = defaultdict(list)
    taken = 0
    for e in entries_of(s, order_id):
        if e.running or counted(e) == e.billed_minutes:
            continue
        if limit is not None and taken >= limit:
            break
        groups[e.user_id, e.work_date].append(e)
        taken += 1
    out = []
    for (user_id, day), entries in groups.items():
        delta = sum(counted(e) - e.billed_minutes for e in entries)
        name = next((e.user_name for e in reversed(entries) if e.user_name), "") or user_id
        out.append(Pending(user_id, name, day, delta, tuple((e.id, counted(e)) for e in entries)))  # type: ignore[misc]
    return out


@dataclass(frozen=True)
class LabourItem:
    catalog_item_id: int | None
    code: str
    unit: str
    unit_price: Decimal


def labour_item(s: Session, policy: Policy) -> LabourItem:
    """What recorded time is priced as: the company file's labour item, else the catalog's only
    active labour item, else an unpriced hour (the form, or the invoicing gate, asks for a price)."""
    query = select(CatalogItem).where(col(CatalogItem.active))
    if policy.labour_item:
        items = s.exec(query.where(CatalogItem.code == policy.labour_item)).all()
    else:
        items = s.exec(query.where(CatalogItem.kind == "labour").limit(2)).all()
    if len(items) == 1:
        item = items[0]
        return LabourItem(item.id, item.code, item.unit or "h", item.unit_price)
    return LabourItem(None, "", "h", Decimal(0))


@dataclass(frozen=True)
class TimeLines:
    """Lines with the recorded time put in, what of the time they hold, and what was done, in words."""

    lines: list[Any]  # the lines given (kept as they are), labour lines changed or added
    billed: tuple[c.Billed, ...]
    changes: list[str]


def with_time(s: Session, policy: Policy, order_id: int, lines: Sequence[Any]) -> TimeLines:
    """lines (LineViews, LineDrafts: anything with their attributes) with the order's pending time in
    them: a worker's day added to their labour line of that day, or a new labour line for it."""
    out = list(lines)
    todo = pending(s, order_id, ENTRIES_PER_FORM)
    if not todo:
        return TimeLines(out, (), [])
    item = labour_item(s, policy)
    billed: list[c.Billed] = []
    changes: list[str] = []
    for p in todo:
        billed += [c.Billed(entry_id, minutes) for entry_id, minutes in p.entries]
        if p.minutes == 0:
            continue
        at = next((i for i, x in enumerate(out) if x.description == p.description), None)
        change = f"{p.name} {p.day.isoformat()}: {'+' if p.minutes > 0 else ''}{duration_text(p.minutes)}"
        if at is None and p.minutes < 0:
            changes.append(change + f" (no line '{p.description}' to take it off: adjust the lines)")
            continue
        if at is None:
            hours = hours_of(p.minutes)
            out.append(
                c.LineDraft(
                    "labour",
                    p.description,
                    hours,
                    item.unit,
                    item.unit_price,
                    item.code,
                    item.catalog_item_id,
                )
            )
        else:
            quantity = Decimal(out[at].quantity) + hours_of(p.minutes)
            if quantity <= 0:
                del out[at]
            else:
                out[at] = replace(out[at], quantity=quantity)
        changes.append(change)
    return TimeLines(out, tuple(billed), changes)


def bill(s: Session, order_id: int, billed: Sequence[c.Billed], revision: int) -> None:
    """The entries billed went into revision's lines, as many minutes as the form showed."""
    by_id = {b.entry_id: b.minutes for b in billed}
    if not by_id:
        return
    for e in s.exec(
        select(TimeEntry).where(TimeEntry.order_id == order_id, col(TimeEntry.id).in_(list(by_id)))
    ).all():
        e.billed_minutes, e.billed_revision = by_id[e.id], revision  # type: ignore[index]
        s.add(e)


@dataclass(frozen=True)
class EntryView:
    """One time entry as people read it."""

    id: int
    order_id: int
    user_id: str
    user_name: str
    work_date: date
    minutes: int
    note: str
    running: bool
    started_at: datetime | None
    billed_revision: int | None


def entry_views(s: Session, order_id: int) -> list[EntryView]:
    """The order's time, oldest day first, removed entries left out."""
    return [
        EntryView(
            e.id,
            e.order_id,
            e.user_id,
            e.user_name,
            e.work_date,
            e.minutes,
            e.note,
            e.running,
            e.started_at,
            e.billed_revision,
        )  # fmt: skip
        for e in entries_of(s, order_id)
        if not e.removed
    ]


def running_view(s: Session, user_id: str) -> tuple[EntryView, str] | None:
    """The person's running timer and its order's number (None: not timing)."""
    e = running_of(s, user_id)
    if e is None:
        return None
    order = s.get(Order, e.order_id)
    view = EntryView(
        e.id, e.order_id, e.user_id, e.user_name, e.work_date, e.minutes, e.note, True, e.started_at, None
    )  # type: ignore[arg-type]
    return view, order.number if order else ""


# ------------------------------------------------------------------------------------ checks
# The checks of workflow.checks for the time commands: (session, policy, actor, cmd, lock) → order.


def _minutes(minutes: int) -> None:
    if not 0 < minutes <= MINUTES_MAX:
        raise Refused(
            "invalid", "Give the time worked: more than 0 and at most 24 hours, e.g. 2h30.", field="hours"
        )


def _day(policy: Policy, now: datetime, day: date) -> None:
    if day > company_today(policy, now):
        raise Refused("invalid", "The date is in the future: time is recorded once worked.", field="date")


def _note(note: str) -> None:
    if len(note.strip()) > NOTE_MAX:
        raise Refused("invalid", f"A note has at most {NOTE_MAX} characters.", field="note")


def check_billed(s: Session, order: Order, billed: Sequence[c.Billed]) -> None:
    """The time a confirmation says it holds is this order's (the form's metadata is the person's)."""
    wanted = {b.entry_id for b in billed}
    if not wanted:
        return
    found = set(
        s.exec(
            select(TimeEntry.id).where(TimeEntry.order_id == order.id, col(TimeEntry.id).in_(list(wanted)))
        ).all()
    )
    if found != wanted:
        raise Refused("invalid", "This form's recorded time is not this order's. Open the form again.")


def check_start(s: Session, policy: Policy, actor: str, cmd: c.StartWork, lock: bool, open_order) -> Order:  # type: ignore[no-untyped-def]
    order = open_order(s, policy, cmd.order_id, actor, Action.START_WORK, lock)
    running = running_of(s, actor)
    if running is not None:
        other = s.get(Order, running.order_id)
        where = "this order" if running.order_id == order.id else (other.number if other else "another order")
        raise Refused("duplicate", f"Your timer is already running on {where}: stop it first.")
    return order


def check_stop(s: Session, policy: Policy, actor: str, cmd: c.StopWork, lock: bool, open_order) -> Order:  # type: ignore[no-untyped-def]
    order = open_order(s, policy, cmd.order_id, actor, Action.STOP_WORK, lock)
    running = running_of(s, actor)
    if running is None or running.order_id != order.id:
        raise Refused("invalid", f"You have no timer running on {order.number}.")
    return order


def check_log(s: Session, policy: Policy, actor: str, cmd: c.LogTime, lock: bool, open_order) -> Order:  # type: ignore[no-untyped-def]
    _minutes(cmd.minutes)
    _note(cmd.note)
    return open_order(s, policy, cmd.order_id, actor, Action.LOG_TIME, lock)


def check_correct(
    s: Session, policy: Policy, actor: str, cmd: c.CorrectTime, lock: bool, open_order
) -> Order:  # type: ignore[no-untyped-def]
    if not cmd.remove:
        _minutes(cmd.minutes)
        _note(cmd.note)
    entry = s.get(TimeEntry, cmd.entry_id)
    if entry is None or entry.order_id != cmd.order_id or entry.removed:
        raise Refused("not_found", "That time entry is not on this order (removed, or never was).")
    author = {Relation.TIME_AUTHOR} if entry.user_id == actor else set()
    order = open_order(s, policy, cmd.order_id, actor, Action.CORRECT_TIME, lock, also=author)
    if entry.running:
        raise Refused("invalid", "That timer is still running: stop it first.")
    return order


# ------------------------------------------------------------------------------------ changes


def start_work(tx: Tx, actor: str, cmd: c.StartWork) -> None:
    entry = TimeEntry(
        order_id=tx.order.id,  # type: ignore[arg-type]
        user_id=actor,
        user_name=cmd.user_name.strip()[:100],
        work_date=company_today(tx.policy, tx.now),
        running=True,
        started_at=tx.now,
        source="timer",
        created_at=tx.now,
        updated_at=tx.now,
        updated_by=actor,
    )
    tx.session.add(entry)
    try:
        tx.session.flush()  # the database keeps one running timer per person, even under a race
    except IntegrityError:
        raise Refused("duplicate", "Your timer is already running: stop it first.") from None
    tx.log(actor, "time_started", "", {"entry": entry.id})
    order_home.queue_publish(tx.session, actor, tx.now, tx.policy.home_refresh_seconds)  # their timer
    tx.touch()


def _stop(tx: Tx, entry: TimeEntry, actor: str) -> None:
    started = entry.started_at or tx.now
    entry.minutes = max(1, math.ceil((tx.now - started).total_seconds() / 60))
    entry.running, entry.updated_at, entry.updated_by = False, tx.now, actor
    tx.session.add(entry)
    data = {"entry": entry.id, "user": entry.user_id, "minutes": entry.minutes}
    tx.log(actor, "time_stopped", duration_text(entry.minutes), data)
    order_home.queue_publish(tx.session, entry.user_id, tx.now, tx.policy.home_refresh_seconds)


def stop_work(tx: Tx, actor: str, cmd: c.StopWork) -> None:
    entry = running_of(tx.session, actor)
    if entry is not None:
        _stop(tx, entry, actor)
    tx.touch()


def stop_timers(tx: Tx, actor: str) -> None:
    """The order's field work ends (closed, cancelled): every timer still running on it stops now."""
    for entry in tx.session.exec(
        select(TimeEntry).where(TimeEntry.order_id == tx.order.id, col(TimeEntry.running))
    ).all():
        _stop(tx, entry, actor)


def log_time(tx: Tx, actor: str, cmd: c.LogTime) -> None:
    _day(tx.policy, tx.now, cmd.work_date)  # by the workflow's clock (the form checks it too)
    entry = TimeEntry(
        order_id=tx.order.id,  # type: ignore[arg-type]
        user_id=actor,
        user_name=cmd.user_name.strip()[:100],
        work_date=cmd.work_date,
        minutes=cmd.minutes,
        note=cmd.note.strip(),
        source=cmd.source if cmd.source in ("log", "command") else "log",
        created_at=tx.now,
        updated_at=tx.now,
        updated_by=actor,
    )
    tx.session.add(entry)
    tx.session.flush()
    text = f"{duration_text(cmd.minutes)} on {cmd.work_date.isoformat()}"
    tx.log(actor, "time_logged", text, {"entry": entry.id, "minutes": cmd.minutes})
    tx.touch()


def correct_time(tx: Tx, actor: str, cmd: c.CorrectTime) -> None:
    if not cmd.remove:
        _day(tx.policy, tx.now, cmd.work_date)
    entry = tx.session.get(TimeEntry, cmd.entry_id)
    assert entry is not None  # checked, in this transaction
    before = {"minutes": entry.minutes, "date": entry.work_date.isoformat(), "note": entry.note}
    if not cmd.remove and entry.billed_minutes and cmd.work_date != entry.work_date:
        # moved to another day after it went into a line: taken off that day's line, put on the new
        # day's (the old entry is removed, a new one recorded)
        moved = TimeEntry(
            order_id=entry.order_id,
            user_id=entry.user_id,
            user_name=entry.user_name,
            work_date=cmd.work_date,
            minutes=cmd.minutes,
            note=cmd.note.strip(),
            source=entry.source,
            created_at=tx.now,
            updated_at=tx.now,
            updated_by=actor,
        )
        tx.session.add(moved)
        entry.removed, entry.updated_at, entry.updated_by = True, tx.now, actor
        tx.session.add(entry)
        tx.session.flush()
        text = f"Moved to {cmd.work_date.isoformat()}: {duration_text(cmd.minutes)}"
        tx.log(actor, "time_corrected", text, {"entry": entry.id, "new_entry": moved.id, "before": before})
        tx.touch()
        return
    if cmd.remove:
        entry.removed = True
        text = f"Removed {duration_text(entry.minutes)} on {entry.work_date.isoformat()}"
    else:
        entry.minutes, entry.work_date, entry.note = cmd.minutes, cmd.work_date, cmd.note.strip()
        text = f"{duration_text(cmd.minutes)} on {cmd.work_date.isoformat()}"
    entry.updated_at, entry.updated_by = tx.now, actor
    tx.session.add(entry)
    tx.log(actor, "time_corrected", text, {"entry": entry.id, "before": before, "removed": cmd.remove})
    tx.touch()
