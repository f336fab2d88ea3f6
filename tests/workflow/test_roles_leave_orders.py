"""Item 10 in the workflow: a role taken away (by hand, by a sync, by untying) takes away, in the
same transaction, the supervisor memberships it gave and queues the removal from those channels;
what the person takes part in otherwise stays, and so does what another role still gives."""

from __future__ import annotations

from wf_helpers import ADMIN, NOBODY, REQUESTER, SUPERVISOR, SUPERVISOR_2, WORKER, draft, line

from workflow import effects as fx
from workflow.rules import Action, Role
from workflow.service import Workflow


def kicks(wf: Workflow) -> set[tuple[int | None, str]]:
    return {(e.order_id, e.payload["user"]) for e in wf.effects() if e.kind == fx.KICK}


def test_revoking_supervisor_leaves_the_orders_but_keeps_field_work(wf: Workflow):
    pending = wf.submit(REQUESTER, draft(title="pending"))
    worked = wf.submit(REQUESTER, draft(title="worked"))
    wf.approve(worked.id, SUPERVISOR_2)
    wf.add_field_workers(worked.id, REQUESTER, [SUPERVISOR])
    assert SUPERVISOR in wf.order(pending.id).supervisors and wf.may_see(wf.order(pending.id), SUPERVISOR)
    version = wf.order(pending.id).version

    assert wf.revoke(ADMIN, SUPERVISOR, "supervisor")
    assert SUPERVISOR not in wf.order(pending.id).supervisors
    assert not wf.may_see(wf.order(pending.id), SUPERVISOR)
    assert wf.may_see(wf.order(worked.id), SUPERVISOR)  # their field work stays theirs
    assert kicks(wf) == {(pending.id, SUPERVISOR)}  # the field worker keeps their seat
    assert wf.order(pending.id).version == version + 1  # the card no longer names them
    assert wf.check(worked.id, SUPERVISOR, Action.CONFIRM)  # as a field worker


def test_another_approving_role_keeps_the_memberships(wf: Workflow):
    order = wf.submit(REQUESTER, draft())
    wf.grant(ADMIN, SUPERVISOR, Role.ADMIN)
    assert wf.revoke(ADMIN, SUPERVISOR, "supervisor")
    assert SUPERVISOR in wf.order(order.id).supervisors and kicks(wf) == set()


def test_a_sync_and_an_untie_take_the_orders_too(wf: Workflow):
    wf.role_book.tie(ADMIN, "supervisor", "S0GROUP1", "leads")
    wf.sync_group("supervisor", [NOBODY], usergroup_id="S0GROUP1")
    first = wf.submit(REQUESTER, draft(title="first"))
    assert NOBODY in wf.order(first.id).supervisors
    wf.sync_group("supervisor", [], usergroup_id="S0GROUP1")
    assert NOBODY not in wf.order(first.id).supervisors and kicks(wf) == {(first.id, NOBODY)}

    wf.sync_group("supervisor", [WORKER], usergroup_id="S0GROUP1")
    second = wf.submit(REQUESTER, draft(title="second", lines=[line()]))
    wf.role_book.untie(ADMIN, "supervisor")
    assert WORKER not in wf.order(second.id).supervisors
    assert (second.id, WORKER) in kicks(wf)
