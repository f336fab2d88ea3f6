"""The Self-checks command: answers to one of an order's checklists (workflow.checklists), saved as
often as the person likes (partial saves). Each item answered keeps who answered it and when; an
answer someone gave after the form was opened is not overwritten unseen (refused as stale)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from storage.models import Checklist, Order
from workflow import commands as c
from workflow import effects as fx
from workflow import photos
from workflow.changes import Tx
from workflow.checklists import KINDS, is_done
from workflow.errors import Refused
from workflow.policy import Policy
from workflow.rules import Action

TEXT_MAX = 3000
FILES_MAX = 10
FILE_NAME_MAX = 255
FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
NUMBER_DIGITS_MAX = 18


def item_field(key: str) -> str:
    """The Refused.field of one item: the form shows the refusal under that item."""
    return f"item:{key}"


def number_value(text: str) -> str | None:
    """A number as typed ('2.5', '2,5', '-1'), as stored ('2.5'); None when it is no number."""
    t = text.strip().replace(",", ".")
    if not re.fullmatch(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?", t):
        return None
    try:
        number = Decimal(t)
    except InvalidOperation:
        return None
    return format(number, "f") if len(t) <= NUMBER_DIGITS_MAX else None


def _value(kind: str, answer: c.CheckAnswer, label: str) -> Any:
    """The stored value of an answer, or Refused naming the item."""
    field = item_field(answer.key)
    if kind == "checkbox":
        return bool(answer.checked)
    if kind == "photo":
        if len(answer.files) > FILES_MAX:
            raise Refused("invalid", f"'{label}': at most {FILES_MAX} photos.", field=field)
        files = []
        for f in answer.files:
            file_id, name = str(f.get("id") or ""), str(f.get("name") or "")
            if not FILE_ID.fullmatch(file_id):
                raise Refused(
                    "invalid", f"'{label}': a photo could not be read. Upload it again.", field=field
                )
            files.append({"id": file_id, "name": name[:FILE_NAME_MAX]})
        return files
    text = answer.text.strip()
    if len(text) > TEXT_MAX:
        raise Refused("invalid", f"'{label}': at most {TEXT_MAX:,} characters.", field=field)
    if kind == "number" and text:
        number = number_value(text)
        if number is None:
            raise Refused("invalid", f"'{label}': type a number, e.g. 2.5.", field=field)
        return number
    return text


def check_self_check(
    s: Session, policy: Policy, actor: str, cmd: c.SelfCheck, lock: bool, open_order
) -> Order:  # type: ignore[no-untyped-def]
    order = open_order(s, policy, cmd.order_id, actor, Action.SELF_CHECKS, lock)
    row = s.get(Checklist, cmd.checklist_id)
    if row is None or row.order_id != order.id:
        raise Refused(
            "not_found", "That self-check is not on this order. Open Self-checks again from the card."
        )
    if not cmd.answers:
        raise Refused("invalid", "Nothing to save: answer an item, or close the form.")
    items = {str(i.get("key")): i for i in row.items or []}
    stored = row.answers or {}
    for answer in cmd.answers:
        item = items.get(answer.key)
        if item is None or item.get("kind") not in KINDS:
            raise Refused(
                "stale", f"The self-check {row.name} changed. Open Self-checks again from the card."
            )
        _value(str(item["kind"]), answer, str(item.get("label") or ""))
        now = str((stored.get(answer.key) or {}).get("at") or "")
        if now != answer.was:
            raise Refused(
                "stale",
                f"'{item.get('label')}' was answered by someone else since you opened {row.name}. "
                "Close the form and open Self-checks again.",
                field=item_field(answer.key),
            )
    return order


def save_self_check(tx: Tx, actor: str, cmd: c.SelfCheck) -> None:
    """The answers changed, each with who and when; the card shows the progress, and the channel is
    told when a checklist becomes complete. Answers as they were: nothing changes."""
    row = tx.session.get(Checklist, cmd.checklist_id)
    assert row is not None  # checked, in this transaction
    items = {str(i.get("key")): i for i in row.items or []}
    answers = dict(row.answers or {})
    was_complete = _complete(row.items, answers)
    changed = []
    for answer in cmd.answers:
        item = items[answer.key]
        value = _value(str(item["kind"]), answer, str(item.get("label") or ""))
        if answer.key in answers and answers[answer.key].get("value") == value:
            continue
        if answer.key not in answers and not is_done(str(item["kind"]), value) and value in ("", False, []):
            continue  # left empty, as it was
        answers[answer.key] = {"value": value, "by": actor, "at": tx.now.isoformat()}
        changed.append(str(item.get("label") or ""))
        if item["kind"] == "photo" and isinstance(value, list):  # fetched and printed like any photo
            photos.record_photos(tx.session, tx.order, actor, value, "self_check", tx.now)
    if not changed:
        tx.flush()
        return
    row.answers, row.updated_at, row.updated_by = answers, tx.now, actor
    tx.session.add(row)
    complete = _complete(row.items, answers)
    data = {"checklist": row.name, "items": changed, "complete": complete}
    act = tx.log(actor, "self_check", f"{row.name}: {', '.join(changed)}"[:4000], data)
    if complete and not was_complete:
        tx.announce(act, fx.SELF_CHECK_DONE, actor, checklist=row.name, required=row.required)
    tx.move(Action.SELF_CHECKS)
    tx.touch()


def _complete(items: list[dict], answers: dict) -> bool:
    return all(
        is_done(str(i.get("kind")), (answers.get(i.get("key")) or {}).get("value"))
        for i in items or []
        if i.get("required", True)
    )
