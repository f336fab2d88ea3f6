"""Block Kit for `/so list` results: pure functions of a page of orders and the filters that chose it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.cards import STATUS_ICON, mrkdwn_escape
from forms import ids
from forms.filters import OrderFilters
from workflow.saved_filters import SavedFilterView
from workflow.search import OrderRow, Page

PAGE_SIZE = 10  # rows a page: 10 sections and 3 more blocks, well inside Slack's 50
TEXT_MAX = 3000  # Slack's limit for a text object
BUTTON_VALUE_MAX = 2000  # Slack's limit for a button's value


@dataclass(frozen=True)
class Cursor:
    """What a paging button carries: the filters as text, where the page starts, its number."""

    filters: str
    after: int | None = None  # the next page: orders older than this seq
    before: int | None = None  # the previous page: orders newer than this seq
    page: int = 1


def button_value(cursor: Cursor) -> str:
    data: dict[str, Any] = {"q": cursor.filters, "p": cursor.page}
    if cursor.after is not None:
        data["after"] = cursor.after
    if cursor.before is not None:
        data["before"] = cursor.before
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def read_button_value(value: Any) -> Cursor | None:
    """The cursor in a paging button's value; None when it is not one (stale or forged)."""
    if not isinstance(value, str) or len(value) > BUTTON_VALUE_MAX:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), str):
        return None

    def seq(key: str) -> int | None:
        v = data.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31 else None

    after, before, page = seq("after"), seq("before"), seq("p")
    if (after is None) == (before is None) or not page:
        return None
    return Cursor(data["q"], after=after, before=before, page=page)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def filters_shown(filters: OrderFilters) -> str:
    """The filters as the person can read (and retype) them, inside backticks."""
    return "`" + mrkdwn_escape(filters.text()).replace("`", "'") + "`"


def order_row(row: OrderRow) -> str:
    """SO-0042 #so-0042-acme-router — Router swap / status · client · planned date."""
    where = f"<#{row.channel_id}>" if row.channel_id else "_channel being created_"
    planned = f"planned {row.planned_date.isoformat()}" if row.planned_date else "not planned"
    text = (
        f"*{row.number}* {where} — {_cut(mrkdwn_escape(row.title), 200)}\n"
        f"{STATUS_ICON.get(row.status, '')} {row.status_text} · {_cut(mrkdwn_escape(row.client), 200)}"
        f" · {planned}"
    )
    return _cut(text, TEXT_MAX)


def _button(text: str, action_id: str, cursor: Cursor) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": button_value(cursor),
    }


def order_list_message(page: Page, filters: OrderFilters, page_number: int = 1) -> dict:
    """The ephemeral answer to `/so list …`: a header, one section per order, Previous/Next."""
    query = filters.text()
    what = f"Orders matching {filters_shown(filters)}" if query else "All orders you can see"
    where = f" — page {page_number}" if page_number > 1 or page.next is not None else ""
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"*{what}*{where}", TEXT_MAX)}}
    ]
    if page.rows:
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": order_row(r)}} for r in page.rows]
    elif page_number > 1:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "_No more orders._"}})
    else:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "_No orders match._ Try fewer filters; `/so help` lists them all.",
                },
            }
        )
    buttons = []
    if page.previous is not None:
        back = Cursor(query, before=page.previous, page=max(1, page_number - 1))
        buttons.append(_button("◀ Previous", ids.LIST_PREVIOUS, back))
    if page.next is not None:
        buttons.append(_button("Next ▶", ids.LIST_NEXT, Cursor(query, after=page.next, page=page_number + 1)))
    if buttons:
        blocks.append({"type": "actions", "block_id": ids.LIST_PAGING_BLOCK, "elements": buttons})
    if page.rows:
        command = f"/so export {query}".strip()
        tip = "`" + mrkdwn_escape(command).replace("`", "'") + "`"
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _cut(f"{tip} sends these orders, with their lines, as a CSV file.", TEXT_MAX),
                    }
                ],
            }
        )
    numbers = ", ".join(r.number for r in page.rows) or "none"
    return {"text": _cut(f"{what.replace('*', '')}: {numbers}", TEXT_MAX), "blocks": blocks}


MODAL_TITLE_MAX = 24  # Slack: a modal's title


def saved_filters_message(saved: list[SavedFilterView]) -> str:
    """The answer to `/so list saved`: each saved filter, with how to run and delete it."""
    if not saved:
        return (
            "You have no saved filters. Save one with `/so list save NAME FILTERS`, e.g. "
            "`/so list save late status:in_progress to:yesterday`."
        )
    rows = [f"• *{s.name}* — `{mrkdwn_escape(s.text).replace('`', chr(39))}`" for s in saved]
    return _cut(
        f"*Your saved filters* · {len(saved)}\n"
        + "\n".join(rows)
        + "\n_Run one with `/so list NAME` (or `/so list saved:NAME`), delete it with "
        "`/so list delete NAME`. They are also buttons on the bot's Home tab._",
        TEXT_MAX,
    )


def saved_filter_modal(name: str, page: Page | None, filters: OrderFilters | None) -> dict:
    """The modal a saved filter's Home button opens: the first page of its results (the Home tab
    has no channel to answer in). No paging buttons: a modal has no response_url to page in, so
    the last block says how to see the rest. None for page: the filter is gone or no longer reads."""
    blocks: list[dict]
    if page is None or filters is None:
        blocks = [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"You have no saved filter *{mrkdwn_escape(name)[:30]}* any more (or it no "
                    "longer reads). `/so list saved` lists yours.",
                },
            }
        ]
    else:
        message = order_list_message(page, filters)
        blocks = [b for b in message["blocks"] if b.get("block_id") != ids.LIST_PAGING_BLOCK]
        if page.next is not None:
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": f"More orders match: `/so list {name}` pages through them all.",
                        }
                    ],
                }
            )
    return {
        "type": "modal",
        "callback_id": ids.SAVED_FILTER_RESULTS,
        "title": {"type": "plain_text", "text": _cut(f"Saved: {name}", MODAL_TITLE_MAX)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks[:100],
    }
