"""What each queued Slack side effect does, and how the bot finds what an earlier attempt did.

The dispatcher (bot.effects) decides when an effect runs, in which lane, and what an error means
for it; the methods here make the Slack calls: each performer takes the effect and its order (None
for an effect of no order) and raises Retry, a SlackApiError or a client error, or returns when
done. Calls go through _call, which honours every process's Retry-After windows.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import inbox, messages, replies
from bot.cards import card_text, order_card
from bot.config import Settings
from bot.documents import order_document
from pdf import render
from workflow import effects as fx
from workflow.rules import Status
from workflow.service import Workflow
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger("bot.effects")  # one logger for the dispatcher and what it performs


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


class Retry(Exception):
    """Try the effect again after delay seconds (attempted=False: Slack was not called)."""

    def __init__(self, error: str, delay: float, attempted: bool = True) -> None:
        super().__init__(error)
        self.error, self.delay, self.attempted = error, delay, attempted


class SlackPerformers:
    """The Slack side of the dispatcher (bot.effects.Dispatcher is one): the calls, and the
    performers it maps each effect kind to."""

    wf: Workflow
    client: WebClient
    settings: Settings
    _names: dict[str, str]
    _cooldown: dict[str, float]  # method -> monotonic time its Retry-After ends
    _bot_user: str | None


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
        title, text = inbox.answer(self.wf, self.settings.tz, p)
        if not text:
            return
        if to.get("external_id"):
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
