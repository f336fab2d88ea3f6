"""Item 11: what people type never becomes a mention or a link in what the bot posts. An order whose
title, client, site, line and notes carry `<!channel>` and a disguised link goes through its whole
life; no text and no mrkdwn the local Slack received (messages, updates, DMs, views, Home, answers
to commands) holds them unescaped."""

from __future__ import annotations

import json

from bot.demo import DIEGO, LAYLA, OGECHI, World
from forms import ids
from tests.bot.helpers import click, opened_view
from tests.conftest import ADMIN

EVIL_TITLE = "<!channel> <https://evil.example|Approve here>"
EVIL_CLIENT = "<!here> ACME <https://evil.example/client|Pay>"
EVIL_SITE = "<!everyone> Main St <https://evil.example/site>"
EVIL_LINE = "<!channel> cable <https://evil.example/line|free>"
FORBIDDEN = ("<!channel>", "<!here>", "<!everyone>", "<https://evil")


def _texts(value, out: list[str], key: str = "") -> None:  # type: ignore[no-untyped-def]
    """Every text Slack reads as mrkdwn: `text` and comment fields, and mrkdwn text objects."""
    if isinstance(value, str) and key in ("blocks", "view", "attachments"):
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return
        for k, v in value.items():
            if k in ("text", "initial_comment", "topic") and isinstance(v, str):
                out.append(v)
            else:
                _texts(v, out, k)
    elif isinstance(value, list):
        for v in value:
            _texts(v, out, key)


def unescaped(world: World) -> list[tuple[str, str]]:
    """(where, text) of every posted text holding a forbidden sequence."""
    found = []
    for call in world.fake.calls:
        texts: list[str] = []
        _texts(call.params, texts)
        found += [(call.method, t) for t in texts if any(f in t for f in FORBIDDEN)]
    for response in world.fake.responses:
        texts = []
        _texts({k: response.get(k) for k in ("text", "blocks")}, texts)
        found += [(f"answer via {response['via']}", t) for t in texts if any(f in t for f in FORBIDDEN)]
    return found


def submit(world: World, title: str, client: str, site: str, line: str) -> int:
    fake = world.fake
    assert fake.slash_command(LAYLA, "/so", "new").status == 200
    view = opened_view(world)
    fake.fill(view, ids.CLIENT, ids.CLIENT, client)
    fake.fill(view, ids.SITE, ids.SITE, site)
    fake.fill(view, ids.TITLE, ids.TITLE, title)
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, line)
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    fake.fill(view, ids.line_block(0, ids.LINE_ACTIONS), ids.LINE_KIND, "labour")
    assert fake.submit(LAYLA, view).status == 200
    world.settle()
    return world.runtime.workflow.list_for(LAYLA)[0][0].id


def test_typed_mentions_and_links_are_escaped_everywhere_the_bot_posts(world: World):
    fake, wf = world.fake, world.runtime.workflow
    fake.open_home(LAYLA)
    fake.open_home(OGECHI)
    order_id = submit(world, EVIL_TITLE, EVIL_CLIENT, EVIL_SITE, EVIL_LINE)
    order = wf.order(order_id)
    # the card's notification text, which pinged the channel
    card_post = next(c for c in fake.calls_to("chat.postMessage") if c.params.get("blocks"))
    assert "&lt;!channel&gt;" in card_post.params["text"], card_post.params["text"]
    click(world, OGECHI, order, ids.APPROVE)
    wf.add_field_workers(order.id, OGECHI, [DIEGO])
    world.runtime.dispatcher.wake()
    world.settle()
    fake.post_message_as(
        DIEGO, order.channel_id, "<!channel> look <https://evil.example/n|here>", thread_ts=order.card_ts
    )
    wf.confirm(order.id, DIEGO, 1, wf.order(order.id).lines, note="<!channel> <https://evil.example|x>")
    wf.close(order.id, DIEGO, "not_performed", "<!here> <https://evil.example/why|because>")
    rejected = submit(world, "Second " + EVIL_TITLE, EVIL_CLIENT, EVIL_SITE, EVIL_LINE)
    wf.reject(rejected, OGECHI, "<!channel> see <https://evil.example/r|the reason>")
    world.runtime.dispatcher.wake()
    world.settle()
    for user, typed in (
        (LAYLA, "list"),
        (LAYLA, "list status:ended"),
        (LAYLA, f"show {order.number}"),
        (ADMIN, "list channel"),
        (LAYLA, "export channel"),
    ):
        assert fake.slash_command(user, "/so", typed).status == 200
    fake.slash_command(LAYLA, "/so", "list <!channel>")
    fake.slash_command(LAYLA, "/so", "show <!channel>")
    fake.slash_command(LAYLA, "/so", "<!channel>")
    fake.open_home(LAYLA)
    world.settle()
    assert fake.calls_to("views.publish") and fake.calls_to("chat.update")
    assert unescaped(world) == []
