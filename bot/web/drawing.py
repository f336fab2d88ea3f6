"""The signature the page posts, as a `data:image/png;base64,…` URL: decoded within limits, opened
by Pillow as a PNG of a sane size, refused when (almost) nothing was drawn (a blank canvas is a
valid PNG too), then cropped to the ink and re-encoded: what is stored is our PNG, never the bytes
the browser sent."""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, ImageOps

PREFIX = "data:image/png;base64,"
DATA_URL_MAX = 400_000  # characters of the data URL (~300 KB of PNG: a canvas is ~10–60 KB)
SIDE_MAX = 2400  # pixels: the page's canvas is 600 × 200 at up to 4× density
INK_MIN = 40  # pixels of ink: fewer is a tap, not a signature
MARGIN = 8  # pixels kept around the ink


class BadDrawing(ValueError):
    """The drawing cannot be taken; the message tells the customer what to do."""


def signature_png(data_url: str) -> bytes:
    """The drawing as a PNG of black ink on white, cropped to the ink; BadDrawing otherwise."""
    if not data_url:
        raise BadDrawing("Draw your signature in the box.")
    if len(data_url) > DATA_URL_MAX:
        raise BadDrawing("The signature is too large: clear it and draw it again.")
    if not data_url.startswith(PREFIX):
        raise BadDrawing("The signature must be drawn in the box.")
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise BadDrawing("The signature could not be read: draw it again.") from None
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as im:
            if max(im.size) > SIDE_MAX or min(im.size) < 1:
                raise BadDrawing("The signature could not be read: draw it again.")
            im.load()
            rgba = im.convert("RGBA")
    except BadDrawing:
        raise
    except Exception:  # noqa: BLE001 - whatever Pillow raises on a broken or hostile file
        raise BadDrawing("The signature could not be read: draw it again.") from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(white, rgba).convert("L")
    ink = grey.point(lambda v: 255 if v < 160 else 0)  # dark strokes on the white
    if sum(ink.histogram()[255:]) < INK_MIN:
        raise BadDrawing("Draw your signature in the box.")
    left, top, right, bottom = ink.getbbox() or (0, 0, *grey.size)
    box = (
        max(0, left - MARGIN),
        max(0, top - MARGIN),
        min(grey.width, right + MARGIN),
        min(grey.height, bottom + MARGIN),
    )
    out = io.BytesIO()
    ImageOps.autocontrast(grey.crop(box)).save(out, format="PNG", optimize=True)
    return out.getvalue()
