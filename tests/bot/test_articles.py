"""Articles to be ordered through Slack (issue 13): the Articles button on the card opens a form that
adds articles (typed, or picked from the catalog) and changes their status; the card lists them apart
from the lines; the purchasing address's email is queued in the outbox; Use delivered articles makes
a new revision whose PDF has them as lines; Ready for invoicing refuses articles still to order."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from bot.company import CompanyConfig, CompanyFileError, load_company
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from bot.emails import NO_SMTP
from bot.invoice_data import invoice_of
from forms import ids
from storage.models import Effect
from tests.bot.helpers import buttons, card, click, ephemerals_to, forged_click, opened_view, submit_order
from tests.conftest import ADMIN, EVERYONE, PEDRO
from workflow import effects as fx
from workflow.master_admin import ItemFields, MasterAdmin

PURCHASING = "purchasing@example.com"
START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only (the workflow tests run on PostgreSQL too): the purchasing address in the company
    file, a router in the catalog, and an order in progress with Diego as its field worker."""
    with local_world(
        f"sqlite:///{tmp_path / 'so.db'}",
        people=EVERYONE,
        admins=(ADMIN,),
        home_refresh_seconds=0.2,
        company=CompanyConfig(articles_email=PURCHASING),
    ) as w:
        wf = w.runtime.workflow
        wf.clock = lambda: START
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        item = ItemFields("RT-AX", "Router AX", "material", "pcs", Decimal("129.90"))
        MasterAdmin(wf).save_item(ADMIN, item)
        yield w


def in_progress(world: World):  # type: ignore[no-untyped-def]
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    world.runtime.workflow.add_field_workers(order.id, LAYLA, [DIEGO])
    world.settle()
    return world.runtime.workflow.order(order.id)


def shown(world: World, order) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(card(world, order)["blocks"], ensure_ascii=False)


def emails(world: World) -> list[Effect]:
    with Session(world.runtime.workflow.engine) as s:
        return list(s.exec(select(Effect).where(Effect.kind == fx.EMAIL).order_by(Effect.id)).all())


def pdf_text(world: World, name: str) -> str:
    pdf = next(f for f in world.fake.files.values() if f["name"] == name)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf["content"])).pages)
    return re.sub(r" {2,}", " ", text)


def status_block(world: World, view: str, description: str) -> str:
    """The block id of an article's status select in an open Articles form."""
    for b in world.fake.views[view]["blocks"]:
        if b.get("block_id", "").startswith(ids.ARTICLE_STATUS + ":") and description in b["label"]["text"]:
            return b["block_id"]
    raise AssertionError(f"no status select for {description}")


def test_articles_from_the_card_to_the_lines(world):
    fake, wf = world.fake, world.runtime.workflow
    order = in_progress(world)
    assert ":package: Articles" in buttons(card(world, order))
    assert "Use delivered articles" not in buttons(card(world, order))

    # Diego picks the router from the catalog, two of them
    click(world, DIEGO, order, ids.OPEN_ARTICLES)
    view = opened_view(world)
    [option] = fake.suggest(DIEGO, view, ids.ARTICLE_CATALOG, ids.ARTICLE_CATALOG, "RT-AX")
    fake.fill(view, ids.ARTICLE_CATALOG, ids.ARTICLE_CATALOG, option["value"])  # no block_actions
    fake.fill(view, ids.ARTICLE_QUANTITY, ids.ARTICLE_QUANTITY, "2")
    assert fake.submit(DIEGO, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    assert "Articles to order" in shown(world, order) and "2 pcs Router AX (to order)" in shown(world, order)
    assert "2 pcs Router AX (to order)" in fake.slash_command(DIEGO, "/so", f"show {order.number}").body_text
    after = wf.order(order.id)
    assert after.lines == order.lines and after.current_revision == 1  # apart from the lines
    [mail] = emails(world)
    assert (mail.payload["to"], mail.payload["subject"]) == (
        PURCHASING,
        f"Articles to order on {order.number}",
    )
    assert "- 2 pcs Router AX" in mail.payload["text"] and mail.order_id is None
    # no SMTP sender yet: postponed (not failed), to go out once there is one
    assert mail.status == "pending" and mail.last_error == NO_SMTP and mail.attempts == 0

    # a typed article (escaped on the card), and the router delivered, in one save
    click(world, DIEGO, order, ids.OPEN_ARTICLES)
    view = opened_view(world)
    fake.fill(view, ids.ARTICLE_DESC, ids.ARTICLE_DESC, "PSU <b>12 V</b>")
    fake.fill(view, status_block(world, view, "Router AX"), ids.ARTICLE_STATUS, "delivered")
    assert fake.submit(DIEGO, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    text = shown(world, order)
    assert "1 pcs PSU &lt;b&gt;12 V&lt;/b&gt; (to order)" in text and "<b>" not in text
    assert "2 pcs Router AX (delivered)" in text
    assert "Use delivered articles" in buttons(card(world, order))
    assert len(emails(world)) == 2 and "PSU <b>12 V</b>" in emails(world)[1].payload["text"]

    # Use delivered articles: revision 2, its PDF with the router as a line, the PSU apart
    click(world, DIEGO, order, ids.USE_ARTICLES)
    used = wf.order(order.id)
    assert used.current_revision == 2
    assert [(x.kind, x.description, x.unit_price) for x in used.lines][-1] == (
        "material",
        "Router AX",
        Decimal("129.90"),
    )
    assert "Use delivered articles" not in buttons(card(world, order))
    assert "Router AX (delivered)" not in shown(world, order) and "PSU" in shown(world, order)
    pdf = pdf_text(world, f"{order.number}-r2.pdf")
    lines, apart = pdf.split("Articles to be ordered", 1)
    apart = apart.split("Changes since revision 1")[0]
    assert "Router AX" in lines and "259.80" in lines
    assert "PSU <b>12 V</b>" in apart and "to order" in apart and "Router AX" not in apart
    # the invoice data of these lines: the router (used) is invoiced, the PSU (to order) is not
    invoice = invoice_of(wf.revision(order.id, 2), world.runtime.settings, None)
    assert [x.name for x in invoice.lines] == ["Diagnosis", "Router AX"]
    # a second click (the card of a moment ago): nothing delivered, nothing changes
    forged_click(world, DIEGO, used, ids.USE_ARTICLES)
    assert wf.order(order.id).current_revision == 2
    assert any("no delivered articles" in t for t in ephemerals_to(world, DIEGO))

    # closed with the PSU still to order: Ready for invoicing refuses, naming it
    wf.close(order.id, DIEGO, "completed", attested=True)
    world.settle()
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    said = " ".join(ephemerals_to(world, LAYLA))
    assert "Articles still to order: PSU &lt;b&gt;12 V&lt;/b&gt; (to order)" in said
    assert wf.order(order.id).status == "closed"


def test_the_form_names_the_field_refuses_stale_statuses_and_people_off_the_order(world):
    fake, wf = world.fake, world.runtime.workflow
    order = in_progress(world)
    forged_click(world, PEDRO, order, ids.OPEN_ARTICLES)  # no role, not on the order (nor its channel)
    assert any("can change the articles to be ordered" in t for t in ephemerals_to(world, PEDRO))

    click(world, DIEGO, order, ids.OPEN_ARTICLES)
    view = opened_view(world)
    fake.submit(DIEGO, view)  # nothing filled in
    assert "Nothing to save" in fake.view_errors[view][ids.ARTICLE_DESC]
    fake.view_errors.pop(view)
    fake.fill(view, ids.ARTICLE_DESC, ids.ARTICLE_DESC, "Router AX")
    fake.fill(view, ids.ARTICLE_QUANTITY, ids.ARTICLE_QUANTITY, "two")
    fake.submit(DIEGO, view)
    assert "quantity" in fake.view_errors[view][ids.ARTICLE_QUANTITY]
    fake.view_errors.pop(view)
    fake.fill(view, ids.ARTICLE_QUANTITY, ids.ARTICLE_QUANTITY, "1")
    assert fake.submit(DIEGO, view).status == 200 and not fake.view_errors.get(view)
    world.settle()

    # two forms open on the same article; the later save would undo the first: refused
    click(world, DIEGO, order, ids.OPEN_ARTICLES)
    diego = opened_view(world)
    click(world, LAYLA, order, ids.OPEN_ARTICLES)
    layla = opened_view(world)
    fake.fill(layla, status_block(world, layla, "Router AX"), ids.ARTICLE_STATUS, "ordered")
    assert fake.submit(LAYLA, layla).status == 200 and not fake.view_errors.get(layla)
    world.settle()
    block = status_block(world, diego, "Router AX")
    fake.fill(diego, block, ids.ARTICLE_STATUS, "delivered")
    fake.submit(DIEGO, diego)
    assert "changed since you opened Articles" in fake.view_errors[diego][block]
    world.settle()
    assert [a.status for a in wf.order(order.id).articles] == ["ordered"]


def test_the_company_file_names_the_purchasing_address(tmp_path):
    assert load_company(str(REPO / "company.example.yml")).articles_email == PURCHASING
    bad = tmp_path / "company.yml"
    bad.write_text("articles:\n  email: purchasing at example\n", encoding="utf-8")
    with pytest.raises(CompanyFileError, match="articles: email: not an email address"):
        load_company(str(bad))
