"""Roles managed in Slack, through the real app and the local Slack: the Roles window, `/so role
group` and `/so role sync` with a user group, the scheduled sync, Slack's errors, non-admins."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.demo import LAYLA, OGECHI, World
from bot.roles import sync_role_groups
from forms import ids
from tests.conftest import ADMIN, PEDRO


def answer(world: World, user: str, typed: str) -> str:
    """What the bot answered user's `/so TYPED` (shown only to them): the answer to the command, then
    what it said through the command's response_url once the Slack calls after the answer were made."""
    before = len(world.fake.responses)
    result = world.fake.slash_command(user, "/so", typed)
    assert result.status == 200, result.body_text
    shown = [r for r in world.fake.responses[before:] if r.get("user") == user]
    later = [str(r.get("text", "")) for r in shown if r.get("via") == "response_url"]
    if later:
        return "\n".join(later)
    return str(result.json.get("text", "")) if isinstance(result.json, dict) else result.body_text


def roles_window(world: World) -> str:
    """The admin opens the Roles window with `/so role`; its view id."""
    before = len(world.fake.calls_to("views.open"))
    assert answer(world, ADMIN, "role") == ""
    opened = world.fake.calls_to("views.open")
    assert len(opened) == before + 1, opened[-1].response if opened else "no views.open"
    return opened[-1].response["view"]["id"]


def section_texts(view: dict) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b.get("type") == "section" and b.get("text")]


def test_roles_window_lists_holders_and_revoke_updates_it_in_place(world: World):
    fake, wf = world.fake, world.runtime.workflow
    assert "is now supervisor" in answer(world, ADMIN, f"role <@{PEDRO}> supervisor")
    view_id = roles_window(world)
    view = fake.views[view_id]
    View(
        **{k: view[k] for k in ("type", "title", "blocks", "submit", "close", "callback_id")}
    ).validate_json()
    texts = section_texts(view)
    assert any(f"<@{PEDRO}>" in t for t in texts) and any(f"<@{OGECHI}>" in t for t in texts)
    assert any("*Supervisor* — 2 people" in t for t in texts)
    assert "made <@U0PEDRO01> a supervisor" in fake.views[view_id]["blocks"][-1]["text"]["text"]

    result = fake.view_action(ADMIN, view_id, ids.ROLE_REVOKE, ids.role_revoke_block("supervisor", PEDRO))
    assert result.status == 200
    update = fake.calls_to("views.update")[-1]
    assert update.params["view_id"] == view_id and update.params.get("hash")  # in place, with the hash
    assert "supervisor" not in wf.roles_of(PEDRO)
    texts = section_texts(fake.views[view_id])
    assert f":white_check_mark: <@{PEDRO}> is no longer a supervisor." in texts[0]
    assert not any(
        b.get("block_id") == ids.role_revoke_block("supervisor", PEDRO) for b in fake.views[view_id]["blocks"]
    )
    assert [(c.actor_id, c.change) for c in wf.role_history(PEDRO)] == [
        (ADMIN, "revoked"),
        (ADMIN, "granted"),
    ]


def test_the_configured_admin_has_no_revoke_button(world: World):
    fake, wf = world.fake, world.runtime.workflow
    wf.grant(ADMIN, LAYLA, "admin")
    view_id = roles_window(world)
    rows = {b["block_id"]: b for b in fake.views[view_id]["blocks"]}
    assert "set by SO_ADMINS" in rows[ids.role_revoke_block("admin", ADMIN)]["text"]["text"]
    assert "accessory" not in rows[ids.role_revoke_block("admin", ADMIN)]  # no Revoke button
    fake.view_action(ADMIN, view_id, ids.ROLE_REVOKE, ids.role_revoke_block("admin", LAYLA))
    assert "admin" not in wf.roles_of(LAYLA) and "admin" in wf.roles_of(ADMIN)


def test_grant_from_the_window(world: World):
    fake, wf = world.fake, world.runtime.workflow
    view_id = roles_window(world)
    fake.fill(view_id, ids.ROLE_GRANT_USER, ids.ROLE_GRANT_USER, PEDRO)
    fake.fill(view_id, ids.ROLE_GRANT_ROLE, ids.ROLE_GRANT_ROLE, "field_worker")
    result = fake.submit(ADMIN, view_id)
    assert result.json["response_action"] == "update", result.body_text
    assert "field_worker" in wf.roles_of(PEDRO)
    texts = section_texts(fake.views[view_id])
    assert f"<@{PEDRO}> is now a field worker." in texts[0]
    assert any(
        b.get("block_id") == ids.role_revoke_block("field_worker", PEDRO)
        for b in fake.views[view_id]["blocks"]
    )


def test_a_user_group_gives_and_takes_a_role(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("supervisors", "Supervisors", members=[PEDRO, OGECHI])
    said = answer(world, ADMIN, f"role group supervisor <!subteam^{group['id']}|@supervisors>")
    assert "*supervisor* is now tied to @supervisors" in said
    assert f"<@{PEDRO}> is now a supervisor (via @supervisors)" in said
    assert OGECHI not in said  # a supervisor by hand already
    assert "supervisor" in wf.roles_of(PEDRO)
    listing = answer(world, ADMIN, "role list")
    assert (
        f"<@{PEDRO}> — supervisor (via @supervisors)" in listing and f"<@{OGECHI}> — supervisor\n" in listing
    )

    refused = answer(world, ADMIN, f"role revoke <@{PEDRO}> supervisor")
    assert "through @supervisors" in refused and "supervisor" in wf.roles_of(PEDRO)

    fake.set_usergroup_members(group["id"], [LAYLA])
    said = answer(world, ADMIN, "role sync")
    assert f"<@{LAYLA}> is now a supervisor (via @supervisors); <@{PEDRO}> is no longer one" in said
    assert "supervisor" not in wf.roles_of(PEDRO) and "supervisor" in wf.roles_of(OGECHI)  # by hand: kept
    assert "no change" in answer(world, ADMIN, "role sync")
    history = answer(world, ADMIN, f"role history <@{PEDRO}>")
    assert "the @supervisors sync took supervisor from <@U0PEDRO01>" in history

    view_id = roles_window(world)
    texts = section_texts(fake.views[view_id])
    assert any("Tied to @supervisors" in t for t in texts)
    fake.set_usergroup_members(group["id"], [LAYLA, PEDRO])
    fake.view_action(ADMIN, view_id, ids.ROLE_SYNC, ids.role_sync_block("supervisor"))
    assert f"<@{PEDRO}> is now a supervisor" in section_texts(fake.views[view_id])[0]

    said = answer(world, ADMIN, "role ungroup supervisor")
    assert "no longer tied to @supervisors" in said and "supervisor" not in wf.roles_of(LAYLA)
    assert "supervisor" in wf.roles_of(OGECHI)


def test_a_group_typed_by_its_handle_is_looked_up(world: World):
    fake, wf = world.fake, world.runtime.workflow
    fake.add_usergroup("field-team", members=[PEDRO])
    assert "tied to @field-team" in answer(world, ADMIN, "role group field_worker @field-team")
    assert "field_worker" in wf.roles_of(PEDRO)
    assert fake.calls_to("usergroups.list")
    assert "no user group @nobody" in answer(world, ADMIN, "role group field_worker @nobody")


def test_the_scheduled_sync_applies_membership_changes(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("leads", members=[PEDRO])
    wf.role_book.tie(ADMIN, "coordinator", group["id"], "leads")
    client = WebClient(token="xoxb-sandbox", base_url=fake.url)
    assert sync_role_groups(wf, client) == 1
    assert "coordinator" in wf.roles_of(PEDRO)
    assert sync_role_groups(wf, client) == 0  # nothing changed in Slack
    fake.set_usergroup_members(group["id"], [])
    assert sync_role_groups(wf, client) == 1
    assert "coordinator" not in wf.roles_of(PEDRO) and "coordinator" in wf.roles_of(LAYLA)
    assert [c.change for c in wf.role_history(PEDRO)] == ["revoked", "granted"]


def test_slack_errors_are_told_to_admins_and_never_crash_the_job(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("leads", members=[PEDRO])
    said = answer(world, ADMIN, "role group coordinator <!subteam^S0GONE1234|@gone>")
    assert "Not synced yet" in said and "no such user group" in said
    wf.role_book.tie(ADMIN, "supervisor", group["id"], "leads")
    fake.withhold_scope("usergroups:read")
    client = WebClient(token="xoxb-sandbox", base_url=fake.url)
    assert sync_role_groups(wf, client) == 0  # logged, not raised
    said = answer(world, ADMIN, "role sync")
    assert "usergroups:read" in said and "supervisor" not in wf.roles_of(PEDRO)


def test_a_rate_limited_sync_waits_for_the_retry_after(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("leads", members=[PEDRO])
    wf.role_book.tie(ADMIN, "supervisor", group["id"], "leads")
    fake.fail_next("usergroups.users.list", retry_after=30)
    assert "asks to wait 30 s" in answer(world, ADMIN, "role sync")
    assert "asks to wait" in answer(world, ADMIN, "role sync")  # not asked again inside the window
    assert len(fake.calls_to("usergroups.users.list")) == 1 and not fake.calls_inside_retry_after(
        "usergroups.users.list"
    )


def test_non_admins_are_refused(world: World):
    fake, wf = world.fake, world.runtime.workflow
    for typed in ("role", "role sync", "role group supervisor <!subteam^S0X|@x>", "role history"):
        assert answer(world, LAYLA, typed) == "Only an admin can manage roles. Nothing was changed."
    assert not fake.calls_to("views.open") and not wf.role_book.groups()


def test_the_local_slack_answers_user_group_methods_as_slack_does(world: World):
    fake = world.fake
    group = fake.add_usergroup("supervisors", "Supervisors", members=[PEDRO, OGECHI])
    client = WebClient(token="xoxb-sandbox", base_url=fake.url)
    listed = client.usergroups_list(include_users=True, include_count=True)["usergroups"]
    assert [(g["id"], g["handle"], g["users"], g["user_count"]) for g in listed] == [
        (group["id"], "supervisors", [PEDRO, OGECHI], 2)
    ]
    assert "users" not in client.usergroups_list()["usergroups"][0]
    assert client.usergroups_users_list(usergroup=group["id"])["users"] == [PEDRO, OGECHI]
    with pytest.raises(SlackApiError) as e:
        client.usergroups_users_list(usergroup="S0NOPE0000")
    assert e.value.response["error"] == "no_such_subteam"
    fake.withhold_scope("usergroups:read")
    with pytest.raises(SlackApiError) as e:
        client.usergroups_list()
    assert (e.value.response["error"], e.value.response["needed"]) == ("missing_scope", "usergroups:read")
