"""Finding orders: the filters of /so list and /so export as SQL, newest first, a page at a time.

Paging is by keyset on the order's seq (SO-0042 → 42), never by offset: page 500 costs what page 1
costs, and an order created meanwhile does not shift the pages. Each common filter has an index
ending in seq (storage.models.Order), so a page is read in index order and the read stops there.

Who sees what: admins, coordinators and supervisors see every order; anyone else the orders they
take part in (requested, or a member of, like the order's private channel).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import and_, exists, false, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from storage.models import Member, Order
from workflow.rules import APPROVERS, Power, Status, has_power, status_text
from workflow.snapshots import OrderView

PAGE_MAX = 50


class Filters(Protocol):
    """What forms.filters.OrderFilters carries (the workflow does not import forms)."""

    @property
    def statuses(self) -> Collection[str]: ...
    @property
    def client(self) -> str: ...
    @property
    def mine(self) -> bool: ...
    @property
    def waiting(self) -> bool: ...
    @property
    def date_from(self) -> date | None: ...
    @property
    def date_to(self) -> date | None: ...
    @property
    def words(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class OrderRow:
    """One order in a list: what a result row shows, without its lines."""

    id: int
    seq: int
    number: str
    status: Status
    outcome: str
    client: str
    title: str
    planned_date: date | None
    channel_id: str | None

    @property
    def status_text(self) -> str:
        return status_text(self.status, self.outcome)


@dataclass(frozen=True)
class Page:
    """A page of orders, newest first, and the cursors of the pages around it (None: no such page).

    Previous is `search(before=previous)`, next is `search(after=next)`."""

    rows: list[OrderRow]
    previous: int | None
    next: int | None


def sees_all(roles: Collection[str]) -> bool:
    return has_power(Power.SEE_ALL_ORDERS, roles)


def may_see(order: OrderView, viewer: str, roles: Collection[str]) -> bool:
    """Whether viewer may see order (the same rule as the search's)."""
    return (
        sees_all(roles)
        or order.requester_id == viewer
        or viewer in order.field_workers
        or viewer in order.supervisors
    )


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """column contains text, ignoring case: lower(column) LIKE '%text%', with % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def conditions(
    filters: Filters,
    viewer: str | None,
    roles: Collection[str],
    allow_self_approval: bool = False,
) -> list[ColumnElement[bool]]:
    """The WHERE of a search. viewer None: no person's view (the command line sees every order;
    `mine` and `waiting` then match nothing)."""
    where: list[ColumnElement[bool]] = []
    if viewer is not None and not sees_all(roles):
        member_of = select(Member.order_id).where(Member.user_id == viewer)
        where.append(or_(Order.requester_id == viewer, col(Order.id).in_(member_of)))
    if filters.statuses:
        known = sorted(s.value for s in Status if s.value in set(filters.statuses))
        where.append(col(Order.status).in_(known) if known else false())
    if filters.client:
        where.append(contains(Order.client, filters.client))
    if filters.mine:
        if viewer is None:
            where.append(false())
        else:
            works_on = select(Member.order_id).where(Member.user_id == viewer, Member.role != "supervisor")
            where.append(or_(Order.requester_id == viewer, col(Order.id).in_(works_on)))
    if filters.waiting:
        if viewer is None or not APPROVERS & set(roles):
            where.append(false())
        else:
            where.append(Order.status == Status.PENDING_APPROVAL)
            if not allow_self_approval:
                where.append(Order.requester_id != viewer)
    if filters.date_from is not None:
        where.append(col(Order.planned_date) >= filters.date_from)
    if filters.date_to is not None:
        where.append(col(Order.planned_date) <= filters.date_to)
    for word in filters.words:
        where.append(or_(contains(Order.title, word), contains(Order.description, word)))
    return where


# the columns a result row shows: only these are read, not whole orders
_ROW_COLUMNS = (
    col(Order.id),
    col(Order.seq),
    col(Order.number),
    col(Order.status),
    col(Order.outcome),
    col(Order.client),
    col(Order.title),
    col(Order.planned_date),
    col(Order.channel_id),
)


def _row(r: Any) -> OrderRow:
    return OrderRow(
        r.id, r.seq, r.number, Status(r.status), r.outcome, r.client, r.title, r.planned_date, r.channel_id
    )


def search(
    engine: Engine,
    filters: Filters,
    viewer: str,
    roles: Collection[str],
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = 10,
    allow_self_approval: bool = False,
) -> Page:
    """The orders viewer may see that match filters, newest first: the first page, the page after
    seq `after` (older orders), or the page before seq `before` (newer orders)."""
    with Session(engine) as s:
        return search_in(
            s,
            filters,
            viewer,
            roles,
            after=after,
            before=before,
            limit=limit,
            allow_self_approval=allow_self_approval,
        )


def search_in(
    s: Session,
    filters: Filters,
    viewer: str,
    roles: Collection[str],
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = 10,
    allow_self_approval: bool = False,
) -> Page:
    """search, in the session s (so that the caller can read the viewer's roles in the same one)."""
    limit = max(1, min(limit, PAGE_MAX))
    where = conditions(filters, viewer, roles, allow_self_approval)
    seq = col(Order.seq)

    def any_where(*more: ColumnElement[bool]) -> bool:
        return bool(s.exec(select(exists().where(and_(*where, *more)))).one())

    q = select(*_ROW_COLUMNS).where(*where)
    if before is not None:
        found = list(s.exec(q.where(seq > before).order_by(seq.asc()).limit(limit + 1)).all())
        more = len(found) > limit
        found = found[:limit][::-1]
        top = found[-1].seq if found else before + 1
        return Page(
            [_row(o) for o in found],
            previous=found[0].seq if more and found else None,
            next=top if any_where(seq < top) else None,
        )
    if after is not None:
        q = q.where(seq < after)
    found = list(s.exec(q.order_by(seq.desc()).limit(limit + 1)).all())
    more = len(found) > limit
    found = found[:limit]
    previous = None
    if after is not None:
        first = found[0].seq if found else after - 1
        previous = first if any_where(seq > first) else None
    return Page([_row(o) for o in found], previous=previous, next=found[-1].seq if more and found else None)


def count(
    engine: Engine,
    filters: Filters,
    viewer: str | None,
    roles: Collection[str],
    allow_self_approval: bool = False,
) -> int:
    """How many orders match (for a progress bar: it reads every matching row's index entry)."""
    with Session(engine) as s:
        q = (
            select(func.count())
            .select_from(Order)
            .where(*conditions(filters, viewer, roles, allow_self_approval))
        )
        return int(s.exec(q).one())
