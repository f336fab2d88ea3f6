"""The customer's signatures as the order keeps them (read and invalidated here; made by
workflow.signoff): the latest per order for cards and lists, the one a revision's PDF prints, and
the rule that a change to the lines after signing makes a signature no longer valid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from storage.models import Activity, Line, Revision, Signature
from workflow.snapshots import LineView, SignatureView

DIFFERENT_LINES = "the lines changed in revision {number}"


def _view(row: Signature, image: bool = False) -> SignatureView:
    return SignatureView(
        name=row.name,
        signed_at=row.signed_at,
        revision=row.revision,
        signed_revision=row.signed_revision,
        pdf_sha256=row.pdf_sha256,
        invalid_from=row.invalid_from,
        invalid_reason=row.invalid_reason,
        image=bytes(row.image) if image else b"",
    )


def latest(s: Session, ids: Sequence[int]) -> dict[int, SignatureView]:
    """Each order's latest signature (without its drawing), for those that have one."""
    if not ids:
        return {}
    rows = s.exec(
        select(Signature)
        .options(defer(Signature.image))  # type: ignore[arg-type]
        .where(col(Signature.order_id).in_(list(ids)))
        .order_by(col(Signature.id))
    ).all()
    return {r.order_id: _view(r) for r in rows}


def valid_row(s: Session, order_id: int) -> Signature | None:
    """The order's signature that still holds, if any (at most one: a new one needs the last one
    invalidated)."""
    return s.exec(
        select(Signature)
        .where(Signature.order_id == order_id, col(Signature.invalid_from).is_(None))
        .order_by(col(Signature.id).desc())
    ).first()


def at_revision(s: Session, order_id: int, number: int) -> SignatureView | None:
    """The latest signature made at or before revision number, with its drawing: what that
    revision's PDF prints (valid, or no longer valid from a revision up to it)."""
    row = s.exec(
        select(Signature)
        .where(Signature.order_id == order_id, Signature.signed_revision <= number)
        .order_by(col(Signature.id).desc())
    ).first()
    return _view(row, image=True) if row is not None else None


def _key(line: LineView | Line) -> tuple:
    return (line.kind, line.description, line.quantity, line.unit, line.unit_price, line.code or "")


def _signed_lines(s: Session, order_id: int, number: int) -> list[Line]:
    return list(
        s.exec(
            select(Line)
            .join(Revision, col(Line.revision_id) == col(Revision.id))
            .where(Revision.order_id == order_id, Revision.number == number)
            .order_by(col(Line.position))
        ).all()
    )


def invalidate(s: Session, order_id: int, from_revision: int, now: datetime, actor: str, reason: str) -> bool:
    """Mark the order's valid signature as no longer valid from revision from_revision on (its
    earlier PDFs keep showing it as signed), and log it; False when there was none."""
    row = valid_row(s, order_id)
    if row is None:
        return False
    row.invalid_from, row.invalidated_at, row.invalid_reason = from_revision, now, reason[:300]
    s.add(row)
    text = f"The signature of {row.name} (revision {row.revision}) is no longer valid: {reason}"
    s.add(
        Activity(
            order_id=order_id,
            at=now,
            actor_id=actor,
            kind="signature_invalidated",
            text=text[:4000],
            data={"revision": row.revision, "from": from_revision},
        )
    )
    return True


def lines_changed(
    s: Session, order_id: int, number: int, lines: Sequence[LineView], now: datetime, actor: str
) -> bool:
    """A new revision number with lines: when they differ from what the customer signed, the
    signature is no longer valid from it on (True)."""
    row = valid_row(s, order_id)
    if row is None:
        return False
    signed = _signed_lines(s, order_id, row.signed_revision)
    if [_key(x) for x in signed] == [_key(x) for x in lines]:
        return False
    return invalidate(s, order_id, number, now, actor, DIFFERENT_LINES.format(number=number))
