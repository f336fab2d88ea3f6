"""What the PDF can draw and in which columns: the shipped fonts and the characters they hold, text
made safe to draw, and the columns of the line and change tables (pdf.render draws the pages)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from pdf.document import DocLine
from pdf.formats import NEUTRAL, Formats

FONT_DIR = Path(__file__).resolve().parent / "fonts"
# The regular face is the full DejaVu Sans. The bold face is cut down to Latin and punctuation
# (pdf/fonts/subset_bold.py): fpdf2 parses and subsets every face of every document, and the full
# bold one cost as much as the rest of a short order. Bold text draws the characters the cut-down
# face lacks (Greek, Cyrillic, Hebrew, ...) in the regular face (OrderPdf.bold_text).
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold-subset.ttf"}
FAMILY = "DejaVuSans"

# An image (the logo, a photo) is drawn only when it is one of these (the company file's loader
# checks the same for the logo): fpdf2 would also take SVG, which can point at outside files.
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")

# Shown instead of a character the font cannot draw (emoji, CJK, ...); it is in both faces.
REPLACEMENT = "\u25a1"
ARROW = "\u2192"
DASH = "\u2014"
ELLIPSIS = "\u2026"
# Categories dropped silently when the font lacks the character: they draw nothing anyway
# (format controls such as bidi marks, variation selectors, unsupported combining marks).
_INVISIBLE = {"Cc", "Cf", "Cs", "Mn", "Me"}


@cache
def _cmap(style: str) -> frozenset[int]:
    with TTFont(FONT_DIR / FONT_FILES[style], lazy=True) as font:
        return frozenset(font.getBestCmap())


def font_codepoints() -> frozenset[int]:
    """Codepoints the text can hold: the regular face draws them all, bold text included."""
    return _cmap("")


def bold_codepoints() -> frozenset[int]:
    """Codepoints the cut-down bold face draws itself; bold text draws the others in regular."""
    return _cmap("B")


def clean(text: str, *, multiline: bool = True) -> str:
    """Text safe to draw: NFC, control characters stripped, glyphs the font lacks replaced."""
    text = str(text)
    if text.isascii() and text.isprintable():  # the common case: the font draws all of these
        return text
    covered = font_codepoints()
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    out: list[str] = []
    for ch in text:
        if ch == "\n" or ch in "\u2028\u2029":
            out.append("\n" if multiline else " ")
        elif ch == "\t":
            out.append(" ")
        elif ord(ch) in covered and not unicodedata.category(ch).startswith("C"):
            out.append(ch)
        else:
            category = unicodedata.category(ch)
            if category in _INVISIBLE:
                continue
            out.append(" " if category == "Zs" else REPLACEMENT)
    return "".join(out)


def quantity(value: Decimal) -> str:
    """Quantity without trailing zeros, without a locale: 2, 1.5, 1,250."""
    return NEUTRAL.quantity(value)


class Column:
    __slots__ = ("title", "width", "align")

    def __init__(self, title: str, width: float, align: str = "L") -> None:
        self.title, self.width, self.align = title, width, align


LINE_COLUMNS = (
    Column("Kind", 20),
    Column("Description", 72),
    Column("Qty", 14, "R"),
    Column("Unit", 22),
    Column("Unit price", 26, "R"),
    Column("Total", 26, "R"),
)
CODE_WIDTH = 22  # the Code column, when some line was picked from the catalog: taken from Description
# The customer copy: no prices, so the description gets their room
CUSTOMER_LINE_COLUMNS = (
    Column("Kind", 20),
    Column("Description", 118),
    Column("Qty", 18, "R"),
    Column("Unit", 24),
)


def line_columns(has_code: bool, customer_copy: bool) -> tuple[Column, ...]:
    """The line table's columns: a Code column when some line has a code; no prices for the client."""
    columns = CUSTOMER_LINE_COLUMNS if customer_copy else LINE_COLUMNS
    if not has_code:
        return columns
    kind, description, *rest = columns
    return (kind, Column("Code", CODE_WIDTH), Column("Description", description.width - CODE_WIDTH), *rest)


def line_row(line: DocLine, fmt: Formats, has_code: bool, customer_copy: bool) -> tuple[str, ...]:
    """One line's cells (cleaned), matching line_columns."""
    cells = [clean(line.kind)]
    if has_code:
        cells.append(clean(line.code))
    cells += [clean(line.description), fmt.quantity(line.quantity), clean(line.unit)]
    if not customer_copy:
        cells += [fmt.number(line.unit_price), fmt.number(line.total)]
    return tuple(cells)


ARTICLE_COLUMNS = (
    Column("Qty", 18, "R"),
    Column("Unit", 22),
    Column("Description", 110),
    Column("Status", 30),
)
CHANGE_COLUMNS = (
    Column("Change", 22),
    Column("Description", 64),
    Column(f"Before {ARROW} after", 94),
)
