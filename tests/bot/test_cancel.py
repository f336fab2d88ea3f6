"""/so cancel: the CANCEL row of the rules table, through Slack — who may, with a reason, and what
the channel and the card show afterwards."""

from __future__ import annotations

from bot.demo import DIEGO, LAYLA, OGECHI
from forms import ids
from tests.bot.helpers import buttons, card, channel_texts, click, ephemerals_to, opened_view, submit_order
from tests.conftest import PEDRO


def test_the_requester_cancels_with_a_reason_and_the_channel_and_card_say_so(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    answer = fake.slash_command(LAYLA, "/so", "cancel SO-0001 The client <!channel> called it off").body_text
    assert "Cancelling" in answer and "SO-0001" in answer
    world.settle()
    assert wf.order(order.id).status == "cancelled"
    said = [t for t in channel_texts(world, order) if "cancelled" in t]
    assert len(said) == 1 and "called it off" in said[0]
    assert "<!channel>" not in said[0]  # typed text is escaped before the bot posts it
    shown = card(world, order)
    assert buttons(shown) == ["Reinstate"]  # the office's way back; nothing else on a cancelled order
    assert "Cancelled" in str(shown)


def test_who_may_not_or_without_a_reason_is_told_and_nothing_changes(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    refused = fake.slash_command(PEDRO, "/so", "cancel SO-0001 Because").body_text
    assert "No order" in refused or "Only" in refused
    refused = fake.slash_command(DIEGO, "/so", "cancel SO-0001 Because").body_text
    assert "Nothing was changed" in refused or "No order" in refused
    no_reason = fake.slash_command(OGECHI, "/so", "cancel SO-0001").body_text
    assert "reason" in no_reason.lower()
    world.settle()
    assert wf.order(order.id).status == "in_progress"
    assert fake.slash_command(OGECHI, "/so", "cancel SO-0001 Duplicate order").status == 200
    world.settle()
    assert wf.order(order.id).status == "cancelled"
    again = fake.slash_command(OGECHI, "/so", "cancel SO-0001 Again").body_text
    assert "Nothing was changed" in again
    assert len([t for t in channel_texts(world, order) if "cancelled" in t]) == 1


def test_reinstate_puts_a_cancelled_order_back_where_it_was(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    assert fake.slash_command(LAYLA, "/so", "cancel SO-0001 The client found another provider").status == 200
    world.settle()
    assert wf.order(order.id).status == "cancelled"

    click(world, OGECHI, order, ids.REINSTATE)  # a supervisor is not the office: refused, naming who may
    assert any("coordinator or an admin" in t for t in ephemerals_to(world, OGECHI))
    assert wf.order(order.id).status == "cancelled"

    click(world, LAYLA, order, ids.REINSTATE)
    after = wf.order(order.id)
    assert after.status == "in_progress"  # where it was cancelled from, not back to approval
    said = [t for t in channel_texts(world, order) if "reinstated" in t]
    assert len(said) == 1 and "In progress" in said[0]
    assert "Close order" in buttons(card(world, order)) and "Reinstate" not in buttons(card(world, order))
    # cancelled again and reinstated again: each time its own channel topic, nothing lost
    assert fake.slash_command(LAYLA, "/so", "cancel SO-0001 Postponed").status == 200
    world.settle()
    click(world, LAYLA, order, ids.REINSTATE)
    assert wf.order(order.id).status == "in_progress"
    assert not wf.effects("failed")
    topics = [c.params.get("topic") for c in fake.calls_to("conversations.setTopic")]
    assert sum(1 for t in topics if t and "Cancelled" in t) == 2


def test_cancel_order_on_the_card_asks_why(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    assert "Cancel order" in buttons(card(world, order))
    world.runtime.workflow.add_field_workers(order.id, OGECHI, [DIEGO])
    world.settle()  # Diego is invited to the channel
    click(world, DIEGO, order, ids.OPEN_CANCEL)  # the order's field worker may not call it off
    assert any("Only" in t and "requester" in t for t in ephemerals_to(world, DIEGO))

    click(world, LAYLA, order, ids.OPEN_CANCEL)
    view = opened_view(world)
    fake.fill(view, ids.CANCEL_REASON, ids.CANCEL_REASON, "   ")  # spaces are no reason: the form says so
    assert fake.submit(LAYLA, view).status == 200
    assert "reason" in fake.view_errors[view][ids.CANCEL_REASON].lower()
    fake.fill(view, ids.CANCEL_REASON, ids.CANCEL_REASON, "The client <!here> moved the visit to 2027")
    assert fake.submit(LAYLA, view).status == 200
    world.settle()
    assert wf.order(order.id).status == "cancelled"
    said = [t for t in channel_texts(world, order) if "cancelled" in t]
    assert len(said) == 1 and "moved the visit" in said[0] and "<!here>" not in said[0]
    assert buttons(card(world, order)) == ["Reinstate"]
