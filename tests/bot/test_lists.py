"""/so list with filters, its pages, /so show and /so export, through the real app and HTTP."""

from __future__ import annotations

import csv
import io
import json

from bot.demo import DIEGO, LAYLA, OGECHI
from forms import ids
from tests.bot.helpers import submit_order
from tests.conftest import PEDRO
from tests.workflow.bulk import insert_orders
from workflow.export import export_columns

BOM = b"\xef\xbb\xbf"


def shown(world, user: str) -> dict:  # type: ignore[no-untyped-def]
    """The last answer the person was shown (an ephemeral message), as it stands now."""
    fake = world.fake
    record = next(r for r in reversed(fake.responses) if r["user"] == user)
    assert not record.get("problems"), record["problems"]  # Slack would have refused the blocks
    message = fake.ephemeral(user, record["ts"])
    assert message is not None
    return message


def numbers(message: dict) -> list[str]:
    rows = [b["text"]["text"] for b in message["blocks"][1:] if b["type"] == "section"]
    return [r.split("*")[1] for r in rows if r.startswith("*SO-")]


def paging_buttons(message: dict) -> list[str]:
    return [
        e["action_id"]
        for b in message["blocks"]
        if b.get("block_id") == ids.LIST_PAGING_BLOCK
        for e in b["elements"]
    ]


def test_list_with_filters_pages_forward_and_back(world):
    fake = world.fake
    insert_orders(
        world.runtime.workflow.engine,
        24,
        requester=LAYLA,
        status=lambda i: "in_progress" if i % 2 else "closed",
        client=lambda i: "Clínica Dental Norte" if i % 3 else "Acme",
    )
    # 24 orders: odd ones in progress; of those, the ones not divisible by 3 are the clinic's
    expected = [f"SO-{i:04d}" for i in range(24, 0, -1) if i % 2 and i % 3]
    assert len(expected) == 8
    result = fake.slash_command(LAYLA, "/so", 'list status:"in progress" client:CLÍNICA')
    assert result.status == 200
    first = shown(world, LAYLA)
    assert "Orders matching" in first["blocks"][0]["text"]["text"]
    assert "status:in_progress client:CLÍNICA" in first["blocks"][0]["text"]["text"]
    assert fake.slash_command(OGECHI, "/so", "list status:open").status == 200
    assert numbers(shown(world, OGECHI)) == [f"SO-{i:04d}" for i in range(23, 0, -2)][:10]

    assert numbers(first) == expected[:8] and paging_buttons(first) == []  # one page: no buttons

    fake.slash_command(LAYLA, "/so", "list client:clínica")
    page1 = shown(world, LAYLA)
    clinic = [f"SO-{i:04d}" for i in range(24, 0, -1) if i % 3]
    assert numbers(page1) == clinic[:10] and paging_buttons(page1) == [ids.LIST_NEXT]
    assert "*SO-0023* <#C000000023>" in page1["blocks"][1]["text"]["text"]  # the number links to its channel
    ts = next(r for r in reversed(fake.responses) if r["user"] == LAYLA)["ts"]

    assert fake.click_ephemeral(LAYLA, ts, ids.LIST_NEXT).status == 200
    page2 = fake.ephemeral(LAYLA, ts)  # the same message, replaced
    assert numbers(page2) == clinic[10:] and paging_buttons(page2) == [ids.LIST_PREVIOUS]
    assert "page 2" in page2["blocks"][0]["text"]["text"]

    assert fake.click_ephemeral(LAYLA, ts, ids.LIST_PREVIOUS).status == 200
    again = fake.ephemeral(LAYLA, ts)
    assert numbers(again) == clinic[:10] and paging_buttons(again) == [ids.LIST_NEXT]
    assert all(r["via"] == "response_url" for r in fake.responses[-2:])


def press(world, user: str, action_id: str, value: str) -> dict:  # type: ignore[no-untyped-def]
    """A paging click with any value (a replayed or forged payload); what the person was shown."""
    fake = world.fake
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "x", "name": "x", "team_id": fake.team_id},
        "team": {"id": fake.team_id, "domain": "sandbox"},
        "api_app_id": "A0SANDBOX",
        "container": {
            "type": "message",
            "message_ts": "1.2",
            "channel_id": fake.general.id,
            "is_ephemeral": True,
        },
        "channel": {"id": fake.general.id, "name": "general"},
        "trigger_id": "12345.67890.abcdef",
        "response_url": fake._new_response_url(user, fake.general.id, None, "block_actions"),
        "actions": [
            {"action_id": action_id, "block_id": ids.LIST_PAGING_BLOCK, "value": value, "type": "button"}
        ],
    }
    assert fake._post_payload(payload).status == 200
    return shown(world, user)


def test_each_person_pages_through_what_they_may_see(world):
    """A button is no key: the one who clicks sees their own orders, whoever's list it was."""
    fake = world.fake
    insert_orders(world.runtime.workflow.engine, 15, requester=LAYLA)
    fake.slash_command(OGECHI, "/so", "list client:client")
    page = shown(world, OGECHI)
    assert len(numbers(page)) == 10
    value = next(e["value"] for b in page["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert numbers(press(world, OGECHI, ids.LIST_NEXT, value)) == [f"SO-{i:04d}" for i in range(5, 0, -1)]
    replayed = press(world, DIEGO, ids.LIST_NEXT, value)  # a field worker on none of them
    assert numbers(replayed) == [] and "No more orders" in json.dumps(replayed)


def test_a_forged_or_stale_paging_button_says_so(world):
    insert_orders(world.runtime.workflow.engine, 12, requester=LAYLA)
    for forged in (
        "not json",
        json.dumps({"q": "stauts:x", "after": 3, "p": 2}),
        json.dumps({"q": 1}),
        json.dumps({"q": "", "after": 3, "before": 5, "p": 2}),
        json.dumps({"q": "", "after": True, "p": 2}),
        "x" * 3000,
    ):
        assert "out of date" in press(world, LAYLA, ids.LIST_NEXT, forged)["text"]


def test_a_bad_filter_is_named_with_the_grammar_and_changes_nothing(world):
    fake, wf = world.fake, world.runtime.workflow
    before = len(wf.effects())
    for verb in ("list", "export"):
        answer = fake.slash_command(LAYLA, "/so", f"{verb} stauts:open from:30/11/2026 router")
        assert answer.status == 200
        text = answer.body_text
        assert "`stauts:open`" in text and "Did you mean `status:`?" in text
        assert "`from:30/11/2026`" in text and "YYYY-MM-DD" in text
        assert "*Filters:*" in text and "client:" in text
        assert ("nothing was exported" if verb == "export" else "nothing was searched") in text
        assert "router" not in text.split("*Filters:*")[0]  # a good token is not blamed
    assert len(wf.effects()) == before


def test_list_without_filters_is_my_overview_and_points_at_the_filters(world):
    submit_order(world, title="Replace the printer")
    mine = world.fake.slash_command(LAYLA, "/so", "list").body_text
    assert "*Your open orders* (1)" in mine and "/so list status:closed" in mine


def test_a_list_of_long_texts_stays_within_block_kit_limits(world):
    insert_orders(
        world.runtime.workflow.engine,
        20,
        requester=LAYLA,
        client=lambda i: "Ç" * 200,
        title=lambda i: "<@U123> & *bold* " + "ü" * 133,
    )
    world.fake.slash_command(LAYLA, "/so", 'list "bold"')
    message = shown(world, LAYLA)  # the fake checks Slack's limits: no problems recorded
    assert len(message["blocks"]) <= 50 and len(numbers(message)) == 10
    assert "&lt;@U123&gt; &amp; *bold*" in json.dumps(message, ensure_ascii=False)


def test_show_by_number_and_shortcut_only_what_one_may_see(world):
    fake = world.fake
    order = submit_order(world, title="Replace the printer")
    for typed in ("show SO-0001", "show 1", "show so-1", "*1", "show *0001"):
        answer = fake.slash_command(LAYLA, "/so", typed).body_text
        assert "Replace the printer" in answer and f"<#{order.channel_id}>" in answer, typed
    assert "Replace the printer" in fake.slash_command(OGECHI, "/so", "*1").body_text
    for outsider in (DIEGO, PEDRO):  # a field worker not on it, someone with no role
        answer = fake.slash_command(outsider, "/so", "show SO-0001").body_text
        assert "No order `SO-0001` that you can see" in answer and "printer" not in answer
    assert "No order" in fake.slash_command(LAYLA, "/so", "show 999").body_text


def test_export_sends_a_csv_file_to_the_persons_dm(world):
    fake = world.fake
    order = submit_order(
        world,
        title="Fix the router ☃",
        lines=(("Diagnosis", "2 h × 85", "labour"), ("Cable Cat6 — ñ", "12.5 m × 1.99", "material")),
    )
    insert_orders(world.runtime.workflow.engine, 3, requester=LAYLA, client=lambda i: "Globex")
    answer = fake.slash_command(LAYLA, "/so", "export client:clínica")
    assert answer.status == 200 and "Preparing your export…" in answer.body_text
    world.settle()
    assert fake.calls_to("conversations.open")[-1].params["users"] == LAYLA
    (dm,) = [m for m in fake.dms(LAYLA) if m.get("files")]
    assert "1 order matching `client:clínica`, 2 rows" in dm["text"]
    (meta,) = dm["files"]
    assert meta["name"].startswith("service-orders-") and meta["name"].endswith(".csv")
    content = fake.files[meta["id"]]["content"]
    assert content.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(content[len(BOM) :].decode("utf-8"), newline="")))
    assert list(rows[0]) == [c.name for c in export_columns()]
    assert [r["number"] for r in rows] == ["SO-0001", "SO-0001"]
    assert [r["line_description"] for r in rows] == ["Diagnosis", "Cable Cat6 — ñ"]
    assert [(r["quantity"], r["unit_price"], r["line_total"]) for r in rows] == [
        ("2", "85.00", "170.00"),
        ("12.5", "1.99", "24.88"),
    ]
    first = rows[0]
    assert first["client"] == "Clínica Dental Norte" and first["title"] == "Fix the router ☃"
    assert first["requester_id"] == LAYLA and first["requester_name"] == "Layla Haddad"
    assert first["order_total"] == "194.88" and first["status"] == "pending_approval"
    assert order.number == "SO-0001"


def test_an_export_that_finds_nothing_says_so_and_sends_no_file(world):
    fake = world.fake
    submit_order(world)
    fake.slash_command(DIEGO, "/so", "export")  # a field worker on no order
    world.settle()
    (dm,) = fake.dms(DIEGO)
    assert "no orders are visible to you" in dm["text"] and not dm.get("files")
    assert not [f for f in fake.files.values() if f["name"].endswith(".csv")]
