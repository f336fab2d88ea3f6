"""The benchmarks keep working: `bench/run.py --smoke` runs every benchmark with tiny counts.

Benchmarks are not tests: this only checks that the script runs and reports; the numbers of a smoke
run mean nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.processes  # spawns processes: kept in CI, `-m 'not processes'` skips them

ROOT = Path(__file__).resolve().parents[1]

SECTIONS = (
    "1. Ack latency (ms) and throughput",
    "2. PDF rendering",
    "3. Listing on SQLite",
    "3. Query plans on SQLite",
    "3. CSV export",
    "4. Burst of submissions",
    "Options load answer (ms)",
    "7. ERP webhook throughput",
)
HEADERS = (
    "request",  # table 1
    "render ms",  # table 2
    "bare p50",  # table 3: list, show, Home
    "peak RSS MB",  # table 3: the export
    "minimum s",  # table 4
    "real p99",  # table 5
    "straight /s",  # table 7
)
TARGETS = (
    "3. `/so list`",
    "3. `/so show`",
    "3. Home tab",
    "3. never a full scan",
    "3. export memory flat",
    "5. typeahead at 10,000 items",
    "7. ERP webhooks: every order delivered once",
)


def test_bench_smoke(tmp_path):
    out = tmp_path / "BENCH.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    written = out.read_text(encoding="utf-8")
    for text in (proc.stdout, written):
        for section in SECTIONS:
            assert section in text
        for header in HEADERS:
            assert header in text
        for target in TARGETS:
            assert target in text
        assert "ANSWERS DIFFER" not in text  # the code and the bare SQL found the same orders
    assert "Smoke mode" in written
    assert "--smoke" in written  # the exact command
    assert "slack-bolt" in written and "fpdf2" in written and "SQLAlchemy" in written
    assert not (ROOT / "BENCH.md").exists()
