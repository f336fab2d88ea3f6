"""Requests that are not Slack's — no signature, a wrong one, a replayed or junk timestamp, a
signature of another body — are answered 401 and never parsed: Bolt's body parser is not called
once, whatever the body (bytes, forms, JSON nested too deep to parse).

One world (local Slack + the real bot over HTTP) for the module: hypothesis does not mix with
function-scoped fixtures. The parser is counted for the whole module."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator

import pytest
import slack_bolt.request.request as bolt_request
from hostile_strategies import hostile_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.demo import LAYLA, PEOPLE, World, local_world

FORM = "application/x-www-form-urlencoded"
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
)


@pytest.fixture(scope="module")
def parsed() -> Iterator[list[int]]:
    sizes: list[int] = []
    real = bolt_request.parse_body

    def counting(body, content_type):  # type: ignore[no-untyped-def]
        sizes.append(len(body))
        return real(body, content_type)

    bolt_request.parse_body = counting
    try:
        yield sizes
    finally:
        bolt_request.parse_body = real


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, parsed: list[int]) -> Iterator[World]:
    db = tmp_path_factory.mktemp("hostile-unsigned") / "so.db"
    with local_world(f"sqlite:///{db}", people=PEOPLE) as w:
        yield w


def _form(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


bodies = st.one_of(
    st.binary(max_size=2000),
    hostile_text().map(lambda t: _form({"payload": t})),
    st.dictionaries(hostile_text(2), hostile_text(4), max_size=5).map(
        lambda d: _form({"payload": json.dumps(d)})
    ),
    st.integers(1, 2000).map(lambda n: _form({"payload": "[" * n + "]" * n})),
    st.just(_form({"command": "/so", "text": "help", "user_id": LAYLA})),
)


@st.composite
def forgeries(draw: st.DrawFn, fake) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Headers a forger could send with body (drawn in the test): never Slack's signature of it."""
    now = int(time.time())
    kind = draw(
        st.sampled_from(
            ["none", "no timestamp", "no signature", "wrong secret", "stale", "future", "junk", "other body"]
        )
    )
    if kind == "none":
        return {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
    signed = fake.sign(b"whatever", now)
    if kind == "no timestamp":
        return {"X-Slack-Signature": signed["X-Slack-Signature"], "X-Slack-Request-Timestamp": ""}
    if kind == "no signature":
        return {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": str(now)}
    if kind == "wrong secret":
        secret = draw(st.text(min_size=1, max_size=40).filter(lambda s: s != fake.signing_secret))
        return {"__secret__": secret}
    if kind in ("stale", "future"):
        off = draw(st.integers(301, 10**9))
        return {"__timestamp__": str(now - off if kind == "stale" else now + off)}
    if kind == "junk":
        return {
            "X-Slack-Signature": draw(header_text | st.just("v0=" + "g" * 64) | st.just("v1=" + "0" * 64)),
            "X-Slack-Request-Timestamp": draw(
                header_text | st.just("9" * 5000) | st.just("-1") | st.just(" 1") | st.just(str(now))
            ),
        }
    return fake.sign(b"another body", now)  # a real signature, of something else


def _post(world: World, body: bytes, forged: dict[str, str]):  # type: ignore[no-untyped-def]
    secret = forged.get("__secret__")
    timestamp = forged.get("__timestamp__")
    extra = {k: v for k, v in forged.items() if not k.startswith("__")}
    return world.fake.post_signed(
        body, FORM, timestamp=int(timestamp) if timestamp else None, secret=secret, extra_headers=extra
    )


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), body=bodies)
def test_forged_requests_are_refused_unparsed(  # type: ignore[no-untyped-def]
    world: World, parsed: list[int], data, body: bytes
) -> None:
    forged = data.draw(forgeries(world.fake))
    before = len(parsed)
    result = _post(world, body, forged)
    assert result.status == 401, (forged, body[:200], result.status, result.body_text[:200])
    assert len(parsed) == before, "a forged body was parsed"


def test_slack_still_answered_after_the_forgeries(world: World, parsed: list[int]) -> None:
    before = len(parsed)
    result = world.fake.slash_command(LAYLA, "/so", "help")
    assert result.status == 200 and "/so" in result.body_text
    assert len(parsed) == before + 1
