"""Roles tied to Slack user groups: reading a group's members from Slack and applying them, for the
scheduled job and for `/so role sync`; and how role changes read in Slack.

usergroups.users.list is Tier 2 (about 20 calls a minute): one call per tied role and sync, and a
Retry-After Slack sends is shared with every process (workflow.note_rate_limit) and honoured before
calling again. A Slack error for one role (missing scope, a deleted group) is logged and reported;
the other roles are still synced, and the scheduled job never raises.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.cards import mrkdwn_escape, slack_date
from workflow.roles import GRANTED, GROUP_SYNC, ChangeView, SyncResult
from workflow.rules import ROLE_TEXT, Role
from workflow.service import Refused, Workflow

log = logging.getLogger(__name__)

USERS_LIST = "usergroups.users.list"
USERGROUPS_LIST = "usergroups.list"
# <!subteam^S0123|@supervisors> (a mention, with should_escape), @supervisors, supervisors, S0123ABC
SUBTEAM_MENTION = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>$")
HANDLE = re.compile(r"^@?([a-z0-9._-]{1,100})$", re.IGNORECASE)
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SlackRefused(Exception):
    """Slack could not tell: error is its error code (or the kind of failure), said for people by
    explain()."""

    def __init__(self, error: str, retry_after: float = 0.0) -> None:
        super().__init__(error)
        self.error = error
        self.retry_after = retry_after


@dataclass(frozen=True)
class GroupSync:
    """One tied role's sync: what changed, or why it could not be done."""

    role: str
    handle: str
    result: SyncResult | None = None
    error: str = ""  # said for people (explain(), or a refusal's message)


def _call(wf: Workflow, method: str, fn, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    """Call Slack, unless a Retry-After window for method is open (in any process); remember the
    window of a 429 for every process. SlackRefused for every failure."""
    until = wf.outbox.rate_limited_until((method,))
    if until is not None:
        raise SlackRefused("ratelimited", (until - wf.clock()).total_seconds())
    try:
        return fn(**kwargs).data  # type: ignore[no-any-return]
    except SlackApiError as e:
        error = str(e.response.get("error") or "unknown_error")
        if e.response.status_code == 429 or error == "ratelimited":
            headers = {k.lower(): v for k, v in (e.response.headers or {}).items()}
            try:
                wait = max(1.0, float(headers.get("retry-after", "60")))
            except ValueError:
                wait = 60.0
            wf.outbox.note_rate_limit(method, wf.clock() + timedelta(seconds=wait))
            raise SlackRefused("ratelimited", wait) from None
        raise SlackRefused(error) from None
    except (SlackClientError, OSError) as e:  # a timeout, a lost connection
        raise SlackRefused(type(e).__name__) from None


def group_members(wf: Workflow, client: WebClient, usergroup_id: str) -> list[str]:
    """The user group's members, from Slack; SlackRefused when Slack cannot tell."""
    data = _call(wf, USERS_LIST, client.usergroups_users_list, usergroup=usergroup_id)
    return [u for u in data.get("users") or [] if isinstance(u, str) and u]


def find_usergroup(wf: Workflow, client: WebClient, typed: str) -> tuple[str, str]:
    """(id, handle) of the user group typed: a mention (its id is in it) or a handle looked up with
    usergroups.list. LookupError with a message when there is none; SlackRefused."""
    typed = typed.strip()
    mention = SUBTEAM_MENTION.match(typed)
    if mention:
        return mention.group(1), (mention.group(2) or "").strip()
    plain = HANDLE.match(typed)
    if not plain:
        raise LookupError(
            f"`{mrkdwn_escape(typed[:60])}` is not a user group: mention it, like @supervisors."
        )
    wanted = plain.group(1).lower()
    for group in _call(wf, USERGROUPS_LIST, client.usergroups_list).get("usergroups") or []:
        if isinstance(group, dict) and wanted in (str(group.get(k, "")).lower() for k in ("handle", "id")):
            return str(group["id"]), str(group.get("handle") or "")
    raise LookupError(f"Slack has no user group @{mrkdwn_escape(wanted)}.")


def sync_groups(
    wf: Workflow, client: WebClient, roles: set[str] | None = None, budget: float | None = None
) -> list[GroupSync]:
    """Sync every tied role (or those in roles) with its user group's members now. With a budget
    (seconds; a sync before an ack), roles left when it is spent are not synced now but reported
    as such: the scheduled sync takes them."""
    done: list[GroupSync] = []
    deadline = time.monotonic() + budget if budget is not None else None
    for tie in wf.role_book.groups():
        if roles is not None and tie.role not in roles:
            continue
        if deadline is not None and time.monotonic() > deadline:
            done.append(
                GroupSync(
                    tie.role,
                    tie.handle,
                    error="not synced now (Slack was slow); the next scheduled sync will",
                )
            )
            continue
        try:
            members = group_members(wf, client, tie.usergroup_id)
            result = wf.sync_group(tie.role, members, GROUP_SYNC, usergroup_id=tie.usergroup_id)
        except SlackRefused as e:
            log.error("syncing role %s with user group %s failed: %s", tie.role, tie.usergroup_id, e.error)
            done.append(GroupSync(tie.role, tie.handle, error=explain(e)))
            continue
        except Refused as r:
            log.error("syncing role %s with user group %s refused: %s", tie.role, tie.usergroup_id, r.message)
            done.append(GroupSync(tie.role, tie.handle, error=r.message))
            continue
        if result.changed:
            log.info(
                "role %s synced with @%s: +%d -%d",
                tie.role,
                tie.handle,
                len(result.added),
                len(result.removed),
            )
        done.append(GroupSync(tie.role, tie.handle, result))
    return done


def sync_role_groups(wf: Workflow, client: WebClient) -> int:
    """The scheduled job: sync every tied role; how many grants it added or removed. Never raises (a
    failure is logged, and the next run tries again)."""
    try:
        done = sync_groups(wf, client)
    except Exception:
        log.exception("the role sync failed; it runs again at the next tick")
        return 0
    return sum(len(d.result.added) + len(d.result.removed) for d in done if d.result is not None)


def explain(e: SlackRefused) -> str:
    """Why Slack could not tell a group's members, for an admin."""
    if e.error == "missing_scope":
        return (
            "the app may not read user groups (scope `usergroups:read` missing): reinstall it with the "
            "scopes of manifest.yml"
        )
    if e.error == "no_such_subteam":
        return (
            "Slack has no such user group any more: tie the role to another one, or `/so role ungroup ROLE`"
        )
    if e.error == "plan_upgrade_required":
        return "user groups need a paid Slack plan"
    if e.error == "ratelimited":
        return f"Slack asks to wait {e.retry_after:.0f} s before asking again; the scheduled sync catches up"
    return f"Slack answered `{mrkdwn_escape(e.error)}`; the scheduled sync tries again"


# ----------------------------------------------------------------------- how changes read
def role_text(role: str) -> str:
    """ "a supervisor", "an admin"."""
    try:
        return ROLE_TEXT[Role(role)]
    except ValueError:
        return role


def via(handle: str) -> str:
    return f"@{mrkdwn_escape(handle)}" if handle else "its user group"


def sync_summary(result: SyncResult) -> str:
    """ "<@ana> is now a supervisor (via @supervisors); <@bo> is no longer one" ("" when nothing changed)."""
    parts = [f"<@{u}> is now {role_text(result.role)} (via {via(result.handle)})" for u in result.added]
    for u in result.removed:
        parts.append(f"<@{u}> is no longer {'one' if parts else role_text(result.role)}")
    return "; ".join(parts)


def sync_report(done: list[GroupSync]) -> str:
    """What `/so role sync` answers: per tied role, what changed or why it could not."""
    if not done:
        return "No role is tied to a user group. Tie one with `/so role group supervisor @supervisors`."
    lines = []
    for d in done:
        name = f"*{d.role}* (@{mrkdwn_escape(d.handle)})" if d.handle else f"*{d.role}*"
        if d.error:
            lines.append(f":warning: {name}: not synced — {d.error}.")
        elif d.result is not None and d.result.changed:
            lines.append(f"{name}: {sync_summary(d.result)}.")
        else:
            lines.append(f"{name}: no change.")
    return "\n".join(lines)


def actor_text(actor: str, note: str = "") -> str:
    """Who made a change, for people: a mention, or the bot's own ways of changing roles."""
    if SLACK_USER.match(actor):
        return f"<@{actor}>"
    if actor == GROUP_SYNC:
        return f"the {mrkdwn_escape(note)} sync" if note.startswith("@") else "the user group sync"
    if actor == "SO_ADMINS":
        return "the configuration (SO_ADMINS)"
    if actor == "cli":
        return "the command line"
    return mrkdwn_escape(actor)


def history_line(change: ChangeView, tz: ZoneInfo) -> str:
    """ "<date> <@admin> made <@pedro> a supervisor" / "… <@pedro> is no longer a supervisor"."""
    who = actor_text(change.actor_id, change.note)
    what = role_text(change.role)
    if change.change == GRANTED:
        text = f"{who} made <@{change.user_id}> {what}"
    else:
        text = f"{who} took {change.role} from <@{change.user_id}>"
    if change.note and not change.note.startswith("@"):
        text += f" ({mrkdwn_escape(change.note)})"
    return f"{slack_date(change.at, tz)} — {text}"
