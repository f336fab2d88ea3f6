"""Answers to one person: an ephemeral message after a click, a notice in place of a form."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.config import DEFAULT_HOOKS_URL

log = logging.getLogger(__name__)


def trusted_response_url(url: object, hooks: str = DEFAULT_HOOKS_URL) -> str | None:
    """url when it is one of Slack's response_urls, else None.

    A payload's response_url is only text from the request: the bot POSTs to it only when it starts
    with one of hooks (SO_SLACK_HOOKS_URL: base URLs, comma-separated) — same scheme, host and port,
    and a path under the base's — so a forged or replayed payload cannot make it call anywhere else.
    """
    if not isinstance(url, str) or not url or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    for base in hooks.split(","):
        trusted = urlsplit(base.strip())
        if (
            parts.scheme == trusted.scheme
            and parts.hostname == trusted.hostname
            and port == trusted.port
            and parts.path.startswith(trusted.path.rstrip("/") + "/")
        ):
            return url
    return None


def post_response(response_url: object, message: dict, hooks: str = DEFAULT_HOOKS_URL) -> bool:
    """POST message to response_url if it is Slack's (trusted_response_url); True when Slack took it."""
    url = trusted_response_url(response_url, hooks)
    if url is None:
        if response_url:
            log.warning("response_url outside %s ignored", hooks)
        return False
    try:
        resp = WebhookClient(url, timeout=5).send_dict(message)
    except Exception as e:  # unreachable: the caller falls back to an ephemeral message
        log.warning("response_url failed: %s", type(e).__name__)
        return False
    if resp.status_code != 200:
        log.warning("response_url answered %s", resp.status_code)
    return resp.status_code == 200


def tell(
    client: WebClient,
    response_url: str | None,
    channel: str | None,
    user: str | None,
    text: str,
    hooks: str = DEFAULT_HOOKS_URL,
) -> None:
    """An ephemeral answer to the person who clicked, seen only by them.

    The click's response_url reaches the clicker wherever they clicked (even where the bot could
    not post an ephemeral message), when it is Slack's (hooks: SO_SLACK_HOOKS_URL); chat.postEphemeral
    is the fallback, and a DM where there is no channel (the App Home).
    """
    message = {"text": text, "response_type": "ephemeral", "replace_original": False}
    if response_url and post_response(response_url, message, hooks):
        return
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


def _field(obj: object, key: str) -> str | None:
    """obj[key] when obj is a dict and the value a non-empty string (payloads come from outside)."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) and value else None


def answer(client: WebClient, body: dict, text: str, hooks: str = DEFAULT_HOOKS_URL) -> None:
    """tell() the person who sent body (a click or a command) text, where they are."""
    channel = (
        _field(body.get("container"), "channel_id")
        or _field(body.get("channel"), "id")
        or _field(body, "channel_id")
    )
    user = _field(body.get("user"), "id") or _field(body, "user_id")
    tell(client, body.get("response_url"), channel, user, text, hooks)


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
