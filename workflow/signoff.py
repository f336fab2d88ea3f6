"""The customer's sign-off on the order page: once the order is closed as completed, the customer
draws a signature and types their name over the PDF they were shown; the order gets a signed
revision (its PDF shows the drawing, the name and the time) and the channel is told.

The page (bot.web) checks the link, the form and the drawing; here the order's row is locked and
the rules are checked again: signable now, the revision the customer saw still current, one valid
signature at a time (a second post of the same form changes nothing)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from storage.models import Order, Signature
from workflow import checklists, signatures
from workflow import effects as fx
from workflow import queries as q
from workflow.changes import Tx
from workflow.errors import Refused
from workflow.policy import Policy
from workflow.rules import Outcome, Status

CUSTOMER = "customer"  # the actor of what the customer does on the order page (no Slack user)
NAME_MAX = 100
SIGNABLE_STATES = frozenset({Status.CLOSED, Status.READY_FOR_INVOICING, Status.INVOICED})
SIGNABLE_OUTCOMES = frozenset({Outcome.COMPLETED, Outcome.COMPLETED_WITH_CHANGES})


@dataclass(frozen=True)
class SignOff:
    """What the page received: the name typed, the drawing (a PNG the page checked and re-encoded),
    what the customer was shown (revision and the SHA-256 of its PDF), and where it came from."""

    name: str
    image: bytes
    shown_revision: int
    pdf_sha256: str
    ip: str = ""
    user_agent: str = ""


def not_signable(status: str, outcome: str) -> str | None:
    """Why an order in status with outcome cannot be signed now (None: it can)."""
    if status not in SIGNABLE_STATES:
        return "The order can be signed once the work is completed."
    if outcome not in SIGNABLE_OUTCOMES:
        return "The work on this order was not performed: there is nothing to sign."
    return None


def clean_name(raw: str) -> str:
    """The name as typed, trimmed, or Refused (field "name") when empty, too long or not text."""
    name = " ".join(raw.split())
    if not name:
        raise Refused("invalid", "Type your name to sign.", field="name")
    if len(name) > NAME_MAX:
        raise Refused("invalid", f"A name has at most {NAME_MAX} characters.", field="name")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in name):
        raise Refused("invalid", "The name has characters that are not letters or marks.", field="name")
    return name


def sign(
    s: Session, policy: Policy, now: datetime, order_id: int, number: str, so: SignOff
) -> tuple[Order, bool]:
    """Record the customer's signature on the order (id and number both, as the page's link names
    them): (the order, whether this signed it). Signed already and still valid: nothing changes."""
    named = select(Order).where(Order.id == order_id, Order.number == number)
    order = s.exec(named.with_for_update()).first()
    if order is None:
        raise Refused("not_found", "No such order.")
    if signatures.valid_row(s, order.id) is not None:
        return order, False
    why = not_signable(order.status, order.outcome)
    if why:
        raise Refused("state", why)
    lacking = checklists.missing(s, order.id)  # type: ignore[arg-type]
    if lacking:  # closed before its self-checks were required: the office completes them first
        raise Refused("state", f"The order cannot be signed yet. {checklists.refusal_text(lacking)}.")
    if so.shown_revision != order.current_revision:
        raise Refused("stale", "The order changed since this page was opened: look at it again, then sign.")
    name = clean_name(so.name)
    tx = Tx(s, order, now, policy)
    shown, signed = order.current_revision, order.current_revision + 1
    tx.add_revision(signed, "signed", CUSTOMER, q.lines_of(s, order.id, shown), note=f"Signed by {name}")
    s.add(
        Signature(
            order_id=order.id,
            revision=shown,
            signed_revision=signed,
            name=name,
            signed_at=now,
            ip=so.ip[:64],
            user_agent=so.user_agent[:400],
            pdf_sha256=so.pdf_sha256,
            image=so.image,
        )
    )
    act = tx.log(CUSTOMER, "signed", name, {"revision": shown, "signed_revision": signed, "ip": so.ip[:64]})
    tx.announce(act, fx.SIGNED, CUSTOMER, name=name, revision=signed)
    tx.queue(fx.UPLOAD_PDF, f"pdf:{order.number}:r{signed}", {"revision": signed})
    tx.touch()
    return order, True
