"""The Articles form of an order: its articles to be ordered, each with a status select (to order,
ordered, delivered), and the fields to add one (description, quantity, unit; a catalog item when the
company has a catalog). The statuses the form was opened with are kept in its metadata, so only what
the person changed is sent, and the workflow refuses a change someone made in between."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import (
    TextField,
    metadata_int,
    read_metadata,
    selected_value,
    state_values,
    write_metadata,
)

STATUS_LABELS = {"to_order": "To order", "ordered": "Ordered", "delivered": "Delivered"}
LABEL_MAX = 150  # an article as its status select's label
QUANTITY_MAX = Decimal(1_000_000)
SHOWN_MAX = 40  # articles listed with a select (workflow.articles.OPEN_MAX)
STALE_FORM = "This form could not be matched to an order. Close it and open Articles again from the card."
NOTHING = "Nothing to save: add an article (describe it or pick it) or change a status."

DESCRIPTION = TextField(ids.ARTICLE_DESC, "Description", 500, placeholder="e.g. Router AX 3000")
QUANTITY = TextField(ids.ARTICLE_QUANTITY, "Quantity", 20, placeholder="1", hint="e.g. 2 or 1.5; 1 if empty")
UNIT = TextField(ids.ARTICLE_UNIT, "Unit", 20, placeholder="pcs")

_QUANTITY = re.compile(r"[0-9]{1,7}(?:[.,][0-9]+)?")


@dataclass(frozen=True)
class ArticleRow:
    """An article as the form lists it."""

    id: int
    description: str
    quantity: Decimal
    unit: str
    status: str  # to_order | ordered | delivered


@dataclass(frozen=True)
class NewArticle:
    description: str
    quantity: Decimal
    unit: str
    catalog_item_id: int | None = None


@dataclass(frozen=True)
class ArticlesDraft:
    order_id: int
    added: tuple[NewArticle, ...]
    statuses: tuple[tuple[int, str, str], ...]  # (article id, status shown, status chosen)


def _label(row: ArticleRow) -> str:
    quantity = format(row.quantity.normalize(), "f")
    text = " ".join(f"{quantity} {row.unit} {row.description}".split())
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _status_block(row: ArticleRow) -> blocks.Block:
    options = [blocks.option(text, value) for value, text in STATUS_LABELS.items()]
    element = {
        "type": "static_select",
        "action_id": ids.ARTICLE_STATUS,
        "options": options,
        "initial_option": next(o for o in options if o["value"] == row.status),
    }
    return blocks.input_block(ids.article_status_block(row.id), _label(row), element, optional=False)


def articles_modal(
    order_id: int, number: str, rows: list[ArticleRow], used: list[str], catalog: bool = False
) -> dict[str, Any]:
    """The form: rows (the articles not used yet, with their status) and used (those already moved
    into the lines, in words); catalog: a catalog picker for the article to add."""
    shown = [r for r in rows if r.status in STATUS_LABELS][:SHOWN_MAX]
    intro = (
        f"Articles to be ordered for *{blocks.escape_mrkdwn(number)}*: not in the lines and not invoiced "
        "until they are delivered and used (*Use delivered articles* on the card)."
    )
    view_blocks: list[blocks.Block] = [blocks.section(None, intro)]
    view_blocks += [_status_block(r) for r in shown]
    if not shown:
        view_blocks.append(blocks.context(None, "_No articles to order yet._"))
    if used:
        text = "In the lines: " + ", ".join(blocks.escape_mrkdwn(u) for u in used)
        view_blocks.append(blocks.context(None, text if len(text) <= 2000 else text[:1999] + "…"))
    view_blocks.append({"type": "divider"})
    view_blocks.append(blocks.section(None, "*Add an article to order*"))
    if catalog:
        element = {
            "type": "external_select",
            "action_id": ids.ARTICLE_CATALOG,
            "min_query_length": 1,
            "placeholder": blocks.plain("Code or name"),
        }
        view_blocks.append(
            blocks.input_block(
                ids.ARTICLE_CATALOG,
                "Catalog item",
                element,
                optional=True,
                hint="Its name, unit and price are used; a description typed below replaces the name.",
            )
        )
    view_blocks += [DESCRIPTION.block(), QUANTITY.block(), UNIT.block()]
    meta = write_metadata(
        {"order_id": order_id, "number": number[:50], "was": {str(r.id): r.status for r in shown}}
    )
    return blocks.modal(ids.ARTICLES, "Articles", "Save", view_blocks, meta)


def parse_quantity(text: str) -> Decimal | None:
    """The quantity typed ('2', '1.5', '1,5'): above 0, at most 3 decimals; None otherwise."""
    t = text.strip()
    if not _QUANTITY.fullmatch(t):
        return None
    number = Decimal(t.replace(",", "."))
    if not 0 < number < QUANTITY_MAX or -number.normalize().as_tuple().exponent > 3:  # type: ignore[operator]
        return None
    return number


@never_raises(ids.ARTICLE_DESC)
def parse_articles(view: Any) -> FormResult[ArticlesDraft]:
    """The status changes and the article added, or errors under the field."""
    values = state_values(view)
    meta = read_metadata(view)
    errors: dict[str, str] = {}
    order_id = metadata_int(meta, "order_id", 1)
    was = meta.get("was") if isinstance(meta.get("was"), dict) else {}
    statuses = []
    for key, before in was.items():  # type: ignore[union-attr]
        if not (isinstance(key, str) and key.isdigit() and before in STATUS_LABELS):
            continue
        chosen = selected_value(values, ids.article_status_block(int(key)), ids.ARTICLE_STATUS)
        if chosen in STATUS_LABELS and chosen != before:
            statuses.append((int(key), str(before), chosen))
    picked = selected_value(values, ids.ARTICLE_CATALOG, ids.ARTICLE_CATALOG)
    item = int(picked) if picked and picked.isdigit() and 0 < int(picked) < 2**31 else None
    description = DESCRIPTION.read(values, errors)
    quantity_text = QUANTITY.read(values, errors)
    unit = UNIT.read(values, errors)
    added: list[NewArticle] = []
    if description or item is not None:
        quantity = parse_quantity(quantity_text) if quantity_text else Decimal(1)
        if quantity is None:
            errors[ids.ARTICLE_QUANTITY] = "Type a quantity above 0, e.g. 2 or 1.5 (at most 3 decimals)"
        else:
            added.append(NewArticle(description, quantity, unit, item))
    elif quantity_text or unit:
        errors[ids.ARTICLE_DESC] = "Describe the article to add (or pick it from the catalog)"
    elif not statuses and not errors:
        errors[ids.ARTICLE_DESC] = NOTHING
    if order_id is None:
        errors[ids.ARTICLE_DESC] = STALE_FORM
    if errors or order_id is None:
        return failed(errors)
    return FormResult(ArticlesDraft(order_id, tuple(added), tuple(statuses)))
