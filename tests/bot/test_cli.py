"""The console script as a person at a terminal meets it: exit codes and one clear line."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from bot.cli import main

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SO_", "DATABASE_URL"))}


def run_process(args: list[str], cwd, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The console script as a separate process: `python -m bot.cli …`."""
    env = {**CLEAN_ENV, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], cwd, env_extra: dict[str, str] | None = None) -> Ran:
    """The console script's main() in this process, with the environment, directory and output of
    a terminal of its own (the tests marked processes show the module runs as a script too)."""
    env = {**CLEAN_ENV, **(env_extra or {})}
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as e:  # argparse's usage errors
                code = e.code if isinstance(e.code, int) else int(e.code is not None)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Ran(code, out.getvalue(), err.getvalue())


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (["serve"], "SLACK_BOT_TOKEN"),
        (["run"], "SLACK_BOT_TOKEN"),
    ],
)
@pytest.mark.processes
def test_missing_required_setting_is_one_line_and_exit_2(tmp_path, command, missing):
    result = run_process(command, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert missing in result.stderr and "Traceback" not in result.stderr


def test_serve_names_the_signing_secret_when_only_the_token_is_set(tmp_path):
    result = run(["serve"], tmp_path, {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    result = run(["serve"], tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr  # the token came from .env


def test_role_grant_list_revoke_on_a_fresh_database(tmp_path):
    db = {"DATABASE_URL": f"sqlite:///{tmp_path / 'roles.db'}", "SO_ADMINS": "U0BOSS001"}
    granted = run(["role", "grant", "U0LAYLA01", "coordinator"], tmp_path, db)
    assert granted.returncode == 0 and "U0LAYLA01 is now coordinator" in granted.stdout
    listing = run(["role", "list"], tmp_path, db)
    assert "U0LAYLA01\tcoordinator" in listing.stdout and "U0BOSS001\tadmin" in listing.stdout
    revoked = run(["role", "revoke", "U0LAYLA01", "coordinator"], tmp_path, db)
    assert revoked.returncode == 0 and "no longer coordinator" in revoked.stdout
    assert "U0LAYLA01" not in run(["role", "list"], tmp_path, db).stdout


def test_unknown_role_is_refused_with_exit_2(tmp_path):
    db = {"DATABASE_URL": f"sqlite:///{tmp_path / 'roles.db'}"}
    result = run(["role", "grant", "U0LAYLA01", "boss"], tmp_path, db)
    assert result.returncode == 2 and "unknown role 'boss'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_timezone_is_a_config_error(tmp_path):
    result = run(["role", "list"], tmp_path, {"SO_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2 and "SO_TIMEZONE" in result.stderr


def test_effects_list_and_retry_a_failed_effect(tmp_path):
    from decimal import Decimal

    from forms.types import LineDraft, OrderDraft
    from workflow.service import open_workflow

    db = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fx.db'}"}
    wf = open_workflow(db["DATABASE_URL"])
    wf.grant("test", "U0LAYLA01", "coordinator", check=False)
    wf.submit(
        "U0LAYLA01",
        OrderDraft(
            "Acme",
            "Main st",
            "",
            "Router",
            "",
            None,
            "normal",
            [LineDraft("labour", "Diagnosis", Decimal(2), "h", Decimal(85))],
        ),
    )
    first = wf.outbox.pending_effects()[0]
    wf.outbox.effect_started(first.id)
    wf.outbox.effect_failed(first.id, "restricted_action")
    wf.engine.dispose()

    listed = run(["effects", "list", "--failed"], tmp_path, db)
    assert listed.returncode == 0
    assert f"{first.id}\tfailed\tcreate_channel\tchannel:SO-0001" in listed.stdout
    assert "restricted_action" in listed.stdout
    retried = run(["effects", "retry", str(first.id)], tmp_path, db)
    assert retried.returncode == 0 and "queued again" in retried.stdout
    assert "no failed effects" in run(["effects", "list", "--failed"], tmp_path, db).stdout
    again = run(["effects", "retry", str(first.id)], tmp_path, db)
    assert again.returncode == 2 and "not a failed effect" in again.stderr


def test_an_older_database_is_not_upgraded_silently(tmp_path):
    from storage.db import head_revision, make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001_initial")  # as the previous version left it
    engine.dispose()
    db = {"DATABASE_URL": url}
    refused = run(["role", "list"], tmp_path, db)
    assert refused.returncode == 2 and "service-orders db upgrade" in refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    upgraded = run(["db", "upgrade"], tmp_path, db)
    assert upgraded.returncode == 0
    assert f"0001_initial → {head_revision()}" in upgraded.stdout
    assert run(["role", "list"], tmp_path, db).returncode == 0
    assert "up to date" in run(["db", "upgrade"], tmp_path, db).stdout


def test_auto_upgrade_setting_upgrades_on_start(tmp_path):
    from storage.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001_initial")
    engine.dispose()
    result = run(["role", "list"], tmp_path, {"DATABASE_URL": url, "SO_DB_AUTO_UPGRADE": "true"})
    assert result.returncode == 0 and "nobody has a role yet" in result.stdout
