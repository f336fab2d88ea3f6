"""Work that runs after Slack has its answer.

With `process_before_response=True` a listener's `ack()` only buffers the answer: the HTTP response
leaves when the listener returns. Anything slower than a few milliseconds (a POST to a
`response_url`, `views.open`, any Slack Web API call) is handed to `after_response(context, fn)`:

- under `bot.server` (HTTP mode) the request's context carries a list; the server sends the HTTP
  response first, then runs what was collected, in order, on a small thread pool;
- elsewhere (Socket Mode, or a test calling a listener directly) there is no list: the work starts
  at once on the same pool, so the listener still returns without waiting for it.

Failures are logged, never raised into the listener: the listener has answered already. Work that
must not be lost goes to the outbox (the dispatcher), not here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

KEY = "after_response"  # the request context's list of (fn, args, kwargs) to run after the answer
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-response")


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        log.exception("work after the answer failed: %s", getattr(fn, "__name__", fn))


def after_response(context: MutableMapping[str, Any] | None, fn: Callable[..., Any], *args, **kwargs) -> None:
    """Run fn(*args, **kwargs) once the HTTP answer has been sent (see the module's doc)."""
    pending = context.get(KEY) if context is not None else None
    if isinstance(pending, list):
        pending.append((fn, args, kwargs))
        return
    _POOL.submit(_run, fn, args, kwargs)


def run_pending(pending: list) -> Future | None:
    """Run what a request collected, in order, on the pool (the server calls this after sending)."""
    if not pending:
        return None
    items = list(pending)
    pending.clear()

    def run_all() -> None:
        for fn, args, kwargs in items:
            _run(fn, args, kwargs)

    return _POOL.submit(run_all)
