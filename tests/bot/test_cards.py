"""The order card and the bot's texts, as pure functions of an order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from bot.cards import order_card
from workflow.rules import Status
from workflow.snapshots import LineView, OrderView

TZ = ZoneInfo("Europe/Madrid")
AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def make_order(status: Status, lines: int = 2, **kw) -> OrderView:
    rows = [
        LineView("labour", f"Line {i} <b>&", Decimal(i), "h", Decimal("85.00"), Decimal(85 * i))
        for i in range(1, lines + 1)
    ]
    base = dict(
        id=7,
        number="SO-0007",
        status=status,
        version=3,
        client="Clínica <Norte>",
        site="Calle 1",
        contact="",
        title="Fix router",
        description="",
        planned_date=date(2026, 11, 24),
        priority="high",
        requester_id="U1",
        channel_id="C1",
        channel_name="so-0007-x",
        card_ts="1.2",
        current_revision=1,
        decided_by=None,
        decided_at=None,
        reject_reason="",
        outcome="",
        outcome_reason="",
        closed_by=None,
        closed_at=None,
        created_at=AT,
        updated_at=AT,
        lines=rows,
        total=sum((r.total for r in rows), Decimal()),
        supervisors=["U2"],
        field_workers=[],
        has_confirmation=False,
    )
    base.update(kw)
    return OrderView(**base)


def button_texts(blocks: list[dict]) -> list[str]:
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.PENDING_APPROVAL, ["Approve", "Reject", "Cancel order"]),
        (
            Status.IN_PROGRESS,
            [
                "Add field workers",
                "Create confirmation",
                "Close order",
                "Customer copy",
                ":package: Articles",
                "Cancel order",
                ":stopwatch: Start work",
                "Log time",
            ],
        ),
        (Status.REJECTED, []),
        (Status.CLOSED, ["Ready for invoicing", "Customer copy", ":package: Articles", "Cancel order"]),
        (Status.CANCELLED, ["Reinstate"]),
        (Status.READY_FOR_INVOICING, ["Mark as invoiced", "Create backorder", "Restore"]),
        (Status.INVOICED, ["Create backorder", "Restore"]),
    ],
)
def test_card_buttons_are_what_can_be_done_now(status, expected):
    blocks = order_card(make_order(status), "EUR", TZ)
    assert button_texts(blocks) == expected
    for b in blocks:
        Block.parse(b).validate_json()  # Slack's own limits, as the SDK knows them


def test_card_escapes_user_text_and_shows_totals():
    text = str(order_card(make_order(Status.PENDING_APPROVAL), "EUR", TZ))
    assert "Clínica &lt;Norte&gt;" in text and "<b>" not in text
    assert "Total EUR 255.00" in text and "2026-11-24" in text


def test_long_orders_are_cut_with_a_count_and_stay_within_limits():
    blocks = order_card(make_order(Status.IN_PROGRESS, lines=400, description="x" * 3000), "EUR", TZ)
    assert len(blocks) <= 50
    lines_block = next(
        b for b in blocks if b["type"] == "section" and "*Lines*" in b.get("text", {}).get("text", "")
    )
    assert "… and 388 more" in lines_block["text"]["text"]
    assert len(lines_block["text"]["text"]) <= 3000
    for b in blocks:
        Block.parse(b).validate_json()
