"""Where an order's life begins and ends outside the daily flow: a new order (submitted, or a
backorder continuing one that is ready for invoicing), and an order deleted for good.

    submit      SO-0042: a new order, numbered from the "order" counter (gap-free)
    backorder   SO-0042-1, -2, …: numbered from the family's first order (its row locked), with
                the original's client, site, contact and field workers and the lines picked
    delete      an order never approved, removed with every row that names it; its channel
                archived, its number kept in deleted_orders so it is never used again
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from storage.models import (
    Client,
    Contact,
    DeletedOrder,
    Effect,
    Line,
    Member,
    Order,
    ProcessedCommand,
    Revision,
)
from workflow import checks
from workflow import commands as c
from workflow import effects as fx
from workflow import home as order_home
from workflow import queries as q
from workflow.changes import Tx, channel_name, next_number, next_seq
from workflow.policy import Policy
from workflow.rules import RULES, Action, Role
from workflow.snapshots import OrderView


def submit(s: Session, policy: Policy, now: datetime, actor: str, cmd: c.Submit) -> Order:
    """Store a new order SO-nnnn and queue its channel, card and DMs."""
    return _new_order(s, policy, now, actor, cmd.draft, f"SO-{next_number(s):04d}")


def _new_order(
    s: Session,
    policy: Policy,
    now: datetime,
    actor: str,
    draft: c.OrderDraft,
    number: str,
    parent: Order | None = None,
    field_workers: Sequence[str] = (),
) -> Order:
    """Store the order number waiting for approval, and queue its channel, card and DMs."""
    client_id = draft.client_id
    if client_id is not None and s.get(Client, client_id) is None:
        client_id = None
    order = Order(
        seq=next_seq(s),
        number=number,
        status=RULES[Action.SUBMIT].to_state,
        client=draft.client,
        site=draft.site,
        contact=draft.contact,
        contact_email=draft.contact_email or _contact_email(s, draft.contact_id if client_id else None),
        title=draft.title,
        description=draft.description,
        planned_date=draft.planned_date,
        priority=draft.priority,
        requester_id=actor,
        current_revision=0,
        created_at=now,
        updated_at=now,
        client_id=client_id,
        site_id=draft.site_id if client_id is not None else None,
        contact_id=draft.contact_id if client_id is not None else None,
        custom_fields=list(c.custom_dicts(draft.custom)),
        parent_id=parent.id if parent is not None else None,
    )
    s.add(order)
    s.flush()
    tx = Tx(s, order, now, policy)
    tx.add_revision(0, "submitted", actor, draft.lines)
    approvers = q.users_with(s, Role.SUPERVISOR) or q.users_with(s, Role.ADMIN)
    s.add(Member(order_id=order.id, user_id=actor, role="requester", added_by=actor, added_at=now))
    for uid in approvers:
        s.add(Member(order_id=order.id, user_id=uid, role="supervisor", added_by=actor, added_at=now))
    for uid in field_workers:
        s.add(Member(order_id=order.id, user_id=uid, role="field_worker", added_by=actor, added_at=now))
    text = f"{number} submitted" + (f" as a backorder of {parent.number}" if parent is not None else "")
    act = tx.log(actor, "submitted", text, {"parent": parent.number} if parent is not None else {})
    name = channel_name(number, draft.client, draft.title)
    invited = [actor] + [u for u in [*approvers, *field_workers] if u != actor]
    tx.queue(fx.CREATE_CHANNEL, f"channel:{number}", {"name": name, "private": tx.policy.private_channels})
    tx.queue(fx.INVITE, f"invite:{number}:submit", {"users": list(dict.fromkeys(invited))})
    tx.queue(fx.POST_CARD, f"card:{number}:post", {})
    tx.queue(fx.PIN_CARD, f"card:{number}:pin", {})
    tx.queue_topic()
    tx.announce(act, fx.SUBMITTED, actor)
    for uid in approvers:
        if uid != actor or tx.policy.allow_self_approval:
            event = {"user": uid, "event": fx.APPROVAL_REQUESTED, "actor": actor}
            tx.queue(fx.DM, f"dm:{number}:{fx.APPROVAL_REQUESTED}:{uid}", event)
    if client_id is None and draft.client.strip() and s.exec(select(Client.id).limit(1)).first():
        # A client typed rather than picked, while the company keeps a client list: ask the admins
        # to add it (one DM each per order)
        for uid in q.users_with(s, Role.ADMIN):
            event = {"user": uid, "event": fx.CLIENT_UNKNOWN, "actor": actor, "client": draft.client}
            tx.queue(fx.DM, f"dm:{number}:{fx.CLIENT_UNKNOWN}:{uid}", event)
    tx.flush()
    order_home.queue_refresh(s, order, now, policy.home_refresh_seconds)
    return order


def _contact_email(s: Session, contact_id: int | None) -> str:
    """The email of the master-data contact picked (the form leaves it to the list): "" when none."""
    if contact_id is None:
        return ""
    return s.exec(select(Contact.email).where(Contact.id == contact_id)).first() or ""


def backorder(tx: Tx, actor: str, cmd: c.CreateBackorder) -> Order:
    """A new order continuing tx.order (ready for invoicing or invoiced): SO-0042-n, n from the
    family's first order, whose row is locked so two at once never take the same n. It has the
    original's client, site, contact and field workers, and the lines picked; it waits for approval
    like any new order. The original's channel is told. The new order."""
    s, original = tx.session, tx.order
    root = original if original.parent_id is None else q.order_row(s, original.parent_id, lock=True)
    root.backorder_count += 1
    s.add(root)
    number = f"{root.number}-{root.backorder_count}"
    current = q.lines_of(s, original.id, original.current_revision)
    picked = tuple(c.line_drafts(current[i] for i in sorted(set(cmd.lines))))
    draft = c.OrderDraft(
        client=original.client,
        site=original.site,
        contact=original.contact,
        title=cmd.title.strip() or original.title,
        description=cmd.note.strip() or f"Backorder of {original.number}: {original.title}",
        planned_date=cmd.planned_date,
        priority=original.priority,
        lines=picked,
        client_id=original.client_id,
        site_id=original.site_id,
        contact_id=original.contact_id,
        contact_email=original.contact_email,
        custom=tuple(f for f in original.custom_fields if f.get("form") == "new_order"),
    )
    workers = q.members(s, original.id, "field_worker")
    new = _new_order(s, tx.policy, tx.now, actor, draft, number, root, workers)
    details = {"backorder": number, "lines": len(picked)}
    act = tx.log(actor, "backorder", f"Backorder {number}", details)
    tx.announce(act, fx.BACKORDER_CREATED, actor, **details)
    tx.flush()
    return new


def delete(s: Session, policy: Policy, now: datetime, actor: str, cmd: c.Delete) -> OrderView:
    """Remove an order never approved and every row that names it; archive its channel (after its
    card says it was deleted) and keep one audit line. The order as it was."""
    order = checks.check(s, policy, actor, cmd, lock=True)
    assert order is not None and order.id is not None
    was = q.view(s, order)
    order_home.queue_refresh(s, order, now, policy.home_refresh_seconds)  # their lists lose it
    if order.channel_id:
        payload = {
            "channel": order.channel_id,
            "card_ts": order.card_ts,
            "order": order.number,
            "actor": actor,
        }
        s.add(Effect(key=f"deleted:{order.number}", kind=fx.DELETED, payload=payload, created_at=now))
    revisions = select(Revision.id).where(Revision.order_id == order.id)
    s.exec(sql_delete(Line).where(col(Line.revision_id).in_(revisions)))  # type: ignore[call-overload]
    # every table that refers to the order (those added later too), children before parents
    for table in reversed(SQLModel.metadata.sorted_tables):
        refers = any(
            fk.column.table.name == "orders" for fk in table.foreign_keys if fk.parent.name == "order_id"
        )
        if refers:
            s.exec(sql_delete(table).where(table.c.order_id == order.id))  # type: ignore[call-overload]
    s.exec(update(ProcessedCommand).where(col(ProcessedCommand.order_id) == order.id).values(order_id=None))  # type: ignore[call-overload]
    s.add(DeletedOrder(number=order.number, status=order.status, deleted_by=actor, deleted_at=now))
    s.delete(order)
    s.flush()
    return was
