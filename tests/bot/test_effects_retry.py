"""`service-orders effects retry ID` gives a failed effect a fresh start: the dispatcher tries it
again with a whole budget of attempts, through the real app against the local Slack."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import bot.effects
from tests.bot.helpers import submit_order
from tests.conftest import ADMIN
from workflow import effects as fx

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SO_", "DATABASE_URL"))}


def cli(args: list[str], cwd, database_url: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**CLEAN_ENV, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_retried_effect_survives_a_transient_error(world, monkeypatch, tmp_path):
    """Provoke: pinning the card meets Slack 500s until the effect fails (three attempts here);
    an admin retries it from the shell, and the first retry meets one more 500."""
    monkeypatch.setattr(bot.effects, "MAX_ATTEMPTS", 3)
    monkeypatch.setattr(world.runtime.dispatcher, "backoff", lambda effect: 0.05)  # no waiting in real time
    fake, wf = world.fake, world.runtime.workflow
    fake.fail_next("pins.add", "internal_error", status=500, times=3)
    order = submit_order(world)
    (failed,) = wf.effects("failed")
    assert failed.kind == fx.PIN_CARD and "after 3 attempts" in failed.last_error
    alerts = len(fake.dms(ADMIN))

    fake.fail_next("pins.add", "internal_error", status=500)  # Slack hiccups once more
    retried = cli(["effects", "retry", str(failed.id)], tmp_path, world.runtime.settings.database_url)
    assert retried.returncode == 0 and "queued again" in retried.stdout, retried.stderr
    world.runtime.dispatcher.wake()
    world.settle()

    assert fake.channels[order.channel_id].pins == [order.card_ts]
    assert wf.effects("failed") == []
    assert len(fake.dms(ADMIN)) == alerts  # no second alert
    listed = cli(["effects", "list"], tmp_path, world.runtime.settings.database_url)
    assert f"{failed.id}\tdone\t{fx.PIN_CARD}" in listed.stdout
