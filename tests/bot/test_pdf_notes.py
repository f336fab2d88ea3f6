"""A busy thread on the PDF: the notes log is bounded, the newest notes shown, the rest counted."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from bot.demo import LAYLA, OGECHI
from forms import ids
from tests.bot.helpers import click, opened_view, submit_order
from workflow.service import NOTE_CHARS_ON_PDF, NOTES_ON_PDF


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def test_a_busy_thread_prints_the_newest_notes_and_counts_the_earlier_ones(world):
    """Provoke: NOTES_ON_PDF + 12 thread replies, the last one far longer than a note on paper
    should be, then a confirmation (a new revision and its PDF)."""
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    world.settle()
    order = wf.order(order.id)
    total = NOTES_ON_PDF + 12
    for n in range(1, total):
        fake.post_message_as(LAYLA, order.channel_id, f"Thread note number {n:03d}.", thread_ts=order.card_ts)
    long_note = "Last note " + "x" * (NOTE_CHARS_ON_PDF * 3)
    fake.post_message_as(LAYLA, order.channel_id, long_note, thread_ts=order.card_ts)
    world.settle()

    click(world, LAYLA, order, ids.OPEN_CONFIRMATION)
    view = opened_view(world)
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "3 h × 85")
    assert fake.submit(LAYLA, view).status == 200 and not fake.view_errors.get(view)
    world.settle()

    [pdf] = [f for f in fake.files.values() if f["name"] == f"{order.number}-r2.pdf"]
    text = pdf_text(pdf["content"])
    assert "… and 12 earlier notes, in the order's thread in Slack" in text
    assert "Thread note number 012." not in text  # the oldest are counted, not printed
    assert "Thread note number 013." in text and f"Thread note number {total - 1:03d}." in text
    assert "Last note" in text and "x" * (NOTE_CHARS_ON_PDF * 2) not in text.replace(" ", "")
    assert len(wf.revision(order.id, 2).notes) == NOTES_ON_PDF  # what the PDF is made from
