"""Render an OrderDocument to the bytes of an A4 PDF."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fontTools.ttLib import TTFont
from fpdf import FPDF

from pdf.document import OrderDocument

FONT_DIR = Path(__file__).resolve().parent / "fonts"
# The regular face is the full DejaVu Sans. The bold face is cut down to Latin and punctuation
# (pdf/fonts/subset_bold.py): fpdf2 parses and subsets every face of every document, and the full
# bold one cost as much as the rest of a short order. Bold text draws the characters the cut-down
# face lacks (Greek, Cyrillic, Hebrew, ...) in the regular face (OrderPdf.bold_text).
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold-subset.ttf"}
FAMILY = "DejaVuSans"

# Shown instead of a character the font cannot draw (emoji, CJK, ...); it is in both faces.
REPLACEMENT = "\u25a1"
# The total-pages placeholder. fpdf2 substitutes it in *every* text on the page, so it is made of a
# private-use character the font lacks: clean() replaces that in user text, which cannot collide.
# Four characters reserve room for up to 9,999 pages.
TOTAL_PAGES = "\ue000" * 4
ARROW = "\u2192"
DASH = "\u2014"
ELLIPSIS = "\u2026"
BODY_TOP = 26.0  # mm: where the body starts below the header

# Categories dropped silently when the font lacks the character: they draw nothing anyway
# (format controls such as bidi marks, variation selectors, unsupported combining marks).
_INVISIBLE = {"Cc", "Cf", "Cs", "Mn", "Me"}

MARGIN = 15.0
PAGE_BOTTOM_MARGIN = 18.0
GREY_TEXT = 95
RULE_GREY = 200
HEADER_FILL = 238
BODY_SIZE = 9.5
LINE_H = 4.6  # mm per wrapped line of body text


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


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def quantity(value: Decimal) -> str:
    """Quantity without trailing zeros: 2, 1.5, 1,250."""
    text = f"{value.normalize():,f}"
    return "0" if text in ("-0", "0") else text


def when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def day(value: date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "Not planned"


class _Column:
    __slots__ = ("title", "width", "align")

    def __init__(self, title: str, width: float, align: str = "L") -> None:
        self.title, self.width, self.align = title, width, align


LINE_COLUMNS = (
    _Column("Kind", 20),
    _Column("Description", 72),
    _Column("Qty", 14, "R"),
    _Column("Unit", 22),
    _Column("Unit price", 26, "R"),
    _Column("Total", 26, "R"),
)
CHANGE_COLUMNS = (
    _Column("Change", 22),
    _Column("Description", 64),
    _Column(f"Before {ARROW} after", 94),
)
CELL_PAD = 1.2  # mm of horizontal padding inside a table cell


class OrderPdf(FPDF):
    """One service order; a fresh instance per document (fpdf2 keeps per-document state)."""

    def __init__(self, doc: OrderDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        for style, file_name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / file_name))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=PAGE_BOTTOM_MARGIN)
        self.alias_nb_pages(TOTAL_PAGES)
        self.set_compression(True)
        self.set_draw_color(RULE_GREY)
        self.set_line_width(0.2)
        self.c_margin = CELL_PAD
        self._width_cache: dict[tuple[str, float, str], float] = {}
        self._regular_fallback = False

    # -- page furniture ---------------------------------------------------------------------

    def header(self) -> None:
        doc = self.doc
        half = self.epw / 2
        self.set_xy(MARGIN, 10)
        self.set_text_color(0)
        company = clean(doc.company, multiline=False)
        number = clean(f"Service order {doc.number}", multiline=False)
        with self.bold_text(12, company + number):
            self.cell(half, 6, self.fit(company, half))
            self.cell(half, 6, self.fit(number, half), align="R")
        self.set_xy(MARGIN, 16)
        self.set_font(FAMILY, "", 8.5)
        self.set_text_color(GREY_TEXT)
        self.cell(half, 4.5, self.fit(clean(f"Times in {doc.timezone}", multiline=False), half))
        self.cell(half, 4.5, f"Revision {doc.revision}", align="R")
        self.set_text_color(0)
        self.line(MARGIN, 22, MARGIN + self.epw, 22)
        self.set_y(BODY_TOP)

    def footer(self) -> None:
        self.set_y(-13)
        self.line(MARGIN, self.y - 1.5, MARGIN + self.epw, self.y - 1.5)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(GREY_TEXT)
        half = self.epw / 2
        self.cell(half, 4.5, f"Page {self.page_no()} of {TOTAL_PAGES}")
        self.cell(half, 4.5, f"Generated {when(self.doc.generated_at)}", align="R")
        self.set_text_color(0)

    # -- text helpers -----------------------------------------------------------------------

    @contextmanager
    def bold_text(self, size: float, text: str) -> Iterator[None]:
        """The bold face at `size` for drawing `text` (already cleaned) in the block.

        The bold face is cut down (see FONT_FILES): when `text` holds a character it lacks, fpdf2's
        fallback draws that character in the regular face for the block. The fallback is off
        otherwise, as it sends every character of every text through a slow path.
        """
        self.set_font(FAMILY, "B", size)
        bold = bold_codepoints()
        needed = not self._regular_fallback and any(ord(ch) not in bold for ch in text if ch != "\n")
        if needed:
            self._regular_fallback = True
            self.set_fallback_fonts([FAMILY], exact_match=False)
        try:
            yield
        finally:
            if needed:
                self.set_fallback_fonts([])
                self._regular_fallback = False

    def text_width(self, text: str) -> float:
        key = (self.font_style, self.font_size_pt, text)
        width = self._width_cache.get(key)
        if width is None:
            width = self._width_cache[key] = self.get_string_width(text)
        return width

    def fit(self, text: str, width: float) -> str:
        """One line that fits width, cut with an ellipsis when it is too long."""
        room = width - 2 * self.c_margin
        if self.get_string_width(text) <= room:
            return text
        while text and self.get_string_width(text + ELLIPSIS) > room:
            text = text[:-1]
        return text + ELLIPSIS

    def wrap(self, text: str, width: float) -> list[str]:
        """Lines of text (already cleaned) that each fit width; words longer than a line are split."""
        room = width - 2 * self.c_margin
        lines: list[str] = []
        space = self.text_width(" ")
        for paragraph in text.split("\n"):
            line, line_w = "", 0.0
            for word in paragraph.split(" "):
                word_w = self.text_width(word) if len(word) < 40 else self.get_string_width(word)
                if line and line_w + space + word_w <= room:
                    line, line_w = f"{line} {word}", line_w + space + word_w
                    continue
                if not line and word_w <= room:
                    line, line_w = word, word_w
                    continue
                if line:
                    lines.append(line)
                line, line_w = "", 0.0
                while word_w > room:
                    head, word = self._split_word(word, room)
                    lines.append(head)
                    word_w = self.get_string_width(word)
                line, line_w = word, word_w
            lines.append(line)
        return lines

    def _split_word(self, word: str, room: float) -> tuple[str, str]:
        used = 0.0
        for i, ch in enumerate(word):
            used += self.text_width(ch)
            if used > room:
                cut = max(i, 1)
                return word[:cut], word[cut:]
        return word, ""

    def section(self, title: str, keep: float = 14) -> None:
        """A heading, moved to a new page unless `keep` mm of what follows fits below it."""
        if self.will_page_break(keep):
            self.add_page()
        self.ln(3)
        with self.bold_text(11, title):
            self.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", BODY_SIZE)

    def paragraph(self, text: str, *, style: str = "", size: float = BODY_SIZE, grey: bool = False) -> None:
        self.set_font(FAMILY, style, size)
        if grey:
            self.set_text_color(GREY_TEXT)
        self.multi_cell(0, LINE_H, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)

    # -- blocks -----------------------------------------------------------------------------

    def facts(self, left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]]) -> None:
        """Two columns of label/value pairs; each value wraps (at most 8 lines).

        Drawn with text() where cell() would put the text (see table()); the block sits at the top
        of the first page, so it never reaches the page break (5 values of 8 lines fit).
        """
        label_w, value_w = 27.0, self.epw / 2 - 27.0
        pad = self.c_margin
        top = self.y
        bottom = top
        for column, pairs in enumerate((left, right)):
            x = MARGIN + column * (self.epw / 2)
            y = top
            for label, value in pairs:
                self.set_font(FAMILY, "", BODY_SIZE)
                lines = self.wrap(clean(value), value_w)
                if len(lines) > 8:
                    lines = lines[:7] + [self.fit(lines[7] + ELLIPSIS, value_w)]
                self.set_font(FAMILY, "", 8.5)
                self.set_text_color(GREY_TEXT)
                self.text(x + pad, y + 0.5 * LINE_H + 0.3 * self.font_size, label)
                self.set_text_color(0)
                self.set_font(FAMILY, "", BODY_SIZE)
                baseline = 0.5 * LINE_H + 0.3 * self.font_size
                for n, line in enumerate(lines):
                    if line:
                        self.text(x + label_w + pad, y + n * LINE_H + baseline, line)
                y += max(len(lines), 1) * LINE_H + 0.8
            bottom = max(bottom, y)
        self.set_xy(MARGIN, bottom)

    def table_header(self, columns: Sequence[_Column]) -> None:
        self.set_fill_color(HEADER_FILL)
        self.set_x(MARGIN)
        with self.bold_text(8.5, "".join(col.title for col in columns)):
            for col in columns:
                self.cell(col.width, 6, col.title, align=col.align, fill=True)
        self.ln(6)
        # Back to the text colour: text() then draws without a colour change of its own.
        self.set_fill_color(0)
        self.set_font(FAMILY, "", BODY_SIZE)

    def table(self, columns: Sequence[_Column], rows: Sequence[Sequence[str]]) -> None:
        """Rows of cleaned text; cells wrap; the header repeats at the top of each new page.

        The cells are drawn with text() where cell() would place them (x after the padding, or
        right-aligned; the baseline as cell() puts it): cell() costs several times as much a call,
        and the regular face draws every cleaned character, so no fallback is needed here.
        """
        self.set_font(FAMILY, "", BODY_SIZE)
        baseline = 0.5 * LINE_H + 0.3 * self.font_size
        pad = self.c_margin
        if self.will_page_break(6 + LINE_H + 1):
            self.add_page()
        self.table_header(columns)
        right = MARGIN + self.epw
        for row in rows:
            cells = [self.wrap(text, col.width) for text, col in zip(row, columns, strict=True)]
            height = max(len(c) for c in cells) * LINE_H + 1
            if self.will_page_break(height) and height <= self.page_break_trigger - BODY_TOP - 6:
                # Keep a row together when it fits on a page; a taller row is split line by line.
                self.add_page()
                self.table_header(columns)
            top = self.y + 0.5
            for n in range(max(len(c) for c in cells)):
                y = top + n * LINE_H
                if y + LINE_H > self.page_break_trigger:
                    self.add_page()
                    self.table_header(columns)
                    top = self.y - n * LINE_H
                    y = self.y
                x = MARGIN
                for col, lines in zip(columns, cells, strict=True):
                    if n < len(lines) and lines[n]:
                        text = lines[n]
                        if col.align == "R":
                            self.text(x + col.width - pad - self.text_width(text), y + baseline, text)
                        else:
                            self.text(x + pad, y + baseline, text)
                    x += col.width
            self.set_y(top + max(len(c) for c in cells) * LINE_H + 0.5)
            self.line(MARGIN, self.y, right, self.y)

    def total_row(self, label: str, amount: str) -> None:
        if self.will_page_break(7):
            self.add_page()
        self.ln(1)
        text = f"{label} {amount}"
        with self.bold_text(10, text):
            self.cell(0, 6, text, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", BODY_SIZE)


def _creation_date(doc: OrderDocument) -> datetime:
    value = doc.generated_at
    if value.tzinfo is not None:
        return value
    try:
        return value.replace(tzinfo=ZoneInfo(doc.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return value.replace(tzinfo=UTC)


def render(doc: OrderDocument) -> bytes:
    """The order as PDF bytes; the same document always gives the same bytes."""
    pdf = OrderPdf(doc)
    pdf.set_creation_date(_creation_date(doc))
    pdf.set_title(clean(f"Service order {doc.number}, revision {doc.revision}", multiline=False))
    pdf.set_author(clean(doc.company, multiline=False))
    pdf.set_creator("Service Orders for Slack")
    pdf.add_page()

    title = clean(doc.title) or "Untitled"
    with pdf.bold_text(14, title):
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    status = doc.status if not doc.outcome else f"{doc.status} {DASH} {doc.outcome}"
    pdf.facts(
        [
            ("Status", status),
            ("Priority", doc.priority),
            ("Created", when(doc.created_at)),
            ("Planned", day(doc.planned_date)),
            ("Requester", doc.requester),
        ],
        [
            ("Client", doc.client),
            ("Site / address", doc.site),
            ("Contact", doc.contact),
        ],
    )

    if doc.description.strip():
        pdf.section("Description")
        pdf.paragraph(clean(doc.description))

    pdf.section("Lines", keep=30)
    if doc.lines:
        pdf.table(
            LINE_COLUMNS,
            [
                (
                    clean(line.kind),
                    clean(line.description),
                    quantity(line.quantity),
                    clean(line.unit),
                    money(line.unit_price),
                    money(line.total),
                )
                for line in doc.lines
            ],
        )
    else:
        pdf.paragraph("No lines", grey=True)
    pdf.total_row(clean(f"Total {doc.currency}", multiline=False), money(doc.total))

    if doc.approved_by:
        pdf.section("Approval")
        approved = f"Approved by {doc.approved_by}"
        if doc.approved_at:
            approved += f" on {when(doc.approved_at)} ({doc.timezone})"
        pdf.paragraph(clean(approved))

    if doc.field_workers:
        pdf.section("Field workers")
        pdf.paragraph(clean(", ".join(doc.field_workers)))

    if doc.revision_note.strip() or doc.revision_author.strip():
        pdf.section(f"Revision {doc.revision} note")
        if doc.revision_author.strip():
            pdf.paragraph(clean(f"By {doc.revision_author}"), size=8.5, grey=True)
        if doc.revision_note.strip():
            pdf.paragraph(clean(doc.revision_note))

    if doc.revision > 1 or doc.changes:
        pdf.section(f"Changes since revision {doc.revision - 1}", keep=30)
        if doc.changes:
            pdf.table(
                CHANGE_COLUMNS,
                [
                    (
                        clean(change.change.capitalize()),
                        clean(change.description),
                        clean(f"{change.before or DASH} {ARROW} {change.after or DASH}"),
                    )
                    for change in doc.changes
                ],
            )
        else:
            pdf.paragraph("No line changes", grey=True)
        if doc.previous_total is not None:
            pdf.total_row("Total:", f"{money(doc.previous_total)} {ARROW} {money(doc.total)}")

    if doc.notes:
        pdf.section("Notes")
        for note in doc.notes:
            if pdf.will_page_break(2 * LINE_H):
                pdf.add_page()
            byline = clean(f"{note.author} \u00b7 {when(note.at)}: ", multiline=False)
            with pdf.bold_text(BODY_SIZE, byline):
                pdf.write(LINE_H, byline)
            pdf.set_font(FAMILY, "", BODY_SIZE)
            pdf.write(LINE_H, clean(note.text))
            pdf.ln(LINE_H)
            if note.files:
                pdf.paragraph(clean("Files: " + ", ".join(note.files)), size=8.5, grey=True)
            pdf.ln(1.5)

    return bytes(pdf.output())
