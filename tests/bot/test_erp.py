"""Invoice data to the accounting system (issue 13), through a real HTTP receiver on 127.0.0.1:
the seed story continued to ready for invoicing → one signed delivery → invoiced with the ERP's
number; 500 twice then 200 → one accepted delivery; a 400 → a failed effect the admins are told
of; POST /erp/invoiced with a good and a bad signature."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from decimal import Decimal

import jsonschema
import pytest

from bot.company import CompanyConfig
from bot.demo import DIEGO, LAYLA, OGECHI, local_world
from forms import ids
from invoicing.json_doc import SCHEMA_PATH
from invoicing.signing import headers as signed_headers
from invoicing.signing import verify
from sandbox.erp import erp_receiver
from tests.bot.helpers import channel_texts, click
from tests.bot.test_ready_for_invoicing import SELLER, closed_order
from tests.conftest import ADMIN, EVERYONE

SECRET = "erp-secret-0123456789abcdef"


@pytest.fixture
def erp(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    with (
        erp_receiver() as receiver,
        local_world(
            f"sqlite:///{tmp_path / 'so.db'}",
            people=EVERYONE,
            admins=(ADMIN,),
            home_refresh_seconds=0.2,
            vat_rate=Decimal(21),
            company=CompanyConfig(invoicing=SELLER),
            erp_webhook_url=receiver.url,
            erp_webhook_secret=SECRET,
        ) as world,
    ):
        wf = world.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        monkeypatch.setattr(world.runtime.dispatcher, "backoff", lambda effect: 0.05)  # no real waiting
        yield world, receiver


def test_ready_for_invoicing_posts_one_signed_delivery_and_the_answer_marks_it_invoiced(erp):
    world, receiver = erp
    receiver.answers = [(200, {"invoice_number": "FV-2026-0187"})]
    order = closed_order(world)
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    world.settle()
    [delivery] = receiver.deliveries
    h = delivery.headers
    assert h["idempotency-key"] == f"{order.number}:r2"
    assert verify(SECRET, h["x-so-timestamp"], h["x-so-signature"], delivery.body, time.time())
    doc = delivery.document
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(doc)
    assert (doc["order_number"], doc["revision"], doc["currency"]) == (order.number, 2, "EUR")
    assert doc["seller"]["vat_id"] == "ESB12345678"
    assert doc["totals"]["gross"] == "205.70" and doc["lines"][0]["unit_code"] == "HUR"
    after = world.runtime.workflow.order(order.id)
    assert (after.status, after.invoice_number, after.invoiced_by) == ("invoiced", "FV-2026-0187", "erp")
    assert any("accounting system marked" in t and "FV-2026-0187" in t for t in channel_texts(world, order))


def test_a_receiver_down_twice_gets_the_same_delivery_until_it_accepts_it(erp):
    world, receiver = erp
    receiver.answers = [(500, None), (503, None), (200, None)]
    order = closed_order(world)
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    world.settle()
    assert len(receiver.deliveries) == 3
    assert len({d.body for d in receiver.deliveries}) == 1  # the same document each time
    assert {d.headers["idempotency-key"] for d in receiver.deliveries} == {f"{order.number}:r2"}
    [sent] = [e for e in world.runtime.workflow.effects() if e.kind == "send_invoice"]
    assert sent.status == "done"
    assert world.runtime.workflow.order(order.id).status == "ready_for_invoicing"  # no number came back


def test_a_refused_delivery_fails_visibly_and_the_admins_are_told(erp):
    world, receiver = erp
    receiver.answers = [(400, {"error": "unknown buyer"})]
    order = closed_order(world)
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    world.settle()
    assert len(receiver.deliveries) == 1  # a 4xx is not retried
    [sent] = [e for e in world.runtime.workflow.effects() if e.kind == "send_invoice"]
    assert (
        sent.status == "failed" and "erp_http_400" in sent.last_error and "unknown buyer" in sent.last_error
    )
    told = [m.get("text", "") for m in world.fake.dms(ADMIN)]
    assert any(order.number in t for t in told), told
    # the card still works: the order's own queue is not held up by the accounting system
    assert world.runtime.workflow.order(order.id).status == "ready_for_invoicing"


def _post(url: str, body: bytes, secret: str) -> tuple[int, dict]:
    head = signed_headers(secret, body, "x", time.time())
    request = urllib.request.Request(url, data=body, method="POST", headers=head)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_the_erp_marks_orders_invoiced_with_a_signed_post_and_a_bad_signature_changes_nothing(erp):
    world, receiver = erp
    order = closed_order(world)
    click(world, LAYLA, order, ids.READY_FOR_INVOICING)
    world.settle()
    url = world.server.url.replace("/slack/events", "/erp/invoiced")
    body = json.dumps({"order": order.number, "invoice_number": "FV-9"}).encode()
    status, answer = _post(url, body, "not-the-secret-at-all")
    assert status == 401 and world.runtime.workflow.order(order.id).status == "ready_for_invoicing"
    status, answer = _post(url, body, SECRET)
    assert status == 200 and answer["results"][0]["changed"] is True
    world.settle()
    assert world.runtime.workflow.order(order.id).invoice_number == "FV-9"
    status, answer = _post(url, body, SECRET)  # the same again: nothing changes
    assert status == 200 and answer["results"][0]["changed"] is False
    other = json.dumps({"order": order.number, "invoice_number": "FV-10"}).encode()
    status, answer = _post(url, other, SECRET)
    assert status == 409 and "invoiced already" in answer["results"][0]["error"]
