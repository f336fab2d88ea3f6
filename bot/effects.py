"""The effects dispatcher: performs queued Slack side effects after the ack, in order per order."""

from __future__ import annotations

import hashlib
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

from bot import inbox, messages, replies
from bot.cards import card_text, order_card
from bot.config import Settings
from bot.documents import order_document
from bot.exports import send_export
from bot.home import publish_home
from bot.membership import kick
from bot.scheduler import start_scheduler, stop_scheduler
from pdf import render
from workflow import effects as fx
from workflow.rules import Status
from workflow.service import Refused, Workflow
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger(__name__)

# Answers that mean the effect is already there: done.
ALREADY = frozenset({"already_in_channel", "already_pinned", "already_reacted", "already_archived"})
MAX_ATTEMPTS = 12  # transient failures for ~10 minutes (capped backoff), then the effect fails
CARD_EVENT = "service_order_card"  # message metadata marking the order card
POST_EVENT = "service_order_post"  # message metadata carrying an effect's idempotency key
HISTORY_LOOKBACK = 100  # messages searched for our own post after an answer was lost
USER_ERRORS = frozenset(
    {
        "user_not_found",
        "user_is_inactive",
        "user_is_restricted",
        "ura_max_channels",
        "cant_invite",
        "user_disabled",
        "invitee_cant_see_channel",
    }
)


# Long work has lanes of its own: a PDF's render and upload, or an export of many orders, takes
# seconds to a minute, and must not hold up the commands nor other orders' short Slack calls.
DOCUMENT_KINDS = frozenset({fx.UPLOAD_PDF, fx.CUSTOMER_COPY})
EXPORT_KINDS = frozenset({fx.EXPORT_CSV})
LONG_KINDS = DOCUMENT_KINDS | EXPORT_KINDS
# A claim's lease, renewed every RENEW_SECONDS while the process lives: the claims of a process
# that died (killed, its machine gone) are taken over by another one within LEASE_SECONDS.
LEASE_SECONDS = 15.0
RENEW_SECONDS = 5.0


@dataclass
class Lane:
    """One thread of the dispatcher: work() does one pass and says how many things it did."""

    name: str
    work: Callable[[], int]
    wake: threading.Event = field(default_factory=threading.Event)
    idle: threading.Event = field(default_factory=threading.Event)


class Retry(Exception):
    """Try the effect again after delay seconds (attempted=False: Slack was not called)."""

    def __init__(self, error: str, delay: float, attempted: bool = True) -> None:
        super().__init__(error)
        self.error, self.delay, self.attempted = error, delay, attempted


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
    ) -> None:
        self.wf = workflow
        self.client = client
        self.settings = settings
        self.poll_seconds = poll_seconds
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
        self._names: dict[str, str] = {}
        self._cooldown: dict[str, float] = {}  # method -> monotonic time its Retry-After ends
        self._bot_user: str | None = None
        self._scheduler = None  # the reminder jobs (bot.scheduler): whoever performs effects runs them
        self.performers: dict[str, Callable[[EffectView, OrderView | None], None]] = {
            fx.CREATE_CHANNEL: self._create_channel,
            fx.INVITE: self._invite,
            fx.POST_CARD: self._post_card,
            fx.PIN_CARD: self._pin_card,
            fx.UPDATE_CARD: self._update_card,
            fx.ANNOUNCE: self._announce,
            fx.DM: self._dm,
            fx.UPLOAD_PDF: self._upload_pdf,
            fx.CUSTOMER_COPY: self._customer_copy,
            fx.REACT: self._react,
            fx.ALERT: self._alert,
            fx.EXPORT_CSV: lambda effect, order: send_export(self, effect),
            fx.PUBLISH_HOME: lambda effect, order: publish_home(self, effect),
            fx.REPLY: self._reply,
            fx.APPROVAL_REMINDER: self._approval_reminder,
            fx.PLANNED_REMINDER: self._planned_reminder,
            fx.SET_TOPIC: self._set_topic,
            fx.ARCHIVE: self._archive,
            fx.DIGEST: self._digest,
            fx.KICK: lambda effect, order: kick(self, effect, order),
        }

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        if self._threads:
            return
        if self.wf.engine.dialect.name == "sqlite":
            # One process serves a SQLite database: claims left in it are a dead process's.
            self.wf.release_claims()
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
            self.wf.release_claims(self.worker, keep=set(self._in_flight))
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
                if not self.wf.has_pending_commands() and not self.wf.pending_effects(now=later):
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
                self.wf.renew_claims(self.worker, self.lease_seconds)
            except Exception:
                log.warning("could not renew this process's claims; retrying in %.0fs", every)

    def _until_next_due(self) -> float:
        try:
            due = self.wf.next_due()
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
        effects = self.wf.claim_effects(
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
                self.wf.effect_retry_later(effect.id, type(e).__name__, self._backoff(effect))
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
            self.wf.effect_failed(effect.id, "order_not_found: the order no longer exists")
            return
        if not self.wf.effect_started(effect.id, self.worker, self.lease_seconds):
            log.info("effect %s (%s) is no longer this process's to perform", effect.id, effect.key)
            return
        try:
            self.performers[effect.kind](effect, order)
        except Retry as r:
            log.info("effect %s (%s) postponed %.2fs: %s", effect.id, effect.key, r.delay, r.error)
            self._later(effect, r.error, r.delay, r.attempted)
            return
        except SlackApiError as e:
            error = str(e.response.get("error", "unknown_error"))
            if error in ALREADY:
                self.wf.effect_done(effect.id)
                return
            if e.response.status_code == 429 or error == "ratelimited":
                self.wf.effect_retry_later(effect.id, error, self._cool_down(e), attempted=False)
                return
            if e.response.status_code < 500 and error not in (
                "internal_error",
                "fatal_error",
                "request_timeout",
            ):
                log.error("effect %s (%s) failed: %s", effect.id, effect.key, error)
                self.wf.effect_failed(effect.id, error)
                return
            self._later(effect, error, self._backoff(effect), True)
            return
        except (SlackClientError, OSError) as e:  # timeouts, connection errors, upload POST failures
            self._later(effect, type(e).__name__, self._backoff(effect), True)
            return
        except Exception as e:  # a bug or a database hiccup: retried, then failed (and the admins told)
            log.exception("effect %s (%s) raised", effect.id, effect.key)
            self._later(effect, type(e).__name__, self._backoff(effect), True)
            return
        self.wf.effect_done(effect.id)

    def _later(self, effect: EffectView, error: str, delay: float, attempted: bool) -> None:
        if attempted and effect.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "effect %s (%s) failed after %s attempts: %s", effect.id, effect.key, MAX_ATTEMPTS, error
            )
            self.wf.effect_failed(effect.id, f"{error} (after {MAX_ATTEMPTS} attempts)")
            return
        self.wf.effect_retry_later(effect.id, error, delay, attempted=attempted)

    def _cool_down(self, e: SlackApiError) -> float:
        """Honour Retry-After for the method that was limited: no call to it until the window ends."""
        headers = {k.lower(): v for k, v in (e.response.headers or {}).items()}
        raw = headers.get("retry-after", "1")
        try:
            delay = max(0.0, float(raw[0] if isinstance(raw, list) else raw))
        except ValueError:
            delay = 1.0
        method = str(e.response.api_url or "").rstrip("/").rsplit("/", 1)[-1] or "unknown"
        self._cooldown[method] = time.monotonic() + delay
        try:  # and for every other process calling Slack with this token
            self.wf.note_rate_limit(method, self.wf.clock() + timedelta(seconds=delay))
        except Exception:
            log.warning("could not share the Retry-After window of %s with other processes", method)
        log.warning("Slack rate-limited %s: waiting %.1fs before calling it again", method, delay)
        return delay

    def _call(self, methods: tuple[str, ...], fn: Callable, **kwargs):  # type: ignore[no-untyped-def]
        """Call Slack unless one of methods is inside a Retry-After window (then postpone, uncalled)."""
        now = time.monotonic()
        wait = max((self._cooldown.get(m, 0.0) - now for m in methods), default=0.0)
        if wait <= 0:  # another process may have been told to wait
            shared = self.wf.rate_limited_until(methods)
            if shared is not None:
                wait = (shared - self.wf.clock()).total_seconds()
        if wait > 0:
            raise Retry(f"{methods[0]} inside Retry-After", wait, attempted=False)
        return fn(**kwargs)

    @staticmethod
    def _backoff(effect: EffectView) -> float:
        return min(60.0, 0.5 * 2**effect.attempts) * random.uniform(0.5, 1.5)

    # ------------------------------------------------------------------ helpers
    def bot_user_id(self) -> str:
        if self._bot_user is None:
            self._bot_user = str(self.client.auth_test()["user_id"])
        return self._bot_user

    def name_of(self, user_id: str) -> str:
        """A person's display name for the PDF (their Slack id when Slack cannot tell)."""
        if user_id not in self._names:
            try:
                user = self.client.users_info(user=user_id)["user"]
                profile = user.get("profile", {})
                self._names[user_id] = (
                    profile.get("real_name")
                    or user.get("real_name")
                    or profile.get("display_name")
                    or user.get("name")
                    or user_id
                )
            except SlackApiError:
                return user_id
        return self._names[user_id]

    def _channel(self, order: OrderView | None) -> str:
        if order is None or not order.channel_id:
            raise Retry("channel not created yet", 1.0)
        return order.channel_id

    def _card(self, order: OrderView) -> dict:
        today = self.wf.clock().astimezone(self.settings.tz).date()  # the company's date: overdue?
        return {
            "blocks": order_card(order, self.settings.currency, self.settings.tz, today=today),
            "text": card_text(order),
        }

    # ------------------------------------------------------------------ finding our own posts
    def _own_channel(self, name: str) -> dict | None:
        """The channel called name, if this bot created it (a create whose answer was lost)."""
        cursor = None
        while True:
            resp = self._call(
                ("conversations.list",),
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=False,
                limit=1000,
                cursor=cursor,
            )
            for ch in resp.get("channels", []):
                if ch.get("name") == name:
                    return ch if ch.get("creator") == self.bot_user_id() else None
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _posted(self, channel: str, match: Callable[[dict], bool]) -> dict | None:
        """A recent message of ours in channel that match accepts (after a lost answer)."""
        resp = self._call(
            ("conversations.history",),
            self.client.conversations_history,
            channel=channel,
            limit=HISTORY_LOOKBACK,
            include_all_metadata=True,
        )
        for msg in resp.get("messages", []):
            if msg.get("bot_id") or msg.get("user") == self.bot_user_id():
                if match(msg):
                    return msg
        return None

    def _post(self, effect: EffectView, channel: str, **message) -> str:  # type: ignore[no-untyped-def]
        """Post once: the message carries the effect's key, and a retry first looks for it."""
        if effect.attempts > 0:
            found = self._posted(channel, lambda m: _meta(m).get("key") == effect.key)
            if found is not None:
                return str(found["ts"])
        meta = {"event_type": POST_EVENT, "event_payload": {"key": effect.key}}
        resp = self._call(
            ("chat.postMessage",), self.client.chat_postMessage, channel=channel, metadata=meta, **message
        )
        return str(resp["ts"])

    # ------------------------------------------------------------------ performers
    def _create_channel(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        if order.channel_id:
            return  # done before (a retry after the answer was stored)
        name, private = effect.payload["name"], bool(effect.payload.get("private", True))
        for n in range(1, 100):
            candidate = name if n == 1 else f"{name[: 80 - len(str(n)) - 1]}-{n}"
            try:
                resp = self._call(
                    ("conversations.create",),
                    self.client.conversations_create,
                    name=candidate,
                    is_private=private,
                )
            except SlackApiError as e:
                if e.response.get("error") != "name_taken":
                    raise
                mine = self._own_channel(candidate)  # created by an attempt whose answer was lost?
                if mine is None:
                    continue  # somebody else's: take the next suffix
                channel = mine
            else:
                channel = resp["channel"]
            self.wf.record_channel(order.id, channel["id"], channel["name"])
            return
        raise Retry("no free channel name", 60.0)

    def _invite(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        users = [u for u in effect.payload.get("users", []) if u != self.bot_user_id()]
        for i in range(0, len(users), 100):
            chunk = users[i : i + 100]
            try:
                self._call(
                    ("conversations.invite",),
                    self.client.conversations_invite,
                    channel=channel,
                    users=",".join(chunk),
                )
                continue
            except SlackApiError as e:
                if e.response.get("error") not in ALREADY | USER_ERRORS:
                    raise
            for user in chunk:  # one at a time: skip who is in already, or cannot be invited
                try:
                    self._call(
                        ("conversations.invite",),
                        self.client.conversations_invite,
                        channel=channel,
                        users=user,
                    )
                except SlackApiError as e:
                    error = e.response.get("error")
                    if error in USER_ERRORS:
                        log.warning("cannot invite %s to %s: %s", user, channel, error)
                        self._call(
                            ("chat.postMessage",),
                            self.client.chat_postMessage,
                            channel=channel,
                            text=messages.cannot_invite(user, str(error)),
                        )
                    elif error not in ALREADY:
                        raise

    def _post_card(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        assert order is not None
        if order.card_ts:
            return
        found = None
        if effect.attempts > 0:
            found = self._posted(
                channel,
                lambda m: (
                    _meta(m).get("order") == order.number
                    and (m.get("metadata") or {}).get("event_type") == CARD_EVENT
                ),
            )
        if found is not None:
            ts = str(found["ts"])
        else:
            meta = {"event_type": CARD_EVENT, "event_payload": {"order": order.number}}
            resp = self._call(
                ("chat.postMessage",),
                self.client.chat_postMessage,
                channel=channel,
                metadata=meta,
                **self._card(order),
            )
            ts = str(resp["ts"])
        self.wf.record_card(order.id, ts)

    def _pin_card(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        assert order is not None
        if not order.card_ts:
            raise Retry("card not posted yet", 1.0, attempted=False)
        self._call(("pins.add",), self.client.pins_add, channel=channel, timestamp=order.card_ts)

    def _update_card(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        if not order.card_ts:
            return  # the card is not posted yet: it will be posted showing the latest state
        self._call(
            ("chat.update",),
            self.client.chat_update,
            channel=self._channel(order),
            ts=order.card_ts,
            **self._card(order),
        )
        # The card now shows the order at the version read: the updates queued up to it need not
        # run; one queued for a change made since (after the read) still does.
        self.wf.supersede_card_updates(order.id, effect.id, order.version)

    def _announce(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        text = messages.announcement(order, effect.payload, self.settings.currency)
        self._post(effect, self._channel(order), text=text)

    def _dm(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        self._channel(order)  # the DM links to the channel: wait until it exists
        blocks: list[dict] | None = None
        if effect.payload.get("event") == fx.CLIENT_UNKNOWN:
            text, blocks = messages.client_unknown(order, effect.payload)
        else:
            text = messages.approval_request(order, self.settings.currency)
        # A DM whose answer was lost may be sent twice: reading DMs back would need im:history.
        try:
            self._call(
                ("chat.postMessage",),
                self.client.chat_postMessage,
                channel=effect.payload["user"],
                text=text,
                **({"blocks": blocks} if blocks else {}),
            )
        except SlackApiError as e:
            if e.response.get("error") not in USER_ERRORS | {"cannot_dm_bot", "channel_not_found"}:
                raise
            # Someone who left cannot be told; the order must not wait for them.
            log.warning("cannot DM %s: %s", effect.payload["user"], e.response.get("error"))

    def _upload_pdf(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        assert order is not None
        number = int(effect.payload["revision"])
        rev = self.wf.revision(order.id, number)
        if rev.pdf_file_id:
            return
        data = render(order_document(rev, self.settings, self.name_of))
        filename = f"{order.number}-r{number}.pdf"
        if effect.attempts > 0:  # an upload whose answer was lost may be in the channel already
            found = self._posted(
                channel, lambda m: any(f.get("name") == filename for f in m.get("files") or [])
            )
            if found is not None:
                file = next(f for f in found["files"] if f.get("name") == filename)
                self.wf.record_pdf(order.id, number, str(file["id"]), hashlib.sha256(data).hexdigest())
                return
        title = f"{order.number} · revision {number}"
        comment = f":page_facing_up: *{order.number}* revision {number}"
        if rev.changes:
            comment += f" — {len(rev.changes)} change{'s' if len(rev.changes) != 1 else ''}"
        resp = self._call(
            ("files.getUploadURLExternal", "files.completeUploadExternal"),
            self.client.files_upload_v2,
            channel=channel,
            content=data,
            filename=filename,
            title=title,
            initial_comment=comment,
        )
        file_id = str(resp["file"]["id"]) if resp.get("file") else str(resp["files"][0]["id"])
        self.wf.record_pdf(order.id, number, file_id, hashlib.sha256(data).hexdigest())

    def _customer_copy(self, effect: EffectView, order: OrderView | None) -> None:
        """A revision's PDF without prices, for the client, in the order's channel (asked for with
        the card's Customer copy button or `/so copy`): rendered from what the order stored, so a
        copy asked for later shows the revision as it was."""
        channel = self._channel(order)
        assert order is not None
        number = int(effect.payload["revision"])
        rev = self.wf.revision(order.id, number)
        data = render(order_document(rev, self.settings, self.name_of, customer_copy=True))
        filename = f"{order.number}-r{number}-customer.pdf"
        if effect.attempts > 0:  # an upload whose answer was lost may be in the channel already
            found = self._posted(
                channel, lambda m: any(f.get("name") == filename for f in m.get("files") or [])
            )
            if found is not None:
                return
        self._call(
            ("files.getUploadURLExternal", "files.completeUploadExternal"),
            self.client.files_upload_v2,
            channel=channel,
            content=data,
            filename=filename,
            title=f"{order.number} · revision {number} · customer copy",
            initial_comment=f":page_facing_up: *{order.number}* revision {number}: customer copy, "
            "without prices, to hand to the client",
        )

    def _react(self, effect: EffectView, order: OrderView | None) -> None:
        p = effect.payload
        self._call(
            ("reactions.add",),
            self.client.reactions_add,
            channel=p["channel"],
            timestamp=p["ts"],
            name=p["name"],
        )

    def _reply(self, effect: EffectView, order: OrderView | None) -> None:
        """The answer to a command carried out after its ack: in the form, or to the clicker."""
        p = effect.payload
        to = p.get("to") or {}
        refusal = Refused.from_dict(p["refusal"]) if p.get("refusal") else None
        text = messages.refusal(refusal, self.settings.tz) if refusal else ""
        if not refusal and p.get("command") == inbox.SUBMIT and p.get("order") is not None:
            text = messages.submitted(self.wf.order(int(p["order"])))
        if not text:
            return
        if to.get("external_id"):
            title = "Not submitted" if refusal else "Order submitted"
            try:
                self._call(
                    ("views.update",),
                    self.client.views_update,
                    external_id=to["external_id"],
                    view=replies.notice_view(title, text),
                )
            except SlackApiError as e:
                if e.response.get("error") != "not_found":
                    raise
                # Not yet known to Slack (the ack that names it may still be on its way), or closed
                # by the person: look again a few times, then let it be.
                if effect.attempts < 5:
                    raise Retry("not_found", 0.1 * 2**effect.attempts) from None
            return
        replies.tell(
            self.client,
            to.get("response_url"),
            to.get("channel"),
            to.get("user"),
            text,
            hooks=self.settings.slack_hooks_url,
        )

    def _approval_reminder(self, effect: EffectView, order: OrderView | None) -> None:
        """Remind a supervisor (or, escalated, an admin) of an order still waiting for approval."""
        assert order is not None
        if order.status is not Status.PENDING_APPROVAL:
            return  # decided between the job and now: nothing to remind of
        self._channel(order)  # the DM links to the channel: wait until it exists
        p = effect.payload
        text = messages.approval_reminder(order, int(p.get("level", 1)), float(p.get("hours", 0)))
        self._dm_text(str(p["user"]), text)

    def _planned_reminder(self, effect: EffectView, order: OrderView | None) -> None:
        """The day before: a reminder in the channel, mentioning the field workers."""
        assert order is not None
        planned = effect.payload.get("planned_date")
        if order.status is not Status.IN_PROGRESS or (
            order.planned_date is None or order.planned_date.isoformat() != planned
        ):
            return  # closed, or planned for another day since: this reminder is moot
        self._post(effect, self._channel(order), text=messages.planned_reminder(order))

    def _set_topic(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        if order.status != effect.payload.get("status"):
            return  # the status moved on: a later topic effect sets it
        try:
            self._call(
                ("conversations.setTopic",),
                self.client.conversations_setTopic,
                channel=self._channel(order),
                topic=messages.channel_topic(order),
            )
        except SlackApiError as e:
            if e.response.get("error") not in ("is_archived", "channel_not_found"):
                raise
            log.warning("cannot set the topic of %s: %s", order.number, e.response.get("error"))

    def _archive(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        if not order.ended or not order.channel_id:
            return  # reopened, or it never had a channel
        try:
            self._call(
                ("conversations.archive",), self.client.conversations_archive, channel=order.channel_id
            )
        except SlackApiError as e:
            if e.response.get("error") != "channel_not_found":  # deleted, or the bot was removed
                raise
            log.warning("cannot archive the channel of %s: channel_not_found", order.number)

    def _digest(self, effect: EffectView, order: OrderView | None) -> None:
        """A coordinator's daily digest, in a DM."""
        self._dm_text(str(effect.payload["user"]), messages.digest(effect.payload))

    def _dm_text(self, user: str, text: str) -> None:
        # A DM whose answer was lost may be sent twice: reading DMs back would need im:history.
        try:
            self._call(("chat.postMessage",), self.client.chat_postMessage, channel=user, text=text)
        except SlackApiError as e:
            if e.response.get("error") not in USER_ERRORS | {"cannot_dm_bot", "channel_not_found"}:
                raise
            log.warning("cannot DM %s: %s", user, e.response.get("error"))  # they left: nobody to tell

    def _alert(self, effect: EffectView, order: OrderView | None) -> None:
        """Tell an admin (DM) or the order's channel that an effect failed and how to retry it."""
        p = effect.payload
        self._call(
            ("chat.postMessage",),
            self.client.chat_postMessage,
            channel=p["to"],
            text=messages.effect_failed(p),
        )


def _meta(message: dict) -> dict:
    return (message.get("metadata") or {}).get("event_payload") or {}
