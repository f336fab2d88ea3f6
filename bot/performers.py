"""What each queued Slack side effect does: one function per effect kind, all found through one
table, PERFORMERS.

The dispatcher (bot.effects) decides when an effect runs, in which lane, and what an error means
for it; a performer makes the Slack calls: it takes the SlackCalls (bot.slack_calls), the effect
and its order (None for an effect of no order), and raises Retry, a SlackApiError or a client
error, or returns when done. Every call goes through SlackCalls.call, which honours every
process's Retry-After windows.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot import inbox, messages, replies
from bot.documents import order_document
from bot.emails import email
from bot.erp import send_invoice
from bot.exports import send_export
from bot.home import publish_home
from bot.invoices import send_invoice_files
from bot.membership import deleted, kick
from bot.photos import fetch_photo
from bot.slack_calls import ALREADY, CARD_EVENT, Retry, SlackCalls, event_payload
from pdf import render
from workflow import effects as fx
from workflow.rules import Status
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger("bot.effects")  # one logger for the dispatcher and what it performs

Performer = Callable[[SlackCalls, EffectView, OrderView | None], None]

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


def create_channel(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    assert order is not None
    if order.channel_id:
        return  # done before (a retry after the answer was stored)
    name, private = effect.payload["name"], bool(effect.payload.get("private", True))
    for n in range(1, 100):
        candidate = name if n == 1 else f"{name[: 80 - len(str(n)) - 1]}-{n}"
        try:
            resp = slack.call(
                ("conversations.create",),
                slack.client.conversations_create,
                name=candidate,
                is_private=private,
            )
        except SlackApiError as e:
            if e.response.get("error") != "name_taken":
                raise
            mine = slack.own_channel(candidate)  # created by an attempt whose answer was lost?
            if mine is None:
                continue  # somebody else's: take the next suffix
            channel = mine
        else:
            channel = resp["channel"]
        slack.wf.record_channel(order.id, channel["id"], channel["name"])
        return
    raise Retry("no free channel name", 60.0)


def invite(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    channel = slack.channel(order)
    users = [u for u in effect.payload.get("users", []) if u != slack.bot_user_id()]
    for i in range(0, len(users), 100):
        chunk = users[i : i + 100]
        try:
            slack.call(
                ("conversations.invite",),
                slack.client.conversations_invite,
                channel=channel,
                users=",".join(chunk),
            )
            continue
        except SlackApiError as e:
            if e.response.get("error") not in ALREADY | USER_ERRORS:
                raise
        for user in chunk:  # one at a time: skip who is in already, or cannot be invited
            try:
                slack.call(
                    ("conversations.invite",),
                    slack.client.conversations_invite,
                    channel=channel,
                    users=user,
                )
            except SlackApiError as e:
                error = e.response.get("error")
                if error in USER_ERRORS:
                    log.warning("cannot invite %s to %s: %s", user, channel, error)
                    slack.call(
                        ("chat.postMessage",),
                        slack.client.chat_postMessage,
                        channel=channel,
                        text=messages.cannot_invite(user, str(error)),
                    )
                elif error not in ALREADY:
                    raise


def post_card(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    channel = slack.channel(order)
    assert order is not None
    if order.card_ts:
        return
    found = None
    if effect.attempts > 0:
        found = slack.posted(
            channel,
            lambda m: (
                event_payload(m).get("order") == order.number
                and (m.get("metadata") or {}).get("event_type") == CARD_EVENT
            ),
        )
    if found is not None:
        ts = str(found["ts"])
    else:
        meta = {"event_type": CARD_EVENT, "event_payload": {"order": order.number}}
        resp = slack.call(
            ("chat.postMessage",),
            slack.client.chat_postMessage,
            channel=channel,
            metadata=meta,
            **slack.card(order),
        )
        ts = str(resp["ts"])
    slack.wf.record_card(order.id, ts)


def pin_card(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    channel = slack.channel(order)
    assert order is not None
    if not order.card_ts:
        raise Retry("card not posted yet", 1.0, attempted=False)
    slack.call(("pins.add",), slack.client.pins_add, channel=channel, timestamp=order.card_ts)


def update_card(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    assert order is not None
    if not order.card_ts:
        return  # the card is not posted yet: it will be posted showing the latest state
    slack.call(
        ("chat.update",),
        slack.client.chat_update,
        channel=slack.channel(order),
        ts=order.card_ts,
        **slack.card(order),
    )
    # The card now shows the order at the version read: the updates queued up to it need not
    # run; one queued for a change made since (after the read) still does.
    slack.wf.outbox.supersede_card_updates(order.id, effect.id, order.version)


def announce(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    assert order is not None
    text = messages.announcement(order, effect.payload, slack.settings.currency)
    slack.post(effect, slack.channel(order), text=text)


def dm(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    assert order is not None
    slack.channel(order)  # the DM links to the channel: wait until it exists
    blocks: list[dict] | None = None
    if effect.payload.get("event") == fx.CLIENT_UNKNOWN:
        text, blocks = messages.client_unknown(order, effect.payload)
    else:
        text = messages.approval_request(order, slack.settings.currency)
    # A DM whose answer was lost may be sent twice: reading DMs back would need im:history.
    try:
        slack.call(
            ("chat.postMessage",),
            slack.client.chat_postMessage,
            channel=effect.payload["user"],
            text=text,
            **({"blocks": blocks} if blocks else {}),
        )
    except SlackApiError as e:
        if e.response.get("error") not in USER_ERRORS | {"cannot_dm_bot", "channel_not_found"}:
            raise
        # Someone who left cannot be told; the order must not wait for them.
        log.warning("cannot DM %s: %s", effect.payload["user"], e.response.get("error"))


def upload_pdf(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    channel = slack.channel(order)
    assert order is not None
    number = int(effect.payload["revision"])
    rev = slack.wf.revision(order.id, number)
    if rev.pdf_file_id:
        return
    data = render(order_document(rev, slack.settings, slack.name_of))
    filename = f"{order.number}-r{number}.pdf"
    if effect.attempts > 0:  # an upload whose answer was lost may be in the channel already
        found = slack.posted(channel, lambda m: any(f.get("name") == filename for f in m.get("files") or []))
        if found is not None:
            file = next(f for f in found["files"] if f.get("name") == filename)
            slack.wf.record_pdf(order.id, number, str(file["id"]), hashlib.sha256(data).hexdigest())
            return
    title = f"{order.number} · revision {number}"
    comment = f":page_facing_up: *{order.number}* revision {number}"
    if rev.changes:
        comment += f" — {len(rev.changes)} change{'s' if len(rev.changes) != 1 else ''}"
    resp = slack.call(
        ("files.getUploadURLExternal", "files.completeUploadExternal"),
        slack.client.files_upload_v2,
        channel=channel,
        content=data,
        filename=filename,
        title=title,
        initial_comment=comment,
    )
    file_id = str(resp["file"]["id"]) if resp.get("file") else str(resp["files"][0]["id"])
    slack.wf.record_pdf(order.id, number, file_id, hashlib.sha256(data).hexdigest())


def customer_copy(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """A revision's PDF without prices, for the client, in the order's channel (asked for with
    the card's Customer copy button or `/so copy`): rendered from what the order stored, so a
    copy asked for later shows the revision as it was."""
    channel = slack.channel(order)
    assert order is not None
    number = int(effect.payload["revision"])
    rev = slack.wf.revision(order.id, number)
    data = render(order_document(rev, slack.settings, slack.name_of, customer_copy=True))
    filename = f"{order.number}-r{number}-customer.pdf"
    if effect.attempts > 0:  # an upload whose answer was lost may be in the channel already
        found = slack.posted(channel, lambda m: any(f.get("name") == filename for f in m.get("files") or []))
        if found is not None:
            return
    slack.call(
        ("files.getUploadURLExternal", "files.completeUploadExternal"),
        slack.client.files_upload_v2,
        channel=channel,
        content=data,
        filename=filename,
        title=f"{order.number} · revision {number} · customer copy",
        initial_comment=f":page_facing_up: *{order.number}* revision {number}: customer copy, "
        "without prices, to hand to the client",
    )


def react(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    p = effect.payload
    slack.call(
        ("reactions.add",),
        slack.client.reactions_add,
        channel=p["channel"],
        timestamp=p["ts"],
        name=p["name"],
    )


def reply(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """The answer to a command carried out after its ack: in the form, or to the clicker."""
    p = effect.payload
    to = p.get("to") or {}
    title, text = inbox.answer(slack.wf, slack.settings.tz, p)
    if not text:
        return
    if to.get("external_id"):
        try:
            slack.call(
                ("views.update",),
                slack.client.views_update,
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
        slack.client,
        to.get("response_url"),
        to.get("channel"),
        to.get("user"),
        text,
        hooks=slack.settings.slack_hooks_url,
    )


def approval_reminder(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """Remind a supervisor (or, escalated, an admin) of an order still waiting for approval."""
    assert order is not None
    if order.status is not Status.PENDING_APPROVAL:
        return  # decided between the job and now: nothing to remind of
    slack.channel(order)  # the DM links to the channel: wait until it exists
    p = effect.payload
    text = messages.approval_reminder(order, int(p.get("level", 1)), float(p.get("hours", 0)))
    _dm_text(slack, str(p["user"]), text)


def planned_reminder(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """The day before: a reminder in the channel, mentioning the field workers."""
    assert order is not None
    planned = effect.payload.get("planned_date")
    if order.status is not Status.IN_PROGRESS or (
        order.planned_date is None or order.planned_date.isoformat() != planned
    ):
        return  # closed, or planned for another day since: this reminder is moot
    slack.post(effect, slack.channel(order), text=messages.planned_reminder(order))


def set_topic(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    assert order is not None
    if order.status != effect.payload.get("status"):
        return  # the status moved on: a later topic effect sets it
    try:
        slack.call(
            ("conversations.setTopic",),
            slack.client.conversations_setTopic,
            channel=slack.channel(order),
            topic=messages.channel_topic(order),
        )
    except SlackApiError as e:
        if e.response.get("error") not in ("is_archived", "channel_not_found"):
            raise
        log.warning("cannot set the topic of %s: %s", order.number, e.response.get("error"))


def archive(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    assert order is not None
    if not order.ended or not order.channel_id:
        return  # reopened, or it never had a channel
    try:
        slack.call(("conversations.archive",), slack.client.conversations_archive, channel=order.channel_id)
    except SlackApiError as e:
        if e.response.get("error") != "channel_not_found":  # deleted, or the bot was removed
            raise
        log.warning("cannot archive the channel of %s: channel_not_found", order.number)


def digest(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """A coordinator's daily digest, in a DM."""
    _dm_text(slack, str(effect.payload["user"]), messages.digest(effect.payload))


def _dm_text(slack: SlackCalls, user: str, text: str) -> None:
    # A DM whose answer was lost may be sent twice: reading DMs back would need im:history.
    try:
        slack.call(("chat.postMessage",), slack.client.chat_postMessage, channel=user, text=text)
    except SlackApiError as e:
        if e.response.get("error") not in USER_ERRORS | {"cannot_dm_bot", "channel_not_found"}:
            raise
        log.warning("cannot DM %s: %s", user, e.response.get("error"))  # they left: nobody to tell


def alert(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """Tell an admin (DM) or the order's channel that an effect failed and how to retry it."""
    p = effect.payload
    slack.call(
        ("chat.postMessage",),
        slack.client.chat_postMessage,
        channel=p["to"],
        text=messages.effect_failed(p),
    )


# Every effect kind (workflow.effects) and the function that performs it.
PERFORMERS: dict[str, Performer] = {
    fx.CREATE_CHANNEL: create_channel,
    fx.INVITE: invite,
    fx.POST_CARD: post_card,
    fx.PIN_CARD: pin_card,
    fx.UPDATE_CARD: update_card,
    fx.ANNOUNCE: announce,
    fx.DM: dm,
    fx.UPLOAD_PDF: upload_pdf,
    fx.CUSTOMER_COPY: customer_copy,
    fx.REACT: react,
    fx.ALERT: alert,
    fx.EXPORT_CSV: send_export,
    fx.PUBLISH_HOME: publish_home,
    fx.REPLY: reply,
    fx.APPROVAL_REMINDER: approval_reminder,
    fx.PLANNED_REMINDER: planned_reminder,
    fx.SET_TOPIC: set_topic,
    fx.ARCHIVE: archive,
    fx.DIGEST: digest,
    fx.KICK: kick,
    fx.DELETED: deleted,
    fx.SEND_INVOICE: send_invoice,
    fx.INVOICE_FILES: send_invoice_files,
    fx.EMAIL: email,
    fx.FETCH_PHOTO: fetch_photo,
}
