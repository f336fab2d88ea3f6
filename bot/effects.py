"""The effects engine: when queued Slack side effects run (lanes, claims and leases, in order per
order), what an error means for them (done, retried with a backoff, failed) and when to give up.
What each kind does in Slack is bot.performers (one function per kind, found through PERFORMERS);
the calls they make, and the lookups for what an earlier attempt made, are bot.slack_calls."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import inbox
from bot.config import Settings
from bot.emails import waiting_for_a_sender
from bot.performers import PERFORMERS
from bot.scheduler import start_scheduler, stop_scheduler
from bot.slack_calls import ALREADY, Failed, Retry, SlackCalls
from workflow import effects as fx
from workflow.service import Refused, Workflow
from workflow.snapshots import EffectView

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # transient failures for ~10 minutes (capped backoff), then the effect fails


# Long work has lanes of its own: a PDF's render and upload, a photo's download, or an export of
# many orders, takes seconds to a minute, and must not hold up the commands nor short Slack calls.
DOCUMENT_KINDS = frozenset({fx.UPLOAD_PDF, fx.CUSTOMER_COPY, fx.FETCH_PHOTO})
EXPORT_KINDS = frozenset({fx.EXPORT_CSV})
LONG_KINDS = DOCUMENT_KINDS | EXPORT_KINDS
# A claim's lease, renewed every RENEW_SECONDS while the process lives: the claims of a process
# that died (killed, its machine gone) are taken over by another one within LEASE_SECONDS.
LEASE_SECONDS = 15.0
RENEW_SECONDS = 5.0


def backoff_seconds(effect: EffectView) -> float:
    """Seconds to wait before the next attempt of an effect that failed transiently: doubling from
    half a second, capped at a minute, jittered so that many effects do not retry at once."""
    return min(60.0, 0.5 * 2**effect.attempts) * random.uniform(0.5, 1.5)


@dataclass
class Lane:
    """One thread of the dispatcher: work() does one pass and says how many things it did."""

    name: str
    work: Callable[[], int]
    wake: threading.Event = field(default_factory=threading.Event)
    idle: threading.Event = field(default_factory=threading.Event)


class Dispatcher:
    """Threads (lanes) that carry out the inbox's commands and perform the pending effects: one for
    the commands, one for short Slack calls, one for PDFs, one for exports; each woken after a
    commit, and every few seconds. An order's effects still run one after another, in order,
    whichever lane performs each: an order's first unfinished effect holds back its later ones."""

    def __init__(
        self,
        workflow: Workflow,
        client: WebClient,
        settings: Settings,
        poll_seconds: float = 2.0,
        lease_seconds: float = LEASE_SECONDS,
        wake_event=None,  # type: ignore[no-untyped-def]  # a multiprocessing.Event in a worker process
        backoff: Callable[[EffectView], float] = backoff_seconds,
    ) -> None:
        self.wf = workflow
        self.client = client
        self.settings = settings
        self.slack = SlackCalls(workflow, client, settings)  # what the performers call Slack with
        self.poll_seconds = poll_seconds
        self.backoff = backoff  # the delay before retrying an effect that failed transiently
        # Who claims effects, and for how long: the lease is renewed while this process lives, so
        # a slow effect stays ours, and a dead process's effects are taken over soon after.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self._outside_wake = wake_event  # set by the HTTP process: relayed to every lane
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight: set[int] = set()  # effects being performed now (by any lane)
        self.lanes = [
            Lane("commands", self._commands_pass),
            Lane("effects", lambda: self._effects_pass(exclude_kinds=LONG_KINDS)),
            Lane("documents", lambda: self._effects_pass(kinds=DOCUMENT_KINDS, limit=1)),
            Lane("exports", lambda: self._effects_pass(kinds=EXPORT_KINDS, limit=1)),
        ]
        self._scheduler = None  # the reminder jobs (bot.scheduler): whoever performs effects runs them

    def name_of(self, user_id: str) -> str:
        """A person's display name (their Slack id when Slack cannot tell)."""
        return self.slack.name_of(user_id)

    def bot_user_id(self) -> str:
        return self.slack.bot_user_id()

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        if self._threads:
            return
        if self.wf.engine.dialect.name == "sqlite":
            # One process serves a SQLite database: claims left in it are a dead process's.
            self.wf.outbox.release_claims()
        for lane in self.lanes:
            self._spawn(f"effects-{lane.name}", self._run_lane, lane)
        self._spawn("effects-leases", self._renew_leases)
        if self._outside_wake is not None:
            self._spawn("effects-wake", self._relay_wakes)
        self._scheduler = start_scheduler(self.wf, self.settings, self.wake)

    def _spawn(self, name: str, target: Callable, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        stop_scheduler(self._scheduler)
        self._scheduler = None
        self._stop.set()
        self.wake()
        if self._outside_wake is not None:
            self._outside_wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []
        try:  # what this process had taken, others may now do; not what a lane still performs
            self.wf.outbox.release_claims(self.worker, keep=set(self._in_flight))
        except Exception:
            log.warning("could not release this process's claims; they expire by themselves")

    def wake(self) -> None:
        for lane in self.lanes:
            lane.idle.clear()
            lane.wake.set()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once every lane is idle and nothing is pending, not even postponed (for the demo and
        tests). Lanes are woken once, then watched: a wake on every look would make each lane start
        a new pass, and on a loaded machine no look would find all of them idle at once."""
        deadline = time.monotonic() + timeout
        self.wake()
        while time.monotonic() < deadline:
            if all(lane.idle.is_set() for lane in self.lanes):
                later = self.wf.clock() + timedelta(days=1)
                waiting = waiting_for_a_sender(self.slack.settings)
                pending = [e for e in self.wf.outbox.pending_effects(now=later) if e.kind not in waiting]
                if not self.wf.has_pending_commands() and not pending:
                    return True
                self.wake()  # something came in that no lane was woken for, or is due soon
            time.sleep(0.02)
        return False

    def _run_lane(self, lane: Lane) -> None:
        while not self._stop.is_set():
            try:
                done = lane.work()
            except Exception:  # the lane must survive a broken database connection
                log.exception("effects lane %s failed; retrying", lane.name)
                done = 0
            if done == 0:
                lane.idle.set()
                lane.wake.wait(self.poll_seconds if lane.name == "commands" else self._until_next_due())
                lane.wake.clear()

    def _relay_wakes(self) -> None:
        """Pass the HTTP process's wake-ups (a multiprocessing.Event) on to every lane."""
        while not self._stop.is_set():
            if self._outside_wake.wait(1.0):
                self._outside_wake.clear()
                self.wake()

    def _renew_leases(self) -> None:
        """Keep this process's claims while it lives; a dead process's expire within the lease."""
        every = min(RENEW_SECONDS, self.lease_seconds / 3)
        while not self._stop.wait(every):
            try:
                self.wf.outbox.renew_claims(self.worker, self.lease_seconds)
            except Exception:
                log.warning("could not renew this process's claims; retrying in %.0fs", every)

    def _until_next_due(self) -> float:
        try:
            due = self.wf.outbox.next_due()
        except Exception:
            return self.poll_seconds
        if due is None:
            return self.poll_seconds
        wait = (due - self.wf.clock()).total_seconds()
        return min(self.poll_seconds, max(0.01, wait))

    def run_once(self) -> int:
        """One pass of every lane in the calling thread, the commands first; the things done."""
        return sum(lane.work() for lane in self.lanes)

    def run_commands(self, limit: int = 20) -> int:
        """Carry out up to limit commands from the inbox (the oldest first); the number taken."""
        with self.wf.claimed_commands(limit) as commands:
            for command in commands:
                inbox.carry_out(self.wf, command)
        return len(commands)

    def _commands_pass(self) -> int:
        done = self.run_commands()
        if done:
            self._wake_effect_lanes()  # the effects they queued
        return done

    def _effects_pass(
        self, kinds: Collection[str] | None = None, exclude_kinds: Collection[str] = (), limit: int = 50
    ) -> int:
        """Claim the due effects of these kinds (one per order) and perform them; how many."""
        effects = self.wf.outbox.claim_effects(
            self.worker, self.lease_seconds, limit=limit, kinds=kinds, exclude_kinds=exclude_kinds
        )
        for effect in effects:
            if self._stop.is_set():
                break
            self._perform_claimed(effect)
            if effect.order_id is not None:
                self._wake_effect_lanes()  # the order's next effect may be another lane's
        return len(effects)

    def _wake_effect_lanes(self) -> None:
        for lane in self.lanes[1:]:
            lane.idle.clear()
            lane.wake.set()

    def _perform_claimed(self, effect: EffectView) -> None:
        """Perform effect; an error outside the Slack call (the database) postpones it alone."""
        self._in_flight.add(effect.id)
        try:
            self.perform(effect)
        except Exception as e:
            log.exception("effect %s (%s) could not be performed", effect.id, effect.key)
            try:
                self.wf.outbox.effect_retry_later(effect.id, type(e).__name__, self.backoff(effect))
            except Exception:
                log.warning(
                    "could not postpone effect %s; its claim expires within %.0fs",
                    effect.id,
                    self.lease_seconds,
                )
        finally:
            self._in_flight.discard(effect.id)

    def perform(self, effect: EffectView) -> None:
        try:
            order = self.wf.order(effect.order_id) if effect.order_id is not None else None
        except Refused as r:
            if r.code != "not_found":
                raise
            log.error("effect %s (%s) failed: order %s is gone", effect.id, effect.key, effect.order_id)
            self.wf.outbox.effect_failed(effect.id, "order_not_found: the order no longer exists")
            return
        if not self.wf.outbox.effect_started(effect.id, self.worker, self.lease_seconds):
            log.info("effect %s (%s) is no longer this process's to perform", effect.id, effect.key)
            return
        try:
            PERFORMERS[effect.kind](self.slack, effect, order)
        except Retry as r:
            log.info("effect %s (%s) postponed %.2fs: %s", effect.id, effect.key, r.delay, r.error)
            self._later(effect, r.error, r.delay, r.attempted)
            return
        except Failed as f:
            log.error("effect %s (%s) failed: %s", effect.id, effect.key, f.error)
            self.wf.outbox.effect_failed(effect.id, f.error)
            return
        except SlackApiError as e:
            error = str(e.response.get("error", "unknown_error"))
            if error in ALREADY:
                self.wf.outbox.effect_done(effect.id)
                return
            if e.response.status_code == 429 or error == "ratelimited":
                self.wf.outbox.effect_retry_later(effect.id, error, self.slack.cool_down(e), attempted=False)
                return
            if e.response.status_code < 500 and error not in (
                "internal_error",
                "fatal_error",
                "request_timeout",
            ):
                log.error("effect %s (%s) failed: %s", effect.id, effect.key, error)
                self.wf.outbox.effect_failed(effect.id, error)
                return
            self._later(effect, error, self.backoff(effect), True)
            return
        except (SlackClientError, OSError) as e:  # timeouts, connection errors, upload POST failures
            self._later(effect, type(e).__name__, self.backoff(effect), True)
            return
        except Exception as e:  # a bug or a database hiccup: retried, then failed (and the admins told)
            log.exception("effect %s (%s) raised", effect.id, effect.key)
            self._later(effect, type(e).__name__, self.backoff(effect), True)
            return
        self.wf.outbox.effect_done(effect.id)

    def _later(self, effect: EffectView, error: str, delay: float, attempted: bool) -> None:
        if attempted and effect.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "effect %s (%s) failed after %s attempts: %s", effect.id, effect.key, MAX_ATTEMPTS, error
            )
            self.wf.outbox.effect_failed(effect.id, f"{error} (after {MAX_ATTEMPTS} attempts)")
            return
        self.wf.outbox.effect_retry_later(effect.id, error, delay, attempted=attempted)
