"""The outbox of Slack side effects: what is due, who has claimed it and until when (leases), how an
attempt ended, Retry-After windows shared by every process, and an admin's retry.

Effects are queued in the transaction of the change that causes them (workflow.changes.Tx.queue);
the dispatcher (bot.effects) claims and performs them through Workflow.outbox. An order's first
unfinished effect comes before all its others, whichever lane performs it; a failed one blocks its
order until an admin retries it; effects of no order each stand alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import reader, transaction
from storage.models import Effect, Order, RateLimit
from workflow import effects as fx
from workflow.queries import users_with
from workflow.rules import Role
from workflow.snapshots import EffectView


class Outbox:
    """The outbox of one database. Each call is its own short transaction: a claim, an attempt and
    its end are committed apart, so a crash between them loses nothing and repeats little."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.reader = reader(engine)
        self.clock = clock

    def _write(self) -> AbstractContextManager[Session]:
        return transaction(self.engine)

    def pending_effects(self, now: datetime | None = None, limit: int = 200) -> list[EffectView]:
        """The next effect of each order (in order per order), due now and not blocked.

        An order's first unfinished effect comes before all its others; a failed one blocks its
        order until an admin retries it. Effects of no order each stand alone.
        """
        now = now or self.clock()
        unfinished = col(Effect.status).in_(["pending", "failed"])
        firsts = select(func.min(Effect.id)).where(unfinished, col(Effect.order_id).is_not(None))
        firsts = firsts.group_by(col(Effect.order_id))
        due = (col(Effect.not_before).is_(None)) | (col(Effect.not_before) <= now)
        with Session(self.reader) as s:
            rows = s.exec(
                select(Effect)
                .where(Effect.status == "pending", due)
                .where(col(Effect.id).in_(firsts) | col(Effect.order_id).is_(None))
                .order_by(col(Effect.id))
                .limit(limit)
            ).all()
            return [EffectView(e.id, e.key, e.order_id, e.kind, dict(e.payload), e.attempts) for e in rows]

    def claim_effects(
        self,
        worker: str,
        lease_seconds: float = 300.0,
        limit: int = 50,
        now: datetime | None = None,
        kinds: Collection[str] | None = None,
        exclude_kinds: Collection[str] = (),
    ) -> list[EffectView]:
        """Take the due effects (the first unfinished one of each order) for worker to perform;
        only those of kinds (every kind when None) and none of exclude_kinds.

        An order's first unfinished effect holds back its later ones whatever their kind, so a lane
        that performs some kinds never overtakes another lane's effect of the same order. Claimed
        rows carry a lease: other processes skip them (and so the rest of their order) until it
        runs out; the claimer renews it while it lives (renew_claims), so a dead process's claims
        are taken over soon after. On PostgreSQL, rows another process is claiming at this moment
        are skipped too (FOR UPDATE SKIP LOCKED).
        """
        now = now or self.clock()
        unfinished = col(Effect.status).in_(["pending", "failed"])
        firsts = select(func.min(Effect.id)).where(unfinished, col(Effect.order_id).is_not(None))
        firsts = firsts.group_by(col(Effect.order_id))
        due = (col(Effect.not_before).is_(None)) | (col(Effect.not_before) <= now)
        free = (col(Effect.lease_until).is_(None)) | (col(Effect.lease_until) <= now)
        query = (
            select(Effect)
            .where(Effect.status == "pending", due, free)
            .where(col(Effect.id).in_(firsts) | col(Effect.order_id).is_(None))
        )
        if kinds is not None:
            query = query.where(col(Effect.kind).in_(list(kinds)))
        if exclude_kinds:
            query = query.where(col(Effect.kind).not_in(list(exclude_kinds)))
        with self._write() as s:
            rows = s.exec(query.order_by(col(Effect.id)).limit(limit).with_for_update(skip_locked=True)).all()
            until = now + timedelta(seconds=lease_seconds)
            for e in rows:
                e.claimed_by, e.lease_until = worker, until
            return [EffectView(e.id, e.key, e.order_id, e.kind, dict(e.payload), e.attempts) for e in rows]

    def renew_claims(self, worker: str, lease_seconds: float) -> int:
        """Extend the lease of every effect worker holds (it is alive); how many."""
        with self._write() as s:
            res = s.exec(  # type: ignore[call-overload]
                update(Effect)
                .where(Effect.claimed_by == worker, Effect.status == "pending")
                .values(lease_until=self.clock() + timedelta(seconds=lease_seconds))
            )
            return res.rowcount or 0

    def release_claims(self, worker: str | None = None, keep: Collection[int] = ()) -> int:
        """Give back the claims of worker (of every worker when None: a lone process starting),
        except those of the effects in keep (still being performed: their lease runs out alone)."""
        with self._write() as s:
            stmt = update(Effect).where(col(Effect.claimed_by).is_not(None))
            if worker is not None:
                stmt = stmt.where(Effect.claimed_by == worker)
            if keep:
                stmt = stmt.where(col(Effect.id).not_in(list(keep)))
            res = s.exec(stmt.values(claimed_by=None, lease_until=None))  # type: ignore[call-overload]
            return res.rowcount or 0

    def has_pending_effects(self) -> bool:
        with Session(self.reader) as s:
            n = s.exec(select(func.count()).select_from(Effect).where(Effect.status == "pending")).one()
            return n > 0

    def effects(self, status: str | None = None) -> list[EffectView]:
        with Session(self.reader) as s:
            q = select(Effect).order_by(col(Effect.id))
            if status:
                q = q.where(Effect.status == status)
            return [
                EffectView(
                    e.id, e.key, e.order_id, e.kind, dict(e.payload), e.attempts, e.status, e.last_error
                )
                for e in s.exec(q).all()
            ]

    def effect_started(
        self, effect_id: int, worker: str | None = None, lease_seconds: float | None = None
    ) -> bool:
        """Count an attempt before Slack is called: after a crash, the next attempt knows to look
        for what this one may have done. With worker: only while worker still holds the claim (its
        lease then renewed); False when another process took it over or it is no longer pending."""
        with self._write() as s:
            e = s.get(Effect, effect_id, with_for_update=worker is not None)
            if e is None:
                return False
            if worker is not None:
                if e.status != "pending" or e.claimed_by != worker:
                    return False
                if lease_seconds is not None:
                    e.lease_until = self.clock() + timedelta(seconds=lease_seconds)
            e.attempts += 1
            return True

    def effect_done(self, effect_id: int) -> None:
        with self._write() as s:
            e = s.get(Effect, effect_id)
            if e is not None:
                e.status, e.done_at = "done", self.clock()
                e.claimed_by, e.lease_until = None, None

    def effect_retry_later(self, effect_id: int, error: str, delay: float, attempted: bool = True) -> None:
        """Try the effect again after delay seconds; attempted=False when Slack was not called."""
        with self._write() as s:
            e = s.get(Effect, effect_id)
            if e is not None:
                if not attempted:
                    e.attempts = max(0, e.attempts - 1)  # Slack was not called: not an attempt
                e.last_error = error[:500]
                e.not_before = self.clock() + timedelta(seconds=delay)
                e.claimed_by, e.lease_until = None, None

    def effect_failed(self, effect_id: int, error: str) -> None:
        """Mark the effect failed (its order's later effects wait) and alert the admins and the channel."""
        with self._write() as s:
            e = s.get(Effect, effect_id)
            if e is None:
                return
            e.status, e.last_error = "failed", error[:500]
            e.claimed_by, e.lease_until = None, None
            order = s.get(Order, e.order_id) if e.order_id is not None else None
            alert = {
                "effect_id": e.id,
                "effect": e.key,
                "kind": e.kind,
                "error": error[:200],
                "order": order.number if order else str((e.payload or {}).get("order") or ""),
            }
            recipients = [("user", u) for u in users_with(s, Role.ADMIN)]
            if order is not None and order.channel_id and e.kind != fx.CREATE_CHANNEL:
                recipients.append(("channel", order.channel_id))
            for to_kind, to in recipients:
                s.add(
                    Effect(
                        key=f"alert:{e.key}:{e.attempts}:{to}",
                        order_id=None,
                        kind=fx.ALERT,
                        payload={**alert, "to": to, "to_kind": to_kind},
                        created_at=self.clock(),
                    )
                )

    def note_rate_limit(self, method: str, until: datetime) -> None:
        """Slack limited method until then (Retry-After): every process waits for it."""
        for _ in range(2):  # two processes limited at once: the second one's insert conflicts
            try:
                with self._write() as s:
                    row = s.get(RateLimit, method[:60], with_for_update=True)
                    if row is None:
                        s.add(RateLimit(method=method[:60], until=until))
                    elif row.until < until:
                        row.until = until
                return
            except IntegrityError:
                continue

    def rate_limited_until(self, methods: Sequence[str]) -> datetime | None:
        """The end of the latest Retry-After window still open for one of methods (None: none)."""
        with Session(self.reader) as s:
            latest = s.exec(
                select(func.max(RateLimit.until)).where(col(RateLimit.method).in_(list(methods)))
            ).one()
        return latest if latest is not None and latest > self.clock() else None

    def next_due(self) -> datetime | None:
        """When the earliest postponed pending effect becomes due (None when none waits)."""
        with Session(self.reader) as s:
            return s.exec(select(func.min(Effect.not_before)).where(Effect.status == "pending")).one()

    def retry_effect(self, effect_id: int) -> bool:
        """Queue a failed effect again with a fresh budget of attempts; False if it is not failed.

        The count restarts at one, not zero, when it had been attempted: the next attempt still
        looks first for what an earlier one may have done (a post whose answer was lost)."""
        with self._write() as s:
            e = s.get(Effect, effect_id)
            if e is None or e.status != "failed":
                return False
            e.status, e.not_before, e.last_error = "pending", None, ""
            e.attempts = min(e.attempts, 1)
            e.claimed_by, e.lease_until = None, None
            return True

    def supersede_card_updates(self, order_id: int, keep_effect_id: int, version: int) -> int:
        """Mark done the order's other pending card updates that the card drawn at version already
        shows (those queued for that version or an earlier one); a later change keeps its own."""
        with self._write() as s:
            pending = s.exec(
                select(Effect).where(
                    Effect.order_id == order_id,
                    Effect.kind == fx.UPDATE_CARD,
                    Effect.status == "pending",
                    Effect.id != keep_effect_id,
                )
            ).all()
            covered = [e.id for e in pending if int((e.payload or {}).get("version") or 0) <= version]
            if not covered:
                return 0
            res = s.exec(  # type: ignore[call-overload]
                update(Effect)
                .where(col(Effect.id).in_(covered), Effect.status == "pending")
                .values(status="done", done_at=self.clock(), last_error="superseded")
            )
            return res.rowcount or 0
