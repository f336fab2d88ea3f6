"""The filter grammar of /so list and /so export: what people type, what it means, and every
mistake answered with the token that caused it and what is allowed instead."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms import OrderFilters, filters_from_fields, parse_filters
from forms.filters import MAX_TEXT, MAX_WORDS, STATUSES
from tests.hostile.hostile_strategies import hostile_text
from workflow.rules import Status

TODAY = date(2026, 11, 24)


def ok(text: str) -> OrderFilters:
    result = parse_filters(text, TODAY)
    assert result.ok, result.errors
    assert result.value is not None
    return result.value


def errors(text: str) -> dict[str, str]:
    result = parse_filters(text, TODAY)
    assert not result.ok and result.value is None
    return result.errors


def test_the_statuses_are_the_workflows():
    assert set(STATUSES) == {s.value for s in Status}


def test_nothing_typed_is_no_filter():
    assert ok("").empty and ok("   ").empty and parse_filters(None, TODAY).ok


def test_everything_together():
    f = ok('status:closed client:"Clínica Norte" mine waiting from:2026-11-01 to:today router "edge switch"')
    assert f == OrderFilters(
        statuses=frozenset({"closed"}),
        client="Clínica Norte",
        mine=True,
        waiting=True,
        date_from=date(2026, 11, 1),
        date_to=TODAY,
        words=("router", "edge switch"),
    )


@pytest.mark.parametrize(
    ("typed", "statuses"),
    [
        ("status:pending", {"pending_approval"}),
        ("status:pending_approval", {"pending_approval"}),
        ('status:"pending approval"', {"pending_approval"}),
        ("status:in_progress", {"in_progress"}),
        ('status:"in progress"', {"in_progress"}),
        ("status:In-Progress", {"in_progress"}),
        ("STATUS:CLOSED", {"closed"}),
        ("status:rejected", {"rejected"}),
        ("status:canceled", {"cancelled"}),
        ("status:cancelled", {"cancelled"}),
        ("status:open", {"pending_approval", "in_progress"}),
        ("status:ended", {"rejected", "closed", "cancelled", "ready_for_invoicing", "invoiced"}),
        ("status:pending,closed", {"pending_approval", "closed"}),
        ("status:pending status:closed", {"pending_approval", "closed"}),
        ("status:“in progress”", {"in_progress"}),  # a phone's curly quotes
    ],
)
def test_statuses_as_people_type_them(typed, statuses):
    assert ok(typed).statuses == statuses


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("from:2026-11-30", date(2026, 11, 30)),
        ("from:today", TODAY),
        ("from:Tomorrow", date(2026, 11, 25)),
        ("from:yesterday", date(2026, 11, 23)),
    ],
)
def test_dates(typed, day):
    assert ok(typed).date_from == day


def test_words_and_keywords():
    f = ok('Router MINE "mine" "waiting room" 10:30 router')
    assert f.mine and not f.waiting
    assert f.words == ("Router", "mine", "waiting room", "10:30", "router")


def test_text_is_read_as_slack_sends_it_cleaned():
    # decomposed accents (as some keyboards send them) become the composed ones stored in orders
    assert ok("client:Cli\u0301nica").client == "Clínica"
    assert ok("client:acme\u202e").client == "acme"  # a bidi override is dropped


@pytest.mark.parametrize(
    ("typed", "token", "says"),
    [
        ("stauts:open", "stauts:open", "Did you mean `status:`?"),
        ("clinet:acme", "clinet:acme", "Did you mean `client:`?"),
        ("http://example.com", "http://example.com", "put it in quotes"),
        ("status:frozen", "status:frozen", "Statuses: pending, in_progress, closed"),
        ("status:open,frozen", "status:open,frozen", "unknown status `frozen`"),
        ("status:", "status:", "needs a status"),
        ("client:", "client:", "needs a part of a client's name"),
        ("from:30/11/2026", "from:30/11/2026", "use YYYY-MM-DD"),
        ("to:2026-02-30", "to:2026-02-30", "not a date"),
        ("to:", "to:", "missing its date"),
        ('client:"Clínica Norte', 'client:"Clínica Norte', "quote is not closed"),
        ("client:acme client:globex", "client:globex", "give `client:` once"),
        ("from:2026-01-01 from:2026-02-01", "from:2026-02-01", "give `from:` once"),
        ("from:2026-12-01 to:2026-11-01", "from:2026-12-01 to:2026-11-01", "is after"),
    ],
)
def test_a_bad_filter_names_its_token_and_what_is_allowed(typed, token, says):
    found = errors(typed)
    assert token in found, found
    assert says in found[token]


def test_every_bad_token_is_named_and_good_ones_are_not():
    found = errors("status:closed stauts:open from:soon router")
    assert set(found) == {"stauts:open", "from:soon"}


def test_limits():
    assert "at most" in next(iter(errors("x" * (MAX_TEXT + 1)).values()))
    words = " ".join(f"w{i}" for i in range(MAX_WORDS + 1))
    assert any("search words" in m for m in errors(words).values())
    assert ok(" ".join(f"w{i}" for i in range(MAX_WORDS))).words


def test_the_same_filters_from_the_command_lines_fields():
    result = filters_from_fields(
        TODAY,
        statuses=["open", "closed"],
        client="Clínica Norte",
        date_from="2026-01-01",
        date_to="today",
        text='router "edge switch" 10:30',
    )
    assert result.value == OrderFilters(
        statuses=frozenset({"pending_approval", "in_progress", "closed"}),
        client="Clínica Norte",
        date_from=date(2026, 1, 1),
        date_to=TODAY,
        words=("router", "edge switch", "10:30"),
    )
    bad = filters_from_fields(TODAY, statuses=["frozen"], date_from="soon")
    assert set(bad.errors) == {"--status frozen", "--from soon"}


# --- properties -----------------------------------------------------------------------------------

word_char = st.characters(categories=("L", "N"), include_characters="-.,/&'+#@:_")
word = st.text(word_char, min_size=1, max_size=12).filter(lambda w: unicodedata.normalize("NFC", w) == w)
phrase = st.lists(word, min_size=1, max_size=3).map(" ".join)

filters = st.builds(
    OrderFilters,
    statuses=st.frozensets(st.sampled_from(STATUSES)),
    client=st.one_of(st.just(""), phrase),
    mine=st.booleans(),
    waiting=st.booleans(),
    date_from=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2100, 1, 1))),
    date_to=st.none(),
    words=st.lists(phrase, max_size=MAX_WORDS, unique=True).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(filters)
def test_the_text_of_filters_reads_back_as_the_same_filters(f):
    """The paging buttons and the export carry filters as text: nothing may change on the way."""
    assert ok(f.text()) == f


@settings(max_examples=300, deadline=None)
@given(hostile_text())
def test_any_text_is_filters_or_errors_never_an_exception(text):
    result = parse_filters(text, TODAY)
    assert result.ok != bool(result.errors)
    if result.ok:
        assert ok(result.value.text()) == result.value
