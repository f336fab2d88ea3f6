"""Benchmark 1: ack latency and throughput of the real app against two bare Bolt apps.

Three apps, served the same way (SlackASGI under uvicorn via bot.runtime.BackgroundServer, Bolt
with process_before_response=True), answer the same signed requests:

(a) a bare Bolt app whose handlers only ack();
(b) a bare Bolt app whose handlers do one INSERT + COMMIT into a SQLite file (WAL,
    synchronous=NORMAL, BEGIN IMMEDIATE: the pragmas the real app's engine uses), then ack();
(real) Runtime.build(settings, worker="process") on a SQLite file against the local Slack fake,
    as `service-orders serve` runs it: the listeners store each command and ack; the worker
    process carries the commands out and makes the channel, card, DMs and PDFs, during the load.

Requests: `/so new` (the real app acks, then calls views.open on the fake with the trigger id
right after its answer), a filled new-order view_submission (the real app stores the order and
answers with the "submitted" view), and an Approve click on a pending order (a different order per
click).

The load generator is a separate process (bench.loadgen); each cell is a closed loop of
`concurrency` keep-alive connections. Between cells the real app's dispatcher is let finish the
effects the cell queued (not measured), so each cell starts from the same quiet state.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import sqlite3
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import text

import forms
from bench.common import Table, Target, ms, percentile
from bench.loadgen import Generator, LoadResult
from bench.servers import AppProcess
from bot.config import Settings
from bot.demo import LAYLA, OGECHI, PEOPLE
from bot.worker import wait_until_idle
from forms import ids
from sandbox import FakeSlack
from sandbox.slack import APP_ID, VERIFICATION_TOKEN
from workflow.rules import Status
from workflow.service import open_workflow

KINDS = ("/so new", "view_submission", "approve")
APP_A, APP_B, APP_REAL = "(a) bare, ack only", "(b) bare, INSERT+commit", "real app"
APPS = (APP_A, APP_B, APP_REAL)
FORM = "application/x-www-form-urlencoded"


@dataclass
class Config:
    requests: int  # per cell
    concurrencies: tuple[int, ...]
    warmup: int  # per kind and app, before any cell

    @classmethod
    def of(cls, smoke: bool) -> Config:
        return cls(8, (1, 4), 4) if smoke else cls(300, (1, 8, 32), 60)


@dataclass
class Cell:
    app: str
    kind: str
    concurrency: int
    latencies: list[float]
    throughput: float
    errors: int
    settle: float = 0.0  # real app: seconds the dispatcher needed afterwards for the queued effects

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


@dataclass
class Result:
    config: Config
    cells: list[Cell] = field(default_factory=list)
    precreated: int = 0
    precreate_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    bare_insert_times: list[float] = field(default_factory=list)
    submit_times: list[float] = field(default_factory=list)
    approve_times: list[float] = field(default_factory=list)

    def cell(self, app: str, kind: str, c: int) -> Cell:
        return next(x for x in self.cells if (x.app, x.kind, x.concurrency) == (app, kind, c))


# ---------------------------------------------------------------------------- the bare apps


def bare_app(secret: str, fake_url: str, db_path: Path | None, times: list[float] | None = None) -> App:
    """A Bolt app with handlers for the same three payloads; with db_path, one INSERT per request."""
    app = App(
        signing_secret=secret,
        token_verification_enabled=False,
        process_before_response=True,
        client=WebClient(base_url=fake_url, token="xoxb-sandbox"),
    )
    local = threading.local()

    def insert(kind: str) -> None:
        if db_path is None:
            return
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            local.conn = conn
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO hits (kind, at) VALUES (?, ?)", (kind, time.time()))
        conn.execute("COMMIT")
        if times is not None:
            times.append(time.perf_counter() - t0)

    if db_path is not None:
        with sqlite3.connect(db_path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, kind TEXT, at REAL)")

    @app.command(ids.SLASH_COMMAND)
    def command(ack):  # type: ignore[no-untyped-def]
        insert("command")
        ack()

    @app.view(ids.NEW_ORDER)
    def view(ack):  # type: ignore[no-untyped-def]
        insert("view")
        ack()

    @app.action(ids.APPROVE)
    def action(ack):  # type: ignore[no-untyped-def]
        insert("action")
        ack()

    return app


def time_bare_inserts(db_path: Path, n: int) -> list[float]:
    """The INSERT + COMMIT of (b) alone, n times, in this process: seconds each."""
    times: list[float] = []
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, kind TEXT, at REAL)")
        for _ in range(n):
            t0 = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO hits (kind, at) VALUES (?, ?)", ("view", time.time()))
            conn.execute("COMMIT")
            times.append(time.perf_counter() - t0)
    return times


# ---------------------------------------------------------------------------- the real app


class RealWorld:
    """The local Slack fake and the real bot on it (as bot.demo.local_world, with a longer trigger
    lifetime so that trigger ids issued just before a cell are still valid when their request is
    sent)."""

    def __init__(self, workdir: Path) -> None:
        self.secret = secrets.token_hex(16)
        self.fake = FakeSlack(signing_secret=self.secret, trigger_ttl=600.0)
        self.fake.start()
        for uid, name in PEOPLE.items():
            self.fake.add_user(uid, name.split()[0].lower(), name)
        settings = Settings(
            bot_token="xoxb-sandbox",
            signing_secret=self.secret,
            slack_api_url=self.fake.url,
            slack_hooks_url=self.fake.base,
            database_url=f"sqlite:///{workdir / 'real.db'}",
            company_name="Bench Co",
            currency="EUR",
            timezone="Europe/Madrid",
        )
        # as `service-orders serve` runs it: HTTP in its process, the worker in a child of it
        self.server = AppProcess("real", self.secret, self.fake.url, settings=settings)
        self.fake.request_url = self.server.url
        self.wf = open_workflow(settings.database_url)  # this process's view of the same database
        self.wf.grant("bench", LAYLA, "coordinator", check=False)
        self.wf.grant("bench", OGECHI, "supervisor", check=False)
        self.submit_times: list[float] = []
        self.approve_times: list[float] = []

    def settle(self, timeout: float = 900.0) -> float:
        """Wait until the worker has carried out every command and performed every effect."""
        t0 = time.perf_counter()
        if not wait_until_idle(self.wf, timeout):
            raise RuntimeError(f"the worker did not finish within {timeout:.0f} s")
        return time.perf_counter() - t0

    def stop(self) -> None:
        self.server.stop()
        self.wf.engine.dispose()
        self.fake.stop()

    @staticmethod
    def wait(check, what: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
        """check()'s first true value: the bot calls Slack right after its answer, not before."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.02)
        raise RuntimeError(f"timed out waiting for {what}")

    # -- payload templates, captured from the fake as a person produces them

    def capture_templates(self) -> tuple[dict, dict]:
        """A filled new-order view_submission and an Approve block_actions, exactly as the fake
        sends them (the first order is submitted and approved on the way: not measured)."""
        fake = self.fake
        opened = fake.slash_command(LAYLA, "/so", "new")
        assert opened.status == 200
        view_id = self.wait(lambda: opened_view(fake, opened.request["trigger_id"]), "the form to open")
        fake.fill(view_id, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")
        fake.fill(view_id, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
        fake.fill(view_id, ids.CONTACT, ids.CONTACT, "Marta Ruiz, +34 600 123 456")
        fake.fill(view_id, ids.TITLE, ids.TITLE, "Repair office computer network")
        fake.fill(view_id, ids.DESCRIPTION, ids.DESCRIPTION, "The office network drops every few minutes.")
        fake.fill(view_id, ids.PRIORITY, ids.PRIORITY, "high")
        fake.fill(view_id, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Network diagnosis on site")
        fake.fill(view_id, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85.00")
        fake.fill(view_id, ids.line_block(0, ids.LINE_ACTIONS), ids.LINE_KIND, "labour")
        fake.view_action(LAYLA, view_id, ids.ADD_LINE, ids.LINES_ACTIONS_BLOCK)
        second = ids.line_block(1, ids.LINE_DESC)  # the form changes right after the bot's answer
        self.wait(lambda: any(b.get("block_id") == second for b in fake.views[view_id]["blocks"]), "a line")
        fake.fill(view_id, ids.line_block(1, ids.LINE_DESC), ids.LINE_DESC, "Cabling and connector check")
        fake.fill(view_id, ids.line_block(1, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "1 service × 120")
        submitted = fake.submit(LAYLA, view_id)
        assert submitted.status == 200 and not fake.view_errors.get(view_id), submitted.body_text
        submission = submitted.request
        self.settle()
        order = self.wf.list_for(LAYLA)[0][0]
        assert order.channel_id and order.card_ts
        clicked = fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE)
        assert clicked.status == 200
        self.settle()
        assert self.wf.order(order.id).status == Status.IN_PROGRESS
        return submission, clicked.request

    def precreate(self, n: int, submission: dict) -> tuple[list[int], float]:
        """n pending orders (workflow.submit, as the form's listener calls it), their channels and
        cards made by the dispatcher; returns their ids and the seconds it took."""
        draft = forms.parse_new_order(submission["view"]).value
        t0 = time.perf_counter()
        made = []
        for _ in range(n):
            t1 = time.perf_counter()
            made.append(self.wf.submit(LAYLA, draft).id)
            self.submit_times.append(time.perf_counter() - t1)
        self.settle()
        return made, time.perf_counter() - t0

    def time_approvals(self, order_ids: list[int]) -> None:
        """workflow.approve alone (no HTTP, no Bolt) on orders that are not used afterwards."""
        for order_id in order_ids:
            t1 = time.perf_counter()
            self.wf.approve(order_id, OGECHI)
            self.approve_times.append(time.perf_counter() - t1)
        self.settle()

    def order_refs(self, order_ids: list[int]) -> list[tuple[int, str, str, str]]:
        """(id, channel id, channel name, card ts) of each order, in one query."""
        with self.wf.engine.connect() as conn:
            rows = conn.execute(
                text("select id, channel_id, channel_name, card_ts from orders where status = :s"),
                {"s": str(Status.PENDING_APPROVAL.value)},
            ).all()
        by_id = {r[0]: r for r in rows}
        missing = [i for i in order_ids if i not in by_id or not by_id[i][3]]
        if missing:
            raise RuntimeError(f"{len(missing)} pre-created orders have no card or are not pending")
        return [tuple(by_id[i]) for i in order_ids]  # type: ignore[misc]


# ---------------------------------------------------------------------------- request bodies


def form_body(payload: dict) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def slash_bodies(fake: FakeSlack, n: int) -> list[bytes]:
    """n `/so new` commands from Layla in #general, each with a fresh trigger id the fake issued.

    FakeSlack has no public way to issue a trigger without posting the command itself: this uses
    its private _issue_trigger and _new_response_url (the same calls slash_command makes)."""
    channel = fake.general
    out = []
    for _ in range(n):
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": fake.team_id,
            "team_domain": fake.team_domain,
            "channel_id": channel.id,
            "channel_name": channel.name,
            "user_id": LAYLA,
            "user_name": fake.users[LAYLA]["name"],
            "command": ids.SLASH_COMMAND,
            "text": "new",
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": fake._new_response_url(LAYLA, channel.id, None, "command"),
            "trigger_id": fake._issue_trigger(LAYLA),
        }
        out.append(urllib.parse.urlencode(form).encode())
    return out


def submission_bodies(fake: FakeSlack, template: dict, n: int) -> list[bytes]:
    """n submissions of the captured form, each a submission of its own (Slack gives every
    submission a view id and hash pair once: the same pair again is a replay, stored once)."""
    out = []
    for i in range(n):
        payload = dict(template)
        payload["trigger_id"] = fake._issue_trigger(LAYLA)
        unique = f"{template['view'].get('hash')}-{i}-{secrets.token_hex(4)}"
        payload["view"] = {**template["view"], "hash": unique}
        out.append(form_body(payload))
    return out


def opened_view(fake: FakeSlack, trigger: str) -> str | None:
    """The id of the modal the bot opened with trigger, if it did."""
    for call in fake.calls_to("views.open"):
        if call.params.get("trigger_id") == trigger and call.response.get("ok"):
            return call.response["view"]["id"]
    return None


def approve_bodies(template: dict, refs: list[tuple[int, str, str, str]]) -> list[bytes]:
    """The captured Approve click, pointed at each order's channel, card and id."""
    out = []
    for order_id, channel_id, channel_name, card_ts in refs:
        p = copy.deepcopy(template)
        p["container"].update(message_ts=card_ts, channel_id=channel_id)
        p["channel"] = {"id": channel_id, "name": channel_name}
        p["message"]["ts"] = card_ts
        p["actions"][0]["value"] = str(order_id)
        p["action_ts"] = f"{time.time():.6f}"
        out.append(form_body(p))
    return out


# ---------------------------------------------------------------------------- checks


def bad_answers(app: str, kind: str, result: LoadResult) -> int:
    """Answers that are not what this app must give (every app: HTTP 200)."""
    bad = 0
    for s in result.samples:
        if s.status != 200:
            bad += 1
        elif app == APP_REAL and kind == "/so new" and s.body.strip():
            bad += 1  # an ack with text: views.open failed ("Slack took too long to open the form")
        elif app == APP_REAL and kind == "view_submission" and b'"response_action": "update"' not in s.body:
            bad += 1  # errors under the form instead of "Order submitted"
    return bad


# ---------------------------------------------------------------------------- the run


def run(smoke: bool, log=print) -> Result:  # type: ignore[no-untyped-def]
    cfg = Config.of(smoke)
    result = Result(cfg)
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp, Generator() as gen:
        workdir = Path(tmp)
        world = RealWorld(workdir)
        servers: dict[str, AppProcess] = {}
        try:
            fake, secret = world.fake, world.secret
            servers[APP_A] = AppProcess("a", secret, fake.url)
            servers[APP_B] = AppProcess("b", secret, fake.url, workdir / "bare.db")
            result.bare_insert_times = time_bare_inserts(workdir / "bare-timing.db", 2880)
            # Slack runs on Slack's machines: here its stand-in (this process) must not take the CPU
            # from the app under test. The load generator and the apps are started first, at the
            # normal priority; then this process lowers its own.
            gen.start()
            os.nice(10)
            servers[APP_REAL] = world.server
            submission, click = world.capture_templates()

            need = cfg.warmup + cfg.requests * len(cfg.concurrencies)
            direct = 4 if smoke else 100  # approved in-process, to time workflow.approve alone
            log(f"  pre-creating {need + direct} pending orders with channels and cards...")
            pending, result.precreate_seconds = world.precreate(need + direct, submission)
            result.precreated = need
            world.time_approvals(pending[need:])
            del pending[need:]
            result.submit_times, result.approve_times = world.submit_times, world.approve_times
            refs = world.order_refs(pending)
            # the bare apps get the same clicks (they never look at the order)
            bare_clicks = approve_bodies(click, refs[: max(cfg.requests, cfg.warmup)])

            def bodies(app: str, kind: str, n: int) -> list[bytes]:
                if kind == "/so new":
                    return slash_bodies(fake, n)
                if kind == "view_submission":
                    return submission_bodies(fake, submission, n)
                if app == APP_REAL:
                    taken = refs[:n]
                    del refs[:n]
                    return approve_bodies(click, taken)
                return bare_clicks[:n]

            def load(app: str, kind: str, n: int, c: int) -> tuple[LoadResult, list[bytes]]:
                srv = servers[app]
                sent = bodies(app, kind, n)
                return gen.run(srv.host, srv.port, "/slack/events", secret, sent, c), sent

            log("  warming up every server...")
            for app in APPS:
                for kind in KINDS:
                    res, _ = load(app, kind, cfg.warmup, min(8, cfg.warmup))
                    if bad_answers(app, kind, res):
                        raise RuntimeError(
                            f"warm-up of {app} {kind}: {bad_answers(app, kind, res)} bad answers"
                        )
                if app == APP_REAL:
                    world.settle()

            for kind in KINDS:
                for c in cfg.concurrencies:
                    for app in APPS:
                        before = len(fake.responses) + len(fake.ephemerals)
                        res, sent = load(app, kind, cfg.requests, c)
                        errors = bad_answers(app, kind, res)
                        settle = 0.0
                        if app == APP_REAL:
                            settle = world.settle()
                            if kind == "approve":
                                approved = [
                                    json.loads(urllib.parse.parse_qs(b.decode())["payload"][0]) for b in sent
                                ]
                                for p in approved:
                                    order = world.wf.order(int(p["actions"][0]["value"]))
                                    errors += order.status != Status.IN_PROGRESS
                                refusals = len(fake.responses) + len(fake.ephemerals) - before
                                errors += refusals
                        cell = Cell(
                            app, kind, c, [s.latency for s in res.samples], res.throughput, errors, settle
                        )
                        result.cells.append(cell)
                        log(
                            f"  {kind:<16} c={c:<3} {app:<24} p50 {ms(cell.p(50))} ms  "
                            f"p99 {ms(cell.p(99))} ms  "
                            f"{cell.throughput:7.0f} req/s  errors {errors}"
                            + (f"  (effects drained in {settle:.1f} s)" if app == APP_REAL else "")
                        )
            result.notes.append(
                f"views.open calls answered ok by the fake: "
                f"{sum(1 for x in fake.calls_to('views.open') if x.response.get('ok'))} of "
                f"{len(fake.calls_to('views.open'))}"
            )
            failed = world.wf.effects("failed")
            result.notes.append(f"failed effects in the real app after the run: {len(failed)}")
        finally:
            for name, srv in servers.items():
                if name != APP_REAL:
                    srv.stop()
            world.stop()
    return result


# ---------------------------------------------------------------------------- report


def tables(result: Result) -> list[Table]:
    cfg = result.config
    rows = []
    for kind in KINDS:
        for c in cfg.concurrencies:
            b = result.cell(APP_B, kind, c)
            for app in APPS:
                x = result.cell(app, kind, c)
                ratio50 = f"{x.p(50) / b.p(50):.2f}" if app == APP_REAL else ""
                ratio99 = f"{x.p(99) / b.p(99):.2f}" if app == APP_REAL else ""
                rows.append(
                    [
                        kind,
                        str(c),
                        app,
                        ms(x.p(50)),
                        ms(x.p(95)),
                        ms(x.p(99)),
                        f"{x.throughput:.0f}",
                        ratio50,
                        ratio99,
                        str(x.errors),
                    ]
                )
    notes = [
        f"{cfg.requests} requests per cell after a warm-up of {cfg.warmup} per app and request kind; "
        "closed loop, `c` keep-alive connections from a separate load-generator process; latency from "
        "sending the signed request to reading the whole answer.",
        "All three apps: SlackASGI under uvicorn, served by bot.runtime.BackgroundServer (its socket "
        "is IPPROTO_TCP, so TCP_NODELAY is on); process_before_response=True; the same signed "
        "bodies, from the benchmark's process, which also runs the fake Slack. The real app runs as "
        "`service-orders serve` does: its worker (inbox commands, then Slack effects) is a child "
        "process; the HTTP process only stores each command (one INSERT in the inbox file) and acks.",
        f"Approve: every click of the real app approves a different pending order "
        f"({result.precreated} pre-created through workflow.submit, channels and cards made by the "
        f"dispatcher in {result.precreate_seconds:.1f} s, not measured); errors count refusals too.",
        "Real app: the effects dispatcher runs during each cell (channels, cards, DMs, PDFs after the "
        "ack); afterwards it is let finish before the next cell.",
        "`/so new`: the real app calls views.open on the fake right after it acks; the bare apps do not. "
        "Each command carries a fresh trigger id issued just before its cell through the fake's private "
        "_issue_trigger (FakeSlack has no public way to issue one without posting the command); the fake "
        "is built with trigger_ttl=600 s so that a trigger issued before the cell is still valid when sent.",
        "view_submission: the payload the fake sent for one filled new-order form (client, site, contact, "
        "title, description, priority, two lines), replayed with a fresh trigger id; each creates an order. "
        "Approve: the block_actions the fake sent for one click on a card, pointed at each order's channel, "
        "card ts and id (the `message` field keeps the first card's blocks).",
        *result.notes,
    ]
    notes.append(
        f"The workflow command alone, in-process, no HTTP or Bolt (median of {len(result.submit_times)} / "
        f"{len(result.approve_times)} calls, the dispatcher running): workflow.submit "
        f"{ms(percentile(result.submit_times, 50))} ms, workflow.approve "
        f"{ms(percentile(result.approve_times, 50))} ms; the INSERT+commit of (b): "
        f"{ms(percentile(result.bare_insert_times, 50))} ms (median of {len(result.bare_insert_times)})."
    )
    return [
        Table(
            "1. Ack latency (ms) and throughput",
            ["request", "c", "app", "p50", "p95", "p99", "req/s", "real/(b) p50", "real/(b) p99", "errors"],
            rows,
            notes,
            text_columns=3,
        ),
    ]


def targets(result: Result) -> list[Target]:
    out = []
    for kind, name in (("view_submission", "submission"), ("approve", "approval")):
        misses, worst50, worst99, errors = [], 0.0, 0.0, 0
        for c in result.config.concurrencies:
            real, b = result.cell(APP_REAL, kind, c), result.cell(APP_B, kind, c)
            r50, r99 = real.p(50) / b.p(50), real.p(99) / b.p(99)
            worst50, worst99 = max(worst50, r50), max(worst99, r99)
            errors += real.errors
            for label, r in (("p50", r50), ("p99", r99)):
                if r > 1.5:
                    misses.append(
                        f"c={c} {label} {r:.2f}× ({ms(real.p(int(label[1:])))} vs "
                        f"{ms(b.p(int(label[1:])))} ms)"
                    )
        met = not misses and errors == 0
        detail = f"worst real/(b) p50 {worst50:.2f}×, p99 {worst99:.2f}× (limit 1.5×)"
        if misses:
            detail += "; over the limit: " + ", ".join(misses)
        if errors:
            detail += f"; {errors} wrong answers"
        out.append(Target(f"1. {name} ack within 1.5× of (b) at p50 and p99, every concurrency", met, detail))
    return out
