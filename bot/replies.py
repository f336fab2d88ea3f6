"""Answers to one person: an ephemeral message after a click, a notice in place of a form."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)


def tell(
    client: WebClient, response_url: str | None, channel: str | None, user: str | None, text: str
) -> None:
    """An ephemeral answer to the person who clicked, seen only by them.

    The click's response_url reaches the clicker wherever they clicked (even where the bot could
    not post an ephemeral message); chat.postEphemeral is the fallback, and a DM where there is no
    channel (the App Home).
    """
    if isinstance(response_url, str) and response_url.startswith(("https://", "http://")):
        try:
            resp = WebhookClient(response_url, timeout=5).send(
                text=text, response_type="ephemeral", replace_original=False
            )
            if resp.status_code == 200:
                return
            log.warning("response_url answered %s", resp.status_code)
        except Exception as e:  # a bad or unreachable URL: fall back to an ephemeral message
            log.warning("response_url failed: %s", type(e).__name__)
    if not user:
        log.warning("cannot answer a click without a user")
        return
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:  # a click in the App Home: no channel, no response_url; the app's DM with them
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError as e:
        log.warning("could not answer %s: %s", user, e.response.get("error"))


def notice_view(title: str, text: str, external_id: str | None = None) -> dict:
    """A modal that only says something (a form once submitted); external_id lets it be updated."""
    view: dict = {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }
    if external_id:
        view["external_id"] = external_id[:255]
    return view
