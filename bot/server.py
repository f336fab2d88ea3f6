"""HTTP mode: an ASGI app served by uvicorn — POST /slack/events, GET /healthz."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything absurd


class SlackASGI:
    """Hands each Slack request to Bolt on a worker thread, so the event loop never blocks."""

    def __init__(self, app: App, workers: int = 16) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bolt")

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
        request = BoltRequest(body=body.decode("utf-8", "replace"), query=query, headers=headers)
        loop = asyncio.get_running_loop()
        response: BoltResponse = await loop.run_in_executor(self.pool, self.app.dispatch, request)
        out_headers = [(k.encode(), v.encode()) for k, vs in response.headers.items() for v in vs]
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        body_out = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        await send({"type": "http.response.body", "body": body_out})


async def _send(send, status: int, body: bytes, content_type: str) -> None:  # type: ignore[no-untyped-def]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
