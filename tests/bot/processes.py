"""The bot as `service-orders serve` processes of their own, for crash and replica tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from forms import ids
from sandbox import FakeSlack, HttpResult
from storage.db import create_schema, drop_schema, make_engine
from workflow.service import Workflow

LAYLA, OGECHI = "U0LAYLA01", "U0OGECHI1"  # coordinator, supervisor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    def __init__(self, fake: FakeSlack, db_url: str, log: Path, secret: str) -> None:
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SO_", "DATABASE_URL"))},
            "SLACK_BOT_TOKEN": "xoxb-sandbox",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": fake.url,
            "SO_SLACK_HOOKS_URL": fake.base,  # the local Slack's response_urls
            "DATABASE_URL": db_url,
        }
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.fake = fake
        self._listen_on(self.port)

    def _listen_on(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.fake.request_url = self.url

    def start(self) -> None:
        # A free port can be taken by another test's process between free_port() and the bind:
        # then the bot exits at once, and it is started again on another port.
        for _ in range(3):
            if self._start():
                return
            self._listen_on(free_port())
        raise AssertionError(f"the bot did not start: {self.log.read_text()[-2000:]}")

    def _start(self) -> bool:
        """True once the bot answers /healthz; False if it exited because its port was taken."""
        out = self.log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return True
            except OSError:
                if self.proc.poll() is not None and "address already in use" in self.log.read_text()[-2000:]:
                    return False
                time.sleep(0.1)
        raise AssertionError(f"the bot did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wait_until(check, timeout: float = 60.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def opened_for(fake: FakeSlack, result: HttpResult, timeout: float = 10.0) -> str:
    """The id of the modal the bot opened for the command or click result was the answer to (the
    bot opens it right after answering, so it may not be there yet)."""
    trigger = (result.request or {}).get("trigger_id")

    def found() -> list[str]:
        return [
            c.response["view"]["id"]
            for c in fake.calls_to("views.open")
            if c.params.get("trigger_id") == trigger and c.response.get("ok")
        ]

    wait_until(found, timeout=timeout, what="the form to open")
    (view,) = found()
    return view


def all_done(wf: Workflow) -> bool:
    """Nothing left in the inbox nor in the outbox (postponed effects included)."""
    return not wf.has_pending_commands() and not wf.outbox.pending_effects(now=wf.clock() + timedelta(days=1))


def local_slack(secret: str) -> FakeSlack:
    """The local Slack, started, with Layla and Ogechi in it."""
    fake = FakeSlack(signing_secret=secret)
    fake.start()
    fake.add_user(LAYLA, "layla", "Layla Haddad")
    fake.add_user(OGECHI, "ogechi", "Ogechi Okafor")
    return fake


def fresh_postgres(url: str) -> Workflow:
    """A wiped PostgreSQL database at url, with Layla coordinator and Ogechi supervisor."""
    engine = make_engine(url)
    drop_schema(engine)
    create_schema(engine)
    wf = Workflow(engine)
    wf.grant("test", LAYLA, "coordinator", check=False)
    wf.grant("test", OGECHI, "supervisor", check=False)
    return wf


def submit_order(
    fake: FakeSlack, title: str, user: str = LAYLA, client: str = "Nordic Dental", amount: str = "2 h × 85"
) -> None:
    """user opens /so new (the bot opens the form just after its answer), fills it and submits."""
    result = fake.slash_command(user, "/so", "new")
    assert result.status == 200, result.body_text
    view = opened_for(fake, result)
    fake.fill(view, ids.CLIENT, ids.CLIENT, client)
    fake.fill(view, ids.SITE, ids.SITE, "Main street 1")
    fake.fill(view, ids.TITLE, ids.TITLE, title)
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, amount)
    assert fake.submit(user, view).status == 200
