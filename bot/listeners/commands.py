"""/so: new, list, show, help, role."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import forms
from bot import messages
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
        list_orders(ack, context, user)
    elif verb == "show" or verb.startswith("*"):
        show_order(ack, context, rest if verb == "show" else text)
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


def list_orders(ack: Ack, context: BoltContext, user: str) -> None:
    settings = context["settings"]
    mine, waiting = context["workflow"].list_for(user)
    ack(text=messages.order_list(mine, waiting, settings.currency))


def show_order(ack: Ack, context: BoltContext, ref: str) -> None:
    settings = context["settings"]
    ref = ref.strip()
    if not ref:
        ack(text="Which order? For example `/so show SO-0042` or `/so show 42`.")
        return
    order = context["workflow"].find(ref)
    if order is None:
        ack(text=f"No order `{ref[:40]}`. Try `/so list`.")
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
