"""Several processes share the outbox: each effect is claimed by one, in order per order."""

from __future__ import annotations

import threading

from wf_helpers import REQUESTER, SUPERVISOR, WORKER, draft

from workflow import effects as fx


def test_a_claimed_effect_holds_back_its_order_for_other_workers(wf, clock):
    a = wf.submit(REQUESTER, draft())
    b = wf.submit(REQUESTER, draft())
    first = wf.outbox.claim_effects("worker-1", lease_seconds=60)
    assert [(e.order_id, e.kind) for e in first] == [(a.id, fx.CREATE_CHANNEL), (b.id, fx.CREATE_CHANNEL)]
    assert wf.outbox.claim_effects("worker-2", lease_seconds=60) == []  # nothing else of those orders may run
    wf.outbox.effect_done(first[0].id)
    second = wf.outbox.claim_effects("worker-2", lease_seconds=60)
    assert [(e.order_id, e.kind) for e in second] == [(a.id, fx.INVITE)]  # a's next; b still held


def test_a_dead_workers_claims_expire_or_are_released(wf, clock):
    order = wf.submit(REQUESTER, draft())
    taken = wf.outbox.claim_effects("dead-worker", lease_seconds=60)
    assert [e.order_id for e in taken] == [order.id]
    clock.advance(59)
    assert wf.outbox.claim_effects("worker-2", lease_seconds=60) == []
    clock.advance(2)
    assert [e.id for e in wf.outbox.claim_effects("worker-2", lease_seconds=60)] == [taken[0].id]
    assert wf.outbox.release_claims("worker-2") == 1
    assert [e.id for e in wf.outbox.claim_effects("worker-3", lease_seconds=60)] == [taken[0].id]


def test_concurrent_claims_never_take_the_same_effect(wf):
    for _ in range(20):
        wf.submit(REQUESTER, draft())
    barrier = threading.Barrier(4)
    taken: dict[str, list[int]] = {}

    def claim(name: str) -> None:
        barrier.wait()
        taken[name] = [e.id for e in wf.outbox.claim_effects(name, lease_seconds=60, limit=8)]

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ids = [i for got in taken.values() for i in got]
    assert len(ids) == len(set(ids)) == 20  # every order's first effect, each taken exactly once


# ---------------------------------------------------------------- lanes, leases, a fresh retry

LONG = {fx.UPLOAD_PDF, fx.CUSTOMER_COPY, fx.EXPORT_CSV}


def _perform_until(wf, order_id: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Mark the order's effects done, in order, until its first unfinished one is of kind."""
    while True:
        (first,) = [e for e in wf.outbox.pending_effects() if e.order_id == order_id]
        if first.kind == kind:
            return
        wf.outbox.effect_done(first.id)


def test_lanes_take_their_own_kinds_and_keep_each_orders_order(wf, clock):
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    export = wf.queue_export(REQUESTER, "")
    _perform_until(wf, order.id, fx.UPLOAD_PDF)
    later = [e for e in wf.effects("pending") if e.order_id == order.id and e.kind not in LONG]
    assert later, "the approval queues short effects after its PDF"
    # the short lane may not overtake the order's PDF, whatever kinds come after it
    short = wf.outbox.claim_effects("short", 60, exclude_kinds=LONG)
    assert [e for e in short if e.order_id == order.id] == []
    (pdf,) = wf.outbox.claim_effects("documents", 60, kinds={fx.UPLOAD_PDF, fx.CUSTOMER_COPY})
    assert (pdf.order_id, pdf.kind) == (order.id, fx.UPLOAD_PDF)
    (exported,) = wf.outbox.claim_effects("exports", 60, kinds={fx.EXPORT_CSV})
    assert exported.key == export
    wf.outbox.effect_done(pdf.id)
    (short,) = [e for e in wf.outbox.claim_effects("short", 60, exclude_kinds=LONG) if e.order_id == order.id]
    assert short.id == later[0].id


def test_a_live_workers_claims_are_renewed_and_a_dead_ones_taken_over(wf, clock):
    alive = wf.submit(REQUESTER, draft())
    dead = wf.submit(REQUESTER, draft())
    (a,) = wf.outbox.claim_effects("alive", 15, limit=1)
    (d,) = wf.outbox.claim_effects("dead", 15, limit=1)
    assert (a.order_id, d.order_id) == (alive.id, dead.id)
    for _ in range(6):  # a minute of work: the live one renews every 10 s, the dead one cannot
        clock.advance(10)
        assert wf.outbox.renew_claims("alive", 15) == 1
    assert [e.id for e in wf.outbox.claim_effects("successor", 15)] == [d.id]
    assert wf.outbox.effect_started(d.id, "dead", 15) is False  # the dead one, back, does not do it again
    assert wf.outbox.effect_started(d.id, "successor", 15) is True
    assert wf.outbox.effect_started(a.id, "alive", 15) is True


def test_a_retried_effect_gets_a_fresh_budget_but_still_looks_first(wf, clock):
    wf.submit(REQUESTER, draft())
    (first,) = wf.outbox.claim_effects("w", 60)
    for _ in range(12):
        assert wf.outbox.effect_started(first.id, "w", 60)
    wf.outbox.effect_failed(first.id, "timeout (after 12 attempts)")
    assert wf.outbox.retry_effect(first.id)
    (again,) = [e for e in wf.outbox.claim_effects("w2", 60) if e.order_id is not None]  # (and the alerts)
    assert again.id == first.id and again.attempts == 1  # > 0: it looks for what an attempt did
    assert [e.last_error for e in wf.effects() if e.id == first.id] == [""]


def test_a_drawn_card_supersedes_only_the_updates_it_shows(wf, clock):
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)  # card v2
    drawn = wf.order(order.id).version
    wf.add_field_workers(order.id, REQUESTER, [WORKER])  # card v3, queued after the card was read
    updates = [e for e in wf.effects("pending") if e.order_id == order.id and e.kind == fx.UPDATE_CARD]
    assert [e.payload["version"] for e in updates] == [drawn, drawn + 1]
    assert wf.outbox.supersede_card_updates(order.id, updates[0].id, drawn) == 0
    assert wf.outbox.supersede_card_updates(order.id, -1, drawn) == 1  # a redraw at v2 covers v2 only
    pending = [e for e in wf.effects("pending") if e.order_id == order.id and e.kind == fx.UPDATE_CARD]
    assert [e.payload["version"] for e in pending] == [drawn + 1]


def test_one_export_per_person_at_a_time(wf, clock):
    first = wf.queue_export(REQUESTER, "")
    assert first is not None
    assert wf.queue_export(REQUESTER, "status:open") is None  # still queued
    assert wf.queue_export(SUPERVISOR, "") is not None  # someone else's is their own
    (taken,) = [e for e in wf.outbox.claim_effects("w", 60, kinds={fx.EXPORT_CSV}) if e.key == first]
    assert wf.queue_export(REQUESTER, "") is None  # under way
    wf.outbox.effect_done(taken.id)
    second = wf.queue_export(REQUESTER, "")
    assert second is not None and second != first
