"""`service-orders demo`: the whole use case, with the company file and the master data, runs and
leaves the PDFs and the invoice files a person would look at."""

from __future__ import annotations

import json

from pypdf import PdfReader

from bot.demo import DIEGO, run_demo
from invoicing.ubl import validate_ubl
from workflow.service import open_workflow


def test_the_demo_plays_the_use_case_to_an_invoiced_order_and_leaves_its_files(tmp_path):
    said: list[str] = []
    assert run_demo(str(tmp_path), write=said.append) == 0, "\n".join(said)
    transcript = "\n".join(said)
    assert "service-orders import catalog demo-catalog.csv: 5 new" in transcript
    assert "• Clínica Dental Norte — B-80123456" in transcript  # suggested from the client list
    assert "“Marta Ruiz, +34 600 123 456”" in transcript  # the contact filled in from the site
    assert "*Order type* 🟥 Repair · *Customer order number* PO-7781" in transcript  # on the card
    assert "Alcalá 120" in transcript  # the site filled in the address
    assert "Field workers added to SO-0001" in transcript  # the form's answer
    assert "Revision 2 of SO-0001 is confirmed. The order is closed." in transcript
    assert "closed *SO-0001*: *Completed with adjustments*" in transcript
    assert "refused" not in transcript.lower() and "not ready for invoicing" not in transcript
    assert "Marta Ruiz signed *SO-0001* on the order page: revision 3 is the signed order" in transcript
    assert "What happened: Order received" in transcript and "Signed by the customer" in transcript
    assert "[ERP] received SO-0001-r4 (SO-0001:r4), signature valid" in transcript
    assert "SO-0001 is invoiced (FV-2026-0001); net EUR 800.00, VAT 168.00, total 968.00" in transcript
    # what the demo leaves in its database: the order, invoiced by the ERP, with Diego on it
    wf = open_workflow(f"sqlite:///{tmp_path / 'demo.db'}")
    order = wf.order(1)
    assert (order.status, order.outcome, order.invoice_number) == (
        "invoiced",
        "completed_with_changes",
        "FV-2026-0001",
    )
    assert DIEGO in order.field_workers and order.current_revision == 4 and order.invoice_revision == 4
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "SO-0001-r1.pdf",
        "SO-0001-r2-customer.pdf",
        "SO-0001-r2.pdf",
        "SO-0001-r3.pdf",
        "SO-0001-r4.pdf",
    ]
    signed = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "SO-0001-r3.pdf").pages)
    assert "Customer sign-off" in signed and "Marta Ruiz" in signed
    invoice = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "SO-0001-r4.pdf").pages)
    assert "Ready for invoicing" in invoice and "168,00" in invoice and "968,00" in invoice
    data = json.loads((tmp_path / "SO-0001-r4.json").read_text())
    assert data["buyer"]["vat_id"] == "ESB80123456" and data["buyer_reference"] == "PO-7781"
    assert data["totals"] == {"net": "800.00", "vat": "168.00", "gross": "968.00", "payable": "968.00"}
    assert validate_ubl((tmp_path / "SO-0001-r4.xml").read_bytes()) == []
    final = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "SO-0001-r2.pdf").pages)
    assert "Andes IT & Consulting" in final and "MAT-RV340" in final
    assert "800,00" in final  # es_ES
    assert "FGL2231A0XY" in final  # the confirmation's own field
    assert "Safety (3 of 3 answered, required)" in final and "Photos: old-router.jpg" in final
    assert "Work attested by Diego" in final  # ticked with the final confirmation
    assert "Self-check of SO-0001 saved (all required done)" in transcript
    copy = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "SO-0001-r2-customer.pdf").pages)
    assert "Customer copy" in copy and "Router, Cisco RV340" in copy
    assert "340,00" not in copy and "800,00" not in copy
