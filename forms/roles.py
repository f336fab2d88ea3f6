"""The Roles modal (`/so role`, admins): who holds each role, a Revoke button per grant made by hand,
each role's Slack user group with "Sync now", the latest changes, and a person + role to grant.

Pure functions of plain data: the bot reads the roles and formats dates; this builds Block Kit
within Slack's limits (100 blocks a modal, 3000 characters a text) and parses the grant inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import selected_value, state_values

TITLE = "Roles"
MAX_BLOCKS = 100  # Slack's limit for a modal
TEXT_MAX = 3000  # Slack's limit for a section's or context element's text


@dataclass(frozen=True)
class Holder:
    user_id: str
    by_hand: bool  # False: through the role's user group (no Revoke button: the group decides)
    since: str = ""  # when, already formatted (a Slack date token)
    fixed_by: str = ""  # set where it cannot be revoked (e.g. "SO_ADMINS", the bot's configuration)


@dataclass(frozen=True)
class RoleSection:
    role: str  # the role's value, e.g. "supervisor"
    holders: list[Holder] = field(default_factory=list)
    group_handle: str = ""  # the tied user group's handle (without @); "" when not tied
    synced: str = ""  # when the group was last synced, already formatted; "" never


@dataclass(frozen=True)
class GrantDraft:
    user_id: str
    role: str


def role_label(role: str) -> str:
    """ "field_worker" -> "Field worker"."""
    return role.replace("_", " ").capitalize()


def revoke_value(role: str, user_id: str) -> str:
    return f"{role}:{user_id}"


def read_revoke_value(value: Any) -> tuple[str, str] | None:
    """(role, user id) from a Revoke button's value; None when it is not one (never trusted)."""
    if not isinstance(value, str) or value.count(":") != 1:
        return None
    role, user = value.split(":")
    return (role, user) if role and user.isalnum() else None


def roles_modal(
    sections: list[RoleSection], history: list[str], roles: list[str], notice: str = ""
) -> dict[str, Any]:
    """The Roles modal. history: the latest changes, one formatted line each; notice: what the last
    click did (or why it was refused), shown on top."""
    reserved = (1 if notice else 0) + 3  # the notice, the two grant inputs and the history
    for s in sections:
        # heading, holders by hand beyond the budget, holders through the group, divider
        reserved += 3 + (1 if any(not h.by_hand for h in s.holders) else 0)
    budget = max(0, MAX_BLOCKS - reserved)  # for one row (with its Revoke button) per grant by hand
    view_blocks: list[dict[str, Any]] = []
    if notice:
        view_blocks.append(blocks.section(ids.ROLES_NOTICE, _cut(notice)))
    for s in sections:
        view_blocks += _role_blocks(s, budget)
        budget -= min(budget, sum(1 for h in s.holders if h.by_hand))
    view_blocks.append(_grant_user_input())
    view_blocks.append(_grant_role_input(roles))
    changes = "\n".join(f"• {line}" for line in history) or "_No role changes recorded yet._"
    view_blocks.append(blocks.section(ids.ROLES_HISTORY, _cut(f"*Latest changes*\n{changes}")))
    return blocks.modal(ids.ROLES, TITLE, "Grant", view_blocks, "", close="Close")


def _role_blocks(s: RoleSection, budget: int) -> list[dict[str, Any]]:
    label = role_label(s.role)
    by_hand = [h for h in s.holders if h.by_hand]
    via_group = [h for h in s.holders if not h.by_hand]
    count = f"{len(s.holders)} {'person' if len(s.holders) == 1 else 'people'}" if s.holders else "nobody"
    text = f"*{label}* — {count}"
    if s.group_handle:
        text += f"\nTied to @{blocks.escape_mrkdwn(s.group_handle)}: its members hold the role · " + (
            f"synced {s.synced}" if s.synced else "not synced yet"
        )
    heading = blocks.section(ids.role_sync_block(s.role), text)
    if s.group_handle:
        heading["accessory"] = {
            "type": "button",
            "action_id": ids.ROLE_SYNC,
            "text": blocks.plain("Sync now"),
            "value": s.role,
        }
    out = [heading]
    for h in by_hand[:budget]:
        text = f"<@{h.user_id}>" + (f" · since {h.since}" if h.since else "")
        row = blocks.section(ids.role_revoke_block(s.role, h.user_id), text)
        if h.fixed_by:
            row["text"]["text"] += f" · set by {blocks.escape_mrkdwn(h.fixed_by)}"
        else:
            row["accessory"] = _revoke_button(s.role, label, h.user_id)
        out.append(row)
    rest = by_hand[budget:]
    if rest:
        out.append(
            blocks.context(
                None,
                _mentions(f"… and {len(rest)} more:", rest)
                + f" (revoke with `/so role revoke @user {s.role}`)",
            )
        )
    if via_group:
        out.append(
            blocks.context(None, _mentions(f"Via @{blocks.escape_mrkdwn(s.group_handle)}:", via_group))
        )
    out.append({"type": "divider"})
    return out


def _revoke_button(role: str, label: str, user_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": ids.ROLE_REVOKE,
        "text": blocks.plain("Revoke"),
        "value": revoke_value(role, user_id),
        "style": "danger",
        "confirm": {
            "title": blocks.plain("Revoke the role?"),
            "text": blocks.mrkdwn(f"<@{user_id}> will no longer be {label.lower()}."),
            "confirm": blocks.plain("Revoke"),
            "deny": blocks.plain("Keep"),
            "style": "danger",
        },
    }


def _mentions(lead: str, holders: list[Holder], limit: int = TEXT_MAX - 200) -> str:
    """lead and the holders' mentions, cut with "… and N more" to fit one text."""
    text = lead
    for n, h in enumerate(holders):
        more = f" … and {len(holders) - n} more"
        if len(text) + len(h.user_id) + 4 + len(more) > limit:
            return text + more
        text += f" <@{h.user_id}>"
    return text


def _cut(text: str, limit: int = TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _grant_user_input() -> dict[str, Any]:
    element = {
        "type": "users_select",
        "action_id": ids.ROLE_GRANT_USER,
        "placeholder": blocks.plain("Choose a person"),
    }
    return blocks.input_block(ids.ROLE_GRANT_USER, "Grant a role to", element, optional=False)


def _grant_role_input(roles: list[str]) -> dict[str, Any]:
    element = {
        "type": "static_select",
        "action_id": ids.ROLE_GRANT_ROLE,
        "placeholder": blocks.plain("Choose a role"),
        "options": [blocks.option(role_label(r), r) for r in roles],
    }
    return blocks.input_block(ids.ROLE_GRANT_ROLE, "Role", element, optional=False)


@never_raises(ids.ROLE_GRANT_USER)
def parse_grant(view: Any, roles: list[str]) -> FormResult[GrantDraft]:
    """The person and role chosen, or errors under the input that is missing or not one of roles."""
    values = state_values(view)
    block = values.get(ids.ROLE_GRANT_USER)
    entry = block.get(ids.ROLE_GRANT_USER) if isinstance(block, dict) else None
    user = entry.get("selected_user") if isinstance(entry, dict) else None
    role = selected_value(values, ids.ROLE_GRANT_ROLE, ids.ROLE_GRANT_ROLE)
    errors: dict[str, str] = {}
    if not isinstance(user, str) or not user.isalnum():
        errors[ids.ROLE_GRANT_USER] = "Choose the person to give the role to"
    if role not in roles:
        errors[ids.ROLE_GRANT_ROLE] = "Choose one of the roles"
    if errors:
        return failed(errors)
    assert isinstance(user, str) and role is not None
    return FormResult(GrantDraft(user, role))
