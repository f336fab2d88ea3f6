"""The invoice files of orders: JSON (EN 16931-shaped, schema in invoicing/schema), Peppol BIS 3.0
UBL XML, and CSV — written by `service-orders invoices export` and sent by `/so invoice 42`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.config import Settings
from bot.invoice_data import invoice_of
from invoicing.csv_doc import to_csv
from invoicing.json_doc import to_json_bytes
from invoicing.model import Invoice, check
from invoicing.ubl import to_ubl
from workflow.service import Workflow
from workflow.snapshots import OrderView

FORMATS = ("json", "ubl", "csv")


def invoice_for(wf: Workflow, settings: Settings, order: OrderView) -> Invoice:
    """The invoice data of the order's latest invoice revision (the one last sent)."""
    assert order.invoice_revision is not None
    rev = wf.revision(order.id, order.invoice_revision)
    client = wf.master.client(order.client_id) if order.client_id else None
    earlier = _corrected(wf, order)
    return invoice_of(rev, settings, client, earlier)


def _corrected(wf: Workflow, order: OrderView) -> int | None:
    """The invoice revision this one corrects (the one before it, sent before a Restore), if any."""
    for number in range((order.invoice_revision or 0) - 1, 0, -1):
        if wf.revision(order.id, number).kind == "invoice":
            return number
    return None


@dataclass(frozen=True)
class InvoiceFile:
    name: str  # SO-0042-r3.json, SO-0042-r3.xml, SO-0042-r3.csv
    content: bytes
    problems: tuple[str, ...] = ()  # why a UBL file could not be made (then content is empty)


def files_of(invoice: Invoice, formats: Iterable[str]) -> list[InvoiceFile]:
    """The invoice in each format asked for; a UBL that would be invalid is not written, its problems
    are given instead (the JSON and the CSV are written whatever they lack)."""
    out = []
    for fmt in formats:
        if fmt == "json":
            out.append(InvoiceFile(f"{invoice.number}.json", to_json_bytes(invoice)))
        elif fmt == "ubl":
            problems = tuple(check(invoice))
            content = b"" if problems else to_ubl(invoice)
            out.append(InvoiceFile(f"{invoice.number}.xml", content, problems))
        elif fmt == "csv":
            out.append(InvoiceFile(f"{invoice.number}.csv", to_csv([invoice]).encode("utf-8")))
    return out


def csv_of(invoices: Iterable[Invoice]) -> bytes:
    return to_csv(list(invoices)).encode("utf-8")


def send_invoice_files(slack, effect, order) -> None:  # type: ignore[no-untyped-def]
    """The invoice_files effect: the order's invoice data as three files in the person's DM. An
    upload whose answer was lost is sent again on the retry: a second copy is harmless."""
    p, wf, client = effect.payload, slack.wf, slack.client
    current = wf.order(int(p["order_id"]))
    invoice = invoice_for(wf, slack.settings, current)
    dm = slack.call(("conversations.open",), client.conversations_open, users=str(p["user"]))["channel"]["id"]
    made = files_of(invoice, FORMATS)
    uploads = [{"content": f.content, "filename": f.name, "title": f.name} for f in made if f.content]
    comment = f":receipt: The invoice data of *{current.number}*, revision {invoice.revision}."
    missing = [f for f in made if f.problems]
    if missing:
        comment += "\nNo UBL file: " + "; ".join(p for f in missing for p in f.problems)
    slack.call(
        ("files.getUploadURLExternal", "files.completeUploadExternal"),
        client.files_upload_v2,
        channel=dm,
        file_uploads=uploads,
        initial_comment=comment,
    )
