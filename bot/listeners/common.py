"""What several listener modules need: reading a payload's ids, answering the person who clicked,
opening or updating a form after the HTTP answer, and the keys that make a request unique.

Payloads come from outside: every reader here checks types and returns "" or None for what is
missing or malformed, and never trusts a button's value beyond being a pointer.
"""

from __future__ import annotations

import hashlib
import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replies
from bot.after import after_response

log = logging.getLogger(__name__)

OUT_OF_DATE = "That button is out of date. Use `/so show` to find the order."


def field(obj: object, key: str) -> str | None:
    """obj[key] when obj is a dict and the value a non-empty string."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) and value else None


def user_of(body: dict) -> str:
    """Who clicked or submitted ("" when the payload does not say)."""
    return field(body.get("user"), "id") or ""


def order_id_of(body: dict) -> int | None:
    """The order id a card button carries; only a pointer — the server checks everything."""
    try:
        order_id = int(str(body["actions"][0]["value"]).strip())
    except (KeyError, IndexError, TypeError, ValueError):
        order_id = 0
    if not 0 < order_id < 2**63:
        log.warning("card button without a usable order id")
        return None
    return order_id


def answer(context: BoltContext, client: WebClient, body: dict, text: str) -> None:
    """An ephemeral answer to the person who clicked (bot.replies.answer), after the HTTP answer."""
    after_response(context, replies.answer, client, body, text, context["settings"].slack_hooks_url)


def open_form(context: BoltContext, client: WebClient, body: dict, view: dict, again: str) -> None:
    """views.open the form after the HTTP answer (the trigger lives 3 s); if Slack refuses, tell the
    person again (what to do: "Please click again.")."""
    hooks = context["settings"].slack_hooks_url

    def open_it() -> None:
        try:
            client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=view)
        except SlackApiError as e:
            log.warning("views.open failed: %s", e.response.get("error"))
            replies.answer(client, body, f"Slack took too long to open the form. {again}", hooks)

    after_response(context, open_it)


def update_view(context: BoltContext, body: dict, client: WebClient, new_view: dict) -> None:
    """views.update the form the button is in, with its hash, after the HTTP answer."""
    after_response(context, _views_update, body, client, new_view)


def _views_update(body: dict, client: WebClient, new_view: dict) -> None:
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    view_id, view_hash = view.get("id"), view.get("hash")
    if not isinstance(view_id, str) or not view_id:  # Slack always names it; a forged click may not
        log.warning("views.update failed: the button is in no view")
        return
    try:
        client.views_update(
            view_id=view_id, hash=view_hash if isinstance(view_hash, str) else None, view=new_view
        )
    except SlackApiError as e:
        # hash_conflict: the person clicked twice quickly; the later click's update wins.
        log.warning("views.update failed: %s", e.response.get("error"))


def click_key(kind: str, body: dict) -> str | None:
    """What makes a click unique, from what Slack sends once: its action_ts, where it was clicked
    (the message or view) and by whom; None when the payload lacks them."""
    action = (body.get("actions") or [{}])[0]
    stamp = field(action, "action_ts")
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    where = field(container, "message_ts") or field(container, "view_id")
    if not (stamp and where and user_of(body)):
        return None
    channel = field(container, "channel_id") or ""
    parts = (kind, user_of(body), channel, where, field(action, "action_id") or "", stamp)
    return "click:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


def submission_key(view: dict) -> str | None:
    """What makes a submission unique, from what Slack gives once: the view's id and hash (a new
    hash with every update of the view). The same signed submission posted again has the same key
    (see Workflow.enqueue); None when the view lacks them."""
    view_id, view_hash = view.get("id"), view.get("hash")
    if not (isinstance(view_id, str) and view_id and isinstance(view_hash, str) and view_hash):
        return None
    return "view:" + hashlib.sha256(f"{view_id}\x1f{view_hash}".encode()).hexdigest()[:48]


def slash_key(kind: str, user: str, trigger: object) -> str | None:
    """What makes a slash command unique: its trigger_id, sent once (None when it lacks one)."""
    if not (isinstance(trigger, str) and trigger):
        return None
    return "slash:" + hashlib.sha256(f"{kind}\x1f{user}\x1f{trigger}".encode()).hexdigest()[:48]


def user_name_of(body: dict) -> str:
    """How Slack names the person in a request (their handle): what their labour lines say."""
    user = body.get("user")
    name = (user.get("name") or user.get("username")) if isinstance(user, dict) else body.get("user_name")
    return name[:100] if isinstance(name, str) else ""
