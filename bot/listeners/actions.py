"""Buttons: on the order card, and the line editor's inside the modals.

Each listener checks what it must (one read, or one INSERT into the inbox) and acks; the Slack calls
that follow (the answer through the response_url, views.open, views.update) run after Slack has its
HTTP answer (bot.after), within the trigger's 3 seconds.
"""

from __future__ import annotations

import hashlib
import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import forms
from bot import inbox, messages, replies
from bot.after import after_response
from forms import ids
from forms.custom import stored_values
from forms.types import LineDraft
from workflow.rules import Action
from workflow.service import Refused

log = logging.getLogger(__name__)


def register(app: App) -> None:
    # ids.APPROVE: registered first of all, in bot.listeners
    app.action(ids.REJECT)(open_reject)
    app.action(ids.OPEN_ADD_FIELD_WORKERS)(open_field_workers)
    app.action(ids.OPEN_CONFIRMATION)(open_confirmation)
    app.action(ids.OPEN_CLOSE)(open_close)
    app.action(ids.CUSTOMER_COPY)(customer_copy)
    app.action(ids.ADD_LINE)(add_line)
    app.action(ids.REMOVE_LINE)(remove_line)
    app.action(ids.LINE_KIND)(ack_only)
    app.action(re.compile(".*"))(unknown_action)  # last: Bolt runs the first listener that matches


def answer(context: BoltContext, client: WebClient, body: dict, text: str) -> None:
    """An ephemeral answer to the person who clicked (bot.replies.tell), after the HTTP answer."""
    after_response(context, replies.answer, client, body, text, context["settings"].slack_hooks_url)


OUT_OF_DATE = "That button is out of date. Use `/so show` to find the order."


def _field(obj: object, key: str) -> str | None:
    """obj[key] when obj is a dict and the value a string (payloads come from outside)."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) and value else None


def _order_id(body: dict) -> int | None:
    """The order id a card button carries; only a pointer — the server checks everything."""
    try:
        order_id = int(str(body["actions"][0]["value"]).strip())
    except (KeyError, IndexError, TypeError, ValueError):
        order_id = 0
    if not 0 < order_id < 2**63:
        log.warning("card button without a usable order id")
        return None
    return order_id


def _user(body: dict) -> str:
    return _field(body.get("user"), "id") or ""


def click_key(kind: str, body: dict) -> str | None:
    """What makes a click unique, from what Slack sends once: its action_ts, where it was clicked
    (the message or view) and by whom; None when the payload lacks them."""
    action = (body.get("actions") or [{}])[0]
    stamp = _field(action, "action_ts")
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    where = _field(container, "message_ts") or _field(container, "view_id")
    if not (stamp and where and _user(body)):
        return None
    channel = _field(container, "channel_id") or ""
    parts = (kind, _user(body), channel, where, _field(action, "action_id") or "", stamp)
    return "click:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


def approve(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Store the approval in the inbox and ack: the dispatcher carries it out at once, and answers
    a refusal ("already approved by …") through the click's response_url (when it is Slack's, else
    by chat.postEphemeral). The same click posted again is the same command (click_key)."""
    order_id = _order_id(body)
    if order_id is None:
        ack()
        answer(context, client, body, OUT_OF_DATE)
        return
    channel = _field(body.get("container"), "channel_id") or _field(body.get("channel"), "id")
    url = replies.trusted_response_url(body.get("response_url"), context["settings"].slack_hooks_url)
    to = {"response_url": url, "channel": channel, "user": _user(body)}
    key = click_key(inbox.APPROVE, body)
    context["workflow"].enqueue(inbox.APPROVE, _user(body), {"order_id": order_id}, to, key=key)
    ack()
    context["dispatcher"].wake()


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


def _open_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext, action: Action, build) -> None:  # type: ignore[no-untyped-def]
    """Check on the server that the clicker may do action, ack, then open its form."""
    ack()
    order_id = _order_id(body)
    if order_id is None:
        answer(context, client, body, OUT_OF_DATE)
        return
    try:
        order = context["workflow"].check(order_id, _user(body), action)
    except Refused as r:
        answer(context, client, body, messages.refusal(r, context["settings"].tz))
        return
    open_form(context, client, body, build(order), "Please click again.")


def open_reject(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(ack, body, client, context, Action.REJECT, lambda o: forms.reject_modal(o.id, o.number))


def open_field_workers(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(
        ack,
        body,
        client,
        context,
        Action.ADD_FIELD_WORKERS,
        lambda o: forms.field_workers_modal(o.id, o.number, o.field_workers),
    )


def open_confirmation(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    def build(o):  # type: ignore[no-untyped-def]
        lines = [
            LineDraft(x.kind, x.description, x.quantity, x.unit, x.unit_price, x.catalog_item_id, x.code)
            for x in o.lines
        ]
        catalog = context["workflow"].master.has_catalog()
        fields = context["settings"].company.fields("confirmation")
        # the company's fields open as the previous confirmation left them
        previous = (
            context["workflow"].revision(o.id, o.current_revision).custom_fields
            if fields and o.has_confirmation
            else []
        )
        return forms.confirmation_modal(
            o.id,
            o.number,
            o.current_revision,
            lines,
            catalog=catalog,
            fields=fields,
            values=stored_values(previous, "confirmation"),
        )

    _open_modal(ack, body, client, context, Action.CONFIRM, build)


def open_close(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(
        ack,
        body,
        client,
        context,
        Action.CLOSE,
        lambda o: forms.close_modal(
            o.id, o.number, o.has_confirmation, context["settings"].company.fields("close")
        ),
    )


def customer_copy(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Queue the order's customer copy (the dispatcher renders and posts it) and say so, or why not."""
    ack()
    order_id = _order_id(body)
    if order_id is None:
        answer(context, client, body, OUT_OF_DATE)
        return
    try:
        order, queued = context["workflow"].customer_copy(order_id, _user(body))
    except Refused as r:
        answer(context, client, body, messages.refusal(r, context["settings"].tz))
        return
    answer(context, client, body, messages.customer_copy(order, queued))
    if queued:
        context["dispatcher"].wake()


def _views_update(body: dict, client: WebClient, new_view: dict) -> None:
    view = body.get("view") or {}
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except (SlackApiError, KeyError) as e:
        # hash_conflict: the person clicked twice quickly; the later click's update wins.
        log.warning(
            "views.update failed: %s",
            getattr(e, "response", {}).get("error", e) if hasattr(e, "response") else e,
        )


def _update_view(context: BoltContext, body: dict, client: WebClient, new_view: dict) -> None:
    """views.update the form the button is in, with its hash, after the HTTP answer."""
    after_response(context, _views_update, body, client, new_view)


def add_line(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    _update_view(context, body, client, forms.with_line_added(body.get("view") or {}))


def remove_line(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    try:
        key = int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        log.warning("remove-line button without a line key")
        return
    _update_view(context, body, client, forms.with_line_removed(body.get("view") or {}, key))


def ack_only(ack: Ack) -> None:
    """A select inside a modal changed: its value arrives with the submission."""
    ack()


def unknown_action(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """A button this version does not know (an old message, or a forged payload): say so politely."""
    ack()
    action = ((body.get("actions") or [{}])[0] or {}).get("action_id", "?")
    log.warning("unknown action id %r", str(action)[:80])
    if body.get("container", {}).get("type") == "message":
        answer(context, client, body, "That button is no longer in use. `/so list` shows your orders.")
