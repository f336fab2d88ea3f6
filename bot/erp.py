"""The company's accounting system (ERP): the invoice data posted to it, and its word that an order
was invoiced.

Out: Ready for invoicing queues a SEND_INVOICE effect; `send_invoice` posts the revision's invoice
JSON to SO_ERP_WEBHOOK_URL, signed as Slack signs its requests (HMAC-SHA256 over
`v1:{timestamp}:{body}`, headers X-SO-Timestamp and X-SO-Signature: v1=<hex>) with an
Idempotency-Key `SO-0042:r3`, so a retried delivery is the same delivery. A 2xx is done (and an
`invoice_number` in a JSON answer marks the order invoiced); a 5xx, a timeout or a refused connection
is retried with backoff by the outbox; a 4xx fails the effect at once, and the admins are told.

In: `POST /erp/invoiced` (bot.server) with the same signature and secret: {"order": "SO-0042",
"invoice_number": "2026-0187"} marks the order invoiced; a bad signature is 401 and changes nothing.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

from bot.invoice_data import invoice_of
from bot.slack_calls import Failed, SlackCalls
from invoicing.json_doc import to_json_bytes
from invoicing.signing import headers, verify
from workflow.errors import Refused
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger("bot.effects")

TIMEOUT = 10.0  # seconds an accounting system has to answer
ANSWER_MAX = 64 * 1024  # bytes of its answer read
BODY_MAX = 16 * 1024  # bytes accepted on /erp/invoiced


def send_invoice(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """Post one revision's invoice data to the ERP (see the module's docstring for what answers mean)."""
    p, settings, wf = effect.payload, slack.settings, slack.wf
    if not settings.erp_webhook_url:
        raise Failed("erp_not_configured: SO_ERP_WEBHOOK_URL is no longer set")
    rev = wf.revision(int(p["order_id"]), int(p["revision"]))
    order = rev.order  # read with the revision, in its transaction: no second read of the order
    client = wf.master.client(order.client_id) if order.client_id else None
    body = to_json_bytes(invoice_of(rev, settings, client, p.get("correction_of")))
    request = urllib.request.Request(
        settings.erp_webhook_url,
        data=body,
        method="POST",
        headers=headers(settings.erp_webhook_secret, body, f"{order.number}:r{rev.number}", time.time()),
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - the admin's URL
            raw = answer.read(ANSWER_MAX)
    except urllib.error.HTTPError as e:
        if 400 <= e.code < 500 and e.code not in (408, 429):
            said = e.read(300).decode("utf-8", "replace").strip()
            raise Failed(f"erp_http_{e.code}: {said}"[:300]) from None
        raise  # a 5xx (or 408/429): an OSError, retried with backoff
    number = _invoice_number(raw)
    if number:
        try:
            wf.erp_invoiced(order.number, number)
        except Refused as r:  # e.g. restored meanwhile: the ERP's number is not forced on it
            log.warning("the ERP's invoice number %s for %s was not recorded: %s", number, order.number, r)


def _invoice_number(raw: bytes) -> str:
    try:
        answer = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return ""
    number = answer.get("invoice_number") if isinstance(answer, dict) else None
    return number.strip()[:60] if isinstance(number, str) else ""


def invoiced(wf, secret: str, head: dict[str, str], body: bytes, now: float) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    """The answer (status, JSON) to the ERP's POST /erp/invoiced; head: its headers, lower-cased."""
    if not secret:
        return 404, {"error": "not_configured"}
    if len(body) > BODY_MAX:
        return 413, {"error": "too_large"}
    if not verify(secret, head.get("x-so-timestamp"), head.get("x-so-signature"), body, now):
        return 401, {"error": "invalid_signature"}
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return 400, {"error": "invalid_json"}
    items = data.get("orders") if isinstance(data, dict) and "orders" in data else [data]
    if not isinstance(items, list) or not items or len(items) > 500:
        return 400, {"error": "expected {order, invoice_number} or {orders: [...]} (at most 500)"}
    results = []
    for item in items:
        order = item.get("order") if isinstance(item, dict) else None
        number = item.get("invoice_number", "") if isinstance(item, dict) else None
        if not isinstance(order, str) or not isinstance(number, str):
            results.append({"order": order, "ok": False, "error": "order and invoice_number must be text"})
            continue
        try:
            _, changed = wf.erp_invoiced(order.strip().upper(), number)
            results.append({"order": order, "ok": True, "changed": changed})
        except Refused as r:
            results.append({"order": order, "ok": False, "error": r.message})
    ok = all(r["ok"] for r in results)
    return (200 if ok else 409), {"ok": ok, "results": results}
