"""The commands follow the rules table: for every row of RULES, every status and every kind of
person (each company role, each relation to the order), the real command is carried out
(Workflow.execute) and does exactly what the row says — allowed or refused, and the order left in
the row's target state, or where it was.

test_rules.py pins the table against a matrix written by hand; this test walks the table itself,
so a command that sets a status by hand, or checks a role the table does not name, fails here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import count

import pytest
from wf_helpers import Clock, draft

from storage.db import create_schema, make_engine
from workflow import commands as c
from workflow.checklists import ChecklistTemplate, ItemTemplate
from workflow.policy import Policy
from workflow.rules import RULES, Action, Relation, Role, Status
from workflow.service import Refused, Workflow

A, S = Action, Status
SUBMITTER = "U_SUBMITTER"  # a coordinator who submits every order, and never acts on it after
HELPER = "U_HELPER"  # a field worker (role) the add-field-workers command adds
REQUESTER_ONLY = "U_REQ_ONLY"  # submits as coordinator, then loses the role: the relation alone
WORKER_ONLY = "U_FW_ONLY"  # on the order as field worker, with no company role left

# Who acts: one person per company role (no relation to the order), or a relation with no role.
ACTORS: dict[str, tuple[frozenset[Role], frozenset[Relation]]] = {
    **{f"U_{r.value}": (frozenset({r}), frozenset()) for r in Role},
    REQUESTER_ONLY: (frozenset(), frozenset({Relation.REQUESTER})),
    WORKER_ONLY: (frozenset(), frozenset({Relation.FIELD_WORKER})),
}

CAN_REACH_WITH_A_FIELD_WORKER = {S.IN_PROGRESS, S.CLOSED, S.CANCELLED, S.READY_FOR_INVOICING, S.INVOICED}
OFFICE = "U_OFFICE"  # a coordinator who takes closed orders to the invoice
WALK_CHECK = ChecklistTemplate("Walk", (ItemTemplate("Walked", "checkbox"),))


@pytest.fixture(scope="module")
def wf(tmp_path_factory: pytest.TempPathFactory) -> Workflow:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('walk') / 'walk.db'}")
    create_schema(engine)
    w = Workflow(
        engine, Policy(vat_rate=Decimal(21), email_enabled=True, checklists=(WALK_CHECK,)), clock=Clock()
    )  # a rate: the gate lets orders by; a self-check on every order (not required: closing walks)
    for user, (roles, _) in ACTORS.items():
        for role in roles:
            w.grant("test", user, role, check=False)
    for user, role in [
        (SUBMITTER, "coordinator"),
        (HELPER, "field_worker"),
        ("U_SUP", "supervisor"),
        (OFFICE, "coordinator"),
    ]:
        w.grant("test", user, role, check=False)
    return w


numbers = count(1)


def order_in(wf: Workflow, status: Status, relation: Relation | None) -> int:
    """A new order in status; its requester is REQUESTER_ONLY when relation is REQUESTER, and
    WORKER_ONLY is on it as field worker when relation is FIELD_WORKER (added while in progress)."""
    submitter = SUBMITTER
    if relation is Relation.REQUESTER:
        wf.grant("test", REQUESTER_ONLY, "coordinator", check=False)
        submitter = REQUESTER_ONLY
    order = wf.submit(submitter, draft(title=f"Walk {next(numbers)}"))
    if relation is Relation.REQUESTER:
        wf.revoke("test", REQUESTER_ONLY, "coordinator", check=False)
    wf.record_channel(order.id, f"C{order.id:08d}", order.number.lower())
    if status is S.REJECTED:
        wf.reject(order.id, "U_SUP", "Not this month.")
    elif status is not S.PENDING_APPROVAL:
        wf.approve(order.id, "U_SUP")
        if relation is Relation.FIELD_WORKER:
            wf.grant("test", WORKER_ONLY, "field_worker", check=False)
            wf.add_field_workers(order.id, "U_SUP", [WORKER_ONLY])
            wf.revoke("test", WORKER_ONLY, "field_worker", check=False)
        if status in (S.CLOSED, S.READY_FOR_INVOICING, S.INVOICED):
            wf.close(order.id, "U_SUP", "completed", attested=True)
        if status in (S.READY_FOR_INVOICING, S.INVOICED):
            wf.execute(OFFICE, c.ReadyForInvoicing(order.id))
        if status is S.INVOICED:
            wf.execute(OFFICE, c.MarkInvoiced(order.id, "FV-1"))
        elif status is S.CANCELLED:
            wf.cancel(order.id, "U_SUP", "The client called it off.")
    assert wf.order(order.id).status == status
    return order.id


def command_for(wf: Workflow, action: Action, order_id: int) -> c.Command | None:
    """The command a row's action is (None: Customer link, a check with no change)."""
    if action is A.CUSTOMER_LINK:
        return None
    order = wf.order(order_id)
    same_lines = tuple(
        c.LineDraft(x.kind, x.description, x.quantity, x.unit, x.unit_price) for x in order.lines
    )
    made: dict[Action, Callable[[], c.Command]] = {
        A.APPROVE: lambda: c.Approve(order_id),
        A.REJECT: lambda: c.Reject(order_id, "Too expensive."),
        A.ADD_FIELD_WORKERS: lambda: c.AddFieldWorkers(order_id, (HELPER,)),
        A.CONFIRM: lambda: c.Confirm(order_id, order.current_revision, same_lines, "Done as planned."),
        A.CLOSE: lambda: c.Close(order_id, "not_performed", "The site was locked."),
        A.CANCEL: lambda: c.Cancel(order_id, "Duplicate of another order."),
        A.REINSTATE: lambda: c.Reinstate(order_id),
        A.DELETE: lambda: c.Delete(order_id, order.number),
        A.EMAIL_CUSTOMER: lambda: c.EmailCustomer(order_id, "marta@clinica.example", "Your order", "Hello"),
        A.CREATE_BACKORDER: lambda: c.CreateBackorder(order_id, (0,)),
        A.CUSTOMER_COPY: lambda: c.CustomerCopy(order_id),
        A.NOTE: lambda: c.Note(order.channel_id or "", f"Ev{next(numbers)}", "1.000100", "On my way."),
        A.READY_FOR_INVOICING: lambda: c.ReadyForInvoicing(order_id),
        A.MARK_INVOICED: lambda: c.MarkInvoiced(order_id, "FV-2026-0001"),
        A.RESTORE: lambda: c.Restore(order_id, "The client's VAT number was wrong."),
        A.START_WORK: lambda: c.StartWork(order_id, "Walker"),
        A.STOP_WORK: lambda: c.StopWork(order_id),
        A.LOG_TIME: lambda: c.LogTime(order_id, wf.clock().date(), 30, "Walked"),
        A.ARTICLES: lambda: c.Articles(order_id, (c.ArticleDraft("Router AX", Decimal(1), "pcs"),)),
        A.USE_ARTICLES: lambda: c.UseArticles(order_id),
        A.SELF_CHECKS: lambda: c.SelfCheck(
            order_id,
            order.checklists[0].id if order.checklists else 0,
            (c.CheckAnswer("i1", "", checked=True),),
        ),
    }
    return made[action]()


# Correcting time stands on a relation to one time entry (its author), not to the order: its rows
# are walked in tests/workflow/test_timesheet.py.
WALKED_ELSEWHERE = {A.CORRECT_TIME}


CASES = [
    (action, status, actor)
    for action in RULES
    if action is not A.SUBMIT and action not in WALKED_ELSEWHERE
    for status in Status
    for actor in ACTORS
    if ACTORS[actor][1] != {Relation.FIELD_WORKER} or status in CAN_REACH_WITH_A_FIELD_WORKER
]


@pytest.mark.parametrize(("action", "status", "actor"), CASES)
def test_each_command_does_what_its_row_says(wf: Workflow, action: Action, status: Status, actor: str):
    rule = RULES[action]
    roles, relations = ACTORS[actor]
    relation = next(iter(relations), None)
    order_id = order_in(wf, status, relation)
    may = bool(rule.roles & roles or rule.relations & relations)
    allowed = may and status in rule.from_states
    if action in (A.APPROVE, A.REJECT) and relation is Relation.REQUESTER:
        allowed = False  # nobody approves their own order (Policy.allow_self_approval off)
    cmd = command_for(wf, action, order_id)

    def run() -> object:
        return wf.check(order_id, actor, action) if cmd is None else wf.execute(actor, cmd)

    if allowed and action is A.STOP_WORK:  # a timer to stop (starting one is the same row)
        wf.execute(actor, c.StartWork(order_id))
    if allowed and action is A.USE_ARTICLES:  # an article delivered to use (adding it: the same row)
        wf.execute(actor, c.Articles(order_id, (c.ArticleDraft("Router AX", Decimal(1), "pcs"),)))
        article = wf.order(order_id).articles[-1]
        wf.execute(
            actor, c.Articles(order_id, statuses=(c.ArticleStatus(article.id, "to_order", "delivered"),))
        )
    if allowed and action is A.DELETE and wf.order(order_id).current_revision > 0:
        with pytest.raises(Refused) as refused:  # approved, then cancelled: its work exists
            wf.execute(actor, cmd)
        assert refused.value.code == "approved"
    elif allowed and action is A.DELETE:
        number = wf.order(order_id).number
        wf.execute(actor, cmd)
        assert wf.find(number) is None
    elif allowed:
        run()
        if action is A.REINSTATE:  # back where it was cancelled from
            assert wf.order(order_id).status in RULES[A.CANCEL].from_states
        else:
            assert wf.order(order_id).status == (rule.to_state or status)
        if action is A.START_WORK:  # one running timer per person: the next case starts another
            wf.execute(actor, c.StopWork(order_id))
    else:
        with pytest.raises(Refused) as refused:
            run()
        why = "role" if not may else "state" if status not in rule.from_states else "own_order"
        # "decided": the state refusal of an approval or rejection, naming who decided and when
        # "approved": an admin deleting an order that was approved is told why it cannot go
        also = {"decided", "approved"} if why == "state" else set()
        assert refused.value.code in {why} | also
        assert wf.order(order_id).status == status


@pytest.mark.parametrize("actor", list(ACTORS))
def test_submit_does_what_its_row_says(wf: Workflow, actor: str):
    rule = RULES[A.SUBMIT]
    roles, _ = ACTORS[actor]
    cmd = c.Submit(c.order_draft(draft(title="Walk submit")))
    if rule.roles & roles:
        assert wf.execute(actor, cmd).status == rule.to_state
    else:
        with pytest.raises(Refused) as refused:
            wf.execute(actor, cmd)
        assert refused.value.code == "role"


def test_the_walk_reaches_every_row_and_status():
    assert {a for a, _, _ in CASES} | {A.SUBMIT} | WALKED_ELSEWHERE == set(RULES) == set(Action)
    assert {s for _, s, _ in CASES} == set(Status)
