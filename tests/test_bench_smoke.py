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

# Per section: the titles, table headers and targets its report must hold
EXPECTED = {
    "1": (("1. Ack latency (ms) and throughput",), ("request",), ()),
    "2": (("2. PDF rendering",), ("render ms",), ()),
    "3": (
        ("3. Listing on SQLite", "3. Query plans on SQLite", "3. CSV export"),
        ("bare p50", "peak RSS MB"),
        ("3. `/so list`", "3. `/so show`", "3. Home tab", "3. never a full scan", "3. export memory flat"),
    ),
    "4": (("4. Burst of submissions",), ("minimum s",), ()),
    "5": (("Options load answer (ms)",), ("real p99",), ("5. typeahead at 10,000 items",)),
    "6": (("6. Invoice data",), (), ()),
    "7": (("7. ERP webhook throughput",), ("straight /s",), ("7. ERP webhooks: every order delivered once",)),
    "8": (
        ("8. A PDF with 3 photos", "8. Keeping one photo"),
        ("process peak RSS MB",),
        ("8. a PDF with 3 photos",),
    ),
}


# The ack benchmark alone (it starts servers and a load generator), the rest together: two tests the
# workers run side by side, each well inside its time limit on a loaded machine.
@pytest.mark.parametrize("only", ["1", "2,3,4,5,6,7,8"])
def test_bench_smoke(tmp_path, only):
    out = tmp_path / "BENCH.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--only", only, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    written = out.read_text(encoding="utf-8")
    for text in (proc.stdout, written):
        for number in only.split(","):
            titles, headers, targets = EXPECTED[number]
            for expected in (*titles, *headers, *targets):
                assert expected in text
        assert "ANSWERS DIFFER" not in text  # the code and the bare SQL found the same orders
    assert "Smoke mode" in written
    assert "--smoke" in written  # the exact command
    assert "slack-bolt" in written and "fpdf2" in written and "SQLAlchemy" in written
    assert not (ROOT / "BENCH.md").exists()
