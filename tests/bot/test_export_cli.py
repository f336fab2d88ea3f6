"""`service-orders export orders`: a file for a person, a stream for a script, one line for a mistake."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import ProgressBar
from storage.db import create_schema, make_engine
from tests.workflow.bulk import insert_orders
from workflow.export import ExportStats

pytestmark = pytest.mark.processes  # spawns processes: kept in CI, `-m 'not processes'` skips them

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SO_", "DATABASE_URL"))}


@pytest.fixture
def database(tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    engine = make_engine(url)
    create_schema(engine)
    insert_orders(engine, 30, client=lambda i: "Clínica Norte" if i % 2 else "Acme")
    engine.dispose()
    return {"DATABASE_URL": url}


def export(args: list[str], cwd, env: dict[str, str]) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "orders", *args],
        cwd=cwd,
        env={**CLEAN_ENV, **env},
        capture_output=True,
        timeout=60,
    )


def test_csv_to_a_file(tmp_path, database):
    result = export(
        ["--client", "clínica", "--status", "closed,in_progress", "--out", "x.csv"], tmp_path, database
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "exported 6 orders, 12 rows to x.csv\n"
    assert result.stderr == b""  # no progress bar when stderr is not a terminal
    data = (tmp_path / "x.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 12 and {r["client"] for r in rows} == {"Clínica Norte"}
    assert {r["status"] for r in rows} == {"closed", "in_progress"}
    assert (
        rows[0]["number"] == "SO-0001" and rows[0]["quantity"] == "2.5" and rows[0]["line_total"] == "12.50"
    )
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_json_lines_to_standard_output(tmp_path, database):
    result = export(["--format", "json", "--from", "2026-01-10", "--to", "2026-01-12"], tmp_path, database)
    assert result.returncode == 0, result.stderr
    orders = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [o["planned_date"] for o in orders] == ["2026-01-10", "2026-01-11", "2026-01-12"]
    assert orders[0]["lines"][0]["unit_price"] == "5.00" and orders[0]["requester"]["name"] is None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--status", "frozen"], "unknown status"),
        (["--from", "30/11/2026"], "use YYYY-MM-DD"),
        (["--from", "2026-12-01", "--to", "2026-01-01"], "is after"),
        (["--out", "."], "is a folder"),
        (["--out", "/nonexistent-folder/x.csv"], "cannot write"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2_and_writes_nothing(tmp_path, database, args, says):
    result = export(args, tmp_path, database)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.strip().count("\n") == 0 and says in stderr and "Traceback" not in stderr
    assert result.stdout == b""


def test_the_progress_bar_redraws_one_line():
    out = io.StringIO()
    bar = ProgressBar(200, out)
    bar(ExportStats(orders=50, rows=80))
    bar(ExportStats(orders=200, rows=300))  # the last one is always drawn
    bar.done()
    frames = out.getvalue().split("\r")[1:]
    assert frames[0].startswith("[#######") and " 25%" in frames[0] and "50/200 orders" in frames[0]
    assert "100%" in frames[-1] and frames[-1].endswith("200/200 orders\n")
