"""From a revision of an order to the plain document the PDF renderer takes."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from pdf.document import DocChange, DocLine, DocNote, OrderDocument
from workflow.rules import OUTCOME_TEXT, STATUS_TEXT, Status
from workflow.snapshots import RevisionView


def order_document(rev: RevisionView, settings: Settings, name_of: Callable[[str], str]) -> OrderDocument:
    """The document for one revision: what the order was when that revision was made."""
    order, tz = rev.order, settings.tz
    approved = order.decided_by if order.status is not Status.REJECTED else None
    return OrderDocument(
        company=settings.company_name,
        currency=settings.currency,
        number=order.number,
        revision=rev.number,
        status=STATUS_TEXT[rev.status],
        title=order.title,
        client=order.client,
        site=order.site,
        contact=order.contact,
        description=order.description,
        priority=order.priority.capitalize(),
        requester=name_of(order.requester_id),
        created_at=order.created_at.astimezone(tz),
        planned_date=order.planned_date,
        generated_at=rev.created_at.astimezone(tz),
        lines=[DocLine(x.kind, x.description, x.quantity, x.unit, x.unit_price, x.total) for x in rev.lines],
        total=rev.total,
        approved_by=name_of(approved) if approved else None,
        approved_at=order.decided_at.astimezone(tz) if approved and order.decided_at else None,
        field_workers=[name_of(u) for u in rev.field_workers],
        revision_note=rev.note,
        revision_author=name_of(rev.author_id) if rev.kind == "confirmation" else "",
        previous_total=rev.previous_total,
        changes=[DocChange(c.change, c.description, c.before, c.after) for c in rev.changes],
        notes=[DocNote(name_of(n.author_id), n.at.astimezone(tz), n.text, n.files) for n in rev.notes],
        outcome=OUTCOME_TEXT.get(rev.outcome, "") if rev.outcome else "",  # type: ignore[call-overload]
        timezone=settings.timezone,
    )
