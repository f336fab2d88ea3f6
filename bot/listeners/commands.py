"""/so: new, list, export, show, help, role."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import forms
from bot import lists, messages
from forms import ids
from workflow.rules import Action, Role, decide
from workflow.service import Refused

log = logging.getLogger(__name__)

USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")


def register(app: App) -> None:
    app.command(ids.SLASH_COMMAND)(handle_so)


def handle_so(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Route /so by its first word."""
    text = (body.get("text") or "").strip()
    user = body.get("user_id", "")
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb in ("", "new"):
        open_new_order(ack, body, client, context, user)
    elif verb == "help":
        ack(text=messages.HELP)
    elif verb == "list":
        list_orders(ack, context, user, rest)
    elif verb == "export":
        export_orders(ack, context, user, rest)
    elif verb == "show" or verb.startswith("*"):
        show_order(ack, context, user, rest if verb == "show" else text)
    elif verb == "role":
        manage_roles(ack, context, user, rest)
    else:
        ack(text=f"I don't know `/so {verb[:40]}`.\n\n{messages.HELP}")


def open_new_order(ack: Ack, body: dict, client: WebClient, context: BoltContext, user: str) -> None:
    verdict = decide(Action.SUBMIT, context["workflow"].roles_of(user))
    if not verdict.allowed:
        ack(text=f"Only {verdict.who} can submit orders. Ask an admin for the coordinator role.")
        return
    try:
        # The trigger_id lives 3 seconds: the form needs no data, so it opens complete at once.
        client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=forms.new_order_modal())
    except SlackApiError as e:
        log.warning("views.open failed for /so new: %s", e.response.get("error"))
        ack(text="Slack took too long to open the form. Please run `/so new` again.")
        return
    ack()


def _filters(context: BoltContext, typed: str) -> forms.FormResult[forms.OrderFilters]:
    """The filters typed after the verb (Slack escapes &, < and > in a command's text)."""
    text = typed.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    today = context["workflow"].clock().astimezone(context["settings"].tz).date()
    return forms.parse_filters(text, today)


def list_orders(ack: Ack, context: BoltContext, user: str, typed: str = "") -> None:
    """Without filters: my open orders and those waiting for me. With: a page of the search."""
    wf = context["workflow"]
    if not typed.strip():
        mine, waiting = wf.list_for(user)
        ack(text=messages.order_list(mine, waiting, context["settings"].currency) + messages.LIST_TIP)
        return
    parsed = _filters(context, typed)
    if parsed.value is None:
        ack(text=messages.bad_filters(parsed.errors, "list"))
        return
    page = wf.search(parsed.value, user, limit=lists.PAGE_SIZE)
    ack(response_type="ephemeral", **lists.order_list_message(page, parsed.value))


def export_orders(ack: Ack, context: BoltContext, user: str, typed: str) -> None:
    """Queue the export (the dispatcher writes and sends the file after the ack)."""
    parsed = _filters(context, typed)
    if parsed.value is None:
        ack(text=messages.bad_filters(parsed.errors, "export"))
        return
    context["workflow"].queue_export(user, parsed.value.text())
    ack(text=messages.export_queued(parsed.value.text()))
    context["dispatcher"].wake()


def show_order(ack: Ack, context: BoltContext, user: str, ref: str) -> None:
    settings = context["settings"]
    ref = ref.strip()
    if not ref:
        ack(text="Which order? For example `/so show SO-0042` or `/so show 42`.")
        return
    wf = context["workflow"]
    order = wf.find(ref)
    # An order the person may not see is answered as one that does not exist: its number says nothing.
    if order is None or not wf.may_see(order, user):
        ack(text=f"No order `{ref[:40]}` that you can see. Try `/so list`.")
        return
    ack(text=messages.order_summary(order, settings.currency, settings.tz))


def manage_roles(ack: Ack, context: BoltContext, actor: str, rest: str) -> None:
    wf = context["workflow"]
    words = rest.split()
    roles = ", ".join(r.value for r in Role)
    usage = f"Usage: `/so role @user ROLE`, `/so role revoke @user ROLE`, `/so role list`. Roles: {roles}."
    if Role.ADMIN not in wf.roles_of(actor):
        ack(text="Only an admin can manage roles. Nothing was changed.")
        return
    if words[:1] == ["list"]:
        rows = wf.role_list()
        listing = "\n".join(f"• <@{u}> — {r}" for u, r in rows) or "_Nobody has a role yet._"
        ack(text=f"*Roles*\n{listing}")
        return
    revoke = words[:1] in (["revoke"], ["remove"])
    if revoke or words[:1] == ["grant"]:
        words = words[1:]
    if len(words) != 2 or not USER_REF.match(words[0]):
        ack(text=usage)
        return
    m = USER_REF.match(words[0])
    assert m is not None
    target = m.group(1) or m.group(2)
    try:
        if revoke:
            changed = wf.revoke(actor, target, words[1])
            ack(
                text=f"<@{target}> is no longer {words[1]}."
                if changed
                else f"<@{target}> was not {words[1]}."
            )
        else:
            changed = wf.grant(actor, target, words[1])
            ack(text=f"<@{target}> is now {words[1]}." if changed else f"<@{target}> was {words[1]} already.")
    except Refused as r:
        ack(text=f"{r.message} {usage if r.code == 'invalid' else ''}".strip())
