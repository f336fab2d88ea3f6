"""`service-orders import|export clients|sites|contacts|catalog`: exit codes and what is printed."""

from __future__ import annotations

import os

import pytest

from bot.cli import main


@pytest.fixture
def shell(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A shell in an empty folder whose DATABASE_URL is a fresh SQLite file."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "SO_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'orders.db'}")
    return tmp_path


CATALOG = (
    "code,name,kind,unit,unit_price,active\nSVC-1,Diagnosis,service,h,85,\nMAT-1,Cable,material,m,1.99,\n"
)


def test_import_then_export_a_catalog(shell, capsys):
    (shell / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    assert main(["import", "catalog", "catalog.csv", "--dry-run"]) == 0
    assert "catalog: 2 rows — 2 new, 0 updated, 0 unchanged (dry run" in capsys.readouterr().out
    assert main(["import", "catalog", "catalog.csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "catalog: 2 rows — 2 new, 0 updated, 0 unchanged\n"
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    assert main(["export", "catalog", "--out", "out.csv"]) == 0
    assert capsys.readouterr().out == "exported 2 catalog rows to out.csv\n"
    assert (shell / "out.csv").read_bytes().decode("utf-8-sig").splitlines() == [
        "code,name,kind,unit,unit_price,active,vat_rate,vat_exemption",
        "MAT-1,Cable,material,m,1.99,true,,",  # no rate of its own: the company's
        "SVC-1,Diagnosis,service,h,85.00,true,,",
    ]
    assert main(["import", "catalog", "out.csv"]) == 0
    assert "0 new, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_a_rejected_import_lists_each_problem_and_exits_1(shell, capsys):
    rows = "".join(f"B-{i},,service,h,1\n" for i in range(60))  # 60 rows without a name
    (shell / "bad.csv").write_text("code,name,kind,unit,unit_price\n" + rows, encoding="utf-8")
    assert main(["import", "catalog", "bad.csv"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0] == "bad.csv:2: name: required, but empty"
    assert lines[49] == "bad.csv:51: name: required, but empty"
    assert lines[50:] == ["… and 10 more", "Nothing was imported."]
    assert captured.out == ""
    assert main(["export", "catalog"]) == 0
    assert capsys.readouterr().out == "\ufeffcode,name,kind,unit,unit_price,active,vat_rate,vat_exemption\r\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["import", "catalog", "missing.csv"], "cannot read missing.csv"),
        (["import", "catalog", "latin1.csv"], "not UTF-8"),
        (["export", "clients", "--out", "."], "is a folder"),
    ],
)
def test_a_usage_mistake_is_one_line_and_exit_2(shell, capsys, args, says):
    (shell / "latin1.csv").write_bytes("code,name\nA,Café\n".encode("latin-1"))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err


def test_an_unknown_kind_is_a_usage_error(shell, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["import", "suppliers", "x.csv"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_export_orders_still_works(shell, capsys):
    assert main(["export", "orders"]) == 0
    assert capsys.readouterr().out.startswith("\ufeffnumber,")
