"""The fake Slack behaves like Slack where a bot would notice: real slack_sdk client, signed requests."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from sandbox import BOT_USER_ID, FakeSlack

SECRET = "sandbox-signing-secret"
TOKEN = "xoxb-sandbox"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool

    @property
    def form(self) -> dict:
        return {k: v[-1] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}

    @property
    def payload(self) -> dict:
        return json.loads(self.form["payload"])

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A stand-in for the bot's /slack/events: records, verifies, answers what the test says."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    reply: Callable[[Received], tuple[int, str]] = lambda req: (200, "")

    def last(self) -> Received:
        return self.received[-1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    verifier = SignatureVerifier(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            req = Received(self.path, headers, body, verifier.is_valid_request(body, headers))
            rec.received.append(req)
            status, text = rec.reply(req) if req.verified else (401, '{"error": "invalid request"}')
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if text.startswith("{") else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake(receiver: Receiver) -> Iterator[FakeSlack]:
    with FakeSlack(SECRET, request_url=receiver.url, trigger_ttl=3.0) as slack:
        slack.add_user("ULAYLA", "layla", "Layla Haddad")
        slack.add_user("UOGECHI", "ogechi", "Ogechi Okafor")
        slack.add_user("UDIEGO", "diego", "Diego Ramos")
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token=TOKEN)


def api_error(call: Callable[[], object]) -> dict:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response.data


def section(i: int) -> dict:
    return {"type": "section", "block_id": f"b{i}", "text": {"type": "mrkdwn", "text": f"line {i}"}}


def card_blocks() -> list[dict]:
    return [
        section(0),
        {
            "type": "actions",
            "block_id": "card_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "value": "SO-0042",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                },
                {
                    "type": "button",
                    "action_id": "reject",
                    "value": "SO-0042",
                    "text": {"type": "plain_text", "text": "Reject"},
                },
            ],
        },
    ]


def option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


def order_modal(**overrides) -> dict:
    view = {
        "type": "modal",
        "callback_id": "new_order",
        "private_metadata": '{"order": 42}',
        "title": {"type": "plain_text", "text": "New order"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "qty",
                "label": {"type": "plain_text", "text": "Quantity"},
                "element": {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": True,
                    "initial_value": "2",
                },
            },
            {
                "type": "input",
                "block_id": "date",
                "label": {"type": "plain_text", "text": "Planned"},
                "element": {"type": "datepicker", "action_id": "value", "initial_date": "2025-03-01"},
            },
            {
                "type": "input",
                "block_id": "kind",
                "label": {"type": "plain_text", "text": "Kind"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [option("service"), option("material")],
                    "initial_option": option("service"),
                },
            },
            {
                "type": "input",
                "block_id": "flags",
                "optional": True,
                "label": {"type": "plain_text", "text": "Flags"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("final"), option("urgent")],
                },
            },
            {
                "type": "input",
                "block_id": "workers",
                "optional": True,
                "label": {"type": "plain_text", "text": "Workers"},
                "element": {"type": "multi_users_select", "action_id": "value", "initial_users": ["UDIEGO"]},
            },
        ],
    }
    view.update(overrides)
    return view


def trigger_from(receiver: Receiver) -> str:
    return receiver.last().form["trigger_id"]


def opened_view(fake: FakeSlack, client: WebClient, receiver: Receiver, view: dict | None = None) -> str:
    fake.slash_command("ULAYLA", "/so", "new")
    return client.views_open(trigger_id=trigger_from(receiver), view=view or order_modal())["view"]["id"]


# --------------------------------------------------------------------------- Web API basics


def test_auth_test_identifies_the_bot_and_rejects_bad_tokens(fake: FakeSlack, client: WebClient) -> None:
    who = client.auth_test()
    assert (who["user_id"], who["bot_id"], who["team_id"]) == ("UBOT", "BBOT", "T0SANDBOX")
    assert api_error(WebClient(base_url=fake.url, token="xoxb-wrong").auth_test)["error"] == "invalid_auth"
    assert api_error(WebClient(base_url=fake.url).auth_test)["error"] == "not_authed"
    assert api_error(lambda: client.api_call("chat.fly"))["error"] == "unknown_method"
    assert [c.method for c in fake.calls_to("auth.test")] == ["auth.test"] * 3


def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="ULAYLA")["user"]
    assert user["real_name"] == "Layla Haddad" and user["profile"]["display_name"] == "layla"
    assert user["deleted"] is False
    assert api_error(lambda: client.users_info(user="UNOBODY"))["error"] == "user_not_found"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("SO-0042", "invalid_name_specials"),
        ("so 0042", "invalid_name_specials"),
        ("so-0042-café", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("---", "invalid_name_punctuation"),
    ],
)
def test_channel_names_follow_slack_rules(client: WebClient, name: str, error: str) -> None:
    assert api_error(lambda: client.conversations_create(name=name))["error"] == error


def test_name_taken_has_no_channel_id_and_covers_archived(fake: FakeSlack, client: WebClient) -> None:
    created = client.conversations_create(name="so-0042-acme-router", is_private=True)["channel"]
    assert created["id"].startswith("C") and len(created["id"]) == 11
    assert created["is_private"] is True and created["creator"] == BOT_USER_ID
    assert fake.channel_by_name("so-0042-acme-router").members == {BOT_USER_ID}
    taken = api_error(lambda: client.conversations_create(name="so-0042-acme-router"))
    assert taken["error"] == "name_taken" and "channel" not in taken
    client.conversations_archive(channel=created["id"])
    assert api_error(lambda: client.conversations_create(name="so-0042-acme-router"))["error"] == "name_taken"
    assert client.conversations_create(name="x" * 80)["ok"]


def test_invite_errors_and_success(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0001", is_private=True)["channel"]["id"]
    outsider = fake.add_channel("lobby", members=["ULAYLA"], bot_member=False)
    secret = fake.add_channel("hr", is_private=True, members=["ULAYLA"], bot_member=False)

    def err(**kw) -> str:
        return api_error(lambda: client.conversations_invite(**kw))["error"]

    assert err(channel="CNOPE000000", users="ULAYLA") == "channel_not_found"
    assert err(channel=secret.id, users="UDIEGO") == "channel_not_found"
    assert err(channel=outsider.id, users="UDIEGO") == "not_in_channel"
    assert err(channel=cid, users=BOT_USER_ID) == "cant_invite_self"
    assert err(channel=cid, users="ULAYLA,UNOBODY") == "user_not_found"
    assert err(channel=cid, users=",".join(f"U{i:05d}" for i in range(101))) == "too_many_users"
    assert client.conversations_invite(channel=cid, users=["ULAYLA", "UOGECHI"])["channel"]["id"] == cid
    assert err(channel=cid, users="ULAYLA") == "already_in_channel"
    assert set(client.conversations_members(channel=cid)["members"]) == {"UBOT", "ULAYLA", "UOGECHI"}
    client.conversations_archive(channel=cid)
    assert err(channel=cid, users="UDIEGO") == "is_archived"
    assert "UDIEGO" not in fake.channels[cid].members


def test_topic_limit_and_conversations_info(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0002")["channel"]["id"]
    assert (
        api_error(lambda: client.conversations_setTopic(channel=cid, topic="x" * 251))["error"] == "too_long"
    )
    client.conversations_setTopic(channel=cid, topic="SO-0002 · pending approval")
    info = client.conversations_info(channel=cid)["channel"]
    assert info["topic"]["value"] == "SO-0002 · pending approval" and info["is_member"] is True
    assert fake.channels[cid].topic == "SO-0002 · pending approval"


def test_conversations_list_shows_what_a_bot_token_sees(fake: FakeSlack, client: WebClient) -> None:
    old = client.conversations_create(name="so-0100")["channel"]["id"]
    mine = client.conversations_create(name="so-0101", is_private=True)["channel"]["id"]
    fake.add_channel("hr", is_private=True, members=["ULAYLA"], bot_member=False)
    lobby = fake.add_channel("lobby", members=["ULAYLA"], bot_member=False)
    client.conversations_archive(channel=old)
    dm = client.conversations_open(users="ULAYLA")["channel"]["id"]

    public = client.conversations_list()["channels"]
    assert [c["name"] for c in public] == ["general", "so-0100", "lobby"]
    assert [c["is_archived"] for c in public] == [False, True, False]
    assert not any(c["is_private"] for c in public)

    both = client.conversations_list(types="public_channel,private_channel", exclude_archived=True)
    assert [c["name"] for c in both["channels"]] == ["general", "so-0101", "lobby"]  # not hr: bot isn't in it
    assert both["response_metadata"]["next_cursor"] == ""
    by_id = {c["id"]: c for c in both["channels"]}
    assert by_id[mine]["is_private"] and by_id[mine]["is_member"] and by_id[mine]["creator"] == BOT_USER_ID
    assert by_id[lobby.id]["is_member"] is False and by_id[lobby.id]["created"] > 0
    assert dm not in by_id

    pages, cursor = [], None
    while True:
        page = client.conversations_list(types="public_channel,private_channel", limit=2, cursor=cursor)
        pages.append([c["name"] for c in page["channels"]])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == [["general", "so-0100"], ["so-0101", "lobby"]]

    with_dms = client.conversations_list(types="public_channel,im")["channels"]
    assert [c["id"] for c in with_dms if c.get("is_im")] == [dm]
    assert api_error(lambda: client.conversations_list(cursor="bm9wZQ=="))["error"] == "invalid_cursor"
    assert api_error(lambda: client.conversations_list(types="shared"))["error"] == "invalid_types"


def test_removed_user_is_deleted_and_leaves_channels(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0102", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=cid, users="ULAYLA,UDIEGO")
    client.chat_postMessage(channel="ULAYLA", text="before")
    removed = fake.remove_user("ULAYLA")
    assert removed["deleted"] is True
    info = client.users_info(user="ULAYLA")
    assert info["ok"] and info["user"]["deleted"] is True
    assert set(client.conversations_members(channel=cid)["members"]) == {"UBOT", "UDIEGO"}
    assert "ULAYLA" not in fake.general.members
    invite = api_error(lambda: client.conversations_invite(channel=cid, users="ULAYLA"))
    assert invite["error"] == "user_is_inactive" and invite["errors"][0]["user"] == "ULAYLA"
    assert api_error(lambda: client.chat_postMessage(channel="ULAYLA", text="x"))["error"] == "user_not_found"
    with pytest.raises(AssertionError, match="removed"):
        fake.slash_command("ULAYLA", "/so")
    assert [m["text"] for m in fake.dms("ULAYLA")] == ["before"]


# --------------------------------------------------------------------------- messages


def test_post_message_rules(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0003", is_private=True)["channel"]["id"]
    ok = client.chat_postMessage(channel=cid, text="card", blocks=[section(i) for i in range(50)])
    assert ok["channel"] == cid and ok["message"]["bot_id"] == "BBOT"
    too_many = api_error(
        lambda: client.chat_postMessage(channel=cid, text="x", blocks=[section(i) for i in range(51)])
    )
    assert too_many["error"] == "invalid_blocks"
    assert "must be less than 51 items" in too_many["response_metadata"]["messages"][0]
    dup = api_error(lambda: client.chat_postMessage(channel=cid, text="x", blocks=[section(1), section(1)]))
    assert dup["error"] == "invalid_blocks"
    with pytest.warns(UserWarning, match="text"):
        assert api_error(lambda: client.chat_postMessage(channel=cid))["error"] == "no_text"
    private = fake.add_channel("hr", is_private=True, members=["ULAYLA"], bot_member=False)
    public = fake.add_channel("random", members=["ULAYLA"], bot_member=False)
    assert (
        api_error(lambda: client.chat_postMessage(channel=private.id, text="x"))["error"]
        == "channel_not_found"
    )
    assert (
        api_error(lambda: client.chat_postMessage(channel=public.id, text="x"))["error"] == "not_in_channel"
    )
    stamps = [client.chat_postMessage(channel=cid, text=f"m{i}", thread_ts=ok["ts"])["ts"] for i in range(5)]
    assert (
        stamps == sorted(stamps, key=float) and len(set(stamps)) == 5 and float(stamps[0]) > float(ok["ts"])
    )
    assert len(fake.messages(cid)) == 6 and len(fake.messages(cid, include_thread_replies=False)) == 1
    replies = client.conversations_replies(channel=cid, ts=ok["ts"])["messages"]
    assert [m["text"] for m in replies] == ["card", "m0", "m1", "m2", "m3", "m4"]


def test_post_to_user_id_lands_in_their_dm(fake: FakeSlack, client: WebClient) -> None:
    sent = client.chat_postMessage(channel="UOGECHI", text="SO-0042 needs your approval")
    dm = client.conversations_open(users="UOGECHI")["channel"]["id"]
    assert sent["channel"] == dm and dm.startswith("D")
    assert client.conversations_open(users="UOGECHI")["channel"]["id"] == dm
    assert [m["text"] for m in fake.dms("UOGECHI")] == ["SO-0042 needs your approval"]
    assert fake.dms("ULAYLA") == []


def test_update_pin_react_and_ephemeral(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0004")["channel"]["id"]
    client.conversations_invite(channel=cid, users="ULAYLA")
    ts = client.chat_postMessage(channel=cid, text="card v1", blocks=card_blocks())["ts"]
    client.chat_update(channel=cid, ts=ts, text="card v2", blocks=[section(9)])
    updated = fake.message(cid, ts)
    assert (
        updated["text"] == "card v2"
        and updated["blocks"] == [section(9)]
        and updated["edited"]["user"] == "UBOT"
    )

    def too_many() -> object:
        return client.chat_update(channel=cid, ts=ts, text="x", blocks=[section(i) for i in range(51)])

    assert api_error(too_many)["error"] == "invalid_blocks"
    assert (
        api_error(lambda: client.chat_update(channel=cid, ts="1.000001", text="x"))["error"]
        == "message_not_found"
    )
    human_ts, _ = fake.post_message_as("ULAYLA", cid, "hello")
    assert (
        api_error(lambda: client.chat_update(channel=cid, ts=human_ts, text="x"))["error"]
        == "cant_update_message"
    )

    client.pins_add(channel=cid, timestamp=ts)
    assert fake.channels[cid].pins == [ts]
    assert api_error(lambda: client.pins_add(channel=cid, timestamp=ts))["error"] == "already_pinned"
    assert (
        api_error(lambda: client.pins_add(channel=cid, timestamp="1.000001"))["error"] == "message_not_found"
    )
    client.reactions_add(channel=cid, timestamp=human_ts, name="white_check_mark")
    assert fake.message(cid, human_ts)["reactions"] == {"white_check_mark": ["UBOT"]}
    dup = lambda: client.reactions_add(channel=cid, timestamp=human_ts, name="white_check_mark")  # noqa: E731
    assert api_error(dup)["error"] == "already_reacted"

    eph = client.chat_postEphemeral(channel=cid, user="ULAYLA", text="Only supervisors can approve")
    assert eph["message_ts"]
    assert fake.ephemerals[-1]["user"] == "ULAYLA" and "supervisors" in fake.ephemerals[-1]["text"]
    assert api_error(lambda: client.chat_postEphemeral(channel=cid, user="UDIEGO", text="x"))["error"] == (
        "user_not_in_channel"
    )


def test_message_metadata_and_history(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0103")["channel"]["id"]
    meta = {"event_type": "sales_order_card", "event_payload": {"order": "SO-0103", "rev": 1}}
    first = client.chat_postMessage(channel=cid, text="card", metadata=meta)["ts"]
    second = client.chat_postMessage(channel=cid, text="plain")["ts"]
    client.chat_postMessage(channel=cid, text="reply", thread_ts=first)
    as_text = json.dumps({"event_type": "note", "event_payload": {"n": 3}})
    third = client.api_call("chat.postMessage", params={"channel": cid, "text": "form", "metadata": as_text})
    assert fake.message(cid, first)["metadata"] == meta
    assert fake.message(cid, third["ts"])["metadata"]["event_payload"] == {"n": 3}
    bad = {"event_type": "x", "event_payload": "not an object"}
    assert api_error(lambda: client.chat_postMessage(channel=cid, text="x", metadata=bad))["error"] == (
        "invalid_metadata_schema"
    )

    plain = client.conversations_history(channel=cid)
    assert [m["text"] for m in plain["messages"]] == ["form", "plain", "card"]  # newest first, no replies
    assert not any("metadata" in m for m in plain["messages"]) and plain["has_more"] is False
    full = client.conversations_history(channel=cid, include_all_metadata=True)["messages"]
    assert full[2]["metadata"] == meta and "metadata" not in full[1]

    client.chat_update(channel=cid, ts=first, text="card v2")
    kept = client.conversations_history(channel=cid, include_all_metadata=True, oldest=first, inclusive=True)
    assert kept["messages"][-1]["metadata"] == meta and kept["messages"][-1]["text"] == "card v2"
    new_meta = {"event_type": "sales_order_card", "event_payload": {"order": "SO-0103", "rev": 2}}
    client.chat_update(channel=cid, ts=first, text="card v3", metadata=new_meta)
    assert fake.message(cid, first)["metadata"] == new_meta

    page = client.conversations_history(channel=cid, limit=2)
    assert [m["ts"] for m in page["messages"]] == [third["ts"], second] and page["has_more"] is True
    rest = client.conversations_history(channel=cid, limit=2, cursor=page["response_metadata"]["next_cursor"])
    assert [m["ts"] for m in rest["messages"]] == [first] and rest["has_more"] is False
    window = client.conversations_history(channel=cid, oldest=first, latest=third["ts"])["messages"]
    assert [m["ts"] for m in window] == [second]


# --------------------------------------------------------------------------- views


def test_trigger_ids_are_single_use_and_expire(receiver: Receiver) -> None:
    with FakeSlack(SECRET, request_url=receiver.url, trigger_ttl=0.3) as fake:
        fake.add_user("ULAYLA", "layla")
        client = WebClient(base_url=fake.url, token=TOKEN)
        fake.slash_command("ULAYLA", "/so")
        trigger = trigger_from(receiver)
        assert client.views_open(trigger_id=trigger, view=order_modal())["view"]["id"].startswith("V")
        assert api_error(lambda: client.views_open(trigger_id=trigger, view=order_modal()))["error"] == (
            "exchanged_trigger_id"
        )
        fake.slash_command("ULAYLA", "/so")
        late = trigger_from(receiver)
        time.sleep(0.4)
        assert api_error(lambda: client.views_open(trigger_id=late, view=order_modal()))["error"] == (
            "expired_trigger_id"
        )
        for bogus in ("123.456.deadbeef", "12345.67890.0123456789abcdef0123456789abcdef", ""):
            assert api_error(lambda b=bogus: client.views_open(trigger_id=b, view=order_modal()))[
                "error"
            ] == ("invalid_trigger_id")


def test_view_limits(fake: FakeSlack, client: WebClient, receiver: Receiver) -> None:
    def open_with(view: dict) -> dict:
        fake.slash_command("ULAYLA", "/so")
        return client.api_call("views.open", json={"trigger_id": trigger_from(receiver), "view": view}).data

    hundred = order_modal(blocks=[section(i) for i in range(100)])
    assert open_with(hundred)["ok"]
    for bad in (
        order_modal(blocks=[section(i) for i in range(101)]),
        order_modal(title={"type": "plain_text", "text": "x" * 25}),
        order_modal(private_metadata="x" * 3001),
    ):
        with pytest.raises(SlackApiError) as info:
            open_with(bad)
        assert info.value.response["error"] == "invalid_arguments"
        assert info.value.response["response_metadata"]["messages"][0].startswith("[ERROR]")
    no_submit = order_modal()
    del no_submit["submit"]
    with pytest.raises(SlackApiError):
        open_with(no_submit)


def test_view_open_initial_state_matches_slack_shapes(fake: FakeSlack, client: WebClient, receiver) -> None:
    fake.slash_command("ULAYLA", "/so")
    # slack_sdk sends view as a dict in JSON; a JSON string works too, as with Slack
    view = client.api_call(
        "views.open", params={"trigger_id": trigger_from(receiver), "view": json.dumps(order_modal())}
    )["view"]
    values = view["state"]["values"]
    assert values["title"]["value"] == {"type": "plain_text_input", "value": None}
    assert values["qty"]["value"] == {"type": "number_input", "value": "2"}
    assert values["date"]["value"] == {"type": "datepicker", "selected_date": "2025-03-01"}
    assert values["kind"]["value"]["selected_option"]["value"] == "service"
    assert values["flags"]["value"] == {"type": "checkboxes", "selected_options": []}
    assert values["workers"]["value"] == {"type": "multi_users_select", "selected_users": ["UDIEGO"]}
    assert fake.views[view["id"]]["user"] == "ULAYLA" and view["callback_id"] == "new_order"


def test_views_update_keeps_typed_state_and_checks_hash(fake: FakeSlack, client: WebClient, receiver) -> None:
    view_id = opened_view(fake, client, receiver)
    fake.fill(view_id, "title", "value", "Replace router")
    fake.fill(view_id, "qty", "value", "3.5")
    old_hash = fake.views[view_id]["hash"]
    changed = order_modal()
    changed["blocks"][1]["block_id"] = "qty_v2"  # a new block_id resets, like Slack
    changed["blocks"][0]["element"]["initial_value"] = "ignored: the person already typed"
    updated = client.views_update(view_id=view_id, view=changed, hash=old_hash)["view"]
    assert updated["state"]["values"]["title"]["value"]["value"] == "Replace router"
    assert updated["state"]["values"]["qty_v2"]["value"]["value"] == "2"
    assert updated["hash"] != old_hash
    assert api_error(lambda: client.views_update(view_id=view_id, view=changed, hash=old_hash))["error"] == (
        "hash_conflict"
    )
    assert api_error(lambda: client.views_update(view_id="VNOPE", view=changed))["error"] == "not_found"


def test_views_push_limit_and_publish(fake: FakeSlack, client: WebClient, receiver: Receiver) -> None:
    view_id = opened_view(fake, client, receiver)
    for _ in range(2):
        fake.slash_command("ULAYLA", "/so")
        client.views_push(trigger_id=trigger_from(receiver), view=order_modal(callback_id="line"))
    fake.slash_command("ULAYLA", "/so")
    assert api_error(lambda: client.views_push(trigger_id=trigger_from(receiver), view=order_modal()))[
        "error"
    ] == ("push_limit_reached")
    stack = fake.open_views("ULAYLA")
    assert [v["callback_id"] for v in stack] == ["new_order", "line", "line"]
    assert stack[2]["root_view_id"] == view_id and stack[2]["previous_view_id"] == stack[1]["id"]
    home = {"type": "home", "blocks": [section(1)]}
    client.views_publish(user_id="UOGECHI", view=home)
    assert fake.home_tabs["UOGECHI"]["blocks"][0]["text"]["text"] == "line 1"


# --------------------------------------------------------------------------- files


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0005", is_private=True)["channel"]["id"]
    pdf = b"%PDF-1.4 revision 1"
    result = client.files_upload_v2(
        channel=cid,
        content=pdf,
        filename="SO-0005-r1.pdf",
        title="SO-0005 revision 1",
        initial_comment="Rev 1",
    )
    file_id = result["file"]["id"]
    assert [c.method for c in fake.calls] == [
        "conversations.create",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert fake.files[file_id]["content"] == pdf and fake.files[file_id]["title"] == "SO-0005 revision 1"
    message = fake.messages(cid)[-1]
    assert message["text"] == "Rev 1" and message["files"][0]["id"] == file_id
    assert message["files"][0]["mimetype"] == "application/pdf" and message["files"][0]["size"] == len(pdf)
    assert result["file"]["groups"] == []  # shared asynchronously, as Slack says
    assert client.files_info(file=file_id)["file"]["groups"] == [cid]
    request = urllib.request.Request(
        result["file"]["url_private"], headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request) as resp:
        assert resp.read() == pdf


def test_file_upload_errors(fake: FakeSlack, client: WebClient) -> None:
    outsider = fake.add_channel("lobby", members=["ULAYLA"], bot_member=False)
    with pytest.raises(SlackApiError) as info:
        client.files_upload_v2(channel=outsider.id, content=b"x", filename="x.pdf")
    assert info.value.response["error"] == "not_in_channel"
    zero = api_error(lambda: client.files_getUploadURLExternal(filename="x.pdf", length=0))
    assert zero["error"] == "missing_argument"
    ticket = client.files_getUploadURLExternal(filename="x.pdf", length=3)
    cid = client.conversations_create(name="so-0006")["channel"]["id"]
    assert (
        api_error(
            lambda: client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=cid)
        )["error"]
        == "file_not_found"
    )
    bad_url = ticket["upload_url"].rsplit("/", 1)[0] + "/nope"
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(urllib.request.Request(bad_url, data=b"abc", method="POST"))
    assert http.value.code == 404


# --------------------------------------------------------------------------- faults


def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0007")["channel"]["id"]
    fake.rate_limit("chat.postMessage", calls=2, per_seconds=1)
    client.chat_postMessage(channel=cid, text="1")
    client.chat_postMessage(channel=cid, text="2")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=cid, text="3")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1" and info.value.response["error"] == "ratelimited"
    patient = WebClient(
        base_url=fake.url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    started = time.monotonic()
    assert patient.chat_postMessage(channel=cid, text="3")["ok"]
    assert time.monotonic() - started >= 0.5
    assert [m["text"] for m in fake.messages(cid)] == ["1", "2", "3"]
    assert [c.status for c in fake.calls_to("chat.postMessage")][-3:-1] == [429, 429]


def test_fail_next(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0008")["channel"]["id"]
    fake.fail_next("chat.postMessage", status=503, times=1)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=cid, text="x")
    assert info.value.response.status_code == 503
    fake.fail_next("chat.postMessage", retry_after=0)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=cid, text="x")
    assert info.value.response.status_code == 429 and info.value.response.headers["Retry-After"] == "0"
    fake.fail_next("pins.add", error="restricted_action")
    ts = client.chat_postMessage(channel=cid, text="x")["ts"]
    assert api_error(lambda: client.pins_add(channel=cid, timestamp=ts))["error"] == "restricted_action"
    assert len(fake.messages(cid)) == 1
    fake.reset_calls()
    assert fake.calls == []


def test_lost_response_still_performs_the_call(fake: FakeSlack) -> None:
    bare = WebClient(base_url=fake.url, token=TOKEN, retry_handlers=[])
    fake.lose_response_next("conversations.create")
    assert fake.faults_pending() == 1
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        bare.conversations_create(name="so-0104")
    assert fake.channel_by_name("so-0104") is not None and fake.faults_pending() == 0
    assert fake.calls_to("conversations.create")[-1].lost is True
    assert fake.calls_to("conversations.create")[-1].response["ok"] is True
    assert api_error(lambda: bare.conversations_create(name="so-0104"))["error"] == "name_taken"

    # slack_sdk's default ConnectionErrorRetryHandler retries once: the retry meets the first call's effect
    fake.lose_response_next("conversations.create")
    default = WebClient(base_url=fake.url, token=TOKEN)
    assert api_error(lambda: default.conversations_create(name="so-0105"))["error"] == "name_taken"
    assert [c.lost for c in fake.calls_to("conversations.create")][-2:] == [True, False]


def test_lost_and_delayed_uploads(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0106")["channel"]["id"]
    fake.lose_response_next("upload")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        client.files_upload_v2(channel=cid, content=b"rev-1", filename="SO-0106.pdf")
    file_id = fake.calls_to("files.getUploadURLExternal")[-1].response["file_id"]
    client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=cid)  # the bytes did arrive
    assert fake.files[file_id]["content"] == b"rev-1"
    assert not any(c.method == "upload" for c in fake.calls)

    fake.delay_next("upload", 0.3)
    fake.delay_next("chat.postMessage", 0.3, times=2)
    assert fake.faults_pending() == 3
    started = time.monotonic()
    client.files_upload_v2(channel=cid, content=b"rev-2", filename="SO-0106-r2.pdf")
    client.chat_postMessage(channel=cid, text="a")
    client.chat_postMessage(channel=cid, text="b")
    assert time.monotonic() - started >= 0.9 and fake.faults_pending() == 0
    impatient = WebClient(base_url=fake.url, token=TOKEN, timeout=1, retry_handlers=[])
    fake.delay_next("chat.postMessage", 1.5)
    with pytest.raises((urllib.error.URLError, TimeoutError)):
        impatient.chat_postMessage(channel=cid, text="slow")
    assert fake.messages(cid)[-1]["text"] == "slow"  # Slack did it; the client just never heard


def test_retry_after_is_whole_seconds_and_windows_are_checked(fake: FakeSlack, client: WebClient) -> None:
    cid = client.conversations_create(name="so-0107")["channel"]["id"]
    fake.rate_limit("chat.postMessage", calls=1, per_seconds=1.5)
    client.chat_postMessage(channel=cid, text="1")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=cid, text="2")
    assert info.value.response.headers["Retry-After"] == "2"
    limited = fake.calls_to("chat.postMessage")[-1]
    assert limited.status == 429 and limited.retry_after == 2.0
    assert fake.calls_to("chat.postMessage")[0].retry_after is None
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=cid, text="3")  # impatient: inside the window
    assert fake.calls_inside_retry_after("chat.postMessage") == [fake.calls_to("chat.postMessage")[-1]]

    fake.rate_limit("reactions.add", calls=1, per_seconds=0.5)
    patient = WebClient(
        base_url=fake.url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    post = fake.messages(cid)[0]["ts"]
    patient.reactions_add(channel=cid, timestamp=post, name="one")
    patient.reactions_add(channel=cid, timestamp=post, name="two")
    assert [c.status for c in fake.calls_to("reactions.add")] == [200, 429, 200]
    assert fake.calls_to("reactions.add")[1].retry_after == 1.0
    assert fake.calls_inside_retry_after("reactions.add") == []


# --------------------------------------------------------------------------- the human side


def test_requests_are_signed_like_slack(fake: FakeSlack, receiver: Receiver) -> None:
    result = fake.slash_command("ULAYLA", "/so")
    assert receiver.last().verified and result.status == 200
    bad = fake.post_signed(b"command=%2Fso", "application/x-www-form-urlencoded", secret="wrong")
    assert not receiver.last().verified and bad.status == 401
    stale = fake.post_signed(
        b"command=%2Fso", "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600
    )
    assert not receiver.last().verified and stale.status == 401
    fake.post_signed(b"{}", "application/json", path="/other")
    assert receiver.last().path == "/other" and receiver.last().verified


def test_slash_command_ack_and_response_url(fake: FakeSlack, receiver: Receiver) -> None:
    receiver.reply = lambda req: (200, "Opening the form…")
    result = fake.slash_command("ULAYLA", "/so", "new")
    form = receiver.last().form
    assert form["command"] == "/so" and form["text"] == "new" and form["user_id"] == "ULAYLA"
    assert (
        form["user_name"] == "layla"
        and form["team_id"] == "T0SANDBOX"
        and form["channel_id"] == fake.general.id
    )
    assert len(form["trigger_id"].split(".")) == 3
    assert result.body_text == "Opening the form…"
    assert fake.responses[-1]["via"] == "ack" and fake.responses[-1]["text"] == "Opening the form…"
    body = json.dumps({"text": "SO-0042 created", "response_type": "ephemeral"}).encode()
    req = urllib.request.Request(
        form["response_url"], data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    assert fake.responses[-1]["via"] == "response_url" and fake.responses[-1]["text"] == "SO-0042 created"


def test_click_sends_block_actions_for_a_shown_button(fake: FakeSlack, client: WebClient, receiver) -> None:
    cid = client.conversations_create(name="so-0042", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=cid, users="UOGECHI")
    ts = client.chat_postMessage(channel=cid, text="SO-0042", blocks=card_blocks())["ts"]
    fake.click("UOGECHI", cid, ts, "approve")
    payload = receiver.last().payload
    assert payload["type"] == "block_actions" and payload["user"]["id"] == "UOGECHI"
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": cid,
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == ts and payload["channel"]["id"] == cid
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "approve",
        "card_actions",
        "SO-0042",
        "button",
    )
    with pytest.raises(AssertionError, match="no button 'close'"):
        fake.click("UOGECHI", cid, ts, "close")
    with pytest.raises(AssertionError, match="cannot see"):
        fake.click("UDIEGO", cid, ts, "approve")
    # replace_original through the response_url edits the card in place
    body = json.dumps({"replace_original": True, "text": "approved", "blocks": [section(1)]}).encode()
    urllib.request.urlopen(urllib.request.Request(payload["response_url"], data=body))
    assert fake.message(cid, ts)["text"] == "approved" and fake.message(cid, ts)["edited"]


def test_fill_and_submit_with_errors_then_close(fake: FakeSlack, client: WebClient, receiver) -> None:
    view_id = opened_view(fake, client, receiver)
    nothing_sent = fake.submit("ULAYLA", view_id)  # title is required: Slack's client stops it
    assert nothing_sent.status == 0 and fake.view_errors[view_id] == {"title": "Please fill out this field."}
    assert receiver.last().form.get("command") == "/so"
    fake.fill(view_id, "title", "value", "Replace router")
    fake.fill(view_id, "kind", "value", "material")
    fake.fill(view_id, "flags", "value", ["final"])
    with pytest.raises(AssertionError, match="not an option"):
        fake.fill(view_id, "kind", "value", "labour")
    with pytest.raises(AssertionError, match="no element"):
        fake.fill(view_id, "nope", "value", "x")

    receiver.reply = lambda req: (
        200,
        json.dumps({"response_action": "errors", "errors": {"qty": "Too many"}}),
    )
    result = fake.submit("ULAYLA", view_id)
    sent = receiver.last().payload
    assert sent["type"] == "view_submission" and sent["view"]["private_metadata"] == '{"order": 42}'
    values = sent["view"]["state"]["values"]
    assert values["kind"]["value"]["selected_option"]["value"] == "material"
    assert [o["value"] for o in values["flags"]["value"]["selected_options"]] == ["final"]
    assert result.json["response_action"] == "errors"
    assert fake.view_errors[view_id] == {"qty": "Too many"} and view_id in fake.views

    receiver.reply = lambda req: (200, "")
    fake.submit("ULAYLA", view_id)
    assert view_id not in fake.views and view_id in fake.closed_views and fake.open_views("ULAYLA") == []


def test_submit_update_and_bad_error_keys(fake: FakeSlack, client: WebClient, receiver: Receiver) -> None:
    view_id = opened_view(fake, client, receiver)
    fake.fill(view_id, "title", "value", "Router")
    thanks = {"type": "modal", "title": {"type": "plain_text", "text": "Done"}, "blocks": [section(1)]}
    receiver.reply = lambda req: (200, json.dumps({"response_action": "update", "view": thanks}))
    fake.submit("ULAYLA", view_id)
    assert fake.views[view_id]["title"]["text"] == "Done" and fake.views[view_id]["state"]["values"] == {}

    other = opened_view(fake, client, receiver)
    fake.fill(other, "title", "value", "Router")
    receiver.reply = lambda req: (200, json.dumps({"response_action": "errors", "errors": {"nope": "x"}}))
    with pytest.raises(AssertionError, match="not input blocks"):
        fake.submit("ULAYLA", other)


def test_view_action_and_close_notification(fake: FakeSlack, client: WebClient, receiver: Receiver) -> None:
    view = order_modal(notify_on_close=True)
    view["blocks"].append(
        {
            "type": "actions",
            "block_id": "lines",
            "elements": [
                {
                    "type": "button",
                    "action_id": "add_line",
                    "value": "1",
                    "text": {"type": "plain_text", "text": "Add"},
                }
            ],
        }
    )
    view_id = opened_view(fake, client, receiver, view)
    fake.view_action("ULAYLA", view_id, "add_line", "lines")
    payload = receiver.last().payload
    assert payload["container"] == {"type": "view", "view_id": view_id} and "response_url" not in payload
    assert payload["actions"][0]["value"] == "1" and payload["view"]["id"] == view_id
    with pytest.raises(AssertionError, match="dispatch_action"):
        fake.view_action("ULAYLA", view_id, "value", "kind", "material")
    closed = fake.close_view("ULAYLA", view_id)
    assert closed is not None and receiver.last().payload["type"] == "view_closed"
    assert fake.open_views("ULAYLA") == []


def test_post_message_as_delivers_events(fake: FakeSlack, client: WebClient, receiver: Receiver) -> None:
    cid = client.conversations_create(name="so-0042", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=cid, users="UDIEGO")
    card = client.chat_postMessage(channel=cid, text="card")["ts"]
    ts, result = fake.post_message_as("UDIEGO", cid, "on site", thread_ts=card)
    envelope = receiver.last().json
    assert (
        result.status == 200
        and envelope["type"] == "event_callback"
        and envelope["event_id"].startswith("Ev0")
    )
    event = envelope["event"]
    assert (event["channel"], event["user"], event["ts"], event["thread_ts"], event["channel_type"]) == (
        cid,
        "UDIEGO",
        ts,
        card,
        "group",
    )
    photo_ts, _ = fake.post_message_as(
        "UDIEGO", cid, "", thread_ts=card, files=[{"name": "router.jpg", "content": b"\xff\xd8jpeg"}]
    )
    event = receiver.last().json["event"]
    assert event["subtype"] == "file_share" and event["files"][0]["mimetype"] == "image/jpeg"
    assert fake.files[event["files"][0]["id"]]["content"] == b"\xff\xd8jpeg"
    assert fake.message(cid, card)["reply_count"] == 2
    with pytest.raises(AssertionError, match="not a member"):
        fake.post_message_as("ULAYLA", cid, "let me in")
    lobby = fake.add_channel("lobby", members=["ULAYLA"], bot_member=False)
    count = len(receiver.received)
    assert fake.post_message_as("ULAYLA", lobby.id, "the bot can't hear this")[1] is None
    assert len(receiver.received) == count


def test_deliver_event_retry_headers(fake: FakeSlack, receiver: Receiver) -> None:
    event = {"type": "app_home_opened", "user": "ULAYLA", "tab": "home"}
    first = fake.deliver_event(event, event_id="Ev0SAME")
    again = fake.deliver_event(event, event_id="Ev0SAME", retry_num=1, retry_reason="http_timeout")
    assert first.request["event_id"] == again.request["event_id"] == "Ev0SAME"
    assert receiver.last().headers["x-slack-retry-num"] == "1"
    assert receiver.last().headers["x-slack-retry-reason"] == "http_timeout"
    assert "x-slack-retry-num" not in receiver.received[-2].headers


# --------------------------------------------------------------------------- with a real Bolt app


@pytest.fixture
def bolt_app(fake: FakeSlack) -> Iterator[object]:
    from slack_bolt import App, BoltRequest

    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=fake.url, token=TOKEN),
        process_before_response=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            headers = {k.lower(): [v] for k, v in self.headers.items()}
            resp = app.dispatch(BoltRequest(body=body, headers=headers))
            data = resp.body.encode()
            self.send_response(resp.status)
            for key, values in resp.headers.items():
                for value in values:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    fake.request_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield app
    server.shutdown()
    server.server_close()


def test_a_bolt_app_runs_against_the_fake(fake: FakeSlack, bolt_app) -> None:
    app = bolt_app
    heard: list[str] = []

    @app.command("/so")
    def open_form(ack, body, client) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=order_modal())
        ack()

    @app.view("new_order")
    def submitted(ack, view, client) -> None:
        title = view["state"]["values"]["title"]["value"]["value"]
        if len(title) < 5:
            ack(response_action="errors", errors={"title": "Say a bit more"})
            return
        ack()
        channel = client.conversations_create(name="so-0042-router", is_private=True)["channel"]["id"]
        client.conversations_invite(channel=channel, users="ULAYLA")
        client.chat_postMessage(channel=channel, text=title, blocks=card_blocks())

    @app.action("approve")
    def approve(ack, respond) -> None:
        ack()
        respond(replace_original=True, text="Approved", blocks=[section(7)])

    @app.message("")
    def on_message(message) -> None:
        heard.append(message["text"])

    assert fake.slash_command("ULAYLA", "/so").status == 200
    (view,) = fake.open_views("ULAYLA")
    fake.fill(view["id"], "title", "value", "Fix")
    assert fake.submit("ULAYLA", view["id"]).json["errors"] == {"title": "Say a bit more"}
    fake.fill(view["id"], "title", "value", "Replace router")
    assert fake.submit("ULAYLA", view["id"]).status == 200 and fake.open_views("ULAYLA") == []
    channel = fake.channel_by_name("so-0042-router")
    assert channel.is_private and channel.members == {"UBOT", "ULAYLA"}
    (card,) = fake.messages(channel.id)
    fake.click("ULAYLA", channel.id, card["ts"], "approve")
    assert fake.message(channel.id, card["ts"])["text"] == "Approved"
    fake.post_message_as("ULAYLA", channel.id, "thanks")
    assert heard == ["thanks"]
    bad = fake.post_signed(b"command=%2Fso", "application/x-www-form-urlencoded", secret="wrong")
    assert bad.status == 401


def _post_json(url: str, payload: dict) -> int:
    req = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def test_an_ephemeral_answer_can_be_clicked_replaced_and_deleted(fake: FakeSlack, receiver: Receiver) -> None:
    button = {
        "type": "button",
        "action_id": "next",
        "value": "2",
        "text": {"type": "plain_text", "text": "Next"},
    }
    page = {
        "text": "page 1",
        "blocks": [section(1), {"type": "actions", "block_id": "p", "elements": [button]}],
    }
    receiver.reply = lambda req: (200, json.dumps(page))
    fake.slash_command("ULAYLA", "/so", "list")
    ts = fake.responses[-1]["ts"]
    assert fake.ephemeral("ULAYLA", ts)["text"] == "page 1" and fake.ephemeral("UOGECHI", ts) is None

    fake.click_ephemeral("ULAYLA", ts, "next")
    payload = receiver.last().payload
    assert payload["container"]["is_ephemeral"] is True and payload["container"]["message_ts"] == ts
    assert "message" not in payload  # Slack sends no copy of an ephemeral message
    assert payload["actions"][0]["value"] == "2" and payload["actions"][0]["block_id"] == "p"
    replaced = {"text": "page 2", "blocks": [section(2)], "replace_original": True}
    assert _post_json(payload["response_url"], replaced) == 200
    assert fake.ephemeral("ULAYLA", ts)["text"] == "page 2" and fake.responses[-1]["ts"] == ts
    with pytest.raises(AssertionError, match="no button"):
        fake.click_ephemeral("ULAYLA", ts, "next")

    fake.slash_command("ULAYLA", "/so", "list")
    again = fake.responses[-1]["ts"]
    fake.click_ephemeral("ULAYLA", again, "next")
    assert _post_json(receiver.last().payload["response_url"], {"delete_original": True}) == 200
    assert fake.ephemeral("ULAYLA", again) is None


def test_answers_with_blocks_slack_would_refuse_are_not_shown(fake: FakeSlack, receiver: Receiver) -> None:
    too_many = {"text": "x", "blocks": [section(i) for i in range(51)]}
    receiver.reply = lambda req: (200, json.dumps(too_many))
    fake.slash_command("ULAYLA", "/so", "list")
    assert fake.responses[-1]["problems"] and "ts" not in fake.responses[-1]
    url = receiver.last().form["response_url"]
    assert _post_json(url, too_many) == 400
    assert _post_json(url, {"text": "fine"}) == 200
