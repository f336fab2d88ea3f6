"""Self-checks and the technician attestation in the workflow (issue 14): the company's checklists
attached on approval (for every order, or for an order type) as copies of their templates; partial
saves with who and when per item; a required checklist not done blocks closing as completed and the
final confirmation, the refusal telling what is missing; closing as completed needs the attestation;
each revision keeps what its PDF prints."""

from __future__ import annotations

import dataclasses

import pytest
from wf_helpers import NOBODY, OTHER_WORKER, REQUESTER, SUPERVISOR, WORKER, draft, line

from forms.types import FieldValue
from workflow import checklists as checks
from workflow import commands as c
from workflow.checklists import ChecklistTemplate, ItemTemplate
from workflow.errors import Refused
from workflow.policy import Policy
from workflow.service import Workflow

SAFETY = ChecklistTemplate(
    "Safety",
    (
        ItemTemplate("Power off", "checkbox"),
        ItemTemplate("Gas tight", "checkbox"),
        ItemTemplate("Pressure (bar)", "number"),
        ItemTemplate("Remarks", "text", required=False),
        ItemTemplate("Photo of meter", "photo"),
    ),
    required=True,
)
HANDOVER = ChecklistTemplate("Handover", (ItemTemplate("Customer shown", "checkbox"),))
MAINTENANCE = ChecklistTemplate(
    "Filters", (ItemTemplate("Filter changed", "checkbox"),), field="order_type", values=("maintenance",)
)


@pytest.fixture
def policy() -> Policy:
    return Policy(checklists=(SAFETY, HANDOVER, MAINTENANCE))


def order_type(value: str) -> FieldValue:
    return FieldValue("new_order", "order_type", "Order type", "select", value, value.capitalize())


def in_progress(wf: Workflow, kind: str = "repair"):  # type: ignore[no-untyped-def]
    order = wf.submit(REQUESTER, dataclasses.replace(draft(), custom=[order_type(kind)]))
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    return wf.order(order.id)


def named(order, name: str):  # type: ignore[no-untyped-def]
    return next(x for x in order.checklists if x.name == name)


def answer(order, name: str, label: str, **given) -> c.CheckAnswer:  # type: ignore[no-untyped-def]
    item = next(i for i in named(order, name).items if i.label == label)
    return c.CheckAnswer(item.key, item.at, **given)


def save(wf: Workflow, actor: str, order, name: str, *answers: c.CheckAnswer):  # type: ignore[no-untyped-def]
    return wf.execute(actor, c.SelfCheck(order.id, named(order, name).id, answers))


def test_checklists_that_apply_are_attached_on_approval(wf: Workflow):
    pending = wf.submit(REQUESTER, dataclasses.replace(draft(), custom=[order_type("repair")]))
    assert wf.order(pending.id).checklists == ()  # not before approval
    repair = in_progress(wf, "repair")
    assert [x.name for x in repair.checklists] == ["Safety", "Handover"]
    maintenance = in_progress(wf, "maintenance")
    assert [x.name for x in maintenance.checklists] == ["Safety", "Handover", "Filters"]
    safety = named(repair, "Safety")
    assert safety.required and [i.kind for i in safety.items] == [
        "checkbox",
        "checkbox",
        "number",
        "text",
        "photo",
    ]
    assert safety.done_count == 0 and len(safety.missing) == 4  # Remarks is optional


def test_a_later_company_file_edit_does_not_change_an_attached_checklist(wf: Workflow):
    order = in_progress(wf)
    edited = ChecklistTemplate("Safety", (ItemTemplate("Only this now", "text"),), required=False)
    wf.policy = Policy(checklists=(edited,))
    after = wf.order(order.id)
    assert [i.label for i in named(after, "Safety").items] == [i.label for i in SAFETY.items]
    assert named(after, "Safety").required
    # a new order gets the template as it is now
    assert [i.label for i in named(in_progress(wf), "Safety").items] == ["Only this now"]


def test_a_required_checklist_blocks_closing_and_the_refusal_says_what_is_missing(wf: Workflow):
    order = in_progress(wf)
    save(wf, WORKER, order, "Safety", answer(order, "Safety", "Power off", checked=True))
    order = wf.order(order.id)
    save(wf, WORKER, order, "Safety", answer(order, "Safety", "Pressure (bar)", text="2,5"))
    with pytest.raises(Refused) as refused:
        wf.close(order.id, WORKER, "completed", attested=True)
    assert "Self-checks not done: Safety (2 of 5 items: Gas tight, Photo of meter)" in refused.value.message
    assert refused.value.field == "checklists"
    with pytest.raises(Refused) as final:
        wf.confirm(order.id, WORKER, 1, [line()], final=True, attested=True)
    assert "Safety (2 of 5 items" in final.value.message
    # work not performed: nothing to check, nothing to attest
    closed = wf.close(order.id, WORKER, "not_performed", "The site was locked")
    assert closed.status == "closed" and closed.attested_by is None
    assert checks.missing  # the pure function the sign-off uses too


def test_partial_saves_then_complete_then_close(wf: Workflow, clock):  # type: ignore[no-untyped-def]
    order = in_progress(wf)
    save(wf, WORKER, order, "Safety", answer(order, "Safety", "Power off", checked=True))
    clock.advance(60)
    order = wf.order(order.id)
    save(
        wf,
        SUPERVISOR,
        order,
        "Safety",
        answer(order, "Safety", "Gas tight", checked=True),
        answer(order, "Safety", "Pressure (bar)", text="2.5"),
        answer(order, "Safety", "Photo of meter", files=({"id": "F0METER1", "name": "meter.jpg"},)),
    )
    order = wf.order(order.id)
    safety = named(order, "Safety")
    assert safety.complete and safety.done_count == 4
    by_label = {i.label: i for i in safety.items}
    assert (by_label["Power off"].by, by_label["Gas tight"].by) == (WORKER, SUPERVISOR)
    assert by_label["Power off"].at < by_label["Gas tight"].at
    assert by_label["Photo of meter"].value == [{"id": "F0METER1", "name": "meter.jpg"}]
    assert by_label["Pressure (bar)"].value == "2.5"
    assert checks.missing_text(safety).startswith("Safety (0 of 5")
    with pytest.raises(Refused) as unattested:
        wf.close(order.id, WORKER, "completed")
    assert (
        unattested.value.field == "attest"
        and "I confirm the work was carried out" in unattested.value.message
    )
    closed = wf.close(order.id, WORKER, "completed", attested=True)
    assert (closed.status, closed.attested_by, closed.attested_at) == ("closed", WORKER, clock.now)
    # closed: the self-checks are what the order was closed with
    with pytest.raises(Refused):
        save(wf, WORKER, closed, "Handover", answer(closed, "Handover", "Customer shown", checked=True))


def test_a_final_confirmation_needs_the_attestation_and_records_it(wf: Workflow):
    order = in_progress(wf)
    full = (
        answer(order, "Safety", "Power off", checked=True),
        answer(order, "Safety", "Gas tight", checked=True),
        answer(order, "Safety", "Pressure (bar)", text="3"),
        answer(order, "Safety", "Photo of meter", files=({"id": "F1", "name": "m.png"},)),
    )
    save(wf, WORKER, order, "Safety", *full)
    with pytest.raises(Refused) as refused:
        wf.confirm(order.id, WORKER, 1, [line()], final=True)
    assert refused.value.field == "final"
    closed = wf.confirm(order.id, WORKER, 1, [line()], final=True, attested=True)
    assert closed.status == "closed" and closed.attested_by == WORKER
    rev = wf.revision(order.id, 2)
    assert rev.self_checks["attestation"]["by"] == WORKER
    [safety, handover] = rev.self_checks["checklists"]
    assert safety["name"] == "Safety" and safety["items"][2]["value"] == "3"
    assert handover["items"][0]["value"] is None
    # revision 1 keeps the checklists as they were at approval: nothing answered
    assert all(i["value"] is None for i in wf.revision(order.id, 1).self_checks["checklists"][0]["items"])


def test_bad_answers_and_stale_forms_and_who_may(wf: Workflow):
    order = in_progress(wf)
    with pytest.raises(Refused) as bad:
        save(wf, WORKER, order, "Safety", answer(order, "Safety", "Pressure (bar)", text="high"))
    key = next(i.key for i in named(order, "Safety").items if i.label == "Pressure (bar)")
    assert bad.value.field == f"item:{key}" and "type a number" in bad.value.message
    for outsider in (NOBODY, OTHER_WORKER):
        with pytest.raises(Refused) as role:
            save(wf, outsider, order, "Safety", answer(order, "Safety", "Power off", checked=True))
        assert role.value.code == "role"
    opened = order  # two people open the form; the first saves, the second's same item is stale
    save(wf, WORKER, opened, "Safety", answer(opened, "Safety", "Remarks", text="ok"))
    with pytest.raises(Refused) as stale:
        save(wf, SUPERVISOR, opened, "Safety", answer(opened, "Safety", "Remarks", text="other"))
    assert stale.value.code == "stale"
    # the same answers again change nothing (no new activity, the card not touched)
    now = wf.order(order.id)
    version = now.version
    save(wf, WORKER, now, "Safety", answer(now, "Safety", "Remarks", text="ok"))
    assert wf.order(order.id).version == version
    other = in_progress(wf)
    with pytest.raises(Refused) as elsewhere:
        wf.execute(
            WORKER, c.SelfCheck(other.id, named(order, "Safety").id, (c.CheckAnswer("i1", checked=True),))
        )
    assert elsewhere.value.code == "not_found"


def test_required_self_checks_not_done_block_signing_too(wf: Workflow, clock):  # type: ignore[no-untyped-def]
    """An order closed as completed without its required self-checks (closed before they were
    required, or put so by hand): the customer's sign-off is refused, saying what is missing."""
    from sqlmodel import Session

    from storage.models import Order
    from workflow import signoff

    order = in_progress(wf)
    with Session(wf.engine) as s:
        row = s.get(Order, order.id)
        row.status, row.outcome = "closed", "completed"
        s.add(row)
        s.commit()
    so = signoff.SignOff("Marta Ruiz", b"png", order.current_revision, "0" * 64)
    with Session(wf.engine) as s, pytest.raises(Refused) as refused:
        signoff.sign(s, wf.policy, clock.now, order.id, order.number, so)
    assert "Self-checks not done: Safety (4 of 5 items" in refused.value.message
