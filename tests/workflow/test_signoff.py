"""The customer's sign-off at the workflow level (issue 14): signable once completed, one signature
at a time, a signed revision with the same lines, and no longer valid once the lines change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from wf_helpers import ADMIN, REQUESTER, SUPERVISOR, WORKER, draft, line

from workflow import commands as c
from workflow.policy import Policy
from workflow.service import Refused, Workflow
from workflow.signoff import SignOff


@pytest.fixture
def policy() -> Policy:
    return Policy(vat_rate=Decimal(21))


PNG = b"\x89PNG\r\n\x1a\nfake-but-stored-as-given"


def closed(wf: Workflow, outcome: str = "completed"):  # type: ignore[no-untyped-def]
    order = wf.submit(REQUESTER, draft(lines=[line("Router", "1", "120.00")]))
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    reason = "Client away" if outcome == "not_performed" else ""
    return wf.execute(WORKER, c.Close(order.id, outcome, reason, attested=True))


def sign(wf: Workflow, order, name: str = "Marta Ruiz", shown: int | None = None):  # type: ignore[no-untyped-def]
    shown = order.current_revision if shown is None else shown
    so = SignOff(name, PNG, shown, "ab" * 32, "203.0.113.9", "UA")
    return wf.sign_off(order.id, order.number, so)


def test_signing_makes_a_signed_revision_once(wf: Workflow) -> None:
    order = closed(wf)
    signed, changed = sign(wf, order)
    assert changed and signed.current_revision == order.current_revision + 1
    assert signed.signature is not None and signed.signature.valid
    assert (signed.signature.name, signed.signature.revision) == ("Marta Ruiz", order.current_revision)
    rev = wf.revision(order.id, signed.current_revision)
    assert rev.kind == "signed" and [x.description for x in rev.lines] == ["Router"]
    assert rev.signature is not None and rev.signature.image == PNG
    # the same form posted again (a double tap) changes nothing
    again, changed = sign(wf, order)
    assert not changed
    assert (again.current_revision, again.version) == (signed.current_revision, signed.version)


def test_what_cannot_be_signed_is_refused(wf: Workflow) -> None:
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    with pytest.raises(Refused, match="once the work is completed"):
        sign(wf, wf.order(order.id))
    with pytest.raises(Refused, match="not performed"):
        sign(wf, closed(wf, "not_performed"))
    done = closed(wf)
    with pytest.raises(Refused) as e:
        sign(wf, done, name="   ")
    assert e.value.field == "name"
    with pytest.raises(Refused, match="changed since"):
        sign(wf, done, shown=done.current_revision - 1)
    with pytest.raises(Refused, match="No such order"):
        wf.sign_off(done.id, "SO-9999", SignOff("X", PNG, 1, "", "", ""))
    assert wf.order(done.id).signature is None


def test_new_lines_after_signing_invalidate_it_and_it_can_be_signed_again(wf: Workflow) -> None:
    order = closed(wf)
    signed, _ = sign(wf, order)
    # invoicing with the same lines keeps the signature
    ready = wf.execute(REQUESTER, c.ReadyForInvoicing(order.id))
    assert ready.signature is not None and ready.signature.valid
    # a restore asks for it again, from the next revision on (the signed PDF stays as it was)
    restored = wf.execute(ADMIN, c.Restore(order.id, "Wrong VAT"))
    sig = restored.signature
    assert sig is not None and not sig.valid and sig.invalid_from == restored.current_revision + 1
    assert wf.revision(order.id, signed.current_revision).signature.valid_at(signed.current_revision)  # type: ignore[union-attr]
    again, changed = sign(wf, restored, name="Marta R.")
    assert changed and again.signature is not None and again.signature.valid
    assert again.signature.name == "Marta R."


def test_delivered_articles_used_after_signing_invalidate_it(wf: Workflow) -> None:
    order = closed(wf)
    signed, _ = sign(wf, order)
    wf.execute(WORKER, c.Articles(order.id, added=(c.ArticleDraft("Fan", Decimal(1), "pcs"),)))
    article = wf.order(order.id).articles[0]
    wf.execute(WORKER, c.Articles(order.id, statuses=(c.ArticleStatus(article.id, "to_order", "delivered"),)))
    used = wf.execute(WORKER, c.UseArticles(order.id))
    sig = used.signature
    assert sig is not None and sig.invalid_from == used.current_revision
    assert "lines changed" in sig.invalid_reason
    assert wf.revision(order.id, used.current_revision).signature.valid_at(used.current_revision) is False  # type: ignore[union-attr]
