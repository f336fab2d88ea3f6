"""Item 10: losing a role takes away what the role gave. A supervisor made a member of every order
submitted while they held the role, and invited to its channel, loses those orders (`/so show`,
`/so list`) and is removed from their channels (open or ended, unless archived) when the role is
revoked, by hand or by a user-group sync. A requester who loses the coordinator role keeps their
own orders (they are a party to them) but can no longer submit."""

from __future__ import annotations

from bot.demo import LAYLA, OGECHI, World
from tests.bot.helpers import card, submit_order
from tests.conftest import ADMIN, PEDRO


def said(world: World, user: str, typed: str) -> str:
    """Everything user was shown in answer to `/so TYPED` (the ack and any later answer)."""
    before = len(world.fake.responses)
    result = world.fake.slash_command(user, "/so", typed)
    assert result.status == 200, result.body_text
    world.settle()
    return "\n".join(r.get("text", "") for r in world.fake.responses[before:] if r.get("user") == user)


def test_a_revoked_supervisor_loses_the_orders_and_channels_the_role_gave(world: World):
    fake, wf = world.fake, world.runtime.workflow
    assert "is now supervisor" in said(world, ADMIN, f"role <@{PEDRO}> supervisor")
    ended = submit_order(world, title="Old printer")
    wf.reject(ended.id, OGECHI, "Not ours")
    order = submit_order(world, title="Fix the router")
    world.settle()
    for o in (order, ended):
        assert PEDRO in fake.channels[o.channel_id].members
    assert order.number in said(world, PEDRO, f"show {order.number}")
    assert f"<@{PEDRO}>" in str(card(world, order)["blocks"])  # the card names its supervisors

    assert "no longer supervisor" in said(world, ADMIN, f"role revoke <@{PEDRO}> supervisor")
    world.settle()
    assert "No order" in said(world, PEDRO, f"show {order.number}")
    assert "No order" in said(world, PEDRO, f"show {ended.number}")
    listed = said(world, PEDRO, "list status:open,ended") + said(world, PEDRO, "list")
    assert order.number not in listed and ended.number not in listed
    kicked = {(c.params.get("channel"), c.params.get("user")) for c in fake.calls_to("conversations.kick")}
    assert kicked == {(order.channel_id, PEDRO), (ended.channel_id, PEDRO)}
    for o in (order, ended):
        assert PEDRO not in fake.channels[o.channel_id].members
        assert {LAYLA, OGECHI} <= fake.channels[o.channel_id].members  # nobody else
    assert f"<@{PEDRO}>" not in str(card(world, order)["blocks"])
    assert wf.effects("failed") == []

    # The requester who loses the coordinator role keeps their own orders, and cannot submit.
    assert "no longer coordinator" in said(world, ADMIN, f"role revoke <@{LAYLA}> coordinator")
    world.settle()
    assert order.number in said(world, LAYLA, f"show {order.number}")
    assert LAYLA in fake.channels[order.channel_id].members
    assert "Only a coordinator or an admin can submit orders" in said(world, LAYLA, "new")


def test_leaving_the_user_group_takes_the_orders_too(world: World):
    fake, wf = world.fake, world.runtime.workflow
    group = fake.add_usergroup("supervisors", members=[PEDRO])
    said(world, ADMIN, f"role group supervisor <!subteam^{group['id']}|@supervisors>")
    assert "supervisor" in wf.roles_of(PEDRO)
    order = submit_order(world)
    assert PEDRO in fake.channels[order.channel_id].members
    fake.set_usergroup_members(group["id"], [])
    assert f"<@{PEDRO}> is no longer" in said(world, ADMIN, "role sync")
    world.settle()
    assert "No order" in said(world, PEDRO, f"show {order.number}")
    assert PEDRO not in fake.channels[order.channel_id].members
