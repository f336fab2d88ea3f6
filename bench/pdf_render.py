"""PDF rendering time and peak memory: our render() against a bare fpdf2 table of the same rows.

    python bench/pdf_render.py [--smoke]     (or as part of python bench/run.py)

Prints a table of medians (ratios to the baseline measured in the same run). Not a test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # python bench/pdf_render.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fpdf
from fpdf import FPDF

from bench.common import Table, Target
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
    """Median seconds of repeat calls, then the peak of Python allocations (tracemalloc) of one."""
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


@dataclass
class Row:
    lines: int
    ours: float  # seconds, median
    bare: float
    peak_mb: float  # ours
    bare_peak_mb: float

    @property
    def ratio(self) -> float:
        return self.ours / self.bare


def run(smoke: bool, log=print) -> list[Row]:  # type: ignore[no-untyped-def]
    sizes, repeat = ((10, 100), 1) if smoke else ((10, 100, 1000), 5)
    rows = []
    for n in sizes:
        doc = document(n)
        render(doc)  # warm: fonts parsed and cached once per process, as in the bot
        bare_table(doc)
        ours, peak = measure(render, doc, repeat)
        base, bare_peak = measure(bare_table, doc, repeat)
        rows.append(Row(n, ours, base, peak, bare_peak))
        log(f"  {n:>5} lines: render {ours * 1000:.1f} ms, bare {base * 1000:.1f} ms, peak {peak:.1f} MB")
    return rows


def tables(rows: list[Row], smoke: bool) -> list[Table]:
    repeat = 1 if smoke else 5
    return [
        Table(
            "2. PDF rendering (pdf.render vs a bare fpdf2 table of the same rows)",
            ["lines", "render ms", "bare ms", "ratio", "render peak MB", "bare peak MB"],
            [
                [
                    str(r.lines),
                    f"{r.ours * 1000:.1f}",
                    f"{r.bare * 1000:.1f}",
                    f"{r.ratio:.2f}",
                    f"{r.peak_mb:.1f}",
                    f"{r.bare_peak_mb:.1f}",
                ]
                for r in rows
            ],
            [
                f"Median of {repeat} run(s) after one warm-up run; the same DejaVuSans font in both.",
                "Peak memory: the peak of Python allocations during one run (tracemalloc), not RSS.",
                "Baseline (bare_table): one FPDF document, one font (regular), the rows as plain cell() "
                "calls; "
                "pdf.render also adds the bold face, header, footer, facts, wrapping and totals.",
            ],
        )
    ]


def targets(rows: list[Row]) -> list[Target]:
    worst = max(rows, key=lambda r: r.ratio)
    time_ok = all(r.ratio <= 1.5 for r in rows)
    big = [r for r in rows if r.lines == 1000]
    out = [
        Target(
            "2. PDF render time within 1.5× of the bare table",
            time_ok,
            ", ".join(f"{r.lines} lines {r.ratio:.2f}×" for r in rows) + f" (worst {worst.ratio:.2f}×)",
        )
    ]
    if big:
        out.append(
            Target(
                "2. peak memory under 200 MB for 1,000 lines",
                big[0].peak_mb < 200,
                f"{big[0].peak_mb:.1f} MB (bare table {big[0].bare_peak_mb:.1f} MB)",
            )
        )
    else:
        out.append(
            Target(
                "2. peak memory under 200 MB for 1,000 lines",
                None,
                "smoke mode renders 10 and 100 lines only",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="one quick pass, to keep the script working")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, fpdf2 {fpdf.__version__}, {platform.machine()}")
    rows = run(args.smoke)
    for t in tables(rows, args.smoke):
        print(t.text())
    for t in targets(rows):
        print(t.line())


if __name__ == "__main__":
    main()
