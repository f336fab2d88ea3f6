"""The self-checks and the technician attestation on the PDF: drawn on an OrderPdf (pdf.render)
after the revision's note, in the customer copy too (what was checked, and who vouched for it)."""

from __future__ import annotations

from typing import Any

from pdf.document import DocChecklist, OrderDocument
from pdf.text import DASH, Column, clean

# pdf.render's OrderPdf, which imports this module to draw with (its section, paragraph, table, fmt)
OrderPdf = Any

CHECK_COLUMNS = (
    Column("Item", 62),
    Column("Answer", 58),
    Column("By", 30),
    Column("When", 30),
)
NOT_DONE = "Not done"


def draw_checks(pdf: OrderPdf, doc: OrderDocument) -> None:
    """The 'Self-checks' section (one table per checklist: item, answer, who, when) and the
    attestation ("Work attested by … on …"); nothing when the document has neither."""
    if doc.self_checks:
        pdf.section("Self-checks", keep=30)
        for checklist in doc.self_checks:
            _checklist(pdf, checklist)
    if doc.attestation is not None:
        pdf.section("Attestation")
        when = pdf.fmt.moment(doc.attestation.at)
        line = f"Work attested by {doc.attestation.by} on {when} ({doc.timezone}): {doc.attestation.text}"
        pdf.paragraph(clean(line))


def _checklist(pdf: OrderPdf, checklist: DocChecklist) -> None:
    done = sum(1 for i in checklist.items if i.answer)
    need = ", required" if checklist.required else ""
    heading = f"{checklist.name} ({done} of {len(checklist.items)} answered{need})"
    pdf.paragraph(clean(heading, multiline=False), style="B")
    rows = []
    for item in checklist.items:
        answer = item.answer or NOT_DONE
        if item.kind == "photo" and item.answer:
            answer = f"Photos: {item.answer}"
        rows.append(
            (
                clean(item.label),
                clean(answer),
                clean(item.by) if item.answer else DASH,
                pdf.fmt.moment(item.at) if item.answer and item.at else DASH,
            )
        )
    pdf.table(CHECK_COLUMNS, rows)
    pdf.ln(2)
