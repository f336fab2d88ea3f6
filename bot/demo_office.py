"""The demo's second half: the office takes the closed order to its accounting system — Ready for
invoicing, the invoice data posted to a local ERP (sandbox.erp) that answers with its invoice
number, and the invoice files left beside the PDFs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bot.invoices import FORMATS, files_of, invoice_for
from forms import ids
from invoicing.signing import verify

ERP_SECRET = "demo-erp-secret-not-for-production"


def erp_printer(write: Any) -> Any:
    """What the local ERP says when the invoice data reaches it."""

    def printed(delivery: Any) -> None:
        doc = json.loads(delivery.body)
        good = verify(
            ERP_SECRET,
            delivery.headers.get("x-so-timestamp"),
            delivery.headers.get("x-so-signature"),
            delivery.body,
            time.time(),
        )
        totals = doc.get("totals", {})
        write(
            f"  [ERP] received {doc.get('number')} ({delivery.headers.get('idempotency-key')}), signature "
            f"{'valid' if good else 'INVALID'}: {len(doc.get('lines', []))} lines, net {totals.get('net')}, "
            f"VAT {totals.get('vat')}, total {totals.get('gross')} {doc.get('currency')}; "
            f"buyer {doc.get('buyer', {}).get('name')} — booked as FV-2026-0001"
        )

    return printed


def play_office(
    world: Any,
    t: Any,
    order: Any,
    out_dir: Path,
    coordinator: str,
    show_new: Any,
    show_card: Any,
    failed: type[Exception],
) -> None:
    """Ready for invoicing by the coordinator, the ERP's answer on the card, the files in out_dir."""
    fake, wf = world.fake, world.runtime.workflow
    channel = fake.channels[order.channel_id]
    card_ts = wf.order(order.id).card_ts
    t.step(
        "Layla clicks [ Ready for invoicing ]: the bot checks the company's rules and sends the invoice data"
    )
    seen = len(fake.messages(order.channel_id))
    fake.click(coordinator, order.channel_id, card_ts, ids.READY_FOR_INVOICING)
    world.settle()
    show_new(t, fake, order.channel_id, channel.name, seen)
    show_card(t, fake, order.channel_id, card_ts, channel.name)
    for text in [e.get("text", "") for e in fake.ephemerals] + [r.get("text", "") for r in fake.responses]:
        if "not ready for invoicing" in text:
            t.say(f"(only Layla sees) {t.plain(text)}")
    final = wf.order(order.id)
    if final.invoice_revision is None:
        if world.runtime.settings.company.invoicing.vat_number:
            raise failed(f"{final.number} was not marked ready for invoicing")
        t.say("(a bot without the company file's invoicing section: the invoice data waits for it)")
        return
    t.step(f"Invoice files saved in {out_dir}/ (what `service-orders invoices export` writes)")
    for f in files_of(invoice_for(wf, world.runtime.settings, final), FORMATS):
        if f.problems:
            t.say(f"{f.name}: not written — {'; '.join(f.problems)}")
            continue
        (out_dir / f.name).write_bytes(f.content)
        t.say(f"{out_dir / f.name}  ({len(f.content):,} bytes)")
