"""The console script: service-orders run | serve | demo | role."""

from __future__ import annotations

import argparse
import logging
import sys

from dotenv import find_dotenv, load_dotenv

from bot.config import ConfigError, Settings, load_settings
from workflow.service import SchemaOutdated, SchemaTooNew

log = logging.getLogger("service_orders")


class CommandError(Exception):
    """A command-line mistake: one line on stderr, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="service-orders", description="Service Orders for Slack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
    serve = sub.add_parser("serve", help="serve HTTP mode: POST /slack/events, GET /healthz")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
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

    args = parser.parse_args(argv)
    load_dotenv(find_dotenv(usecwd=True), override=False)  # the .env where the command runs
    logging.basicConfig(
        level=logging.INFO if args.command in ("run", "serve") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Bolt logs a refused request's body at INFO: message contents stay out of our logs.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    try:
        if args.command == "run":
            return run_socket_mode(load_settings(require=("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")))
        if args.command == "serve":
            return serve_http(
                load_settings(require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")), args.host, args.port
            )
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(args.out)
        if args.command == "role":
            return manage_roles(load_settings(), args)
        if args.command == "effects":
            return manage_effects(load_settings(), args)
        if args.command == "db":
            return upgrade_db(load_settings())
    except (ConfigError, CommandError, SchemaOutdated, SchemaTooNew) as e:
        print(f"service-orders: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import Runtime

    runtime = Runtime.build(settings)
    runtime.dispatcher.start()
    log.info("connecting to Slack in Socket Mode")
    try:
        SocketModeHandler(runtime.app, settings.app_token).start()
    finally:
        runtime.stop()
    return 0


def serve_http(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from bot.runtime import Runtime

    runtime = Runtime.build(settings)
    runtime.dispatcher.start()
    log.info("serving Slack requests on http://%s:%s/slack/events", host, port)
    try:
        uvicorn.run(runtime.asgi(), host=host, port=port, log_level="info", access_log=False)
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
        if not wf.retry_effect(args.effect_id):
            raise CommandError(
                f"effect {args.effect_id} is not a failed effect (see `effects list --failed`)"
            )
        print(f"effect {args.effect_id} queued again: a running bot performs it within seconds")
        return 0
    status = "failed" if args.failed else "pending" if args.pending else None
    rows = wf.effects(status)
    for e in rows:
        error = f"\t{e.last_error}" if e.last_error else ""
        print(f"{e.id}\t{e.status}\t{e.kind}\t{e.key}\tattempts={e.attempts}{error}")
    if not rows:
        print(f"no {status or ''} effects".replace("  ", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
