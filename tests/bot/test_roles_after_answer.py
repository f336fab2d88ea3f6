"""Item 4 for `/so role`: the Slack calls a role command needs (usergroups.list and .users.list, the
Roles window's views.open and views.update) are made after Slack has its HTTP answer, even when
Slack is slow to answer them; the admin still gets the outcome (through the response_url, or the
window updated in place). Ordering, not timing: the local Slack records what it had finished
answering when the bot's answer arrived."""

from __future__ import annotations

from bot.demo import World
from forms import ids
from tests.bot.helpers import ephemerals_to
from tests.conftest import ADMIN, PEDRO

SLOW = 0.3  # seconds the local Slack waits before answering a user-group call


def gesture(world: World, do):  # type: ignore[no-untyped-def]
    """(the HTTP result of do(), what the local Slack had answered during it before the bot answered)."""
    start = len(world.fake.served)
    result = do()
    assert result.status == 200, result.body_text
    return result, world.fake.served[start : result.served_before]


def test_role_group_answers_before_the_slow_user_group_calls(world: World):
    fake, wf = world.fake, world.runtime.workflow
    fake.add_usergroup("supervisors", members=[PEDRO])
    fake.delay_next("usergroups.list", SLOW)
    fake.delay_next("usergroups.users.list", SLOW)
    _, before = gesture(world, lambda: fake.slash_command(ADMIN, "/so", "role group supervisor @supervisors"))
    assert "usergroups.list" not in before and "usergroups.users.list" not in before, before
    assert {"usergroups.list", "usergroups.users.list"} <= set(fake.served)
    told = ephemerals_to(world, ADMIN)
    assert any(f"<@{PEDRO}> is now a supervisor (via @supervisors)" in t for t in told), told
    assert "supervisor" in wf.roles_of(PEDRO)


def test_role_sync_and_the_roles_window_answer_before_slack_is_called(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("supervisors", members=[])
    wf.role_book.tie(ADMIN, "supervisor", group["id"], "supervisors")
    fake.set_usergroup_members(group["id"], [PEDRO])
    fake.delay_next("usergroups.users.list", SLOW)
    _, before = gesture(world, lambda: fake.slash_command(ADMIN, "/so", "role sync"))
    assert "usergroups.users.list" not in before, before
    assert any(f"<@{PEDRO}> is now a supervisor" in t for t in ephemerals_to(world, ADMIN))

    fake.delay_next("views.open", SLOW)  # so a call made after the answer cannot finish before it arrives
    _, before = gesture(world, lambda: fake.slash_command(ADMIN, "/so", "role"))
    assert "views.open" not in before, before
    view_id = fake.calls_to("views.open")[-1].response["view"]["id"]

    fake.set_usergroup_members(group["id"], [])
    fake.delay_next("usergroups.users.list", SLOW)
    fake.delay_next("views.update", SLOW)
    _, before = gesture(
        world, lambda: fake.view_action(ADMIN, view_id, ids.ROLE_SYNC, ids.role_sync_block("supervisor"))
    )
    assert "usergroups.users.list" not in before and "views.update" not in before, before
    assert f"<@{PEDRO}> is no longer" in str(fake.views[view_id]["blocks"])
    assert "supervisor" not in wf.roles_of(PEDRO)
