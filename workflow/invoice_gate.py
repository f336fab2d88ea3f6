"""The gate between finished work and the invoice: what the company's rules require of a closed
order before its invoice data may go out, every missing thing at once.

A refused Ready for invoicing changes nothing; the person reads the whole list and fixes it in one
go (a price on a line, a field filled in, a note), instead of meeting the rules one click at a time.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Activity, Article, Order
from workflow import queries as q
from workflow import timesheet
from workflow.money import taxed
from workflow.policy import Policy
from workflow.rules import Outcome
from workflow.snapshots import ARTICLE_STATUS_TEXT


def missing(s: Session, policy: Policy, order: Order) -> list[str]:
    """What the order lacks for an invoice, in words, in the order people fix them ([] when ready)."""
    rules = policy.invoicing
    out: list[str] = []
    if order.outcome == Outcome.NOT_PERFORMED:
        out.append("The work was not performed: there is nothing to invoice.")
    lines = q.lines_of(s, order.id, order.current_revision)
    # the invoice revision's lines: with the time recorded since the last confirmation
    timed = timesheet.with_time(s, policy, order.id, lines).lines  # type: ignore[arg-type]
    if not timed:
        out.append("The order has no lines.")
    for line in timed:
        if line.unit_price == 0:
            out.append(f"Line '{line.description}' has no price.")
    for line, rated in zip(lines, taxed(lines, policy.vat_rate, policy.vat_exemption), strict=True):
        if rated.vat_rate == 0 and not rated.exemption_reason:
            out.append(f"Line '{line.description}' has 0 % VAT and no exemption reason.")
    filled = {
        (str(f.get("form")), str(f.get("key")))
        for f in order.custom_fields
        if str(f.get("text") or "").strip()
    }
    for form, key, label in rules.required_fields:
        if (form, key) not in filled:
            out.append(f"'{label}' is empty.")
    if rules.require_note and not _has_note(s, order):
        out.append(
            "There is no note of what was done (a reply in the order's thread, or a confirmation note)."
        )
    out += _articles(s, order)
    out += [f"The company file lacks {what}." for what in rules.seller_missing]
    return out


def _articles(s: Session, order: Order) -> list[str]:
    """Articles to be ordered that are not in the lines: still to order, or delivered but not used."""
    rows = s.exec(
        select(Article.description, Article.status)
        .where(Article.order_id == order.id, col(Article.status).in_(("to_order", "ordered", "delivered")))
        .order_by(col(Article.position), col(Article.id))
    ).all()
    pending = [f"{d} ({ARTICLE_STATUS_TEXT[st]})" for d, st in rows if st != "delivered"]
    delivered = [d for d, st in rows if st == "delivered"]
    out = []
    if pending:
        out.append("Articles still to order: " + ", ".join(pending) + ".")
    if delivered:
        out.append(
            "Delivered articles not in the lines yet: "
            + ", ".join(delivered)
            + " (Use delivered articles on the card puts them in)."
        )
    return out


def _has_note(s: Session, order: Order) -> bool:
    if order.outcome_reason.strip():
        return True
    texts = s.exec(
        select(Activity.text).where(
            Activity.order_id == order.id, col(Activity.kind).in_(("note", "confirmation"))
        )
    ).all()
    return any(t.strip() for t in texts)
