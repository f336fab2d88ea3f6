"""The order commands: what each changes, logs and queues, as functions over the command's session.

`carry_out` checks the command (workflow.checks, the order's row locked) and applies it: the new
state comes from the rules table (Tx.move), the effects are queued in the same transaction
(workflow.changes). The caller (Workflow.execute) opens the transaction and marks the request done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import insert_new
from storage.models import Activity, Effect, Member, Order, ProcessedEvent
from workflow import articles, checklists, checks, lifecycle, photos, self_checks, signatures, timesheet
from workflow import commands as c
from workflow import effects as fx
from workflow import home as order_home
from workflow import queries as q
from workflow.changes import Tx
from workflow.errors import AlreadyCarriedOut, Refused
from workflow.policy import Policy
from workflow.rules import APPROVERS, RULES, STATUS_TEXT, Action, Outcome, Status


def approve(tx: Tx, actor: str, cmd: c.Approve) -> None:
    """Pending → in progress; publishes revision 1 and its PDF."""
    order = tx.order
    tx.move(Action.APPROVE)
    order.decided_by, order.decided_at = actor, tx.now
    # the self-checks that apply, before revision 1: its PDF lists them
    checklists.attach(tx.session, order, tx.policy.checklists, tx.now)
    tx.add_revision(1, "approved", actor, q.lines_of(tx.session, order.id, 0))
    tx.announce(tx.log(actor, "approved", f"{order.number} approved"), fx.APPROVED, actor)
    tx.queue(fx.UPLOAD_PDF, f"pdf:{order.number}:r1", {"revision": 1})
    if tx.policy.email_on_approval:
        email_customer(tx, "approved", 1)
    tx.touch()


def reject(tx: Tx, actor: str, cmd: c.Reject) -> None:
    order, reason = tx.order, cmd.reason.strip()
    tx.move(Action.REJECT)
    order.decided_by, order.decided_at = actor, tx.now
    order.reject_reason = reason
    tx.announce(tx.log(actor, "rejected", reason), fx.REJECTED, actor, reason=reason)
    tx.touch()


def add_field_workers(tx: Tx, actor: str, cmd: c.AddFieldWorkers) -> None:
    order = tx.order
    new = checks.new_field_workers(tx.session, order, cmd.user_ids)
    for uid in new:
        tx.session.add(
            Member(order_id=order.id, user_id=uid, role="field_worker", added_by=actor, added_at=tx.now)
        )
    act = tx.log(actor, "field_workers_added", " ".join(new), {"users": new})
    tx.queue(fx.INVITE, f"invite:{order.number}:{act.id}", {"users": new})
    tx.announce(act, fx.FIELD_WORKERS_ADDED, actor, users=new)
    tx.move(Action.ADD_FIELD_WORKERS)
    tx.touch()


def confirm(tx: Tx, actor: str, cmd: c.Confirm) -> None:
    """A new revision of the lines, with its PDF; a final one closes the order."""
    order, note = tx.order, cmd.note.strip()
    number = order.current_revision + 1
    tx.move(Action.CONFIRM)
    if cmd.final:  # the order closes as "completed with adjustments": the CLOSE transition
        tx.move(Action.CLOSE)
        order.outcome = Outcome.COMPLETED_WITH_CHANGES
        order.closed_by, order.closed_at = actor, tx.now
        checklists.attest(order, actor, tx.now)  # checked: a final one needs the attestation
        timesheet.stop_timers(tx, actor)
    photos.record_photos(tx.session, order, actor, cmd.photos, "confirmation", tx.now)  # on this revision
    rev = tx.add_revision(number, "confirmation", actor, cmd.lines, note=note, final=cmd.final)
    timesheet.bill(tx.session, order.id, cmd.time, number)  # type: ignore[arg-type]
    rev.custom_fields = list(c.custom_dicts(cmd.custom))
    act = tx.log(actor, "confirmation", note, {"revision": number, "final": cmd.final})
    tx.announce(act, fx.CONFIRMED, actor, revision=number, final=cmd.final)
    tx.queue(fx.UPLOAD_PDF, f"pdf:{order.number}:r{number}", {"revision": number})
    if cmd.final and tx.policy.email_on_close:
        email_customer(tx, "closed", number)
    if cmd.final:
        tx.queue(
            fx.ANNOUNCE,
            f"announce:{order.number}:{act.id}:closed",
            {"event": fx.CLOSED, "actor": actor, "outcome": Outcome.COMPLETED_WITH_CHANGES},
        )
    tx.touch()


def close(tx: Tx, actor: str, cmd: c.Close) -> None:
    order, outcome, reason = tx.order, checks.outcome_of(cmd), cmd.reason.strip()
    tx.move(Action.CLOSE)
    timesheet.stop_timers(tx, actor)
    order.outcome, order.outcome_reason = outcome, reason
    order.closed_by, order.closed_at = actor, tx.now
    if cmd.attested:
        checklists.attest(order, actor, tx.now)
    if cmd.custom:
        order.custom_fields = [*order.custom_fields, *c.custom_dicts(cmd.custom)]
    act = tx.log(actor, "closed", reason, {"outcome": outcome.value})
    tx.announce(act, fx.CLOSED, actor, outcome=outcome.value, reason=reason)
    if tx.policy.email_on_close and outcome is not Outcome.NOT_PERFORMED:
        email_customer(tx, "closed", order.current_revision)
    tx.touch()


EFFECTS = Effect.__table__  # type: ignore[attr-defined]


def email_customer(tx: Tx, occasion: str, revision: int) -> None:
    """Queue the customer's email of an occasion (approved, closed) with the revision's PDF, to the
    order's contact email (none: nothing). In no order's queue: a mail server that is down holds up
    no card update. Its key names the occasion and revision: queued once, sent once."""
    order = tx.order
    if not order.contact_email:
        return
    payload = {
        "to": order.contact_email,
        "occasion": occasion,
        "order": order.number,
        "order_id": order.id,
        "revision": revision,
        "customer_copy": not tx.policy.customer_sees_prices,
    }
    key = f"email:{order.number}:{occasion}:r{revision}"
    insert_new(tx.session, EFFECTS, [fx.row(key, fx.EMAIL, payload, tx.now)])


def email_sent(tx: Tx, actor: str, cmd: c.EmailCustomer) -> None:
    """The order's current PDF to the address the person gave, with their words; the channel is told."""
    order, to, revision = tx.order, cmd.to.strip(), tx.order.current_revision
    act = tx.log(actor, "emailed", to, {"to": to, "revision": revision})
    payload = {
        "to": to,
        "subject": cmd.subject.strip(),
        "text": cmd.text,
        "order": order.number,
        "order_id": order.id,
        "revision": revision,
        "customer_copy": not tx.policy.customer_sees_prices,
    }
    insert_new(
        tx.session, EFFECTS, [fx.row(f"email:{order.number}:sent:{act.id}", fx.EMAIL, payload, tx.now)]
    )
    tx.announce(act, fx.EMAILED, actor, to=to, revision=revision)
    tx.move(Action.EMAIL_CUSTOMER)
    tx.flush()


def cancel(tx: Tx, actor: str, cmd: c.Cancel) -> None:
    """Called off before it was done: the order ends, its channel and card say why."""
    reason = cmd.reason.strip()
    was = str(tx.order.status)
    tx.move(Action.CANCEL)
    timesheet.stop_timers(tx, actor)
    tx.announce(tx.log(actor, "cancelled", reason, {"from": was}), fx.CANCELLED, actor, reason=reason)
    tx.touch()


def reinstate(tx: Tx, actor: str, cmd: c.Reinstate) -> None:
    """Back to the state it was cancelled from (kept in the cancellation's history line; orders
    cancelled before it was kept: in progress once approved, else waiting for approval)."""
    last = tx.session.exec(
        select(Activity)
        .where(Activity.order_id == tx.order.id, Activity.kind == "cancelled")
        .order_by(col(Activity.id).desc())
    ).first()
    was = (last.data or {}).get("from") if last is not None else None
    if was not in {str(s) for s in RULES[Action.CANCEL].from_states}:
        was = Status.IN_PROGRESS if tx.order.decided_at is not None else Status.PENDING_APPROVAL
    tx.order.status = Status(was)
    act = tx.log(actor, "reinstated", STATUS_TEXT[Status(was)], {"to": str(was)})
    tx.announce(act, fx.REINSTATED, actor, status=str(was))
    tx.touch()


def customer_copy(tx: Tx, actor: str, cmd: c.CustomerCopy) -> None:
    """Queue the current revision's PDF without prices for the order's channel."""
    number = tx.order.current_revision
    tx.log(actor, "customer_copy", f"Customer copy of revision {number}", {"revision": number})
    tx.queue(fx.CUSTOMER_COPY, checks.customer_copy_key(tx.order), {"revision": number})
    tx.move(Action.CUSTOMER_COPY)
    tx.flush()


def note(tx: Tx, actor: str, cmd: c.Note) -> None:
    """Record a thread reply or a shared file as a note or a photo, acknowledged with a reaction;
    AlreadyCarriedOut for an event recorded before (Slack delivered it again)."""
    s = tx.session
    s.add(ProcessedEvent(event_id=cmd.event_id, received_at=tx.now))
    try:
        s.flush()
    except IntegrityError:
        raise AlreadyCarriedOut(cmd.event_id) from None
    kind = "photo" if cmd.files else "note"
    tx.log(actor, kind, cmd.text[:4000], {"files": list(cmd.files), "ts": cmd.ts})
    photos.record_photos(s, tx.order, actor, cmd.photos, "channel", tx.now)
    # The acknowledgement belongs to no order's queue: a busy thread's reactions (rate limited by
    # Slack) never hold up the order's own changes, nor wait behind them.
    reaction = {"channel": cmd.channel_id, "ts": cmd.ts, "name": cmd.reaction, "order": tx.order.number}
    s.add(
        Effect(key=f"react:{cmd.event_id}", order_id=None, kind=fx.REACT, payload=reaction, created_at=tx.now)
    )
    tx.move(Action.NOTE)
    tx.flush()


def ready_for_invoicing(tx: Tx, actor: str, cmd: c.ReadyForInvoicing) -> None:
    """Closed → ready for invoicing: the invoice revision (the lines as they are, its PDF marked
    Ready for invoicing) and, when the company has an ERP, its invoice data posted there. After a
    Restore the new revision corrects the one sent before."""
    order, s = tx.order, tx.session
    earlier = order.invoice_revision
    number = order.current_revision + 1
    tx.move(Action.READY_FOR_INVOICING)
    order.ready_by, order.ready_at = actor, tx.now
    # time recorded or corrected since the last confirmation goes into the invoice: never lost
    timed = timesheet.with_time(s, tx.policy, order.id, q.lines_of(s, order.id, order.current_revision))  # type: ignore[arg-type]
    tx.add_revision(number, "invoice", actor, timed.lines)
    timesheet.bill(s, order.id, timed.billed, number)  # type: ignore[arg-type]
    order.invoice_revision = number
    details: dict = {"revision": number, "correction_of": earlier}
    if timed.changes:
        details["time"] = timed.changes
    act = tx.log(actor, "ready_for_invoicing", f"Revision {number}", details)
    tx.announce(act, fx.READY_FOR_INVOICING, actor, **details)
    tx.queue(fx.UPLOAD_PDF, f"pdf:{order.number}:r{number}", {"revision": number})
    if tx.policy.invoicing.send_to_erp:
        # In a queue of its own (no order_id): an accounting system that is down holds up no card
        # update; it is retried, and told to the admins and on the Home when it fails for good.
        payload = {"revision": number, "correction_of": earlier, "order_id": order.id, "order": order.number}
        key = f"invoice:{order.number}:r{number}"
        s.add(Effect(key=key, order_id=None, kind=fx.SEND_INVOICE, payload=payload, created_at=tx.now))
    tx.touch()


def mark_invoiced(tx: Tx, actor: str, cmd: c.MarkInvoiced) -> None:
    """Ready for invoicing → invoiced (by a person, or by the ERP: actor "erp")."""
    order, number = tx.order, cmd.invoice_number.strip()
    tx.move(Action.MARK_INVOICED)
    order.invoice_number = number
    order.invoiced_by, order.invoiced_at = actor, tx.now
    act = tx.log(actor, "invoiced", number, {"invoice_number": number})
    tx.announce(act, fx.INVOICED, actor, invoice_number=number)
    tx.touch()


def restore(tx: Tx, actor: str, cmd: c.Restore) -> None:
    """Ready for invoicing or invoiced → closed (admins, with a reason, kept in the log); the invoice
    number is forgotten, and the next Ready for invoicing sends a new revision as a correction."""
    order, reason = tx.order, cmd.reason.strip()
    tx.move(Action.RESTORE)
    order.ready_by, order.ready_at = None, None
    order.invoice_number, order.invoiced_by, order.invoiced_at = "", None, None
    act = tx.log(actor, "restored", reason, {"revision": order.invoice_revision})
    tx.announce(act, fx.RESTORED, actor, reason=reason)
    # the invoice is being corrected: what the customer signed is asked for again (the next PDF on)
    next_revision = order.current_revision + 1
    signatures.invalidate(tx.session, order.id, next_revision, tx.now, actor, "the order was restored")
    tx.touch()


APPLY: dict[type, Callable[..., Order | None]] = {
    c.Approve: approve,
    c.Reject: reject,
    c.AddFieldWorkers: add_field_workers,
    c.Confirm: confirm,
    c.Close: close,
    c.Cancel: cancel,
    c.Reinstate: reinstate,
    c.CreateBackorder: lifecycle.backorder,
    c.CustomerCopy: customer_copy,
    c.EmailCustomer: email_sent,
    c.Note: note,
    c.ReadyForInvoicing: ready_for_invoicing,
    c.MarkInvoiced: mark_invoiced,
    c.Restore: restore,
    c.StartWork: timesheet.start_work,
    c.StopWork: timesheet.stop_work,
    c.LogTime: timesheet.log_time,
    c.CorrectTime: timesheet.correct_time,
    c.Articles: articles.change_articles,
    c.UseArticles: articles.use_articles,
    c.SelfCheck: self_checks.save_self_check,
}


def carry_out(s: Session, policy: Policy, now: datetime, actor: str, cmd: c.Command) -> Order:
    """Check cmd (Refused) and apply it in s, the caller's transaction; the order it changed."""
    order = checks.check(s, policy, actor, cmd, lock=True)
    if order is None:  # a new order
        return lifecycle.submit(s, policy, now, actor, cmd)  # type: ignore[arg-type]
    # what a command makes of the order: the order itself, or a new one (a backorder)
    return APPLY[type(cmd)](Tx(s, order, now, policy), actor, cmd) or order


ERP = "erp"  # the actor of what the accounting system does (no Slack user)


def erp_invoiced(
    s: Session, policy: Policy, now: datetime, number: str, invoice_number: str
) -> tuple[Order, bool]:
    """The accounting system invoiced the order named number: (the order, whether this changed it).
    The same answer again changes nothing; an order not ready for invoicing, or invoiced under another
    number, is Refused (the ERP is told, the order stays as it is)."""
    order = s.exec(select(Order).where(Order.number == number).with_for_update()).first()
    if order is None:
        raise Refused("not_found", f"No order {number}.")
    invoice_number = invoice_number.strip()
    if len(invoice_number) > checks.INVOICE_NUMBER_MAX:
        raise Refused("invalid", f"An invoice number has at most {checks.INVOICE_NUMBER_MAX} characters.")
    if order.status == Status.INVOICED:
        if order.invoice_number == invoice_number:
            return order, False
        raise Refused("state", f"{number} is invoiced already, as {order.invoice_number or 'no number'}.")
    if order.status != Status.READY_FOR_INVOICING:
        raise Refused("state", f"{number} is {order.status.replace('_', ' ')}, not ready for invoicing.")
    mark_invoiced(Tx(s, order, now, policy), ERP, c.MarkInvoiced(order.id, invoice_number))
    return order, True


def leave_orders(s: Session, policy: Policy, user_ids: Iterable[str], actor: str, now: datetime) -> int:
    """In the transaction that took a role from user_ids: take away what the role gave.

    Submitting an order makes every supervisor (or, with none, every admin) a member of it as
    "supervisor" and invites them to its channel. Whoever now holds neither role loses those
    memberships (so `/so show`, `/so list` and the Home no longer show them the order) and is
    removed from the channels (a KICK effect, in the order's queue: after any pending invite),
    open or ended, unless the channel was archived or they take part in the order otherwise
    (its requester, a field worker): that keeps their seat. The card that named them as a
    supervisor is updated. Their requests and field work stay theirs. The memberships removed."""
    removed = 0
    for uid in sorted({u for u in user_ids if u}):
        if q.roles_of(s, uid) & APPROVERS:
            continue  # still an approver: their memberships still stand
        supervising = select(Member.order_id).where(Member.user_id == uid, Member.role == "supervisor")
        order_ids = sorted(s.exec(supervising).all())
        if not order_ids:
            continue
        s.exec(delete(Member).where(col(Member.user_id) == uid, col(Member.role) == "supervisor"))  # type: ignore[call-overload]
        working = set(
            s.exec(select(Member.order_id).where(Member.user_id == uid, Member.role == "field_worker")).all()
        )
        archived = set(
            s.exec(
                select(Effect.order_id)
                .where(col(Effect.order_id).in_(order_ids), Effect.kind == fx.ARCHIVE)
                .where(Effect.status == "done")
            ).all()
        )
        orders = s.exec(
            select(Order).where(col(Order.id).in_(order_ids)).order_by(col(Order.id)).with_for_update()
        ).all()
        for order in orders:
            tx = Tx(s, order, now, policy)
            text = f"{uid} is no longer a supervisor of {order.number}"
            act = tx.log(actor, "member_removed", text, {"user": uid, "role": "supervisor"})
            if uid != order.requester_id and order.id not in working and order.id not in archived:
                tx.queue(fx.KICK, f"kick:{order.number}:{uid}:{act.id}", {"user": uid})
            if order.decided_by is None:  # the card names the order's supervisors until decided
                tx.touch()
            else:
                tx.flush()
            removed += 1
        order_home.queue_publish(s, uid, now, policy.home_refresh_seconds)
    return removed
