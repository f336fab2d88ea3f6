"""Hostile input for the property tests: any Unicode, extreme numbers, long texts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

# Every assigned and unassigned code point except surrogates (which no JSON or database carries).
any_char = st.characters(exclude_categories=("Cs",))
# The nasty ones, drawn often: controls, format (bidi, ZWJ), combining marks, line/para separators.
nasty_char = st.characters(categories=("Cc", "Cf", "Mn", "Me", "Zl", "Zp", "Zs", "Co", "Cn"))
rtl_char = st.sampled_from(
    [chr(c) for c in (*range(0x05D0, 0x05EB), *range(0x0627, 0x064B), 0x200F, 0x061C)]
    + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)
emoji = st.sampled_from(
    ["😀", "👩‍🔧", "🇪🇸", "👍🏽", "🧯", "❤️", "🏳️‍🌈", "\U0001fae0", "𝕏", "\U000e0041", "ﷺ", "﷽", "𒐫"]
)
combining = st.sampled_from(["e\u0301", "a\u0308\u0308\u0308\u0308", "Z\u0336\u0337\u0338", "\u0e49\u0e49"])

piece = st.one_of(
    st.text(any_char, max_size=12),
    st.text(nasty_char, max_size=6),
    st.text(rtl_char, min_size=1, max_size=8),
    emoji,
    combining,
    st.sampled_from([" ", "\n", "\r\n", "\t", "\u2028", "\u2029", "\x00", "\ufeff", "\ue000" * 4]),
    st.sampled_from(["{nb}", "%PDF", ")", "(", "\\", "<script>", "&amp;", "*bold*", "<@U123>"]),
)


def hostile_text(max_pieces: int = 20) -> st.SearchStrategy[str]:
    """Short hostile text, built from pieces so that every kind shows up often."""
    return st.lists(piece, max_size=max_pieces).map("".join)


def long_text(min_size: int = 2000, max_size: int = 3000) -> st.SearchStrategy[str]:
    """Up to 3000 characters: one unbroken word, or many short ones."""
    # A hostile seed repeated to length: cheap to draw, and still any content at full length.
    seed = st.lists(piece, min_size=1, max_size=6).map(lambda ps: "".join(ps) or "x")
    size = st.integers(min_size, max_size)
    return st.one_of(
        st.tuples(seed, size).map(lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]]),
        st.tuples(seed, size).map(lambda t: ((t[0] + " ") * (t[1] // (len(t[0]) + 1) + 1))[: t[1]]),
        size.map(lambda n: "W" * n),
        size.map(lambda n: ("😀" + "\u0301" + "א") * (n // 3)),
    )


def any_text(max_pieces: int = 20) -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(max_pieces), hostile_text(max_pieces), long_text())


# Within the form's limits: quantity ≤ 1,000,000 with ≤ 3 decimals, price ≤ 100,000,000 with ≤ 2.
QTY_MIN, QTY_MAX = Decimal("0.001"), Decimal(1_000_000)
PRICE_MAX = Decimal(100_000_000)
quantities = st.one_of(
    st.decimals(min_value=QTY_MIN, max_value=QTY_MAX, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([QTY_MIN, QTY_MAX, Decimal("999999.999"), Decimal(1), Decimal("0.5")]),
)
prices = st.one_of(
    st.decimals(min_value=0, max_value=PRICE_MAX, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("0.00"), Decimal("0.01"), PRICE_MAX, Decimal("99999999.99")]),
)
