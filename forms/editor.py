"""Add line / Remove line: rebuild the modal from a block_actions payload's view, for views.update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forms import confirmation, ids, new_order
from forms.lines import CatalogPick, LineRow, row_from_item, row_keys, rows_from_state
from forms.state import read_metadata

Rebuild = Callable[[Any, dict[str, Any], list[LineRow], int], dict[str, Any]]

_FORMS: dict[str, tuple[Rebuild, int]] = {
    ids.NEW_ORDER: (new_order.rebuild, new_order.MAX_LINES),
    ids.CONFIRMATION: (confirmation.rebuild, confirmation.MAX_LINES),
}


def _current(view: dict[str, Any]) -> tuple[Rebuild, int, dict[str, Any], list[LineRow], int]:
    callback_id = view.get("callback_id") if isinstance(view, dict) else None
    if callback_id not in _FORMS:
        raise ValueError(f"no line editor in a view with callback_id {callback_id!r}")
    rebuild, limit = _FORMS[callback_id]
    meta = read_metadata(view)
    keys, next_key = row_keys(view, meta)
    return rebuild, limit, meta, rows_from_state(view, keys)[:limit], next_key


def with_line_added(view: dict[str, Any]) -> dict[str, Any]:
    """Gives the same modal with one more empty line (unchanged when full) and every typed value kept."""
    rebuild, limit, meta, rows, next_key = _current(view)
    if len(rows) < limit:
        rows.append(LineRow(next_key))
        next_key += 1
    return rebuild(view, meta, rows, next_key)


def with_line_removed(view: dict[str, Any], key: int) -> dict[str, Any]:
    """Gives the same modal without line `key` and every other typed value kept.

    Removing the only line leaves one empty line, under a new key: reusing the old key would let
    Slack put the removed text back.
    """
    rebuild, _, meta, rows, next_key = _current(view)
    rows = [row for row in rows if row.key != key]
    if not rows:
        rows = [LineRow(next_key)]
        next_key += 1
    return rebuild(view, meta, rows, next_key)


def with_item_picked(view: dict[str, Any], key: int, item: CatalogPick) -> dict[str, Any]:
    """Gives the same modal with row `key` filled from the catalog item, under a new key (Slack would
    keep the old row's typed text under the old one); unchanged when there is no such row."""
    rebuild, _, meta, rows, next_key = _current(view)
    if not any(row.key == key for row in rows):
        return rebuild(view, meta, rows, next_key)
    rows = [row_from_item(next_key, item) if row.key == key else row for row in rows]
    return rebuild(view, meta, rows, next_key + 1)
