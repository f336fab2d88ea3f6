"""PDF renderer under hostile input: any Unicode, 3000-character fields, extreme amounts, 300 lines.

Property: render() gives a PDF that pypdf opens, with at least one page, the grand total printed as
`f"{total:,.2f}"`, and the same bytes for the same document.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hostile_strategies import any_text, hostile_text, long_text, prices, quantities
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from forms.types import LINE_KINDS
from pdf import DocChange, DocLine, DocNote, OrderDocument, render

CENT = Decimal("0.01")
SLOW = [HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large]


def _line(kind: str, description: str, quantity: Decimal, unit: str, price: Decimal) -> DocLine:
    total = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
    return DocLine(kind, description, quantity, unit, price, total)


lines = st.builds(
    _line,
    st.one_of(st.sampled_from(LINE_KINDS), hostile_text(3)),
    st.one_of(hostile_text(), hostile_text(), long_text(400, 500)),
    quantities,
    st.one_of(st.sampled_from(["h", "pcs", "m²", "service", ""]), hostile_text(3)),
    prices,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([timezone(timedelta(hours=-12)), timezone(timedelta(hours=14, minutes=45))]),
)
notes = st.builds(
    DocNote,
    author=hostile_text(5),
    at=moments,
    text=any_text(),
    files=st.lists(hostile_text(4), max_size=3),
)
changes = st.builds(
    DocChange,
    change=st.sampled_from(["added", "removed", "changed"]) | hostile_text(2),
    description=hostile_text(),
    before=hostile_text(),
    after=hostile_text(),
)


@st.composite
def documents(draw: st.DrawFn, line_count: st.SearchStrategy[int] | None = None) -> OrderDocument:
    if line_count is None:
        doc_lines = draw(st.lists(lines, max_size=25))
    else:  # hundreds of lines: a few distinct hostile lines, repeated (keeps the draw small)
        distinct = draw(st.lists(lines, min_size=1, max_size=6))
        doc_lines = [distinct[i % len(distinct)] for i in range(draw(line_count))]
    total = sum((x.total for x in doc_lines), Decimal("0.00")).quantize(CENT)
    text = any_text()
    return OrderDocument(
        company=draw(hostile_text(6)),
        currency=draw(st.sampled_from(["EUR", "USD", "CLP", "BTC"]) | hostile_text(2)),
        number=draw(st.sampled_from(["SO-0001", "SO-9999", "SO-123456"]) | hostile_text(3)),
        revision=draw(st.integers(0, 10_000)),
        status=draw(hostile_text(4)),
        title=draw(text),
        client=draw(text),
        site=draw(text),
        contact=draw(text),
        description=draw(text),
        priority=draw(st.sampled_from(["Low", "Normal", "High", "Urgent"]) | hostile_text(2)),
        requester=draw(hostile_text(5)),
        created_at=draw(moments),
        planned_date=draw(st.none() | st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))),
        generated_at=draw(moments),
        lines=doc_lines,
        total=total,
        approved_by=draw(st.none() | hostile_text(5)),
        approved_at=draw(st.none() | moments),
        field_workers=draw(st.lists(hostile_text(4), max_size=5)),
        revision_note=draw(st.just("") | text),
        revision_author=draw(st.just("") | hostile_text(4)),
        previous_total=draw(st.none() | prices),
        changes=draw(st.lists(changes, max_size=8)),
        notes=draw(st.lists(notes, max_size=4)),
        outcome=draw(st.just("") | hostile_text(4)),
        timezone=draw(st.sampled_from(["UTC", "Europe/Madrid", "America/Santiago"]) | hostile_text(3)),
    )


def _squash(text: str) -> str:
    return "".join(text.split())


def check_pdf(doc: OrderDocument) -> None:
    data = render(doc)
    assert isinstance(data, bytes) and data.startswith(b"%PDF")
    assert render(doc) == data, "render is not deterministic"
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    total = f"{doc.total:,.2f}"
    # The total row sits after the lines table; later sections (approval, notes, changes) may
    # follow it on further pages, so look in the last pages, from the end backwards.
    tail = ""
    for page in reversed(reader.pages):
        tail = page.extract_text() + tail
        if total in _squash(tail):
            break
    assert total in _squash(tail), f"grand total {total} not found in the PDF text"


@settings(max_examples=30, deadline=None, suppress_health_check=SLOW)
@given(doc=documents())
def test_any_document_renders_to_a_readable_pdf(doc: OrderDocument) -> None:
    check_pdf(doc)


@settings(max_examples=5, deadline=None, suppress_health_check=SLOW)
@given(doc=documents(line_count=st.integers(250, 300)))
def test_hundreds_of_lines_render(doc: OrderDocument) -> None:
    check_pdf(doc)


def _extreme(description: str, lines_count: int, qty: Decimal, price: Decimal) -> OrderDocument:
    doc_lines = [_line("material", description[:500], qty, "pcs", price) for _ in range(lines_count)]
    total = sum((x.total for x in doc_lines), Decimal("0.00")).quantize(CENT)
    at = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    return OrderDocument(
        company="Co",
        currency="EUR",
        number="SO-0001",
        revision=1,
        status="In progress",
        title=description,
        client=description,
        site=description,
        contact=description,
        description=description,
        priority="High",
        requester="U1",
        created_at=at,
        planned_date=None,
        generated_at=at,
        lines=doc_lines,
        total=total,
    )


EXTREMES = {
    "wide": ("W" * 3000, 300, Decimal(1_000_000), Decimal(100_000_000)),
    "right-to-left": ("\u202e" + "שלום " * 600, 3, Decimal("0.001"), Decimal("0.01")),
    "emoji": ("😀" * 3000, 1, Decimal("999999.999"), Decimal("99999999.99")),
    "control characters": ("\x00\x1b[31m\u2028\u2029\ufeff", 0, Decimal(1), Decimal(0)),
}


@pytest.mark.parametrize("case", list(EXTREMES))
def test_extreme_documents_render_with_their_total(case: str) -> None:
    check_pdf(_extreme(*EXTREMES[case]))
