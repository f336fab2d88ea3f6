"""The console script: service-orders run | serve | demo | role | db | effects | import | export."""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from dotenv import find_dotenv, load_dotenv

from bot.config import WORKER_MODES, ConfigError, Settings, load_settings
from workflow.service import SchemaOutdated, SchemaTooNew

if TYPE_CHECKING:
    from workflow.export import ExportStats

log = logging.getLogger("service_orders")
MASTER_KINDS = ("clients", "sites", "contacts", "catalog")  # workflow.master_csv.KINDS
PROBLEMS_SHOWN = 50


class CommandError(Exception):
    """A command-line mistake: one line on stderr, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="service-orders", description="Service Orders for Slack")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
    serve = sub.add_parser("serve", help="serve HTTP mode: POST /slack/events, GET /healthz")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    for p in (run, serve):
        p.add_argument(
            "--worker",
            choices=WORKER_MODES,
            default="process",
            help="where the work after each ack runs: a child process (default), a thread of this "
            "process, or none (a `service-orders work` process runs it)",
        )
    sub.add_parser("work", help="run only the worker: carry out stored commands, perform Slack actions")
    demo = sub.add_parser("demo", help="play the seed use case against a local Slack-compatible server")
    demo.add_argument("--out", default="demo-output", help="folder for the PDFs (default: demo-output)")
    role = sub.add_parser("role", help="grant, revoke and list roles")
    role_sub = role.add_subparsers(dest="role_command", required=True)
    for name in ("grant", "revoke"):
        p = role_sub.add_parser(name)
        p.add_argument("user_id", help="a Slack user id, e.g. U012ABCDEF")
        p.add_argument("role", help="admin, coordinator, supervisor or field_worker")
    role_sub.add_parser("list")
    db = sub.add_parser("db", help="the database: upgrade it to this version's schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="run the migrations (Alembic) up to this version")
    effects = sub.add_parser("effects", help="list the queued Slack actions; retry a failed one")
    effects_sub = effects.add_subparsers(dest="effects_command", required=True)
    listing = effects_sub.add_parser("list")
    listing.add_argument("--failed", action="store_true", help="only the failed ones")
    listing.add_argument("--pending", action="store_true", help="only the pending ones")
    retry = effects_sub.add_parser("retry", help="queue a failed effect again (the dispatcher performs it)")
    retry.add_argument("effect_id", type=int)
    export = sub.add_parser("export", help="export orders with their lines, as CSV or JSON Lines")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    orders = export_sub.add_parser(
        "orders",
        help="every matching order: CSV (one row per line) or JSON Lines (one order per line)",
        description="Filters narrow the export; without any, every order is exported.",
    )
    orders.add_argument("--format", choices=("csv", "json"), default="csv", help="default: csv")
    orders.add_argument(
        "--status",
        action="append",
        default=[],
        help="pending, in_progress, closed, rejected, cancelled, open or ended (repeat, or a,b)",
    )
    orders.add_argument("--client", default="", help="a part of the client's name (any case)")
    orders.add_argument("--from", dest="date_from", default="", help="planned on or after: YYYY-MM-DD")
    orders.add_argument("--to", dest="date_to", default="", help="planned on or before: YYYY-MM-DD")
    orders.add_argument("--text", default="", help="words that must all be in the title or description")
    orders.add_argument("--out", default="-", help="the file to write (default: standard output)")
    for kind in MASTER_KINDS:
        p = export_sub.add_parser(kind, help=f"the {kind} as CSV, in the columns `import {kind}` reads")
        p.add_argument("--out", default="-", help="the file to write (default: standard output)")
    invoices = sub.add_parser("invoices", help="the invoice data of orders ready for invoicing or invoiced")
    invoices_sub = invoices.add_subparsers(dest="invoices_command", required=True)
    inv_export = invoices_sub.add_parser(
        "export",
        help="write each order's invoice data: JSON, Peppol UBL XML or CSV",
        description="Without --ready or --since: every order ready for invoicing or invoiced.",
    )
    which = inv_export.add_mutually_exclusive_group()
    which.add_argument(
        "--ready", action="store_true", help="only orders ready for invoicing, not invoiced yet"
    )
    which.add_argument("--since", default="", help="orders marked ready on or after this day: YYYY-MM-DD")
    inv_export.add_argument("--format", choices=("json", "ubl", "csv"), default="json", help="default: json")
    inv_export.add_argument("--out", required=True, help="the folder to write the files in (made if missing)")
    imports = sub.add_parser(
        "import", help="add and update clients, sites, contacts or catalog items from CSV"
    )
    imports.add_argument("kind", choices=MASTER_KINDS)
    imports.add_argument("file", help="a CSV file with a header row (comma or semicolon, UTF-8)")
    imports.add_argument("--dry-run", action="store_true", help="check the file and count, write nothing")

    args = parser.parse_args(argv)
    load_dotenv(find_dotenv(usecwd=True), override=False)  # the .env where the command runs
    logging.basicConfig(
        level=logging.INFO if args.command in ("run", "serve", "work") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Bolt logs a refused request's body at INFO: message contents stay out of our logs.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per glyph table subset per PDF
    try:
        if args.command == "run":
            return run_socket_mode(load_settings(require=("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")), args.worker)
        if args.command == "serve":
            return serve_http(
                load_settings(require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")),
                args.host,
                args.port,
                args.worker,
            )
        if args.command == "work":
            from bot.worker import run_worker

            return run_worker(load_settings(require=("SLACK_BOT_TOKEN",)))
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(args.out)
        if args.command == "role":
            return manage_roles(load_settings(), args)
        if args.command == "effects":
            return manage_effects(load_settings(), args)
        if args.command == "db":
            return upgrade_db(load_settings())
        if args.command == "export" and args.export_command in MASTER_KINDS:
            return export_master(load_settings(), args)
        if args.command == "export":
            return export_orders(load_settings(), args)
        if args.command == "import":
            return import_master(load_settings(), args)
        if args.command == "invoices":
            return export_invoices(load_settings(), args)
    except (ConfigError, CommandError, SchemaOutdated, SchemaTooNew) as e:
        print(f"service-orders: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def run_socket_mode(settings: Settings, worker: str = "process") -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.web_port and not settings.public_url:
        settings = replace(settings, public_url=f"http://localhost:{settings.web_port}")

    from bot.runtime import Runtime
    from storage.db import request_waits

    runtime = Runtime.build(settings, worker)
    dispatch = runtime.app.dispatch

    def answering(request):  # type: ignore[no-untyped-def]
        with request_waits():  # as in HTTP mode: the listeners' database waits end within Slack's 3 s
            return dispatch(request)

    runtime.app.dispatch = answering  # type: ignore[method-assign]
    runtime.dispatcher.start()
    pages = None
    if settings.web_port:  # the customer's order pages: Slack needs no port in Socket Mode, they do
        from bot.runtime import BackgroundServer

        pages = BackgroundServer(runtime.pages(), settings.web_host, settings.web_port)
        pages.start()
        log.info(
            "customer order pages on http://%s:%s/o/… (%s)",
            settings.web_host,
            pages.port,
            settings.public_url,
        )
    log.info("connecting to Slack in Socket Mode")
    try:
        SocketModeHandler(runtime.app, settings.app_token).start()
    finally:
        if pages is not None:
            pages.stop()
        runtime.stop()
    return 0


def serve_http(settings: Settings, host: str, port: int, worker: str = "process") -> int:
    import uvicorn

    from bot.runtime import Runtime
    from bot.server import UVICORN_LIMITS

    if not settings.public_url:  # the customer's links point at what this serves
        shown = "localhost" if host in ("0.0.0.0", "::", "") else host
        settings = replace(settings, public_url=f"http://{shown}:{port}")
    runtime = Runtime.build(settings, worker)
    runtime.dispatcher.start()
    log.info("serving Slack requests on http://%s:%s/slack/events", host, port)
    log.info("customer order pages: %s/o/…", settings.public_url)
    try:
        uvicorn.run(
            runtime.asgi(), host=host, port=port, log_level="info", access_log=False, **UVICORN_LIMITS
        )
    finally:
        runtime.stop()
    return 0


def manage_roles(settings: Settings, args: argparse.Namespace) -> int:
    from workflow.rules import Role
    from workflow.service import Policy, Refused, open_workflow

    wf = open_workflow(settings.database_url, Policy(), auto_upgrade=settings.auto_upgrade)
    wf.bootstrap_admins(settings.admins)
    if args.role_command == "list":
        rows = wf.role_list()
        for user, role in rows:
            print(f"{user}\t{role}")
        if not rows:
            print("nobody has a role yet")
        return 0
    if args.role not in {r.value for r in Role}:
        raise CommandError(f"unknown role {args.role!r}: use one of {', '.join(r.value for r in Role)}")
    if not args.user_id.strip() or not args.user_id.strip().isalnum():
        raise CommandError(f"{args.user_id!r} is not a Slack user id (like U012ABCDEF)")
    try:
        if args.role_command == "grant":
            changed = wf.grant("cli", args.user_id, args.role, check=False)
            print(
                f"{args.user_id} is now {args.role}" if changed else f"{args.user_id} was {args.role} already"
            )
        else:
            changed = wf.revoke("cli", args.user_id, args.role, check=False)
            print(
                f"{args.user_id} is no longer {args.role}"
                if changed
                else f"{args.user_id} was not {args.role}"
            )
    except Refused as r:
        raise CommandError(r.message) from None
    return 0


def upgrade_db(settings: Settings) -> int:
    from workflow.service import upgrade_database

    before, after = upgrade_database(settings.database_url)
    if before == after:
        print(f"the database is up to date ({after})")
    else:
        print(f"the database is upgraded: {before or 'unversioned'} → {after}")
    return 0


def manage_effects(settings: Settings, args: argparse.Namespace) -> int:
    from workflow.service import Policy, open_workflow

    wf = open_workflow(settings.database_url, Policy(), auto_upgrade=settings.auto_upgrade)
    if args.effects_command == "retry":
        if not wf.outbox.retry_effect(args.effect_id):
            raise CommandError(
                f"effect {args.effect_id} is not a failed effect (see `effects list --failed`)"
            )
        print(
            f"effect {args.effect_id} queued again, with a fresh count of attempts: "
            "a running bot performs it within seconds"
        )
        return 0
    status = "failed" if args.failed else "pending" if args.pending else None
    rows = wf.effects(status)
    for e in rows:
        error = f"\t{e.last_error}" if e.last_error else ""
        print(f"{e.id}\t{e.status}\t{e.kind}\t{e.key}\tattempts={e.attempts}{error}")
    if not rows:
        print(f"no {status or ''} effects".replace("  ", " "))
    return 0


T = TypeVar("T")


def write_out(target_name: str, write: Callable[[TextIO], T]) -> T | None:
    """write(out) to standard output ("-") or to the file target_name, through a temporary file
    renamed at the end (never half a file); what write gave, or None when the reader of standard
    output stopped early (| head: not an error of ours)."""
    if target_name == "-":
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            result = write(out)
            out.flush()
            return result
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return None
        finally:
            with contextlib.suppress(BrokenPipeError, ValueError):
                out.detach()  # sys.stdout stays usable
    target = os.path.abspath(target_name)
    if os.path.isdir(target):
        raise CommandError(f"--out {target_name} is a folder: give a file name")
    try:
        fd, part = tempfile.mkstemp(prefix=".export-", suffix=".part", dir=os.path.dirname(target))
    except OSError as e:
        raise CommandError(f"cannot write to {target_name}: {e.strerror}") from None
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            result = write(out)
        os.replace(part, target)
        return result
    finally:
        if os.path.exists(part):
            os.unlink(part)


def export_orders(settings: Settings, args: argparse.Namespace) -> int:
    """Stream the matching orders to --out (a temporary file renamed at the end: never half a file)."""
    from datetime import datetime

    from forms import filters_from_fields
    from workflow import search
    from workflow.export import export_columns, write_csv, write_json_lines
    from workflow.service import Policy, open_workflow

    parsed = filters_from_fields(
        datetime.now(settings.tz).date(),
        statuses=args.status,
        client=args.client,
        date_from=args.date_from,
        date_to=args.date_to,
        text=args.text,
    )
    if parsed.value is None:
        raise CommandError("; ".join(f"{t}: {m}" for t, m in parsed.errors.items()).replace("`", ""))
    wf = open_workflow(settings.database_url, Policy(), auto_upgrade=settings.auto_upgrade)
    progress = None
    if sys.stderr.isatty():
        progress = ProgressBar(search.count(wf.reader, parsed.value, None, ()), sys.stderr)
    if args.format == "csv":  # the company's own fields are columns too (custom:<key>)
        write = functools.partial(write_csv, columns=export_columns(settings.company.field_keys))
    else:
        write = write_json_lines
    orders = wf.export_orders(parsed.value, None)  # the command line sees every order
    try:
        stats = write_out(args.out, lambda out: write(orders, out, progress=progress))
    finally:
        if progress:
            progress.done()
    if stats is None:
        return 1
    if args.out == "-":
        return 0
    lines = f", {stats.rows} rows" if args.format == "csv" else ""
    print(f"exported {stats.orders} orders{lines} to {args.out}")
    return 0


def import_master(settings: Settings, args: argparse.Namespace) -> int:
    """Import a CSV file of master data: every row, or (exit 1) none, with every problem listed."""
    from workflow.master_csv import Unreadable, import_csv
    from workflow.service import Policy, open_workflow

    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CommandError(f"cannot read {args.file}: {e.strerror}") from None
    wf = open_workflow(settings.database_url, Policy(), auto_upgrade=settings.auto_upgrade)
    progress = ProgressBar(0, sys.stderr, "rows") if sys.stderr.isatty() else None
    try:
        report = import_csv(
            wf.engine,
            args.kind,
            data,
            actor="cli",  # whoever runs the shell owns the database: no role to check
            dry_run=args.dry_run,
            progress=progress.show if progress else None,
        )
    except Unreadable as e:
        raise CommandError(f"{args.file}: {e}") from None
    finally:
        if progress:
            progress.done()
    if not report.ok:
        for p in report.problems[:PROBLEMS_SHOWN]:
            where = f"{args.file}:{p.line}: " if p.line else f"{args.file}: "
            print(f"{where}{p.column + ': ' if p.column else ''}{p.message}", file=sys.stderr)
        if len(report.problems) > PROBLEMS_SHOWN:
            print(f"… and {len(report.problems) - PROBLEMS_SHOWN:,} more", file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        return 1
    dry = " (dry run: nothing was written)" if args.dry_run else ""
    rows = f"{report.rows:,} row{'s' if report.rows != 1 else ''}"
    print(
        f"{args.kind}: {rows} — {report.new:,} new, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged{dry}"
    )
    return 0


def export_master(settings: Settings, args: argparse.Namespace) -> int:
    """Write the clients, sites, contacts or catalog as CSV to --out (a temporary file renamed at
    the end: never half a file) or to standard output."""
    from workflow.master_csv import export_csv
    from workflow.service import Policy, open_workflow

    wf = open_workflow(settings.database_url, Policy(), auto_upgrade=settings.auto_upgrade)
    rows = write_out(args.out, lambda out: export_csv(wf.reader, args.export_command, out))
    if rows is None:
        return 1
    if args.out == "-":
        return 0
    print(f"exported {rows:,} {args.export_command} rows to {args.out}")
    return 0


class ProgressBar:
    """[#######-------------]  35%  3,500/10,000 orders, redrawn in place on a terminal."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO, noun: str = "orders") -> None:
        self.total, self.stream, self.noun = total, stream, noun
        self.shown = -1.0
        self.last = 0.0

    def __call__(self, stats: ExportStats) -> None:
        self.show(stats.orders)

    def show(self, done: int, total: int | None = None) -> None:
        """Redraw for done of total (the total given at the start when None)."""
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self.last < 0.1 and done < self.total:
            return  # a terminal redrawn 10 times a second is smooth; more only costs
        self.last = now
        share = min(1.0, done / self.total) if self.total else 1.0
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)  # ASCII: any terminal shows it
        self.stream.write(f"\r[{bar}] {share:4.0%}  {done:,}/{self.total:,} {self.noun}")
        self.stream.flush()
        self.shown = share

    def done(self) -> None:
        if self.shown >= 0:
            self.stream.write("\n")
            self.stream.flush()


if __name__ == "__main__":
    sys.exit(main())


def export_invoices(settings: Settings, args: argparse.Namespace) -> int:
    """`invoices export`: one file per order (JSON, UBL) or one CSV; the count on stdout. A UBL file
    that would be invalid is not written: each such order is named on stderr, exit code 1."""
    from datetime import date, datetime, time

    from bot.invoices import csv_of, files_of, invoice_for
    from workflow.service import Policy, open_workflow

    since = None
    if args.since:
        try:
            day = date.fromisoformat(args.since)
        except ValueError:
            raise CommandError(f"--since must be a day like 2026-12-01, not {args.since!r}") from None
        since = datetime.combine(day, time(0), tzinfo=settings.tz)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CommandError(f"cannot make the folder {args.out}: {e.strerror}") from None
    wf = open_workflow(settings.database_url, Policy(), auto_upgrade=settings.auto_upgrade)
    try:
        invoices = [invoice_for(wf, settings, o) for o in wf.invoice_orders(args.ready, since)]
    finally:
        wf.engine.dispose()
    if args.format == "csv":
        (out / "invoices.csv").write_bytes(csv_of(invoices))
        print(f"{len(invoices)} invoice(s) written to {out / 'invoices.csv'}")
        return 0
    written, failed = 0, 0
    for invoice in invoices:
        for f in files_of(invoice, [args.format]):
            if f.problems:
                failed += 1
                print(
                    f"service-orders: {invoice.number}: not written: {'; '.join(f.problems)}", file=sys.stderr
                )
                continue
            (out / f.name).write_bytes(f.content)
            written += 1
    print(f"{written} invoice(s) written to {out}")
    return 1 if failed else 0
