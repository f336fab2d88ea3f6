"""Slack gets its HTTP answer before the bot's slower calls (issue 11, item 4).

With process_before_response=True the answer leaves when the listener returns: a POST to the
response_url, views.open or views.update made inside the listener holds it. The local Slack is made
slow for one call (it performs it at once, answers after a pause) and records what it had finished
answering when the bot's answer arrived (HttpResult.served_before): the slow call must come after.
The database does not matter here, so these run on SQLite only.
"""

from __future__ import annotations

import pytest

from bot.demo import LAYLA, OGECHI, World
from forms import ids
from tests.bot.helpers import click, ephemerals_to, opened_view, submit_order
from tests.conftest import ADMIN

SLOW = 1.0  # seconds the local Slack waits before answering the slowed call

pytestmark = pytest.mark.parametrize("world", ["sqlite"], indirect=True)


def answered_before_and_after(world: World, served_before: int, call: str, already: int) -> tuple[int, int]:
    """How many calls named call the local Slack finished before the bot's answer, and after it."""
    served = world.fake.served
    return served[:served_before].count(call) - already, served[served_before:].count(call)


def test_a_click_is_answered_before_its_response_url_post(world):
    """Provoke: a Customer copy click, whose answer goes to the click's response_url, made slow."""
    fake = world.fake
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    fresh = world.runtime.workflow.order(order.id)
    already = fake.served.count("response")
    fake.delay_next("response", SLOW)
    result = fake.click(LAYLA, fresh.channel_id, fresh.card_ts, ids.CUSTOMER_COPY)
    assert result.status == 200
    world.settle()  # the worker carries the click out after the answer, then answers it
    assert answered_before_and_after(world, result.served_before, "response", already) == (0, 1)
    assert any("customer copy" in t.lower() for t in ephemerals_to(world, LAYLA))


def test_a_command_is_answered_before_its_form_opens(world):
    """Provoke: /so new with views.open made slow."""
    fake = world.fake
    already = fake.served.count("views.open")
    fake.delay_next("views.open", SLOW)
    result = fake.slash_command(LAYLA, "/so", "new")
    assert result.status == 200 and not result.body_text.strip()
    assert answered_before_and_after(world, result.served_before, "views.open", already) == (0, 1)
    assert fake.views[opened_view(world)]["callback_id"] == ids.NEW_ORDER  # the form is open


def test_a_card_button_is_answered_before_its_form_opens(world):
    """Provoke: the card's Reject button (it opens the reason form) with views.open made slow."""
    fake = world.fake
    order = submit_order(world)
    fresh = world.runtime.workflow.order(order.id)
    already = fake.served.count("views.open")
    fake.delay_next("views.open", SLOW)
    result = fake.click(OGECHI, fresh.channel_id, fresh.card_ts, ids.REJECT)
    assert result.status == 200
    assert answered_before_and_after(world, result.served_before, "views.open", already) == (0, 1)
    assert fake.views[opened_view(world)]["callback_id"] == ids.REJECT_ORDER


def test_a_button_inside_a_form_is_answered_before_the_form_changes(world):
    """Provoke: Add line in the new-order form with views.update made slow."""
    fake = world.fake
    assert fake.slash_command(LAYLA, "/so", "new").status == 200
    view = opened_view(world)
    blocks_before = len(fake.views[view]["blocks"])
    already = fake.served.count("views.update")
    fake.delay_next("views.update", SLOW)
    result = fake.view_action(LAYLA, view, ids.ADD_LINE, ids.LINES_ACTIONS_BLOCK)
    assert result.status == 200
    assert answered_before_and_after(world, result.served_before, "views.update", already) == (0, 1)
    assert len(fake.views[view]["blocks"]) > blocks_before  # the line was added


def test_an_admins_command_is_answered_before_the_catalog_form_opens(world):
    """Provoke: /so catalog (an admin's form) with views.open made slow."""
    fake = world.fake
    already = fake.served.count("views.open")
    fake.delay_next("views.open", SLOW)
    result = fake.slash_command(ADMIN, "/so", "catalog")
    assert result.status == 200 and not result.body_text.strip()
    assert answered_before_and_after(world, result.served_before, "views.open", already) == (0, 1)
    assert fake.views[opened_view(world)]["callback_id"] == ids.MASTER_ITEM


def test_a_form_that_cannot_open_after_the_answer_is_explained(world):
    """views.open fails (the trigger expired) once the command is answered: the person is told."""
    fake = world.fake
    fake.fail_next("views.open", "expired_trigger_id")
    result = fake.slash_command(LAYLA, "/so", "new")
    assert result.status == 200
    assert any("took too long to open the form" in t for t in ephemerals_to(world, LAYLA))
