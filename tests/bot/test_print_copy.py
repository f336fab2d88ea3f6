"""The customer copy through the real app: the card's button and `/so copy` post the order's PDF
without prices in its channel, once per revision, to the people involved only."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from bot.demo import DIEGO, LAYLA, OGECHI
from forms import ids
from tests.bot.helpers import buttons, card, click, ephemerals_to, forged_click, submit_order
from tests.conftest import PEDRO

COPY = "SO-0001-r1-customer.pdf"


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r" {2,}", " ", text)


def copies(world) -> list[dict]:  # type: ignore[no-untyped-def]
    return [f for f in world.fake.files.values() if f["name"].endswith("-customer.pdf")]


def test_the_card_button_posts_the_customer_copy_once_and_refuses_outsiders(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(
        world, lines=(("Router swap", "2 h × 85", "labour"), ("Cable", "12 m × 3.50", "material"))
    )
    assert "Customer copy" not in buttons(card(world, order))  # nothing approved yet
    click(world, OGECHI, order, ids.APPROVE)
    assert "Customer copy" in buttons(card(world, order))

    click(world, LAYLA, order, ids.CUSTOMER_COPY)
    click(world, LAYLA, order, ids.CUSTOMER_COPY)  # a second click: nothing more is posted
    posted = copies(world)
    assert [f["name"] for f in posted] == [COPY]
    order = wf.order(order.id)
    assert posted[0]["shared_to"] == [order.channel_id]
    said = ephemerals_to(world, LAYLA)
    assert any("is being posted" in t and "SO-0001" in t for t in said)
    assert any("already posted" in t for t in said)

    text = pdf_text(posted[0]["content"])
    assert "Andes IT & Consulting" in text and "Customer copy" in text
    assert "Router swap" in text and "Cable" in text
    for price in ("85.00", "3.50", "170.00", "42.00", "212.00", "Total", "Unit price"):
        assert price not in text, price
    full = next(f for f in fake.files.values() if f["name"] == "SO-0001-r1.pdf")
    assert "Total EUR 212.00" in pdf_text(full["content"])

    forged_click(world, PEDRO, order, ids.CUSTOMER_COPY)
    refusal = ephemerals_to(world, PEDRO)[-1]
    assert "can get customer copies" in refusal and "Nothing was changed" in refusal
    assert len(copies(world)) == 1


def test_so_copy_posts_it_and_answers_who_may_not(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    pending = fake.slash_command(LAYLA, "/so", "copy SO-0001").body_text
    assert "pending approval" in pending and "Nothing was changed" in pending
    click(world, OGECHI, order, ids.APPROVE)

    answer = fake.slash_command(OGECHI, "/so", "copy 1").body_text
    assert "is being posted" in answer
    world.settle()
    assert [f["name"] for f in copies(world)] == [COPY]
    assert "already posted" in fake.slash_command(LAYLA, "/so", "copy SO-0001").body_text

    # Diego is a field worker, but not on this order; Pedro has no role at all: neither sees it
    assert "No order `SO-0001`" in fake.slash_command(DIEGO, "/so", "copy SO-0001").body_text
    assert "No order `SO-0001`" in fake.slash_command(PEDRO, "/so", "copy SO-0001").body_text
    assert "Which order?" in fake.slash_command(LAYLA, "/so", "copy").body_text
    assert "No order `SO-0099`" in fake.slash_command(LAYLA, "/so", "copy SO-0099").body_text
    world.settle()
    assert len(copies(world)) == 1
    assert "/so copy" in fake.slash_command(LAYLA, "/so", "help").body_text
    assert wf.order(order.id).status == "in_progress"
