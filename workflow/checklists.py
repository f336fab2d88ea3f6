"""Self-checks: the company file's checklist templates, attached to an order when it is approved (a
copy of the template: a later edit of the file never changes an attached checklist), and the
answers the order's people give from the card's Self-checks (workflow.self_checks).

A required checklist not done blocks closing the order as completed (the close form, a final
confirmation) and, later, signing it: `missing` gives what is not done, in words, for the refusal.
Each revision keeps what its PDF prints of them (`snapshot`, into revisions.self_checks), with the
technician attestation of the close form once there is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.models import Checklist, Order

KINDS = ("checkbox", "text", "number", "photo")
KIND_TEXT = {"checkbox": "tick", "text": "text", "number": "number", "photo": "photo required"}
ITEMS_MAX = 30  # a checklist's items: one block each in its form (Slack: 100 blocks)
LABELS_IN_REFUSAL = 5


@dataclass(frozen=True)
class ItemTemplate:
    label: str
    kind: str  # checkbox | text | number | photo
    required: bool = True  # counted as missing until answered (a checkbox: until ticked)


@dataclass(frozen=True)
class ChecklistTemplate:
    """A checklist of the company file: for every order (field ""), or for the orders whose
    new-order field `field` has one of `values` (e.g. order_type: maintenance)."""

    name: str
    items: tuple[ItemTemplate, ...]
    required: bool = False
    field: str = ""
    values: tuple[str, ...] = ()

    def applies(self, custom_fields: Iterable[dict]) -> bool:
        """Whether this checklist belongs on an order with these stored new-order fields."""
        if not self.field:
            return True
        for f in custom_fields:
            if f.get("form", "new_order") == "new_order" and f.get("key") == self.field:
                return answer_key(f.get("value")) in {answer_key(v) for v in self.values}
        return False


def answer_key(value: Any) -> str:
    """A field value as the templates compare it: 'true' for a ticked checkbox, text folded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value if value is not None else "").strip().casefold()


# ------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class ItemView:
    key: str
    label: str
    kind: str
    required: bool
    value: Any = None  # checkbox: bool; text, number: str; photo: [{"id", "name"}]
    by: str = ""  # who answered it last (a Slack user id)
    at: str = ""  # when (ISO 8601, UTC); "" when never answered

    @property
    def done(self) -> bool:
        return is_done(self.kind, self.value)

    @property
    def text(self) -> str:
        """The answer in words: 'Yes', '2.5', 'meter.jpg, valve.jpg'; '' when not answered."""
        if self.kind == "checkbox":
            return "Yes" if self.value is True else ""
        if self.kind == "photo":
            return ", ".join(str(f.get("name") or f.get("id") or "") for f in self.value or [])
        return str(self.value or "")


@dataclass(frozen=True)
class ChecklistView:
    id: int
    name: str
    required: bool
    items: tuple[ItemView, ...]
    updated_by: str = ""
    updated_at: datetime | None = None

    @property
    def missing(self) -> tuple[ItemView, ...]:
        """The required items not answered yet."""
        return tuple(i for i in self.items if i.required and not i.done)

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def answered(self) -> bool:
        return any(i.at for i in self.items)


def is_done(kind: str, value: Any) -> bool:
    if kind == "checkbox":
        return value is True
    if kind == "photo":
        return isinstance(value, list) and bool(value)
    return isinstance(value, str) and bool(value.strip())


def _view(row: Checklist) -> ChecklistView:
    answers = row.answers or {}
    items = []
    for item in row.items or []:
        given = answers.get(item.get("key")) or {}
        items.append(
            ItemView(
                str(item.get("key")),
                str(item.get("label") or ""),
                str(item.get("kind") or "text"),
                bool(item.get("required", True)),
                given.get("value"),
                str(given.get("by") or ""),
                str(given.get("at") or ""),
            )
        )
    return ChecklistView(row.id, row.name, row.required, tuple(items), row.updated_by, row.updated_at)  # type: ignore[arg-type]


def rows_of(s: Session, order_id: int) -> list[Checklist]:
    query = select(Checklist).where(Checklist.order_id == order_id)
    return list(s.exec(query.order_by(col(Checklist.position), col(Checklist.id))).all())


def views_of(s: Session, ids: Sequence[int]) -> dict[int, list[ChecklistView]]:
    """Each order's checklists, in their order (one query, however many orders)."""
    out: dict[int, list[ChecklistView]] = defaultdict(list)
    if not ids:
        return out
    query = select(Checklist).where(col(Checklist.order_id).in_(list(ids)))
    for row in s.exec(query.order_by(col(Checklist.position), col(Checklist.id))).all():
        out[row.order_id].append(_view(row))
    return out


def checklist_view(s: Session, order_id: int, checklist_id: int) -> ChecklistView | None:
    row = s.get(Checklist, checklist_id)
    return _view(row) if row is not None and row.order_id == order_id else None


# ------------------------------------------------------------------------------------ rules


def missing_text(view: ChecklistView) -> str:
    """'Safety (2 of 5 items: Gas tight, Photo of meter)': a checklist not done, in words."""
    lacking = view.missing
    labels = [i.label for i in lacking[:LABELS_IN_REFUSAL]]
    if len(lacking) > LABELS_IN_REFUSAL:
        labels.append(f"and {len(lacking) - LABELS_IN_REFUSAL} more")
    return f"{view.name} ({len(lacking)} of {len(view.items)} items: {', '.join(labels)})"


def missing(s: Session, order_id: int) -> list[str]:
    """The order's required checklists not done yet, each in words (missing_text); [] when none.
    What closing (and signing) the order is refused for."""
    return [missing_text(v) for v in views_of(s, [order_id])[order_id] if v.required and not v.complete]


def refusal_text(lacking: Sequence[str]) -> str:
    """'Self-checks not done: Safety (2 of 5 items: Gas tight, Photo of meter)'."""
    return "Self-checks not done: " + "; ".join(lacking)


def attach(s: Session, order: Order, templates: Sequence[ChecklistTemplate], now: datetime) -> int:
    """Attach the company's checklists (templates) that apply to the order, at its approval, as
    copies; none twice (an order that already has its checklists keeps them). How many."""
    if s.exec(select(Checklist.id).where(Checklist.order_id == order.id).limit(1)).first() is not None:
        return 0
    added = 0
    for position, template in enumerate(templates, start=1):
        if not template.applies(order.custom_fields or []):
            continue
        items = [
            {"key": f"i{n}", "label": item.label, "kind": item.kind, "required": item.required}
            for n, item in enumerate(template.items, start=1)
        ]
        s.add(
            Checklist(
                order_id=order.id,  # type: ignore[arg-type]
                position=position,
                name=template.name,
                required=template.required,
                items=items,
                answers={},
                created_at=now,
                updated_at=now,
            )
        )
        added += 1
    s.flush()
    return added


def attest(order: Order, actor: str, now: datetime) -> None:
    """The person closing ticked "I confirm the work was carried out as recorded"."""
    order.attested_by, order.attested_at = actor, now


def snapshot(s: Session, order: Order) -> dict:
    """What a revision's PDF prints of the self-checks and the attestation, as they are now."""
    if order.id is None:
        return {}
    out: dict[str, Any] = {}
    views = views_of(s, [order.id])[order.id]
    if views:
        out["checklists"] = [
            {
                "name": v.name,
                "required": v.required,
                "items": [
                    {"label": i.label, "kind": i.kind, "value": i.value, "by": i.by, "at": i.at}
                    for i in v.items
                ],
            }
            for v in views
        ]
    if order.attested_by and order.attested_at is not None:
        out["attestation"] = {"by": order.attested_by, "at": order.attested_at.isoformat()}
    return out
