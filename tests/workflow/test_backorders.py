"""Backorders at the workflow level (issue 13): numbered SO-0042-n from the family's first order,
each number once even when several are created at the same moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from wf_helpers import ADMIN, REQUESTER, SUPERVISOR, WORKER, draft, line

from workflow import commands as c
from workflow.policy import Policy
from workflow.service import Refused, Workflow


@pytest.fixture
def policy() -> Policy:
    return Policy(vat_rate=Decimal(21))


def ready(wf: Workflow):  # type: ignore[no-untyped-def]
    order = wf.submit(REQUESTER, draft(lines=[line("Router", "1", "120.00"), line("Cable", "3", "4.50")]))
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    wf.execute(WORKER, c.Close(order.id, "completed", attested=True))
    return wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))


def test_backorders_created_at_once_each_take_their_own_number(wf: Workflow) -> None:
    order = ready(wf)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            numbers.append(wf.execute(REQUESTER, c.CreateBackorder(order.id, (1,))).number)
        except Exception as e:  # noqa: BLE001 - any failure is the test's failure
            errors.append(e)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers, key=lambda n: int(n.rsplit("-", 1)[1])) == [f"SO-0001-{i}" for i in range(1, 9)]
    # a backorder of a backorder continues the family's numbers; ordinary numbers stay gap-free
    first = wf.find("1-1")
    assert first is not None and [x.description for x in first.lines] == ["Cable"]
    wf.approve(first.id, SUPERVISOR)
    wf.execute(WORKER, c.Close(first.id, "completed", attested=True))
    wf.execute(REQUESTER, c.ReadyForInvoicing(first.id))
    assert wf.execute(ADMIN, c.CreateBackorder(first.id)).number == "SO-0001-9"
    assert wf.submit(REQUESTER, draft()).number == "SO-0002"
    # newest first in the lists: the last backorder, then the new order… (seq is its own counter)
    mine, _ = wf.list_for(REQUESTER)
    assert mine[0].number == "SO-0002"


def test_who_may_create_a_backorder_and_from_which_states(wf: Workflow) -> None:
    order = wf.submit(REQUESTER, draft())
    with pytest.raises(Refused) as refused:
        wf.execute(REQUESTER, c.CreateBackorder(order.id))
    assert refused.value.code == "state"
    done = ready(wf)
    with pytest.raises(Refused) as refused:
        wf.execute(WORKER, c.CreateBackorder(done.id))
    assert refused.value.code == "role" and "coordinator or an admin" in str(refused.value)
    with pytest.raises(Refused) as refused:
        wf.execute(REQUESTER, c.CreateBackorder(done.id, (5,)))  # a line the order does not have
    assert refused.value.code == "stale"
    assert wf.find("2-1") is None
