"""The transition × role table, checked against a matrix written out by hand.

The expectations below are deliberately NOT computed from RULES: editing the table without
editing this file must fail a test.
"""

from __future__ import annotations

import pytest

from workflow.rules import RULES, Action, Relation, Role, Status, decide, who_may

A, R, X, S = Action, Role, Relation, Status

# action -> (company roles that may, relations to the order that may, states it may happen in)
EXPECTED: dict[Action, tuple[set[Role], set[Relation], set[Status | None]]] = {
    A.SUBMIT: ({R.COORDINATOR, R.ADMIN}, set(), {None}),
    A.APPROVE: ({R.SUPERVISOR, R.ADMIN}, set(), {S.PENDING_APPROVAL}),
    A.REJECT: ({R.SUPERVISOR, R.ADMIN}, set(), {S.PENDING_APPROVAL}),
    A.ADD_FIELD_WORKERS: ({R.COORDINATOR, R.SUPERVISOR, R.ADMIN}, {X.REQUESTER}, {S.IN_PROGRESS}),
    A.CONFIRM: ({R.SUPERVISOR, R.ADMIN}, {X.REQUESTER, X.FIELD_WORKER}, {S.IN_PROGRESS}),
    A.CLOSE: ({R.SUPERVISOR, R.ADMIN}, {X.REQUESTER, X.FIELD_WORKER}, {S.IN_PROGRESS}),
    A.CANCEL: (
        {R.COORDINATOR, R.SUPERVISOR, R.ADMIN},
        {X.REQUESTER},
        {S.PENDING_APPROVAL, S.IN_PROGRESS, S.CLOSED},
    ),
    A.REINSTATE: ({R.COORDINATOR, R.ADMIN}, set(), {S.CANCELLED}),
    A.DELETE: ({R.ADMIN}, set(), {S.PENDING_APPROVAL, S.REJECTED, S.CANCELLED}),
    A.EMAIL_CUSTOMER: (
        {R.COORDINATOR, R.SUPERVISOR, R.ADMIN},
        {X.REQUESTER},
        {S.IN_PROGRESS, S.CLOSED, S.READY_FOR_INVOICING, S.INVOICED},
    ),
    A.CUSTOMER_LINK: (
        {R.COORDINATOR, R.SUPERVISOR, R.ADMIN},
        {X.REQUESTER},
        {S.IN_PROGRESS, S.CLOSED, S.READY_FOR_INVOICING, S.INVOICED},
    ),
    A.CREATE_BACKORDER: ({R.COORDINATOR, R.ADMIN}, set(), {S.READY_FOR_INVOICING, S.INVOICED}),
    A.NOTE: ({R.SUPERVISOR, R.ADMIN}, {X.REQUESTER, X.FIELD_WORKER}, set(Status)),
    A.CUSTOMER_COPY: (
        {R.COORDINATOR, R.SUPERVISOR, R.ADMIN},
        {X.REQUESTER, X.FIELD_WORKER},
        {S.IN_PROGRESS, S.CLOSED},
    ),
    A.READY_FOR_INVOICING: ({R.COORDINATOR, R.ADMIN}, set(), {S.CLOSED}),
    A.MARK_INVOICED: ({R.COORDINATOR, R.ADMIN}, set(), {S.READY_FOR_INVOICING}),
    A.RESTORE: ({R.ADMIN}, set(), {S.READY_FOR_INVOICING, S.INVOICED}),
    A.START_WORK: ({R.SUPERVISOR, R.ADMIN}, {X.FIELD_WORKER}, {S.IN_PROGRESS}),
    A.STOP_WORK: ({R.SUPERVISOR, R.ADMIN}, {X.FIELD_WORKER}, {S.IN_PROGRESS}),
    A.LOG_TIME: ({R.SUPERVISOR, R.ADMIN}, {X.FIELD_WORKER}, {S.IN_PROGRESS}),
    A.CORRECT_TIME: ({R.COORDINATOR, R.ADMIN}, {X.TIME_AUTHOR}, {S.IN_PROGRESS, S.CLOSED}),
    A.ARTICLES: (
        {R.COORDINATOR, R.SUPERVISOR, R.ADMIN},
        {X.REQUESTER, X.FIELD_WORKER},
        {S.IN_PROGRESS, S.CLOSED},
    ),
    A.USE_ARTICLES: (
        {R.COORDINATOR, R.SUPERVISOR, R.ADMIN},
        {X.REQUESTER, X.FIELD_WORKER},
        {S.IN_PROGRESS, S.CLOSED},
    ),
    A.SELF_CHECKS: ({R.SUPERVISOR, R.ADMIN}, {X.REQUESTER, X.FIELD_WORKER}, {S.IN_PROGRESS}),
}

WHO_MAY = {
    A.SUBMIT: "a coordinator or an admin",
    A.APPROVE: "a supervisor or an admin",
    A.REJECT: "a supervisor or an admin",
    A.ADD_FIELD_WORKERS: "a coordinator, a supervisor, an admin or the order's requester",
    A.CONFIRM: "a supervisor, an admin, the order's requester or one of the order's field workers",
    A.CLOSE: "a supervisor, an admin, the order's requester or one of the order's field workers",
    A.CANCEL: "a coordinator, a supervisor, an admin or the order's requester",
    A.REINSTATE: "a coordinator or an admin",
    A.DELETE: "an admin",
    A.EMAIL_CUSTOMER: "a coordinator, a supervisor, an admin or the order's requester",
    A.CUSTOMER_LINK: "a coordinator, a supervisor, an admin or the order's requester",
    A.CREATE_BACKORDER: "a coordinator or an admin",
    A.NOTE: "a supervisor, an admin, the order's requester or one of the order's field workers",
    A.CUSTOMER_COPY: (
        "a coordinator, a supervisor, an admin, the order's requester or one of the order's field workers"
    ),
    A.READY_FOR_INVOICING: "a coordinator or an admin",
    A.MARK_INVOICED: "a coordinator or an admin",
    A.RESTORE: "an admin",
    A.START_WORK: "a supervisor, an admin or one of the order's field workers",
    A.STOP_WORK: "a supervisor, an admin or one of the order's field workers",
    A.LOG_TIME: "a supervisor, an admin or one of the order's field workers",
    A.CORRECT_TIME: "a coordinator, an admin or the person who recorded the time",
    A.ARTICLES: (
        "a coordinator, a supervisor, an admin, the order's requester or one of the order's field workers"
    ),
    A.USE_ARTICLES: (
        "a coordinator, a supervisor, an admin, the order's requester or one of the order's field workers"
    ),
    A.SELF_CHECKS: "a supervisor, an admin, the order's requester or one of the order's field workers",
}

TO_STATE = {
    A.SUBMIT: S.PENDING_APPROVAL,
    A.APPROVE: S.IN_PROGRESS,
    A.REJECT: S.REJECTED,
    A.ADD_FIELD_WORKERS: None,
    A.CONFIRM: None,
    A.CLOSE: S.CLOSED,
    A.CANCEL: S.CANCELLED,
    A.REINSTATE: None,  # back to the state it was cancelled from
    A.DELETE: None,  # gone
    A.EMAIL_CUSTOMER: None,
    A.CUSTOMER_LINK: None,  # a link answered, nothing changed
    A.CREATE_BACKORDER: None,  # the original stays; the backorder waits for approval
    A.NOTE: None,
    A.CUSTOMER_COPY: None,
    A.READY_FOR_INVOICING: S.READY_FOR_INVOICING,
    A.MARK_INVOICED: S.INVOICED,
    A.RESTORE: S.CLOSED,
    A.START_WORK: None,
    A.STOP_WORK: None,
    A.LOG_TIME: None,
    A.CORRECT_TIME: None,
    A.ARTICLES: None,
    A.USE_ARTICLES: None,
    A.SELF_CHECKS: None,
}


def a_valid_state(action: Action) -> Status | None:
    return sorted(EXPECTED[action][2], key=str)[0]


def test_the_table_covers_exactly_the_expected_actions():
    assert set(RULES) == set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_each_action_leads_to_the_expected_state(action):
    assert RULES[action].to_state == TO_STATE[action]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_every_role_for_every_action(action, role):
    roles, _, _ = EXPECTED[action]
    verdict = decide(action, {role}, status=a_valid_state(action))
    if role in roles:
        assert verdict.allowed, f"{role} should be able to {action}"
        assert verdict.reason == ""
    else:
        assert not verdict.allowed, f"{role} should not be able to {action}"
        assert verdict.reason == "role"
        assert verdict.who == WHO_MAY[action]


@pytest.mark.parametrize("relation", list(Relation))
@pytest.mark.parametrize("action", [a for a in Action if a is not A.SUBMIT])
def test_every_relation_for_every_action(action, relation):
    """A person with no company role, standing to the order as requester or field worker."""
    _, relations, _ = EXPECTED[action]
    verdict = decide(action, set(), {relation}, status=a_valid_state(action))
    assert verdict.allowed is (relation in relations)
    if not verdict.allowed:
        assert verdict.reason == "role"
        assert verdict.who == WHO_MAY[action]


@pytest.mark.parametrize("action", list(Action))
def test_nobody_without_roles_or_relations_may_do_anything(action):
    verdict = decide(action, set(), set(), status=a_valid_state(action))
    assert (verdict.allowed, verdict.reason, verdict.who) == (False, "role", WHO_MAY[action])


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", [a for a in Action if a is not A.SUBMIT])
def test_every_state_for_every_action(action, status):
    _, _, states = EXPECTED[action]
    verdict = decide(action, {R.ADMIN}, status=status)
    if status in states:
        assert verdict.allowed
    else:
        assert (verdict.allowed, verdict.reason) == (False, "state")


def test_submit_needs_no_state():
    assert decide(A.SUBMIT, {R.COORDINATOR}).allowed


def test_role_is_checked_before_state():
    """Someone who may never do it is told who may, not that the order is in the wrong state."""
    verdict = decide(A.APPROVE, {R.FIELD_WORKER}, status=S.CLOSED)
    assert verdict.reason == "role"


@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT])
def test_requester_may_not_decide_on_own_order(action):
    verdict = decide(action, {R.SUPERVISOR}, {X.REQUESTER}, S.PENDING_APPROVAL, is_requester=True)
    assert (verdict.allowed, verdict.reason) == (False, "own_order")
    allowed = decide(
        action, {R.SUPERVISOR}, {X.REQUESTER}, S.PENDING_APPROVAL, is_requester=True, allow_self_approval=True
    )
    assert allowed.allowed


@pytest.mark.parametrize("action", [A.CONFIRM, A.CLOSE, A.ADD_FIELD_WORKERS, A.CANCEL])
def test_requester_may_act_on_own_order_otherwise(action):
    verdict = decide(action, {R.COORDINATOR}, {X.REQUESTER}, S.IN_PROGRESS, is_requester=True)
    assert verdict.allowed


def test_who_may_in_words():
    for action, words in WHO_MAY.items():
        assert who_may(action) == words
    assert who_may(Action.APPROVE) == "a supervisor or an admin"


def test_refusal_names_the_roles_that_may():
    verdict = decide(A.APPROVE, {R.FIELD_WORKER}, status=S.PENDING_APPROVAL)
    assert "a supervisor" in verdict.who and "an admin" in verdict.who
    assert "field worker" not in verdict.who


def test_unknown_role_strings_grant_nothing():
    verdict = decide(A.APPROVE, {"superuser", "root"}, status=S.PENDING_APPROVAL)
    assert (verdict.allowed, verdict.reason) == (False, "role")
