"""Time from the field, in the workflow: one running timer per person, time logged afterwards,
corrections, and recorded time becoming labour lines per worker and day — in the next confirmation
or, when none follows, in the invoice revision — never lost and never counted twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from wf_helpers import ADMIN, OTHER_WORKER, REQUESTER, SUPERVISOR, WORKER, draft

from workflow import commands as c
from workflow.errors import Refused
from workflow.master_admin import ItemFields, MasterAdmin
from workflow.policy import Policy
from workflow.service import Workflow

DAY = date(2025, 3, 3)  # the clock's date (wf_helpers.START)


@pytest.fixture
def policy() -> Policy:
    return Policy(vat_rate=Decimal(21), labour_item="LAB-H")


def labour_item(wf: Workflow, code: str = "LAB-H", price: str = "48.00") -> None:
    fields = ItemFields(code=code, name="Technician hour", kind="labour", unit="h", unit_price=Decimal(price))
    MasterAdmin(wf).save_item(ADMIN, fields)


def in_progress(wf: Workflow, workers=(WORKER, OTHER_WORKER)):  # type: ignore[no-untyped-def]
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, list(workers))
    return wf.order(order.id)


def confirm_with_time(wf: Workflow, actor: str, order_id: int, final: bool = False):  # type: ignore[no-untyped-def]
    """Open the confirmation as the form does, and save it as shown."""
    order = wf.order(order_id)
    timed = wf.confirmation_lines(order)
    cmd = c.Confirm(order.id, order.current_revision, c.line_drafts(timed.lines), "", final, (), timed.billed)
    return wf.execute(actor, cmd), timed


def labour(order) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    return {x.description: x.quantity for x in order.lines if x.kind == "labour"}


def test_time_of_two_workers_becomes_labour_lines_per_worker_and_day(wf: Workflow, clock) -> None:  # type: ignore[no-untyped-def]
    order = in_progress(wf)
    wf.execute(WORKER, c.StartWork(order.id, "Diego Ruiz"))
    assert wf.order(order.id).time.timers[0][0] == WORKER
    clock.advance(2 * 3600 + 29 * 60 + 5)  # 2 h 29 min 5 s: counted up to the minute started
    wf.execute(WORKER, c.StopWork(order.id))
    wf.execute(OTHER_WORKER, c.LogTime(order.id, DAY, 90, "cabling", "Ana Pérez"))
    wf.execute(OTHER_WORKER, c.LogTime(order.id, DAY - timedelta(days=1), 60, "survey", "Ana Pérez"))
    shown = wf.order(order.id)
    assert shown.time.timers == () and shown.time.minutes == 150 + 90 + 60

    after, timed = confirm_with_time(wf, WORKER, order.id)
    assert labour(after) == {
        "Labour: Diego Ruiz, 2025-03-03": Decimal("2.50"),
        "Labour: Ana Pérez, 2025-03-03": Decimal("1.50"),
        "Labour: Ana Pérez, 2025-03-02": Decimal("1.00"),
    }
    assert after.time.unbilled == 0
    # the next confirmation adds nothing: the time is in the lines once
    again, timed = confirm_with_time(wf, WORKER, order.id)
    assert labour(again) == labour(after) and timed.changes == []


def test_a_correction_after_the_confirmation_changes_that_line_by_the_difference(wf: Workflow) -> None:
    order = in_progress(wf)
    wf.execute(WORKER, c.LogTime(order.id, DAY, 120, "", "Diego"))
    confirm_with_time(wf, WORKER, order.id)
    entry = wf.time_entries(order.id)[0]
    wf.execute(WORKER, c.CorrectTime(order.id, entry.id, DAY, 90, "was 1h30"))
    after, timed = confirm_with_time(wf, WORKER, order.id)
    assert labour(after) == {"Labour: Diego, 2025-03-03": Decimal("1.50")}
    assert timed.changes == ["Diego 2025-03-03: -30 min"]
    # removed altogether: the line goes
    wf.execute(REQUESTER, c.CorrectTime(order.id, entry.id, DAY, 0, "", remove=True))
    after, _ = confirm_with_time(wf, WORKER, order.id)
    assert labour(after) == {}


def test_time_recorded_after_the_last_confirmation_goes_into_the_invoice_revision(wf: Workflow) -> None:
    labour_item(wf)
    order = in_progress(wf)
    wf.execute(WORKER, c.LogTime(order.id, DAY, 60, "", "Diego"))
    wf.execute(WORKER, c.Close(order.id, "completed", attested=True))
    entry = wf.time_entries(order.id)[0]
    wf.execute(WORKER, c.CorrectTime(order.id, entry.id, DAY, 75, "forgot the drive"))
    ready = wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))
    assert labour(ready) == {"Labour: Diego, 2025-03-03": Decimal("1.25")}
    line = next(x for x in ready.lines if x.kind == "labour")  # priced as the company file says
    assert (line.code, line.unit, line.unit_price, line.vat_rate) == ("LAB-H", "h", Decimal("48.00"), 21)
    assert ready.time.unbilled == 0
    with pytest.raises(Refused) as refused:  # frozen once ready for invoicing
        wf.execute(ADMIN, c.CorrectTime(order.id, entry.id, DAY, 30, ""))
    assert refused.value.code == "state"


def test_one_running_timer_per_person_and_closing_stops_the_timers(wf: Workflow, clock) -> None:  # type: ignore[no-untyped-def]
    order = in_progress(wf)
    other = in_progress(wf)
    wf.execute(WORKER, c.StartWork(order.id, "Diego"))
    with pytest.raises(Refused, match="already running on this order"):
        wf.execute(WORKER, c.StartWork(order.id, "Diego"))
    with pytest.raises(Refused, match=f"already running on {order.number}"):
        wf.execute(WORKER, c.StartWork(other.id, "Diego"))
    with pytest.raises(Refused, match="no timer running"):
        wf.execute(OTHER_WORKER, c.StopWork(order.id))
    clock.advance(600)
    wf.execute(SUPERVISOR, c.Close(order.id, "completed", attested=True))
    entries = wf.time_entries(order.id)
    assert [(e.user_id, e.minutes, e.running) for e in entries] == [(WORKER, 10, False)]
    assert wf.running_timer(WORKER) is None
    wf.execute(WORKER, c.StartWork(other.id, "Diego"))  # free to time another order now


def test_who_may_record_and_correct_time(wf: Workflow) -> None:
    order = in_progress(wf, workers=(WORKER,))
    with pytest.raises(Refused) as refused:
        wf.execute(OTHER_WORKER, c.LogTime(order.id, DAY, 30))  # not on this order
    assert refused.value.code == "role"
    with pytest.raises(Refused) as refused:
        wf.execute(WORKER, c.LogTime(order.id, DAY + timedelta(days=400), 30))
    assert refused.value.field == "date"
    with pytest.raises(Refused) as refused:
        wf.execute(WORKER, c.LogTime(order.id, DAY, 0))
    assert refused.value.field == "hours"
    wf.execute(WORKER, c.LogTime(order.id, DAY, 30))
    entry = wf.time_entries(order.id)[0]
    with pytest.raises(Refused) as refused:
        wf.execute(SUPERVISOR, c.CorrectTime(order.id, entry.id, DAY, 45))  # not the author, not office
    assert "the person who recorded the time" in refused.value.message
    wf.execute(REQUESTER, c.CorrectTime(order.id, entry.id, DAY, 45))  # a coordinator may
    assert wf.time_entries(order.id)[0].minutes == 45
