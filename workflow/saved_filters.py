"""Saved filters: a person's named `/so list` searches (`/so list save NAME …`), offered on the Home.

The text is stored as typed (after the bot has checked that it parses), not as the parsed filters:
`to:yesterday` saved today still means yesterday when it is run next week. Names are compared
without case (stored lowercased), so `Late` and `late` are one saved filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

NAME = re.compile(r"[A-Za-z0-9_-]{1,30}")
NAME_RULE = "1 to 30 letters, digits, `-` or `_`"
PER_PERSON = 20  # the Home tab shows them all as buttons: 4 actions blocks of 5
TEXT_MAX = 500  # forms.filters.MAX_TEXT
# Words that already mean something right after `/so list`: a saved filter may not take them.
RESERVED = frozenset({"save", "saved", "delete", "mine", "waiting"})


@dataclass(frozen=True)
class SavedFilterView:
    name: str
    text: str
    updated_at: datetime


def name_problem(name: str) -> str | None:
    """Why name cannot name a saved filter; None when it can."""
    if not NAME.fullmatch(name):
        return f"a saved filter's name is {NAME_RULE} (e.g. `late-acme`)."
    if name.lower() in RESERVED:
        return f"`{name}` already means something after `/so list`; choose another name."
    return None
