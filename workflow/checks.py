"""What each order command needs before it may change anything: who may do it and from which state
(the rules table), and the command's own conditions (a reason, a fresh form, catalog prices…).

The same function per command runs before the ack (Workflow.precheck: a reader session, nothing
locked, nothing written) and in the command's transaction (Workflow.execute: the order's row
locked), so a form shows exactly the refusal the command would give, and a rule is written once."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlmodel import Session, col, select

from storage.models import CatalogItem, Effect, Order
from workflow import articles, checklists, invoice_gate, self_checks, timesheet
from workflow import commands as c
from workflow import queries as q
from workflow.errors import Refused
from workflow.money import exact_price
from workflow.policy import Policy
from workflow.rules import (
    ACTION_TEXT,
    ENDED,
    POWER_TEXT,
    Action,
    Outcome,
    Power,
    Relation,
    Status,
    Verdict,
    decide,
    has_power,
    who_has,
)
from workflow.snapshots import LineView


def require(roles: frozenset[str] | set[str], power: Power, doing: str | None = None) -> None:
    """Refused naming who may, unless these roles hold power (the one admin check: workflow.rules)."""
    if not has_power(power, roles):
        who = who_has(power)
        raise Refused("role", f"Only {who} can {doing or POWER_TEXT[power]}.", who=who)


def verdict(
    s: Session, policy: Policy, order: Order, actor: str, action: Action, also: set[str] | None = None
) -> Verdict:
    """Whether actor may do action on order now, by the rules table (their roles and their relations
    to the order; also: relations to what the command is about, e.g. the time entry they recorded)."""
    relations: set[str] = set(also or ())
    if order.requester_id == actor:
        relations.add(Relation.REQUESTER)
    if actor in q.members(s, order.id, "field_worker"):
        relations.add(Relation.FIELD_WORKER)
    return decide(
        action,
        q.roles_of(s, actor),
        relations,
        Status(order.status),
        is_requester=order.requester_id == actor,
        allow_self_approval=policy.allow_self_approval,
    )


def authorize(
    s: Session, policy: Policy, order: Order, actor: str, action: Action, also: set[str] | None = None
) -> None:
    """Refused, saying why, unless actor may do action on order now."""
    v = verdict(s, policy, order, actor, action, also)
    if v.allowed:
        return
    if v.reason == "role":
        raise Refused("role", f"Only {v.who} can {ACTION_TEXT[action]}.", who=v.who)
    if v.reason == "own_order":
        raise Refused("own_order", f"You requested {order.number}: another supervisor must decide on it.")
    if order.decided_by and action in (Action.APPROVE, Action.REJECT):
        decision = "approved" if order.status != Status.REJECTED else "rejected"
        raise Refused(
            "decided",
            f"{order.number} was already {decision}.",
            decided_by=order.decided_by,
            decided_at=order.decided_at,
            decision=decision,
        )
    status = Status(order.status)
    if status in ENDED:
        raise Refused(
            "state", f"{order.number} is {status.value.replace('_', ' ')}: nothing more can be done."
        )
    raise Refused("state", f"{order.number} is {status.value.replace('_', ' ')}: that is not possible now.")


def open_order(
    s: Session,
    policy: Policy,
    order_id: int,
    actor: str,
    action: Action,
    lock: bool,
    also: set[str] | None = None,
) -> Order:
    """The order (its row locked when lock), if actor may do action on it now."""
    order = q.order_row(s, order_id, lock=lock)
    authorize(s, policy, order, actor, action, also)
    return order


def catalog_prices(
    s: Session, policy: Policy, actor: str, lines: Sequence[object], kept: Sequence[LineView] = ()
) -> None:
    """Refused (naming the line) when a line picked from the catalog has a unit price other than the
    catalog's, or than the one the order already had for that item (kept), and actor is neither
    supervisor nor admin while the policy locks catalog prices."""
    picked = {getattr(x, "catalog_item_id", None) for x in lines} - {None}
    if (
        not policy.lock_catalog_prices
        or not picked
        or has_power(Power.SET_CATALOG_PRICES, q.roles_of(s, actor))
    ):
        return
    prices = dict(
        s.exec(select(CatalogItem.id, CatalogItem.unit_price).where(col(CatalogItem.id).in_(picked))).all()
    )
    for i, line in enumerate(lines):
        item = getattr(line, "catalog_item_id", None)
        if item is None:
            continue
        allowed = {exact_price(p) for p in [prices.get(item)] if p is not None}
        allowed |= {k.unit_price for k in kept if k.catalog_item_id == item}
        if allowed and exact_price(line.unit_price) not in allowed:  # type: ignore[attr-defined]
            shown = ", ".join(sorted(str(p) for p in allowed))
            raise Refused(
                "invalid",
                f"The unit price of '{line.description}' comes from the catalog ({shown}); "  # type: ignore[attr-defined]
                "only supervisors and admins may change it.",
                who="a supervisor or an admin",
                line=i,
            )


def _reason(text: str, message: str) -> str:
    reason = text.strip()
    if not reason:
        raise Refused("invalid", message, field="reason")
    return reason


def new_field_workers(s: Session, order: Order, user_ids: Sequence[str]) -> list[str]:
    """Those of user_ids not yet field workers on order, in the order given."""
    existing = set(q.members(s, order.id, "field_worker"))
    return [u for u in dict.fromkeys(user_ids) if u and u not in existing]


def customer_copy_key(order: Order) -> str:
    return f"customer-copy:{order.number}:r{order.current_revision}"


# ---------------------------------------------------------------- one function per command
# Each takes (session, policy, actor, command, lock) and gives the order it is about (None for a
# new one), or raises Refused. Checks that need no order come first: a form is told at once.
def check_submit(s: Session, policy: Policy, actor: str, cmd: c.Submit, lock: bool) -> None:
    v = decide(Action.SUBMIT, q.roles_of(s, actor))
    if not v.allowed:
        raise Refused("role", f"Only {v.who} can {ACTION_TEXT[Action.SUBMIT]}.", who=v.who)
    catalog_prices(s, policy, actor, cmd.draft.lines)


def check_approve(s: Session, policy: Policy, actor: str, cmd: c.Approve, lock: bool) -> Order:
    return open_order(s, policy, cmd.order_id, actor, Action.APPROVE, lock)


def check_reject(s: Session, policy: Policy, actor: str, cmd: c.Reject, lock: bool) -> Order:
    _reason(cmd.reason, "A reason is required to reject an order.")
    return open_order(s, policy, cmd.order_id, actor, Action.REJECT, lock)


def check_add_field_workers(
    s: Session, policy: Policy, actor: str, cmd: c.AddFieldWorkers, lock: bool
) -> Order:
    if not [u for u in cmd.user_ids if u]:
        raise Refused("invalid", "Choose at least one person.", field="users")
    order = open_order(s, policy, cmd.order_id, actor, Action.ADD_FIELD_WORKERS, lock)
    if not new_field_workers(s, order, cmd.user_ids):
        raise Refused("invalid", "They are already field workers on this order.", field="users")
    return order


def check_confirm(s: Session, policy: Policy, actor: str, cmd: c.Confirm, lock: bool) -> Order:
    order = open_order(s, policy, cmd.order_id, actor, Action.CONFIRM, lock)
    if cmd.final:  # a final confirmation closes the order: a close too, by the table
        authorize(s, policy, order, actor, Action.CLOSE)
        closing_needs(s, order, cmd.attested, "final")
    catalog_prices(s, policy, actor, cmd.lines, q.lines_of(s, order.id, order.current_revision))
    timesheet.check_billed(s, order, cmd.time)
    if cmd.base_revision != order.current_revision:
        raise Refused(
            "stale",
            f"{order.number} changed since you opened this form (it is now at revision "
            f"{order.current_revision}). Close the form and open Create confirmation again.",
        )
    return order


def outcome_of(cmd: c.Close) -> Outcome:
    try:
        return Outcome(cmd.outcome)
    except ValueError:
        raise Refused("invalid", f"Unknown outcome '{cmd.outcome}'.", field="outcome") from None


def check_close(s: Session, policy: Policy, actor: str, cmd: c.Close, lock: bool) -> Order:
    outcome = outcome_of(cmd)
    if outcome is Outcome.NOT_PERFORMED:
        _reason(cmd.reason, "A reason is required when the work was not performed.")
    order = open_order(s, policy, cmd.order_id, actor, Action.CLOSE, lock)
    if outcome is Outcome.COMPLETED_WITH_CHANGES and not q.has_confirmation(s, order.id):
        raise Refused(
            "invalid",
            "'Completed with adjustments' needs a confirmation first: use Create confirmation.",
            field="outcome",
        )
    if outcome is not Outcome.NOT_PERFORMED:  # work not done: nothing to attest nor to check
        closing_needs(s, order, cmd.attested, "attest")
    return order


ATTEST_FIRST = "Tick 'I confirm the work was carried out as recorded' to close the order."


def closing_needs(s: Session, order: Order, attested: bool, field: str) -> None:
    """Closing as completed needs the technician's attestation (shown under field) and the order's
    required self-checks done (workflow.checklists.missing, all of them told at once)."""
    if not attested:
        raise Refused("invalid", ATTEST_FIRST, field=field)
    lacking = checklists.missing(s, order.id)  # type: ignore[arg-type]
    if lacking:
        raise Refused(
            "invalid",
            f"{order.number} cannot be closed yet. {checklists.refusal_text(lacking)}. "
            "Fill them in from Self-checks on the card.",
            field="checklists",
        )


def check_cancel(s: Session, policy: Policy, actor: str, cmd: c.Cancel, lock: bool) -> Order:
    _reason(cmd.reason, "A reason is required to cancel an order.")
    return open_order(s, policy, cmd.order_id, actor, Action.CANCEL, lock)


def check_reinstate(s: Session, policy: Policy, actor: str, cmd: c.Reinstate, lock: bool) -> Order:
    return open_order(s, policy, cmd.order_id, actor, Action.REINSTATE, lock)


def check_delete(s: Session, policy: Policy, actor: str, cmd: c.Delete, lock: bool) -> Order:
    """An admin may delete an order never approved (waiting, rejected, or cancelled before its
    approval), once the number they typed is the order's, and while none of its Slack updates is
    being made this moment (it would land on an order that is gone)."""
    order = q.order_row(s, cmd.order_id, lock=lock)
    approved = order.current_revision > 0 or (
        order.decided_at is not None and order.status != Status.REJECTED
    )
    if approved and verdict(s, policy, order, actor, Action.DELETE).reason != "role":
        raise Refused(
            "approved",
            f"{order.number} was approved: its work and PDFs exist, so it can be cancelled, not deleted.",
        )
    authorize(s, policy, order, actor, Action.DELETE)
    if cmd.number.strip().upper() != order.number.upper():
        raise Refused("invalid", f"Type {order.number} to delete it.", field="number")
    busy = (
        select(Effect.id)
        .where(Effect.order_id == order.id, Effect.status == "pending", col(Effect.claimed_by).is_not(None))
        .limit(1)
    )
    if s.exec(busy).first() is not None:
        raise Refused("busy", f"{order.number}'s channel is being updated right now: try again in a minute.")
    return order


BACKORDERS_MAX = 999  # SO-0042-999: a family's backorders


def check_backorder(s: Session, policy: Policy, actor: str, cmd: c.CreateBackorder, lock: bool) -> Order:
    """Coordinators and admins, on an order ready for invoicing or invoiced; the lines picked must be
    the order's (by index in its current revision), the title at most what a title holds."""
    order = open_order(s, policy, cmd.order_id, actor, Action.CREATE_BACKORDER, lock)
    count = len(q.lines_of(s, order.id, order.current_revision))  # type: ignore[arg-type]
    if any(i < 0 or i >= count for i in cmd.lines):
        raise Refused(
            "stale", f"The lines of {order.number} changed: open Create backorder again.", field="lines"
        )
    if len(cmd.title.strip()) > TITLE_MAX:
        raise Refused("invalid", f"A title has at most {TITLE_MAX} characters.", field="title")
    root = order if order.parent_id is None else s.get(Order, order.parent_id)
    if root is not None and root.backorder_count >= BACKORDERS_MAX:
        raise Refused(
            "invalid", f"{root.number} has {BACKORDERS_MAX} backorders: submit a new order instead."
        )
    return order


TITLE_MAX = 150


EMAIL = re.compile(r"[^@\s<>,;\"'()]+@[^@\s<>,;\"'()]+\.[^@\s<>,;\"'().]+")
NO_EMAIL = "Email is not set up here: an admin sets SO_SMTP_URL and SO_MAIL_FROM. Nothing was sent."


def check_email_customer(s: Session, policy: Policy, actor: str, cmd: c.EmailCustomer, lock: bool) -> Order:
    order = open_order(s, policy, cmd.order_id, actor, Action.EMAIL_CUSTOMER, lock)
    if not policy.email_enabled:
        raise Refused("no_email", NO_EMAIL)
    if not EMAIL.fullmatch(cmd.to.strip()) or len(cmd.to.strip()) > 254:
        raise Refused("invalid", f"Not an email address: {cmd.to.strip()[:60]!r}.", field="to")
    if not cmd.subject.strip() or len(cmd.subject) > 250:
        raise Refused("invalid", "A subject is required (at most 250 characters).", field="subject")
    if len(cmd.text) > 3000:
        raise Refused("invalid", "The text has at most 3,000 characters.", field="text")
    return order


def check_customer_copy(s: Session, policy: Policy, actor: str, cmd: c.CustomerCopy, lock: bool) -> Order:
    # With lock, the order's row is locked: two clicks at once queue the copy once.
    order = open_order(s, policy, cmd.order_id, actor, Action.CUSTOMER_COPY, lock)
    if s.exec(select(Effect.id).where(Effect.key == customer_copy_key(order))).first() is not None:
        raise Refused(
            "duplicate",
            f"The customer copy of {order.number} revision {order.current_revision} was already "
            "posted in its channel: look for it there.",
        )
    return order


def check_note(s: Session, policy: Policy, actor: str, cmd: c.Note, lock: bool) -> Order:
    # Not locked even when carried out: a note changes nothing of the order's row, and a busy
    # thread must not queue behind the order's commands.
    order = s.exec(select(Order).where(Order.channel_id == cmd.channel_id)).first()
    if order is None:
        raise Refused("not_found", "This channel is no order's.")
    authorize(s, policy, order, actor, Action.NOTE)
    return order


def check_ready_for_invoicing(
    s: Session, policy: Policy, actor: str, cmd: c.ReadyForInvoicing, lock: bool
) -> Order:
    order = open_order(s, policy, cmd.order_id, actor, Action.READY_FOR_INVOICING, lock)
    lacking = invoice_gate.missing(s, policy, order)
    if lacking:
        raise Refused(
            "invalid",
            f"{order.number} is not ready for invoicing yet:\n" + "\n".join(f"• {m}" for m in lacking),
        )
    return order


def check_mark_invoiced(s: Session, policy: Policy, actor: str, cmd: c.MarkInvoiced, lock: bool) -> Order:
    if len(cmd.invoice_number.strip()) > INVOICE_NUMBER_MAX:
        raise Refused(
            "invalid",
            f"An invoice number has at most {INVOICE_NUMBER_MAX} characters.",
            field="invoice_number",
        )
    return open_order(s, policy, cmd.order_id, actor, Action.MARK_INVOICED, lock)


def check_restore(s: Session, policy: Policy, actor: str, cmd: c.Restore, lock: bool) -> Order:
    _reason(cmd.reason, "A reason is required to restore an order: it is kept with the order.")
    return open_order(s, policy, cmd.order_id, actor, Action.RESTORE, lock)


INVOICE_NUMBER_MAX = 60

CHECKS: dict[type, Callable[..., Order | None]] = {
    c.Submit: check_submit,
    c.Approve: check_approve,
    c.Reject: check_reject,
    c.AddFieldWorkers: check_add_field_workers,
    c.Confirm: check_confirm,
    c.Close: check_close,
    c.Cancel: check_cancel,
    c.Reinstate: check_reinstate,
    c.Delete: check_delete,
    c.CreateBackorder: check_backorder,
    c.CustomerCopy: check_customer_copy,
    c.EmailCustomer: check_email_customer,
    c.Note: check_note,
    c.ReadyForInvoicing: check_ready_for_invoicing,
    c.MarkInvoiced: check_mark_invoiced,
    c.Restore: check_restore,
    c.StartWork: lambda s, p, a, cmd, lock: timesheet.check_start(s, p, a, cmd, lock, open_order),
    c.StopWork: lambda s, p, a, cmd, lock: timesheet.check_stop(s, p, a, cmd, lock, open_order),
    c.LogTime: lambda s, p, a, cmd, lock: timesheet.check_log(s, p, a, cmd, lock, open_order),
    c.CorrectTime: lambda s, p, a, cmd, lock: timesheet.check_correct(s, p, a, cmd, lock, open_order),
    c.Articles: lambda s, p, a, cmd, lock: articles.check_articles(s, p, a, cmd, lock, open_order),
    c.UseArticles: lambda s, p, a, cmd, lock: articles.check_use(s, p, a, cmd, lock, open_order),
    c.SelfCheck: lambda s, p, a, cmd, lock: self_checks.check_self_check(s, p, a, cmd, lock, open_order),
}


def check(s: Session, policy: Policy, actor: str, cmd: c.Command, lock: bool = False) -> Order | None:
    """The order cmd is about (None for a new one; its row locked when lock), if actor may carry cmd
    out now; else Refused (with .field or .line when a form can show it there)."""
    return CHECKS[type(cmd)](s, policy, actor, cmd, lock)
