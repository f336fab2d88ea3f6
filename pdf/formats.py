"""How a locale writes numbers, money and dates on the PDF, from Babel's CLDR data.

A locale's patterns are parsed once per process (formats_for is cached) and applied per value:
parsing a Locale costs milliseconds, applying a parsed pattern microseconds.

Money is written with the currency's code, not its symbol ("1.234,56 EUR", "EUR 1,234.56"): "$" and
"kr" each stand for several currencies, a code is what accounting reads back without doubt, and
SO_CURRENCY may name a code CLDR has no symbol for. The locale decides on which side it goes.
Amounts keep the two places the orders store, whatever the currency's usual digits.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import DateTimePattern
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern
from babel.numbers import parse_pattern as parse_number_pattern


def _visible(text: str) -> str:
    """CLDR text without its bidi and other format marks (the PDF draws left to right)."""
    if text.isprintable():  # no format marks: the common case, checked in C
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def locale_problem(name: str) -> str | None:
    """Why name is not a locale the PDF can write in, or None when it is ("" is ISO)."""
    if not name:
        return None
    try:
        Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return f"unknown locale {name!r} (use a name like en, en_GB, de_DE or sv_SE)"
    return None


class Formats:
    """Numbers, money and dates as one locale writes them ("" is the neutral, ISO one)."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._locale: Locale | None = None
        self._money: NumberPattern | None = None
        self._quantity: NumberPattern | None = None
        self._date: DateTimePattern | None = None
        self._time: DateTimePattern | None = None
        self._date_time = "{1} {0}"
        self._code_first = True
        self._separators: dict[int, str] | None = None  # see _compile
        if name:
            self._compile(Locale.parse(name.replace("-", "_")))

    def _compile(self, loc: Locale) -> None:
        self._locale = loc
        # The decimal pattern carries the locale's grouping (3 digits, or 3 then 2 as in en_IN);
        # its fraction part is replaced by exactly two places for money, and kept open for quantities.
        decimal = loc.decimal_formats[None].pattern.split(";")[0]
        integer = re.sub(r"\..*$", "", decimal)
        self._money = parse_number_pattern(integer + ".00")
        self._quantity = parse_number_pattern(integer + ".###")
        symbols = loc.number_symbols["latn"]
        if self._money.grouping == (3, 3):
            # Most locales group by threes: Python's own formatting with the locale's symbols swapped
            # in writes the same text in a fifth of the time (a long order has thousands of amounts).
            self._separators = str.maketrans(
                {",": _visible(symbols["group"]), ".": _visible(symbols["decimal"])}
            )
        standard = _visible(loc.currency_formats["standard"].pattern.split(";")[0]).strip()
        self._code_first = standard.startswith("\u00a4")
        self._date = parse_date_pattern(loc.date_formats["medium"].pattern)
        self._time = parse_date_pattern(loc.time_formats["short"].pattern)
        self._date_time = _visible(str(loc.datetime_formats["medium"]))

    def number(self, value: Decimal) -> str:
        """An amount with two places and the locale's separators: 1.234,56."""
        if self._money is None:
            return f"{value:,.2f}"
        if self._separators is not None:
            return f"{value:,.2f}".translate(self._separators)
        return _visible(self._money.apply(value, self._locale))

    def quantity(self, value: Decimal) -> str:
        """A quantity without trailing zeros: 2, 1,5, 1.250."""
        if value.is_zero():
            return "0"
        if self._quantity is None:
            return f"{value.normalize():,f}"
        if self._separators is not None:
            return f"{value.normalize():,f}".translate(self._separators)
        return _visible(self._quantity.apply(value, self._locale, decimal_quantization=False))

    def money(self, value: Decimal, currency: str) -> str:
        """An amount with the currency's code where the locale puts it: EUR 1,234.56, 1.234,56 EUR."""
        number = self.number(value)
        return f"{currency} {number}" if self._code_first else f"{number} {currency}"

    def day(self, value: date) -> str:
        """A date, the locale's medium form: Jan 14, 2025; 14.01.2025; 2025-01-14 without a locale."""
        if self._date is None:
            return value.strftime("%Y-%m-%d")
        return _visible(self._date.apply(value, self._locale))

    def moment(self, value: datetime) -> str:
        """A date and time (of day, without seconds): Jan 14, 2025, 9:15 AM; 14.01.2025, 09:15."""
        if self._date is None or self._time is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return self._date_time.replace("{1}", self.day(value)).replace(
            "{0}", _visible(self._time.apply(value, self._locale))
        )


NEUTRAL = Formats()


@cache
def formats_for(name: str) -> Formats:
    """The parsed formats of a locale; an unknown name writes the neutral way rather than fail
    (the company file's loader refuses it first: see locale_problem)."""
    if locale_problem(name) is not None:
        return NEUTRAL
    return Formats(name)
