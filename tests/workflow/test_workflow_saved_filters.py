"""Saved filters (workflow.saved_filters, Workflow.save_filter …), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from wf_helpers import REQUESTER, SUPERVISOR

from workflow import effects as fx
from workflow.saved_filters import PER_PERSON
from workflow.service import Refused, Workflow


def publishes(wf: Workflow, user: str) -> int:
    return sum(1 for e in wf.effects() if e.kind == fx.PUBLISH_HOME and e.payload.get("user") == user)


def test_save_replace_list_and_delete(wf: Workflow, clock) -> None:  # type: ignore[no-untyped-def]
    assert wf.save_filter(REQUESTER, "Late", "status:in_progress to:yesterday") is False
    assert wf.save_filter(REQUESTER, "acme", "client:acme") is False
    assert wf.save_filter(SUPERVISOR, "late", "waiting") is False  # names are per person
    assert [(f.name, f.text) for f in wf.saved_filters(REQUESTER)] == [
        ("acme", "client:acme"),
        ("late", "status:in_progress to:yesterday"),  # as typed: relative dates stay relative
    ]
    first = wf.saved_filter(REQUESTER, "LATE")
    assert first is not None and first.text == "status:in_progress to:yesterday"

    clock.advance(60)
    assert wf.save_filter(REQUESTER, "late", "status:pending") is True  # replaced, any case
    replaced = wf.saved_filter(REQUESTER, "late")
    assert replaced is not None and replaced.text == "status:pending"
    assert replaced.updated_at > first.updated_at
    assert len(wf.saved_filters(REQUESTER)) == 2
    assert wf.saved_filter(SUPERVISOR, "late").text == "waiting"  # type: ignore[union-attr]

    assert wf.delete_filter(REQUESTER, "LATE") is True
    assert wf.delete_filter(REQUESTER, "late") is False
    assert [f.name for f in wf.saved_filters(REQUESTER)] == ["acme"]
    assert wf.saved_filter(REQUESTER, "nope") is None


@pytest.mark.parametrize(
    "name, text",
    [
        ("", "status:open"),
        ("a" * 31, "status:open"),
        ("has space", "status:open"),
        ("late!", "status:open"),
        ("café", "status:open"),
        ("saved", "status:open"),  # reserved: /so list saved
        ("Mine", "status:open"),  # a filter keyword
        ("ok", "   "),
        ("ok", "x" * 501),
    ],
)
def test_a_bad_name_or_text_is_refused_and_nothing_saved(wf: Workflow, name: str, text: str) -> None:
    with pytest.raises(Refused) as caught:
        wf.save_filter(REQUESTER, name, text)
    assert caught.value.code == "invalid" and caught.value.message
    assert wf.saved_filters(REQUESTER) == []


def test_at_most_twenty_a_person_but_replacing_is_allowed(wf: Workflow) -> None:
    for n in range(PER_PERSON):
        wf.save_filter(REQUESTER, f"f{n:02d}", f"client:c{n}")
    with pytest.raises(Refused) as caught:
        wf.save_filter(REQUESTER, "one-more", "status:open")
    assert "delete one first" in caught.value.message
    assert wf.save_filter(REQUESTER, "f07", "status:closed") is True  # replacing adds none
    assert len(wf.saved_filters(REQUESTER)) == PER_PERSON
    wf.save_filter(SUPERVISOR, "one-more", "status:open")  # the limit is per person
    wf.delete_filter(REQUESTER, "f00")
    wf.save_filter(REQUESTER, "one-more", "status:open")
    assert len(wf.saved_filters(REQUESTER)) == PER_PERSON


def test_save_and_delete_refresh_the_home_of_who_has_opened_it(wf: Workflow, clock) -> None:  # type: ignore[no-untyped-def]
    wf.save_filter(SUPERVISOR, "never-opened", "waiting")
    assert publishes(wf, SUPERVISOR) == 0  # never opened the Home tab: nothing to refresh

    wf.home_opened(REQUESTER)
    opened = publishes(wf, REQUESTER)
    wf.save_filter(REQUESTER, "late", "status:in_progress")
    assert publishes(wf, REQUESTER) == opened + 1
    clock.advance(60)  # the next refresh bucket
    wf.delete_filter(REQUESTER, "late")
    assert publishes(wf, REQUESTER) == opened + 2
    wf.delete_filter(REQUESTER, "late")  # nothing deleted: nothing to refresh
    assert publishes(wf, REQUESTER) == opened + 2
