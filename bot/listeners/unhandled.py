"""Requests no listener handles: a form or a button from an earlier version of the bot (or a forged
payload). Bolt hands them to the app's error handler (raise_error_for_unhandled_request, bot.app),
so what is registered, and in which order, never decides whether a request is answered.

- a form: it turns into "Form out of date" (it was not saved; the person opens it again);
- a button in a message: acked, and the person is told it is no longer in use; inside a form (a
  select whose value arrives with the submission): acked only;
- anything else (an event the bot does not listen to, a typeahead nobody serves): Bolt's own
  answer (404), logged as a warning.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from bot import replies
from bot.listeners.common import answer, field

log = logging.getLogger(__name__)

FORM_OUT_OF_DATE = "This form is from an older version of the bot and was not saved. Please open it again."
BUTTON_OUT_OF_DATE = "That button is no longer in use. `/so list` shows your orders."


def answer_unhandled(body: dict, context: BoltContext, client: WebClient) -> BoltResponse | None:
    """The answer to a request no listener took (see the module's doc); None: Bolt's own."""
    kind = body.get("type")
    if kind == "view_submission":
        log.warning("unknown view callback id %r", str(field(body.get("view"), "callback_id"))[:80])
        view = replies.notice_view("Form out of date", FORM_OUT_OF_DATE)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        log.warning("unknown action id %r", str(field(actions[0], "action_id") or "?")[:80])
        if field(body.get("container"), "type") == "message":
            answer(context, client, body, BUTTON_OUT_OF_DATE)
        return BoltResponse(status=200, body="")
    log.warning("no listener for a %s request", str(kind or ("command" if "command" in body else "?"))[:40])
    return None
