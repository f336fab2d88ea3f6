"""From a revision of an order to the plain document the PDF renderer takes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, tzinfo
from decimal import Decimal, InvalidOperation

from bot.config import Settings
from bot.self_checks import document_checks
from pdf.document import (
    DocArticle,
    DocChange,
    DocField,
    DocLine,
    DocNote,
    DocPhoto,
    DocSignature,
    DocVat,
    OrderDocument,
)
from workflow.money import tax_summary
from workflow.rules import OUTCOME_TEXT, STATUS_TEXT, Status
from workflow.service import NOTE_CHARS_ON_PDF
from workflow.snapshots import ARTICLE_STATUS_TEXT, RevisionView


def order_document(
    rev: RevisionView, settings: Settings, name_of: Callable[[str], str], *, customer_copy: bool = False
) -> OrderDocument:
    """The document for one revision: what the order was when that revision was made.

    It reads only what the order stored (the client's name and the lines' prices as they were
    submitted, never the master data), so a revision renders to the same bytes later on.
    """
    order, tz = rev.order, settings.tz
    printing = settings.company.print
    tax = tax_summary(rev.lines, settings.vat_rate, settings.vat_exemption)
    approved = order.decided_by if order.status is not Status.REJECTED else None
    checklists, attestation = document_checks(rev, name_of, printing.self_checks)
    return OrderDocument(
        # the same as printing's (load_settings copies them), and what the cards and messages use
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
        lines=[
            DocLine(x.kind, x.description, x.quantity, x.unit, x.unit_price, x.total, x.code)
            for x in rev.lines
        ],
        total=rev.total,
        approved_by=name_of(approved) if approved else None,
        approved_at=order.decided_at.astimezone(tz) if approved and order.decided_at else None,
        field_workers=[name_of(u) for u in rev.field_workers],
        revision_note=rev.note,
        revision_author=name_of(rev.author_id) if rev.kind == "confirmation" else "",
        previous_total=rev.previous_total,
        changes=[DocChange(c.change, c.description, c.before, c.after) for c in rev.changes],
        notes=[DocNote(name_of(n.author_id), n.at.astimezone(tz), _cut(n.text), n.files) for n in rev.notes],
        earlier_notes=rev.earlier_notes,
        outcome=OUTCOME_TEXT.get(rev.outcome, "") if rev.outcome else "",  # type: ignore[call-overload]
        timezone=settings.timezone,
        company_address=printing.address,
        footer=printing.footer,
        logo=printing.logo,
        locale=printing.locale,
        customer_copy=customer_copy,
        custom_fields=document_fields(rev),
        vat=[DocVat(v.rate, v.taxable, v.tax, v.exemption_reason) for v in tax.subtotals],
        gross=tax.gross,
        articles=list(document_articles(rev)),
        photos=document_photos(rev, name_of, tz),
        show_images=printing.show_images,
        signature=document_signature(rev, settings),
        self_checks=checklists,
        attestation=attestation,
    )


def document_signature(rev: RevisionView, settings: Settings) -> DocSignature | None:
    """The customer's latest sign-off made up to this revision, as this revision shows it."""
    sig = rev.signature
    if sig is None:
        return None
    why = "" if sig.valid_at(rev.number) else (sig.invalid_reason or "the order changed")
    return DocSignature(
        sig.name, sig.signed_at.astimezone(settings.tz), sig.revision, sig.pdf_sha256, sig.image, why
    )


def document_photos(rev: RevisionView, name_of: Callable[[str], str], tz: tzinfo) -> list[DocPhoto]:
    """The photos recorded when the revision was made (a snapshot: later ones are not on it), each
    with its thumbnail, or why it could not be had."""
    return [
        DocPhoto(
            p.name,
            name_of(p.shared_by),
            p.shared_at.astimezone(tz),
            p.thumb if p.status == "stored" else None,
            p.reason if p.status == "unavailable" else ("" if p.status == "stored" else "not fetched yet"),
        )
        for p in rev.photos
    ]


def document_articles(rev: RevisionView) -> Iterable[DocArticle]:
    """The articles to be ordered the revision kept (a snapshot: later status changes are not in it)."""
    for a in rev.articles:
        try:
            amount = Decimal(str(a.get("quantity", "")))
        except InvalidOperation:
            continue
        status = str(a.get("status") or "")
        yield DocArticle(
            str(a.get("description") or ""),
            amount,
            str(a.get("unit") or ""),
            ARTICLE_STATUS_TEXT.get(status, status),
        )


def _cut(text: str) -> str:
    """A note as long as paper takes it; the whole note stays in the order's thread."""
    if len(text) <= NOTE_CHARS_ON_PDF:
        return text
    return text[: NOTE_CHARS_ON_PDF - 1].rstrip() + "…"


def document_fields(rev: RevisionView) -> list[DocField]:
    """The company's own fields the PDF shows (pdf=True, filled in): the new-order form's, then this
    revision's confirmation form's, then the close form's.

    The close form's fields describe how the order ended: they belong to its last revision, once
    it is closed, and not to revisions made before.
    """
    order = rev.order
    closing = order.status is Status.CLOSED and rev.number == order.current_revision
    stored: list[dict] = [f for f in order.custom_fields if f.get("form") == "new_order"]
    stored += [f for f in rev.custom_fields if f.get("form", "confirmation") == "confirmation"]
    if closing:
        stored += [f for f in order.custom_fields if f.get("form") == "close"]
    return list(_doc_fields(stored))


def _doc_fields(stored: Iterable[dict]) -> Iterable[DocField]:
    for f in stored:
        text = str(f.get("text") or "").strip()
        if not f.get("pdf", True) or not text:
            continue
        yield DocField(str(f.get("label") or ""), text, str(f.get("colour") or ""), _typed(f))


def _typed(f: dict) -> Decimal | date | None:
    """A number or date field's value, for the PDF to write in its locale; None for the others (or a
    value that does not read as its type: then its text is shown as stored)."""
    value = f.get("value")
    try:
        if f.get("type") == "number" and value is not None:
            number = Decimal(str(value))
            # beyond 15 digits either side of the point it is not a quantity anyone wrote: shown as is
            return number if number.is_finite() and abs(number.adjusted()) <= 15 else None
        if f.get("type") == "date" and value:
            return date.fromisoformat(str(value))
    except (InvalidOperation, ValueError):
        return None
    return None
