"""Working time: windows, weekends, time zones and clock changes; properties over random calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.working_hours import WorkingCalendar, after_working_time, working_time

MADRID = ZoneInfo("Europe/Madrid")
OFFICE = WorkingCalendar(MADRID, 8 * 60, 18 * 60, frozenset(range(5)))  # Mon-Fri 08:00-18:00
ALWAYS = WorkingCalendar(MADRID, 0, 24 * 60, frozenset(range(7)))
H = timedelta(hours=1)


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


def test_inside_one_day():
    assert working_time(madrid(2026, 11, 24, 9), madrid(2026, 11, 24, 13), OFFICE) == 4 * H
    assert working_time(madrid(2026, 11, 24, 6), madrid(2026, 11, 24, 9), OFFICE) == 1 * H
    assert working_time(madrid(2026, 11, 24, 17), madrid(2026, 11, 24, 23), OFFICE) == 1 * H
    assert working_time(madrid(2026, 11, 24, 13), madrid(2026, 11, 24, 9), OFFICE) == timedelta(0)


def test_over_a_weekend():
    friday_5pm = madrid(2026, 11, 27, 17)  # a Friday
    assert working_time(friday_5pm, madrid(2026, 11, 30, 7), OFFICE) == 1 * H  # Monday before opening
    assert working_time(friday_5pm, madrid(2026, 11, 30, 11), OFFICE) == 4 * H
    assert after_working_time(friday_5pm, 4 * H, OFFICE) == madrid(2026, 11, 30, 11)
    saturday = madrid(2026, 11, 28, 12)
    assert after_working_time(saturday, 4 * H, OFFICE) == madrid(2026, 11, 30, 12)
    assert not OFFICE.is_working(saturday)


def test_window_edges():
    assert OFFICE.is_working(madrid(2026, 11, 24, 8))  # opens inclusive
    assert not OFFICE.is_working(madrid(2026, 11, 24, 18))  # closes exclusive
    assert not OFFICE.is_working(madrid(2026, 11, 24, 7, 59))
    # ten working hours from the opening land exactly on the closing
    assert after_working_time(madrid(2026, 11, 24, 8), 10 * H, OFFICE) == madrid(2026, 11, 24, 18)
    assert after_working_time(madrid(2026, 11, 24, 8), 11 * H, OFFICE) == madrid(2026, 11, 25, 9)


def test_the_time_zone_is_the_companys():
    # 07:30 UTC is 08:30 in Madrid (winter): half an hour worked there, none yet in New York
    start, end = datetime(2026, 11, 24, 6, 0, tzinfo=UTC), datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    assert working_time(start, end, OFFICE) == timedelta(minutes=30)
    new_york = WorkingCalendar(ZoneInfo("America/New_York"), 8 * 60, 18 * 60, frozenset(range(5)))
    assert working_time(start, end, new_york) == timedelta(0)
    # late Monday evening in UTC is already Tuesday in Tokyo
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert WorkingCalendar(ZoneInfo("Asia/Tokyo")).today(late) == date(2026, 11, 24)
    assert OFFICE.today(late) == date(2026, 11, 24)  # 00:30 in Madrid
    assert WorkingCalendar(ZoneInfo("America/New_York")).today(late) == date(2026, 11, 23)


def test_clock_changes_count_real_time():
    # Madrid springs forward on 2026-03-29 (a 23-hour day) and falls back on 2026-10-25 (25 hours)
    assert working_time(madrid(2026, 3, 29), madrid(2026, 3, 30), ALWAYS) == 23 * H
    assert working_time(madrid(2026, 10, 25), madrid(2026, 10, 26), ALWAYS) == 25 * H
    shorter = WorkingCalendar(MADRID, 0, 4 * 60, frozenset(range(7)))  # 00:00-04:00
    assert working_time(madrid(2026, 3, 29), madrid(2026, 3, 30), shorter) == 3 * H


def test_next_working_day():
    assert OFFICE.next_working_day(date(2026, 11, 24)) == date(2026, 11, 25)  # Tue -> Wed
    assert OFFICE.next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)  # Fri -> Mon
    assert ALWAYS.next_working_day(date(2026, 11, 27)) == date(2026, 11, 28)


def test_a_calendar_must_make_sense():
    with pytest.raises(ValueError):
        WorkingCalendar(MADRID, 18 * 60, 8 * 60)
    with pytest.raises(ValueError):
        WorkingCalendar(MADRID, 0, 24 * 60, frozenset())


# ---------------------------------------------------------------- properties
ZONES = ["UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe"]


@st.composite
def calendars(draw) -> WorkingCalendar:  # type: ignore[no-untyped-def]
    opens = draw(st.integers(0, 24 * 60 - 1))
    closes = draw(st.integers(opens + 1, 24 * 60))
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return WorkingCalendar(ZoneInfo(draw(st.sampled_from(ZONES))), opens, closes, days)


instants = st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
spans = st.timedeltas(timedelta(0), timedelta(days=20))


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, spans, spans)
def test_working_time_adds_up_and_is_bounded(cal, start, a, b):
    middle, end = start + a, start + a + b
    whole = working_time(start, end, cal)
    assert timedelta(0) <= whole <= end - start
    assert working_time(start, middle, cal) + working_time(middle, end, cal) == whole


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, st.timedeltas(timedelta(0), timedelta(hours=80)))
def test_after_working_time_is_the_first_instant_with_that_much(cal, start, amount):
    reached = after_working_time(start, amount, cal)
    assert reached >= start
    assert working_time(start, reached, cal) == amount
    if amount > timedelta(0):
        assert working_time(start, reached - timedelta(microseconds=1), cal) < amount


@settings(max_examples=100, deadline=None)
@given(instants, spans)
def test_all_day_every_day_is_plain_elapsed_time(start, span):
    for zone in ZONES:
        cal = WorkingCalendar(ZoneInfo(zone), 0, 24 * 60, frozenset(range(7)))
        assert working_time(start, start + span, cal) == span
        assert cal.is_working(start)
