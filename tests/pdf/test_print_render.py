"""The company's print settings on the PDF: letterhead, footer, logo, locale, its own fields, catalog
codes, and the customer copy without prices, checked through pypdf as a reader would see them."""

from __future__ import annotations

import dataclasses
import io
import re
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from pdf import DocField, DocLine, OrderDocument, render
from pdf.formats import formats_for, locale_problem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_strategies import hostile_text, long_text  # noqa: E402

HERE = Path(__file__).resolve().parent
PNG = (HERE / "print_logo.png").read_bytes()
JPEG = (HERE / "print_logo.jpg").read_bytes()
ADDRESS = "Storgatan 1\n111 22 Stockholm"
FOOTER = "Registered in Stockholm · VAT SE556677889901"


def line(description: str, qty: str, price: str, code: str = "", kind: str = "material") -> DocLine:
    q, p = Decimal(qty), Decimal(price)
    return DocLine(kind, description, q, "pcs", p, (q * p).quantize(Decimal("0.01")), code)


def document(lines: list[DocLine] | None = None, **overrides) -> OrderDocument:
    if lines is None:
        lines = [
            line("Replace pressure valve", "2", "617.28", code="PV-200"),
            line("Gasket set", "1.5", "4.00"),
        ]
    fields = dict(
        company="Nordic Heat & Service AB",
        currency="EUR",
        number="SO-0042",
        revision=1,
        status="In progress",
        title="Boiler service",
        client="Åkesson Fastigheter AB",
        site="Storgatan 12",
        contact="Märta Öberg",
        description="Annual inspection.",
        priority="High",
        requester="Jonas Ek",
        created_at=datetime(2025, 1, 8, 9, 15),
        planned_date=date(2025, 1, 14),
        generated_at=datetime(2025, 1, 10, 14, 32),
        lines=lines,
        total=sum((x.total for x in lines), Decimal("0")),
        approved_by="Anna Svensson",
        approved_at=datetime(2025, 1, 9, 16, 5),
        company_address=ADDRESS,
        footer=FOOTER,
    )
    fields.update(overrides)
    return OrderDocument(**fields)


def pages(data: bytes) -> list[str]:
    return [re.sub(r" {2,}", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def text(data: bytes) -> str:
    return "\n".join(pages(data))


def images(data: bytes) -> list[list[tuple[int, str]]]:
    """Each page's image XObjects: (object number, encoding)."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        raw = [xobjects.raw_get(name) for name in xobjects]
        out.append([(ref.idnum, ref.get_object()["/Filter"]) for ref in raw if ref["/Subtype"] == "/Image"])
    return out


def test_letterhead_and_footer_on_every_page_of_a_long_order():
    many = [line(f"Item number {i}", "1", "10.00") for i in range(90)]
    data = render(document(many))
    texts = pages(data)
    assert len(texts) >= 3
    for n, page in enumerate(texts, start=1):
        assert "Nordic Heat & Service AB" in page
        assert "Storgatan 1" in page and "111 22 Stockholm" in page
        assert FOOTER in page
        assert f"Page {n} of {len(texts)}" in page


@pytest.mark.parametrize(("logo", "encoding"), [(PNG, "/FlateDecode"), (JPEG, "/DCTDecode")])
def test_logo_is_drawn_on_every_page_and_embedded_once(logo: bytes, encoding: str):
    many = [line(f"Item number {i}", "1", "10.00") for i in range(60)]
    data = render(document(many, logo=logo))
    per_page = images(data)
    assert len(per_page) >= 2 and all(len(found) == 1 for found in per_page)
    assert {found[0] for found in per_page} == {(per_page[0][0][0], encoding)}  # one image, on each page
    assert render(document(many, logo=logo)) == data


@pytest.mark.parametrize(
    "logo",
    [b"", b"GIF89a not one we take", b"<svg xmlns='http://www.w3.org/2000/svg'/>", PNG[:40], JPEG[:30]],
    ids=["empty", "gif", "svg", "cut-png", "cut-jpeg"],
)
def test_a_logo_that_is_no_png_or_jpeg_is_left_out_and_the_pdf_still_renders(logo: bytes):
    data = render(document(logo=logo))
    assert images(data) == [[]]
    assert "Nordic Heat & Service AB" in text(data)


@pytest.mark.parametrize(
    ("locale", "amounts", "dates"),
    [
        ("de_DE", ["1.234,56", "6,00", "1.240,56 EUR", "1,5"], ["14.01.2025", "08.01.2025, 09:15"]),
        ("en", ["1,234.56", "6.00", "EUR 1,240.56", "1.5"], ["Jan 14, 2025", "Jan 8, 2025"]),
        ("fr_FR", ["234,56", "1 240,56 EUR"], ["14 janv. 2025"]),
        ("", ["1,234.56", "EUR 1,240.56"], ["2025-01-14", "2025-01-08 09:15"]),
    ],
)
def test_numbers_and_dates_are_written_the_way_the_locale_writes_them(locale, amounts, dates):
    doc = document([line("Valve", "2", "617.28"), line("Gasket set", "1.5", "4.00")], locale=locale)
    data = render(doc)
    shown = text(data).replace("\u202f", " ").replace("\u00a0", " ")
    for expected in amounts + dates:
        assert expected in shown, expected


def test_an_unknown_locale_is_refused_by_the_check_and_renders_the_neutral_way():
    assert locale_problem("xx_YY") and locale_problem("de_DE") is None and locale_problem("") is None
    data = render(document(locale="xx_YY"))
    assert "2025-01-14" in text(data)


def _as_cldr_writes(value: Decimal, locale: str, places: int | None) -> str:
    """value written with the symbols and grouping CLDR gives locale in the installed Babel, read at
    run time (its group and decimal symbols, its decimal pattern's grouping sizes): what the PDF
    promises, without Babel's formatter (Babel 2.19's format_decimal drops a group symbol that is
    an apostrophe, as in de_CH, taking it for a pattern quote)."""
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, parse_pattern

    primary, secondary = parse_pattern(Locale.parse(locale).decimal_formats[None].pattern).grouping
    if places is None:
        digits = f"{abs(value).normalize():f}"
    else:
        digits = f"{abs(value).quantize(Decimal(1).scaleb(-places)):f}"
    whole, _, fraction = digits.partition(".")
    groups = [whole[-primary:]] if len(whole) > primary else [whole]
    rest = whole[:-primary] if len(whole) > primary else ""
    while rest:
        groups.insert(0, rest[-secondary:])
        rest = rest[:-secondary]
    marks = dict.fromkeys(map(ord, "\u200e\u200f\u061c"))
    text = get_group_symbol(locale).translate(marks).join(groups)
    if fraction:
        text += get_decimal_symbol(locale).translate(marks) + fraction
    negative = value < 0 and any(ch not in "0." for ch in digits)
    negative = negative or (value < 0 and places is not None)  # "-0.00", as Python and Babel write it
    return (get_minus_sign_symbol(locale).translate(marks) if negative else "") + text


@pytest.mark.parametrize("locale", ["de_DE", "en", "fr_FR", "de_CH", "hi_IN", "ar_EG"])
def test_amounts_and_quantities_are_written_as_cldr_has_the_locale(locale: str):
    """Two places for amounts, open places for quantities, the locale's separators and grouping (by
    threes, or 3 then 2 as in hi_IN) as the installed CLDR data has them, whatever it says."""
    fmt = formats_for(locale)
    for value in ("0.5", "-12.3", "999.99", "1000", "1234567.89", "100000000", "2.675", "-0.005"):
        assert fmt.number(Decimal(value)) == _as_cldr_writes(Decimal(value), locale, 2), value
    for value in ("1", "1.5", "1250", "0.001", "999999.999", "2.50", "123456789.5"):
        assert fmt.quantity(Decimal(value)) == _as_cldr_writes(Decimal(value), locale, None), value


def test_the_grouping_follows_the_locale_not_a_fixed_rule():
    """hi_IN groups lakhs and crores (3 then 2), en by threes; de_CH's symbols differ from de_DE's."""
    assert formats_for("hi_IN").number(Decimal("123456789")).count(",") == 3  # 12,34,56,789.00
    assert formats_for("en").number(Decimal("123456789")).count(",") == 2
    assert formats_for("de_CH").number(Decimal("1234567.89")) != formats_for("de_DE").number(
        Decimal("1234567.89")
    )


def test_the_company_fields_show_under_details_with_numbers_and_dates_in_the_locale():
    fields = [
        DocField("Order type", "Repair", "#d32f2f"),
        DocField("Cost center", "CC-4711"),
        DocField("Meter reading", "12345.5", value=Decimal("12345.5")),
        DocField("Next visit", "2025-03-01", value=date(2025, 3, 1)),
        DocField("Badge colour that is not one", "Odd", "#zzzzzz"),
    ]
    shown = text(render(document(custom_fields=fields, locale="de_DE")))
    assert "Details" in shown
    for expected in ("Order type", "Repair", "CC-4711", "12.345,5", "01.03.2025", "Odd"):
        assert expected in shown
    assert "Details" not in text(render(document()))


def test_a_code_column_only_when_some_line_has_a_code():
    with_code = text(render(document()))
    assert "Code" in with_code and "PV-200" in with_code
    without = text(render(document([line("Valve", "2", "617.28")])))
    assert "Code" not in without


def test_the_customer_copy_has_the_lines_and_quantities_but_no_prices_or_totals():
    lines = [line("Replace pressure valve", "2", "617.28", code="PV-200"), line("Gasket set", "3", "4.00")]
    doc = document(
        lines,
        previous_total=Decimal("99.00"),
        revision=2,
        notes=[],
        revision_note="Pump checked as well.",
    )
    full = text(render(doc))
    assert "617.28" in full and "1,246.56" in full
    copy = text(render(dataclasses.replace(doc, customer_copy=True)))
    assert "Customer copy" in copy
    for shown in ("Replace pressure valve", "PV-200", "Gasket set", "Pump checked as well.", "Storgatan 12"):
        assert shown in copy
    assert re.search(r"Replace pressure valve\s+2\s+pcs", copy) and re.search(r"Gasket set\s+3\s+pcs", copy)
    for hidden in ("617.28", "1,234.56", "12.00", "1,246.56", "99.00", "Unit price", "Total", "EUR"):
        assert hidden not in copy, hidden


def test_the_same_document_gives_the_same_bytes():
    doc = document(
        logo=PNG,
        locale="de_DE",
        custom_fields=[DocField("Order type", "Repair", "#d32f2f")],
    )
    assert render(doc) == render(doc)
    assert render(dataclasses.replace(doc, customer_copy=True)) == render(
        dataclasses.replace(doc, customer_copy=True)
    )


SLOW = [HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large]
colours = st.sampled_from(["", "#d32f2f", "#FFEB3B", "d32f2f", "#12345", "#gggggg"]) | hostile_text(2)
doc_fields = st.builds(DocField, hostile_text(6) | long_text(300, 400), hostile_text() | long_text(), colours)


@settings(max_examples=15, deadline=None, suppress_health_check=SLOW)
@given(
    company=hostile_text(8) | long_text(200, 300),
    address=hostile_text() | long_text(),
    footer=hostile_text() | long_text(),
    fields=st.lists(doc_fields, max_size=6),
    code=hostile_text(3) | long_text(40, 60),
    locale=st.sampled_from(["", "en", "de_DE", "ar_EG", "hi_IN", "zz", "de-DE"]) | hostile_text(2),
    customer_copy=st.booleans(),
)
def test_long_and_hostile_print_settings_do_not_break_the_pdf(
    company, address, footer, fields, code, locale, customer_copy
):
    doc = document(
        [line("Valve", "2", "617.28", code=code), line("Gasket", "1", "4.00")],
        company=company,
        company_address=address,
        footer=footer,
        custom_fields=fields,
        locale=locale,
        customer_copy=customer_copy,
        logo=PNG,
        generated_at=datetime(2025, 1, 10, 14, 32, tzinfo=UTC),
    )
    data = render(doc)
    assert data.startswith(b"%PDF") and render(doc) == data
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1
