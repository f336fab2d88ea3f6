"""The customer's sign-off on the PDF: the drawing, the name and the time while it holds; once the
lines changed after it, a grey line saying it was signed and why it no longer holds (no drawing: a
printed page must not look signed for work it does not describe)."""

from __future__ import annotations

import io
import struct
from typing import Any

from pdf.document import DocSignature
from pdf.text import clean

SIGNATURE_MAX_W = 70.0  # mm
SIGNATURE_MAX_H = 24.0  # mm


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return (width, height) if width and height else None


def draw_signature(pdf: Any, sig: DocSignature, timezone: str) -> None:
    """Draw sig on pdf (a pdf.render.OrderPdf, which calls this: no import back)."""
    fmt = pdf.fmt
    pdf.section("Customer sign-off", keep=SIGNATURE_MAX_H + 20)
    when = f"{fmt.moment(sig.at)} ({timezone})"
    if sig.no_longer_valid:
        pdf.paragraph(
            clean(
                f"Signed by {sig.name} on {when} for revision {sig.revision}. "
                f"No longer valid: {sig.no_longer_valid}. The customer is asked to sign again."
            ),
            grey=True,
        )
        return
    size = _png_size(sig.image)
    if size is not None:
        width_px, height_px = size
        height = SIGNATURE_MAX_H
        width = height * width_px / height_px
        if width > SIGNATURE_MAX_W:
            width, height = SIGNATURE_MAX_W, SIGNATURE_MAX_W * height_px / width_px
        try:
            pdf.image(io.BytesIO(sig.image), x=pdf.l_margin, y=pdf.get_y() + 1, w=width, h=height)
            pdf.set_y(pdf.get_y() + height + 2)
        except Exception:  # noqa: BLE001 - a drawing that will not print: the name and time still do
            pass
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + SIGNATURE_MAX_W, pdf.get_y())
        pdf.ln(1)
    pdf.paragraph(clean(sig.name), style="B")
    pdf.paragraph(clean(f"Signed on {when}"))
    pdf.paragraph(
        f"Signed on the order page to confirm the work of revision {sig.revision} "
        f"(its PDF's SHA-256 begins {sig.pdf_sha256[:16]}).",
        size=8.5,
        grey=True,
    )
