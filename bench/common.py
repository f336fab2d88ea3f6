"""What every benchmark shares: percentiles, tables, targets, the machine's description."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100), linear between the closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str]
    text_columns: int = 1  # the first columns hold words (left-aligned), the rest numbers

    def markdown(self) -> str:
        out = [f"### {self.title}", ""]
        out.append("| " + " | ".join(self.headers) + " |")
        out.append(
            "|" + "|".join("---" if i < self.text_columns else "---:" for i in range(len(self.headers))) + "|"
        )
        out += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            out.append("")
            out += [f"- {n}" for n in self.notes]
        return "\n".join(out)

    def text(self) -> str:
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(self.headers)]

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        out = [f"== {self.title}", line(self.headers), line(["-" * w for w in widths])]
        out += [line(r) for r in self.rows]
        out += [f"  * {n}" for n in self.notes]
        return "\n".join(out)


@dataclass
class Target:
    name: str
    met: bool | None  # None: not measured
    detail: str

    def line(self) -> str:
        verdict = {True: "**met**", False: "**not met**", None: "**not measured**"}[self.met]
        return f"- {self.name}: {verdict} — {self.detail}"


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for row in f:
                if row.startswith("model name"):
                    cpu = row.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return [
        ("platform", platform.platform()),
        ("CPU", f"{cpu}, os.cpu_count() = {os.cpu_count()}"),
        ("Python", sys.version.split()[0] + f" ({platform.python_implementation()})"),
        ("slack-bolt", version("slack-bolt")),
        ("slack-sdk", version("slack-sdk")),
        ("fpdf2", version("fpdf2")),
        ("SQLAlchemy", version("SQLAlchemy")),
        ("uvicorn", version("uvicorn")),
        ("SQLite", __import__("sqlite3").sqlite_version),
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"
