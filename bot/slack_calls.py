"""What every effect performer needs to talk to Slack: the workflow, the client and the settings,
the one way to call Slack (`SlackCalls.call`, which honours every process's Retry-After windows),
and the lookups that find what an earlier attempt made when Slack's answer was lost.

A performer (bot.performers) raises Retry, a SlackApiError or a client error, or returns when done;
the dispatcher (bot.effects) decides what each of those means for the effect.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cards import card_text, order_card
from bot.config import Settings
from bot.web.links import links_of
from workflow.service import Workflow
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger("bot.effects")  # one logger for the dispatcher and what it performs

# Answers that mean the effect is already there: done.
ALREADY = frozenset({"already_in_channel", "already_pinned", "already_reacted", "already_archived"})
CARD_EVENT = "service_order_card"  # message metadata marking the order card
POST_EVENT = "service_order_post"  # message metadata carrying an effect's idempotency key
HISTORY_LOOKBACK = 100  # messages searched for our own post after an answer was lost


class Retry(Exception):
    """Try the effect again after delay seconds (attempted=False: Slack was not called)."""

    def __init__(self, error: str, delay: float, attempted: bool = True) -> None:
        super().__init__(error)
        self.error, self.delay, self.attempted = error, delay, attempted


class Failed(Exception):
    """The effect cannot succeed as it is (a 4xx from a receiver): failed at once, the admins told."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def event_payload(message: dict) -> dict:
    """The payload of a message's metadata (what the bot marked its own posts with)."""
    return (message.get("metadata") or {}).get("event_payload") or {}


class SlackCalls:
    """One process's way to Slack for the effects: the calls, its memory of Retry-After windows,
    of people's names and of the bot's own user id."""

    def __init__(self, workflow: Workflow, client: WebClient, settings: Settings) -> None:
        self.wf = workflow
        self.client = client
        self.settings = settings
        self._names: dict[str, str] = {}
        self._cooldown: dict[str, float] = {}  # method -> monotonic time its Retry-After ends
        self._bot_user: str | None = None

    # ------------------------------------------------------------------ calling Slack
    def cool_down(self, e: SlackApiError) -> float:
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
            self.wf.outbox.note_rate_limit(method, self.wf.clock() + timedelta(seconds=delay))
        except Exception:
            log.warning("could not share the Retry-After window of %s with other processes", method)
        log.warning("Slack rate-limited %s: waiting %.1fs before calling it again", method, delay)
        return delay

    def call(self, methods: tuple[str, ...], fn: Callable, **kwargs):  # type: ignore[no-untyped-def]
        """Call Slack unless one of methods is inside a Retry-After window (then postpone, uncalled)."""
        now = time.monotonic()
        wait = max((self._cooldown.get(m, 0.0) - now for m in methods), default=0.0)
        if wait <= 0:  # another process may have been told to wait
            shared = self.wf.outbox.rate_limited_until(methods)
            if shared is not None:
                wait = (shared - self.wf.clock()).total_seconds()
        if wait > 0:
            raise Retry(f"{methods[0]} inside Retry-After", wait, attempted=False)
        return fn(**kwargs)

    # ------------------------------------------------------------------ helpers
    def bot_user_id(self) -> str:
        if self._bot_user is None:
            self._bot_user = str(self.client.auth_test()["user_id"])
        return self._bot_user

    def name_of(self, user_id: str) -> str:
        """A person's display name for the PDF (their Slack id when Slack cannot tell)."""
        if user_id not in self._names:
            try:
                self._names[user_id] = display_name(self.client.users_info(user=user_id)["user"]) or user_id
            except SlackApiError:
                return user_id
        return self._names[user_id]

    def channel(self, order: OrderView | None) -> str:
        """The order's channel; Retry while it is being created."""
        if order is None or not order.channel_id:
            raise Retry("channel not created yet", 1.0)
        return order.channel_id

    def card(self, order: OrderView) -> dict:
        """The order card's message (blocks and text), as of the company's date: overdue?"""
        today = self.wf.clock().astimezone(self.settings.tz).date()
        return {
            "blocks": order_card(
                order,
                self.settings.currency,
                self.settings.tz,
                today=today,
                vat_rate=self.settings.vat_rate,
                vat_exemption=self.settings.vat_exemption,
                email=self.settings.smtp is not None,
                links=links_of(self.settings).enabled,
            ),
            "text": card_text(order),
        }

    # ------------------------------------------------------------------ finding our own posts
    def own_channel(self, name: str) -> dict | None:
        """The channel called name, if this bot created it (a create whose answer was lost)."""
        cursor = None
        while True:
            resp = self.call(
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

    def posted(self, channel: str, match: Callable[[dict], bool]) -> dict | None:
        """A recent message of ours in channel that match accepts (after a lost answer)."""
        resp = self.call(
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

    def post(self, effect: EffectView, channel: str, **message) -> str:  # type: ignore[no-untyped-def]
        """Post once: the message carries the effect's key, and a retry first looks for it."""
        if effect.attempts > 0:
            found = self.posted(channel, lambda m: event_payload(m).get("key") == effect.key)
            if found is not None:
                return str(found["ts"])
        meta = {"event_type": POST_EVENT, "event_payload": {"key": effect.key}}
        resp = self.call(
            ("chat.postMessage",), self.client.chat_postMessage, channel=channel, metadata=meta, **message
        )
        return str(resp["ts"])


def display_name(user: dict) -> str:
    """The name a person goes by, from Slack's user object ("" when it has none)."""
    profile = user.get("profile") or {}
    return str(
        profile.get("real_name")
        or user.get("real_name")
        or profile.get("display_name")
        or user.get("name")
        or ""
    )
