"""Service order PDFs: render(OrderDocument) -> bytes. Knows nothing of Slack or the database."""

from pdf.document import DocChange, DocField, DocLine, DocNote, OrderDocument
from pdf.render import render

__all__ = ["DocChange", "DocField", "DocLine", "DocNote", "OrderDocument", "render"]
