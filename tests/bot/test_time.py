"""Time from the field through Slack (issue 13): Start work / Stop work on the card (the timer shown
on the card and the Home tab), the Log time modal, `/so time`, corrections from the list's Edit
buttons — and the time of two workers opening the next confirmation as labour lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.company import CompanyConfig
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from forms import ids
from tests.bot.helpers import buttons, card, click, ephemerals_to, opened_view, submit_order
from tests.conftest import ADMIN, EVERYONE, PEDRO
from workflow.master_admin import ItemFields, MasterAdmin

START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # 09:00 in Madrid
TODAY = "2026-12-04"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def field(tmp_path):  # type: ignore[no-untyped-def]
    """The test world with a labour item (48.00 an hour) named in the company file, a clock the
    test moves, and an order in progress with Diego and Pedro as its field workers."""
    with local_world(
        f"sqlite:///{tmp_path / 'so.db'}",
        people=EVERYONE,
        admins=(ADMIN,),
        home_refresh_seconds=0.2,
        company=CompanyConfig(labour_item="LAB-H"),
    ) as w:
        wf = w.runtime.workflow
        wf.clock = Clock()
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        fields = ItemFields("LAB-H", "Technician hour", "labour", "h", Decimal(48))
        MasterAdmin(wf).save_item(ADMIN, fields)
        yield w


def in_progress(world: World):  # type: ignore[no-untyped-def]
    wf = world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    wf.add_field_workers(order.id, LAYLA, [DIEGO, PEDRO])
    world.settle()
    return wf.order(order.id)


def shown(world: World, order) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(card(world, order)["blocks"], ensure_ascii=False)


def log_time(world: World, user: str, order, day: str, hours: str, note: str = "") -> str:  # type: ignore[no-untyped-def]
    fake = world.fake
    click(world, user, order, ids.OPEN_LOG_TIME)
    view = opened_view(world)
    fake.fill(view, ids.TIME_DATE, ids.TIME_DATE, day)
    fake.fill(view, ids.TIME_HOURS, ids.TIME_HOURS, hours)
    if note:
        fake.fill(view, ids.TIME_NOTE, ids.TIME_NOTE, note)
    assert fake.submit(user, view).status == 200
    world.settle()
    return view


def lines_in(world: World, view: str) -> list[tuple[str, str]]:
    """(description, amount) of each line row of an open confirmation form."""
    blocks = world.fake.views[view]["blocks"]
    by_id = {b.get("block_id"): b for b in blocks}
    out = []
    for key in range(20):
        desc = by_id.get(ids.line_block(key, ids.LINE_DESC))
        if desc is None:
            continue
        amount = by_id[ids.line_block(key, ids.LINE_AMOUNT)]
        out.append((desc["element"].get("initial_value", ""), amount["element"].get("initial_value", "")))
    return out


def test_two_workers_time_opens_the_next_confirmation_as_labour_lines(field):
    world, fake, wf = field, field.fake, field.runtime.workflow
    order = in_progress(world)
    assert ":stopwatch: Start work" in buttons(card(world, order))
    assert "Stop work" not in buttons(card(world, order))  # nobody's timer runs

    fake.open_home(DIEGO)
    click(world, DIEGO, order, ids.START_WORK)
    assert any("Your timer on" in t and "is running" in t for t in ephemerals_to(world, DIEGO))
    assert f"Working now: <@{DIEGO}>" in shown(world, order) and "Stop work" in buttons(card(world, order))
    world.settle()
    home = json.dumps(fake.home_tabs[DIEGO]["blocks"], ensure_ascii=False)
    assert f"You are working on {order.number}" in home and ids.STOP_WORK in home

    wf.clock.now += timedelta(hours=2, minutes=29, seconds=5)  # counted up to the minute started
    click(world, DIEGO, order, ids.STOP_WORK)
    assert any("Stopped: 2 h 30 min recorded" in t for t in ephemerals_to(world, DIEGO))
    assert "Working now" not in shown(world, order) and "Time recorded 2 h 30 min" in shown(world, order)
    world.settle()
    assert "You are working on" not in json.dumps(fake.home_tabs[DIEGO]["blocks"])

    log_time(world, PEDRO, order, TODAY, "1h15", "cabling")
    log_time(world, PEDRO, order, "2026-12-03", "0,5", "survey")
    assert "Time recorded 4 h 15 min (4 h 15 min not in the lines yet)" in shown(world, order)

    click(world, DIEGO, order, ids.OPEN_CONFIRMATION)
    view = opened_view(world)
    rows = lines_in(world, view)
    assert rows[0][0] == "Diagnosis"  # the order's lines, then the time as labour lines
    labour = {d: a for d, a in rows[1:]}
    assert labour == {
        f"Labour: diego, {TODAY}": "2.5 h × 48.00",
        f"Labour: pedro, {TODAY}": "1.25 h × 48.00",
        "Labour: pedro, 2026-12-03": "0.5 h × 48.00",
    }
    intro = json.dumps(fake.views[view]["blocks"], ensure_ascii=False)
    assert "Recorded time put into the labour lines: pedro 2026-12-03: +30 min;" in intro
    assert "diego 2026-12-04: +2 h 30 min" in intro
    assert fake.submit(DIEGO, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    after = wf.order(order.id)
    assert after.current_revision == 2 and after.time.unbilled == 0
    priced = {x.description: (x.quantity, x.unit_price) for x in after.lines if x.kind == "labour"}
    assert priced[f"Labour: diego, {TODAY}"] == (Decimal("2.50"), Decimal("48.00"))
    assert after.total == Decimal(170) + Decimal("4.25") * 48

    click(world, DIEGO, order, ids.OPEN_CONFIRMATION)  # opened again: the time is in the lines once
    again = lines_in(world, opened_view(world))
    assert len(again) == 4 and sum(1 for d, _ in again if d.startswith("Labour:")) == 3


def test_log_time_errors_name_the_field_and_record_nothing(field):
    world, fake, wf = field, field.fake, field.runtime.workflow
    order = in_progress(world)
    click(world, PEDRO, order, ids.OPEN_LOG_TIME)
    view = opened_view(world)
    fake.fill(view, ids.TIME_DATE, ids.TIME_DATE, "2026-12-05")  # tomorrow
    fake.fill(view, ids.TIME_HOURS, ids.TIME_HOURS, "lots")
    fake.submit(PEDRO, view)
    errors = fake.view_errors.get(view, {})
    assert "future" in errors[ids.TIME_DATE] and "2h30" in errors[ids.TIME_HOURS]
    fake.view_errors.pop(view)
    fake.fill(view, ids.TIME_DATE, ids.TIME_DATE, TODAY)
    fake.fill(view, ids.TIME_HOURS, ids.TIME_HOURS, "30h")
    fake.submit(PEDRO, view)
    assert ids.TIME_HOURS in fake.view_errors.get(view, {})  # more than a day's hours
    world.settle()
    assert wf.time_entries(order.id) == []


def test_so_time_logs_lists_and_corrects_and_refuses_who_is_not_on_the_order(field):
    world, fake, wf = field, field.fake, field.runtime.workflow
    order = in_progress(world)
    answer = fake.slash_command(DIEGO, "/so", f'time {order.number} 2h30 "cabling <b>"').body_text
    assert "Logging 2 h 30 min" in answer
    world.settle()
    [entry] = wf.time_entries(order.id)
    assert (entry.user_id, entry.minutes, entry.note) == (DIEGO, 150, "cabling <b>")
    assert str(entry.work_date) == TODAY
    assert fake.slash_command(DIEGO, "/so", f"time {order.number} 1h 2026-12-01 survey").status == 200
    world.settle()

    listed = fake.slash_command(DIEGO, "/so", f"time {order.number}").json
    ts = fake.responses[-1]["ts"]
    text = json.dumps(listed, ensure_ascii=False)
    assert "3 h 30 min recorded" in text and "cabling &lt;b&gt;" in text and "<b>" not in text
    edit = [e for b in listed["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(edit) == 2 and all(e["action_id"].startswith(ids.EDIT_TIME) for e in edit)

    # Edit: the Log time form filled with the entry; saved, it corrects it
    fake.click_ephemeral(DIEGO, ts, edit[1]["action_id"])
    world.settle()
    view = opened_view(world)
    hours = next(b for b in fake.views[view]["blocks"] if b.get("block_id") == ids.TIME_HOURS)
    assert hours["element"]["initial_value"] == "2h30"
    fake.fill(view, ids.TIME_HOURS, ids.TIME_HOURS, "2h")
    assert fake.submit(DIEGO, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    assert sorted(e.minutes for e in wf.time_entries(order.id)) == [60, 120]

    # someone else's time: Pedro may not correct it (neither the author nor the office)
    fake.slash_command(PEDRO, "/so", f"time {order.number}")
    ts = fake.responses[-1]["ts"]
    fake.click_ephemeral(PEDRO, ts, edit[1]["action_id"])
    world.settle()
    assert any("the person who recorded the time" in t for t in ephemerals_to(world, PEDRO))

    # Layla requested the order but does not work on it: refused, naming who may
    refused = fake.slash_command(LAYLA, "/so", f"time {order.number} 1h").body_text
    world.settle()
    said = refused + " ".join(ephemerals_to(world, LAYLA))
    assert "field worker" in said and "supervisor" in said
    assert len(wf.time_entries(order.id)) == 2
    assert "is not a time worked" in fake.slash_command(DIEGO, "/so", f"time {order.number} soon").body_text


def test_one_running_timer_per_person(field):
    world, wf = field, field.runtime.workflow
    first, second = in_progress(world), in_progress(world)
    click(world, DIEGO, first, ids.START_WORK)
    click(world, DIEGO, second, ids.START_WORK)
    assert any("already running" in t for t in ephemerals_to(world, DIEGO))
    assert wf.order(second.id).time.timers == () and len(wf.order(first.id).time.timers) == 1
    click(world, DIEGO, first, ids.START_WORK)  # the same click again: nothing doubles
    assert len(wf.time_entries(first.id)) == 1
