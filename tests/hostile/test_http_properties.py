"""Signed but malformed requests to POST /slack/events: never a 5xx, never a listener crash, and the
bot keeps serving afterwards.

One world (local Slack + the real bot over HTTP) for the whole module: hypothesis does not mix with
function-scoped fixtures. Bolt answers 404 to a request no listener matches; that is accepted (and
counted, see `shapes`), a 5xx is not. A listener that raises is answered 200 by the app's error
handler, so crashes are caught from the log instead.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hostile_strategies import hostile_text
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltRequest
from slack_bolt.request.payload_utils import (
    to_action,
    to_command,
    to_event,
    to_message,
    to_options,
    to_shortcut,
    to_step,
    to_view,
)

from bot.demo import DIEGO, LAYLA, OGECHI, PEOPLE, World, local_world
from forms import ids
from sandbox.slack import APP_ID, VERIFICATION_TOKEN
from workflow.service import Workflow

SLOW = [
    HealthCheck.too_slow,
    HealthCheck.large_base_example,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
]
FORM = "application/x-www-form-urlencoded"
# Which shapes got which status (printed at the end of the module: `pytest -s` shows it).
shapes: Counter[tuple[str, int]] = Counter()
crash_log: dict[str, tuple[str, bytes]] = {}


class Crashes(logging.Handler):
    """Collects log records that carry an exception: a listener (or the server) raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)

    def take(self) -> list[str]:
        out = [
            f"{r.name}: {r.getMessage()} | {r.exc_info[0].__name__}: {r.exc_info[1]}"  # type: ignore[index]
            for r in self.records
        ]
        self.records.clear()
        return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = tmp_path_factory.mktemp("hostile-http") / "so.db"
    with local_world(f"sqlite:///{db}", people=PEOPLE) as w:
        wf = w.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        yield w
    for (shape, status), n in sorted(shapes.items()):
        print(f"{shape:>28} -> {status}: {n}")
    for crash, (shape, body) in crash_log.items():
        print("CRASH", crash, shape, body)


@pytest.fixture(scope="module")
def crashes() -> Iterator[Crashes]:
    handler = Crashes()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture(scope="module")
def order_id(world: World) -> int:
    """One real order, pending approval, so that some hostile ids point at something."""
    from tests.bot.helpers import submit_order  # noqa: PLC0415

    return submit_order(world).id


# ---------------------------------------------------------------------------------------------
# Strategies

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text(4),
    st.integers(1000, 20_000).map(lambda n: "x" * n),
)
junk = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text(2), inner, max_size=4),
    max_leaves=20,
)
action_ids = st.sampled_from(
    [
        ids.APPROVE,
        ids.REJECT,
        ids.OPEN_ADD_FIELD_WORKERS,
        ids.OPEN_CONFIRMATION,
        ids.OPEN_CLOSE,
        ids.ADD_LINE,
        ids.REMOVE_LINE,
        ids.LINE_KIND,
        "unknown_action",
    ]
)
callback_ids = st.sampled_from(
    [ids.NEW_ORDER, ids.REJECT_ORDER, ids.ADD_FIELD_WORKERS, ids.CONFIRMATION, ids.CLOSE_ORDER, "nope"]
)
order_values = st.one_of(
    st.sampled_from(
        ["1", "0", "-1", "-42", "999999", "9" * 25, "9" * 5000, "1e3", " 7 ", "٣", "1_0", "", "NaN"]
    ),
    st.integers(-(2**70), 2**70).map(str),
    junk,
)
users = st.one_of(
    st.sampled_from([LAYLA, OGECHI, DIEGO]).map(lambda u: {"id": u, "name": "x", "team_id": "T0SANDBOX"}),
    junk,
)
response_urls = st.one_of(st.none(), st.sampled_from(["", "not a url", "ftp://x", "http://"]), json_leaf)


def _maybe(d: dict[str, Any], drop: list[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in drop}


@st.composite
def block_actions(draw: st.DrawFn) -> dict[str, Any]:
    action: Any = {
        "action_id": draw(action_ids | hostile_text(2)),
        "block_id": draw(st.sampled_from(["card", ids.LINES_ACTIONS_BLOCK]) | junk),
        "value": draw(order_values),
        "type": draw(st.sampled_from(["button", "static_select"]) | junk),
        "action_ts": "1.2",
    }
    if draw(st.booleans()):
        action = _maybe(action, draw(st.lists(st.sampled_from(list(action)), max_size=3)))
    payload = {
        "type": "block_actions",
        "user": draw(users),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "container": draw(junk | st.just({"type": "message", "channel_id": "C0NONE", "message_ts": "1.1"})),
        "channel": draw(junk | st.just({"id": "C0NONE"})),
        "trigger_id": draw(junk | st.just("1.2.abc")),
        "response_url": draw(response_urls),
        "view": draw(junk | st.fixed_dictionaries({"id": junk, "callback_id": callback_ids, "state": junk})),
        "actions": draw(st.lists(st.just(action) | junk, min_size=1, max_size=2) | junk),
    }
    return _maybe(payload, draw(st.lists(st.sampled_from(list(payload)), max_size=3)))


@st.composite
def view_submissions(draw: st.DrawFn) -> dict[str, Any]:
    values = st.dictionaries(
        st.sampled_from(
            [
                ids.CLIENT,
                ids.SITE,
                ids.TITLE,
                ids.REJECT_REASON,
                ids.FIELD_WORKERS,
                ids.CLOSE_OUTCOME,
                ids.CONFIRMATION_NOTE,
                "line:0:desc",
                "line:0:amount",
            ]
        )
        | hostile_text(2),
        junk,
        max_size=6,
    )
    meta = st.one_of(
        junk,
        st.fixed_dictionaries({"order_id": order_values | st.integers(-5, 5), "revision": junk}).map(
            json.dumps
        ),
    )
    view = {
        "type": "modal",
        "id": draw(junk),
        "callback_id": draw(callback_ids | junk),
        "private_metadata": draw(meta),
        "blocks": draw(junk),
        "state": draw(st.fixed_dictionaries({"values": values}) | junk),
        "hash": "1.x",
    }
    payload = {
        "type": draw(st.sampled_from(["view_submission", "view_closed"])),
        "user": draw(users),
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "api_app_id": APP_ID,
        "view": draw(st.just(view) | junk),
    }
    return _maybe(payload, draw(st.lists(st.sampled_from(["user", "view", "team"]), max_size=2)))


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event = {
        "type": draw(st.sampled_from(["message", "app_mention", "reaction_added", "app_home_opened"]) | junk),
        "channel": draw(st.just("C0NONE") | junk),
        "user": draw(st.sampled_from([LAYLA, DIEGO]) | junk),
        "text": draw(junk),
        "ts": draw(st.just("1700000000.000100") | junk),
        "thread_ts": draw(st.just("1700000000.000001") | junk),
        "subtype": draw(st.sampled_from([None, "file_share", "thread_broadcast", "bot_message"]) | junk),
        "files": draw(
            junk | st.lists(st.dictionaries(st.sampled_from(["name", "title", "id"]), junk), max_size=3)
        ),
    }
    event = _maybe(event, draw(st.lists(st.sampled_from(list(event)), max_size=4)))
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": "T0SANDBOX",
        "api_app_id": APP_ID,
        "type": draw(st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]) | junk),
        "event_id": draw(st.just("Ev0HOSTILE") | junk | st.uuids().map(str)),
        "event_time": draw(junk),
        "challenge": draw(junk),
        "event": draw(st.just(event) | junk),
    }
    return _maybe(envelope, draw(st.lists(st.sampled_from(list(envelope)), max_size=3)))


def _form(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def bolt_parses(body: bytes, content_type: str) -> bool:
    """Whether Bolt can turn the body into a request at all (see test_unparsable_signed_bodies_give_4xx)."""
    try:
        BoltRequest(body=body.decode("utf-8", "replace"), headers={"content-type": [content_type]})
    except Exception:  # noqa: BLE001 - any failure is "cannot parse"
        return False
    return True


def bolt_chokes(body: bytes, content_type: str) -> bool:
    """Whether Bolt's own payload readers raise on this body (before any listener of ours runs).

    They run in Bolt's dispatch and again in its error handler, so such a request escapes Bolt and
    uvicorn answers 500: see test_bodies_bolt_cannot_read_give_4xx.
    """
    try:
        parsed = BoltRequest(
            body=body.decode("utf-8", "replace"), headers={"content-type": [content_type]}
        ).body
    except Exception:  # noqa: BLE001
        return False  # not parsable at all: test_unparsable_signed_bodies_give_4xx
    readers = (to_options, to_shortcut, to_action, to_view, to_command, to_event, to_message, to_step)
    try:
        for read in readers:
            read(parsed)
    except Exception:  # noqa: BLE001
        return True
    return False


objects = st.dictionaries(hostile_text(2), junk, max_size=5)
# (shape name, body, content type)
requests_unfiltered = st.one_of(
    st.tuples(
        st.just("form fields"),
        st.dictionaries(hostile_text(2), hostile_text(5), max_size=6).map(_form),
        st.just(FORM),
    ),
    st.tuples(
        st.just("slash command"),
        st.fixed_dictionaries(
            {
                "command": st.sampled_from(["/so", "/other"]) | hostile_text(2),
                "text": hostile_text(),
                "user_id": st.sampled_from([LAYLA, "", "U0NOBODY"]),
                "team_id": st.just("T0SANDBOX"),
            }
        ).map(_form),
        st.just(FORM),
    ),
    st.tuples(
        st.just("payload=random object"),
        objects.map(lambda j: _form({"payload": json.dumps(j)})),
        st.just(FORM),
    ),
    st.tuples(
        st.just("block_actions"),
        block_actions().map(lambda p: _form({"payload": json.dumps(p)})),
        st.just(FORM),
    ),
    st.tuples(
        st.just("view payloads"),
        view_submissions().map(lambda p: _form({"payload": json.dumps(p)})),
        st.just(FORM),
    ),
    st.tuples(st.just("events"), events().map(lambda e: json.dumps(e).encode()), st.just("application/json")),
    st.tuples(
        st.just("JSON object body"),
        objects.map(lambda j: json.dumps(j).encode()),
        st.just("application/json"),
    ),
)
# Bodies Bolt can parse into a dict and read: the property must hold for every one of them today.
requests_ = requests_unfiltered.filter(lambda r: bolt_parses(r[1], r[2]) and not bolt_chokes(r[1], r[2]))
# Bodies Bolt cannot parse: not JSON where JSON is expected, or JSON that is not an object.
unparsable = st.one_of(
    st.tuples(
        st.just("payload=not JSON"), hostile_text().map(lambda t: _form({"payload": t})), st.just(FORM)
    ),
    st.tuples(
        st.just("payload=JSON non-object"),
        junk.map(lambda j: _form({"payload": json.dumps(j)})),
        st.just(FORM),
    ),
    st.tuples(
        st.just("JSON body non-object"),
        junk.map(lambda j: json.dumps(j).encode()),
        st.just("application/json"),
    ),
    st.tuples(st.just("raw bytes"), st.binary(max_size=300), st.sampled_from([FORM, "application/json"])),
).filter(lambda r: not bolt_parses(r[1], r[2]))


def _answers_help(world: World) -> None:
    result = world.fake.slash_command(LAYLA, "/so", "help")
    assert result.status == 200 and "/so" in result.body_text


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(request=requests_)
def test_malformed_signed_requests_never_give_5xx(
    world: World, crashes: Crashes, order_id: int, request: tuple[str, bytes, str]
) -> None:
    shape, body, content_type = request
    result = world.fake.post_signed(body, content_type)
    shapes[(shape, result.status)] += 1
    assert result.status < 500, (shape, body[:300], result.status, result.body_text[:300])
    assert 200 <= result.status < 300 or 400 <= result.status < 500
    for crash in crashes.take():
        crash_log.setdefault(crash.split(" | ")[1][:120], (shape, body[:400]))


@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(request=unparsable)
@example(request=("payload=not JSON", _form({"payload": "{"}), FORM))
@example(request=("payload=JSON non-object", _form({"payload": "[]"}), FORM))
@example(request=("JSON body non-object", b"{not json", "application/json"))
@example(request=("JSON body non-object", b"[1, 2]", "application/json"))
def test_unparsable_signed_bodies_give_4xx(world: World, request: tuple[str, bytes, str]) -> None:
    shape, body, content_type = request
    result = world.fake.post_signed(body, content_type)
    shapes[(shape, result.status)] += 1
    assert 400 <= result.status < 500, (shape, body[:300], result.status)


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(request=requests_)
@example(
    request=(
        "block_actions",
        _form(
            {
                "payload": json.dumps(
                    {
                        "type": "block_actions",
                        "user": {"id": LAYLA},
                        "container": 150,
                        "response_url": "not a url",
                        "actions": [{"action_id": ids.APPROVE, "value": "x"}],
                    }
                )
            }
        ),
        FORM,
    )
)
def test_malformed_signed_requests_never_crash_a_listener(
    world: World, crashes: Crashes, request: tuple[str, bytes, str]
) -> None:
    shape, body, content_type = request
    crashes.take()
    result = world.fake.post_signed(body, content_type)
    assert result.status < 500
    assert not crashes.take(), (shape, body[:400])


@settings(max_examples=5, deadline=None, suppress_health_check=SLOW)
@given(storm=st.lists(requests_, min_size=20, max_size=20))
def test_still_serving_after_a_storm(world: World, crashes: Crashes, storm: list) -> None:
    """Provoke: twenty malformed signed requests in a row, then a person's /so help: answered, and
    the bot's own work (the dispatcher) still runs to the end. Self-contained: it brings its storm."""
    crashes.take()
    for _, body, content_type in storm:
        assert world.fake.post_signed(body, content_type).status < 500
    _answers_help(world)
    world.settle(30)
    assert not crashes.take()


HUGE_ID = "9" * 40


@pytest.mark.parametrize("value", ["999999", "-1", "0", "abc", "", "1.5", str(2**63 - 1), HUGE_ID])
def test_approve_for_an_order_that_does_not_exist(world: World, crashes: Crashes, value: str) -> None:
    wf: Workflow = world.runtime.workflow
    before = (wf.list_for(OGECHI), len(world.fake.responses), len(world.fake.ephemerals))
    channel = world.fake.general
    payload = {
        "type": "block_actions",
        "user": {"id": OGECHI, "username": "ogechi", "name": "ogechi", "team_id": world.fake.team_id},
        "team": {"id": world.fake.team_id, "domain": "sandbox"},
        "api_app_id": APP_ID,
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": channel.id},
        "channel": {"id": channel.id, "name": channel.name},
        "trigger_id": "1.2.abc",
        "response_url": world.fake._new_response_url(OGECHI, channel.id, "1.000001", "block_actions"),
        "actions": [
            {
                "action_id": ids.APPROVE,
                "block_id": "card",
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    result = world.fake._post_payload(payload)
    world.settle()
    assert result.status == 200, result.body_text
    told = [r["text"] for r in world.fake.responses[before[1] :] if r["user"] == OGECHI]
    told += [e.get("text", "") for e in world.fake.ephemerals[before[2] :] if e.get("user") == OGECHI]
    assert len(told) == 1, told
    assert any(w in told[0] for w in ("no longer exists", "out of date")), told
    assert wf.list_for(OGECHI) == before[0]  # nothing created, nothing approved
    assert not crashes.take()


# ---------------------------------------------------------------------------------------------
# Reduced failures: each is the smallest request found that breaks the property.


def _post(world: World, crashes: Crashes, payload: Any) -> tuple[int, list[str]]:
    crashes.take()
    result = world.fake.post_signed(_form({"payload": json.dumps(payload)}), FORM)
    world.settle()
    return result.status, crashes.take()


@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(request=requests_unfiltered.filter(lambda r: bolt_chokes(r[1], r[2])))
@example(
    request=(
        "view_submission, view null",
        _form({"payload": '{"type": "view_submission", "view": null}'}),
        FORM,
    )
)
@example(
    request=(
        "view_submission, view without type",
        _form({"payload": '{"type": "view_submission", "view": {"callback_id": "new_order"}}'}),
        FORM,
    )
)
@example(
    request=("event_callback, event null", b'{"type": "event_callback", "event": null}', "application/json")
)
def test_bodies_bolt_cannot_read_give_4xx(world: World, request: tuple[str, bytes, str]) -> None:
    shape, body, content_type = request
    result = world.fake.post_signed(body, content_type)
    shapes[(shape, result.status)] += 1
    assert result.status < 500, (shape, body[:300], result.status)


def test_slash_new_without_trigger_id(world: World, crashes: Crashes) -> None:
    crashes.take()
    body = _form({"command": "/so", "text": "new", "user_id": LAYLA, "team_id": world.fake.team_id})
    result = world.fake.post_signed(body, FORM)
    assert result.status < 500 and not crashes.take()


def test_block_action_without_action_id(world: World, crashes: Crashes) -> None:
    status, crashed = _post(world, crashes, {"type": "block_actions", "user": {"id": LAYLA}, "actions": [{}]})
    assert status < 500 and not crashed, (status, crashed)


def test_click_with_a_response_url_that_is_no_url(world: World, crashes: Crashes) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": OGECHI},
        "container": {"type": "message", "channel_id": world.fake.general.id, "message_ts": "1.1"},
        "response_url": "not a url",
        "actions": [{"action_id": ids.APPROVE, "block_id": "card", "value": "abc", "type": "button"}],
    }
    status, crashed = _post(world, crashes, payload)
    assert status < 500 and not crashed, (status, crashed)


def test_message_event_with_files_not_objects(world: World, crashes: Crashes) -> None:
    crashes.take()
    envelope = {
        "type": "event_callback",
        "team_id": world.fake.team_id,
        "api_app_id": APP_ID,
        "event_id": "Ev0FILES",
        "event": {"type": "message", "channel": "C0NONE", "user": LAYLA, "ts": "1.1", "files": [[]]},
    }
    result = world.fake.post_signed(json.dumps(envelope).encode(), "application/json")
    assert result.status < 500 and not crashes.take()


def test_view_closed_with_view_a_string(world: World, crashes: Crashes) -> None:
    status, crashed = _post(world, crashes, {"type": "view_closed", "user": {"id": LAYLA}, "view": ""})
    assert status < 500 and not crashed, (status, crashed)


def test_click_with_a_container_that_is_no_object(world: World, crashes: Crashes) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": OGECHI},
        "container": 150,
        "actions": [{"action_id": ids.APPROVE, "block_id": "card", "value": "abc", "type": "button"}],
    }
    status, crashed = _post(world, crashes, payload)
    assert status < 500 and not crashed, (status, crashed)


@pytest.mark.parametrize("callback", [ids.NEW_ORDER, None, "nonsense"])
@pytest.mark.parametrize("view_id", [None, 42, "", ["V1"]])
def test_a_form_button_in_a_view_without_a_usable_id(
    world: World, crashes: Crashes, view_id: object, callback: object
) -> None:
    """A forged click on Add line in a view whose id is missing or no string: no views.update is
    tried (slack-sdk refuses it before any call), nothing crashes."""
    payload = {
        "type": "block_actions",
        "user": {"id": LAYLA},
        "view": {
            "id": view_id,
            "hash": 7,
            "callback_id": ids.NEW_ORDER,
            "blocks": [],
            "private_metadata": "",
        },
        "actions": [{"action_id": ids.ADD_LINE, "block_id": ids.LINES_ACTIONS_BLOCK, "type": "button"}],
    }
    status, crashed = _post(world, crashes, payload)
    world.settle()
    assert status < 500 and not crashed and not crashes.take(), (status, crashed)
