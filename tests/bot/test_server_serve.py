"""The limits of a real `service-orders serve` process (uvicorn as the CLI starts it): a half-sent
body is cut off, oversized headers are refused, and connections beyond the concurrency limit are
answered 503 at once instead of piling up. A hang fails through a generous socket timeout."""

from __future__ import annotations

import contextlib
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.server import UVICORN_LIMITS
from bot.web.links import links_of
from sandbox import FakeSlack
from tests.bot.processes import BotProcess

pytestmark = pytest.mark.processes  # spawns processes: kept in CI, `-m 'not processes'` skips them

SECRET = "serve-limits-secret"
LAYLA = "U0LAYLA01"
GENEROUS = 30.0


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeSlack, BotProcess]]:
    tmp: Path = tmp_path_factory.mktemp("serve-limits")
    fake = FakeSlack(signing_secret=SECRET)
    fake.start()
    fake.add_user(LAYLA, "layla", "Layla Haddad")
    process = BotProcess(fake, f"sqlite:///{tmp / 'so.db'}", tmp / "bot.log", SECRET)
    process.start()
    try:
        yield fake, process
    finally:
        process.stop()
        fake.stop()


def exchange(port: int, data: bytes) -> bytes:
    """What the server sent on a connection of its own until it closed it."""
    with socket.create_connection(("127.0.0.1", port), timeout=GENEROUS) as s:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                raise AssertionError(f"the server kept the connection open; it sent {got[:200]!r}") from None
            if not chunk:
                return got
            got += chunk


def head(port: int, length: int, headers: dict[str, str]) -> bytes:
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {length}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_serve_cuts_off_a_half_sent_body(bot: tuple[FakeSlack, BotProcess]) -> None:
    """Provoke: a signed request whose body stops halfway and never ends."""
    fake, process = bot
    body = urllib.parse.urlencode({"command": "/so", "text": "help", "user_id": LAYLA}).encode()
    answer = exchange(process.port, head(process.port, len(body), fake.sign(body)) + body[:10])
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_serve_refuses_oversized_headers(bot: tuple[FakeSlack, BotProcess]) -> None:
    """Provoke: a header block larger than any Slack sends, still unfinished (no blank line): the
    server stops buffering it at the limit instead of waiting for its end. (Headers that trickle
    in slowly below the limit are the reverse proxy's to cut: see the README.)"""
    fake, process = bot
    padding = "X-Padding: " + "p" * (UVICORN_LIMITS["h11_max_incomplete_event_size"] + 1024)
    unfinished = head(process.port, 0, fake.sign(b""))[:-2] + padding.encode()
    answer = exchange(process.port, unfinished)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_serve_answers_503_beyond_the_concurrency_limit(bot: tuple[FakeSlack, BotProcess]) -> None:
    """Provoke: as many idle connections as the limit allows, held open, then one more request."""
    fake, process = bot
    with contextlib.ExitStack() as stack:
        for _ in range(UVICORN_LIMITS["limit_concurrency"]):
            stack.enter_context(socket.create_connection(("127.0.0.1", process.port), timeout=GENEROUS))
        body = b"token=x"
        answer = exchange(process.port, head(process.port, len(body), fake.sign(body)) + body)
    assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
    # and once they are gone, Slack's requests are answered again
    assert fake.slash_command(LAYLA, "/so", "help").status == 200


def test_serve_serves_the_order_pages_beside_slack(bot: tuple[FakeSlack, BotProcess]) -> None:
    """The customer's pages under /o/: the style, and a plain 404 for a link to no order, even one
    signed with the secret serve derives from the Slack app's (SO_LINK_SECRET unset)."""
    _, process = bot
    base = f"http://127.0.0.1:{process.port}"
    with urllib.request.urlopen(base + "/o/-/page.css", timeout=GENEROUS) as r:
        assert r.status == 200 and r.headers["content-type"].startswith("text/css")
    settings = load_settings({"SLACK_SIGNING_SECRET": SECRET, "SO_PUBLIC_URL": base})
    for url in (base + "/o/nonsense", links_of(settings).url(1, "SO-0001")):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url, timeout=GENEROUS)
        assert e.value.code == 404 and "script-src 'self'" in e.value.headers["content-security-policy"]
        assert b"Page not found" in e.value.read()
    assert f"customer order pages: {base}/o/" in process.log.read_text()  # SO_PUBLIC_URL's default
