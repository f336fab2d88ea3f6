"""The effects dispatcher: performs queued Slack side effects after the ack, in order per order."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import messages
from bot.cards import card_text, order_card
from bot.config import Settings
from bot.documents import order_document
from pdf import render
from workflow import effects as fx
from workflow.service import Workflow
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger(__name__)

# Errors that a retry cannot mend: the effect is marked failed and waits for an admin.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "cant_update_message",
        "message_not_found",
        "user_not_found",
        "cannot_create_channel",
        "invalid_name_specials",
        "invalid_name",
        "invalid_arguments",
        "file_not_found",
        "not_allowed_token_type",
    }
)
# Answers that mean the effect is already there: done.
ALREADY = frozenset({"already_in_channel", "already_pinned", "already_reacted"})


class Retry(Exception):
    def __init__(self, error: str, delay: float) -> None:
        super().__init__(error)
        self.error, self.delay = error, delay


class Dispatcher:
    """One thread that performs pending effects; woken after each commit, and every few seconds."""

    def __init__(
        self, workflow: Workflow, client: WebClient, settings: Settings, poll_seconds: float = 2.0
    ) -> None:
        self.wf = workflow
        self.client = client
        self.settings = settings
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._names: dict[str, str] = {}
        self._bot_user: str | None = None
        self.performers: dict[str, Callable[[EffectView, OrderView | None], None]] = {
            fx.CREATE_CHANNEL: self._create_channel,
            fx.INVITE: self._invite,
            fx.POST_CARD: self._post_card,
            fx.PIN_CARD: self._pin_card,
            fx.UPDATE_CARD: self._update_card,
            fx.ANNOUNCE: self._announce,
            fx.DM: self._dm,
            fx.UPLOAD_PDF: self._upload_pdf,
            fx.REACT: self._react,
        }

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="effects", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once nothing is pending that is due (for the demo and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.wake()
            if self._idle.wait(0.05) and not self.wf.pending_effects():
                return True
        return False

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:  # the loop must survive a broken database connection
                log.exception("effects loop failed; retrying")
                done = 0
            if done == 0:
                self._idle.set()
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_once(self) -> int:
        """Perform every effect that is due now (one per order per pass); the number performed."""
        count = 0
        for effect in self.wf.pending_effects():
            if self._stop.is_set():
                break
            self.perform(effect)
            count += 1
        return count

    def perform(self, effect: EffectView) -> None:
        order = self.wf.order(effect.order_id) if effect.order_id is not None else None
        try:
            self.performers[effect.kind](effect, order)
        except Retry as r:
            log.warning(
                "effect %s (%s) will be retried in %.1fs: %s", effect.id, effect.key, r.delay, r.error
            )
            self.wf.effect_retry_later(effect.id, r.error, r.delay)
            return
        except SlackApiError as e:
            error = str(e.response.get("error", "unknown_error"))
            if error in ALREADY:
                self.wf.effect_done(effect.id)
                return
            if e.response.status_code == 429 or error == "ratelimited":
                delay = float(e.response.headers.get("Retry-After", e.response.headers.get("retry-after", 1)))
                self.wf.effect_retry_later(effect.id, error, delay)
                return
            if (
                error in PERMANENT
                or e.response.status_code < 500
                and error not in ("internal_error", "fatal_error")
            ):
                log.error("effect %s (%s) failed: %s", effect.id, effect.key, error)
                self.wf.effect_failed(effect.id, error)
                return
            self.wf.effect_retry_later(effect.id, error, self._backoff(effect))
            return
        except (SlackClientError, OSError) as e:  # timeouts, connection errors, upload POST failures
            self.wf.effect_retry_later(effect.id, type(e).__name__, self._backoff(effect))
            return
        self.wf.effect_done(effect.id)

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
        return {
            "blocks": order_card(order, self.settings.currency, self.settings.tz),
            "text": card_text(order),
        }

    # ------------------------------------------------------------------ performers
    def _create_channel(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        if order.channel_id:
            return  # done before (a retry after the answer was stored)
        name, private = effect.payload["name"], bool(effect.payload.get("private", True))
        for n in range(1, 100):
            candidate = name if n == 1 else f"{name[: 80 - len(str(n)) - 1]}-{n}"
            try:
                resp = self.client.conversations_create(name=candidate, is_private=private)
            except SlackApiError as e:
                if e.response.get("error") == "name_taken":
                    continue
                raise
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
                self.client.conversations_invite(channel=channel, users=",".join(chunk))
            except SlackApiError as e:
                if e.response.get("error") != "already_in_channel" or len(chunk) == 1:
                    raise
                for user in chunk:  # some were in already: invite the others one by one
                    try:
                        self.client.conversations_invite(channel=channel, users=user)
                    except SlackApiError as e2:
                        if e2.response.get("error") != "already_in_channel":
                            raise

    def _post_card(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        assert order is not None
        if order.card_ts:
            return
        resp = self.client.chat_postMessage(channel=channel, **self._card(order))
        self.wf.record_card(order.id, str(resp["ts"]))

    def _pin_card(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        assert order is not None
        if not order.card_ts:
            raise Retry("card not posted yet", 1.0)
        self.client.pins_add(channel=channel, timestamp=order.card_ts)

    def _update_card(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        if not order.card_ts:
            return  # the card is not posted yet: it will be posted showing the latest state
        self.wf.supersede_card_updates(order.id, effect.id)
        self.client.chat_update(channel=self._channel(order), ts=order.card_ts, **self._card(order))

    def _announce(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        text = messages.announcement(order, effect.payload, self.settings.currency)
        self.client.chat_postMessage(channel=self._channel(order), text=text)

    def _dm(self, effect: EffectView, order: OrderView | None) -> None:
        assert order is not None
        self._channel(order)  # the DM links to the channel: wait until it exists
        text = messages.approval_request(order, self.settings.currency)
        self.client.chat_postMessage(channel=effect.payload["user"], text=text)

    def _upload_pdf(self, effect: EffectView, order: OrderView | None) -> None:
        channel = self._channel(order)
        assert order is not None
        number = int(effect.payload["revision"])
        rev = self.wf.revision(order.id, number)
        if rev.pdf_file_id:
            return
        data = render(order_document(rev, self.settings, self.name_of))
        filename = f"{order.number}-r{number}.pdf"
        title = f"{order.number} · revision {number}"
        comment = f":page_facing_up: *{order.number}* revision {number}"
        if rev.changes:
            comment += f" — {len(rev.changes)} change{'s' if len(rev.changes) != 1 else ''}"
        resp = self.client.files_upload_v2(
            channel=channel, content=data, filename=filename, title=title, initial_comment=comment
        )
        file_id = str(resp["file"]["id"]) if resp.get("file") else str(resp["files"][0]["id"])
        self.wf.record_pdf(order.id, number, file_id, hashlib.sha256(data).hexdigest())

    def _react(self, effect: EffectView, order: OrderView | None) -> None:
        p = effect.payload
        self.client.reactions_add(channel=p["channel"], timestamp=p["ts"], name=p["name"])
