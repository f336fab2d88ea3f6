"""What a person does in Slack, in a few words, for the integration tests."""

from __future__ import annotations

import time

from bot.demo import LAYLA, World
from forms import ids
from workflow.snapshots import OrderView


def opened_view(world: World) -> str:
    """The id of the modal the bot opened last."""
    return world.fake.calls_to("views.open")[-1].response["view"]["id"]


def fill_new_order(world: World, title: str = "Router", user: str = LAYLA) -> str:
    """Open /so new and fill the client, site and title as a person would; the view's id (not
    submitted, nothing waited for)."""
    fake = world.fake
    assert fake.slash_command(user, "/so", "new").status == 200
    view = opened_view(world)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Acme")
    fake.fill(view, ids.SITE, ids.SITE, "Main Street 1")
    fake.fill(view, ids.TITLE, ids.TITLE, title)
    return view


def submit_order(
    world: World,
    user: str = LAYLA,
    title: str = "Fix the router",
    lines: tuple[tuple[str, str, str], ...] = (("Diagnosis", "2 h × 85", "labour"),),
) -> OrderView:
    """Open /so new, fill it as a person would, submit, and wait for the channel and card."""
    fake = world.fake
    assert fake.slash_command(user, "/so", "new").status == 200
    view = opened_view(world)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")
    fake.fill(view, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
    fake.fill(view, ids.TITLE, ids.TITLE, title)
    for key, (desc, amount, kind) in enumerate(lines):
        if key:
            fake.view_action(user, view, ids.ADD_LINE, ids.LINES_ACTIONS_BLOCK)
        fake.fill(view, ids.line_block(key, ids.LINE_DESC), ids.LINE_DESC, desc)
        fake.fill(view, ids.line_block(key, ids.LINE_AMOUNT), ids.LINE_AMOUNT, amount)
        fake.fill(view, ids.line_block(key, ids.LINE_ACTIONS), ids.LINE_KIND, kind)
    result = fake.submit(user, view)
    assert result.status == 200, result.body_text
    assert not fake.view_errors.get(view), fake.view_errors.get(view)
    world.settle()
    orders, _ = world.runtime.workflow.list_for(user)
    order = orders[0]
    assert order.channel_id and order.card_ts
    return order


def card(world: World, order: OrderView) -> dict:
    """The order card as it stands in the channel now."""
    fresh = world.runtime.workflow.order(order.id)
    msg = world.fake.message(fresh.channel_id, fresh.card_ts)
    assert msg is not None
    return msg


def buttons(message: dict) -> list[str]:
    return [
        e["text"]["text"]
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("type") == "button"
    ]


def click(world: World, user: str, order: OrderView, action_id: str):  # type: ignore[no-untyped-def]
    fresh = world.runtime.workflow.order(order.id)
    result = world.fake.click(user, fresh.channel_id, fresh.card_ts, action_id)
    world.settle()
    return result


def ephemerals_to(world: World, user: str) -> list[str]:
    """What only this person was shown: ephemeral messages and answers through response_url."""
    fake = world.fake
    shown = [e.get("text", "") for e in fake.ephemerals if e.get("user") == user]
    return shown + [r.get("text", "") for r in fake.responses if r.get("user") == user]


def channel_texts(world: World, order: OrderView) -> list[str]:
    fresh = world.runtime.workflow.order(order.id)
    return [m.get("text", "") for m in world.fake.messages(fresh.channel_id)]


def forged_click(world: World, user: str, order: OrderView, action_id: str):  # type: ignore[no-untyped-def]
    """A click on a card button the person should not have (a stale card, or a forged payload)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "x", "name": "x", "team_id": "T0SANDBOX"},
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "api_app_id": "A0SANDBOX",
        "container": {"type": "message", "message_ts": order.card_ts, "channel_id": order.channel_id},
        "channel": {"id": order.channel_id, "name": "x"},
        "trigger_id": "12345.67890.abcdef",
        "response_url": world.fake._new_response_url(user, order.channel_id, order.card_ts, "block_actions"),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "card",
                "value": str(order.id),
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    result = world.fake._post_payload(payload)
    world.settle()
    return result
