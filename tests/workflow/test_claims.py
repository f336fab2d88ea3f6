"""Several processes share the outbox: each effect is claimed by one, in order per order."""

from __future__ import annotations

import threading

from wf_helpers import REQUESTER, draft

from workflow import effects as fx


def test_a_claimed_effect_holds_back_its_order_for_other_workers(wf, clock):
    a = wf.submit(REQUESTER, draft())
    b = wf.submit(REQUESTER, draft())
    first = wf.claim_effects("worker-1", lease_seconds=60)
    assert [(e.order_id, e.kind) for e in first] == [(a.id, fx.CREATE_CHANNEL), (b.id, fx.CREATE_CHANNEL)]
    assert wf.claim_effects("worker-2", lease_seconds=60) == []  # nothing else of those orders may run
    wf.effect_done(first[0].id)
    second = wf.claim_effects("worker-2", lease_seconds=60)
    assert [(e.order_id, e.kind) for e in second] == [(a.id, fx.INVITE)]  # a's next; b still held


def test_a_dead_workers_claims_expire_or_are_released(wf, clock):
    order = wf.submit(REQUESTER, draft())
    taken = wf.claim_effects("dead-worker", lease_seconds=60)
    assert [e.order_id for e in taken] == [order.id]
    clock.advance(59)
    assert wf.claim_effects("worker-2", lease_seconds=60) == []
    clock.advance(2)
    assert [e.id for e in wf.claim_effects("worker-2", lease_seconds=60)] == [taken[0].id]
    assert wf.release_claims("worker-2") == 1
    assert [e.id for e in wf.claim_effects("worker-3", lease_seconds=60)] == [taken[0].id]


def test_concurrent_claims_never_take_the_same_effect(wf):
    for _ in range(20):
        wf.submit(REQUESTER, draft())
    barrier = threading.Barrier(4)
    taken: dict[str, list[int]] = {}

    def claim(name: str) -> None:
        barrier.wait()
        taken[name] = [e.id for e in wf.claim_effects(name, lease_seconds=60, limit=8)]

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ids = [i for got in taken.values() for i in got]
    assert len(ids) == len(set(ids)) == 20  # every order's first effect, each taken exactly once
