"""What a person asks the workflow to do, as plain data: one frozen dataclass per order command.

A command carries everything needed to carry it out except who asks (the actor, given beside it)
and knows nothing of Slack: a listener builds one from a form or a click, the inbox stores it as
JSON (`to_dict`) and the worker reads it back (`from_dict`), then `Workflow.execute(actor, cmd)`
carries it out and `Workflow.precheck(actor, cmd)` tells before the ack whether it would be refused.
Each class names its row of the rules table (`action`), so who may do it and from which states to
which comes from workflow.rules.

`custom` holds the company's own fields as stored: the dicts forms.types.FieldValue.to_dict() gives.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from workflow.rules import Action


@dataclass(frozen=True)
class LineDraft:
    """One line of an order as typed or picked (the workflow stores exact copies)."""

    kind: str  # service | material | labour
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    code: str = ""  # the catalog item's code, when picked from the catalog
    catalog_item_id: int | None = None


@dataclass(frozen=True)
class OrderDraft:
    """A new order as filled in; *_id when picked from the master data (None: typed)."""

    client: str
    site: str
    contact: str
    title: str
    description: str
    planned_date: date | None
    priority: str
    lines: tuple[LineDraft, ...]
    client_id: int | None = None
    site_id: int | None = None
    contact_id: int | None = None
    custom: tuple[dict, ...] = ()
    contact_email: str = ""  # where the customer's emails go ("": none; the picked contact's)


@dataclass(frozen=True)
class Submit:
    action: ClassVar[Action] = Action.SUBMIT
    draft: OrderDraft


@dataclass(frozen=True)
class Approve:
    action: ClassVar[Action] = Action.APPROVE
    order_id: int


@dataclass(frozen=True)
class Reject:
    action: ClassVar[Action] = Action.REJECT
    order_id: int
    reason: str


@dataclass(frozen=True)
class AddFieldWorkers:
    action: ClassVar[Action] = Action.ADD_FIELD_WORKERS
    order_id: int
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class Billed:
    """Time that went into a confirmation's lines: the entry, and its minutes as the form showed them."""

    entry_id: int
    minutes: int


@dataclass(frozen=True)
class SharedFile:
    """A file someone shared or attached in a form (a photo to fetch): Slack's id and its name."""

    file_id: str
    name: str


@dataclass(frozen=True)
class Confirm:
    """A new revision of the lines; base_revision is the one the form was opened on (a form opened
    before someone else's confirmation is refused as stale); a final one closes the order."""

    action: ClassVar[Action] = Action.CONFIRM
    order_id: int
    base_revision: int
    lines: tuple[LineDraft, ...]
    note: str = ""
    final: bool = False
    custom: tuple[dict, ...] = ()
    time: tuple[Billed, ...] = ()  # the recorded time the form turned into labour lines
    photos: tuple[SharedFile, ...] = ()  # the form's file_input (workflow.photos)
    attested: bool = False  # a final one closes: the person attests the work (see Close)


@dataclass(frozen=True)
class Close:
    action: ClassVar[Action] = Action.CLOSE
    order_id: int
    outcome: str  # workflow.rules.Outcome's value
    reason: str = ""
    custom: tuple[dict, ...] = ()
    # "I confirm the work was carried out as recorded", ticked by the person closing (required
    # unless the work was not performed)
    attested: bool = False


@dataclass(frozen=True)
class Cancel:
    action: ClassVar[Action] = Action.CANCEL
    order_id: int
    reason: str


@dataclass(frozen=True)
class Reinstate:
    action: ClassVar[Action] = Action.REINSTATE
    order_id: int


@dataclass(frozen=True)
class CreateBackorder:
    """A new order continuing order_id (SO-0042-1): lines are the indexes of the lines picked from
    its current revision (none by default)."""

    action: ClassVar[Action] = Action.CREATE_BACKORDER
    order_id: int
    lines: tuple[int, ...] = ()
    title: str = ""
    planned_date: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Delete:
    """The order and its data removed for good (admins; never approved); number: the one the admin
    typed to confirm, checked against the order's."""

    action: ClassVar[Action] = Action.DELETE
    order_id: int
    number: str


@dataclass(frozen=True)
class CustomerCopy:
    """The current revision's PDF without prices, in the order's channel (once per revision)."""

    action: ClassVar[Action] = Action.CUSTOMER_COPY
    order_id: int


@dataclass(frozen=True)
class EmailCustomer:
    """The order's current PDF emailed to the customer, with the words the person wrote."""

    action: ClassVar[Action] = Action.EMAIL_CUSTOMER
    order_id: int
    to: str
    subject: str
    text: str


@dataclass(frozen=True)
class Note:
    """A reply in an order channel's thread, or a shared file: recorded as a note or a photo and
    acknowledged with a reaction. event_id is Slack's, so a redelivered event is recorded once."""

    action: ClassVar[Action] = Action.NOTE
    channel_id: str
    event_id: str
    ts: str
    text: str
    files: tuple[str, ...] = ()
    reaction: str = "white_check_mark"
    photos: tuple[SharedFile, ...] = ()  # the files among them to fetch as photos (workflow.photos)


@dataclass(frozen=True)
class ReadyForInvoicing:
    """A closed order's invoice data goes out, if the company's rules are met (workflow.invoicing)."""

    action: ClassVar[Action] = Action.READY_FOR_INVOICING
    order_id: int


@dataclass(frozen=True)
class MarkInvoiced:
    """The accounting has invoiced the order (with its invoice number, when given)."""

    action: ClassVar[Action] = Action.MARK_INVOICED
    order_id: int
    invoice_number: str = ""


@dataclass(frozen=True)
class Restore:
    """Back to closed, so the lines can be put right; the next Ready for invoicing sends a correction."""

    action: ClassVar[Action] = Action.RESTORE
    order_id: int
    reason: str


@dataclass(frozen=True)
class StartWork:
    """The actor's timer starts on the order (one running timer per person)."""

    action: ClassVar[Action] = Action.START_WORK
    order_id: int
    user_name: str = ""  # how Slack named the person: their labour lines say it


@dataclass(frozen=True)
class StopWork:
    """The actor's running timer on the order stops: its minutes are recorded."""

    action: ClassVar[Action] = Action.STOP_WORK
    order_id: int


@dataclass(frozen=True)
class LogTime:
    """Time the actor worked on the order that was not timed (the Log time form, /so time)."""

    action: ClassVar[Action] = Action.LOG_TIME
    order_id: int
    work_date: date
    minutes: int
    note: str = ""
    user_name: str = ""
    source: str = "log"  # log | command


@dataclass(frozen=True)
class CorrectTime:
    """A recorded time entry put right (its date, minutes, note) or removed."""

    action: ClassVar[Action] = Action.CORRECT_TIME
    order_id: int
    entry_id: int
    work_date: date
    minutes: int
    note: str = ""
    remove: bool = False


@dataclass(frozen=True)
class ArticleDraft:
    """An article to be ordered as typed, or picked from the catalog (catalog_item_id)."""

    description: str
    quantity: Decimal
    unit: str
    catalog_item_id: int | None = None


@dataclass(frozen=True)
class ArticleStatus:
    """One article's new status, and the one the form showed (a change made since is not undone)."""

    article_id: int
    was: str
    status: str


@dataclass(frozen=True)
class Articles:
    """Articles to be ordered added to the order, and status changes of its articles (workflow.articles)."""

    action: ClassVar[Action] = Action.ARTICLES
    order_id: int
    added: tuple[ArticleDraft, ...] = ()
    statuses: tuple[ArticleStatus, ...] = ()
    user_name: str = ""  # how Slack named the person: the purchasing email says it


@dataclass(frozen=True)
class UseArticles:
    """The delivered articles become material lines of a new revision (and are used)."""

    action: ClassVar[Action] = Action.USE_ARTICLES
    order_id: int


@dataclass(frozen=True)
class CheckAnswer:
    """One item of a self-check as the person left it: text (a text or number item), checked (a
    checkbox), files (a photo item's files, [{"id", "name"}]); was: when the answer the form showed
    was given ("" when none), so an answer someone gave since is not overwritten unseen."""

    key: str
    was: str = ""
    text: str = ""
    checked: bool = False
    files: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SelfCheck:
    """Answers to one of the order's checklists (workflow.self_checks): only the items changed."""

    action: ClassVar[Action] = Action.SELF_CHECKS
    order_id: int
    checklist_id: int
    answers: tuple[CheckAnswer, ...] = ()


Command = (
    Submit
    | Approve
    | Reject
    | AddFieldWorkers
    | Confirm
    | Close
    | Cancel
    | Reinstate
    | Delete
    | CreateBackorder
    | CustomerCopy
    | EmailCustomer
    | Note
    | ReadyForInvoicing
    | MarkInvoiced
    | Restore
    | StartWork
    | StopWork
    | LogTime
    | CorrectTime
    | Articles
    | UseArticles
    | SelfCheck
)
COMMANDS: dict[str, type] = {
    c.action.value: c
    for c in (
        Submit,
        Approve,
        Reject,
        AddFieldWorkers,
        Confirm,
        Close,
        Cancel,
        Reinstate,
        Delete,
        CreateBackorder,
        CustomerCopy,
        EmailCustomer,
        Note,
        ReadyForInvoicing,
        MarkInvoiced,
        Restore,
        StartWork,
        StopWork,
        LogTime,
        CorrectTime,
        Articles,
        UseArticles,
        SelfCheck,
    )
}


def line_drafts(lines: Iterable[Any]) -> tuple[LineDraft, ...]:
    """LineDrafts from anything with the same attributes (forms.types.LineDraft)."""
    return tuple(
        LineDraft(
            x.kind,
            x.description,
            Decimal(x.quantity),
            x.unit,
            Decimal(x.unit_price),
            getattr(x, "code", "") or "",
            getattr(x, "catalog_item_id", None),
        )
        for x in lines
    )


def custom_dicts(values: Iterable[Any]) -> tuple[dict, ...]:
    """The company's own fields as stored: dicts as they are, FieldValues through to_dict()."""
    return tuple(dict(v.to_dict()) if hasattr(v, "to_dict") else dict(v) for v in values)


def order_draft(x: Any) -> OrderDraft:
    """An OrderDraft from anything with the same attributes (forms.types.OrderDraft)."""
    return OrderDraft(
        x.client,
        x.site,
        x.contact,
        x.title,
        x.description,
        x.planned_date,
        x.priority,
        line_drafts(x.lines),
        getattr(x, "client_id", None),
        getattr(x, "site_id", None),
        getattr(x, "contact_id", None),
        custom_dicts(getattr(x, "custom", ())),
        str(getattr(x, "contact_email", "") or ""),
    )


# ------------------------------------------------------------------------------------ JSON


def to_dict(cmd: Command) -> dict:
    """cmd as JSON-able data: {"kind": its action, fields...}; Decimals as strings, dates ISO."""
    return {"kind": cmd.action.value, **_encode(cmd)}


def from_dict(d: Any) -> Command:
    """The command to_dict gave d for; ValueError saying what is wrong with anything else."""
    if not isinstance(d, dict):
        raise ValueError(f"a command is a JSON object, not {type(d).__name__}")
    kind = d.get("kind")
    cls = COMMANDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown command kind {kind!r} (known: {', '.join(COMMANDS)})")
    return _decode(cls, {k: v for k, v in d.items() if k != "kind"}, kind)  # type: ignore[return-value]


def _encode(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, tuple | list):
        return [_encode(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _encode(v) for k, v in obj.items()}
    return obj


def _decode(cls: type, d: Any, where: str) -> Any:
    """An instance of the dataclass cls from d, every field checked against its type."""
    if not isinstance(d, dict):
        raise ValueError(f"{where}: expected an object, got {type(d).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    values = {}
    for name, f in fields.items():
        if name not in d:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{where}: missing field '{name}'")
            continue
        values[name] = _value(hints[name], d[name], f"{where}.{name}")
    return cls(**values)


def _value(tp: Any, v: Any, where: str) -> Any:
    if typing.get_origin(tp) in (typing.Union, type(int | None)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if v is None else _value(args[0], v, where)
    if typing.get_origin(tp) is tuple:
        if not isinstance(v, list | tuple):
            raise ValueError(f"{where}: expected a list, got {type(v).__name__}")
        item = typing.get_args(tp)[0]
        return tuple(_value(item, x, f"{where}[{i}]") for i, x in enumerate(v))
    if dataclasses.is_dataclass(tp):
        return _decode(tp, v, where)  # type: ignore[arg-type]
    if tp is dict:
        if not isinstance(v, dict):
            raise ValueError(f"{where}: expected an object, got {type(v).__name__}")
        return dict(v)
    if tp is Decimal:
        if not isinstance(v, str | int) or isinstance(v, bool):
            raise ValueError(f"{where}: expected a number as a string, got {type(v).__name__}")
        try:
            number = Decimal(v)
        except InvalidOperation:
            raise ValueError(f"{where}: {v!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{where}: {v!r} is not a finite number")
        return number
    if tp is date:
        if not isinstance(v, str):
            raise ValueError(f"{where}: expected an ISO date, got {type(v).__name__}")
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{where}: {v!r} is not an ISO date (YYYY-MM-DD)") from None
    if tp is bool:
        if not isinstance(v, bool):
            raise ValueError(f"{where}: expected true or false, got {type(v).__name__}")
        return v
    if tp is int:
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{where}: expected a whole number, got {type(v).__name__}")
        return v
    if tp is str:
        if not isinstance(v, str):
            raise ValueError(f"{where}: expected text, got {type(v).__name__}")
        return v
    raise TypeError(f"{where}: no JSON form for {tp!r}")  # a command field of a new type
