"""Articles to be ordered, in the workflow (issue 13): added by the order's people (the purchasing
address emailed through the outbox), followed to delivered without a revision, kept out of the
lines (never invoiced) until Use delivered articles moves them in as material lines of a new
revision — once, whatever the clicks — and Ready for invoicing refused while any is open."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial

import pytest
from sqlmodel import Session, select
from wf_helpers import ADMIN, NOBODY, REQUESTER, SUPERVISOR, WORKER, draft

from storage.models import Effect, Revision
from workflow import commands as c
from workflow import effects as fx
from workflow.errors import Refused
from workflow.master_admin import ItemFields, MasterAdmin
from workflow.policy import Policy
from workflow.service import Workflow

PURCHASING = "purchasing@example.com"


@pytest.fixture
def policy() -> Policy:
    return Policy(vat_rate=Decimal(21), articles_email=PURCHASING)


def in_progress(wf: Workflow):  # type: ignore[no-untyped-def]
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    return wf.order(order.id)


def router_item(wf: Workflow) -> int:
    fields = ItemFields("RT-AX", "Router AX", "material", "pcs", Decimal("129.90"))
    MasterAdmin(wf).save_item(ADMIN, fields)
    return MasterAdmin(wf).find_items("RT-AX")[0].id


def add(wf: Workflow, actor: str, order_id: int, *drafts: c.ArticleDraft):  # type: ignore[no-untyped-def]
    return wf.execute(actor, c.Articles(order_id, tuple(drafts), (), "Diego Ruiz"))


def set_status(wf: Workflow, actor: str, order_id: int, description: str, status: str):  # type: ignore[no-untyped-def]
    article = next(a for a in wf.order(order_id).articles if a.description == description)
    return wf.execute(
        actor, c.Articles(order_id, statuses=(c.ArticleStatus(article.id, article.status, status),))
    )


def emails(wf: Workflow) -> list[Effect]:
    with Session(wf.engine) as s:
        return list(s.exec(select(Effect).where(Effect.kind == fx.EMAIL).order_by(Effect.id)).all())


def test_articles_added_are_listed_apart_from_the_lines_and_emailed_once_per_addition(wf: Workflow) -> None:
    order = in_progress(wf)
    item = router_item(wf)
    after = add(
        wf,
        WORKER,
        order.id,
        c.ArticleDraft("", Decimal(2), "", item),
        c.ArticleDraft("PSU 12 V", Decimal(1), "pcs"),
    )
    assert [(a.description, a.quantity, a.unit, a.status) for a in after.articles] == [
        ("Router AX", Decimal(2), "pcs", "to_order"),
        ("PSU 12 V", Decimal(1), "pcs", "to_order"),
    ]
    router = after.articles[0]
    assert (router.code, router.unit_price, router.catalog_item_id) == ("RT-AX", Decimal("129.90"), item)
    # not in the lines: the order's lines, total and revision are as they were
    assert after.lines == order.lines and after.total == order.total
    assert after.current_revision == order.current_revision
    [mail] = emails(wf)
    assert mail.order_id is None and mail.status == "pending"
    assert mail.payload["to"] == PURCHASING and mail.payload["order"] == order.number
    assert mail.payload["subject"] == f"Articles to order on {order.number}"
    assert "- 2 pcs Router AX" in mail.payload["text"] and "- 1 pcs PSU 12 V" in mail.payload["text"]
    assert "Diego Ruiz" in mail.payload["text"]

    set_status(wf, WORKER, order.id, "PSU 12 V", "ordered")  # a status change: no email, no revision
    assert len(emails(wf)) == 1 and wf.order(order.id).current_revision == order.current_revision
    add(wf, REQUESTER, order.id, c.ArticleDraft("Patch cable", Decimal("3"), "pcs"))
    assert len(emails(wf)) == 2 and "Patch cable" in emails(wf)[1].payload["text"]


def test_no_email_without_a_purchasing_address(engine, clock) -> None:  # type: ignore[no-untyped-def]
    wf = Workflow(engine, Policy(), clock=clock)
    for user, role in [(REQUESTER, "coordinator"), (SUPERVISOR, "supervisor")]:
        wf.grant("test", user, role, check=False)
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    add(wf, REQUESTER, order.id, c.ArticleDraft("Router AX", Decimal(1), "pcs"))
    assert len(wf.order(order.id).articles) == 1 and emails(wf) == []


def test_statuses_follow_the_form_and_a_change_made_since_is_not_undone(wf: Workflow) -> None:
    order = in_progress(wf)
    add(wf, WORKER, order.id, c.ArticleDraft("Router AX", Decimal(1), "pcs"))
    article = wf.order(order.id).articles[0]
    wf.execute(
        SUPERVISOR, c.Articles(order.id, statuses=(c.ArticleStatus(article.id, "to_order", "ordered"),))
    )
    assert wf.order(order.id).articles[0].status == "ordered"
    # a form opened before that change still shows "to order": refused, naming the article
    stale = c.Articles(order.id, statuses=(c.ArticleStatus(article.id, "to_order", "delivered"),))
    with pytest.raises(Refused) as refused:
        wf.execute(WORKER, stale)
    assert refused.value.code == "stale" and "'Router AX' changed" in refused.value.message
    assert wf.order(order.id).articles[0].status == "ordered"
    with pytest.raises(Refused) as refused:  # "used" comes only from Use delivered articles
        wf.execute(WORKER, c.Articles(order.id, statuses=(c.ArticleStatus(article.id, "ordered", "used"),)))
    assert refused.value.field == "statuses"


@pytest.mark.parametrize(
    ("article", "field"),
    [
        (c.ArticleDraft("", Decimal(1), "pcs"), "description"),
        (c.ArticleDraft("x" * 501, Decimal(1), "pcs"), "description"),
        (c.ArticleDraft("Router", Decimal(0), "pcs"), "quantity"),
        (c.ArticleDraft("Router", Decimal("-1"), "pcs"), "quantity"),
        (c.ArticleDraft("Router", Decimal("1.0001"), "pcs"), "quantity"),
        (c.ArticleDraft("Router", Decimal(1), "u" * 21), "unit"),
        (c.ArticleDraft("", Decimal(1), "pcs", 999_999), "catalog"),
    ],
)
def test_bad_articles_are_refused_naming_the_field_and_nothing_is_written(
    wf: Workflow, article: c.ArticleDraft, field: str
) -> None:
    order = in_progress(wf)
    with pytest.raises(Refused) as refused:
        add(wf, WORKER, order.id, c.ArticleDraft("Fine", Decimal(1), "pcs"), article)
    assert refused.value.field == field
    assert wf.order(order.id).articles == () and emails(wf) == []


def test_who_may_and_when(wf: Workflow) -> None:
    pending = wf.submit(REQUESTER, draft())
    with pytest.raises(Refused) as refused:
        add(wf, REQUESTER, pending.id, c.ArticleDraft("Router", Decimal(1), "pcs"))
    assert refused.value.code == "state"
    order = in_progress(wf)
    with pytest.raises(Refused) as refused:
        add(wf, NOBODY, order.id, c.ArticleDraft("Router", Decimal(1), "pcs"))
    assert refused.value.code == "role"
    with pytest.raises(Refused) as refused:
        wf.execute(NOBODY, c.UseArticles(order.id))
    assert refused.value.code == "role"
    wf.close(order.id, WORKER, "completed", attested=True)
    add(wf, WORKER, order.id, c.ArticleDraft("Router", Decimal(1), "pcs"))  # closed: still theirs to add
    assert len(wf.order(order.id).articles) == 1


def test_delivered_articles_become_material_lines_of_a_new_revision_once(wf: Workflow) -> None:
    order = in_progress(wf)
    item = router_item(wf)
    add(
        wf,
        WORKER,
        order.id,
        c.ArticleDraft("", Decimal(2), "", item),
        c.ArticleDraft("PSU", Decimal(1), "pcs"),
    )
    set_status(wf, WORKER, order.id, "Router AX", "delivered")
    used = wf.execute(WORKER, c.UseArticles(order.id))
    assert used.current_revision == order.current_revision + 1
    assert [
        (x.kind, x.description, x.quantity, x.unit_price, x.code) for x in used.lines[len(order.lines) :]
    ] == [("material", "Router AX", Decimal(2), Decimal("129.90"), "RT-AX")]
    assert used.lines[: len(order.lines)] == order.lines
    assert used.total == order.total + Decimal("259.80")
    assert {a.description: a.status for a in used.articles} == {"Router AX": "used", "PSU": "to_order"}
    rev = wf.revision(order.id, used.current_revision)
    assert rev.kind == "confirmation" and "Router AX" in rev.note
    assert rev.articles == [{"description": "PSU", "quantity": "1", "unit": "pcs", "status": "to_order"}]
    with Session(wf.engine) as s:
        keys = set(s.exec(select(Effect.key)).all())
    assert f"pdf:{order.number}:r{used.current_revision}" in keys

    with pytest.raises(Refused) as refused:  # the second click: nothing delivered, nothing changed
        wf.execute(WORKER, c.UseArticles(order.id))
    assert refused.value.code == "duplicate"
    again = wf.order(order.id)
    assert again.current_revision == used.current_revision and again.lines == used.lines
    with Session(wf.engine) as s:
        assert len(s.exec(select(Revision).where(Revision.order_id == order.id)).all()) == 3


def test_ready_for_invoicing_refuses_articles_still_to_order_or_not_used(wf: Workflow) -> None:
    order = in_progress(wf)
    add(
        wf,
        WORKER,
        order.id,
        c.ArticleDraft("Router AX", Decimal(1), "pcs"),
        c.ArticleDraft("PSU", Decimal(1), "pcs"),
    )
    set_status(wf, WORKER, order.id, "Router AX", "ordered")
    wf.close(order.id, WORKER, "completed", attested=True)
    with pytest.raises(Refused) as refused:
        wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))
    assert "Articles still to order: Router AX (ordered), PSU (to order)." in refused.value.message
    set_status(wf, WORKER, order.id, "Router AX", "delivered")
    set_status(wf, WORKER, order.id, "PSU", "delivered")
    with pytest.raises(Refused) as refused:
        wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))
    assert "articles still to order" not in refused.value.message.lower()
    assert "Delivered articles not in the lines yet: Router AX, PSU" in refused.value.message
    assert wf.order(order.id).status == "closed"

    # used on a closed order: a revision whose lines carry them (typed: no price yet), then priced
    used = wf.execute(WORKER, c.UseArticles(order.id))
    assert used.status == "closed"
    with pytest.raises(Refused) as refused:
        wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))
    assert "articles" not in refused.value.message.lower()
    assert "Line 'Router AX' has no price." in refused.value.message


def test_articles_never_reach_the_invoice_revision_unless_used(wf: Workflow) -> None:
    order = in_progress(wf)
    item = router_item(wf)
    add(wf, WORKER, order.id, c.ArticleDraft("", Decimal(1), "", item))
    set_status(wf, WORKER, order.id, "Router AX", "delivered")
    wf.execute(WORKER, c.UseArticles(order.id))
    wf.close(order.id, WORKER, "completed", attested=True)
    ready = wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))
    invoice = wf.revision(order.id, ready.invoice_revision)  # type: ignore[arg-type]
    assert [x.description for x in invoice.lines if x.kind == "material"] == ["Cable Cat6", "Router AX"]
    assert invoice.articles == []


def race(*commands):  # type: ignore[no-untyped-def]
    """Run commands at the same moment, one thread each; their results or Refused, in order."""
    barrier = threading.Barrier(len(commands))

    def run(command):  # type: ignore[no-untyped-def]
        barrier.wait(timeout=30)
        try:
            return command()
        except Refused as refused:
            return refused

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(run, commands))


def test_use_at_the_same_moment_as_another_click_or_a_status_change_loses_nothing(wf: Workflow) -> None:
    order = in_progress(wf)
    add(
        wf,
        WORKER,
        order.id,
        c.ArticleDraft("Router AX", Decimal(1), "pcs"),
        c.ArticleDraft("PSU", Decimal(1), "pcs"),
    )
    set_status(wf, WORKER, order.id, "Router AX", "delivered")
    set_status(wf, WORKER, order.id, "PSU", "delivered")
    psu = next(a for a in wf.order(order.id).articles if a.description == "PSU")
    outcomes = race(
        partial(wf.execute, WORKER, c.UseArticles(order.id)),
        partial(wf.execute, SUPERVISOR, c.UseArticles(order.id)),
        partial(
            wf.execute,
            REQUESTER,
            c.Articles(order.id, statuses=(c.ArticleStatus(psu.id, "delivered", "ordered"),)),
        ),
    )
    uses = [o for o in outcomes[:2] if not isinstance(o, Refused)]
    assert len(uses) == 1 and outcomes[:2].count(uses[0]) == 1  # one revision, the other click refused
    final = wf.order(order.id)
    assert final.current_revision == order.current_revision + 1
    added = [x.description for x in final.lines[len(order.lines) :]]
    used = sorted(a.description for a in final.articles if a.status == "used")
    assert sorted(added) == used  # every used article is a line once; every other is not a line
    status = {a.description: a.status for a in final.articles}
    if isinstance(outcomes[2], Refused):  # the use came first: the PSU was used, not un-delivered
        assert outcomes[2].code == "stale" and status["PSU"] == "used"
    else:  # the change came first: the PSU is ordered, not used
        assert status["PSU"] == "ordered" and added == ["Router AX"]
