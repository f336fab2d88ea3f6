"""PDF rendering time and peak memory: our render() against a bare fpdf2 table of the same rows.

    python bench/pdf_render.py [--smoke]

Prints a table of medians (ratios to the baseline measured in the same run). Not a test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import fpdf
from fpdf import FPDF

from pdf import render
from pdf.document import DocLine, OrderDocument

FONT = Path(__file__).resolve().parents[1] / "pdf" / "fonts" / "DejaVuSans.ttf"
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def document(n: int) -> OrderDocument:
    lines = [
        DocLine(
            "material",
            f"Item {i}: cable, connectors and labour for floor {i % 7}",
            Decimal(i % 9 + 1),
            "pcs",
            Decimal("12.50"),
            Decimal(i % 9 + 1) * Decimal("12.50"),
        )
        for i in range(n)
    ]
    return OrderDocument(
        company="Bench Co",
        currency="EUR",
        number="SO-0001",
        revision=1,
        status="In progress",
        title="Bench",
        client="Client",
        site="Site",
        contact="",
        description="",
        priority="Normal",
        requester="Layla",
        created_at=AT,
        planned_date=None,
        generated_at=AT,
        lines=lines,
        total=sum((x.total for x in lines), Decimal()),
    )


def bare_table(doc: OrderDocument) -> bytes:
    """The baseline: one fpdf2 document, the same rows in a plain cell() table, the same font."""
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=9)
    pdf.set_creation_date(AT)
    pdf.add_page()
    for x in doc.lines:
        pdf.cell(20, 5, x.kind)
        pdf.cell(80, 5, x.description[:45])
        pdf.cell(15, 5, str(x.quantity), align="R")
        pdf.cell(15, 5, x.unit)
        pdf.cell(25, 5, f"{x.unit_price:,.2f}", align="R")
        pdf.cell(25, 5, f"{x.total:,.2f}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def measure(fn, doc, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(doc)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn(doc)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="one quick pass, to keep the script working")
    args = parser.parse_args()
    sizes, repeat = ((10, 100), 1) if args.smoke else ((10, 100, 1000), 5)
    print(f"python {platform.python_version()}, fpdf2 {fpdf.__version__}, {platform.machine()}")
    print(f"{'lines':>6} {'render ms':>10} {'bare ms':>9} {'ratio':>6} {'peak MB':>8}")
    for n in sizes:
        doc = document(n)
        ours, peak = measure(render, doc, repeat)
        base, _ = measure(bare_table, doc, repeat)
        print(f"{n:>6} {ours * 1000:>10.1f} {base * 1000:>9.1f} {ours / base:>6.2f} {peak:>8.1f}")


if __name__ == "__main__":
    main()
