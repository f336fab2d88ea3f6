"""The bot POSTs only to Slack's own response_urls (issue 11, item 16).

A signed click may carry any response_url; the bot answers through it only when it starts with
SO_SLACK_HOOKS_URL (https://hooks.slack.com by default; the local Slack's address in these tests).
Any other address sees no request, and the person still gets their answer by chat.postEphemeral:
answered at once (a button that opens nothing), or later by the worker (a refused Approve, whose
response_url was stored with the command).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.config import ConfigError, load_settings
from bot.demo import LAYLA, OGECHI, World
from forms import ids
from tests.bot.helpers import submit_order
from tests.conftest import PEDRO
from workflow.snapshots import OrderView


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets: (its URL, the paths)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/actions/T0SANDBOX/1/x", seen
    finally:
        server.shutdown()
        server.server_close()


def click_with(world: World, user: str, order: OrderView, action_id: str, response_url: str):  # type: ignore[no-untyped-def]
    """A signed click on the order's card whose payload names response_url."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "x", "name": "x", "team_id": "T0SANDBOX"},
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "api_app_id": "A0SANDBOX",
        "container": {"type": "message", "message_ts": order.card_ts, "channel_id": order.channel_id},
        "channel": {"id": order.channel_id, "name": "x"},
        "trigger_id": "12345.67890.abcdef",
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "card",
                "value": str(order.id),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    result = world.fake._post_payload(payload)
    world.settle()
    return result


def ephemeral_texts(world: World, user: str) -> list[str]:
    calls = world.fake.calls_to("chat.postEphemeral")
    return [c.params.get("text", "") for c in calls if c.params.get("user") == user]


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_an_answer_right_away_never_goes_to_a_foreign_response_url(world, listener):
    """Provoke: Pedro (no role) clicks Customer copy with a response_url on another host."""
    url, seen = listener
    order = world.runtime.workflow.order(submit_order(world).id)
    for foreign in (url, "https://evil.example/actions/T0SANDBOX/1/x"):
        result = click_with(world, PEDRO, order, ids.CUSTOMER_COPY, foreign)
        assert result.status == 200
    assert seen == []
    told = ephemeral_texts(world, PEDRO)
    assert len(told) == 2 and all("SO-0001" in t or "Only" in t or "can" in t for t in told), told


def test_an_answer_stored_for_later_never_goes_to_a_foreign_response_url(world, listener):
    """Provoke: Layla (a coordinator, who cannot approve) clicks Approve with a foreign
    response_url: the refusal is answered by the worker, after the ack."""
    url, seen = listener
    order = world.runtime.workflow.order(submit_order(world).id)
    assert click_with(world, LAYLA, order, ids.APPROVE, url).status == 200
    assert seen == []
    assert any("Only a supervisor or an admin can approve" in t for t in ephemeral_texts(world, LAYLA))
    # Slack's own response_url is still used
    fresh = world.runtime.workflow.order(order.id)
    world.fake.click(OGECHI, fresh.channel_id, fresh.card_ts, ids.APPROVE)
    world.settle()
    assert world.runtime.workflow.order(order.id).status == "in_progress"


def test_only_the_configured_hooks_host_is_trusted():
    from bot.replies import trusted_response_url

    slack = "https://hooks.slack.com"
    assert trusted_response_url("https://hooks.slack.com/actions/T1/2/abc", slack)
    assert trusted_response_url("https://hooks.slack.com/commands/T1/2/abc", slack)
    for url in (
        "https://evil.example/actions/T1/2/abc",
        "http://hooks.slack.com/actions/T1/2/abc",  # not https
        "https://hooks.slack.com.evil.example/actions/x",
        "https://hooks.slack.com@evil.example/actions/x",
        "https://evil.example/?https://hooks.slack.com/",
        "https://hooks.slack.com:8443/actions/x",
        "",
        None,
        42,
    ):
        assert not trusted_response_url(url, slack), url
    gov = "https://hooks.slack-gov.com"
    assert trusted_response_url("https://hooks.slack-gov.com/actions/T1/2/abc", gov)
    assert not trusted_response_url("https://hooks.slack.com/actions/T1/2/abc", gov)
    both = f"{slack},{gov}"
    assert trusted_response_url("https://hooks.slack-gov.com/actions/T1/2/abc", both)


def test_the_hooks_setting_is_checked():
    assert load_settings({}).slack_hooks_url == "https://hooks.slack.com"
    assert load_settings({"SO_SLACK_HOOKS_URL": "https://hooks.slack-gov.com"}).slack_hooks_url == (
        "https://hooks.slack-gov.com"
    )
    for bad in ("hooks.slack.com", "ftp://hooks.slack.com", "https://"):
        with pytest.raises(ConfigError, match="SO_SLACK_HOOKS_URL"):
            load_settings({"SO_SLACK_HOOKS_URL": bad})
