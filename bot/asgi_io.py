"""Reading a request's body and sending an answer over ASGI: shared by the Slack endpoint
(bot.server) and the customer's pages (bot.web.asgi)."""

from __future__ import annotations


async def read_body(receive, limit: int) -> bytes | None:  # type: ignore[no-untyped-def]
    """The request's body; None when it grows past limit or the client disconnects."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def send_answer(  # type: ignore[no-untyped-def]
    send, status: int, body: bytes, content_type: str, close: bool = False, headers: list | None = None
) -> None:
    out = [(b"content-type", content_type.encode())]
    out += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers or []]
    if close:  # a body left unread (or half read) cannot be followed by another request
        out.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


async def answered_alone(scope, receive, send) -> bool:  # type: ignore[no-untyped-def]
    """Answer what needs no app: the server's lifespan, anything but HTTP, GET /healthz. True when
    answered (the caller is done)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return True
    if scope["type"] != "http":
        return True
    if scope["path"] == "/healthz" and scope["method"] in ("GET", "HEAD"):
        await send_answer(send, 200, b"ok", "text/plain")
        return True
    return False
