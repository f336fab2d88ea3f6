"""Who sits in an order's channel: the KICK performer (a role taken away takes its seats away)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

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
