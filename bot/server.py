"""HTTP mode: an ASGI app served by uvicorn — POST /slack/events, GET /healthz."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot import after
from bot.app import malformed

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything absurd


log = logging.getLogger(__name__)


class SlackASGI:
    """Hands each Slack request to Bolt on a worker thread, so the event loop never blocks."""

    def __init__(self, app: App, signing_secret: str, workers: int = 16) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bolt")

    def _dispatch(self, body: bytes, query: dict, headers: dict, pending: list) -> BoltResponse:
        text = body.decode("utf-8", "replace")
        # pending collects what listeners hand to bot.after.after_response: run once answered
        request = BoltRequest(body=text, query=query, headers=headers, context={after.KEY: pending})
        problem = malformed(request.body)
        if problem and self.verifier.is_valid_request(text, {k: v[0] for k, v in headers.items()}):
            # Signed, yet not a shape Slack sends: answered here, as Bolt would crash reading it.
            log.warning(
                "malformed %s payload: bad %s",
                request.body.get("type", "?") if isinstance(request.body, dict) else "?",
                problem,
            )
            return BoltResponse(status=400, body="malformed payload")
        return self.app.dispatch(request)

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and method in ("GET", "HEAD"):
            await _send(send, 200, b"ok", "text/plain")
            return
        if path != EVENTS_PATH:
            await _send(send, 404, b"not found", "text/plain")
            return
        if method != "POST":
            await _send(send, 405, b"method not allowed", "text/plain")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _send(send, 413, b"too large", "text/plain")
                return
            if not message.get("more_body"):
                break
        headers: dict[str, list[str]] = {}
        for k, v in scope.get("headers", []):
            headers.setdefault(k.decode("latin-1").lower(), []).append(v.decode("latin-1"))
        query = {k: [v] for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"))}
        loop = asyncio.get_running_loop()
        pending: list = []
        try:
            response = await loop.run_in_executor(self.pool, self._dispatch, body, query, headers, pending)
        except Exception as e:  # a body Bolt cannot even read: the sender's fault, not a crash
            log.warning("unreadable request to %s: %s", EVENTS_PATH, type(e).__name__)
            await _send(send, 400, b"invalid request", "text/plain")
            return
        out_headers = [(k.encode(), v.encode()) for k, vs in response.headers.items() for v in vs]
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        body_out = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        await send({"type": "http.response.body", "body": body_out})
        after.run_pending(pending)  # Slack has its answer: now the slower work the listeners left


async def _send(send, status: int, body: bytes, content_type: str) -> None:  # type: ignore[no-untyped-def]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
