"""Every listener runs under one guard: a failure never closes a form, nor leaves a person unanswered.

Without it, a listener that raised (the database restarting, a disk full, a lock outlasting its
bound, a bug) answered Slack 200 with an empty body: a form closed as if it had been saved, a command
or a click went unanswered. Under the guard:

- a dropped database connection (SQLAlchemy marks the error connection_invalidated, and the pool
  then hands out a new one) is retried once, at once; whatever fails then is answered as below.
  Only that: a lock or statement timeout is not retried, as a second wait would outlast Slack's 3 s;
- a form (view_submission) stays open, with an error under its first input block saying nothing was
  saved;
- a command gets an ephemeral answer in the HTTP response itself (or, when it had already answered,
  through its response_url);
- a click (block_actions) gets an ephemeral answer through its response_url, after the HTTP answer;
- a typeahead (block_suggestion) gets no options;
- an event goes on to the app's error handler (bot.app): a database error answers 500, so Slack
  delivers the event again (its event_id is recorded once), a bug 200 (no retry into the same crash).

The log names the error's type and the database's first line, never the statement's parameters
(they hold what people typed), and never is a traceback shown to anyone in Slack.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.kwargs_injection import Args
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot import after, replies

log = logging.getLogger(__name__)

DATABASE_DOWN = (
    ":warning: Nothing was saved: the service could not reach its database just now. "
    "Please try again in a minute."
)
SOMETHING_WRONG = (
    ":warning: Something went wrong and nothing was saved. Please try again; if it happens again, "
    "tell an admin."
)
_REGISTRARS = frozenset({"action", "command", "event", "message", "options", "shortcut", "view"})


def is_database_error(error: BaseException) -> bool:
    return isinstance(error, SQLAlchemyError)


def dropped_connection(error: BaseException) -> bool:
    """The database connection went away under the statement (a restart, a network blip)."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def describe(error: BaseException) -> str:
    """For the log: the error's type and the database's first line, without statement or values."""
    original = getattr(error, "orig", None)
    if original is None:
        return type(error).__name__
    first = (str(original).strip().splitlines() or [""])[0][:200]
    return f"{type(error).__name__} ({type(original).__name__}: {first})"


def guarded(listener: Callable[..., Any]) -> Callable[[Args], Any]:
    """listener under the guard (see the module's doc); Bolt passes it the arguments it names."""
    names = inspect.getfullargspec(listener).args
    name = getattr(listener, "__qualname__", repr(listener))

    def run(args: Args) -> Any:
        kwargs = {n: getattr(args, n) if hasattr(args, n) else args.context.get(n) for n in names}
        mark = after.mark(args.context)
        try:
            return listener(**kwargs)
        except Exception as error:
            after.discard(args.context, mark)  # the work it left after the answer is not done now
            if not dropped_connection(error):
                return _failed(args, name, error)
            log.warning("%s: the database connection dropped (%s); trying once more", name, describe(error))
        try:
            return listener(**kwargs)
        except Exception as error:
            after.discard(args.context, mark)
            return _failed(args, name, error)

    run.__name__ = getattr(listener, "__name__", "listener")
    run.__qualname__ = name
    run.__doc__ = listener.__doc__
    run.__module__ = getattr(listener, "__module__", __name__)
    return run


def _failed(args: Args, name: str, error: Exception) -> None:
    """Answer a listener's failure where the person is (see the module's doc)."""
    body = args.body if isinstance(args.body, dict) else {}
    kind = body.get("type")
    if kind == "event_callback":
        raise error  # bot.app's error handler: 500 (Slack retries) for a database error
    if is_database_error(error):
        log.warning("%s failed on a %s: %s", name, kind or "command", describe(error))
        text = DATABASE_DOWN
    else:
        log.error("%s failed on a %s", name, kind or "command", exc_info=error)
        text = SOMETHING_WRONG
    ack = args.ack
    acked = ack.response is not None
    if kind == "view_submission":
        if not acked:
            ack(**_form_error(body.get("view"), text))
        return None  # answered already: what it answered stands
    if kind == "block_suggestion":
        if not acked:
            ack(options=[])
        return None
    if "command" in body and not acked:
        ack(text=text)
        return None
    if not acked:
        ack()
    if kind == "block_actions" or "command" in body:
        hooks = args.context["settings"].slack_hooks_url
        after.after_response(args.context, replies.answer, args.client, body, text, hooks)
    return None


def _form_error(view: object, text: str) -> dict:
    """The form stays open with text under its first input block (Slack accepts errors only under
    input blocks); a view with none turns into a notice."""
    blocks = view.get("blocks") if isinstance(view, dict) else None
    first = next(
        (
            b["block_id"]
            for b in blocks or []
            if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("block_id"), str)
        ),
        None,
    )
    if first:
        return {"response_action": "errors", "errors": {first: text}}
    return {"response_action": "update", "view": replies.notice_view("Not saved", text)}


class GuardedApp:
    """The app as the listener modules see it: each listener they register runs under guarded()."""

    def __init__(self, app: App) -> None:
        self._app = app

    def __getattr__(self, attr: str) -> Any:
        found = getattr(self._app, attr)
        if attr not in _REGISTRARS:
            return found

        def registrar(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            register = found(*args, **kwargs)

            def decorate(listener: Callable[..., Any]) -> Callable[..., Any]:
                register(guarded(listener))
                return listener

            return decorate

        return registrar
