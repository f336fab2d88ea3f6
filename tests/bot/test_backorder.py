"""Create backorder (issue 13): what is still to do on an order that went to the accounting becomes
SO-0042-1, -2, … — the lines picked, the original's client and field workers, a channel of its own,
waiting for approval; `/so show 1-1` finds it and `/so show 1` lists it."""

from __future__ import annotations

from bot.demo import DIEGO, LAYLA, OGECHI
from forms import ids
from tests.bot.helpers import buttons, card, channel_texts, click, ephemerals_to, opened_view, submit_order
from tests.bot.test_escaping import unescaped
from tests.bot.test_ready_for_invoicing import office  # noqa: F401 - the fixture these tests use
from workflow import commands as c

LINES = (("Diagnosis", "2 h × 85", "labour"), ("Router AX", "1 pcs × 120", "material"))


def ready_order(world):  # type: ignore[no-untyped-def]
    """An order with Diego on it, closed and marked ready for invoicing by Layla."""
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world, lines=LINES)
    click(world, OGECHI, order, ids.APPROVE)
    wf.add_field_workers(order.id, OGECHI, [DIEGO])
    click(world, OGECHI, order, ids.OPEN_CLOSE)
    view = opened_view(world)
    fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
    fake.fill(view, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
    assert fake.submit(OGECHI, view).status == 200
    world.settle()
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    assert wf.order(order.id).status == "ready_for_invoicing"
    return wf.order(order.id)


def test_a_backorder_carries_the_lines_picked_into_a_new_order_waiting_for_approval(office):  # noqa: F811
    world, fake, wf = office, office.fake, office.runtime.workflow
    order = ready_order(world)
    assert "Create backorder" in buttons(card(world, order))

    click(world, DIEGO, order, ids.OPEN_BACKORDER)  # a field worker is not the office
    assert any("coordinator or an admin" in t for t in ephemerals_to(world, DIEGO))

    click(world, LAYLA, order, ids.OPEN_BACKORDER)
    view = opened_view(world)
    shown = fake.views[view]
    boxes = [b for b in shown["blocks"] if b.get("block_id", "").startswith(ids.BACKORDER_LINES)]
    assert [o["text"]["text"] for o in boxes[0]["element"]["options"]] == ["2 h Diagnosis", "1 pcs Router AX"]
    assert not boxes[0]["element"].get("initial_options")  # none picked by default
    fake.fill(view, ids.BACKORDER_TITLE, ids.BACKORDER_TITLE, "Fit the second router <!channel>")
    fake.fill(view, boxes[0]["block_id"], ids.BACKORDER_LINES, ["1"])
    assert fake.submit(LAYLA, view).status == 200
    world.settle()

    new = wf.find("1-1")
    assert new is not None and new.number == "SO-0001-1"
    assert new.status == "pending_approval" and new.client == order.client and new.site == order.site
    assert [(x.description, x.quantity) for x in new.lines] == [("Router AX", 1)]
    assert new.channel_id and new.channel_id != order.channel_id and new.card_ts
    assert buttons(card(world, new))[:2] == ["Approve", "Reject"]
    assert unescaped(world) == []  # what was typed is escaped wherever the bot posts it
    assert wf.order(order.id).status == "ready_for_invoicing"  # the original is as it was
    told = [t for t in channel_texts(world, order) if "backorder" in t]
    assert len(told) == 1 and "SO-0001-1" in told[0]

    # approved like any order: the field workers of the original are on it
    click(world, OGECHI, new, ids.APPROVE)
    assert wf.order(new.id).status == "in_progress"
    assert list(wf.order(new.id).field_workers) == [DIEGO]

    # a second one is -2; the original lists both
    wf.execute(LAYLA, c.CreateBackorder(order.id))
    shown = fake.slash_command(LAYLA, "/so", "show 1").body_text
    assert "SO-0001-1" in shown and "SO-0001-2" in shown
    assert "SO-0001-1" in fake.slash_command(LAYLA, "/so", "show SO-0001-1").body_text
