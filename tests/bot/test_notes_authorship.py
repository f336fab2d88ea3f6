"""Item 9: notes come from the people who take part in the order (its requester and field workers,
supervisors, admins: the rules table's NOTE rule). Anyone else added to the channel is ignored:
no note stored, no reaction, nothing on the PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from bot.demo import DIEGO, OGECHI, World
from forms import ids
from tests.bot.helpers import click, submit_order
from tests.conftest import ADMIN, PEDRO, count_notes


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def test_only_people_taking_part_in_the_order_write_its_notes(world: World):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    wf.add_field_workers(order.id, OGECHI, [DIEGO])
    world.runtime.dispatcher.wake()
    world.settle()
    channel = fake.channels[order.channel_id]
    with fake._lock:  # someone adds Pedro (no role, no part in the order) and the admin to the channel
        channel.members.update({PEDRO, ADMIN})

    pedro_ts, answer = fake.post_message_as(
        PEDRO, order.channel_id, "Approved by finance, pay the invoice now", thread_ts=order.card_ts
    )
    assert answer is not None and answer.status == 200
    diego_ts, _ = fake.post_message_as(DIEGO, order.channel_id, "Router replaced", thread_ts=order.card_ts)
    admin_ts, _ = fake.post_message_as(ADMIN, order.channel_id, "Parts ordered", thread_ts=order.card_ts)
    world.settle()

    assert count_notes(world, order.id) == 2
    reacted = {c.params.get("timestamp") for c in fake.calls_to("reactions.add")}
    assert pedro_ts not in reacted and {diego_ts, admin_ts} <= reacted
    assert not fake.message(order.channel_id, pedro_ts).get("reactions")

    lines = wf.order(order.id).lines
    wf.confirm(order.id, DIEGO, 1, lines, note="Done")
    world.runtime.dispatcher.wake()
    world.settle()
    pdf = next(f for f in fake.files.values() if f["name"] == f"{order.number}-r2.pdf")
    text = pdf_text(pdf["content"])
    assert "Router replaced" in text and "Parts ordered" in text
    assert "pay the invoice" not in text
