"""HTTP mode: an ASGI app served by uvicorn — POST /slack/events, GET /healthz, POST /erp/invoiced
for the accounting system (bot.erp; signed with its own secret), and the customer's order pages
under /o/ (bot.web)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse

from bot import after
from bot.app import malformed
from bot.asgi_io import answered_alone, read_body, send_answer
from bot.web.asgi import PagesASGI
from storage.db import request_waits

EVENTS_PATH = "/slack/events"
ERP_PATH = "/erp/invoiced"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything absurd
BODY_SECONDS = 5.0  # the whole body must be in by then (Slack gives up on its request after 3 s)
MAX_AGE_SECONDS = 5 * 60  # a signature's timestamp older (or newer) than this is a replay
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits only, and few: int() of 5,000 digits raises

# What `service-orders serve` gives uvicorn (and the tests' background server); see README, "HTTP
# mode: limits". Every Slack request is small and answered in milliseconds: anything slower or
# bigger is an attacker or a broken client, and Slack stops waiting after 3 s anyway.
UVICORN_LIMITS: dict = {
    "http": "h11",  # the parser whose header limit below applies (httptools has none)
    "h11_max_incomplete_event_size": 8 * 1024,  # request line and headers: Slack's are ~1 KB
    "limit_concurrency": 100,  # open connections and requests at once; beyond: 503 at once
    "backlog": 128,  # connections waiting to be accepted: more would wait past Slack's 3 s
    "timeout_keep_alive": 5,  # seconds an idle keep-alive connection is kept (the proxy's below)
    "timeout_graceful_shutdown": 5,  # on SIGTERM: requests under way finish (an ack is worthless
    # after 3 s), then the rest closes, leaving time to stop the worker within a 10 s stop grace
}

log = logging.getLogger(__name__)
_stale_logged = [-1e9]  # time.monotonic() of the last "stale timestamp" warning


def _warn_stale(off: float) -> None:
    """Say (once a minute at most: a replay storm does not flood the log) that a request was
    signed far from this clock: replays, or a clock that is wrong and refuses every request."""
    if time.monotonic() - _stale_logged[0] > 60:
        _stale_logged[0] = time.monotonic()
        log.warning("refused a request signed %d s from this clock: is the clock right?", off)


class SlackASGI:
    """Hands each Slack request to Bolt on a worker thread, so the event loop never blocks.

    Nothing of a request is decoded or parsed before it is known to come from Slack: the
    signature's headers (a timestamp within 5 minutes, a v0 signature) and the declared length
    are checked before the body is read, the body is read against a deadline and a size limit,
    and its HMAC is checked over the raw bytes. Only then does Bolt see it."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        workers: int = 16,
        erp: Callable[[dict[str, str], bytes], tuple[int, dict]] | None = None,
        pages: PagesASGI | None = None,
    ) -> None:
        self.app = app
        self.pages = pages  # the customer's order pages under /o/ (bot.web)
        self.erp = erp  # the answer to POST /erp/invoiced (headers lower-cased, raw body)
        self.secret = signing_secret.encode()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bolt")

    def _refusal(self, headers: dict[str, list[str]]) -> tuple[int, bytes] | None:
        """Why a request is refused from its headers alone; None when its body may be read."""
        timestamp = headers.get("x-slack-request-timestamp", [""])[0]
        signature = headers.get("x-slack-signature", [""])[0]
        if not (_DIGITS.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature)):
            return 401, b"unsigned"
        off = time.time() - int(timestamp)
        if abs(off) > MAX_AGE_SECONDS:
            _warn_stale(off)
            return 401, b"stale"
        length = headers.get("content-length", ["0"])[0]
        if not _DIGITS.fullmatch(length):
            return 400, b"bad length"
        if int(length) > MAX_BODY:
            return 413, b"too large"
        return None

    def _signed(self, headers: dict[str, list[str]], body: bytes) -> bool:
        timestamp = headers["x-slack-request-timestamp"][0].encode()
        digest = hmac.new(self.secret, b"v0:" + timestamp + b":" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"v0={digest}", headers["x-slack-signature"][0])

    def _dispatch(self, body: bytes, query: dict, headers: dict, pending: list) -> BoltResponse:
        text = body.decode("utf-8", "replace")
        # pending collects what listeners hand to bot.after.after_response: run once answered
        request = BoltRequest(body=text, query=query, headers=headers, context={after.KEY: pending})
        problem = malformed(request.body)
        if problem:
            # Signed, yet not a shape Slack sends: answered here, as Bolt would crash reading it.
            log.warning(
                "malformed %s payload: bad %s",
                request.body.get("type", "?") if isinstance(request.body, dict) else "?",
                problem,
            )
            return BoltResponse(status=400, body="malformed payload")
        with request_waits():  # the listeners' database waits end in time to answer (storage.db)
            return self.app.dispatch(request)

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if await answered_alone(scope, receive, send):  # lifespan, /healthz
            return
        path, method = scope["path"], scope["method"]
        if path.startswith("/o/") and self.pages is not None:
            await self.pages(scope, receive, send)
            return
        if path == ERP_PATH and self.erp is not None:
            await self._erp(scope, receive, send)
            return
        if path != EVENTS_PATH:
            await _send(send, 404, b"not found", "text/plain")
            return
        if method != "POST":
            await _send(send, 405, b"method not allowed", "text/plain")
            return
        headers: dict[str, list[str]] = {}
        for k, v in scope.get("headers", []):
            headers.setdefault(k.decode("latin-1").lower(), []).append(v.decode("latin-1"))
        refused = self._refusal(headers)
        if refused:  # the body is not read: the connection closes with the answer
            await _send(send, *refused, "text/plain", close=True)
            return
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await _read_body(receive)
        except TimeoutError:
            log.warning("request body not complete within %s s: connection closed", BODY_SECONDS)
            await _send(send, 408, b"request timeout", "text/plain", close=True)
            return
        if body is None:  # the client went away, or sent more than it declared or than the limit
            await _send(send, 413, b"too large", "text/plain", close=True)
            return
        if not self._signed(headers, body):
            await _send(send, 401, b"invalid signature", "text/plain")
            return
        query = {k: [v] for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"))}
        loop = asyncio.get_running_loop()
        pending: list = []
        try:
            response = await loop.run_in_executor(self.pool, self._dispatch, body, query, headers, pending)
        except Exception as e:  # a body Bolt cannot even read: the sender's fault, not a crash
            after.discard({after.KEY: pending}, 0)  # whatever a listener left is not done now
            log.warning("unreadable request to %s: %s", EVENTS_PATH, type(e).__name__)
            await _send(send, 400, b"invalid request", "text/plain")
            return
        out_headers = [(k.encode(), v.encode()) for k, vs in response.headers.items() for v in vs]
        try:
            await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
            body_out = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
            await send({"type": "http.response.body", "body": body_out})
        finally:  # Slack has its answer (or hung up): now the slower work the listeners left
            after.run_pending(pending)

    async def _erp(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        """POST /erp/invoiced: the body read against the same deadline and limit as Slack's, the
        signature and the change checked by bot.erp on a worker thread."""
        assert self.erp is not None
        if scope["method"] != "POST":
            await _send(send, 405, b"method not allowed", "text/plain")
            return
        head = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await _read_body(receive)
        except TimeoutError:
            await _send(send, 408, b"request timeout", "text/plain", close=True)
            return
        if body is None:
            await _send(send, 413, b"too large", "text/plain", close=True)
            return
        loop = asyncio.get_running_loop()
        try:
            status, answer = await loop.run_in_executor(self.pool, self.erp, head, body)
        except Exception:
            log.exception("POST %s failed", ERP_PATH)
            status, answer = 500, {"error": "internal_error"}
        await _send(send, status, json.dumps(answer).encode(), "application/json")


async def _read_body(receive) -> bytes | None:  # type: ignore[no-untyped-def]
    """The request's body; None when it grows past MAX_BODY or the client disconnects."""
    return await read_body(receive, MAX_BODY)


async def _send(send, status: int, body: bytes, content_type: str, close: bool = False) -> None:  # type: ignore[no-untyped-def]
    await send_answer(send, status, body, content_type, close)
