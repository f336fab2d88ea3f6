"""Render an OrderDocument to the bytes of an A4 PDF (fonts, safe text, table columns: pdf.text)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fpdf import FPDF
from fpdf.image_parsing import preload_image

from pdf.checks import draw_checks
from pdf.document import DocField, OrderDocument
from pdf.formats import formats_for
from pdf.photos import photos_section
from pdf.signoff import draw_signature
from pdf.text import (
    ARROW,
    ARTICLE_COLUMNS,
    CHANGE_COLUMNS,
    DASH,
    ELLIPSIS,
    FAMILY,
    FONT_DIR,
    FONT_FILES,
    IMAGE_MAGIC,
    LINE_COLUMNS,
    REPLACEMENT,
    Column,
    bold_codepoints,
    clean,
    font_codepoints,
    line_columns,
    line_row,
    quantity,
)

# Names tests and benchmarks read from here as well as from pdf.text
__all__ = [
    "ARROW",
    "CHANGE_COLUMNS",
    "DASH",
    "LINE_COLUMNS",
    "REPLACEMENT",
    "TOTAL_PAGES",
    "OrderPdf",
    "bold_codepoints",
    "clean",
    "font_codepoints",
    "quantity",
    "render",
]

# The total-pages placeholder. fpdf2 substitutes it in *every* text on the page, so it is made of a
# private-use character the font lacks: clean() replaces that in user text, which cannot collide.
# Four characters reserve room for up to 9,999 pages.
TOTAL_PAGES = "\ue000" * 4
BODY_TOP = 26.0  # mm: where the body starts below the header without address or logo

MARGIN = 15.0
PAGE_BOTTOM_MARGIN = 18.0
GREY_TEXT = 95
RULE_GREY = 200
HEADER_FILL = 238
BODY_SIZE = 9.5
LINE_H = 4.6  # mm per wrapped line of body text
FACT_LABEL_W = 27.0  # mm: the labels' column of the facts and the details
LOGO_H = 12.0  # mm: the logo's height in the header (its width follows its proportions) ...
LOGO_MAX_W = 45.0  # ... unless that makes it wider than this: a wide logo is scaled down to fit
ADDRESS_LINES = 3  # the company's address in the header, at most
ADDRESS_H = 3.6
FOOTER_LINES = 2  # the company's footer text, at most
FOOTER_H = 3.4


def _colour(hex_colour: str) -> tuple[int, int, int] | None:
    """(r, g, b) of "#rrggbb", or None when it is not one."""
    text = hex_colour.strip().lstrip("#")
    if len(text) != 6:
        return None
    try:
        value = int(text, 16)
    except ValueError:
        return None
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


CELL_PAD = 1.2  # mm of horizontal padding inside a table cell


class OrderPdf(FPDF):
    """One service order; a fresh instance per document (fpdf2 keeps per-document state)."""

    def __init__(self, doc: OrderDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        for style, file_name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / file_name))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.alias_nb_pages(TOTAL_PAGES)
        self.set_compression(True)
        self.set_draw_color(RULE_GREY)
        self.set_line_width(0.2)
        self.c_margin = CELL_PAD
        self._width_cache: dict[tuple[str, float, str], float] = {}
        self._regular_fallback = False
        self.fmt = formats_for(doc.locale)
        self.logo, self.logo_w, self.logo_h = self._logo(doc.logo)
        # The header's and the footer's lines are laid out once: every page has the same furniture.
        text_x = MARGIN + (self.logo_w + 4 if self.logo else 0)
        self.head_w = MARGIN + self.epw * 0.6 - text_x
        self.set_font(FAMILY, "", 8.5)
        self.address = self._lines(clean(doc.company_address), self.head_w, ADDRESS_LINES)
        self.set_font(FAMILY, "", 7.5)
        self.footer_lines = self._lines(clean(doc.footer), self.epw, FOOTER_LINES)
        self.set_auto_page_break(True, margin=PAGE_BOTTOM_MARGIN + len(self.footer_lines) * FOOTER_H)
        left_bottom = 16 + (len(self.address) + 1) * ADDRESS_H
        right_bottom = 25.0 if doc.customer_copy else 20.5
        self.rule_y = max(22.0, left_bottom + 1, 10 + self.logo_h + 2, right_bottom + 1.5)
        self.body_top = self.rule_y + (BODY_TOP - 22.0)

    def _logo(self, data: bytes | None) -> tuple[str | None, float, float]:
        """The logo's image name in this document and its size on the page (mm), or (None, 0, 0)."""
        if not data or not data.startswith(IMAGE_MAGIC):
            return None, 0.0, 0.0
        try:
            name, _, info = preload_image(self.image_cache, data)
        except Exception:  # whatever Pillow says of a damaged logo, the order's PDF goes out
            return None, 0.0, 0.0
        width_px, height_px = float(info["w"]), float(info["h"])
        if width_px <= 0 or height_px <= 0:
            return None, 0.0, 0.0
        height = LOGO_H
        width = height * width_px / height_px
        if width > LOGO_MAX_W:
            width, height = LOGO_MAX_W, LOGO_MAX_W * height_px / width_px
        return name, width, height

    def _lines(self, text: str, width: float, most: int) -> list[str]:
        """text wrapped to width in the current font, at most `most` lines (the last one cut)."""
        if not text.strip():
            return []
        lines = [line for line in self.wrap(text, width) if line.strip()]
        if len(lines) > most:
            lines = lines[: most - 1] + [self.fit(lines[most - 1] + ELLIPSIS, width)]
        return lines

    # -- page furniture ---------------------------------------------------------------------

    def header(self) -> None:
        """The letterhead on every page: logo, company and address left; the order right."""
        doc = self.doc
        text_x = MARGIN
        if self.logo:
            self.image(doc.logo, MARGIN, 10, self.logo_w, self.logo_h)
            text_x += self.logo_w + 4
        right_w = self.epw * 0.4
        right_x = MARGIN + self.epw - right_w
        self.set_text_color(0)
        company = clean(doc.company, multiline=False)
        number = clean(f"Service order {doc.number}", multiline=False)
        with self.bold_text(12, company + number):
            self.set_xy(text_x, 10)
            self.cell(self.head_w, 6, self.fit(company, self.head_w))
            self.set_xy(right_x, 10)
            self.cell(right_w, 6, self.fit(number, right_w), align="R")
        self.set_font(FAMILY, "", 8.5)
        self.set_text_color(GREY_TEXT)
        y = 16.0
        for line in [*self.address, clean(f"Times in {doc.timezone}", multiline=False)]:
            self.set_xy(text_x, y)
            self.cell(self.head_w, ADDRESS_H + 0.9, self.fit(line, self.head_w))
            y += ADDRESS_H
        self.set_xy(right_x, 16)
        self.cell(right_w, 4.5, f"Revision {doc.revision}", align="R")
        self.set_text_color(0)
        if doc.customer_copy:
            with self.bold_text(9, "Customer copy"):
                self.set_xy(right_x, 20.5)
                self.cell(right_w, 4.5, "Customer copy", align="R")
        self.line(MARGIN, self.rule_y, MARGIN + self.epw, self.rule_y)
        self.set_font(FAMILY, "", BODY_SIZE)
        self.set_y(self.body_top)

    def footer(self) -> None:
        """The company's footer text and the page number on every page."""
        top = -13 - len(self.footer_lines) * FOOTER_H
        self.set_y(top)
        self.line(MARGIN, self.y - 1.5, MARGIN + self.epw, self.y - 1.5)
        self.set_text_color(GREY_TEXT)
        self.set_font(FAMILY, "", 7.5)
        for line in self.footer_lines:
            self.cell(0, FOOTER_H, line, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 8)
        half = self.epw / 2
        self.cell(half, 4.5, f"Page {self.page_no()} of {TOTAL_PAGES}")
        generated = clean(f"Generated {self.fmt.moment(self.doc.generated_at)}", multiline=False)
        self.cell(half, 4.5, generated, align="R")
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
        label_w, value_w = FACT_LABEL_W, self.epw / 2 - FACT_LABEL_W
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

    def details(self, fields: Sequence[DocField]) -> None:
        """The company's own fields, a label and a value a row, in line with the facts above; a
        value with a colour is drawn as a badge of that colour (e.g. the order type), its text in
        black or white, whichever reads better on it."""
        label_w = FACT_LABEL_W
        value_w = self.epw - label_w
        pad = self.c_margin
        for item in fields:
            self.set_font(FAMILY, "", 8.5)
            labels = self._lines(clean(item.label), label_w, 3)
            self.set_font(FAMILY, "", BODY_SIZE)
            baseline = 0.5 * LINE_H + 0.3 * self.font_size
            lines = self._lines(self.field_text(item), value_w, 8)
            height = max(len(lines), len(labels), 1) * LINE_H + 0.8
            if self.will_page_break(height):
                self.add_page()
            y = self.y
            self.set_font(FAMILY, "", 8.5)
            self.set_text_color(GREY_TEXT)
            for n, label in enumerate(labels):
                self.text(MARGIN + pad, y + n * LINE_H + baseline, label)
            self.set_text_color(0)
            self.set_font(FAMILY, "", BODY_SIZE)
            x = MARGIN + label_w + pad
            rgb = _colour(item.colour)
            if rgb is not None and len(lines) == 1:
                badge_w = self.text_width(lines[0]) + 2 * pad
                self.set_fill_color(*rgb)
                self.rect(
                    x - pad, y + 0.2, badge_w, LINE_H - 0.4, style="F", round_corners=True, corner_radius=1
                )
                luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
                self.set_text_color(0 if luminance > 150 else 255)
                self.text(x, y + baseline, lines[0])
                self.set_text_color(0)
                self.set_fill_color(0)
            else:
                for n, line in enumerate(lines):
                    self.text(x, y + n * LINE_H + baseline, line)
            self.set_y(y + height)

    def field_text(self, item: DocField) -> str:
        """A field's value as shown: a number or date in the document's locale, else its text."""
        if isinstance(item.value, Decimal):
            return self.fmt.quantity(item.value)
        if isinstance(item.value, date):
            return self.fmt.day(item.value)
        return clean(item.text)

    def table_header(self, columns: Sequence[Column]) -> None:
        self.set_fill_color(HEADER_FILL)
        self.set_x(MARGIN)
        with self.bold_text(8.5, "".join(col.title for col in columns)):
            for col in columns:
                self.cell(col.width, 6, col.title, align=col.align, fill=True)
        self.ln(6)
        # Back to the text colour: text() then draws without a colour change of its own.
        self.set_fill_color(0)
        self.set_font(FAMILY, "", BODY_SIZE)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
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
            if self.will_page_break(height) and height <= self.page_break_trigger - self.body_top - 6:
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

    def totals(self, doc: OrderDocument) -> None:
        """Net, VAT per rate (0 % with its exemption) and the total; only the total without VAT rows."""
        fmt = self.fmt
        if not doc.vat or doc.gross is None:
            self.total_row("Total", clean(fmt.money(doc.total, doc.currency), multiline=False))
            return
        self.set_font(FAMILY, "", BODY_SIZE)
        rows = [("Net", doc.total)]
        for vat in doc.vat:
            label = f"VAT {fmt.quantity(vat.rate)} % of {fmt.number(vat.taxable)}"
            if vat.rate == 0:
                label = f"VAT 0 % ({vat.exemption or 'exempt'}) of {fmt.number(vat.taxable)}"
            rows.append((label, vat.tax))
        for label, amount in rows:
            text = clean(f"{label}  {fmt.money(amount, doc.currency)}", multiline=False)
            self.cell(0, LINE_H, self.fit(text, self.epw), align="R", new_x="LMARGIN", new_y="NEXT")
        self.total_row("Total", clean(fmt.money(doc.gross, doc.currency), multiline=False))

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
    copy = " (customer copy)" if doc.customer_copy else ""
    pdf.set_title(clean(f"Service order {doc.number}, revision {doc.revision}{copy}", multiline=False))
    pdf.set_author(clean(doc.company, multiline=False))
    pdf.set_creator("Service Orders for Slack")
    pdf.add_page()

    title = clean(doc.title) or "Untitled"
    with pdf.bold_text(14, title):
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    fmt = pdf.fmt
    status = doc.status if not doc.outcome else f"{doc.status} {DASH} {doc.outcome}"
    pdf.facts(
        [
            ("Status", status),
            ("Priority", doc.priority),
            ("Created", fmt.moment(doc.created_at)),
            ("Planned", fmt.day(doc.planned_date) if doc.planned_date else "Not planned"),
            ("Requester", doc.requester),
        ],
        [
            ("Client", doc.client),
            ("Site / address", doc.site),
            ("Contact", doc.contact),
        ],
    )

    if doc.custom_fields:
        pdf.section("Details")
        pdf.details(doc.custom_fields)

    if doc.description.strip():
        pdf.section("Description")
        pdf.paragraph(clean(doc.description))

    pdf.section("Lines", keep=30)
    if doc.lines:
        has_code = any(line.code for line in doc.lines)
        pdf.table(
            line_columns(has_code, doc.customer_copy),
            [line_row(line, fmt, has_code, doc.customer_copy) for line in doc.lines],
        )
    else:
        pdf.paragraph("No lines", grey=True)
    if not doc.customer_copy:
        pdf.totals(doc)

    if doc.approved_by:
        pdf.section("Approval")
        approved = f"Approved by {doc.approved_by}"
        if doc.approved_at:
            approved += f" on {fmt.moment(doc.approved_at)} ({doc.timezone})"
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

    draw_checks(pdf, doc)  # the self-checks and the attestation (pdf.checks)

    photos_section(pdf, doc)  # the work's photos: in the customer copy too
    if doc.signature is not None:  # the customer's sign-off of the work above
        draw_signature(pdf, doc.signature, doc.timezone)
    # The customer copy leaves out what is the team's own: the price changes and the thread's notes.
    if doc.customer_copy:
        return bytes(pdf.output())

    if doc.articles:  # apart from the lines: no price, not invoiced until used
        pdf.section("Articles to be ordered", keep=24)
        pdf.paragraph("Not in the lines and not invoiced until delivered and used.", size=8.5, grey=True)
        rows = [
            (fmt.quantity(a.quantity), clean(a.unit), clean(a.description), clean(a.status))
            for a in doc.articles
        ]
        pdf.table(ARTICLE_COLUMNS, rows)

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
            pdf.total_row("Total:", f"{fmt.number(doc.previous_total)} {ARROW} {fmt.number(doc.total)}")

    if doc.notes:
        pdf.section("Notes")
        if doc.earlier_notes:
            earlier = f"{doc.earlier_notes} earlier note{'s' if doc.earlier_notes != 1 else ''}"
            pdf.paragraph(f"… and {earlier}, in the order's thread in Slack", size=8.5, grey=True)
        for note in doc.notes:
            if pdf.will_page_break(2 * LINE_H):
                pdf.add_page()
            byline = clean(f"{note.author} \u00b7 {fmt.moment(note.at)}: ", multiline=False)
            with pdf.bold_text(BODY_SIZE, byline):
                pdf.write(LINE_H, byline)
            pdf.set_font(FAMILY, "", BODY_SIZE)
            pdf.write(LINE_H, clean(note.text))
            pdf.ln(LINE_H)
            if note.files:
                pdf.paragraph(clean("Files: " + ", ".join(note.files)), size=8.5, grey=True)
            pdf.ln(1.5)

    return bytes(pdf.output())
