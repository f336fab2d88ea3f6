"""The Previous and Next buttons under a `/so list` result (the list is replaced by its other page),
and the saved-search buttons of the Home tab (the first page opens in a modal). Each searches, acks,
and shows the page after the HTTP answer (bot.after)."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import forms
from bot import lists, replies
from bot.after import after_response
from forms import ids

log = logging.getLogger(__name__)

STALE = "This list is out of date. Run `/so list` again."


def register(app: App) -> None:
    app.action(ids.LIST_NEXT)(turn_page)
    app.action(ids.LIST_PREVIOUS)(turn_page)
    app.action(re.compile(ids.SAVED_FILTER_RUN_PATTERN))(run_saved_filter)


def _field(obj: object, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) and value else None


def turn_page(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Search again from the button's cursor, as the person who clicked (the value is not trusted:
    the filters are parsed again and the clicker's own view of the orders applies)."""
    ack()
    user = _field(body.get("user"), "id") or ""
    action = (body.get("actions") or [{}])[0]
    cursor = lists.read_button_value(action.get("value"))
    parsed = forms.parse_filters(cursor.filters, _today(context)) if cursor else None
    hooks = context["settings"].slack_hooks_url
    if cursor is None or parsed is None or parsed.value is None:
        after_response(context, _replace, client, body, {"text": STALE}, hooks)
        return
    page = context["workflow"].search(
        parsed.value, user, after=cursor.after, before=cursor.before, limit=lists.PAGE_SIZE
    )
    message = lists.order_list_message(page, parsed.value, cursor.page)
    after_response(context, _replace, client, body, message, hooks)


def _today(context: BoltContext):  # type: ignore[no-untyped-def]
    return context["workflow"].clock().astimezone(context["settings"].tz).date()


def _replace(client: WebClient, body: dict, message: dict, hooks: str) -> None:
    """Show message in place of the list the person clicked in (an ephemeral message can be
    replaced only through its response_url, when it is Slack's); a new ephemeral message if that
    fails."""
    replacing = {**message, "response_type": "ephemeral", "replace_original": True}
    if replies.post_response(body.get("response_url"), replacing, hooks):
        return
    channel = _field(body.get("container"), "channel_id") or _field(body.get("channel"), "id")
    user = _field(body.get("user"), "id")
    if not channel or not user:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, **message)
    except SlackApiError as e:
        log.warning("chat.postEphemeral failed: %s", e.response.get("error"))


def run_saved_filter(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Open a modal with the first page of the clicker's saved filter named by the button (the Home
    tab has no channel nor response_url to answer in). The name is looked up among the clicker's
    own saved filters, and the search runs as them."""
    ack()
    user = _field(body.get("user"), "id") or ""
    action = (body.get("actions") or [{}])[0]
    name = action.get("value") if isinstance(action.get("value"), str) else ""
    wf = context["workflow"]
    saved = wf.saved_filter(user, name) if user and name else None
    parsed = forms.parse_filters(saved.text, _today(context)) if saved else None
    page, filters = None, None
    if parsed is not None and parsed.value is not None:
        filters = parsed.value
        page = wf.search(filters, user, limit=lists.PAGE_SIZE)
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        return
    after_response(context, _open, client, trigger, lists.saved_filter_modal(name[:30], page, filters))


def _open(client: WebClient, trigger: str, view: dict) -> None:
    try:
        client.views_open(trigger_id=trigger, view=view)
    except SlackApiError as e:
        log.warning("views.open failed for a saved search: %s", e.response.get("error"))
