"""Building invoice data: the JSON and the Peppol UBL (with its XSD check) of a large order, against
building the JSON alone, measured in the same run.

    python bench/invoice_build.py [--smoke]     (or as part of python bench/run.py)

What `Ready for invoicing`, `/so invoice` and `invoices export` pay per order: the UBL is built with
lxml and validated against the UBL 2.1 XSD before it is handed out. Not a test.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # python bench/invoice_build.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Table, Target
from bench.pdf_render import measure  # median seconds, then peak MB of one run
from invoicing.json_doc import to_json_bytes
from invoicing.model import Address, Invoice, InvoiceLine, Party
from invoicing.ubl import to_ubl, validate_ubl

RATES = (Decimal(21), Decimal(10), Decimal(0))


def invoice(n: int) -> Invoice:
    lines = tuple(
        InvoiceLine(
            id=str(i + 1),
            name=f"Item {i}: cable, connectors and labour for floor {i % 7}",
            quantity=Decimal(i % 9 + 1),
            unit=("h", "pcs", "m")[i % 3],
            unit_price=Decimal("12.35"),
            vat_rate=RATES[i % 3],
            exemption_reason="Exempt: Art. 20 Ley 37/1992" if i % 3 == 2 else "",
            code=f"ITEM-{i:04d}",
        )
        for i in range(n)
    )
    seller = Party(
        "Andes IT & Consulting S.L.",
        Address("Calle de Serrano 41", "Madrid", "28001", "ES"),
        vat_id="ESB12345678",
    )
    buyer = Party(
        "Clínica Dental Norte", Address("Calle de Alcalá 120", "Madrid", "28009", "ES"), vat_id="ESB80123456"
    )
    return Invoice(
        number="SO-0042-r3",
        order_number="SO-0042",
        revision=3,
        issue_date=date(2026, 12, 5),
        currency="EUR",
        seller=seller,
        buyer=buyer,
        lines=lines,
        order_reference="SO-0042",
    )


def json_only(inv: Invoice) -> bytes:
    return to_json_bytes(inv)


def json_and_ubl(inv: Invoice) -> bytes:
    body = to_json_bytes(inv)
    xml = to_ubl(inv)
    problems = validate_ubl(xml)
    if problems:
        raise RuntimeError(problems[0])
    return body + xml


@dataclass
class Row:
    lines: int
    both: float
    json: float
    both_peak_mb: float
    json_peak_mb: float

    @property
    def ratio(self) -> float:
        return self.both / self.json


def run(smoke: bool, log=print) -> list[Row]:  # type: ignore[no-untyped-def]
    sizes, repeat = ((10, 100), 1) if smoke else ((10, 100, 1000), 5)
    rows = []
    for n in sizes:
        inv = invoice(n)
        json_and_ubl(inv)  # warm: the XSD is loaded once per process, as in the bot
        both, both_peak = measure(json_and_ubl, inv, repeat)
        alone, alone_peak = measure(json_only, inv, repeat)
        rows.append(Row(n, both, alone, both_peak, alone_peak))
        log(
            f"  {n:>5} lines: JSON+UBL {both * 1000:.1f} ms, JSON {alone * 1000:.1f} ms ({both / alone:.2f}×)"
        )
    return rows


def tables(rows: list[Row], smoke: bool) -> list[Table]:
    repeat = 1 if smoke else 5
    return [
        Table(
            "6. Invoice data (JSON + Peppol UBL with its XSD check vs the JSON alone)",
            ["lines", "JSON+UBL ms", "JSON ms", "ratio", "JSON+UBL peak MB", "JSON peak MB"],
            [
                [
                    str(r.lines),
                    f"{r.both * 1000:.1f}",
                    f"{r.json * 1000:.1f}",
                    f"{r.ratio:.2f}",
                    f"{r.both_peak_mb:.1f}",
                    f"{r.json_peak_mb:.1f}",
                ]
                for r in rows
            ],
            [
                f"Median of {repeat} run(s) after one warm-up (the XSD loaded once per process).",
                "Lines at 21 %, 10 % and 0 % (exempt) in turn; peak memory of Python allocations "
                "(tracemalloc): lxml's own C allocations are not counted.",
            ],
        )
    ]


def targets(rows: list[Row]) -> list[Target]:
    big = [r for r in rows if r.lines == 1000]
    if not big:
        return [
            Target("6. a 1,000-line order's JSON + UBL in under a second", None, "smoke: 10 and 100 lines")
        ]
    r = big[0]
    return [
        Target(
            "6. a 1,000-line order's JSON + UBL in under a second",
            r.both < 1.0,
            f"{r.both * 1000:.0f} ms, {r.ratio:.1f}× the JSON alone ({r.json * 1000:.0f} ms)",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    rows = run(args.smoke)
    for t in tables(rows, args.smoke):
        print(t.text())
    for t in targets(rows):
        print(t.line())


if __name__ == "__main__":
    main()
