"""The whole app through its HTTP endpoint, against the local Slack: what people see happen."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.parse
import urllib.request

import pytest
from pypdf import PdfReader

from bot.demo import DIEGO, LAYLA, OGECHI, Transcript, play
from forms import ids
from tests.bot.helpers import (
    buttons,
    card,
    channel_texts,
    click,
    ephemerals_to,
    forged_click,
    opened_view,
    submit_order,
)
from tests.conftest import ADMIN, PEDRO, count_notes

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database


def pdf_text(content: bytes) -> str:
    """The PDF's text as a reader sees it (runs of spaces from the extraction collapsed)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r" {2,}", " ", text)


def test_seed_use_case_end_to_end(world, tmp_path):
    """The demo's story in a bot without a company file: master data imported, Layla submits picking
    the client and catalog items, Ogechi approves, Diego is added, notes, and files the final
    confirmation; Layla asks for the customer copy."""
    lines: list[str] = []
    play(world, Transcript(world.fake, lines.append), tmp_path)
    fake, wf = world.fake, world.runtime.workflow
    order = wf.find("SO-0001")
    assert order.status == "closed" and order.outcome == "completed_with_changes"
    # revision 3: the customer's signature on the order page (the lines of revision 2)
    assert order.current_revision == 3 and str(order.total) == "715.00"
    assert order.signature is not None and order.signature.valid and order.signature.revision == 2

    # exactly one channel, one card (posted once, updated in place, pinned), one PDF per revision
    assert len(fake.calls_to("conversations.create")) == 1
    channel = fake.channels[order.channel_id]
    assert channel.name.startswith("so-0001-clinica-dental-norte") and channel.is_private
    assert {LAYLA, OGECHI, DIEGO} <= channel.members
    card_posts = [c for c in fake.calls_to("chat.postMessage") if c.params.get("blocks")]
    assert len(card_posts) == 1
    assert channel.pins == [order.card_ts]
    assert len(fake.calls_to("chat.update")) >= 2
    # closed: the office's step and the copy for the client; without the company file's invoicing
    # section Ready for invoicing was refused, naming what the invoice lacks, and nothing changed
    assert buttons(card(world, order)) == [
        "Ready for invoicing",
        "Customer copy",
        ":link: Customer link",
        ":package: Articles",
        "Cancel order",
    ]
    assert any("VAT number" in t for t in ephemerals_to(world, LAYLA) if "not ready for invoicing" in t)
    pdfs = sorted((f for f in fake.files.values() if f["name"].endswith(".pdf")), key=lambda f: f["name"])
    assert [f["name"] for f in pdfs] == [
        "SO-0001-r1.pdf",
        "SO-0001-r2-customer.pdf",
        "SO-0001-r2.pdf",
        "SO-0001-r3.pdf",
    ]
    assert (tmp_path / "SO-0001-r2.pdf").read_bytes() == pdfs[2]["content"]
    assert order.client_id is not None and order.site_id is not None  # picked, not typed

    r1, r2 = pdf_text(pdfs[0]["content"]), pdf_text(pdfs[2]["content"])
    assert "SO-0001" in r1 and "Clínica Dental Norte" in r1 and "Network diagnosis on site" in r1
    assert "Approved by Ogechi Okafor" in r1 and "Total EUR 290.00" in r1
    assert "Router, Cisco RV340" in r2 and "MAT-RV340" in r2 and "Total EUR 715.00" in r2
    assert "290.00 → 715.00" in r2 and "Diego Ramírez" in r2
    assert "The router is dead" in r2 and "old-router.jpg" in r2  # the thread notes, in the next PDF

    # the supervisor was told in a DM, with the channel
    dm = fake.dms(OGECHI)
    assert len(dm) == 1 and f"<#{order.channel_id}>" in dm[0]["text"]
    # thread replies were acknowledged with a reaction
    replies = [m for m in fake.messages(order.channel_id) if m.get("user") == DIEGO]
    assert len(replies) == 2 and all(m.get("reactions") for m in replies)
    assert any("Completed with adjustments" in t for t in channel_texts(world, order))
    assert any("=== PDFs saved" in line for line in lines)


def test_card_buttons_follow_the_status(world):
    order = submit_order(world)
    assert buttons(card(world, order)) == ["Approve", "Reject", "Cancel order"]
    click(world, OGECHI, order, ids.APPROVE)
    assert buttons(card(world, order)) == [
        "Add field workers",
        "Create confirmation",
        "Close order",
        "Customer copy",
        ":link: Customer link",
        ":package: Articles",
        "Cancel order",
        ":stopwatch: Start work",  # Ogechi is a supervisor: she may work on it too
        "Log time",
    ]


def test_rejection_asks_a_reason_posts_it_and_ends_the_order(world):
    fake = world.fake
    order = submit_order(world)
    click(world, OGECHI, order, ids.REJECT)
    view = opened_view(world)
    assert fake.views[view]["callback_id"] == ids.REJECT_ORDER
    fake.fill(view, ids.REJECT_REASON, ids.REJECT_REASON, "   ")
    fake.submit(OGECHI, view)
    assert ids.REJECT_REASON in fake.view_errors.get(view, {})
    assert world.runtime.workflow.order(order.id).status == "pending_approval"

    fake.fill(view, ids.REJECT_REASON, ids.REJECT_REASON, "The client cancelled by phone.")
    assert fake.submit(OGECHI, view).status == 200
    world.settle()
    after = world.runtime.workflow.order(order.id)
    assert after.status == "rejected" and after.reject_reason == "The client cancelled by phone."
    assert any("The client cancelled by phone." in t for t in channel_texts(world, order))
    assert buttons(card(world, order)) == []
    assert not [f for f in fake.files.values() if f["name"].endswith(".pdf")]  # nothing was published

    # a late Approve from an old view of the card changes nothing and says who decided
    world.runtime.workflow.grant("test", PEDRO, "supervisor", check=False)
    result = forged_click(world, PEDRO, after, ids.APPROVE)
    assert result.status == 200
    assert world.runtime.workflow.order(order.id).status == "rejected"
    assert any("already rejected by <@" + OGECHI in t for t in ephemerals_to(world, PEDRO))


def test_close_not_performed_needs_a_reason(world):
    fake = world.fake
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    click(world, OGECHI, order, ids.OPEN_CLOSE)
    view = opened_view(world)
    options = [
        o["value"]
        for b in fake.views[view]["blocks"]
        if b.get("block_id") == ids.CLOSE_OUTCOME
        for o in b["element"]["options"]
    ]
    assert "completed_with_changes" not in options  # only after a confirmation
    fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "not_performed")
    fake.submit(OGECHI, view)
    assert ids.CLOSE_REASON in fake.view_errors.get(view, {})
    assert world.runtime.workflow.order(order.id).status == "in_progress"

    fake.fill(view, ids.CLOSE_REASON, ids.CLOSE_REASON, "Nobody was on site to open the door.")
    fake.submit(OGECHI, view)
    world.settle()
    after = world.runtime.workflow.order(order.id)
    assert (after.status, after.outcome) == ("closed", "not_performed")
    assert any("Not performed" in t and "open the door" in t for t in channel_texts(world, order))
    # not performed: nothing to invoice, only the copy for the client (or calling it off)
    assert buttons(card(world, order)) == ["Customer copy", ":link: Customer link", "Cancel order"]


def test_refusals_name_the_role_and_change_nothing(world):
    fake, wf = world.fake, world.runtime.workflow
    # a person without a role cannot open the form
    result = fake.slash_command(PEDRO, "/so", "new")
    assert result.status == 200 and "coordinator or an admin" in result.body_text
    assert not fake.calls_to("views.open")

    order = submit_order(world)
    # a coordinator cannot approve; the requester cannot approve their own order
    click(world, LAYLA, order, ids.APPROVE)
    assert any("Only a supervisor or an admin can approve" in t for t in ephemerals_to(world, LAYLA))
    wf.grant("test", LAYLA, "supervisor", check=False)
    click(world, LAYLA, order, ids.APPROVE)
    assert any("You requested SO-0001" in t for t in ephemerals_to(world, LAYLA))
    assert wf.order(order.id).status == "pending_approval"

    # after the approval, a second decision (from a card not yet refreshed) says who decided and when
    click(world, OGECHI, order, ids.APPROVE)
    wf.grant("test", PEDRO, "supervisor", check=False)
    result = forged_click(world, PEDRO, wf.order(order.id), ids.APPROVE)
    assert result.status == 200
    assert any("already approved by <@" + OGECHI in t for t in ephemerals_to(world, PEDRO))
    assert len([f for f in fake.files.values() if f["name"].endswith(".pdf")]) == 1

    # a field worker who is not on this order may not create a confirmation on it
    forged_click(world, DIEGO, wf.order(order.id), ids.OPEN_CONFIRMATION)
    assert any("one of the order's field workers" in t for t in ephemerals_to(world, DIEGO))
    assert len(fake.calls_to("views.open")) == 1  # only Layla's new-order form ever opened


def test_bad_signature_and_stale_timestamp_are_refused(world):
    fake = world.fake
    body = urllib.parse.urlencode(
        {
            "command": "/so",
            "text": "new",
            "user_id": LAYLA,
            "trigger_id": "1.2.3",
            "team_id": "T0SANDBOX",
            "channel_id": "C1",
        }
    ).encode()
    wrong = fake.post_signed(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    assert wrong.status == 401
    stale = fake.post_signed(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600)
    assert stale.status == 401
    assert not fake.calls_to("views.open")


def test_help_list_show_and_healthz(world):
    fake = world.fake
    assert "/so list" in fake.slash_command(LAYLA, "/so", "help").body_text
    order = submit_order(world, title="Replace the printer")
    waiting = fake.slash_command(OGECHI, "/so", "list").body_text
    assert "Waiting for your approval" in waiting and "SO-0001" in waiting
    mine = fake.slash_command(LAYLA, "/so", "list").body_text
    assert "*Your open orders* (1)" in mine and "Replace the printer" in mine
    for ref in ("SO-0001", "1", "so-1"):
        shown = fake.slash_command(LAYLA, "/so", f"show {ref}").body_text
        assert "Replace the printer" in shown and f"<#{order.channel_id}>" in shown
    assert "No order" in fake.slash_command(LAYLA, "/so", "show 999").body_text
    assert "I don't know" in fake.slash_command(LAYLA, "/so", "frobnicate").body_text
    health = world.server.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(health, timeout=5) as resp:
        assert resp.status == 200


def test_role_command_for_admins_only(world):
    fake, wf = world.fake, world.runtime.workflow
    refused = fake.slash_command(LAYLA, "/so", f"role <@{PEDRO}|pedro> supervisor").body_text
    assert "Only an admin" in refused and "supervisor" not in wf.roles_of(PEDRO)
    granted = fake.slash_command(ADMIN, "/so", f"role <@{PEDRO}|pedro> supervisor").body_text
    assert "is now supervisor" in granted and "supervisor" in wf.roles_of(PEDRO)
    assert "Unknown role" in fake.slash_command(ADMIN, "/so", f"role <@{PEDRO}> boss").body_text
    listing = fake.slash_command(ADMIN, "/so", "role list").body_text
    assert f"<@{PEDRO}> — supervisor" in listing
    fake.slash_command(ADMIN, "/so", f"role revoke <@{PEDRO}> supervisor")
    assert "supervisor" not in wf.roles_of(PEDRO)


def test_a_retried_event_is_recorded_once(world):
    fake = world.fake
    order = submit_order(world)
    event = {
        "type": "message",
        "channel": order.channel_id,
        "user": LAYLA,
        "text": "Gate code is 4711",
        "ts": "1764000000.000900",
        "thread_ts": order.card_ts,
        "channel_type": "group",
        "event_ts": "1764000000.000900",
    }
    first = fake.deliver_event(event, event_id="Ev0RETRY01")
    again = fake.deliver_event(event, event_id="Ev0RETRY01", retry_num=1, retry_reason="http_timeout")
    assert first.status == 200 and again.status == 200
    world.settle()
    rows = count_notes(world, order.id)
    assert rows == 1
    assert len(fake.calls_to("reactions.add")) == 1


def test_thirty_lines_fit_and_the_card_stays_within_limits(world):
    lines = tuple((f"Item {i}", f"{i} pcs × 1.50", "material") for i in range(1, 31))
    order = submit_order(world, lines=lines)
    assert len(order.lines) == 30
    msg = card(world, order)
    text = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "… and 18 more" in text and "Total EUR 697.50" in text


def test_a_taken_channel_name_gets_a_suffix(world):
    world.fake.add_channel("so-0001-clinica-dental-norte-fix-the-router", members=[LAYLA])
    order = submit_order(world)
    channel = world.fake.channels[order.channel_id]
    assert channel.name == "so-0001-clinica-dental-norte-fix-the-router-2"
    assert world.runtime.workflow.order(order.id).channel_name == channel.name
    assert len(world.fake.calls_to("chat.postMessage")) >= 1


def test_any_text_a_person_types_reaches_the_card_and_the_pdf(world):
    title = "Ремонт сети Ελληνικά ñandú 🚀 " + "x" * 100
    order = submit_order(
        world, title=title[:150], lines=(("Router ☃ å ä ö — שלום", "1 pcs × 1234.5", "material"),)
    )
    channel = world.fake.channels[order.channel_id]
    assert len(channel.name) <= 80 and channel.name == channel.name.lower()
    click(world, OGECHI, order, ids.APPROVE)
    pdf = next(f for f in world.fake.files.values() if f["name"] == "SO-0001-r1.pdf")
    text = pdf_text(pdf["content"])
    assert "Ремонт сети" in text and "Ελληνικά" in text and "ñandú" in text and "å ä ö" in text
    assert "1,234.50" in text
    assert "Ремонт сети" in json.dumps(card(world, order)["blocks"], ensure_ascii=False)
