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
import threading
from collections.abc import Callable, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

KEY = "after_response"  # the request context's list of (fn, args, kwargs) to run after the answer
_SENT = object()  # ends a request's list once its answer is out
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-response")
_idle = threading.Condition()
_waiting = 0  # work handed over here and not finished yet, queued in a request or running (wait_idle)


def _count(n: int) -> None:
    global _waiting
    with _idle:
        _waiting += n
        if _waiting <= 0:
            _waiting = 0
            _idle.notify_all()


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until no work handed over here is queued or running (tests and the demo: the outcome of
    a click is seen once this returns); False if some is still there after timeout seconds."""
    with _idle:
        return _idle.wait_for(lambda: _waiting == 0, timeout)


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        log.exception("work after the answer failed: %s", getattr(fn, "__name__", fn))
    finally:
        _count(-1)


def after_response(context: MutableMapping[str, Any] | None, fn: Callable[..., Any], *args, **kwargs) -> None:
    """Run fn(*args, **kwargs) once the HTTP answer has been sent (see the module's doc)."""
    _count(1)  # counted from now, before the answer leaves: wait_idle cannot miss it
    pending = context.get(KEY) if context is not None else None
    if isinstance(pending, list) and not (pending and pending[-1] is _SENT):
        pending.append((fn, args, kwargs))
        return
    _POOL.submit(_run, fn, args, kwargs)  # no request to wait for, or its answer is out already


def mark(context: MutableMapping[str, Any] | None) -> int:
    """Where the request's list of work after the answer stands now (see discard)."""
    pending = context.get(KEY) if context is not None else None
    return len(pending) if isinstance(pending, list) else 0


def discard(context: MutableMapping[str, Any] | None, since: int) -> None:
    """Drop the work handed over since mark() said since (a listener failed after handing it over:
    its answer is now the failure's). Work already started (no request list) cannot be dropped."""
    pending = context.get(KEY) if context is not None else None
    if isinstance(pending, list) and len(pending) > since:
        dropped = len(pending) - since
        del pending[since:]
        _count(-dropped)


def run_pending(pending: list) -> Future | None:
    """Run what a request collected, in order, on the pool (the server calls this after sending).
    Work handed over later for the same request (by that work itself) starts at once."""
    items = [item for item in pending if item is not _SENT]
    pending.clear()
    pending.append(_SENT)
    if not items:
        return None

    def run_all() -> None:
        for fn, args, kwargs in items:
            _run(fn, args, kwargs)

    return _POOL.submit(run_all)
