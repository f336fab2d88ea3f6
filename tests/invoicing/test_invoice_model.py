"""The arithmetic of an invoice (EN 16931: round each line, then sum; VAT per rate, half-up) and the
problems check() reports; also the sample invoice the other invoicing tests use."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from invoicing import (
    Address,
    Invoice,
    InvoiceLine,
    Party,
    Totals,
    VatSubtotal,
    category_of,
    check,
    line_net,
    totals,
    vat_breakdown,
)

EXEMPTION = "Exento art. 20.Uno.9º Ley 37/1992 del IVA"


def seller() -> Party:
    return Party(
        name="Climatización Norte S.L.",
        address=Address("Calle Licenciado Poza 31\nBajo izquierda", "Bilbao", "48011", "ES"),
        vat_id="ESB12345678",
        legal_id="B12345678",
        email="facturas@climatizacion-norte.es",
    )


def buyer() -> Party:
    return Party(
        name="Clínica Dental Sonrisa",
        address=Address("Gran Vía de Don Diego López de Haro 12", "Bilbao", "48001", "ES"),
        vat_id="ESB87654321",
        email="administracion@clinicasonrisa.es",
    )


def spanish_invoice(**changes) -> Invoice:
    """A revised order at 21 %, 10 % and one exempt line: net 500.30, VAT 45.96, gross 546.26."""
    lines = (
        InvoiceLine("1", "Revisión anual del equipo de climatización", Decimal("2.5"), "hours",
                    Decimal("45.00"), Decimal("21"), kind="labour"),
        InvoiceLine("2", "Filtro HEPA 600×600", Decimal("2"), "pcs", Decimal("38.90"), Decimal("21"),
                    code="FLT-600", kind="material"),
        InvoiceLine("3", "Reparación de fontanería en vivienda", Decimal("1.5"), "h", Decimal("40.00"),
                    Decimal("10"), kind="labour"),
        InvoiceLine("4", "Formación en higiene del personal clínico", Decimal("1"), "day",
                    Decimal("250.00"), Decimal("0"), exemption_reason=EXEMPTION, kind="service"),
    )  # fmt: skip
    invoice = Invoice(
        number="SO-0042-r3",
        order_number="SO-0042",
        revision=3,
        issue_date=date(2026, 11, 3),
        currency="EUR",
        seller=seller(),
        buyer=buyer(),
        lines=lines,
        payment_terms_days=30,
        buyer_reference="PED-2026-118",
        order_reference="SO-0042",
        period_start=date(2026, 10, 20),
        period_end=date(2026, 10, 31),
        iban="ES91 2100 0418 4502 0005 1332",
        bic="CAIXESBBXXX",
        note="Corrige la revisión 2",
        correction_of=2,
    )
    return replace(invoice, **changes)


def one_line(quantity: str, price: str, rate: str = "21", reason: str = "", line_id: str = "1"):
    return InvoiceLine(line_id, "Mano de obra", Decimal(quantity), "h", Decimal(price), Decimal(rate),
                       exemption_reason=reason)  # fmt: skip


def test_line_net_rounds_half_up_to_cents():
    assert line_net(one_line("1", "0.125")) == Decimal("0.13")  # half-even would give 0.12
    assert line_net(one_line("2.5", "45.00")) == Decimal("112.50")
    assert line_net(one_line("3", "0.335")) == Decimal("1.01")


def test_each_line_is_rounded_before_summing():
    lines = [one_line("1", "0.335", line_id=str(i)) for i in (1, 2, 3)]
    assert sum(line_net(line) for line in lines) == Decimal("1.02")  # rounding 1.005 once gives 1.01
    (subtotal,) = vat_breakdown(lines)
    assert subtotal.taxable == Decimal("1.02")
    assert subtotal.tax == Decimal("0.21")
    assert totals(lines) == Totals(net=Decimal("1.02"), vat=Decimal("0.21"), gross=Decimal("1.23"))


def test_vat_is_rounded_half_up_per_rate():
    (subtotal,) = vat_breakdown([one_line("1", "0.50")])  # 0.105
    assert subtotal.tax == Decimal("0.11")


def test_two_rates_and_an_exempt_line():
    breakdown = vat_breakdown(spanish_invoice().lines)
    assert breakdown == [
        VatSubtotal("S", Decimal("21"), Decimal("190.30"), Decimal("39.96")),
        VatSubtotal("S", Decimal("10"), Decimal("60.00"), Decimal("6.00")),
        VatSubtotal("E", Decimal("0"), Decimal("250.00"), Decimal("0.00"), EXEMPTION),
    ]
    assert totals(spanish_invoice().lines) == Totals(Decimal("500.30"), Decimal("45.96"), Decimal("546.26"))


def test_everything_is_decimal_with_two_places():
    result = totals(spanish_invoice().lines)
    for amount in (result.net, result.vat, result.gross):
        assert type(amount) is Decimal
        assert amount.as_tuple().exponent == -2
    for subtotal in vat_breakdown(spanish_invoice().lines):
        assert type(subtotal.taxable) is Decimal and type(subtotal.tax) is Decimal
        assert subtotal.taxable.as_tuple().exponent == -2 and subtotal.tax.as_tuple().exponent == -2


def test_rates_written_differently_share_one_subtotal():
    lines = [one_line("1", "10.00", "21"), one_line("1", "10.00", "21.00", line_id="2")]
    assert [(s.rate, s.taxable) for s in vat_breakdown(lines)] == [(Decimal("21"), Decimal("20.00"))]


def test_breakdown_takes_any_line_with_the_four_attributes():
    """The bot's order lines are not InvoiceLines; duck typing is enough."""
    line = SimpleNamespace(quantity=Decimal("4"), unit_price=Decimal("75.00"), vat_rate=Decimal("20"))
    assert vat_breakdown([line]) == [VatSubtotal("S", Decimal("20"), Decimal("300.00"), Decimal("60.00"))]


def test_floats_are_refused():
    with pytest.raises(TypeError):
        line_net(SimpleNamespace(quantity=1.5, unit_price=Decimal("10.00")))


def test_exempt_lines_with_different_reasons_share_one_subtotal():
    lines = [one_line("1", "10.00", "0", "Reason A"), one_line("1", "5.00", "0", "Reason B", "2")]
    (subtotal,) = vat_breakdown(lines)
    assert (subtotal.category, subtotal.taxable, subtotal.exemption_reason) == (
        "E", Decimal("15.00"), "Reason A; Reason B")  # fmt: skip


def test_category_of():
    assert category_of(Decimal("21")) == "S"
    assert category_of(Decimal("0")) == "E"
    assert category_of(Decimal("0.00")) == "E"


def test_a_sound_invoice_has_no_problems():
    assert check(spanish_invoice()) == []


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"lines": ()}, "no lines"),
        ({"seller": replace(seller(), address=Address(city="Bilbao"))}, "seller country"),
        ({"buyer": replace(buyer(), address=Address(city="Bilbao"))}, "buyer country"),
        ({"seller": replace(seller(), vat_id="")}, "seller vat id"),
        ({"seller": replace(seller(), vat_id="B12345678")}, "country code"),
        ({"lines": (one_line("1", "10.00", "0"),)}, "line 1"),
        ({"lines": (one_line("1", "-10.00"),)}, "negative"),
        ({"lines": (one_line("1", "10.00"), one_line("1", "10.00"))}, "line id"),
        ({"currency": "euro"}, "currency"),
        ({"period_start": date(2026, 11, 1), "period_end": date(2026, 10, 1)}, "period"),
        ({"buyer": Party("Particular", Address(country="ES"))}, "electronic address"),
    ],
)
def test_check_names_the_problem(changes, words):
    problems = check(spanish_invoice(**changes))
    assert problems, changes
    assert any(words in problem.lower() for problem in problems), problems
