"""A form or a button no listener handles (from an earlier version of the bot, or forged) is still
answered: the form turns into "Form out of date", a button in a message gets an ephemeral "no
longer in use", a select inside a form is acked quietly. No catch-all listener does it, so these
answers do not depend on the order in which the listeners are registered."""

from __future__ import annotations

import time

from bot.demo import LAYLA, World
from sandbox.slack import APP_ID
from tests.bot.helpers import ephemerals_to, submit_order


def _post(world: World, payload: dict):  # type: ignore[no-untyped-def]
    fake = world.fake
    with fake._lock:
        payload = {**payload, "team": fake._team_ref(), "user": fake._user_ref(LAYLA), "api_app_id": APP_ID}
    result = fake._post_payload(payload)
    world.settle()
    return result


def _old_button(action_id: str, container: dict) -> dict:
    return {
        "type": "block_actions",
        "container": container,
        "trigger_id": "12345.67890.abcdef",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "card",
                "value": "1",
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }


def test_an_unknown_form_turns_into_form_out_of_date(world):
    view = {
        "id": "V0OLDFORM1",
        "type": "modal",
        "callback_id": "order_reopen_v1",  # a form an earlier version opened
        "hash": "1.abc",
        "blocks": [],
        "state": {"values": {}},
    }
    answer = _post(world, {"type": "view_submission", "view": view, "response_urls": []})
    assert answer.status == 200
    assert answer.json["response_action"] == "update"
    shown = str(answer.json["view"])
    assert "Form out of date" in shown and "was not saved" in shown


def test_an_unknown_button_in_a_message_is_answered_and_one_in_a_form_is_acked(world):
    order = submit_order(world)
    in_message = {"type": "message", "message_ts": order.card_ts, "channel_id": order.channel_id}
    answer = _post(world, {**_old_button("order_reopen", in_message), "channel": {"id": order.channel_id}})
    assert answer.status == 200 and not answer.body_text.strip()
    assert any("no longer in use" in t for t in ephemerals_to(world, LAYLA))

    before = len(ephemerals_to(world, LAYLA))
    in_form = {"type": "view", "view_id": "V0OLDFORM2"}
    answer = _post(world, _old_button("old_select_in_a_form", in_form))
    assert answer.status == 200 and not answer.body_text.strip()
    assert len(ephemerals_to(world, LAYLA)) == before  # nothing to tell: its value came with the form
