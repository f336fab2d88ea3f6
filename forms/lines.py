"""The line editor shared by the new-order and the confirmation modal.

A row is exactly three blocks (description, amount, kind select + Remove), identified by a
stable small integer key kept in private_metadata: `{"keys": [0, 1, 3], "next": 4, ...}`.
Keys never shift or get reused, so when the modal is rebuilt through views.update every typed
value stays under the same block_id/action_id and Slack keeps it.

When the company has a catalog (`"catalog": 1` in the metadata) each row's actions block also
holds a catalog picker (an external_select). Picking an item replaces the row by one under a new
key — the only way to put the item's description and price into inputs Slack would otherwise keep
as typed — and the metadata remembers which rows came from which item: `"items": {"4": [17,
"LAB-001"]}` (key → catalog item id and code). Editing such a row keeps the link; whether its
price may change is the workflow's business (Workflow.check_catalog_prices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from forms import amounts, blocks, ids
from forms.state import clean_text, read_metadata, selected_value, state_values, text_value
from forms.types import LINE_KINDS, LineDraft

VIEW_MAX_BLOCKS = 100  # Slack's limit for a modal (slack-facts §5)
ROW_BLOCKS = 3
DESCRIPTION_MAX = 500
AMOUNT_INPUT_MAX = 100
KEY_MAX = 999_999
CODE_MAX = 40  # a catalog item's code (storage.models.CatalogItem)
OPTION_TEXT_MAX = 75  # Slack's limit for an option's text

KIND_LABELS = {"service": "Service", "material": "Material", "labour": "Labour", "other": "Other"}
DEFAULT_KIND = "service"

_ROW_BLOCK = re.compile(
    rf"{re.escape(ids.LINE_PREFIX)}([0-9]{{1,6}}):({ids.LINE_DESC}|{ids.LINE_AMOUNT}|"
    rf"{ids.LINE_ACTIONS})"
)


def max_lines(fixed_blocks: int) -> int:
    """Gives how many rows fit in a modal beside `fixed_blocks` other blocks (the Add line block included)."""
    return (VIEW_MAX_BLOCKS - fixed_blocks) // ROW_BLOCKS


@dataclass(frozen=True)
class LineRow:
    """What one row shows, as the person typed it (not necessarily valid yet)."""

    key: int
    description: str = ""
    amount: str = ""
    kind: str = DEFAULT_KIND
    item_id: int | None = None  # the catalog item the row was picked from
    code: str = ""  # that item's code


@dataclass(frozen=True)
class CatalogPick:
    """A catalog item as the row picked from it is filled in (bot.listeners.pickers reads it)."""

    id: int
    code: str
    name: str
    kind: str
    unit: str
    unit_price: Decimal


def row_from_line(key: int, line: LineDraft) -> LineRow:
    return LineRow(
        key,
        line.description,
        amounts.format_amount(line.quantity, line.unit, line.unit_price),
        line.kind if line.kind in LINE_KINDS else DEFAULT_KIND,
        line.catalog_item_id,
        line.code,
    )


def row_from_item(key: int, item: CatalogPick) -> LineRow:
    """Gives a row filled from the catalog item: its name, one unit at its price, its kind."""
    return LineRow(
        key,
        item.name[:DESCRIPTION_MAX],
        amounts.format_amount(Decimal(1), item.unit, item.unit_price),
        item.kind if item.kind in LINE_KINDS else DEFAULT_KIND,
        item.id,
        item.code,
    )


def item_option(
    item_id: int, code: str, name: str = "", unit: str = "", unit_price: Decimal | None = None
) -> dict[str, Any]:
    """Gives the option a catalog item is shown as: "LAB-001 — Network diagnosis · 85.00/h"."""
    price = f" · {amounts.format_price(unit_price)}/{unit}" if unit_price is not None else ""
    text = f"{code} — {name}" if name else code
    room = OPTION_TEXT_MAX - len(price)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return blocks.option(text + price, str(item_id))


def catalog_shown(meta: dict[str, Any]) -> bool:
    """Whether the rows carry a catalog picker (decided when the modal was opened)."""
    return meta.get("catalog") == 1


def row_items(meta: dict[str, Any]) -> dict[int, tuple[int, str]]:
    """Gives the catalog item (id, code) of each row picked from the catalog, by row key."""
    raw = meta.get("items")
    found: dict[int, tuple[int, str]] = {}
    if not isinstance(raw, dict):
        return found
    for key, pair in raw.items():
        if (
            isinstance(key, str)
            and key.isdigit()
            and isinstance(pair, list)
            and len(pair) == 2
            and _valid_id(pair[0])
            and isinstance(pair[1], str)
        ):
            found[int(key)] = (pair[0], pair[1][:CODE_MAX])
    return found


def _kind_option(kind: str) -> dict[str, Any]:
    return blocks.option(KIND_LABELS[kind], kind)


def _catalog_select(row: LineRow) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": ids.CATALOG_ITEM,
        "placeholder": blocks.plain("Catalog item"),
        "min_query_length": 1,
    }
    if row.item_id is not None:
        element["initial_option"] = item_option(row.item_id, row.code)
    return element


def row_blocks(row: LineRow, position: int, catalog: bool = False) -> list[blocks.Block]:
    """Gives the three blocks of one row; `position` is 1-based, for the label. With `catalog`, the
    actions block starts with the catalog picker."""
    kind = row.kind if row.kind in LINE_KINDS else DEFAULT_KIND
    description = blocks.text_input(
        ids.LINE_DESC,
        max_length=DESCRIPTION_MAX,
        placeholder="What is done or supplied",
        initial=row.description,
    )
    amount = blocks.text_input(
        ids.LINE_AMOUNT, max_length=AMOUNT_INPUT_MAX, placeholder=amounts.EXAMPLE, initial=row.amount
    )
    return [
        blocks.input_block(
            ids.line_block(row.key, ids.LINE_DESC), f"Line {position}", description, optional=True
        ),
        blocks.input_block(
            ids.line_block(row.key, ids.LINE_AMOUNT), "Quantity, unit × unit price", amount, optional=True
        ),
        {
            "type": "actions",
            "block_id": ids.line_block(row.key, ids.LINE_ACTIONS),
            "elements": [
                *([_catalog_select(row)] if catalog else []),
                {
                    "type": "static_select",
                    "action_id": ids.LINE_KIND,
                    "placeholder": blocks.plain("Kind"),
                    "options": [_kind_option(k) for k in LINE_KINDS],
                    "initial_option": _kind_option(kind),
                },
                {
                    "type": "button",
                    "action_id": ids.REMOVE_LINE,
                    "text": blocks.plain("Remove"),
                    "value": str(row.key),
                },
            ],
        },
    ]


def editor_blocks(rows: list[LineRow], limit: int, catalog: bool = False) -> list[blocks.Block]:
    """Gives the rows' blocks and then the Add line button, or a note when the form is full."""
    out: list[blocks.Block] = []
    for position, row in enumerate(rows[:limit], start=1):
        out.extend(row_blocks(row, position, catalog))
    if len(rows) < limit:
        out.append(
            {
                "type": "actions",
                "block_id": ids.LINES_ACTIONS_BLOCK,
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ADD_LINE,
                        "text": blocks.plain("Add line"),
                        "value": "add",
                    }
                ],
            }
        )
    else:
        out.append(blocks.context(ids.LINES_ACTIONS_BLOCK, f"At most {limit} lines in one form"))
    return out


def editor_metadata(rows: list[LineRow], next_key: int, catalog: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"keys": [r.key for r in rows], "next": next_key}
    if catalog:
        meta["catalog"] = 1
    items = {str(r.key): [r.item_id, r.code] for r in rows if r.item_id is not None}
    if items:
        meta["items"] = items
    return meta


def _valid_key(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= KEY_MAX


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _keys_in(block_ids: Any) -> list[int]:
    found: list[int] = []
    for block_id in block_ids:
        match = _ROW_BLOCK.fullmatch(block_id) if isinstance(block_id, str) else None
        if match and int(match[1]) not in found:
            found.append(int(match[1]))
    return found


def row_keys(view: Any, meta: dict[str, Any]) -> tuple[list[int], int]:
    """Gives the keys of the rows the view shows, in order, and the next unused key.

    The keys come from private_metadata; when that is missing or damaged, from the view's blocks,
    and failing those from state.values.
    """
    keys = meta.get("keys")
    if not (isinstance(keys, list) and all(_valid_key(k) for k in keys) and len(set(keys)) == len(keys)):
        view_blocks = view.get("blocks") if isinstance(view, dict) else None
        keys = (
            _keys_in(b.get("block_id") for b in view_blocks if isinstance(b, dict))
            if isinstance(view_blocks, list)
            else []
        )
        if not keys:
            keys = sorted(_keys_in(state_values(view)))
    next_key = meta.get("next")
    floor = max(keys, default=-1) + 1
    if not _valid_key(next_key) or next_key < floor:
        next_key = floor
    return keys, next_key


def rows_from_state(view: Any, keys: list[int]) -> list[LineRow]:
    """Gives each row as currently typed, so that a rebuilt view loses nothing."""
    values = state_values(view)
    items = row_items(read_metadata(view))
    rows = []
    for key in keys:
        kind = selected_value(values, ids.line_block(key, ids.LINE_ACTIONS), ids.LINE_KIND)
        item_id, code = items.get(key, (None, ""))
        rows.append(
            LineRow(
                key,
                text_value(values, ids.line_block(key, ids.LINE_DESC), ids.LINE_DESC) or "",
                text_value(values, ids.line_block(key, ids.LINE_AMOUNT), ids.LINE_AMOUNT) or "",
                kind if kind in LINE_KINDS else DEFAULT_KIND,
                item_id,
                code,
            )
        )
    return rows


def filled_keys(values: dict[str, Any], keys: list[int]) -> list[int]:
    """Gives the keys of the rows parse_rows turns into lines, in order: the i-th line's row is the
    i-th of these (a refusal about line i is shown under that row)."""
    return [
        key
        for key in keys
        if clean_text(text_value(values, ids.line_block(key, ids.LINE_DESC), ids.LINE_DESC), multiline=False)
        or clean_text(
            text_value(values, ids.line_block(key, ids.LINE_AMOUNT), ids.LINE_AMOUNT), multiline=False
        )
    ]


def parse_rows(
    values: dict[str, Any],
    keys: list[int],
    limit: int,
    errors: dict[str, str],
    items: dict[int, tuple[int, str]] | None = None,
) -> list[LineDraft]:
    """Gives the filled rows as lines; errors go under the row's description or amount block.

    A row with both description and amount blank is skipped, whatever its kind says. `items`
    (row_items of the metadata) links rows to the catalog items they were picked from.
    """
    lines: list[LineDraft] = []
    filled_keys: list[int] = []
    for key in keys:
        desc_block = ids.line_block(key, ids.LINE_DESC)
        amount_block = ids.line_block(key, ids.LINE_AMOUNT)
        description = clean_text(text_value(values, desc_block, ids.LINE_DESC), multiline=False)
        amount_text = clean_text(text_value(values, amount_block, ids.LINE_AMOUNT), multiline=False)
        if not description and not amount_text:
            continue
        filled_keys.append(key)
        kind = selected_value(values, ids.line_block(key, ids.LINE_ACTIONS), ids.LINE_KIND)
        if kind is None:
            kind = DEFAULT_KIND
        if not description:
            errors[desc_block] = "Describe what is done or supplied"
        elif len(description) > DESCRIPTION_MAX:
            errors[desc_block] = f"At most {DESCRIPTION_MAX} characters (now {len(description):,})"
        elif kind not in LINE_KINDS:
            errors[desc_block] = "Pick a kind: service, material, labour or other"
        amount = None
        if not amount_text:
            errors[amount_block] = amounts.HOW_TO
        elif len(amount_text) > AMOUNT_INPUT_MAX:
            errors[amount_block] = amounts.HOW_TO
        else:
            amount, message = amounts.parse_amount(amount_text, kind)
            if message:
                errors[amount_block] = message
        if amount is not None and desc_block not in errors:
            item_id, code = (items or {}).get(key, (None, ""))
            lines.append(
                LineDraft(kind, description, amount.quantity, amount.unit, amount.unit_price, item_id, code)
            )
    if len(filled_keys) > limit:
        errors[ids.line_block(filled_keys[-1], ids.LINE_DESC)] = f"At most {limit} lines in one form"
    return lines


def amount_block_of_line(view: Any, index: int) -> str | None:
    """Gives the amount block of the row the view's `index`-th parsed line came from (None when
    there is no such line): where a refusal about that line's price is shown."""
    keys, _ = row_keys(view, read_metadata(view))
    filled = filled_keys(state_values(view), keys)
    return ids.line_block(filled[index], ids.LINE_AMOUNT) if 0 <= index < len(filled) else None
