"""The reads a listener and the commands need, as functions over the caller's session.

The caller opens the session (a reader for a listener, the command's transaction for a command),
so one request's reads share one transaction, and a command reads what it is about to change."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from storage.models import Activity, Article, Line, Member, Order, Revision, RoleGrant, TimeEntry
from workflow import checklists, photos, signatures
from workflow.errors import Refused
from workflow.money import diff_lines, exact_price, exact_quantity, line_total, order_total
from workflow.rules import APPROVERS, Role, Status
from workflow.snapshots import ArticleView, LineView, NoteView, OrderView, RevisionView, TimeView

# A revision's PDF prints the newest notes of the thread (each cut to a length fit for paper) and
# counts the earlier ones: a busy thread must not make every PDF longer and slower to render.
NOTES_ON_PDF = 30
NOTE_CHARS_ON_PDF = 1500
OPEN_STATES = (Status.PENDING_APPROVAL, Status.IN_PROGRESS)


# ---------------------------------------------------------------- people
def roles_of(s: Session, user_id: str) -> frozenset[str]:
    """The company roles user_id holds."""
    return frozenset(s.exec(select(RoleGrant.role).where(RoleGrant.user_id == user_id)).all())


def users_with(s: Session, role: Role) -> list[str]:
    """Who holds role, sorted."""
    return sorted(set(s.exec(select(RoleGrant.user_id).where(RoleGrant.role == role)).all()))


def members(s: Session, order_id: int, role: str) -> list[str]:
    """The order's members in role (requester | supervisor | field_worker), in the order added."""
    rows = s.exec(
        select(Member.user_id)
        .where(Member.order_id == order_id, Member.role == role)
        .order_by(col(Member.id))
    ).all()
    return list(rows)


# ---------------------------------------------------------------- orders as stored
def order_row(s: Session, order_id: int, lock: bool = False) -> Order:
    """The order's row (locked for the transaction when lock); Refused when there is none."""
    q = select(Order).where(Order.id == order_id)
    if lock:
        q = q.with_for_update()
    order = s.exec(q).first()
    if order is None:
        raise Refused("not_found", "That order no longer exists.")
    return order


def revision_row(s: Session, order_id: int, number: int) -> Revision:
    rev = s.exec(select(Revision).where(Revision.order_id == order_id, Revision.number == number)).first()
    if rev is None:
        raise Refused("not_found", f"Revision {number} does not exist.")
    return rev


def has_confirmation(s: Session, order_id: int) -> bool:
    found = select(Revision.id).where(Revision.order_id == order_id, Revision.kind == "confirmation")
    return s.exec(found).first() is not None


def _line_view(r: Any) -> LineView:
    """A stored line (a Line, or a row of its columns) as people read it."""
    # The same numbers from every backend (PostgreSQL's NUMERIC keeps trailing zeros).
    return LineView(
        r.kind,
        r.description,
        exact_quantity(r.quantity),
        r.unit,
        exact_price(r.unit_price),
        line_total(r),
        r.code,
        r.catalog_item_id,
        None if r.vat_rate is None else Decimal(r.vat_rate).normalize(),
        r.vat_exemption or "",
    )


def lines_of(s: Session, order_id: int, number: int) -> list[LineView]:
    """The lines of the order's revision number, in their order."""
    rows = s.exec(
        select(Line)
        .join(Revision, col(Line.revision_id) == col(Revision.id))
        .where(Revision.order_id == order_id, Revision.number == number)
        .order_by(col(Line.position))
    ).all()
    return [_line_view(r) for r in rows]


# ---------------------------------------------------------------- views
def views(s: Session, orders: Sequence[Order]) -> list[OrderView]:
    """The views of orders: their current lines, their members and their confirmation flags, a
    query each (however many orders)."""
    if not orders:
        return []
    ids = [o.id for o in orders]
    lines: dict[int, list[LineView]] = defaultdict(list)
    current = [
        and_(col(Revision.order_id) == o.id, col(Revision.number) == o.current_revision) for o in orders
    ]
    for r in s.exec(
        select(
            Revision.order_id,
            Line.kind,
            Line.description,
            Line.quantity,
            Line.unit,
            Line.unit_price,
            Line.code,
            Line.catalog_item_id,
            Line.vat_rate,
            Line.vat_exemption,
        )
        .join(Revision, col(Line.revision_id) == col(Revision.id))
        .where(or_(*current))
        .order_by(col(Revision.order_id), col(Line.position))
    ).all():
        lines[r.order_id].append(_line_view(r))
    people: dict[tuple[int, str], list[str]] = defaultdict(list)
    for order_id, role, user_id in s.exec(
        select(Member.order_id, Member.role, Member.user_id)
        .where(col(Member.order_id).in_(ids), col(Member.role).in_(("supervisor", "field_worker")))
        .order_by(col(Member.id))
    ).all():
        people[order_id, role].append(user_id)
    confirmed = set(
        s.exec(
            select(Revision.order_id)
            .where(col(Revision.order_id).in_(ids), Revision.kind == "confirmation")
            .distinct()
        ).all()
    )
    time = _time_of(s, ids)
    articles = articles_of(s, ids)
    checks = checklists.views_of(s, ids)
    signed = signatures.latest(s, ids)
    return [
        OrderView(
            id=o.id,
            number=o.number,
            status=Status(o.status),
            version=o.version,
            client=o.client,
            site=o.site,
            contact=o.contact,
            title=o.title,
            description=o.description,
            planned_date=o.planned_date,
            priority=o.priority,
            requester_id=o.requester_id,
            channel_id=o.channel_id,
            channel_name=o.channel_name,
            card_ts=o.card_ts,
            current_revision=o.current_revision,
            decided_by=o.decided_by,
            decided_at=o.decided_at,
            reject_reason=o.reject_reason,
            outcome=o.outcome,
            outcome_reason=o.outcome_reason,
            closed_by=o.closed_by,
            closed_at=o.closed_at,
            created_at=o.created_at,
            updated_at=o.updated_at,
            lines=lines[o.id],
            total=order_total(lines[o.id]),
            supervisors=people[o.id, "supervisor"],
            field_workers=people[o.id, "field_worker"],
            has_confirmation=o.id in confirmed,
            client_id=o.client_id,
            site_id=o.site_id,
            contact_id=o.contact_id,
            contact_email=o.contact_email or "",
            custom_fields=list(o.custom_fields or []),
            ready_by=o.ready_by,
            ready_at=o.ready_at,
            invoice_revision=o.invoice_revision,
            invoice_number=o.invoice_number,
            invoiced_by=o.invoiced_by,
            invoiced_at=o.invoiced_at,
            time=time.get(o.id, NO_TIME),  # type: ignore[arg-type]
            articles=tuple(articles[o.id]),
            checklists=tuple(checks[o.id]),
            attested_by=o.attested_by,
            attested_at=o.attested_at,
            signature=signed.get(o.id),
        )
        for o in orders
    ]


def articles_of(s: Session, ids: list[int]) -> dict[int, list[ArticleView]]:
    """Each order's articles to be ordered, in their order (workflow.articles)."""
    out: dict[int, list[ArticleView]] = defaultdict(list)
    for a in s.exec(
        select(Article).where(col(Article.order_id).in_(ids)).order_by(col(Article.position), col(Article.id))
    ).all():
        out[a.order_id].append(
            ArticleView(
                a.id,  # type: ignore[arg-type]
                a.description,
                exact_quantity(a.quantity),
                a.unit,
                a.status,
                a.code,
                a.catalog_item_id,
                exact_price(a.unit_price),
            )
        )
    return out


NO_TIME = TimeView()


def _time_of(s: Session, ids: list[int]) -> dict[int, TimeView]:
    """Each order's recorded time: running timers, minutes recorded, minutes not yet in the lines."""
    rows = s.exec(
        select(
            TimeEntry.order_id,
            TimeEntry.user_id,
            TimeEntry.running,
            TimeEntry.started_at,
            TimeEntry.minutes,
            TimeEntry.billed_minutes,
            TimeEntry.removed,
        )
        .where(col(TimeEntry.order_id).in_(ids))
        .order_by(col(TimeEntry.id))
    ).all()
    timers: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    recorded: dict[int, int] = defaultdict(int)
    unbilled: dict[int, int] = defaultdict(int)
    for r in rows:
        if r.running:
            timers[r.order_id].append((r.user_id, r.started_at))
            continue
        minutes = 0 if r.removed else r.minutes
        recorded[r.order_id] += minutes
        unbilled[r.order_id] += minutes - r.billed_minutes
    return {
        order_id: TimeView(tuple(timers[order_id]), recorded[order_id], unbilled[order_id])
        for order_id in {r.order_id for r in rows}
    }


def view(s: Session, order: Order) -> OrderView:
    return views(s, [order])[0]


def invoice_orders(s: Session, ready_only: bool = False, since: datetime | None = None) -> list[OrderView]:
    """Orders whose invoice data went out (ready for invoicing, or invoiced), oldest first;
    ready_only: those not invoiced yet; since: marked ready at or after it."""
    wanted = [Status.READY_FOR_INVOICING] if ready_only else [Status.READY_FOR_INVOICING, Status.INVOICED]
    query = select(Order).where(col(Order.status).in_(wanted), col(Order.invoice_revision).is_not(None))
    if since is not None:
        query = query.where(col(Order.ready_at) >= since)
    return views(s, s.exec(query.order_by(col(Order.seq))).all())


def order(s: Session, order_id: int) -> OrderView:
    """The order's view; Refused (not_found) when there is none."""
    return view(s, order_row(s, order_id))


def order_number(ref: str) -> str | None:
    """The order number a person typed: 'SO-0042', 'so-42', '42', '*42' → SO-0042; '42-1',
    'SO-0042-1' → SO-0042-1 (a backorder); None when it names no order."""
    m = re.fullmatch(r"\s*\*?(?:so-?)?0*(\d{1,9})(?:-(\d{1,3}))?\s*", ref, re.IGNORECASE)
    if not m:
        return None
    number = f"SO-{int(m.group(1)):04d}"
    return number if m.group(2) is None else f"{number}-{int(m.group(2))}"


def find(s: Session, ref: str) -> OrderView | None:
    """An order by 'SO-0042', 'so-42', '42', '*42', or a backorder's '42-1'."""
    number = order_number(ref)
    if number is None:
        return None
    # the order, then its lines, its members and whether it has a confirmation (by order id: a
    # correlated EXISTS in the select list lets PostgreSQL hash every confirmation instead)
    found = s.exec(select(Order).where(Order.number == number)).first()
    return None if found is None else view(s, found)


def family(s: Session, order_id: int) -> tuple[str | None, list[tuple[str, Status, str | None]]]:
    """(the number of the order a backorder continues, or None; the backorders of the order —
    number, status, channel — in number order)."""
    row = s.exec(select(Order.parent_id).where(Order.id == order_id)).first()
    parent = s.exec(select(Order.number).where(Order.id == row)).first() if row is not None else None
    children = s.exec(
        select(Order.number, Order.status, Order.channel_id)
        .where(Order.parent_id == order_id)
        .order_by(col(Order.id))
    ).all()
    return parent, [(n, Status(st), ch) for n, st, ch in children]


def find_by_channel(s: Session, channel_id: str) -> OrderView | None:
    found = s.exec(select(Order).where(Order.channel_id == channel_id)).first()
    return None if found is None else view(s, found)


def list_for(
    s: Session, user_id: str, allow_self_approval: bool, limit: int = 20
) -> tuple[list[OrderView], list[OrderView]]:
    """(user_id's open orders, the orders waiting for their approval, if they are an approver)."""
    member_of = select(Member.order_id).where(Member.user_id == user_id, Member.role != "supervisor")
    mine = s.exec(
        select(Order)
        .where(col(Order.status).in_(OPEN_STATES))
        .where((Order.requester_id == user_id) | col(Order.id).in_(member_of))
        .order_by(col(Order.seq).desc())
        .limit(limit)
    ).all()
    waiting: Sequence[Order] = []
    if roles_of(s, user_id) & APPROVERS:
        q = select(Order).where(Order.status == Status.PENDING_APPROVAL)
        if not allow_self_approval:
            q = q.where(Order.requester_id != user_id)
        waiting = s.exec(q.order_by(col(Order.seq)).limit(limit)).all()
    # the lines, members and confirmations of both lists' orders, a query each (an order may be in both)
    by_id = {v.id: v for v in views(s, list({o.id: o for o in [*mine, *waiting]}.values()))}
    return [by_id[o.id] for o in mine], [by_id[o.id] for o in waiting]


def revision(s: Session, order_id: int, number: int) -> RevisionView:
    """Revision number of the order, with the changes since the one before and the thread's notes
    up to it (the newest NOTES_ON_PDF): what its PDF prints."""
    o = order_row(s, order_id)
    rev = revision_row(s, o.id, number)
    lines = lines_of(s, o.id, number)
    prev = revision_row(s, o.id, number - 1) if number > 1 else None
    prev_lines = lines_of(s, o.id, number - 1) if prev else []
    in_revision = (
        Activity.order_id == o.id,
        col(Activity.kind).in_(["note", "photo"]),
        Activity.id <= rev.last_activity_id,
    )
    notes = s.exec(  # the newest NOTES_ON_PDF, oldest first
        select(Activity).where(*in_revision).order_by(col(Activity.id).desc()).limit(NOTES_ON_PDF)
    ).all()[::-1]
    earlier = 0
    if len(notes) == NOTES_ON_PDF:
        earlier = s.exec(
            select(func.count()).select_from(Activity).where(*in_revision, Activity.id < notes[0].id)
        ).one()
    return RevisionView(
        order=view(s, o),
        number=rev.number,
        kind=rev.kind,
        author_id=rev.author_id,
        note=rev.note,
        final=rev.final,
        status=Status(rev.status),
        outcome=rev.outcome,
        field_workers=list(rev.field_workers),
        total=rev.total,
        created_at=rev.created_at,
        lines=lines,
        previous_number=prev.number if prev else None,
        previous_total=prev.total if prev else None,
        changes=diff_lines(prev_lines, lines) if prev else [],
        notes=[NoteView(a.id, a.at, a.actor_id, a.text, list(a.data.get("files", []))) for a in notes],
        earlier_notes=int(earlier),
        pdf_file_id=rev.pdf_file_id,
        custom_fields=list(rev.custom_fields or []),
        articles=list(rev.articles or []),
        self_checks=dict(rev.self_checks or {}),
        signature=signatures.at_revision(s, o.id, number),
        photos=photos.views(s, list(rev.photos or [])),
    )
