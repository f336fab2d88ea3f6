"""Workflow commands: each changes storage, logs activity and queues effects in one transaction."""

from __future__ import annotations

import re
import threading
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import and_, delete, func, insert, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import SchemaOutdated, SchemaTooNew, reader, transaction, writing
from storage.models import (
    Activity,
    CatalogItem,
    Client,
    Command,
    Counter,
    Effect,
    Line,
    Member,
    Order,
    ProcessedCommand,
    ProcessedEvent,
    Revision,
    RoleGrant,
    SavedFilter,
    utcnow,
)
from workflow import effects as fx
from workflow import export as order_export
from workflow import home as order_home
from workflow import saved_filters as saved
from workflow import search as order_search
from workflow.masterdata import MasterData
from workflow.money import diff_lines, exact_price, exact_quantity, line_total, order_total
from workflow.outbox import Outbox
from workflow.roles import GROUP_SYNC, ChangeView, RoleBook, SyncResult, role_name
from workflow.rules import ACTION_TEXT, ENDED, Action, Outcome, Relation, Role, Status, Verdict, decide
from workflow.snapshots import CommandView, LineView, NoteView, OrderView, RevisionView

__all__ = [
    "AlreadyCarriedOut",
    "Policy",
    "Refused",
    "SchemaOutdated",
    "SchemaTooNew",
    "Workflow",
    "channel_name",
    "open_workflow",
    "upgrade_database",
]

CHANNEL_NAME_MAX = 80  # Slack's limit
SLUG_MAX = 40
# A revision's PDF prints the newest notes of the thread (each cut to a length fit for paper) and
# counts the earlier ones: a busy thread must not make every PDF longer and slower to render.
NOTES_ON_PDF = 30
NOTE_CHARS_ON_PDF = 1500


class LineInput(Protocol):
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    # optional: catalog_item_id (int | None) and code (str), when picked from the catalog


class OrderInput(Protocol):
    client: str
    site: str
    contact: str
    title: str
    description: str
    planned_date: date | None
    priority: str
    # optional: client_id, site_id, contact_id (int | None) when picked from the master data, and
    # custom: the company's own fields, each with to_dict() (forms.types.FieldValue) or a dict

    @property
    def lines(self) -> Sequence[LineInput]: ...


def _custom(values: Iterable[object]) -> list[dict]:
    """The company's own fields as stored: FieldValue.to_dict() or plain dicts."""
    return [dict(v.to_dict()) if hasattr(v, "to_dict") else dict(v) for v in values]  # type: ignore[arg-type,union-attr]


@dataclass(frozen=True)
class Policy:
    allow_self_approval: bool = False
    private_channels: bool = True
    home_refresh_seconds: float = order_home.REFRESH_SECONDS  # SO_HOME_REFRESH_SECONDS
    # Catalog lines keep the catalog's unit price unless the person is a supervisor or an admin
    # (SO_CATALOG_PRICES=locked | editable)
    lock_catalog_prices: bool = True


class Refused(Exception):
    """The person may not do this now; nothing was changed. The message says why."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        who: str = "",
        decided_by: str | None = None,
        decided_at: datetime | None = None,
        decision: str = "",
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code  # role | state | own_order | not_found | stale | decided | invalid
        self.message = message
        self.who = who
        self.decided_by = decided_by
        self.decided_at = decided_at
        self.decision = decision
        self.line = line  # the 0-based index of the line it is about, if any (the form shows it there)
        # the field of the request it is about, if any: reason | outcome | users (a form shows it there)
        self.field = field

    def to_dict(self) -> dict:
        """JSON for an outbox payload (the answer to a command carried out after its ack)."""
        return {
            "code": self.code,
            "message": self.message,
            "who": self.who,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision": self.decision,
            "line": self.line,
            "field": self.field,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Refused:
        at = d.get("decided_at")
        return cls(
            str(d.get("code", "")),
            str(d.get("message", "")),
            who=str(d.get("who") or ""),
            line=d.get("line") if isinstance(d.get("line"), int) else None,
            field=d.get("field") if isinstance(d.get("field"), str) else None,
            decided_by=d.get("decided_by"),
            decided_at=datetime.fromisoformat(at) if at else None,
            decision=str(d.get("decision") or ""),
        )


class AlreadyCarriedOut(Exception):
    """This command was carried out (or refused) before: nothing was done again."""


@dataclass
class _Tx:
    """What one command queues besides its table changes."""

    session: Session
    order: Order
    effects: list[Effect] = field(default_factory=list)
    status_before: str = ""  # the order's status when the command began (see _touch)

    def __post_init__(self) -> None:
        self.session.info["order"] = self.order  # the order a carried-out command changed
        self.status_before = self.status_before or str(self.order.status)


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


class Workflow(Outbox):
    def __init__(
        self,
        engine: Engine,
        policy: Policy | None = None,
        clock: Callable[[], datetime] = utcnow,
        inbox: Engine | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader(engine)  # reads: no write lock taken on SQLite
        self.policy = policy or Policy()
        self.clock = clock
        self.inbox = inbox if inbox is not None else engine  # see storage.db.open_inbox
        self.master = MasterData(self.reader)  # clients, sites, contacts, catalog
        self._local = threading.local()  # the command being carried out by this thread, if any
        self.role_book = RoleBook(self)  # grants, user groups, history (workflow.roles)

    # ---------------------------------------------------------------- roles
    # The rules live in workflow.roles; these stay here for the many callers that use them.
    def bootstrap_admins(self, user_ids: Iterable[str]) -> None:
        """Make the configured admins admins (idempotent); no sync nor revoke removes them."""
        self.role_book.bootstrap_admins(user_ids)

    def roles_of(self, user_id: str) -> frozenset[str]:
        with Session(self.reader) as s:
            return self._roles(s, user_id)

    def _roles(self, s: Session, user_id: str) -> frozenset[str]:
        return frozenset(s.exec(select(RoleGrant.role).where(RoleGrant.user_id == user_id)).all())

    def grant(self, actor: str, user_id: str, role: str, check: bool = True) -> bool:
        """Give user_id role by hand (recorded with actor); False when they had it already."""
        return self.role_book.grant(actor, user_id, role, check)

    def revoke(self, actor: str, user_id: str, role: str, check: bool = True) -> bool:
        """Take role from user_id (recorded with actor); False when they did not have it."""
        return self.role_book.revoke(actor, user_id, role, check)

    def role_list(self) -> list[tuple[str, str]]:
        """(user id, role) pairs, sorted."""
        return self.role_book.pairs()

    def role_history(self, user_id: str | None = None, limit: int = 10) -> list[ChangeView]:
        """The latest role changes (of one person, or of everyone), newest first."""
        return self.role_book.history(user_id, limit)

    def sync_group(
        self,
        role: str,
        member_ids: Sequence[str],
        actor: str = GROUP_SYNC,
        usergroup_id: str | None = None,
    ) -> SyncResult:
        """Give role to the user group's members and take it from those who left (grants by hand stay)."""
        return self.role_book.sync_group(role, member_ids, actor, usergroup_id)

    def _leave_orders(self, s: Session, user_ids: Iterable[str], actor: str, now: datetime) -> int:
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
            if self._roles(s, uid) & {Role.SUPERVISOR, Role.ADMIN}:
                continue  # still an approver: their memberships still stand
            supervising = select(Member.order_id).where(Member.user_id == uid, Member.role == "supervisor")
            order_ids = sorted(s.exec(supervising).all())
            if not order_ids:
                continue
            s.exec(  # type: ignore[call-overload]
                delete(Member).where(col(Member.user_id) == uid, col(Member.role) == "supervisor")
            )
            working = set(
                s.exec(
                    select(Member.order_id).where(Member.user_id == uid, Member.role == "field_worker")
                ).all()
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
                tx = _Tx(s, order)
                act = self._log(
                    tx, actor, "member_removed", f"{uid} is no longer a supervisor of {order.number}", now,
                    {"user": uid, "role": "supervisor"},
                )
                if uid != order.requester_id and order.id not in working and order.id not in archived:
                    self._queue(tx, fx.KICK, f"kick:{order.number}:{uid}:{act.id}", {"user": uid})
                if order.decided_by is None:  # the card names the order's supervisors until decided
                    self._touch(tx, now)
                else:
                    self._flush(tx)
                removed += 1
            order_home.queue_publish(s, uid, now, self.policy.home_refresh_seconds)
        return removed

    def users_with(self, session: Session, role: Role) -> list[str]:
        rows = session.exec(select(RoleGrant.user_id).where(RoleGrant.role == role)).all()
        return sorted(set(rows))

    def _role(self, role: str) -> str:
        return role_name(role)

    def _require_admin(self, actor: str) -> None:
        self.role_book.require_admin(actor)

    # ---------------------------------------------------------------- commands
    def submit(self, actor: str, draft: OrderInput) -> OrderView:
        """Store a new order SO-nnnn (pending approval) and queue its channel, card and DMs."""
        roles = self.roles_of(actor)
        verdict = decide(Action.SUBMIT, roles)
        if not verdict.allowed:
            raise Refused("role", f"Only {verdict.who} can submit orders.", who=verdict.who)
        now = self.clock()
        with self._write() as s:
            self._check_catalog_prices(s, actor, roles, draft.lines, [])
            client_id = getattr(draft, "client_id", None)
            if client_id is not None and s.get(Client, client_id) is None:
                client_id = None
            seq = self._next_number(s)
            number = f"SO-{seq:04d}"
            order = Order(
                seq=seq,
                number=number,
                status=Status.PENDING_APPROVAL,
                client=draft.client,
                site=draft.site,
                contact=draft.contact,
                title=draft.title,
                description=draft.description,
                planned_date=draft.planned_date,
                priority=draft.priority,
                requester_id=actor,
                current_revision=0,
                created_at=now,
                updated_at=now,
                client_id=client_id,
                site_id=getattr(draft, "site_id", None) if client_id is not None else None,
                contact_id=getattr(draft, "contact_id", None) if client_id is not None else None,
                custom_fields=_custom(getattr(draft, "custom", ())),
            )
            s.add(order)
            s.flush()
            tx = _Tx(s, order)
            self._add_revision(tx, 0, "submitted", actor, draft.lines, now)
            approvers = self.users_with(s, Role.SUPERVISOR) or self.users_with(s, Role.ADMIN)
            s.add(Member(order_id=order.id, user_id=actor, role="requester", added_by=actor, added_at=now))
            for uid in approvers:
                s.add(Member(order_id=order.id, user_id=uid, role="supervisor", added_by=actor, added_at=now))
            act = self._log(tx, actor, "submitted", f"{number} submitted", now)
            name = channel_name(number, draft.client, draft.title)
            self._queue(
                tx,
                fx.CREATE_CHANNEL,
                f"channel:{number}",
                {"name": name, "private": self.policy.private_channels},
            )
            invitees = [actor] + [u for u in approvers if u != actor]
            self._queue(tx, fx.INVITE, f"invite:{number}:submit", {"users": invitees})
            self._queue(tx, fx.POST_CARD, f"card:{number}:post", {})
            self._queue(tx, fx.PIN_CARD, f"card:{number}:pin", {})
            self._queue_topic(tx)
            self._queue(
                tx, fx.ANNOUNCE, f"announce:{number}:{act.id}", {"event": fx.SUBMITTED, "actor": actor}
            )
            for uid in approvers:
                if uid != actor or self.policy.allow_self_approval:
                    self._queue(
                        tx,
                        fx.DM,
                        f"dm:{number}:{fx.APPROVAL_REQUESTED}:{uid}",
                        {"user": uid, "event": fx.APPROVAL_REQUESTED, "actor": actor},
                    )
            if client_id is None and draft.client.strip() and s.exec(select(Client.id).limit(1)).first():
                # A client typed rather than picked, while the company keeps a client list: ask the
                # admins to add it (one DM each per order)
                for uid in self.users_with(s, Role.ADMIN):
                    self._queue(
                        tx,
                        fx.DM,
                        f"dm:{number}:{fx.CLIENT_UNKNOWN}:{uid}",
                        {"user": uid, "event": fx.CLIENT_UNKNOWN, "actor": actor, "client": draft.client},
                    )
            self._flush(tx)
            order_home.queue_refresh(s, order, now, self.policy.home_refresh_seconds)
            return self._view(s, order)

    def check_catalog_prices(
        self, actor: str, lines: Sequence[LineInput], order_id: int | None = None
    ) -> None:
        """Before the ack: Refused (with the line's index) if actor may not use these prices; see
        _check_catalog_prices. order_id: a confirmation's order, whose current prices are kept."""
        if not any(getattr(x, "catalog_item_id", None) is not None for x in lines):
            return  # nothing picked from the catalog: no lookup before the ack
        with Session(self.reader) as s:
            kept: list[LineView] = []
            if order_id is not None:
                order = s.get(Order, order_id)
                kept = self._lines_of(s, order_id, order.current_revision) if order else []
            self._check_catalog_prices(s, actor, self._roles(s, actor), lines, kept)

    def _check_catalog_prices(
        self,
        s: Session,
        actor: str,
        roles: frozenset[str],
        lines: Sequence[LineInput],
        kept: Sequence[LineView],
    ) -> None:
        """Refused (naming the line) when a line picked from the catalog has a unit price other than
        the catalog's, or than the one the order already had for that item (`kept`), and actor is
        neither supervisor nor admin while the policy locks catalog prices."""
        if not self.policy.lock_catalog_prices or roles & {Role.SUPERVISOR, Role.ADMIN}:
            return
        picked = {getattr(x, "catalog_item_id", None) for x in lines} - {None}
        if not picked:
            return
        prices = dict(
            s.exec(
                select(CatalogItem.id, CatalogItem.unit_price).where(col(CatalogItem.id).in_(picked))
            ).all()
        )
        for i, line in enumerate(lines):
            item = getattr(line, "catalog_item_id", None)
            if item is None:
                continue
            allowed = {exact_price(p) for p in [prices.get(item)] if p is not None}
            allowed |= {k.unit_price for k in kept if k.catalog_item_id == item}
            if allowed and exact_price(line.unit_price) not in allowed:
                shown = ", ".join(sorted(str(p) for p in allowed))
                raise Refused(
                    "invalid",
                    f"The unit price of '{line.description}' comes from the catalog ({shown}); "
                    "only supervisors and admins may change it.",
                    who="a supervisor or an admin",
                    line=i,
                )

    def approve(self, order_id: int, actor: str) -> OrderView:
        """Pending → in progress; publishes revision 1 and its PDF."""
        now = self.clock()
        with self._write() as s:
            tx = self._open(s, order_id, actor, Action.APPROVE)
            order = tx.order
            order.status = Status.IN_PROGRESS
            order.decided_by, order.decided_at = actor, now
            submitted = self._lines_of(s, order.id, 0)
            self._add_revision(tx, 1, "approved", actor, submitted, now)
            act = self._log(tx, actor, "approved", f"{order.number} approved", now)
            self._queue(
                tx, fx.ANNOUNCE, f"announce:{order.number}:{act.id}", {"event": fx.APPROVED, "actor": actor}
            )
            self._queue(tx, fx.UPLOAD_PDF, f"pdf:{order.number}:r1", {"revision": 1})
            self._touch(tx, now)
            return self._view(s, order)

    def reject(self, order_id: int, actor: str, reason: str) -> OrderView:
        reason = reason.strip()
        if not reason:
            raise Refused("invalid", "A reason is required to reject an order.", field="reason")
        now = self.clock()
        with self._write() as s:
            tx = self._open(s, order_id, actor, Action.REJECT)
            order = tx.order
            order.status = Status.REJECTED
            order.decided_by, order.decided_at = actor, now
            order.reject_reason = reason
            act = self._log(tx, actor, "rejected", reason, now)
            self._queue(
                tx,
                fx.ANNOUNCE,
                f"announce:{order.number}:{act.id}",
                {"event": fx.REJECTED, "actor": actor, "reason": reason},
            )
            self._touch(tx, now)
            return self._view(s, order)

    def add_field_workers(self, order_id: int, actor: str, user_ids: Sequence[str]) -> OrderView:
        users = [u for u in dict.fromkeys(user_ids) if u]
        if not users:
            raise Refused("invalid", "Choose at least one person.", field="users")
        now = self.clock()
        with self._write() as s:
            tx = self._open(s, order_id, actor, Action.ADD_FIELD_WORKERS)
            order = tx.order
            existing = set(self._members(s, order.id, "field_worker"))
            new = [u for u in users if u not in existing]
            if not new:
                raise Refused("invalid", "They are already field workers on this order.", field="users")
            for uid in new:
                s.add(
                    Member(order_id=order.id, user_id=uid, role="field_worker", added_by=actor, added_at=now)
                )
            act = self._log(tx, actor, "field_workers_added", " ".join(new), now, {"users": new})
            self._queue(tx, fx.INVITE, f"invite:{order.number}:{act.id}", {"users": new})
            self._queue(
                tx,
                fx.ANNOUNCE,
                f"announce:{order.number}:{act.id}",
                {"event": fx.FIELD_WORKERS_ADDED, "actor": actor, "users": new},
            )
            self._touch(tx, now)
            return self._view(s, order)

    def confirm(
        self,
        order_id: int,
        actor: str,
        base_revision: int,
        lines: Sequence[LineInput],
        note: str = "",
        final: bool = False,
        custom: Sequence[object] = (),
    ) -> OrderView:
        """A new revision of the lines, with its PDF; a final one closes the order."""
        now = self.clock()
        with self._write() as s:
            tx = self._open(s, order_id, actor, Action.CONFIRM)
            order = tx.order
            self._check_catalog_prices(
                s, actor, self._roles(s, actor), lines, self._lines_of(s, order.id, order.current_revision)
            )
            if base_revision != order.current_revision:
                raise Refused(
                    "stale",
                    f"{order.number} changed since you opened this form (it is now at revision "
                    f"{order.current_revision}). Close the form and open Create confirmation again.",
                )
            number = order.current_revision + 1
            if final:
                order.status = Status.CLOSED
                order.outcome = Outcome.COMPLETED_WITH_CHANGES
                order.closed_by, order.closed_at = actor, now
            rev = self._add_revision(
                tx, number, "confirmation", actor, lines, now, note=note.strip(), final=final
            )
            rev.custom_fields = _custom(custom)
            act = self._log(
                tx, actor, "confirmation", note.strip(), now, {"revision": number, "final": final}
            )
            self._queue(
                tx,
                fx.ANNOUNCE,
                f"announce:{order.number}:{act.id}",
                {"event": fx.CONFIRMED, "actor": actor, "revision": number, "final": final},
            )
            self._queue(tx, fx.UPLOAD_PDF, f"pdf:{order.number}:r{number}", {"revision": number})
            if final:
                self._queue(
                    tx,
                    fx.ANNOUNCE,
                    f"announce:{order.number}:{act.id}:closed",
                    {"event": fx.CLOSED, "actor": actor, "outcome": Outcome.COMPLETED_WITH_CHANGES},
                )
            self._touch(tx, now)
            return self._view(s, order)

    def close(
        self, order_id: int, actor: str, outcome: str, reason: str = "", custom: Sequence[object] = ()
    ) -> OrderView:
        try:
            outcome = Outcome(outcome)
        except ValueError:
            raise Refused("invalid", f"Unknown outcome '{outcome}'.", field="outcome") from None
        reason = reason.strip()
        if outcome is Outcome.NOT_PERFORMED and not reason:
            raise Refused(
                "invalid", "A reason is required when the work was not performed.", field="reason"
            )
        now = self.clock()
        with self._write() as s:
            tx = self._open(s, order_id, actor, Action.CLOSE)
            order = tx.order
            if outcome is Outcome.COMPLETED_WITH_CHANGES and not self._has_confirmation(s, order.id):
                raise Refused(
                    "invalid",
                    "'Completed with adjustments' needs a confirmation first: use Create confirmation.",
                    field="outcome",
                )
            order.status = Status.CLOSED
            order.outcome = outcome
            order.outcome_reason = reason
            order.closed_by, order.closed_at = actor, now
            if custom:
                order.custom_fields = [*order.custom_fields, *_custom(custom)]
            act = self._log(tx, actor, "closed", reason, now, {"outcome": outcome.value})
            self._queue(
                tx,
                fx.ANNOUNCE,
                f"announce:{order.number}:{act.id}",
                {"event": fx.CLOSED, "actor": actor, "outcome": outcome.value, "reason": reason},
            )
            self._touch(tx, now)
            return self._view(s, order)

    def customer_copy(self, order_id: int, actor: str) -> tuple[OrderView, bool]:
        """Queue the current revision's PDF without prices for the order's channel: (the order,
        whether it was queued now); False when that revision's copy was asked for before."""
        now = self.clock()
        with self._write() as s:
            tx = self._open(s, order_id, actor, Action.CUSTOMER_COPY)
            order = tx.order
            number = order.current_revision
            key = f"customer-copy:{order.number}:r{number}"
            # The order's row is locked (_open): two clicks at once queue it once.
            if s.exec(select(Effect.id).where(Effect.key == key)).first() is not None:
                return self._view(s, order), False
            self._log(
                tx, actor, "customer_copy", f"Customer copy of revision {number}", now, {"revision": number}
            )
            self._queue(tx, fx.CUSTOMER_COPY, key, {"revision": number})
            self._flush(tx)
            return self._view(s, order), True

    def check(self, order_id: int, actor: str, action: Action) -> OrderView:
        """The order, if actor may do action on it now (before opening a modal); else Refused."""
        with Session(self.reader) as s:
            order = self._get(s, order_id)
            self._authorize(s, order, actor, action)
            return self._view(s, order)

    def record_message(
        self,
        event_id: str,
        channel_id: str,
        user_id: str,
        ts: str,
        text: str,
        files: Sequence[str] = (),
        reaction: str = "white_check_mark",
    ) -> OrderView | None:
        """Record a thread reply or a shared file in an order's channel as a note or photo.

        Returns None when the channel is no order's, its author takes no part in the order (see
        the NOTE rule: nothing is recorded, no reaction), or the event was processed already.
        """
        now = self.clock()
        try:
            with self._write() as s:
                order = s.exec(select(Order).where(Order.channel_id == channel_id)).first()
                s.add(ProcessedEvent(event_id=event_id, received_at=now))
                if order is None:
                    return None
                if not self._verdict(s, order, user_id, Action.NOTE).allowed:
                    return None  # no part in the order (the NOTE rule): heard, not recorded nor acknowledged
                s.flush()
                tx = _Tx(s, order)
                kind = "photo" if files else "note"
                self._log(tx, user_id, kind, text[:4000], now, {"files": list(files), "ts": ts})
                # The acknowledgement belongs to no order's queue: a busy thread's reactions (rate
                # limited by Slack) never hold up the order's own changes, nor wait behind them.
                s.add(
                    Effect(
                        key=f"react:{event_id}",
                        order_id=None,
                        kind=fx.REACT,
                        payload={"channel": channel_id, "ts": ts, "name": reaction, "order": order.number},
                        created_at=now,
                    )
                )
                self._flush(tx)
                return self._view(s, order)
        except IntegrityError:
            return None  # the same event_id again: Slack retried a delivery

    # ---------------------------------------------------------------- the inbox
    #
    # A listener stores what the person asked for (one INSERT) and acks; the dispatcher carries it
    # out right after. Carrying out records the command's key in processed_commands in the same
    # transaction as the change it makes, so a command is carried out once: after a crash before
    # the inbox row was removed, and when two processes pick up the same row (PostgreSQL).

    def enqueue(
        self, kind: str, user_id: str, payload: dict, reply: dict | None = None, key: str | None = None
    ) -> str:
        """Store a command for the worker; its key.

        key: what makes the request unique, from what Slack sent once (a submitted view's id and
        hash, a click's action_ts): the same request again (a replay, or a retry after a dropped
        connection whose INSERT had committed) is stored once and carried out once — the inbox's
        unique key refuses it while it waits, processed_commands once carried out. Without a key,
        every call is a new command."""
        given = key is not None
        key = key or uuid.uuid4().hex
        row = {
            "key": key,
            "kind": kind,
            "user_id": user_id,
            "payload": payload,
            "reply": reply or {},
            "created_at": self.clock(),
        }
        try:
            with writing(self.inbox) as conn:
                conn.execute(insert(Command), row)
        except IntegrityError:
            if not given:
                raise
            # stored already: the same request again, carried out once (processed_commands too)
        return key

    def has_pending_commands(self) -> bool:
        with Session(reader(self.inbox)) as s:
            return s.exec(select(Command.id).limit(1)).first() is not None

    @contextmanager
    def claimed_commands(self, limit: int = 20) -> Iterator[list[CommandView]]:
        """The oldest commands in the inbox, removed from it when the block ends without error.

        On PostgreSQL the rows stay locked (FOR UPDATE SKIP LOCKED) until then, so other processes
        take other commands; on SQLite one process serves and reads them without a lock."""
        query = select(Command).order_by(col(Command.id)).limit(limit)
        if self.inbox.dialect.name == "sqlite":
            with Session(reader(self.inbox)) as s:
                rows = [_command_view(c) for c in s.exec(query).all()]
            yield rows
            if rows:
                with writing(self.inbox) as conn:
                    conn.execute(delete(Command).where(col(Command.key).in_([r.key for r in rows])))
            return
        with transaction(self.inbox) as s:
            found = s.exec(query.with_for_update(skip_locked=True)).all()
            rows = [_command_view(c) for c in found]
            yield rows
            if rows:
                s.exec(delete(Command).where(col(Command.key).in_([r.key for r in rows])))  # type: ignore[call-overload]

    def carry_out(
        self, command: CommandView, run: Callable[[], OrderView], reply: dict | None = None
    ) -> OrderView:
        """run() the command's workflow call, marking it carried out in the call's transaction (and
        queueing reply, an outbox REPLY effect, there too); AlreadyCarriedOut if it was before."""
        self._local.command = (command.key, reply)
        try:
            return run()
        finally:
            self._local.command = None

    def refuse_command(self, command: CommandView, refused: Refused, reply: dict | None = None) -> bool:
        """Record that command was refused, and queue the answer saying why; False if it had been
        carried out or refused before."""
        try:
            with transaction(self.engine) as s:
                s.add(ProcessedCommand(key=command.key, outcome="refused", processed_at=self.clock()))
                s.flush()
                if reply is not None:
                    s.add(self._reply(command.key, {**reply, "refusal": refused.to_dict()}))
            return True
        except IntegrityError:
            return False

    def answer_again(self, command: CommandView, reply: dict) -> bool:
        """Queue again the answer a command carried out before got (the same request arrived once
        more: a replay, or Submit pressed again after Slack lost the first answer, so the form now
        says "Submitting…" again); False when there is none to give: a refusal's text is not kept."""
        with transaction(self.engine) as s:
            done = s.get(ProcessedCommand, command.key)
            if done is None or done.outcome != "done" or done.order_id is None:
                return False
            again = f"{command.key}:again:{uuid.uuid4().hex[:12]}"
            s.add(self._reply(again, {**reply, "order": done.order_id}))
        return True

    def _reply(self, key: str, payload: dict) -> Effect:
        return Effect(
            key=f"reply:{key}", order_id=None, kind=fx.REPLY, payload=payload, created_at=self.clock()
        )

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction; the first one of a command being carried out also marks it done."""
        pending = getattr(self._local, "command", None)
        self._local.command = None
        with transaction(self.engine) as s:
            mark = None
            if pending is not None:
                mark = ProcessedCommand(key=pending[0], processed_at=self.clock())
                s.add(mark)
                try:
                    s.flush()
                except IntegrityError:
                    raise AlreadyCarriedOut(pending[0]) from None
            yield s
            if mark is not None:
                order = s.info.get("order")
                mark.order_id = order.id if order is not None else None
                if pending[1] is not None:
                    s.add(self._reply(pending[0], {**pending[1], "order": mark.order_id}))
                s.flush()

    # ---------------------------------------------------------------- reads
    def order(self, order_id: int) -> OrderView:
        with Session(self.reader) as s:
            return self._view(s, self._get(s, order_id))

    def find(self, ref: str) -> OrderView | None:
        """An order by 'SO-0042', 'so-42', '42' or '*42'."""
        m = re.fullmatch(r"\s*\*?(?:so-?)?0*(\d{1,9})\s*", ref, re.IGNORECASE)
        if not m:
            return None
        with Session(self.reader) as s:
            # the order, then its lines, its members and whether it has a confirmation (by order id:
            # a correlated EXISTS in the select list lets PostgreSQL hash every confirmation instead)
            order = s.exec(select(Order).where(Order.seq == int(m.group(1)))).first()
            return None if order is None else self._view(s, order)

    def find_by_channel(self, channel_id: str) -> OrderView | None:
        with Session(self.reader) as s:
            order = s.exec(select(Order).where(Order.channel_id == channel_id)).first()
            return None if order is None else self._view(s, order)

    def list_for(self, user_id: str, limit: int = 20) -> tuple[list[OrderView], list[OrderView]]:
        """(my open orders, orders waiting for my approval)."""
        open_states = [Status.PENDING_APPROVAL, Status.IN_PROGRESS]
        with Session(self.reader) as s:
            roles = self._roles(s, user_id)
            member_of = select(Member.order_id).where(Member.user_id == user_id, Member.role != "supervisor")
            mine = s.exec(
                select(Order)
                .where(col(Order.status).in_(open_states))
                .where((Order.requester_id == user_id) | col(Order.id).in_(member_of))
                .order_by(col(Order.seq).desc())
                .limit(limit)
            ).all()
            waiting: Sequence[Order] = []
            if roles & {Role.SUPERVISOR, Role.ADMIN}:
                q = select(Order).where(Order.status == Status.PENDING_APPROVAL)
                if not self.policy.allow_self_approval:
                    q = q.where(Order.requester_id != user_id)
                waiting = s.exec(q.order_by(col(Order.seq)).limit(limit)).all()
            # the lines, members and confirmations of both lists' orders, a query each (an order may
            # be in both lists)
            orders = {o.id: o for o in [*mine, *waiting]}
            views = {v.id: v for v in self._views(s, list(orders.values()))}
            return [views[o.id] for o in mine], [views[o.id] for o in waiting]

    def revision(self, order_id: int, number: int) -> RevisionView:
        with Session(self.reader) as s:
            order = self._get(s, order_id)
            rev = self._revision(s, order.id, number)
            lines = self._lines_of(s, order.id, number)
            prev = None
            if number > 1:
                prev = self._revision(s, order.id, number - 1)
            prev_lines = self._lines_of(s, order.id, number - 1) if prev else []
            in_revision = (
                Activity.order_id == order.id,
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
                order=self._view(s, order),
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
                notes=[
                    NoteView(a.id, a.at, a.actor_id, a.text, list(a.data.get("files", []))) for a in notes
                ],
                earlier_notes=int(earlier),
                pdf_file_id=rev.pdf_file_id,
                custom_fields=list(rev.custom_fields or []),
            )

    def record_channel(self, order_id: int, channel_id: str, name: str) -> None:
        with self._write() as s:
            order = self._get(s, order_id)
            order.channel_id, order.channel_name = channel_id, name

    def record_card(self, order_id: int, ts: str) -> None:
        with self._write() as s:
            self._get(s, order_id).card_ts = ts

    def record_pdf(self, order_id: int, number: int, file_id: str, sha256: str) -> None:
        with self._write() as s:
            rev = self._revision(s, order_id, number)
            rev.pdf_file_id, rev.pdf_sha256 = file_id, sha256
            s.add(rev)
            order = self._get(s, order_id)
            s.add(
                Activity(
                    order_id=order_id,
                    at=self.clock(),
                    actor_id="bot",
                    kind="pdf",
                    text=f"{order.number} revision {number} PDF",
                    data={"file_id": file_id, "sha256": sha256},
                )
            )

    # ---------------------------------------------------------------- internals
    def _next_number(self, s: Session) -> int:
        """The next order number, taken inside the caller's transaction (gap-free: a rollback
        gives the number back; the row lock serialises concurrent submitters)."""
        stmt = update(Counter).where(Counter.name == "order").values(value=Counter.value + 1)
        result = s.exec(stmt.returning(Counter.value))  # type: ignore[call-overload]
        row = result.first()
        if row is not None:
            return int(row[0])
        try:
            with s.begin_nested():
                s.add(Counter(name="order", value=1))
            return 1
        except IntegrityError:
            return self._next_number(s)

    def _get(self, s: Session, order_id: int, lock: bool = False) -> Order:
        q = select(Order).where(Order.id == order_id)
        if lock:
            q = q.with_for_update()
        order = s.exec(q).first()
        if order is None:
            raise Refused("not_found", "That order no longer exists.")
        return order

    def _open(self, s: Session, order_id: int, actor: str, action: Action) -> _Tx:
        order = self._get(s, order_id, lock=True)
        self._authorize(s, order, actor, action)
        return _Tx(s, order)

    def _verdict(self, s: Session, order: Order, actor: str, action: Action) -> Verdict:
        """Whether actor may do action on order now, by the rules table (their roles and their
        relations to the order)."""
        relations: set[str] = set()
        if order.requester_id == actor:
            relations.add(Relation.REQUESTER)
        if actor in self._members(s, order.id, "field_worker"):
            relations.add(Relation.FIELD_WORKER)
        return decide(
            action,
            self._roles(s, actor),
            relations,
            Status(order.status),
            is_requester=order.requester_id == actor,
            allow_self_approval=self.policy.allow_self_approval,
        )

    def _authorize(self, s: Session, order: Order, actor: str, action: Action) -> None:
        verdict = self._verdict(s, order, actor, action)
        if verdict.allowed:
            return
        if verdict.reason == "role":
            raise Refused("role", f"Only {verdict.who} can {ACTION_TEXT[action]}.", who=verdict.who)
        if verdict.reason == "own_order":
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
        raise Refused(
            "state", f"{order.number} is {status.value.replace('_', ' ')}: that is not possible now."
        )

    def _members(self, s: Session, order_id: int, role: str) -> list[str]:
        rows = s.exec(
            select(Member.user_id)
            .where(Member.order_id == order_id, Member.role == role)
            .order_by(col(Member.id))
        ).all()
        return list(rows)

    def _has_confirmation(self, s: Session, order_id: int) -> bool:
        return (
            s.exec(
                select(Revision.id).where(Revision.order_id == order_id, Revision.kind == "confirmation")
            ).first()
            is not None
        )

    def _revision(self, s: Session, order_id: int, number: int) -> Revision:
        rev = s.exec(select(Revision).where(Revision.order_id == order_id, Revision.number == number)).first()
        if rev is None:
            raise Refused("not_found", f"Revision {number} does not exist.")
        return rev

    def _lines_of(self, s: Session, order_id: int, number: int) -> list[LineView]:
        rows = s.exec(
            select(Line)
            .join(Revision, col(Line.revision_id) == col(Revision.id))
            .where(Revision.order_id == order_id, Revision.number == number)
            .order_by(col(Line.position))
        ).all()
        # The same numbers from every backend (PostgreSQL's NUMERIC keeps trailing zeros).
        return [
            LineView(
                r.kind,
                r.description,
                exact_quantity(r.quantity),
                r.unit,
                exact_price(r.unit_price),
                line_total(r),
                r.code,
                r.catalog_item_id,
            )
            for r in rows
        ]

    def _add_revision(
        self,
        tx: _Tx,
        number: int,
        kind: str,
        author: str,
        lines: Sequence[LineInput],
        now: datetime,
        note: str = "",
        final: bool = False,
    ) -> Revision:
        s, order = tx.session, tx.order
        lines = [
            LineView(
                x.kind,
                x.description,
                exact_quantity(x.quantity),
                x.unit,
                exact_price(x.unit_price),
                Decimal(0),
                getattr(x, "code", "") or "",
                getattr(x, "catalog_item_id", None),
            )
            for x in lines
        ]
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
            field_workers=self._members(s, order.id, "field_worker") if order.id else [],
            last_activity_id=last_activity,
            total=order_total(lines),
            created_at=now,
        )
        s.add(rev)
        s.flush()
        for pos, line in enumerate(lines, start=1):
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
                )
            )
        order.current_revision = number
        return rev

    def _log(
        self, tx: _Tx, actor: str, kind: str, text: str, now: datetime, data: dict | None = None
    ) -> Activity:
        act = Activity(order_id=tx.order.id, at=now, actor_id=actor, kind=kind, text=text, data=data or {})
        tx.session.add(act)
        tx.session.flush()
        return act

    def _queue(self, tx: _Tx, kind: str, key: str, payload: dict) -> None:
        tx.effects.append(
            Effect(key=key, order_id=tx.order.id, kind=kind, payload=payload, created_at=self.clock())
        )

    def _touch(self, tx: _Tx, now: datetime) -> None:
        """Bump the order's version and queue the card update that shows it."""
        order = tx.order
        order.version += 1
        order.updated_at = now
        tx.session.add(order)
        self._queue(tx, fx.UPDATE_CARD, f"card:{order.number}:v{order.version}", {"version": order.version})
        order_home.queue_refresh(tx.session, order, now, self.policy.home_refresh_seconds)
        if str(order.status) != tx.status_before:
            self._queue_topic(tx)
        self._flush(tx)

    def _queue_topic(self, tx: _Tx) -> None:
        """Set the channel topic to the order's new status (once per status: no status recurs)."""
        status = Status(tx.order.status).value
        self._queue(tx, fx.SET_TOPIC, f"topic:{tx.order.number}:{status}", {"status": status})

    def _flush(self, tx: _Tx) -> None:
        for e in tx.effects:
            tx.session.add(e)
        tx.effects.clear()
        tx.session.flush()

    def _view(self, s: Session, order: Order) -> OrderView:
        return self._views(s, [order])[0]

    def _views(
        self, s: Session, orders: Sequence[Order], confirmed: set[int] | None = None
    ) -> list[OrderView]:
        """The views of orders: their current lines, their members and (unless confirmed, the ids of
        those with a confirmation revision, is given) their confirmation flags, a query each."""
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
            )
            .join(Revision, col(Line.revision_id) == col(Revision.id))
            .where(or_(*current))
            .order_by(col(Revision.order_id), col(Line.position))
        ).all():
            # The same numbers from every backend (PostgreSQL's NUMERIC keeps trailing zeros).
            lines[r.order_id].append(
                LineView(
                    r.kind,
                    r.description,
                    exact_quantity(r.quantity),
                    r.unit,
                    exact_price(r.unit_price),
                    line_total(r),
                    r.code,
                    r.catalog_item_id,
                )
            )
        members: dict[tuple[int, str], list[str]] = defaultdict(list)
        for order_id, role, user_id in s.exec(
            select(Member.order_id, Member.role, Member.user_id)
            .where(col(Member.order_id).in_(ids), col(Member.role).in_(("supervisor", "field_worker")))
            .order_by(col(Member.id))
        ).all():
            members[order_id, role].append(user_id)
        if confirmed is None:
            confirmed = set(
                s.exec(
                    select(Revision.order_id)
                    .where(col(Revision.order_id).in_(ids), Revision.kind == "confirmation")
                    .distinct()
                ).all()
            )
        return [
            OrderView(
                id=order.id,
                number=order.number,
                status=Status(order.status),
                version=order.version,
                client=order.client,
                site=order.site,
                contact=order.contact,
                title=order.title,
                description=order.description,
                planned_date=order.planned_date,
                priority=order.priority,
                requester_id=order.requester_id,
                channel_id=order.channel_id,
                channel_name=order.channel_name,
                card_ts=order.card_ts,
                current_revision=order.current_revision,
                decided_by=order.decided_by,
                decided_at=order.decided_at,
                reject_reason=order.reject_reason,
                outcome=order.outcome,
                outcome_reason=order.outcome_reason,
                closed_by=order.closed_by,
                closed_at=order.closed_at,
                created_at=order.created_at,
                updated_at=order.updated_at,
                lines=lines[order.id],
                total=order_total(lines[order.id]),
                supervisors=members[order.id, "supervisor"],
                field_workers=members[order.id, "field_worker"],
                has_confirmation=order.id in confirmed,
                client_id=order.client_id,
                site_id=order.site_id,
                contact_id=order.contact_id,
                custom_fields=list(order.custom_fields or []),
            )
            for order in orders
        ]

    # ---------------------------------------------------------------- search and export
    def search(
        self,
        filters: order_search.Filters,
        viewer: str,
        after: int | None = None,
        before: int | None = None,
        limit: int = 10,
    ) -> order_search.Page:
        """A page of the orders viewer may see that match filters, newest first (workflow.search)."""
        with Session(self.reader) as s:  # one session (one read transaction): roles, then the page
            return order_search.search_in(
                s,
                filters,
                viewer,
                self._roles(s, viewer),
                after=after,
                before=before,
                limit=limit,
                allow_self_approval=self.policy.allow_self_approval,
            )

    def may_see(self, order: OrderView, viewer: str) -> bool:
        """Whether viewer may see order (the rule the search applies)."""
        return order_search.may_see(order, viewer, self.roles_of(viewer))

    def export_orders(
        self, filters: order_search.Filters, viewer: str | None
    ) -> Iterator[order_export.ExportOrder]:
        """The matching orders with their lines, streamed oldest first (viewer None: every order)."""
        roles = self.roles_of(viewer) if viewer is not None else frozenset()
        return order_export.export_orders(
            self.reader, filters, viewer, roles, allow_self_approval=self.policy.allow_self_approval
        )

    def queue_export(self, user: str, filter_text: str) -> str | None:
        """Queue a CSV export of the orders filter_text selects, sent to user's DM; the effect's key,
        or None when an export of theirs is still queued or under way (one per person at a time).

        The key names the person's previous export (export:U123:after:41, 41 its row's id): two
        asked for at the same moment compute the same key, and the second insert conflicts."""
        prefix = f"export:{user}:"
        try:
            with transaction(self.engine) as s:
                theirs = s.exec(
                    select(Effect.id, Effect.status).where(
                        Effect.kind == fx.EXPORT_CSV, col(Effect.key).startswith(prefix, autoescape=True)
                    )
                ).all()
                if any(status == "pending" for _, status in theirs):
                    return None
                key = f"{prefix}after:{max((i for i, _ in theirs), default=0)}"
                s.add(
                    Effect(
                        key=key,
                        order_id=None,
                        kind=fx.EXPORT_CSV,
                        payload={"user": user, "filters": filter_text},
                        created_at=self.clock(),
                    )
                )
                s.flush()
        except IntegrityError:
            return None
        return key

    # ---------------------------------------------------------------- the App Home
    def home(
        self,
        user_id: str,
        now: datetime | None = None,
        *,
        today: date | None = None,
        pending_limit_hours: float = order_home.PENDING_LIMIT_HOURS,
        stale_days: float = order_home.STALE_DAYS,
        calendar: order_home.WorkingCalendar | None = None,
    ) -> order_home.HomeView:
        """What user_id's Home tab shows at now (workflow.home); today is the company's date."""
        return order_home.home(
            self.reader,
            user_id,
            self.roles_of(user_id),
            now or self.clock(),
            today=today,
            allow_self_approval=self.policy.allow_self_approval,
            pending_limit_hours=pending_limit_hours,
            stale_days=stale_days,
            calendar=calendar,
        )

    def home_opened(self, user_id: str) -> None:
        """user_id opened the Home tab: queue its publish (and refreshes from now on)."""
        with transaction(self.engine) as s:
            order_home.queue_opened(s, user_id, self.clock(), self.policy.home_refresh_seconds)

    # ---------------------------------------------------------------- saved filters
    def saved_filters(self, user_id: str) -> list[saved.SavedFilterView]:
        """user_id's saved filters, by name."""
        with Session(self.reader) as s:
            rows = s.exec(
                select(SavedFilter).where(SavedFilter.user_id == user_id).order_by(col(SavedFilter.name))
            ).all()
            return [saved.SavedFilterView(r.name, r.text, r.updated_at) for r in rows]

    def saved_filter(self, user_id: str, name: str) -> saved.SavedFilterView | None:
        """user_id's saved filter called name (any case); None when there is none."""
        with Session(self.reader) as s:
            row = s.exec(
                select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name.lower())
            ).first()
            return saved.SavedFilterView(row.name, row.text, row.updated_at) if row else None

    def save_filter(self, user_id: str, name: str, text: str) -> bool:
        """Save (or replace) user_id's filter called name; True when it replaced one. The caller has
        checked that text parses. Refused (invalid) for a bad name or text, or one too many."""
        problem = saved.name_problem(name)
        if problem is None and not text.strip():
            problem = "give the filters to save, e.g. `/so list save late status:in_progress to:yesterday`."
        if problem is None and len(text) > saved.TEXT_MAX:
            problem = f"filters are at most {saved.TEXT_MAX} characters long."
        if problem is not None:
            raise Refused("invalid", problem)
        now = self.clock()
        with transaction(self.engine) as s:
            rows = s.exec(select(SavedFilter).where(SavedFilter.user_id == user_id).with_for_update()).all()
            row = next((r for r in rows if r.name == name.lower()), None)
            if row is None and len(rows) >= saved.PER_PERSON:
                raise Refused(
                    "invalid",
                    f"you have {saved.PER_PERSON} saved filters, the most there can be: delete one first "
                    "(`/so list delete NAME`).",
                )
            if row is None:
                s.add(
                    SavedFilter(user_id=user_id, name=name.lower(), text=text, created_at=now, updated_at=now)
                )
            else:
                row.text, row.updated_at = text, now
                s.add(row)
            order_home.queue_publish(s, user_id, now, self.policy.home_refresh_seconds)
        return row is not None

    def delete_filter(self, user_id: str, name: str) -> bool:
        """Delete user_id's filter called name (any case); False when there was none."""
        with transaction(self.engine) as s:
            gone = s.exec(  # type: ignore[call-overload]
                delete(SavedFilter).where(
                    col(SavedFilter.user_id) == user_id, col(SavedFilter.name) == name.lower()
                )
            ).rowcount
            if gone:
                order_home.queue_publish(s, user_id, self.clock(), self.policy.home_refresh_seconds)
        return bool(gone)


def open_workflow(database_url: str, policy: Policy | None = None, auto_upgrade: bool = False) -> Workflow:
    """A Workflow over database_url, creating the schema on first use.

    A database made by an older version raises storage.db.SchemaOutdated unless auto_upgrade."""
    from storage.db import create_schema, make_engine, open_inbox

    engine = make_engine(database_url)
    try:
        create_schema(engine, auto_upgrade=auto_upgrade)
        inbox = open_inbox(engine)
    except Exception:
        engine.dispose()
        raise
    return Workflow(engine, policy, inbox=inbox)


def upgrade_database(database_url: str) -> tuple[str | None, str]:
    """Run the migrations up to the newest; (revision before, revision after)."""
    from storage.db import current_revision, head_revision, make_engine, upgrade

    engine = make_engine(database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        return before, head_revision()
    finally:
        engine.dispose()


def _command_view(c: Command) -> CommandView:
    return CommandView(c.key, c.kind, c.user_id, dict(c.payload), dict(c.reply), c.created_at)
