"""Keys for matching what people type against names: case and accents ignored."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """text in lower case, without accents, spaces collapsed: "  Müller  Ø " → "muller ø".

    Letters that are not a base letter plus marks (ø, ß, æ) stay as they are, folded by casefold
    ("ß" → "ss"). Used for search keys and natural keys, so "Müller" and "MULLER" are one client."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).split())
