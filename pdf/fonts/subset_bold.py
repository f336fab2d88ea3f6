"""Cut DejaVuSans-Bold.ttf down for the bold text of an order: python pdf/fonts/subset_bold.py

fpdf2 parses every face of every document when it is added and subsets it again at output, so a
face costs time in proportion to its glyphs: the full bold face (6,000 glyphs) cost about 30 ms a
document, as much as the rest of a 10-line order; this cut (about 400 glyphs) about 8 ms, and
Latin + Greek + Cyrillic (1,200 glyphs) about 3 ms more, measured with bench/pdf_render.py.
Bold text in an order is headings, column titles, totals and a few names (company, title, note
authors), so the face keeps the Latin of European languages and common punctuation. Any other
character the regular face has (Greek, Cyrillic, Hebrew, Vietnamese, ...) is drawn in the full
regular face within the bold text (OrderPdf.bold_text in pdf/render.py), never as a missing glyph.
The OpenType layout tables go (fpdf2 drops them at output anyway, as it does no text shaping);
outlines, metrics, hinting and names stay as they are. The output is the same bytes on every run.

Run it again only when the ranges below or the source face change; the result is committed.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "DejaVuSans-Bold.ttf"
TARGET = HERE / "DejaVuSans-Bold-subset.ttf"

# Inclusive codepoint ranges kept (where the source face has a glyph for them).
BOLD_RANGES = (
    (0x0020, 0x017F),  # Basic Latin, Latin-1 Supplement, Latin Extended-A
    (0x0218, 0x021B),  # Romanian S and T with comma below
    (0x2010, 0x2027),  # dashes, quotation marks, bullet, ellipsis
    (0x2030, 0x203A),  # per mille, primes, single guillemets
    (0x20A0, 0x20C0),  # currency signs
    (0x2116, 0x2116),  # numero sign
    (0x2122, 0x2122),  # trade mark sign
    (0x2190, 0x2193),  # arrows (the "before -> after" of changes)
    (0x2212, 0x2212),  # minus sign
    (0x25A1, 0x25A1),  # white square: pdf.render's replacement character
)


def wanted(codepoints: set[int]) -> list[int]:
    return sorted(c for c in codepoints if any(low <= c <= high for low, high in BOLD_RANGES))


def build(source: Path = SOURCE, target: Path = TARGET) -> int:
    """Write the cut-down face; returns how many characters it maps."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "kern", "FFTM"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recommended_glyphs = True
    font = TTFont(source, recalcTimestamp=False)
    codepoints = wanted(set(font.getBestCmap()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.save(target)
    return len(codepoints)


if __name__ == "__main__":
    print(f"{TARGET.name}: {build()} characters")
