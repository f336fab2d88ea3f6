"""Totals and revision differences, in Decimal (what the card and the PDF show)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from wf_helpers import line

from workflow.money import amount_text, diff_lines, line_total, money_text, order_total, quantity_text


@pytest.mark.parametrize(
    ("quantity", "price", "total"),
    [
        ("2", "45.00", "90.00"),
        ("0.125", "1.00", "0.13"),  # half-up, not half-even (0.12)
        ("2.5", "0.01", "0.03"),  # 0.025 -> 0.03
        ("1.5", "0.05", "0.08"),  # 0.075 -> 0.08
        ("3", "0.333", "1.00"),  # 0.999 -> 1.00
        ("0.001", "4.99", "0.00"),  # 0.00499 -> 0.00
        ("12345678.125", "0.01", "123456.78"),  # 123456.78125
        ("1", "0", "0.00"),
    ],
)
def test_line_total_rounds_half_up_to_cents(quantity, price, total):
    result = line_total(line(quantity=quantity, unit_price=price))
    assert result == Decimal(total)
    assert str(result) == total  # exactly two places: what the PDF prints


def test_order_total_is_the_sum_of_rounded_line_totals():
    lines = [line("a", "0.125", "1.00"), line("b", "0.125", "1.00"), line("c", "2", "45.00")]
    assert order_total(lines) == Decimal("90.26")  # 0.13 + 0.13 + 90.00, not round(90.25)
    assert str(order_total([])) == "0.00"


def test_totals_are_decimal_never_float():
    assert isinstance(line_total(line()), Decimal)
    assert isinstance(order_total([line()]), Decimal)


@pytest.mark.parametrize(
    ("q", "text"),
    [("2", "2"), ("2.000", "2"), ("1.5", "1.5"), ("0.125", "0.125"), ("100", "100"), ("1E+3", "1000")],
)
def test_quantity_text_has_no_trailing_zeros_and_no_exponent(q, text):
    assert quantity_text(Decimal(q)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [("90", "90.00"), ("1234567.891", "1,234,567.89"), ("0.005", "0.01"), ("0", "0.00"), ("2.5", "2.50")],
)
def test_money_text(value, text):
    assert money_text(Decimal(value)) == text


def test_amount_text_reads_like_the_card():
    assert amount_text(line("Labour", "2", "45")) == "2 h × 45.00 = 90.00"


LINES = [
    line("Router swap", "2", "45.00"),
    line("Cable Cat6", "12.5", "1.99", kind="material", unit="m"),
    line("Patch panel", "1", "80.00", kind="material", unit="pc"),
]


def test_unchanged_lines_have_no_changes():
    assert diff_lines(LINES, list(LINES)) == []


def test_quantity_changed_shows_before_and_after():
    after = [LINES[0], line("Cable Cat6", "20", "1.99", kind="material", unit="m"), LINES[2]]
    changes = diff_lines(LINES, after)
    assert len(changes) == 1
    change = changes[0]
    assert (change.change, change.description) == ("changed", "Cable Cat6")
    assert "12.5 m × 1.99 = 24.88" in change.before
    assert "20 m × 1.99 = 39.80" in change.after


def test_added_line():
    after = [*LINES, line("Extra trip", "1", "30.00")]
    changes = diff_lines(LINES, after)
    assert [(c.change, c.description) for c in changes] == [("added", "Extra trip")]
    assert changes[0].before == ""
    assert "1 h × 30.00 = 30.00" in changes[0].after


def test_removed_from_the_middle_is_one_removal_not_a_cascade():
    changes = diff_lines(LINES, [LINES[0], LINES[2]])
    assert [(c.change, c.description) for c in changes] == [("removed", "Cable Cat6")]
    assert "12.5 m × 1.99" in changes[0].before
    assert changes[0].after == ""


def test_removed_first_line_is_one_removal():
    changes = diff_lines(LINES, LINES[1:])
    assert [(c.change, c.description) for c in changes] == [("removed", "Router swap")]


def test_description_edited_in_place_is_a_change_old_to_new():
    after = [LINES[0], line("Cable Cat7", "12.5", "1.99", kind="material", unit="m"), LINES[2]]
    changes = diff_lines(LINES, after)
    assert len(changes) == 1
    assert changes[0].change == "changed"
    assert changes[0].description == "Cable Cat6 → Cable Cat7"


def test_reordered_lines_are_not_changes():
    assert diff_lines(LINES, list(reversed(LINES))) == []


def test_kind_change_is_shown():
    after = [line("Router swap", "2", "45.00", kind="labour"), *LINES[1:]]
    changes = diff_lines(LINES, after)
    assert len(changes) == 1
    assert "service" in changes[0].before and "labour" in changes[0].after


def test_everything_new_is_all_added():
    changes = diff_lines([], LINES)
    assert [c.change for c in changes] == ["added"] * 3


def test_removing_one_of_two_same_named_lines_is_one_removal():
    before = [line("Labour", "2", "45.00"), line("Labour", "1", "60.00")]
    changes = diff_lines(before, [before[1]])
    assert [(c.change, c.description) for c in changes] == [("removed", "Labour")]
    assert "2 h × 45.00 = 90.00" in changes[0].before  # the line that is gone, not the one kept
