"""`/so role …` and the Roles modal (admins): grant, revoke, tie a role to a Slack user group, sync,
history. Clicks in the modal update it in place (views.update with the view's hash).

Slack calls (usergroups.list and usergroups.users.list for a tie or a sync, views.open for the
Roles window, views.update after a click) are made after Slack has its HTTP answer
(bot.after.after_response): the answer says what is under way, and the outcome follows through the
command's response_url (or in the window). Only database work runs before the answer.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replies
from bot import roles as group_sync
from bot.after import after_response
from bot.cards import escape_keeping_mentions, slack_date
from forms import ids
from forms import roles as roles_form
from workflow.roles import GROUP, role_name
from workflow.rules import Power, Role
from workflow.service import Refused, Workflow

log = logging.getLogger(__name__)

USER_REF = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
ROLES = [r.value for r in Role]
SLACK_TIMEOUT_SECONDS = 10.0  # a Slack call after the answer: no ack deadline, but bounded
HISTORY_SHOWN = 10
USAGE = (
    "Usage: `/so role` (the Roles window), `/so role @user ROLE`, `/so role revoke @user ROLE`, "
    "`/so role list`, `/so role history [@user]`, `/so role group ROLE @usergroup`, "
    f"`/so role ungroup ROLE`, `/so role sync`. Roles: {', '.join(ROLES)}."
)
NOT_ADMIN = "Only an admin can manage roles. Nothing was changed."


def register(app: App) -> None:
    app.action(ids.ROLE_REVOKE)(revoke_in_modal)
    app.action(ids.ROLE_SYNC)(sync_in_modal)
    app.view(ids.ROLES)(grant_in_modal)


def _slack(client: WebClient) -> WebClient:
    """The bot's client with a bounded timeout and no retry sleeps (bot.roles honours Retry-After)."""
    return WebClient(
        token=client.token, base_url=client.base_url, timeout=SLACK_TIMEOUT_SECONDS, retry_handlers=[]
    )


def _user_id(word: str) -> str | None:
    m = USER_REF.match(word)
    return (m.group(1) or m.group(2)) if m else None


def _is_admin(wf: Workflow, user: str) -> bool:
    return wf.may(user, Power.MANAGE_ROLES)


def _tell(context: BoltContext, client: WebClient, body: dict, text: str) -> None:
    """The outcome of a command, after its answer: through its response_url, seen only by the admin."""
    replies.tell(
        client,
        body.get("response_url"),
        str(body.get("channel_id") or "") or None,
        str(body.get("user_id") or "") or None,
        text,
        hooks=context["settings"].slack_hooks_url,
    )


# ----------------------------------------------------------------------- /so role …
def manage_roles(
    ack: Ack, body: dict, client: WebClient, context: BoltContext, actor: str, rest: str
) -> None:
    """Route `/so role …` (admins only; everyone else is told who may)."""
    wf: Workflow = context["workflow"]
    if not _is_admin(wf, actor):
        ack(text=NOT_ADMIN)
        return
    words = rest.split()
    verb = words[0].lower() if words else ""
    try:
        if not words:
            ack()
            after_response(context, open_roles_modal, body, client, context)
        elif verb == "list" and len(words) == 1:
            ack(text=_role_list(wf))
        elif verb == "history" and len(words) <= 2:
            ack(text=_history(context, words[1] if len(words) == 2 else None))
        elif verb == "group" and len(words) == 3:
            role = wf.role_book.check_tie(actor, words[1])  # refused at once: nothing looked up
            ack(text=f"Looking up that user group to tie *{role}* to it…")
            after_response(context, _tie_and_tell, context, client, body, actor, role, words[2])
        elif verb == "ungroup" and len(words) == 2:
            ack(text=_untie(wf, actor, words[1]))
            context["dispatcher"].wake()
        elif verb == "sync" and len(words) == 1:
            ack(text="Syncing the roles tied to user groups…")
            after_response(context, _sync_and_tell, context, client, body)
        else:
            ack(text=_grant_or_revoke(wf, actor, words))
            context["dispatcher"].wake()  # a revoke queues removals from the order channels
    except Refused as r:
        message = escape_keeping_mentions(r.message)
        ack(text=f"{message} {USAGE if r.code == 'invalid' else ''}".strip())


def _sync_and_tell(context: BoltContext, client: WebClient, body: dict) -> None:
    """`/so role sync`, after the answer: sync every tied role, then say what changed."""
    done = group_sync.sync_groups(context["workflow"], _slack(client))
    context["dispatcher"].wake()
    _tell(context, client, body, group_sync.sync_report(done))


def _tie_and_tell(
    context: BoltContext, client: WebClient, body: dict, actor: str, role: str, typed: str
) -> None:
    """`/so role group`, after the answer: look the group up, tie, sync, then say what happened."""
    try:
        text = _tie(context, client, actor, role, typed)
    except Refused as r:
        text = escape_keeping_mentions(r.message)
    context["dispatcher"].wake()
    _tell(context, client, body, text)


def _grant_or_revoke(wf: Workflow, actor: str, words: list[str]) -> str:
    revoke = words[:1] in (["revoke"], ["remove"])
    if revoke or words[:1] == ["grant"]:
        words = words[1:]
    target = _user_id(words[0]) if len(words) == 2 else None
    if target is None:
        return USAGE
    role = words[1]
    if revoke:
        changed = wf.revoke(actor, target, role)
        return f"<@{target}> is no longer {role}." if changed else f"<@{target}> was not {role}."
    changed = wf.grant(actor, target, role)
    return f"<@{target}> is now {role}." if changed else f"<@{target}> was {role} already."


def _role_list(wf: Workflow) -> str:
    ties = {g.role: g.handle for g in wf.role_book.groups()}
    rows = [
        f"• <@{g.user_id}> — {g.role}"
        + (f" (via {group_sync.via(ties.get(g.role, ''))})" if g.source == GROUP else "")
        for g in sorted(wf.role_book.holders(), key=lambda g: (g.user_id, g.role))
    ]
    tied = [f"• {role} ← {group_sync.via(handle)}" for role, handle in sorted(ties.items())]
    text = "*Roles*\n" + ("\n".join(rows) or "_Nobody has a role yet._")
    if tied:
        text += "\n*Tied to user groups*\n" + "\n".join(tied)
    return text[:3900]


def _history(context: BoltContext, who: str | None) -> str:
    user = _user_id(who) if who else None
    if who and user is None:
        return "Usage: `/so role history` or `/so role history @user`."
    changes = context["workflow"].role_history(user, limit=20)
    if not changes:
        return f"No role changes recorded for <@{user}>." if user else "No role changes recorded yet."
    tz = context["settings"].tz
    head = f"*Role changes of <@{user}>*" if user else "*Latest role changes*"
    return head + "\n" + "\n".join(f"• {group_sync.history_line(c, tz)}" for c in changes)


def _tie(context: BoltContext, client: WebClient, actor: str, role: str, typed: str) -> str:
    """Tie role to the user group typed, then sync it at once (Slack calls: after the answer)."""
    wf: Workflow = context["workflow"]
    role = role_name(role)
    quick = _slack(client)
    try:
        usergroup_id, handle = group_sync.find_usergroup(wf, quick, typed)
    except LookupError as e:
        return str(e)
    except group_sync.SlackRefused as e:
        return f"I could not look up that user group: {group_sync.explain(e)}. Nothing was changed."
    wf.role_book.tie(actor, role, usergroup_id, handle)
    tied = (
        f"*{role}* is now tied to {group_sync.via(handle)}: its members hold the role "
        "(synced on a schedule, and by `/so role sync`)."
    )
    done = group_sync.sync_groups(wf, quick, {role})
    if done and done[0].error:
        return f"{tied}\n:warning: Not synced yet — {done[0].error}."
    if done and done[0].result is not None and done[0].result.changed:
        return f"{tied}\n{group_sync.sync_summary(done[0].result)}."
    return tied


def _untie(wf: Workflow, actor: str, role: str) -> str:
    result = wf.role_book.untie(actor, role)
    name = role_name(role)
    if not result.tied:
        return f"*{name}* is not tied to a user group."
    text = f"*{name}* is no longer tied to {group_sync.via(result.handle)}."
    if result.removed:
        who = ", ".join(f"<@{u}>" for u in result.removed)
        have = "has" if len(result.removed) == 1 else "have"
        text += f" {who} (who had it through the group) no longer {have} it."
    return text


# ----------------------------------------------------------------------- the Roles modal
def roles_view(context: BoltContext, notice: str = "") -> dict:
    """The Roles modal as the roles stand now."""
    wf: Workflow = context["workflow"]
    tz = context["settings"].tz
    ties = {g.role: g for g in wf.role_book.groups()}
    holders = wf.role_book.holders()
    configured = wf.role_book.configured_admins
    sections = []
    for role in ROLES:
        tie = ties.get(role)
        sections.append(
            roles_form.RoleSection(
                role,
                [
                    roles_form.Holder(
                        g.user_id,
                        g.source != GROUP,
                        slack_date(g.granted_at, tz, "{date_short}"),
                        "SO_ADMINS" if role == Role.ADMIN and g.user_id in configured else "",
                    )
                    for g in holders
                    if g.role == role
                ],
                (tie.handle or tie.usergroup_id) if tie else "",
                slack_date(tie.synced_at, tz) if tie and tie.synced_at else "",
            )
        )
    history = [group_sync.history_line(c, tz) for c in wf.role_history(limit=HISTORY_SHOWN)]
    return roles_form.roles_modal(sections, history, ROLES, notice)


def open_roles_modal(body: dict, client: WebClient, context: BoltContext) -> None:
    """The Roles window, opened after the answer (the trigger_id lives 3 s: well within it)."""
    try:
        client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=roles_view(context))
    except SlackApiError as e:
        log.warning("views.open failed for /so role: %s", e.response.get("error"))
        _tell(context, client, body, "Slack could not open the Roles window. Please run `/so role` again.")


def _clicked(body: dict) -> tuple[str, str, str, str]:
    """(clicker, view id, view hash, the button's value) of a click in the modal."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    action = (body.get("actions") or [{}])[0]
    value = action.get("value")
    return (
        str((body.get("user") or {}).get("id") or ""),
        str(view.get("id") or ""),
        str(view.get("hash") or ""),
        value if isinstance(value, str) else "",
    )


def _update(client: WebClient, view_id: str, view_hash: str, view: dict) -> None:
    """Show view in place of the modal clicked in; a newer update (another click) wins."""
    if not view_id:
        return
    try:
        client.views_update(view_id=view_id, hash=view_hash or None, view=view)
    except SlackApiError as e:
        log.warning("views.update of the Roles window failed: %s", e.response.get("error"))


def revoke_in_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Revoke the grant the button names (the workflow checks that the clicker is an admin)."""
    ack()
    actor, view_id, view_hash, value = _clicked(body)
    target = roles_form.read_revoke_value(value)
    if target is None:
        notice = ":warning: That button is out of date."
    else:
        role, user = target
        try:
            changed = context["workflow"].revoke(actor, user, role)
            notice = (
                f":white_check_mark: <@{user}> is no longer {group_sync.role_text(role)}."
                if changed
                else f"<@{user}> was not {group_sync.role_text(role)} any more."
            )
        except Refused as r:
            notice = f":no_entry: {escape_keeping_mentions(r.message)}"
    context["dispatcher"].wake()
    after_response(context, _update, client, view_id, view_hash, roles_view(context, notice))


def sync_in_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Sync the role the button names with its user group (admins), after the answer; then show
    what changed in the window."""
    ack()
    actor, view_id, view_hash, role = _clicked(body)
    wf: Workflow = context["workflow"]
    if not _is_admin(wf, actor):
        notice = f":no_entry: {NOT_ADMIN}"
    elif role not in ROLES:
        notice = ":warning: That button is out of date."
    else:
        after_response(context, _sync_in_window, context, client, view_id, view_hash, role)
        return
    after_response(context, _update, client, view_id, view_hash, roles_view(context, notice))


def _sync_in_window(context: BoltContext, client: WebClient, view_id: str, view_hash: str, role: str) -> None:
    done = group_sync.sync_groups(context["workflow"], _slack(client), {role})
    context["dispatcher"].wake()
    notice = group_sync.sync_report(done) if done else f"*{role}* is not tied to a user group any more."
    _update(client, view_id, view_hash, roles_view(context, notice))


def grant_in_modal(ack: Ack, body: dict, context: BoltContext) -> None:
    """The modal's Grant: the person and role chosen; the modal stays open, updated."""
    view = body.get("view") or {}
    actor = str((body.get("user") or {}).get("id") or "")
    parsed = roles_form.parse_grant(view, ROLES)
    if parsed.value is None:
        ack(response_action="errors", errors=parsed.errors)
        return
    user, role = parsed.value.user_id, parsed.value.role
    try:
        changed = context["workflow"].grant(actor, user, role)
    except Refused as r:
        ack(response_action="errors", errors={ids.ROLE_GRANT_USER: r.message[:2000]})
        return
    what = group_sync.role_text(role)
    notice = f":white_check_mark: <@{user}> is now {what}." if changed else f"<@{user}> was {what} already."
    ack(response_action="update", view=roles_view(context, notice))
