"""Item 15: the admin role is never tied to a Slack user group (whoever may edit the group would
become admin at the next sync): refused in Slack with the reason, nothing stored, and no sync
makes anyone admin, not even through a tie stored by an older version."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.demo import LAYLA, World
from bot.roles import sync_role_groups
from storage.db import transaction
from storage.models import RoleGroup
from tests.bot.helpers import ephemerals_to
from tests.conftest import ADMIN, PEDRO
from workflow.service import Refused


def test_tying_admin_to_a_user_group_is_refused_and_nothing_makes_its_members_admin(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("it-admins", members=[PEDRO, LAYLA])
    result = fake.slash_command(ADMIN, "/so", f"role group admin <!subteam^{group['id']}|@it-admins>")
    assert result.status == 200, result.body_text
    told = " ".join(ephemerals_to(world, ADMIN))
    assert "granted one by one" in told and "Nothing was changed" in told, told
    assert wf.role_book.groups() == []
    assert not fake.calls_to("usergroups.users.list")  # not even looked at
    with pytest.raises(Refused) as refused:  # nor through the workflow (the CLI has no group command)
        wf.role_book.tie(ADMIN, "admin", group["id"], "it-admins")
    assert refused.value.code == "admin_group"

    fake.slash_command(ADMIN, "/so", "role sync")
    client = WebClient(token="xoxb-sandbox", base_url=fake.url)
    assert sync_role_groups(wf, client) == 0
    assert "admin" not in wf.roles_of(PEDRO) and "admin" not in wf.roles_of(LAYLA)


def test_an_admin_tie_stored_by_an_older_version_makes_nobody_admin(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("it-admins", members=[PEDRO])
    with transaction(wf.engine) as s:  # as a version before this fix could leave it
        s.add(RoleGroup(role="admin", usergroup_id=group["id"], handle="it-admins", set_by=ADMIN))
    client = WebClient(token="xoxb-sandbox", base_url=fake.url)
    assert sync_role_groups(wf, client) == 0
    fake.slash_command(ADMIN, "/so", "role sync")
    told = " ".join(ephemerals_to(world, ADMIN))
    assert "admin" not in wf.roles_of(PEDRO)
    assert "one by one" in told and "/so role ungroup admin" in told, told
