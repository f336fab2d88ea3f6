"""What a person does in Slack, in a few words, for the integration tests."""

from __future__ import annotations

from bot.demo import LAYLA, World
from forms import ids
from workflow.snapshots import OrderView


def opened_view(world: World) -> str:
    """The id of the modal the bot opened last."""
    return world.fake.calls_to("views.open")[-1].response["view"]["id"]


def submit_order(world: World, user: str = LAYLA, title: str = "Fix the router",
                 lines: tuple[tuple[str, str, str], ...] = (("Diagnosis", "2 h × 85", "labour"),)) -> OrderView:
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
    return [e["text"]["text"] for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"] if e.get("type") == "button"]


def click(world: World, user: str, order: OrderView, action_id: str):  # type: ignore[no-untyped-def]
    fresh = world.runtime.workflow.order(order.id)
    result = world.fake.click(user, fresh.channel_id, fresh.card_ts, action_id)
    world.settle()
    return result


def ephemerals_to(world: World, user: str) -> list[str]:
    return [e.get("text", "") for e in world.fake.ephemerals if e.get("user") == user]


def channel_texts(world: World, order: OrderView) -> list[str]:
    fresh = world.runtime.workflow.order(order.id)
    return [m.get("text", "") for m in world.fake.messages(fresh.channel_id)]
