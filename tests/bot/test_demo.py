"""`service-orders demo`: the whole use case, with the company file and the master data, runs and
leaves the PDFs a person would look at."""

from __future__ import annotations

from pypdf import PdfReader

from bot.demo import run_demo


def test_the_demo_plays_the_use_case_with_master_data_and_leaves_three_pdfs(tmp_path):
    said: list[str] = []
    assert run_demo(str(tmp_path), write=said.append) == 0, "\n".join(said)
    transcript = "\n".join(said)
    assert "service-orders import catalog demo-catalog.csv: 5 new" in transcript
    assert "• Clínica Dental Norte — B-80123456" in transcript  # suggested from the client list
    assert "“Marta Ruiz, +34 600 123 456”" in transcript  # the contact filled in from the site
    assert "*Order type* 🟥 Repair · *Customer order number* PO-7781" in transcript  # on the card
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "SO-0001-r1.pdf",
        "SO-0001-r2-customer.pdf",
        "SO-0001-r2.pdf",
    ]
    final = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "SO-0001-r2.pdf").pages)
    assert "Andes IT & Consulting" in final and "MAT-RV340" in final
    assert "715,00" in final  # es_ES
    assert "FGL2231A0XY" in final  # the confirmation's own field
    copy = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "SO-0001-r2-customer.pdf").pages)
    assert "Customer copy" in copy and "Router, Cisco RV340" in copy
    assert "340,00" not in copy and "715,00" not in copy
