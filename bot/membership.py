"""Who sits in an order's channel: the KICK performer (a role taken away takes its seats away), and
the channel of a deleted order (DELETED: its card says so, then it is archived)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import messages
from bot.slack_calls import SlackCalls
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger(__name__)

# Nothing to remove (gone already, or the channel or person is gone), or nothing Slack lets a bot do
# there (an archived channel: see the README): the order's later effects must not wait on it.
GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived", "user_not_found", "cant_kick_self"})


def kick(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """conversations.kick the payload's user from the order's channel, unless they take part in the
    order again by now (its requester, a field worker or a supervisor of it: kept)."""
    assert order is not None
    channel = slack.channel(order)  # Retry while the channel is being created
    user = str(effect.payload.get("user") or "")
    if not user or user in (order.requester_id, *order.field_workers, *order.supervisors):
        return
    try:
        slack.call(("conversations.kick",), slack.client.conversations_kick, channel=channel, user=user)
    except SlackApiError as e:
        error = str(e.response.get("error") or "")
        if error not in GONE:
            raise
        log.warning("cannot remove %s from the channel of %s: %s", user, order.number, error)


def deleted(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """A deleted order's channel: its card says the order was deleted (the client's data goes from
    it), then the channel is archived. Each step once: a retry finds it done (or gone) and goes on."""
    p = effect.payload
    channel, ts = str(p.get("channel") or ""), str(p.get("card_ts") or "")
    if ts:
        text = messages.deleted_card(str(p.get("order") or ""), str(p.get("actor") or ""))
        block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        try:
            slack.call(
                ("chat.update",), slack.client.chat_update, channel=channel, ts=ts, text=text, blocks=[block]
            )
        except SlackApiError as e:
            if e.response.get("error") not in GONE | {"message_not_found", "cant_update_message"}:
                raise
    try:
        slack.call(("conversations.archive",), slack.client.conversations_archive, channel=channel)
    except SlackApiError as e:
        if e.response.get("error") not in GONE | {"already_archived"}:
            raise
        log.info("the channel of deleted %s: %s", p.get("order"), e.response.get("error"))
