"""Searching orders: every filter, keyset pages both ways, who sees what, and the indexes used."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from bulk import insert_orders
from sqlalchemy import text
from sqlmodel import col, select
from wf_helpers import ADMIN, NOBODY, REQUESTER, SUPERVISOR, WORKER, draft

from forms import OrderFilters, parse_filters
from storage.models import Order
from workflow import search
from workflow.service import Policy, Workflow

TODAY = date(2026, 11, 24)


def f(typed: str) -> OrderFilters:
    result = parse_filters(typed, TODAY)
    assert result.value is not None, result.errors
    return result.value


def numbers(wf: Workflow, typed: str, viewer: str = ADMIN, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.number for r in wf.search(f(typed), viewer, limit=50, **kw).rows]


def submit(wf: Workflow, client: str = "Acme", title: str = "Router", **changes) -> int:  # type: ignore[no-untyped-def]
    return wf.submit(REQUESTER, replace(draft(client, title), **changes)).id


def test_pages_newest_first_both_ways(wf):
    insert_orders(wf.engine, 25)
    everything = f("")
    first = wf.search(everything, ADMIN, limit=10)
    assert [r.seq for r in first.rows] == list(range(25, 15, -1))
    assert first.previous is None and first.next == 16
    second = wf.search(everything, ADMIN, after=first.next, limit=10)
    assert [r.seq for r in second.rows] == list(range(15, 5, -1))
    assert second.previous == 15 and second.next == 6
    last = wf.search(everything, ADMIN, after=second.next, limit=10)
    assert [r.seq for r in last.rows] == list(range(5, 0, -1))
    assert last.previous == 5 and last.next is None
    back = wf.search(everything, ADMIN, before=last.previous, limit=10)
    assert back == second
    assert wf.search(everything, ADMIN, before=back.previous, limit=10) == first


def test_pages_follow_the_filter_and_a_page_past_the_end_is_empty(wf):
    insert_orders(wf.engine, 30)  # statuses cycle: orders 2, 7, 12, ... are closed
    closed = f("status:closed")
    first = wf.search(closed, ADMIN, limit=4)
    assert [r.seq for r in first.rows] == [27, 22, 17, 12] and first.next == 12
    rest = wf.search(closed, ADMIN, after=first.next, limit=4)
    assert [r.seq for r in rest.rows] == [7, 2] and rest.next is None and rest.previous == 7
    beyond = wf.search(closed, ADMIN, after=2, limit=4)
    assert beyond.rows == [] and beyond.next is None and beyond.previous == 1
    assert [r.seq for r in wf.search(closed, ADMIN, before=beyond.previous, limit=4).rows] == [17, 12, 7, 2]


def test_status_client_words_and_dates(wf):
    a = submit(wf, "Clínica Dental Norte", "Replace the router", planned_date=date(2026, 11, 30))
    b = submit(wf, "ACME 100% Corp", "Printer jam", description="Second floor_printer")
    c = submit(wf, "Acme", "Router and printer", planned_date=date(2026, 12, 2))
    wf.approve(c, SUPERVISOR)
    assert numbers(wf, "status:in_progress") == ["SO-0003"]
    assert numbers(wf, "status:pending") == ["SO-0002", "SO-0001"]
    assert numbers(wf, "status:open") == ["SO-0003", "SO-0002", "SO-0001"]
    assert numbers(wf, "status:closed") == []
    assert numbers(wf, "client:acme") == ["SO-0003", "SO-0002"]
    assert numbers(wf, 'client:"dental norte"') == ["SO-0001"]
    assert numbers(wf, "client:clínica") == ["SO-0001"]
    assert numbers(wf, "client:100%") == ["SO-0002"]  # % and _ are letters here, not wildcards
    assert numbers(wf, "client:1_0") == []
    assert numbers(wf, "floor_printer") == ["SO-0002"]  # the description counts
    assert numbers(wf, "ROUTER") == ["SO-0003", "SO-0001"]
    assert numbers(wf, "router printer") == ["SO-0003"]  # every word
    assert numbers(wf, '"and printer"') == ["SO-0003"]
    assert numbers(wf, "from:2026-11-30") == ["SO-0003", "SO-0001"]  # unplanned orders are not in a range
    assert numbers(wf, "to:2026-11-30") == ["SO-0001"]
    assert numbers(wf, "from:2026-12-01 to:2026-12-02") == ["SO-0003"]
    assert numbers(wf, "status:pending client:acme printer") == ["SO-0002"]
    assert [a, b, c] == [1, 2, 3]


def test_mine_and_waiting(wf):
    mine = submit(wf)
    wf.approve(mine, SUPERVISOR)
    wf.add_field_workers(mine, REQUESTER, [WORKER])
    wf.grant("test", "U_COORD2", "coordinator", check=False)
    other = wf.submit("U_COORD2", draft("Globex", "Other")).id
    assert numbers(wf, "mine", REQUESTER) == ["SO-0001"]
    assert numbers(wf, "mine", WORKER) == ["SO-0001"]
    assert numbers(wf, "mine", SUPERVISOR) == []  # deciding on an order does not make it yours
    assert numbers(wf, "waiting", SUPERVISOR) == ["SO-0002"]
    assert numbers(wf, "waiting", "U_COORD2") == []  # not an approver; and it is their own
    assert numbers(wf, "waiting", WORKER) == []
    assert other == 2


def test_waiting_includes_ones_own_orders_when_self_approval_is_allowed(engine, clock):
    wf = Workflow(engine, Policy(allow_self_approval=True), clock=clock)
    wf.grant("test", ADMIN, "admin", check=False)
    wf.submit(ADMIN, draft())
    assert numbers(wf, "waiting", ADMIN) == ["SO-0001"]
    assert numbers(Workflow(engine, Policy(), clock=clock), "waiting", ADMIN) == []


def test_who_sees_what(wf):
    on_it = submit(wf, title="Worker is on it")
    submit(wf, title="Nobody else")
    wf.approve(on_it, SUPERVISOR)
    wf.add_field_workers(on_it, REQUESTER, [WORKER])
    for user in (ADMIN, SUPERVISOR, REQUESTER):
        assert numbers(wf, "", user) == ["SO-0002", "SO-0001"]
    assert numbers(wf, "", WORKER) == ["SO-0001"]  # a field worker sees the orders they are on
    assert numbers(wf, "", NOBODY) == []
    assert wf.may_see(wf.order(on_it), WORKER) and not wf.may_see(wf.find("SO-0002"), WORKER)
    assert not wf.may_see(wf.order(on_it), NOBODY) and wf.may_see(wf.order(on_it), SUPERVISOR)


def test_a_row_is_what_a_list_shows(wf):
    order = wf.order(submit(wf, "Clínica", "Swap", planned_date=date(2026, 11, 30)))
    wf.record_channel(order.id, "C0ORDER01", "so-0001-clinica-swap")
    (row,) = wf.search(f(""), ADMIN).rows
    assert (row.number, row.client, row.title, row.planned_date, row.channel_id) == (
        "SO-0001",
        "Clínica",
        "Swap",
        date(2026, 11, 30),
        "C0ORDER01",
    )
    assert row.status_text == "Pending approval"


def test_a_page_is_at_most_fifty(wf):
    insert_orders(wf.engine, 60)
    assert len(wf.search(f(""), ADMIN, limit=1000).rows) == search.PAGE_MAX
    assert len(wf.search(f(""), ADMIN, limit=0).rows) == 1


def _plan(wf: Workflow, typed: str, viewer: str | None = None) -> str:
    """The database's plan for the first page of a search."""
    where = search.conditions(f(typed), viewer, wf.roles_of(viewer) if viewer else frozenset())
    stmt = select(Order).where(*where).order_by(col(Order.seq).desc()).limit(11)
    sql = str(stmt.compile(wf.engine, compile_kwargs={"literal_binds": True}))
    with wf.engine.connect() as conn:
        if wf.engine.dialect.name == "sqlite":
            return "\n".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a small table: a plan that reads all is cheap
        return "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))


@pytest.mark.parametrize(
    ("typed", "viewer", "index"),
    [
        ("status:closed", None, "ix_orders_status"),  # or ix_orders_status_seq: both serve it
        ("from:2026-01-10 to:2026-01-12", None, "ix_orders_planned_date"),
        ("mine", WORKER, "ix_members_user_id_order_id"),
        ("", WORKER, "ix_members_user_id_order_id"),
    ],
)
def test_the_common_filters_use_their_index(wf, typed, viewer, index):
    """Where a filter keeps few orders the database reads them through its index (where it keeps
    many, walking the orders newest first and stopping after a page is as good, and chosen)."""
    insert_orders(
        wf.engine,
        500,
        status=lambda i: "closed" if i % 100 == 0 else "in_progress",
        planned=lambda i: date(2025, 1, 1) + timedelta(days=i),
    )
    if wf.engine.dialect.name == "postgresql":
        with wf.engine.begin() as conn:
            conn.execute(text("ANALYZE orders"))
            conn.execute(text("ANALYZE members"))
    plan = _plan(wf, typed, viewer)
    assert index in plan, plan
