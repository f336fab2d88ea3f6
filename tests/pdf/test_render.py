"""What a reader sees in a rendered service order, checked through pypdf's text extraction."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from pdf import DocChange, DocLine, DocNote, OrderDocument, render
from pdf.fonts import subset_bold
from pdf.render import (
    ARROW,
    CHANGE_COLUMNS,
    DASH,
    LINE_COLUMNS,
    REPLACEMENT,
    TOTAL_PAGES,
    bold_codepoints,
    clean,
    font_codepoints,
    quantity,
)


def line(description: str, qty: str = "2", unit_price: str = "45.00", kind: str = "material") -> DocLine:
    q, p = Decimal(qty), Decimal(unit_price)
    return DocLine(kind, description, q, "pcs", p, (q * p).quantize(Decimal("0.01")))


def order(**overrides) -> OrderDocument:
    lines = [
        line("Replace pressure valve", "2", "45.00"),
        line("Labour, two technicians", "1.5", "1150.00", kind="labour"),
    ]
    fields = dict(
        company="Nordic Heat & Service AB",
        currency="EUR",
        number="SO-0042",
        revision=3,
        status="In progress",
        title="Boiler service at Storgatan",
        client="Åkesson Fastigheter AB",
        site="Storgatan 12, Stockholm",
        contact="Märta Öberg, +46 70 123 45 67",
        description="Annual inspection.\nTenant reports noise from the pipes at night.",
        priority="High",
        requester="Jonas Ek",
        created_at=datetime(2025, 1, 8, 9, 15),
        planned_date=date(2025, 1, 14),
        generated_at=datetime(2025, 1, 10, 14, 32),
        lines=lines,
        total=sum((x.total for x in lines), Decimal("0")),
        approved_by="Anna Svensson",
        approved_at=datetime(2025, 1, 9, 16, 5),
        field_workers=["Erik Lund", "Sofia Nilsson"],
        revision_note="Client asked to add the pump check.",
        revision_author="Jonas Ek",
        previous_total=Decimal("1000.00"),
        changes=[
            DocChange("added", "Circulation pump check", "", "1 h × 95.00 = 95.00"),
            DocChange("changed", "Pressure valve", "1 pcs × 45.00 = 45.00", "2 pcs × 45.00 = 90.00"),
            DocChange("removed", "Old filter", "1 pcs × 12.00 = 12.00", ""),
        ],
        notes=[
            DocNote(
                "Erik Lund", datetime(2025, 1, 14, 10, 2), "Pump is noisy, ordered a new one.", ["pump.jpg"]
            ),
        ],
        timezone="Europe/Stockholm",
    )
    fields.update(overrides)
    return OrderDocument(**fields)


def pages(pdf: bytes) -> list[str]:
    """Each page's text as a reader sees it, with runs of whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def font_runs(pdf: bytes) -> list[tuple[str, bool]]:
    """Each drawn run of text, stripped, and whether it is in the bold face, in drawing order."""
    runs: list[tuple[str, bool]] = []

    def visit(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if text.strip():
            runs.append((text.strip(), str(font["/BaseFont"]).endswith("DejaVuSansBold")))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return runs


def joined(runs: list[tuple[str, bool]], bold: bool) -> str:
    return " ".join(text for text, is_bold in runs if is_bold == bold)


@pytest.fixture(scope="module")
def sample_text() -> str:
    return text_of(render(order()))


def test_header_and_facts(sample_text: str) -> None:
    for expected in [
        "Nordic Heat & Service AB",
        "Service order SO-0042",
        "Revision 3",
        "Boiler service at Storgatan",
        "In progress",
        "High",
        "2025-01-08 09:15",
        "2025-01-14",
        "Jonas Ek",
        "Åkesson Fastigheter AB",
        "Storgatan 12, Stockholm",
        "Märta Öberg",
        "Tenant reports noise from the pipes at night.",
        "Europe/Stockholm",
    ]:
        assert expected in sample_text, expected


def test_lines_totals_and_grand_total(sample_text: str) -> None:
    assert "Replace pressure valve" in sample_text
    assert "Labour, two technicians" in sample_text
    assert "90.00" in sample_text
    assert "1,150.00" in sample_text  # unit price with a thousands separator
    assert "1,725.00" in sample_text  # 1.5 × 1,150.00
    assert "Total EUR 1,815.00" in sample_text
    assert re.search(r"\b1\.5\b", sample_text)  # quantity without trailing zeros


def test_approval_workers_revision_note(sample_text: str) -> None:
    assert "Approved by Anna Svensson on 2025-01-09 16:05 (Europe/Stockholm)" in sample_text
    assert "Erik Lund, Sofia Nilsson" in sample_text
    assert "Client asked to add the pump check." in sample_text


def test_changes_since_previous_revision(sample_text: str) -> None:
    assert "Changes since revision 2" in sample_text
    for expected in ["Added", "Circulation pump check", "Changed", "Removed", "Old filter"]:
        assert expected in sample_text, expected
    assert "1 pcs × 45.00 = 45.00 → 2 pcs × 45.00 = 90.00" in sample_text
    assert "Total: 1,000.00 → 1,815.00" in sample_text


def test_notes_with_files(sample_text: str) -> None:
    assert "Erik Lund · 2025-01-14 10:02: Pump is noisy, ordered a new one." in sample_text
    assert "pump.jpg" in sample_text


def test_footer_on_every_page() -> None:
    many = [line(f"Part number {i}") for i in range(60)]
    texts = pages(render(order(lines=many)))
    assert len(texts) >= 2
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text
        assert "Generated 2025-01-10 14:32" in text
        assert "Service order SO-0042" in text


def test_revision_without_changes_and_without_approval() -> None:
    text = text_of(render(order(changes=[], previous_total=None, approved_by=None, approved_at=None)))
    assert "No line changes" in text
    assert "Approved by" not in text
    assert "→" not in text


def test_first_revision_has_no_changes_section() -> None:
    text = text_of(render(order(revision=1, changes=[], previous_total=None)))
    assert "Changes since" not in text


def test_no_lines() -> None:
    text = text_of(render(order(lines=[], total=Decimal("0"))))
    assert "No lines" in text
    assert "Total EUR 0.00" in text


def test_outcome_shown_with_status() -> None:
    text = text_of(render(order(status="Closed", outcome="Completed with adjustments")))
    assert "Closed" in text and "Completed with adjustments" in text


def test_same_document_same_bytes_and_different_document_different_bytes() -> None:
    doc = order()
    first = render(doc)
    assert first.startswith(b"%PDF")
    assert render(doc) == first
    assert render(dataclasses.replace(doc, client="Another client")) != first


def test_unicode_text_renders_and_unsupported_characters_are_replaced() -> None:
    sample = "Åsa å ä ö ñ Ελληνικά Кириллица שלום cafe\u0301 🚀 tab\there bell\x07 nul\x00 end"
    text = text_of(render(order(client=sample, description=sample, lines=[line(sample)])))
    normalized = unicodedata.normalize("NFC", text)
    for word in ["Åsa", "å ä ö ñ", "Ελληνικά", "Кириллица", "café"]:
        assert word in normalized, word
    assert any(h in normalized for h in ("שלום", "םולש"))  # RTL is drawn as stored
    assert "🚀" not in text
    assert REPLACEMENT in text
    assert "\x07" not in text and "\x00" not in text
    assert "tab here bell nul end" in text  # control characters dropped, the tab became a space


def test_clean_strips_controls_and_replaces_missing_glyphs() -> None:
    assert clean("a\x00b\x07c\td\r\ne") == "abc d\ne"
    assert clean("x🚀y") == f"x{REPLACEMENT}y"
    assert clean("漢字") == REPLACEMENT * 2
    assert clean("e\u0301") == "é"
    assert clean("a\nb", multiline=False) == "a b"
    assert clean(TOTAL_PAGES) == REPLACEMENT * len(TOTAL_PAGES)  # user text never holds the page alias
    assert ord(REPLACEMENT) in font_codepoints()


def test_quantity_has_no_trailing_zeros() -> None:
    assert quantity(Decimal("2.000")) == "2"
    assert quantity(Decimal("1.50")) == "1.5"
    assert quantity(Decimal("100")) == "100"
    assert quantity(Decimal("1250.5")) == "1,250.5"


def test_very_long_word_wraps() -> None:
    word = "x" * 3000
    pdf = render(
        order(description=word, lines=[line(word)], notes=[DocNote("A", datetime(2025, 1, 1), word)])
    )
    reader = PdfReader(io.BytesIO(pdf))
    drawn_lines = [row for page in reader.pages for row in page.extract_text().split("\n")]
    # Broken into page-width lines, and every character is still there.
    assert max(len(row) for row in drawn_lines) < 120
    assert sum(row.count("x") for row in drawn_lines) == 3 * 3000


def test_thousand_lines_flow_onto_pages_with_the_header_repeated() -> None:
    many = [
        line(f"Item {i:04d} with a description long enough to wrap onto a second line") for i in range(1000)
    ]
    texts = pages(render(order(lines=many, total=sum((x.total for x in many), Decimal("0")))))
    assert len(texts) > 5
    for column in ["Kind", "Description", "Qty", "Unit", "Unit price", "Total"]:
        assert column in texts[1], column
    assert "Item 0000" in texts[0] and "Item 0999" in " ".join(texts)
    assert "Total EUR 90,000.00" in " ".join(texts)


def test_headings_titles_and_totals_are_drawn_in_the_bold_face_and_the_rest_in_regular() -> None:
    pdf = render(order())
    runs = font_runs(pdf)
    bold, regular = joined(runs, True), joined(runs, False)
    for expected in [
        "Nordic Heat & Service AB",
        "Service order SO-0042",
        "Boiler service at Storgatan",
        "Lines",
        "Unit price",
        f"Before {ARROW} after",
        "Total EUR 1,815.00",
        "Changes since revision 2",
        "Erik Lund · 2025-01-14 10:02:",
    ]:
        assert expected in bold, expected
    for expected in ["Replace pressure valve", "1,725.00", "Åkesson Fastigheter AB", "Pump is noisy"]:
        assert expected in regular, expected
        assert expected not in bold, expected
    # Real bold glyphs, no faux bold: no text is stroked (the text render mode is never set).
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert b" Tr" not in page.get_contents().get_data()


def test_bold_text_draws_what_the_cut_down_bold_face_lacks_in_the_regular_face(
    caplog: pytest.LogCaptureFixture,
) -> None:
    greek, cyrillic, hebrew = "Ελλάς", "Кириллица", "שלום"
    outside = {ord(ch) for ch in greek + cyrillic + hebrew}
    assert outside <= font_codepoints() and not outside & bold_codepoints()
    doc = order(
        company=f"Łódź {greek}",
        title=f"Ștefan {cyrillic} {hebrew}",
        notes=[DocNote(greek, datetime(2025, 1, 14, 10, 2), "Done.")],
    )
    with caplog.at_level(logging.WARNING):
        pdf = render(doc)
    assert "missing" not in caplog.text  # fpdf2 warns of glyphs a font lacks
    runs = font_runs(pdf)
    assert ("Łódź", True) in runs and ("Ștefan", True) in runs
    for word in (greek, cyrillic):
        assert (word, False) in runs, word
    assert (hebrew, False) in runs or (hebrew[::-1], False) in runs  # RTL is drawn as stored
    assert ("· 2025-01-14 10:02:", True) in runs  # back to bold after the note author's Greek
    assert render(doc) == pdf


def test_character_neither_face_draws_becomes_the_replacement_also_in_bold() -> None:
    runs = font_runs(render(order(title="Boiler 漢字 🚀 service")))
    assert (f"Boiler {REPLACEMENT}{REPLACEMENT} {REPLACEMENT} service", True) in runs


def test_a_title_drawn_with_the_regular_fallback_across_pages_keeps_the_page_numbers() -> None:
    title = "Ελληνικά heading words " * 250
    pdf = render(order(title=title))
    texts = pages(pdf)
    assert len(texts) >= 2
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text
    assert sum(text.count("Ελληνικά") for text in texts) == 250
    assert "Total EUR 1,815.00" in " ".join(texts)


def test_shipped_bold_face_is_what_its_script_cuts_from_the_full_face() -> None:
    with TTFont(subset_bold.SOURCE, lazy=True) as full, TTFont(subset_bold.TARGET, lazy=True) as cut:
        full_cmap, cut_cmap = full.getBestCmap(), cut.getBestCmap()
        assert sorted(cut_cmap) == subset_bold.wanted(set(full_cmap))
        for codepoint, glyph in cut_cmap.items():  # same advance widths: the layout is unchanged
            assert cut["hmtx"][glyph] == full["hmtx"][full_cmap[codepoint]]
    assert bold_codepoints() == frozenset(cut_cmap)
    # What the renderer itself writes in bold never needs the fallback.
    fixed = "".join(col.title for col in LINE_COLUMNS + CHANGE_COLUMNS)
    fixed += "Service order Description Lines Approval Field workers Revision note Changes since Notes"
    fixed += f"Total: 0123456789,.- \u00b7 {ARROW} {DASH} {REPLACEMENT} Untitled"
    assert {ord(ch) for ch in fixed} <= bold_codepoints()
    # clean() passes printable ASCII through as it is: the regular face must draw all of it.
    assert set(range(0x20, 0x7F)) <= font_codepoints()
