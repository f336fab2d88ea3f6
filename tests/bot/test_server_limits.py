"""POST /slack/events checks before it reads or parses: the signature's headers, the declared
length, then the HMAC over the raw bytes; only a signed body is decoded and handed to Bolt. A body
that does not arrive in time is answered 408 and its connection closed.

Over real HTTP against the real app (one local world for the module: these do not touch the
database). A hang fails a test through its generous socket timeout, never through a timing."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Iterator

import pytest
import slack_bolt.request.request as bolt_request

from bot import server
from bot.demo import LAYLA, PEOPLE, World, local_world

FORM = "application/x-www-form-urlencoded"
GENEROUS = 30.0  # seconds a test waits before it calls the server hung (the limits are a few seconds)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = tmp_path_factory.mktemp("server-limits") / "so.db"
    with local_world(f"sqlite:///{db}", people=PEOPLE) as w:
        w.runtime.workflow.grant("test", LAYLA, "coordinator", check=False)
        yield w


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the bodies Bolt parsed while the test ran."""
    sizes: list[int] = []
    real = bolt_request.parse_body

    def counting(body, content_type):  # type: ignore[no-untyped-def]
        sizes.append(len(body))
        return real(body, content_type)

    monkeypatch.setattr(bolt_request, "parse_body", counting)
    return sizes


def big_form() -> bytes:
    """A form body just under the limit that parses into a large JSON payload."""
    item = "x" * 90
    per_item = len(urllib.parse.quote_plus(json.dumps(item) + ", "))
    fields = {
        "type": "block_actions",
        "user": {"id": LAYLA},
        "junk": [item] * ((server.MAX_BODY - 500) // per_item),
    }
    body = urllib.parse.urlencode({"payload": json.dumps(fields)}).encode()
    assert 900_000 < len(body) <= server.MAX_BODY
    return body


def deep_form() -> bytes:
    """A payload nested too deep for json.loads (RecursionError): it fails whoever parses it."""
    return urllib.parse.urlencode({"payload": "[" * 50_000 + "]" * 50_000}).encode()


def raw_exchange(world: World, head: bytes, body: bytes = b"") -> bytes:
    """Send head and body on a connection of its own; what the server sent until it closed it.
    AssertionError when the connection is still open, silent, after GENEROUS seconds."""
    with socket.create_connection((world.server.host, world.server.port), timeout=GENEROUS) as s:
        s.sendall(head + body)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                raise AssertionError(f"the server kept the connection open; it sent {got[:200]!r}") from None
            if not chunk:
                return got
            got += chunk


def request_head(world: World, length: int, headers: dict[str, str]) -> bytes:
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: {world.server.host}:{world.server.port}",
        f"Content-Type: {FORM}",
        f"Content-Length: {length}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_an_unsigned_large_body_is_refused_without_being_parsed(world: World, parsed: list[int]) -> None:
    """Provoke: a 1 MB body with a wrong signature; a body signed 10 minutes ago (refused from its
    headers: the connection closes unread, so it is kept small enough to be sent whole)."""
    wrong = world.fake.post_signed(big_form(), FORM, secret="not-the-secret")
    body = urllib.parse.urlencode({"command": "/so", "text": "help", "user_id": LAYLA}).encode()
    stale = world.fake.post_signed(body, FORM, timestamp=int(time.time()) - 600)
    assert (wrong.status, stale.status) == (401, 401)
    assert parsed == []  # Bolt never saw either body


def test_an_unsigned_body_that_breaks_the_parser_is_answered_401(world: World) -> None:
    """Provoke: a payload nested too deep to parse, with a wrong signature. Answered 400 ("invalid
    request", the parser's failure) it would show the body was parsed before the check."""
    result = world.fake.post_signed(deep_form(), FORM, secret="not-the-secret")
    assert result.status == 401, (result.status, result.body_text[:200])


def test_a_request_without_a_signature_is_refused_before_its_body_is_read(world: World) -> None:
    """Provoke: headers announcing 1,000 bytes without any signature header; no body follows."""
    answer = raw_exchange(world, request_head(world, 1000, {}))
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_a_declared_length_over_the_limit_is_refused_before_reading(world: World) -> None:
    """Provoke: a signed-looking request declaring 50 MB, the body never sent."""
    headers = world.fake.sign(b"")
    answer = raw_exchange(world, request_head(world, 50_000_000, headers))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_half_sent_body_gets_its_connection_closed(world: World) -> None:
    """Provoke: a signed request whose body stops halfway and never ends (a slow or stuck client)."""
    body = urllib.parse.urlencode({"command": "/so", "text": "help", "user_id": LAYLA}).encode()
    head = request_head(world, len(body), world.fake.sign(body))
    answer = raw_exchange(world, head, body[: len(body) // 2])
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_signed_requests_still_answered(world: World, parsed: list[int]) -> None:
    result = world.fake.slash_command(LAYLA, "/so", "help")
    assert result.status == 200 and "/so" in result.body_text
    assert len(parsed) == 1
    signed_deep = world.fake.post_signed(deep_form(), FORM)
    assert signed_deep.status == 400  # signed, then unreadable: the sender's fault, never a 5xx
