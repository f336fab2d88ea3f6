"""Workflow commands against a real database (SQLite file and PostgreSQL): what people notice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import text
from wf_helpers import (
    ADMIN,
    NOBODY,
    OTHER_WORKER,
    REQUESTER,
    START,
    SUPERVISOR,
    SUPERVISOR_2,
    WORKER,
    draft,
    line,
)

from workflow import effects as fx
from workflow.rules import Action, Status
from workflow.service import Policy, Refused, Workflow, channel_name

TABLES = ("orders", "revisions", "lines", "members", "activities", "effects", "processed_events")


def snapshot(wf: Workflow) -> dict:
    """Row counts of every table the commands write, plus the order counter."""
    with wf.engine.connect() as conn:
        counts = {t: conn.execute(text(f"select count(*) from {t}")).scalar_one() for t in TABLES}
        counts["counter"] = conn.execute(text("select max(value) from counters")).scalar_one()
        return counts


def order_effects(wf: Workflow, order_id: int, status: str | None = None):  # type: ignore[no-untyped-def]
    return [e for e in wf.effects(status) if e.order_id == order_id]


def submitted(wf: Workflow, **kw):  # type: ignore[no-untyped-def]
    return wf.submit(REQUESTER, draft(**kw))


def in_progress(wf: Workflow, with_worker: bool = True):  # type: ignore[no-untyped-def]
    order = submitted(wf)
    wf.approve(order.id, SUPERVISOR)
    if with_worker:
        wf.add_field_workers(order.id, REQUESTER, [WORKER])
    return wf.order(order.id)


# ---------------------------------------------------------------- channel names (no database)


def test_channel_name_plain():
    assert channel_name("SO-0001", "Acme", "Router") == "so-0001-acme-router"


def test_channel_name_folds_accents_and_drops_emoji_and_punctuation():
    assert channel_name("SO-0007", "Clínica São José", "Pôr o router! 🚀 (urgente)") == (
        "so-0007-clinica-sao-jose-por-o-router-urgente"
    )


def test_channel_name_is_lowercase_and_at_most_80_characters():
    name = channel_name("SO-123456789", "A" * 200, "B" * 200)
    assert len(name) <= 80
    assert name == name.lower()
    assert name.startswith("so-123456789-")
    long_words = channel_name(
        "SO-0001", "Internationale Handelsgesellschaft", "Netzwerkinfrastruktur Umbau " * 9
    )
    assert len(long_words) <= 80 and not long_words.endswith("-")
    assert set(long_words) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


@pytest.mark.parametrize(("client", "title"), [("", ""), ("🚀", "!!!"), ("東京", "日本語")])
def test_channel_name_with_empty_slug_is_just_the_number(client, title):
    assert channel_name("SO-0001", client, title) == "so-0001"


# ---------------------------------------------------------------- submit


def test_submit_numbers_orders_in_sequence(wf):
    numbers = [submitted(wf).number for _ in range(3)]
    assert numbers == ["SO-0001", "SO-0002", "SO-0003"]


def test_submitted_order_is_pending_at_revision_0_with_its_lines(wf, clock):
    order = submitted(wf)
    assert order.status is Status.PENDING_APPROVAL
    assert order.current_revision == 0
    assert order.requester_id == REQUESTER
    assert [(ln.description, ln.quantity, ln.unit, ln.unit_price) for ln in order.lines] == [
        ("Router swap", Decimal("2"), "h", Decimal("45.00")),
        ("Cable Cat6", Decimal("12.5"), "m", Decimal("1.99")),
    ]
    assert order.total == Decimal("114.88")  # 90.00 + 24.875 -> 24.88
    assert order.supervisors == [SUPERVISOR, SUPERVISOR_2]
    assert order.field_workers == []
    assert order.created_at == START
    again = wf.order(order.id)
    assert again == order
    r0 = wf.revision(order.id, 0)
    assert (r0.kind, r0.author_id, r0.total, r0.changes) == ("submitted", REQUESTER, Decimal("114.88"), [])


def of_kind(effects, kind):  # type: ignore[no-untyped-def]
    return [e for e in effects if e.kind == kind]


def test_submit_queues_channel_card_announcement_and_dms(wf):
    """What Slack will show for a new order: its channel first (everything else happens there), its
    people invited, the card posted and then pinned, the topic, the announcement, a DM to each
    supervisor."""
    order = submitted(wf)
    effects = order_effects(wf, order.id)
    kinds = [e.kind for e in effects]
    assert kinds[0] == fx.CREATE_CHANNEL and kinds.index(fx.POST_CARD) < kinds.index(fx.PIN_CARD)
    assert sorted(kinds) == sorted(
        [fx.CREATE_CHANNEL, fx.INVITE, fx.POST_CARD, fx.PIN_CARD, fx.SET_TOPIC, fx.ANNOUNCE, fx.DM, fx.DM]
    )
    (create,), (invite,), (announce,) = (
        of_kind(effects, k) for k in (fx.CREATE_CHANNEL, fx.INVITE, fx.ANNOUNCE)
    )
    dm1, dm2 = of_kind(effects, fx.DM)
    assert create.payload == {"name": "so-0001-acme-router", "private": True}
    assert invite.payload == {"users": [REQUESTER, SUPERVISOR, SUPERVISOR_2]}
    assert announce.payload == {"event": fx.SUBMITTED, "actor": REQUESTER}
    assert [dm1.payload["user"], dm2.payload["user"]] == [SUPERVISOR, SUPERVISOR_2]
    assert {dm1.payload["event"], dm2.payload["event"]} == {fx.APPROVAL_REQUESTED}
    assert all(e.status == "pending" for e in effects)
    second = submitted(wf, client="Beta", title="Wifi")
    keys = [e.key for e in wf.effects()]
    assert len(keys) == len(set(keys))
    assert order_effects(wf, second.id)[0].payload["name"] == "so-0002-beta-wifi"


def test_public_channels_by_policy(engine, clock):
    wf = Workflow(engine, Policy(private_channels=False), clock=clock)
    wf.grant("test", REQUESTER, "coordinator", check=False)
    order = submitted(wf)
    assert order_effects(wf, order.id)[0].payload["private"] is False


def test_requester_who_is_a_supervisor_is_invited_once_and_not_asked_to_approve(wf):
    wf.grant("test", SUPERVISOR, "coordinator", check=False)
    order = wf.submit(SUPERVISOR, draft())
    effects = order_effects(wf, order.id)
    invite = next(e for e in effects if e.kind == fx.INVITE)
    assert invite.payload["users"] == [SUPERVISOR, SUPERVISOR_2]
    assert [e.payload["user"] for e in effects if e.kind == fx.DM] == [SUPERVISOR_2]


def test_a_coordinator_and_an_admin_may_submit(wf):
    assert wf.submit(REQUESTER, draft()).number == "SO-0001"
    assert wf.submit(ADMIN, draft()).number == "SO-0002"


@pytest.mark.parametrize("who", [WORKER, SUPERVISOR, NOBODY])
def test_others_may_not_submit_and_nothing_is_written(wf, who):
    submitted(wf)  # the counter exists
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.submit(who, draft())
    assert refused.value.code == "role"
    assert refused.value.who == "a coordinator or an admin"
    assert "a coordinator or an admin" in refused.value.message
    assert snapshot(wf) == before
    assert submitted(wf).number == "SO-0002"  # no number was used up


def test_refused_first_submit_writes_nothing(wf):
    before = snapshot(wf)
    with pytest.raises(Refused):
        wf.submit(NOBODY, draft())
    assert snapshot(wf) == before == {**dict.fromkeys(TABLES, 0), "counter": None}


# ---------------------------------------------------------------- approve / reject


def test_supervisor_approves(wf, clock):
    order = submitted(wf)
    clock.advance(60)
    approved = wf.approve(order.id, SUPERVISOR)
    assert approved.status is Status.IN_PROGRESS
    assert approved.current_revision == 1
    assert (approved.decided_by, approved.decided_at) == (SUPERVISOR, clock.now)
    assert approved.lines == order.lines
    assert approved.total == order.total
    r1 = wf.revision(order.id, 1)
    assert (r1.kind, r1.author_id, r1.status) == ("approved", SUPERVISOR, Status.IN_PROGRESS)
    new = order_effects(wf, order.id)[8:]
    assert sorted(e.kind for e in new) == sorted([fx.ANNOUNCE, fx.UPLOAD_PDF, fx.UPDATE_CARD, fx.SET_TOPIC])
    (topic,), (pdf,) = of_kind(new, fx.SET_TOPIC), of_kind(new, fx.UPLOAD_PDF)
    assert topic.key == "topic:SO-0001:in_progress"
    assert (pdf.key, pdf.payload) == ("pdf:SO-0001:r1", {"revision": 1})


def test_an_admin_may_approve(wf):
    assert wf.approve(submitted(wf).id, ADMIN).status is Status.IN_PROGRESS


@pytest.mark.parametrize("who", [REQUESTER, WORKER, NOBODY])
def test_others_may_not_approve(wf, who):
    order = submitted(wf)
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.approve(order.id, who)
    assert refused.value.code == "role"
    assert refused.value.who == "a supervisor or an admin"
    assert snapshot(wf) == before
    assert wf.order(order.id).status is Status.PENDING_APPROVAL


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_requester_may_not_decide_on_own_order(wf, decide):
    order = wf.submit(ADMIN, draft())  # an admin may submit and approve
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        if decide == "approve":
            wf.approve(order.id, ADMIN)
        else:
            wf.reject(order.id, ADMIN, "no")
    assert refused.value.code == "own_order"
    assert snapshot(wf) == before


def test_self_approval_when_the_policy_allows_it(wf, clock):
    order = wf.submit(ADMIN, draft())
    lenient = Workflow(wf.engine, Policy(allow_self_approval=True), clock=clock)
    assert lenient.approve(order.id, ADMIN).status is Status.IN_PROGRESS


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_second_decision_is_refused_naming_the_first(wf, clock, first, second):
    order = submitted(wf)
    decided_at = clock.advance(60)
    if first == "approve":
        wf.approve(order.id, SUPERVISOR)
    else:
        wf.reject(order.id, SUPERVISOR, "Out of scope")
    view = wf.order(order.id)
    before = snapshot(wf)
    clock.advance(60)
    with pytest.raises(Refused) as refused:
        if second == "approve":
            wf.approve(order.id, SUPERVISOR_2)
        else:
            wf.reject(order.id, SUPERVISOR_2, "Too expensive")
    r = refused.value
    assert r.code == "decided"
    assert (r.decided_by, r.decided_at) == (SUPERVISOR, decided_at)
    assert r.decision == ("approved" if first == "approve" else "rejected")
    assert snapshot(wf) == before
    assert wf.order(order.id) == view


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_reject_needs_a_reason(wf, reason):
    order = submitted(wf)
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.reject(order.id, SUPERVISOR, reason)
    assert refused.value.code == "invalid"
    assert snapshot(wf) == before
    assert wf.order(order.id).status is Status.PENDING_APPROVAL


def test_rejected_order_ends_there(wf, clock):
    order = submitted(wf)
    rejected = wf.reject(order.id, SUPERVISOR, "  Client cancelled  ")
    assert rejected.status is Status.REJECTED
    assert rejected.reject_reason == "Client cancelled"
    assert rejected.decided_by == SUPERVISOR
    assert rejected.ended and rejected.actions == ()
    announce = [e for e in order_effects(wf, order.id) if e.kind == fx.ANNOUNCE][-1]
    assert announce.payload["reason"] == "Client cancelled"
    before = snapshot(wf)
    for attempt in (
        lambda: wf.confirm(order.id, SUPERVISOR, 0, [line()]),
        lambda: wf.close(order.id, SUPERVISOR, "completed", attested=True),
        lambda: wf.add_field_workers(order.id, SUPERVISOR, [WORKER]),
    ):
        with pytest.raises(Refused) as refused:
            attempt()
        assert refused.value.code == "state"
        assert "rejected" in refused.value.message
    assert snapshot(wf) == before


def test_unknown_order_is_not_found(wf):
    with pytest.raises(Refused) as refused:
        wf.approve(999, SUPERVISOR)
    assert refused.value.code == "not_found"


# ---------------------------------------------------------------- field workers


def test_add_field_workers(wf):
    order = in_progress(wf, with_worker=False)
    n = len(order_effects(wf, order.id))
    view = wf.add_field_workers(order.id, REQUESTER, [WORKER, OTHER_WORKER, WORKER, ""])
    assert view.field_workers == [WORKER, OTHER_WORKER]
    new = order_effects(wf, order.id)[n:]
    assert sorted(e.kind for e in new) == sorted([fx.INVITE, fx.ANNOUNCE, fx.UPDATE_CARD])
    (invite,), (announce,) = of_kind(new, fx.INVITE), of_kind(new, fx.ANNOUNCE)
    assert invite.payload == {"users": [WORKER, OTHER_WORKER]}
    assert announce.payload["event"] == fx.FIELD_WORKERS_ADDED
    assert announce.payload["users"] == [WORKER, OTHER_WORKER]
    assert wf.list_for(WORKER)[0][0].id == order.id


def test_adding_the_same_field_workers_again_is_refused(wf):
    order = in_progress(wf)
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.add_field_workers(order.id, SUPERVISOR, [WORKER])
    assert refused.value.code == "invalid"
    assert snapshot(wf) == before
    again = wf.add_field_workers(order.id, SUPERVISOR, [WORKER, OTHER_WORKER])  # only the new one
    assert again.field_workers == [WORKER, OTHER_WORKER]
    assert order_effects(wf, order.id, "pending")[-3].payload == {"users": [OTHER_WORKER]}


def test_field_workers_cannot_add_field_workers(wf):
    order = in_progress(wf)
    with pytest.raises(Refused) as refused:
        wf.add_field_workers(order.id, WORKER, [OTHER_WORKER])
    assert refused.value.code == "role"


def test_no_field_workers_before_approval(wf):
    order = submitted(wf)
    with pytest.raises(Refused) as refused:
        wf.add_field_workers(order.id, SUPERVISOR, [WORKER])
    assert refused.value.code == "state"


# ---------------------------------------------------------------- confirmations


def test_confirmations_by_field_worker_requester_and_supervisor(wf):
    order = in_progress(wf)
    lines = [line("Router swap", "3", "45.00"), line("Cable Cat6", "12.5", "1.99", kind="material", unit="m")]
    v2 = wf.confirm(order.id, WORKER, 1, lines, note=" longer job ")
    assert (v2.current_revision, v2.status, v2.has_confirmation) == (2, Status.IN_PROGRESS, True)
    assert v2.total == Decimal("159.88")
    v3 = wf.confirm(order.id, REQUESTER, 2, lines[:1])
    v4 = wf.confirm(order.id, SUPERVISOR_2, 3, lines[:1] + [line("Travel", "1", "25.00")])
    assert (v3.current_revision, v4.current_revision) == (3, 4)
    pdfs = [e for e in order_effects(wf, order.id) if e.kind == fx.UPLOAD_PDF]
    assert [(e.key, e.payload) for e in pdfs] == [
        (f"pdf:SO-0001:r{n}", {"revision": n}) for n in (1, 2, 3, 4)
    ]
    r2 = wf.revision(order.id, 2)
    assert (r2.kind, r2.author_id, r2.note, r2.final) == ("confirmation", WORKER, "longer job", False)
    assert (r2.previous_number, r2.previous_total, r2.total) == (1, Decimal("114.88"), Decimal("159.88"))
    assert [(c.change, c.description) for c in r2.changes] == [("changed", "Router swap")]
    assert r2.field_workers == [WORKER]
    r3 = wf.revision(order.id, 3)
    assert [(c.change, c.description) for c in r3.changes] == [("removed", "Cable Cat6")]
    assert r3.previous_total == Decimal("159.88")
    r4 = wf.revision(order.id, 4)
    assert [(c.change, c.description) for c in r4.changes] == [("added", "Travel")]
    assert wf.revision(order.id, 1).changes == []


def test_unrelated_field_worker_may_not_confirm(wf):
    order = in_progress(wf)
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.confirm(order.id, OTHER_WORKER, 1, [line()])
    r = refused.value
    assert r.code == "role"
    assert r.who == "a supervisor, an admin, the order's requester or one of the order's field workers"
    assert r.who in r.message
    assert snapshot(wf) == before
    with pytest.raises(Refused):
        wf.check(order.id, OTHER_WORKER, Action.CONFIRM)
    assert wf.check(order.id, WORKER, Action.CONFIRM).id == order.id


def test_stale_confirmation_is_refused_and_nothing_written(wf):
    order = in_progress(wf)
    wf.confirm(order.id, WORKER, 1, [line("Router swap", "3")])
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.confirm(order.id, REQUESTER, 1, [line("Router swap", "4")])  # opened on revision 1
    assert refused.value.code == "stale"
    assert "revision 2" in refused.value.message
    assert snapshot(wf) == before
    assert wf.order(order.id).lines[0].quantity == Decimal("3")


def test_final_confirmation_closes_with_changes(wf, clock):
    order = in_progress(wf)
    at = clock.advance(3600)
    closed = wf.confirm(
        order.id, WORKER, 1, [line("Router swap", "3")], note="done", final=True, attested=True
    )
    assert (closed.status, closed.outcome) == (Status.CLOSED, "completed_with_changes")
    assert (closed.closed_by, closed.closed_at) == (WORKER, at)
    assert closed.status_text == "Closed — Completed with adjustments"
    rev = wf.revision(order.id, 2)
    assert rev.final and rev.status is Status.CLOSED
    events = [e.payload.get("event") for e in order_effects(wf, order.id) if e.kind == fx.ANNOUNCE]
    assert events[-2:] == [fx.CONFIRMED, fx.CLOSED]
    with pytest.raises(Refused) as refused:
        wf.confirm(order.id, WORKER, 2, [line()])
    assert refused.value.code == "state"


# ---------------------------------------------------------------- close


def test_close_completed_by_field_worker(wf, clock):
    order = in_progress(wf)
    at = clock.advance(60)
    closed = wf.close(order.id, WORKER, "completed", attested=True)
    assert (closed.status, closed.outcome, closed.closed_by, closed.closed_at) == (
        Status.CLOSED,
        "completed",
        WORKER,
        at,
    )
    assert closed.current_revision == 1  # closing as specified makes no new revision
    assert closed.ended


def test_not_performed_needs_a_reason(wf):
    order = in_progress(wf)
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.close(order.id, REQUESTER, "not_performed", "  ")
    assert refused.value.code == "invalid"
    assert snapshot(wf) == before
    closed = wf.close(order.id, REQUESTER, "not_performed", "Site was locked")
    assert (closed.outcome, closed.outcome_reason) == ("not_performed", "Site was locked")


def test_completed_with_changes_needs_a_confirmation_first(wf):
    order = in_progress(wf)
    before = snapshot(wf)
    with pytest.raises(Refused) as refused:
        wf.close(order.id, SUPERVISOR, "completed_with_changes", attested=True)
    assert refused.value.code == "invalid"
    assert snapshot(wf) == before
    wf.confirm(order.id, WORKER, 1, [line("Router swap", "3")])
    closed = wf.close(order.id, SUPERVISOR, "completed_with_changes", attested=True)
    assert closed.outcome == "completed_with_changes"


def test_unknown_outcome_is_invalid(wf):
    order = in_progress(wf)
    with pytest.raises(Refused) as refused:
        wf.close(order.id, SUPERVISOR, "finished")
    assert refused.value.code == "invalid"


def test_nothing_is_possible_after_close(wf):
    order = in_progress(wf)
    wf.close(order.id, SUPERVISOR, "completed", attested=True)
    before = snapshot(wf)
    for attempt in (
        lambda: wf.close(order.id, SUPERVISOR, "completed", attested=True),
        lambda: wf.confirm(order.id, WORKER, 1, [line()]),
        lambda: wf.add_field_workers(order.id, SUPERVISOR, [OTHER_WORKER]),
    ):
        with pytest.raises(Refused) as refused:
            attempt()
        assert refused.value.code == "state"
        assert "closed" in refused.value.message
    assert snapshot(wf) == before


def test_cannot_close_before_approval(wf):
    order = submitted(wf)
    with pytest.raises(Refused) as refused:
        wf.close(order.id, SUPERVISOR, "completed", attested=True)
    assert refused.value.code == "state"


# ---------------------------------------------------------------- messages, notes, photos


def test_message_is_recorded_once_per_event(wf):
    order = in_progress(wf)
    wf.record_channel(order.id, "C0001", "so-0001-acme-router")
    first = wf.record_message("Ev1", "C0001", WORKER, "1700000000.000100", "Cable is longer than planned")
    assert first is not None and first.id == order.id
    # the acknowledgement stands in no order's queue: it never holds up the order's own changes
    assert all(e.kind != fx.REACT for e in order_effects(wf, order.id))
    react = next(e for e in wf.effects() if e.key == "react:Ev1")
    assert (react.kind, react.order_id, react.payload) == (
        fx.REACT,
        None,
        {"channel": "C0001", "ts": "1700000000.000100", "name": "white_check_mark", "order": order.number},
    )
    before = snapshot(wf)
    again = wf.record_message("Ev1", "C0001", WORKER, "1700000000.000100", "Cable is longer than planned")
    assert again is None
    assert snapshot(wf) == before


def test_message_in_a_channel_of_no_order_is_ignored(wf):
    order = in_progress(wf)
    wf.record_channel(order.id, "C0001", "so-0001-acme-router")
    before = snapshot(wf)
    assert wf.record_message("Ev9", "C_RANDOM", WORKER, "1.2", "hello") is None
    after = snapshot(wf)
    assert {k: v for k, v in after.items() if k != "processed_events"} == {
        k: v for k, v in before.items() if k != "processed_events"
    }


def test_notes_and_photos_appear_in_the_next_revision(wf, clock):
    order = in_progress(wf)
    wf.record_channel(order.id, "C0001", "so-0001-acme-router")
    assert wf.revision(order.id, 1).notes == []
    clock.advance(60)
    wf.record_message("Ev1", "C0001", WORKER, "1.1", "Old router removed")
    wf.record_message("Ev2", "C0001", REQUESTER, "1.2", "", files=["rack.jpg"])
    wf.confirm(order.id, WORKER, 1, [line("Router swap", "3")])
    wf.record_message("Ev3", "C0001", WORKER, "1.3", "After the confirmation")
    notes = wf.revision(order.id, 2).notes
    assert [(n.author_id, n.text, n.files) for n in notes] == [
        (WORKER, "Old router removed", []),
        (REQUESTER, "", ["rack.jpg"]),
    ]
    assert notes[0].at == clock.now
    assert wf.revision(order.id, 1).notes == []
    wf.confirm(order.id, WORKER, 2, [line("Router swap", "3")])
    assert [n.text for n in wf.revision(order.id, 3).notes][-1] == "After the confirmation"


# ---------------------------------------------------------------- reads


@pytest.mark.parametrize("ref", ["SO-0002", "so-0002", "so-2", "SO2", "2", "002", "*2", " *SO-02 "])
def test_find_by_any_spelling_of_the_number(wf, ref):
    for _ in range(3):
        submitted(wf)
    found = wf.find(ref)
    assert found is not None and found.number == "SO-0002"


@pytest.mark.parametrize("ref", ["", "abc", "SO-", "SO-12x", "4", "0", "#2", "2-2"])
def test_find_garbage_or_missing_is_none(wf, ref):
    for _ in range(3):
        submitted(wf)
    assert wf.find(ref) is None


def test_list_for(wf):
    o1 = submitted(wf)
    o2 = submitted(wf)
    o3 = wf.submit(ADMIN, draft())
    numbers = lambda views: [v.number for v in views]  # noqa: E731
    mine, waiting = wf.list_for(REQUESTER)
    assert (numbers(mine), waiting) == (["SO-0002", "SO-0001"], [])
    mine, waiting = wf.list_for(SUPERVISOR)
    assert (mine, numbers(waiting)) == ([], ["SO-0001", "SO-0002", "SO-0003"])
    mine, waiting = wf.list_for(ADMIN)
    assert (numbers(mine), numbers(waiting)) == (["SO-0003"], ["SO-0001", "SO-0002"])  # not my own
    assert wf.list_for(WORKER) == ([], [])
    wf.approve(o1.id, SUPERVISOR)
    wf.add_field_workers(o1.id, REQUESTER, [WORKER])
    wf.reject(o3.id, SUPERVISOR, "duplicate")
    assert numbers(wf.list_for(SUPERVISOR)[1]) == ["SO-0002"]
    assert numbers(wf.list_for(WORKER)[0]) == ["SO-0001"]
    wf.close(o1.id, WORKER, "completed", attested=True)
    assert wf.list_for(WORKER) == ([], [])
    assert numbers(wf.list_for(REQUESTER)[0]) == [o2.number]
    assert wf.list_for(ADMIN)[0] == []


# ---------------------------------------------------------------- outbox


def test_pending_effects_gives_the_first_of_each_order_in_order(wf):
    o1, o2 = submitted(wf), submitted(wf)
    due = wf.outbox.pending_effects()
    assert [(e.order_id, e.kind) for e in due] == [(o1.id, fx.CREATE_CHANNEL), (o2.id, fx.CREATE_CHANNEL)]
    assert due[0].id < due[1].id
    wf.outbox.effect_done(due[0].id)
    due = wf.outbox.pending_effects()
    assert [(e.order_id, e.kind) for e in due] == [(o1.id, fx.INVITE), (o2.id, fx.CREATE_CHANNEL)]
    for _ in range(7):  # the rest of o1's effects, one after the other
        wf.outbox.effect_done(wf.outbox.pending_effects()[0].id)
    assert [e.order_id for e in wf.outbox.pending_effects()] == [o2.id]
    assert [e.status for e in wf.effects() if e.order_id == o1.id] == ["done"] * 8
    assert wf.outbox.has_pending_effects()


def test_a_failed_effect_blocks_its_order_until_retried(wf):
    o1, o2 = submitted(wf), submitted(wf)
    first = wf.outbox.pending_effects()[0]
    wf.outbox.effect_started(first.id)  # the dispatcher counts the attempt before calling Slack
    wf.outbox.effect_failed(first.id, "channel_limit_reached")
    pending = wf.outbox.pending_effects()
    assert [(e.order_id, e.kind) for e in pending] == [(o2.id, fx.CREATE_CHANNEL), (None, fx.ALERT)]
    alert = pending[1].payload
    assert (alert["to"], alert["error"], alert["order"]) == (ADMIN, "channel_limit_reached", o1.number)
    wf.outbox.effect_done(pending[1].id)
    failed = wf.effects("failed")
    assert [(f.id, f.last_error, f.attempts) for f in failed] == [(first.id, "channel_limit_reached", 1)]
    assert wf.outbox.retry_effect(first.id) is True
    assert wf.outbox.retry_effect(first.id) is False  # no longer failed
    due = wf.outbox.pending_effects()
    assert [(e.id, e.order_id) for e in due] == [(first.id, o1.id), (due[1].id, o2.id)]
    assert due[0].attempts == 1


def test_retry_later_hides_the_effect_until_its_time(wf, clock):
    o1, o2 = submitted(wf), submitted(wf)
    first = wf.outbox.pending_effects()[0]
    wf.outbox.effect_started(first.id)
    wf.outbox.effect_retry_later(first.id, "ratelimited", 30)
    assert [e.order_id for e in wf.outbox.pending_effects()] == [o2.id]  # and o1's later ones wait too
    clock.advance(29)
    assert [e.order_id for e in wf.outbox.pending_effects()] == [o2.id]
    clock.advance(2)
    due = wf.outbox.pending_effects()
    assert [(e.id, e.attempts) for e in due][0] == (first.id, 1)
    assert [e.order_id for e in due] == [o1.id, o2.id]


def test_the_card_update_being_performed_covers_the_earlier_versions_not_a_later_change(wf):
    """As the dispatcher does: it performs the oldest pending card update, draws the card as the
    order is now, and supersedes the other updates that drawing already shows; a change made after
    the drawing keeps its own update."""
    order = in_progress(wf)
    wf.confirm(order.id, WORKER, 1, [line("Router swap", "3")])
    updates = [e for e in order_effects(wf, order.id, "pending") if e.kind == fx.UPDATE_CARD]
    assert len(updates) == 3  # approve, add field workers, confirm
    performing = updates[0]  # effects run in the order they were queued
    drawn = wf.order(order.id).version  # what the card being posted shows
    wf.confirm(order.id, WORKER, 2, [line("Router swap", "4")])  # a change after the drawing
    assert wf.outbox.supersede_card_updates(order.id, performing.id, drawn) == 2
    left = [e for e in order_effects(wf, order.id, "pending") if e.kind == fx.UPDATE_CARD]
    assert left[0].id == performing.id and len(left) == 2  # it, and the later change's own
    assert int(left[1].payload["version"]) > drawn
    done = {e.id: e for e in wf.effects("done")}
    assert {done[u.id].last_error for u in updates[1:]} == {"superseded"}


def test_no_pending_effects_when_all_done(wf):
    order = submitted(wf)
    for e in order_effects(wf, order.id):
        wf.outbox.effect_done(e.id)
    assert wf.outbox.pending_effects() == []
    assert not wf.outbox.has_pending_effects()


# ---------------------------------------------------------------- concurrency


def test_concurrent_submits_get_gap_free_distinct_numbers(wf):
    n = 20
    barrier = threading.Barrier(n)

    def submit(_: int) -> str:
        barrier.wait(timeout=30)
        return submitted(wf).number

    with ThreadPoolExecutor(max_workers=n) as pool:
        numbers = list(pool.map(submit, range(n)))  # re-raises any exception ("database is locked")
    assert sorted(numbers) == [f"SO-{i:04d}" for i in range(1, n + 1)]
    snap = snapshot(wf)
    assert (snap["orders"], snap["counter"]) == (n, n)
    names = [e.payload["name"] for e in wf.effects() if e.kind == fx.CREATE_CHANNEL]
    assert len(set(names)) == n


def race(*commands):  # type: ignore[no-untyped-def]
    """Run commands at the same moment, one thread each; their results or Refused, in order."""
    barrier = threading.Barrier(len(commands))

    def run(command):  # type: ignore[no-untyped-def]
        barrier.wait(timeout=30)
        try:
            return command()
        except Refused as refused:
            return refused

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(run, commands))


def test_concurrent_approve_and_reject_make_exactly_one_decision(wf):
    for _ in range(3):
        order = submitted(wf)
        outcomes = race(
            partial(wf.approve, order.id, SUPERVISOR),
            partial(wf.reject, order.id, SUPERVISOR_2, "No budget"),
        )
        views = [o for o in outcomes if not isinstance(o, Refused)]
        refusals = [o for o in outcomes if isinstance(o, Refused)]
        assert len(views) == 1 and len(refusals) == 1
        winner = views[0]
        assert refusals[0].code == "decided"
        assert refusals[0].decided_by == winner.decided_by
        final = wf.order(order.id)
        assert (final.status, final.decided_by) == (winner.status, winner.decided_by)
        with wf.engine.connect() as conn:
            decisions = conn.execute(
                text(
                    "select count(*) from activities where order_id = :o and kind in ('approved','rejected')"
                ),
                {"o": order.id},
            ).scalar_one()
        assert decisions == 1
        assert final.current_revision == (1 if final.status is Status.IN_PROGRESS else 0)


def test_extra_decimals_are_rounded_the_same_on_every_backend(wf):
    """Through the workflow API (not only the form), 1.0005 h × 10.005 is stored as 1.001 × 10.01."""
    order = wf.submit(REQUESTER, draft(lines=[line(quantity="1.0005", unit_price="10.005")]))
    stored = wf.order(order.id).lines[0]
    assert stored.quantity == Decimal("1.001") and stored.unit_price == Decimal("10.01")
    assert wf.order(order.id).total == Decimal("10.02") == order.total
