"""One command's writes, in its transaction: the order's new state from the rules table, the
activity it logs, the revision it adds and the Slack effects it queues. The change and what it
queues commit together or not at all, so a card, a message or a PDF never tells of a change that
was rolled back, and no change goes untold."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Activity, CatalogItem, Counter, Effect, Line, Order, Revision
from workflow import checklists, photos, signatures
from workflow import effects as fx
from workflow import home as order_home
from workflow.money import exact_price, exact_quantity, order_total
from workflow.policy import Policy
from workflow.queries import articles_of, lines_of, members, order_row, revision_row
from workflow.rules import RULES, Action, Status
from workflow.snapshots import LineView

CHANNEL_NAME_MAX = 80  # Slack's limit
SLUG_MAX = 40


def channel_name(number: str, client: str, title: str) -> str:
    """so-0042-acme-router: lowercase ASCII, digits and hyphens, at most 80 characters."""
    base = number.lower()
    words = unicodedata.normalize("NFKD", f"{client} {title}").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")
    if not slug:
        return base
    if len(slug) > SLUG_MAX:  # a short name reads better in the sidebar: cut at a word
        cut = slug[: SLUG_MAX + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else cut
    return f"{base}-{slug}"[:CHANNEL_NAME_MAX].rstrip("-")


@dataclass
class Tx:
    """The order one command changes, in the command's session, and the effects it queues."""

    session: Session
    order: Order
    now: datetime
    policy: Policy
    effects: list[Effect] = field(default_factory=list)
    status_before: str = ""  # the order's status when the command began (see touch)

    def __post_init__(self) -> None:
        self.status_before = self.status_before or str(self.order.status)

    def move(self, action: Action) -> None:
        """Put the order in the state the rules table leads action to (None there: it stays)."""
        to_state = RULES[action].to_state
        if to_state is not None:
            self.order.status = to_state

    def log(self, actor: str, kind: str, text: str, data: dict | None = None) -> Activity:
        act = Activity(
            order_id=self.order.id, at=self.now, actor_id=actor, kind=kind, text=text, data=data or {}
        )
        self.session.add(act)
        self.session.flush()
        return act

    def queue(self, kind: str, key: str, payload: dict) -> None:
        """Queue an effect of the order (performed in the order's queue, once per key)."""
        self.effects.append(
            Effect(key=key, order_id=self.order.id, kind=kind, payload=payload, created_at=self.now)
        )

    def announce(self, act: Activity, event: str, actor: str, **details: object) -> None:
        """Tell the order's channel about what act logged."""
        self.queue(
            fx.ANNOUNCE, f"announce:{self.order.number}:{act.id}", {"event": event, "actor": actor, **details}
        )

    def queue_topic(self) -> None:
        """Set the channel topic to the order's new status: once per status until the invoice data
        first went out; after it, statuses recur (Restore), so once per status and invoice revision;
        a status reached again otherwise (Reinstate) is keyed by the order's version."""
        status = Status(self.order.status).value
        key = f"topic:{self.order.number}:{status}"
        if self.order.invoice_revision is not None:
            key += f":r{self.order.invoice_revision}"
        if self.session.exec(select(Effect.id).where(Effect.key == key)).first() is not None:
            key += f":v{self.order.version}"  # a status again (Cancel, then Reinstate): its own topic
        self.queue(fx.SET_TOPIC, key, {"status": status})

    def touch(self) -> None:
        """Bump the order's version and queue the card update that shows it (and the topic, when the
        status changed, and the Home refreshes of its people)."""
        order = self.order
        order.version += 1
        order.updated_at = self.now
        self.session.add(order)
        self.queue(fx.UPDATE_CARD, f"card:{order.number}:v{order.version}", {"version": order.version})
        order_home.queue_refresh(self.session, order, self.now, self.policy.home_refresh_seconds)
        if str(order.status) != self.status_before:
            self.queue_topic()
        self.flush()

    def flush(self) -> None:
        for e in self.effects:
            self.session.add(e)
        self.effects.clear()
        self.session.flush()

    def add_revision(
        self,
        number: int,
        kind: str,
        author: str,
        lines: Sequence[object],
        note: str = "",
        final: bool = False,
    ) -> Revision:
        """Store revision number of the order with exact copies of lines; it becomes current."""
        s, order = self.session, self.order
        previous = lines_of(s, order.id, order.current_revision) if number > 0 else []
        rates = vat_rates(s, self.policy, lines, previous)
        views = [
            LineView(
                x.kind,  # type: ignore[attr-defined]
                x.description,  # type: ignore[attr-defined]
                exact_quantity(x.quantity),  # type: ignore[attr-defined]
                x.unit,  # type: ignore[attr-defined]
                exact_price(x.unit_price),  # type: ignore[attr-defined]
                Decimal(0),
                getattr(x, "code", "") or "",
                getattr(x, "catalog_item_id", None),
                *rate,
            )
            for x, rate in zip(lines, rates, strict=True)
        ]
        if kind != "signed" and order.id:  # what the customer signed no longer holds if it changed
            signatures.lines_changed(s, order.id, number, views, self.now, author)
        last_activity = s.exec(select(func.max(Activity.id)).where(Activity.order_id == order.id)).one() or 0
        rev = Revision(
            order_id=order.id,
            number=number,
            kind=kind,
            author_id=author,
            note=note,
            final=final,
            status=order.status,
            outcome=order.outcome,
            field_workers=members(s, order.id, "field_worker") if order.id else [],
            last_activity_id=last_activity,
            total=order_total(views),
            created_at=self.now,
            articles=[  # what its PDF prints of the articles to be ordered: a snapshot, like the lines
                {"description": a.description, "quantity": str(a.quantity), "unit": a.unit}
                | {"status": a.status}
                for a in (articles_of(s, [order.id])[order.id] if order.id and number > 0 else [])
                if a.status != "used"
            ],
            self_checks=checklists.snapshot(s, order),  # and of the self-checks, the attestation
            photos=photos.snapshot(s, order.id) if order.id and number > 0 else [],
        )
        s.add(rev)
        s.flush()
        for pos, line in enumerate(views, start=1):
            s.add(
                Line(
                    revision_id=rev.id,
                    position=pos,
                    kind=line.kind,
                    description=line.description,
                    quantity=Decimal(line.quantity),
                    unit=line.unit,
                    unit_price=Decimal(line.unit_price),
                    catalog_item_id=line.catalog_item_id,
                    code=line.code,
                    vat_rate=line.vat_rate,
                    vat_exemption=line.vat_exemption,
                )
            )
        order.current_revision = number
        return rev


RATE_STEP = Decimal("0.01")


def vat_rates(
    s: Session, policy: Policy, lines: Sequence[object], previous: Sequence[LineView]
) -> list[tuple[Decimal, str]]:
    """The VAT rate (and, at 0 %, the exemption) each line is priced with, kept like its price: the
    line's own when it carries one; else that of the same line in the previous revision (same
    catalog item, or same kind, description and price); else its catalog item's; else the
    company's rate."""
    picked = {getattr(x, "catalog_item_id", None) for x in lines} - {None}
    items = {
        i.id: i
        for i in (s.exec(select(CatalogItem).where(col(CatalogItem.id).in_(picked))).all() if picked else [])
    }
    out = []
    for x in lines:
        rate, why = _kept_rate(x, previous)
        item = items.get(getattr(x, "catalog_item_id", None))
        if rate is None and item is not None and item.vat_rate is not None:
            rate, why = Decimal(item.vat_rate), item.vat_exemption
        if rate is None:
            rate, why = Decimal(policy.vat_rate), policy.vat_exemption
        out.append((rate.quantize(RATE_STEP).normalize(), why if rate == 0 else ""))
    return out


def _kept_rate(x: object, previous: Sequence[LineView]) -> tuple[Decimal | None, str]:
    own = getattr(x, "vat_rate", None)
    if own is not None:
        return Decimal(own), getattr(x, "vat_exemption", "") or ""
    item, price = getattr(x, "catalog_item_id", None), exact_price(x.unit_price)  # type: ignore[attr-defined]
    for p in previous:
        if p.vat_rate is None:
            continue
        same_item = item is not None and p.catalog_item_id == item
        same_text = (p.kind, p.description, p.unit_price) == (x.kind, x.description, price)  # type: ignore[attr-defined]
        if same_item or same_text:
            return p.vat_rate, p.vat_exemption
    return None, ""


def next_number(s: Session, name: str = "order") -> int:
    """The next value of the counter name, taken inside the caller's transaction (gap-free: a
    rollback gives the number back; the row lock serialises concurrent submitters)."""
    stmt = update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
    row = s.exec(stmt.returning(Counter.value)).first()  # type: ignore[call-overload]
    if row is not None:
        return int(row[0])
    try:
        with s.begin_nested():
            s.add(Counter(name=name, value=1))
        return 1
    except IntegrityError:
        return next_number(s, name)


def next_seq(s: Session) -> int:
    """The next order's place in the lists (seq: newest first), taken like next_number, past the
    highest seq stored (orders loaded in bulk, or stored before the counter existed, move it on)."""
    highest = select(func.coalesce(func.max(Order.seq), 0)).scalar_subquery()
    value = case((highest > Counter.value, highest), else_=Counter.value) + 1
    stmt = update(Counter).where(Counter.name == "seq").values(value=value)
    row = s.exec(stmt.returning(Counter.value)).first()  # type: ignore[call-overload]
    if row is not None:
        return int(row[0])
    try:
        with s.begin_nested():
            first = int(s.exec(select(func.coalesce(func.max(Order.seq), 0))).one()) + 1
            s.add(Counter(name="seq", value=first))
        return first
    except IntegrityError:
        return next_seq(s)


# ---------------------------------------------------------------- what Slack did
def record_channel(s: Session, order_id: int, channel_id: str, name: str) -> None:
    order = order_row(s, order_id)
    order.channel_id, order.channel_name = channel_id, name


def record_card(s: Session, order_id: int, ts: str) -> None:
    order_row(s, order_id).card_ts = ts


def record_pdf(s: Session, order_id: int, number: int, file_id: str, sha256: str, now: datetime) -> None:
    rev = revision_row(s, order_id, number)
    rev.pdf_file_id, rev.pdf_sha256 = file_id, sha256
    s.add(rev)
    order = order_row(s, order_id)
    s.add(
        Activity(
            order_id=order_id,
            at=now,
            actor_id="bot",
            kind="pdf",
            text=f"{order.number} revision {number} PDF",
            data={"file_id": file_id, "sha256": sha256},
        )
    )
