"""States, transitions and who may do what: one table, no Slack in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Status(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    IN_PROGRESS = "in_progress"
    REJECTED = "rejected"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    READY_FOR_INVOICING = "ready_for_invoicing"  # the invoice data went out; the lines are frozen
    INVOICED = "invoiced"


# The field work is over: no confirmation, no close, no field workers (the office's steps remain)
ENDED = frozenset(
    {Status.REJECTED, Status.CLOSED, Status.CANCELLED, Status.READY_FOR_INVOICING, Status.INVOICED}
)

STATUS_TEXT = {
    Status.PENDING_APPROVAL: "Pending approval",
    Status.IN_PROGRESS: "In progress",
    Status.REJECTED: "Rejected",
    Status.CLOSED: "Closed",
    Status.CANCELLED: "Cancelled",
    Status.READY_FOR_INVOICING: "Ready for invoicing",
    Status.INVOICED: "Invoiced",
}


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    FIELD_WORKER = "field_worker"


ROLE_TEXT = {
    Role.ADMIN: "an admin",
    Role.COORDINATOR: "a coordinator",
    Role.SUPERVISOR: "a supervisor",
    Role.FIELD_WORKER: "a field worker",
}


class Relation(StrEnum):
    """How a person stands to one order (as opposed to their roles in the company)."""

    REQUESTER = "requester"
    FIELD_WORKER = "field_worker"
    TIME_AUTHOR = "time_author"  # of one time entry: who recorded it


RELATION_TEXT = {
    Relation.REQUESTER: "the order's requester",
    Relation.FIELD_WORKER: "one of the order's field workers",
    Relation.TIME_AUTHOR: "the person who recorded the time",
}


class Outcome(StrEnum):
    COMPLETED = "completed"
    COMPLETED_WITH_CHANGES = "completed_with_changes"
    NOT_PERFORMED = "not_performed"


OUTCOME_TEXT = {
    Outcome.COMPLETED: "Completed as specified",
    Outcome.COMPLETED_WITH_CHANGES: "Completed with adjustments",
    Outcome.NOT_PERFORMED: "Not performed",
}


def status_text(status: Status, outcome: str = "") -> str:
    """How people read a status: "In progress", "Closed — Completed with adjustments"."""
    text = STATUS_TEXT[status]
    if status is Status.CLOSED and outcome:
        text += f" — {OUTCOME_TEXT.get(outcome, outcome)}"  # type: ignore[call-overload]
    return text


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    ADD_FIELD_WORKERS = "add_field_workers"
    CONFIRM = "confirm"
    CLOSE = "close"
    CANCEL = "cancel"
    REINSTATE = "reinstate"
    DELETE = "delete"
    CREATE_BACKORDER = "create_backorder"
    NOTE = "note"
    CUSTOMER_COPY = "customer_copy"
    EMAIL_CUSTOMER = "email_customer"
    CUSTOMER_LINK = "customer_link"
    READY_FOR_INVOICING = "ready_for_invoicing"
    MARK_INVOICED = "mark_invoiced"
    RESTORE = "restore"
    START_WORK = "start_work"
    STOP_WORK = "stop_work"
    LOG_TIME = "log_time"
    CORRECT_TIME = "correct_time"
    ARTICLES = "articles"
    USE_ARTICLES = "use_articles"
    SELF_CHECKS = "self_checks"


ACTION_TEXT = {
    Action.SUBMIT: "submit orders",
    Action.APPROVE: "approve orders",
    Action.REJECT: "reject orders",
    Action.ADD_FIELD_WORKERS: "add field workers",
    Action.CONFIRM: "create confirmations",
    Action.CLOSE: "close orders",
    Action.CANCEL: "cancel orders",
    Action.REINSTATE: "reinstate cancelled orders",
    Action.DELETE: "delete orders",
    Action.CREATE_BACKORDER: "create backorders",
    Action.NOTE: "add notes",
    Action.CUSTOMER_COPY: "get customer copies",
    Action.EMAIL_CUSTOMER: "email the customer",
    Action.CUSTOMER_LINK: "get the customer's link to the order page",
    Action.READY_FOR_INVOICING: "mark orders ready for invoicing",
    Action.MARK_INVOICED: "mark orders invoiced",
    Action.RESTORE: "restore orders sent for invoicing",
    Action.START_WORK: "record time on this order",
    Action.STOP_WORK: "record time on this order",
    Action.LOG_TIME: "record time on this order",
    Action.CORRECT_TIME: "correct this time",
    Action.ARTICLES: "change the articles to be ordered",
    Action.USE_ARTICLES: "move delivered articles into the lines",
    Action.SELF_CHECKS: "fill in self-checks",
}


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[Status]  # empty for SUBMIT (there is no order yet)
    to_state: Status | None  # None: the status does not change
    roles: frozenset[Role]  # any of these company roles may do it
    relations: frozenset[Relation] = frozenset()  # ... or anyone standing so to the order


def _r(states, to, roles, relations=()):  # type: ignore[no-untyped-def]
    return Rule(frozenset(states), to, frozenset(roles), frozenset(relations))


S, R, X = Status, Role, Relation
RULES: dict[Action, Rule] = {
    Action.SUBMIT: _r((), S.PENDING_APPROVAL, (R.COORDINATOR, R.ADMIN)),
    Action.APPROVE: _r((S.PENDING_APPROVAL,), S.IN_PROGRESS, (R.SUPERVISOR, R.ADMIN)),
    Action.REJECT: _r((S.PENDING_APPROVAL,), S.REJECTED, (R.SUPERVISOR, R.ADMIN)),
    Action.ADD_FIELD_WORKERS: _r(
        (S.IN_PROGRESS,), None, (R.COORDINATOR, R.SUPERVISOR, R.ADMIN), (X.REQUESTER,)
    ),
    Action.CONFIRM: _r((S.IN_PROGRESS,), None, (R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)),
    Action.CLOSE: _r((S.IN_PROGRESS,), S.CLOSED, (R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)),
    # Called off before its invoice data went out (from closed too: a job the client then refused);
    # Reinstate puts it back in the state it was cancelled from (the office's call).
    Action.CANCEL: _r(
        (S.PENDING_APPROVAL, S.IN_PROGRESS, S.CLOSED),
        S.CANCELLED,
        (R.COORDINATOR, R.SUPERVISOR, R.ADMIN),
        (X.REQUESTER,),
    ),
    Action.REINSTATE: _r((S.CANCELLED,), None, (R.COORDINATOR, R.ADMIN)),
    # Gone for good: an order typed by mistake, never approved (workflow.checks refuses one that was
    # approved and then cancelled: its work and PDFs exist); its number is never used again.
    Action.DELETE: _r((S.PENDING_APPROVAL, S.REJECTED, S.CANCELLED), None, (R.ADMIN,)),
    # What is still to do once an order went to the accounting: a new order (SO-0042-1) with the
    # lines picked from it, waiting for approval like any other
    Action.CREATE_BACKORDER: _r((S.READY_FOR_INVOICING, S.INVOICED), None, (R.COORDINATOR, R.ADMIN)),
    # Notes and photos are recorded whatever the status: they are history, not a transition. They
    # come from the people who take part in the order: its requester and field workers, and the
    # supervisors and admins who decide on it. Anyone else in the channel is heard, not recorded.
    Action.NOTE: _r(tuple(Status), None, (R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)),
    # The approved revision without prices, for the client: once there is one, and while the order is
    # live or done (a cancelled order's work is not handed over).
    Action.CUSTOMER_COPY: _r(
        (S.IN_PROGRESS, S.CLOSED), None, (R.COORDINATOR, R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)
    ),
    # The order emailed to the customer (its current PDF), once it has one: by its requester and the
    # office (coordinators, supervisors, admins), from the order's card
    Action.EMAIL_CUSTOMER: _r(
        (S.IN_PROGRESS, S.CLOSED, S.READY_FOR_INVOICING, S.INVOICED),
        None,
        (R.COORDINATOR, R.SUPERVISOR, R.ADMIN),
        (X.REQUESTER,),
    ),
    # The link to the customer's order page (bot.web), where they follow the order and sign it off:
    # handed out by the same people who email the customer
    Action.CUSTOMER_LINK: _r(
        (S.IN_PROGRESS, S.CLOSED, S.READY_FOR_INVOICING, S.INVOICED),
        None,
        (R.COORDINATOR, R.SUPERVISOR, R.ADMIN),
        (X.REQUESTER,),
    ),
    # The office's half: a closed order's invoice data goes out once the company's rules are met
    # (workflow.invoicing); then the accounting marks it invoiced. Restore reopens the invoice
    # data (back to closed); the next Ready for invoicing sends a correcting revision.
    Action.READY_FOR_INVOICING: _r((S.CLOSED,), S.READY_FOR_INVOICING, (R.COORDINATOR, R.ADMIN)),
    Action.MARK_INVOICED: _r((S.READY_FOR_INVOICING,), S.INVOICED, (R.COORDINATOR, R.ADMIN)),
    Action.RESTORE: _r((S.READY_FOR_INVOICING, S.INVOICED), S.CLOSED, (R.ADMIN,)),
    # Time from the field: the order's field workers (and the supervisors and admins, who may work on
    # it too) record their own time while it is in progress (a closing order stops running timers).
    # Recorded time becomes labour lines in the next confirmation, or in the invoice revision; its
    # author or the office corrects it until the order is ready for invoicing.
    Action.START_WORK: _r((S.IN_PROGRESS,), None, (R.SUPERVISOR, R.ADMIN), (X.FIELD_WORKER,)),
    Action.STOP_WORK: _r((S.IN_PROGRESS,), None, (R.SUPERVISOR, R.ADMIN), (X.FIELD_WORKER,)),
    Action.LOG_TIME: _r((S.IN_PROGRESS,), None, (R.SUPERVISOR, R.ADMIN), (X.FIELD_WORKER,)),
    Action.CORRECT_TIME: _r((S.IN_PROGRESS, S.CLOSED), None, (R.COORDINATOR, R.ADMIN), (X.TIME_AUTHOR,)),
    # Articles to be ordered (workflow.articles): the order's people add them and follow them from
    # to order to delivered; delivered ones become material lines in a new revision (Use).
    Action.ARTICLES: _r(
        (S.IN_PROGRESS, S.CLOSED), None, (R.COORDINATOR, R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)
    ),
    Action.USE_ARTICLES: _r(
        (S.IN_PROGRESS, S.CLOSED), None, (R.COORDINATOR, R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)
    ),
    # Self-checks (workflow.checklists): the people who may confirm fill them in while the work goes
    # on; required ones block closing. Closed, they are what the order was closed with.
    Action.SELF_CHECKS: _r((S.IN_PROGRESS,), None, (R.SUPERVISOR, R.ADMIN), (X.REQUESTER, X.FIELD_WORKER)),
}

# Who decides on new orders: asked to approve, shown what waits for approval, made members of new
# orders (as "supervisor"), and told of what goes wrong on the Home.
APPROVERS: frozenset[Role] = RULES[Action.APPROVE].roles


class Power(StrEnum):
    """What a person may do beyond an order's transitions: company-wide, by their roles alone."""

    MANAGE_ROLES = "manage_roles"
    MANAGE_MASTER_DATA = "manage_master_data"
    SEE_ALL_ORDERS = "see_all_orders"  # search and export every order, not only their own
    SET_CATALOG_PRICES = "set_catalog_prices"  # change a catalog line's price (SO_CATALOG_PRICES)
    GET_INVOICE_DATA = "get_invoice_data"  # /so invoice: an order's invoice files by DM


POWERS: dict[Power, frozenset[Role]] = {
    Power.MANAGE_ROLES: frozenset({Role.ADMIN}),
    Power.MANAGE_MASTER_DATA: frozenset({Role.ADMIN}),
    Power.SEE_ALL_ORDERS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR}),
    Power.SET_CATALOG_PRICES: APPROVERS,
    Power.GET_INVOICE_DATA: RULES[Action.READY_FOR_INVOICING].roles,
}

POWER_TEXT = {
    Power.MANAGE_ROLES: "change roles",
    Power.MANAGE_MASTER_DATA: "change the clients and the catalog",
    Power.SEE_ALL_ORDERS: "see every order",
    Power.SET_CATALOG_PRICES: "change catalog prices",
    Power.GET_INVOICE_DATA: "get invoice data",
}


def has_power(power: Power, roles: frozenset[str] | set[str]) -> bool:
    """Whether a person with these roles may do what power names."""
    return bool(POWERS[power] & set(roles))


def who_has(power: Power) -> str:
    """'an admin' — the roles that hold power, in words."""
    names = [
        ROLE_TEXT[r]
        for r in (Role.COORDINATOR, Role.SUPERVISOR, Role.FIELD_WORKER, Role.ADMIN)
        if r in POWERS[power]
    ]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# The buttons of the order card, in order, per status (the card shows what can be done now).
CARD_ACTIONS: dict[Status, tuple[Action, ...]] = {
    S.PENDING_APPROVAL: (Action.APPROVE, Action.REJECT),
    S.IN_PROGRESS: (
        Action.ADD_FIELD_WORKERS,
        Action.CONFIRM,
        Action.CLOSE,
        Action.START_WORK,
        Action.STOP_WORK,
        Action.LOG_TIME,
    ),
    S.CLOSED: (Action.READY_FOR_INVOICING,),
    S.READY_FOR_INVOICING: (Action.MARK_INVOICED, Action.CREATE_BACKORDER, Action.RESTORE),
    S.INVOICED: (Action.CREATE_BACKORDER, Action.RESTORE),
    S.CANCELLED: (Action.REINSTATE,),
}


def card_actions(status: Status, outcome: str = "") -> tuple[Action, ...]:
    """The card's buttons for an order in status (work not performed: nothing to invoice)."""
    actions = CARD_ACTIONS.get(status, ())
    if outcome == Outcome.NOT_PERFORMED:
        actions = tuple(a for a in actions if a is not Action.READY_FOR_INVOICING)
    return actions


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # "role" | "state" | "own_order"; empty when allowed
    who: str = ""  # who may do it, in words, when refused for lack of role


def who_may(action: Action) -> str:
    """'a supervisor or an admin' — the roles and relations that may do action, in words."""
    rule = RULES[action]
    order = (Role.COORDINATOR, Role.SUPERVISOR, Role.FIELD_WORKER, Role.ADMIN)
    parts = [ROLE_TEXT[r] for r in order if r in rule.roles]
    parts += [RELATION_TEXT[x] for x in Relation if x in rule.relations]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def decide(
    action: Action,
    roles: frozenset[str] | set[str],
    relations: frozenset[str] | set[str] = frozenset(),
    status: Status | None = None,
    is_requester: bool = False,
    allow_self_approval: bool = False,
) -> Verdict:
    """Whether a person with these roles and relations may do action on an order in status."""
    rule = RULES[action]
    if not (rule.roles & set(roles)) and not (rule.relations & set(relations)):
        return Verdict(False, "role", who_may(action))
    if action is not Action.SUBMIT and status not in rule.from_states:
        return Verdict(False, "state")
    if action in (Action.APPROVE, Action.REJECT) and is_requester and not allow_self_approval:
        return Verdict(False, "own_order")
    return Verdict(True)


def is_overdue(order: object, today: date) -> bool:
    """Whether an order (anything with status and planned_date) is in progress after its planned
    date; today is the company's date (workflow.working_hours.WorkingCalendar.today)."""
    planned = getattr(order, "planned_date", None)
    return getattr(order, "status", None) == Status.IN_PROGRESS and planned is not None and planned < today
