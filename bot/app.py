"""The Bolt app: built from settings and collaborators; wiring only, no logic."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient

from bot.config import Settings
from bot.listeners import register_listeners
from bot.listeners.guard import describe, is_database_error
from bot.listeners.unhandled import answer_unhandled
from bot.worker import Worker
from workflow.service import Workflow

log = logging.getLogger(__name__)


def _is_obj(value: object, *keys: str) -> bool:
    """value is a dict whose keys are non-empty strings."""
    return isinstance(value, dict) and all(isinstance(value.get(k), str) and value.get(k) for k in keys)


def malformed(body: object) -> str:
    """Why a payload cannot be what Slack sends (empty when it looks right).

    Bolt's own middleware and matchers read these fields without checking their types: a payload
    of the wrong shape is refused before Bolt sees it (see bot.server)."""
    if not isinstance(body, dict):
        return "body"
    kind = body.get("type")
    for key in ("view", "event", "container", "message"):
        if key in body and not isinstance(body[key], dict):
            return key
    for key in ("user", "channel", "team", "enterprise"):
        if body.get(key) is not None and not isinstance(body[key], dict | str):
            return key
    if "actions" in body and not (
        isinstance(body["actions"], list) and all(_is_obj(a) for a in body["actions"])
    ):
        return "actions"
    if kind in ("block_actions", "view_submission", "view_closed", "block_suggestion"):
        if not _is_obj(body.get("user"), "id"):
            return "user"
        if kind == "block_actions":
            actions = body.get("actions")
            if not (isinstance(actions, list) and actions and all(_is_obj(a, "action_id") for a in actions)):
                return "actions"
            if "container" in body and not isinstance(body["container"], dict):
                return "container"
        if kind.startswith("view") and not _is_obj(body.get("view"), "callback_id", "type"):
            return "view"
    if kind == "event_callback" and not _is_obj(body.get("event"), "type"):
        return "event"
    if "command" in body and not isinstance(body.get("user_id"), str):
        return "user_id"
    return ""


def create_app(settings: Settings, workflow: Workflow, dispatcher: Worker, client: WebClient) -> App:
    """A Bolt app that acks once the listener is done. Requests reach it through bot.server, which
    checks every signature over the raw bytes before anything is parsed (Socket Mode has none), so
    Bolt does not check it a second time on the ack path.

    process_before_response=True: listeners only parse, run one transaction and ack (slow work is
    queued for the dispatcher; their own Slack calls run after the HTTP answer, bot.after), so
    answering after the listener costs nothing and avoids Bolt's 10 ms ack polling. Each listener
    runs under bot.listeners.guard: a failure is answered where the person is, never in silence.
    A request no listener takes (an old form or button) reaches the error handler, which answers
    it as bot.listeners.unhandled says: no catch-all listener, so the order of registration does
    not matter.
    """
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=False,  # bot.server.SlackASGI has checked it
        raise_error_for_unhandled_request=True,  # answered by on_error (bot.listeners.unhandled)
    )

    def collaborators(context, next):  # type: ignore[no-untyped-def]
        context["workflow"] = workflow
        context["dispatcher"] = dispatcher
        context["settings"] = settings
        next()

    app.use(collaborators)

    @app.error
    def on_error(error, body, context, client, logger):  # type: ignore[no-untyped-def]
        if isinstance(error, BoltUnhandledRequestError):
            return answer_unhandled(body if isinstance(body, dict) else {}, context, client)
        # Forms, commands and clicks are answered by bot.listeners.guard; what comes here is an
        # event, or a failure outside any listener.
        kind = body.get("type") or ("command" if "command" in body else "unknown")
        if kind == "event_callback" and is_database_error(error):
            # Not recorded: Slack delivers the event again later (its event_id is recorded once).
            logger.warning("event not recorded, Slack will retry: %s", describe(error))
            return BoltResponse(status=500, body="")
        logger.exception("listener failed on a %s request: %s", kind, type(error).__name__)
        # Slack shows its own "something went wrong"; an event is not retried into the same crash.
        return BoltResponse(status=200, body="")

    register_listeners(app)
    return app
