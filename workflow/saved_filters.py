"""Saved filters: a person's named `/so list` searches (`/so list save NAME …`), offered on the Home.

The text is stored as typed (after the bot has checked that it parses), not as the parsed filters:
`to:yesterday` saved today still means yesterday when it is run next week. Names are compared
without case (stored lowercased), so `Late` and `late` are one saved filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import SavedFilter
from workflow.errors import Refused
from workflow.home import queue_publish

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


def problem(name: str, text: str) -> str | None:
    """Why (name, text) cannot be saved; None when it can (the caller checked that text parses)."""
    found = name_problem(name)
    if found is None and not text.strip():
        found = "give the filters to save, e.g. `/so list save late status:in_progress to:yesterday`."
    if found is None and len(text) > TEXT_MAX:
        found = f"filters are at most {TEXT_MAX} characters long."
    return found


def _view(row: SavedFilter) -> SavedFilterView:
    return SavedFilterView(row.name, row.text, row.updated_at)


def saved_filters(s: Session, user_id: str) -> list[SavedFilterView]:
    """user_id's saved filters, by name."""
    rows = s.exec(select(SavedFilter).where(SavedFilter.user_id == user_id).order_by(col(SavedFilter.name)))
    return [_view(r) for r in rows.all()]


def saved_filter(s: Session, user_id: str, name: str) -> SavedFilterView | None:
    """user_id's saved filter called name (any case); None when there is none."""
    mine = select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name.lower())
    row = s.exec(mine).first()
    return _view(row) if row else None


def save(s: Session, user_id: str, name: str, text: str, now: datetime, refresh_seconds: float) -> bool:
    """Save (or replace) user_id's filter called name in s's transaction; True when it replaced one.
    Refused (invalid) for a bad name or text, or one too many."""
    why = problem(name, text)
    if why is not None:
        raise Refused("invalid", why)
    rows = s.exec(select(SavedFilter).where(SavedFilter.user_id == user_id).with_for_update()).all()
    row = next((r for r in rows if r.name == name.lower()), None)
    if row is None and len(rows) >= PER_PERSON:
        raise Refused(
            "invalid",
            f"you have {PER_PERSON} saved filters, the most there can be: delete one first "
            "(`/so list delete NAME`).",
        )
    if row is None:
        s.add(SavedFilter(user_id=user_id, name=name.lower(), text=text, created_at=now, updated_at=now))
    else:
        row.text, row.updated_at = text, now
        s.add(row)
    queue_publish(s, user_id, now, refresh_seconds)
    return row is not None


def delete_filter(s: Session, user_id: str, name: str, now: datetime, refresh_seconds: float) -> bool:
    """Delete user_id's filter called name (any case) in s's transaction; False when there was none."""
    gone = s.exec(  # type: ignore[call-overload]
        delete(SavedFilter).where(col(SavedFilter.user_id) == user_id, col(SavedFilter.name) == name.lower())
    ).rowcount
    if gone:
        queue_publish(s, user_id, now, refresh_seconds)
    return bool(gone)
