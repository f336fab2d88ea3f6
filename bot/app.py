"""The Bolt app: built from settings and collaborators; wiring only, no logic."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.config import Settings
from bot.effects import Dispatcher
from bot.listeners import register_listeners
from workflow.service import Workflow

log = logging.getLogger(__name__)


def create_app(settings: Settings, workflow: Workflow, dispatcher: Dispatcher, client: WebClient) -> App:
    """A Bolt app that verifies every request's signature and acks once the listener is done.

    process_before_response=True: listeners only parse, run one transaction and ack (slow work is
    queued for the dispatcher), so answering after the listener costs nothing and avoids Bolt's
    10 ms ack polling.
    """
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=True,
    )

    def collaborators(context, next):  # type: ignore[no-untyped-def]
        context["workflow"] = workflow
        context["dispatcher"] = dispatcher
        context["settings"] = settings
        next()

    app.use(collaborators)

    @app.error
    def on_error(error, body, logger):  # type: ignore[no-untyped-def]
        kind = body.get("type") or ("command" if "command" in body else "unknown")
        logger.exception("listener failed on a %s request: %s", kind, type(error).__name__)
        # Slack shows its own "something went wrong"; an event is not retried into the same crash.
        return BoltResponse(status=200, body="")

    register_listeners(app)
    return app
