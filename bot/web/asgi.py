"""The order pages over HTTP: the request read against a deadline and a size limit, handed to
bot.web.pages on a worker thread (the database and the PDF never block the event loop), answered
with its headers. Mounted under /o/ by the Slack endpoint (bot.server) in HTTP mode; served alone on
SO_WEB_PORT in Socket Mode (`pages_app`), with GET /healthz."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from bot.asgi_io import answered_alone, read_body, send_answer
from bot.web.pages import POST_MAX, OrderPages, Response

log = logging.getLogger(__name__)

BODY_SECONDS = 20.0  # a phone on a slow line posting a ~50 KB drawing


class PagesASGI:
    def __init__(self, pages: OrderPages, workers: int = 4) -> None:
        self.pages = pages
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pages")

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if await answered_alone(scope, receive, send):  # lifespan, /healthz
            return
        path, method = scope["path"], scope["method"]
        if not path.startswith("/o/"):
            await send_answer(send, 404, b"not found", "text/plain")
            return
        headers: dict[str, str] = {}
        for k, v in scope.get("headers", []):
            headers.setdefault(k.decode("latin-1").lower(), v.decode("latin-1"))
        body = b""
        if method == "POST":
            declared = headers.get("content-length", "0")
            if not declared.isdigit() or int(declared) > POST_MAX:
                await send_answer(send, 413, b"too large", "text/plain", close=True)
                return
            try:
                async with asyncio.timeout(BODY_SECONDS):
                    read = await read_body(receive, POST_MAX)
            except TimeoutError:
                await send_answer(send, 408, b"request timeout", "text/plain", close=True)
                return
            if read is None:
                await send_answer(send, 413, b"too large", "text/plain", close=True)
                return
            body = read
        client = scope.get("client") or ("", 0)
        query = scope.get("query_string", b"").decode("latin-1")
        loop = asyncio.get_running_loop()
        try:
            answer: Response = await loop.run_in_executor(
                self.pool, self.pages.handle, method, path, query, headers, body, str(client[0])
            )
        except Exception:
            log.exception("the order page failed")
            answer = Response(500, b"Something went wrong. Please try again in a minute.", "text/plain")
        out = b"" if method == "HEAD" else answer.body
        await send_answer(send, answer.status, out, answer.content_type, headers=answer.headers)
