"""Every order command takes one path: stored by the listener before the ack, carried out by the
worker right after, once (the README's architecture section says why).

A listener turns a form or a click into a command (workflow.commands), checks it with
Workflow.precheck when a form is open to show a refusal in, stores it (Workflow.enqueue: one INSERT)
and acks. The worker (bot.effects.Dispatcher) takes it from the inbox and calls `carry_out`, which
runs Workflow.execute with the request's key, so the change and the mark that it was carried out
commit together. The answer — the result, or a refusal when something changed since the ack — is
a REPLY effect queued in the same transaction; the REPLY performer asks `answer` what to say and
says it where the person is: in the form they submitted, or ephemerally after a click.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

import forms
from bot import messages
from workflow import commands
from workflow.rules import Action
from workflow.service import AlreadyCarriedOut, Refused, Workflow
from workflow.snapshots import CommandView

log = logging.getLogger(__name__)

# Commands that answer when they were carried out, not only when refused: a form waits for its
# result; a click whose change shows on the card (an approval) says nothing more.
ANSWERED = frozenset(Action) - {Action.APPROVE, Action.NOTE}


def submitted_view_id(view_id: str) -> str:
    """The external id the "Saving…" form gets, so the worker's answer can update it by that id:
    Slack knows it only once it has applied the ack, so an update cannot overtake the ack."""
    return f"so-submitted-{view_id}"


def store(wf: Workflow, user: str, cmd: commands.Command, reply: dict, key: str | None) -> str:
    """Put cmd in the inbox for the worker (the same key again is the same request: stored and
    carried out once); reply: where the answer goes ({"external_id"} of a form, or a click's
    {"response_url", "channel", "user"})."""
    return wf.enqueue(cmd.action.value, user, commands.to_dict(cmd), reply, key=key)


def command_of(c: CommandView) -> commands.Command:
    """The command c stored; ValueError when it cannot be read (stored by another version)."""
    if "kind" in c.payload:
        return commands.from_dict(c.payload)
    # Stored by the version before every command was data: a new-order view, or an approval.
    if c.kind == Action.SUBMIT and isinstance(c.payload.get("view"), dict):
        result = forms.parse_new_order(c.payload["view"])
        if not result.ok:
            raise ValueError("; ".join(result.errors.values()))
        draft = commands.order_draft(result.value)
        custom = tuple(d for d in c.payload.get("custom") or () if isinstance(d, dict))
        return commands.Submit(replace(draft, custom=custom))
    if c.kind == Action.APPROVE and isinstance(c.payload.get("order_id"), int):
        return commands.Approve(c.payload["order_id"])
    raise ValueError(f"unknown command kind {c.kind!r}")


def carry_out(wf: Workflow, command: CommandView) -> str:
    """Carry command out once; "done", "refused" or "again" (done before: nothing repeated)."""
    reply = {"to": command.reply, "command": command.kind, "user": command.user_id} if command.reply else None
    try:
        cmd = command_of(command)
    except (ValueError, TypeError) as e:
        log.error("command %s (%s) cannot be read: %s", command.key, command.kind, e)
        refused = Refused("invalid", "This request is from another version of the bot; please try again.")
        return "refused" if wf.refuse_command(command, refused, reply) else "again"
    said = cmd.action not in ANSWERED or command.reply.get("refusals_only")  # by the card, or the ack
    answered = None if said else reply
    try:
        wf.execute(command.user_id, cmd, key=command.key, reply=answered)
        return "done"
    except AlreadyCarriedOut:
        if answered is not None and "external_id" in answered["to"]:
            wf.answer_again(command, answered)  # a form sent again shows what the first was told
        return "again"
    except Refused as r:
        return "refused" if wf.refuse_command(command, r, reply) else "again"
    except OperationalError:
        raise  # the database is unreachable or busy: the command stays in the inbox, tried again
    except Exception:
        # A bug must not block the inbox behind it: refuse (the person is told), keep the trace.
        log.exception("command %s (%s) raised", command.key, command.kind)
        refused = Refused("error", "Something went wrong and nothing was saved. Please try again.")
        return "refused" if wf.refuse_command(command, refused, reply) else "again"


def answer(wf: Workflow, tz: ZoneInfo, payload: dict) -> tuple[str, str]:
    """(title, text) of the answer a REPLY effect gives the person (payload: what carry_out or
    refuse_command queued: "to", "command", and "order" (with "revision") or "refusal"); an empty
    text: nothing to say."""
    kind = str(payload.get("command") or "")
    if payload.get("refusal"):
        return messages.not_done(kind), messages.refusal(Refused.from_dict(payload["refusal"]), tz)
    if payload.get("deleted"):
        return messages.deleted(str(payload["deleted"]))
    if payload.get("order") is None:
        return "", ""
    revision = payload.get("revision") if isinstance(payload.get("revision"), int) else None
    order = wf.order(int(payload["order"]))
    if kind in messages.TIME_KINDS:  # what the person's time on the order is now
        user = str(payload.get("user") or "")
        return messages.time_done(kind, order, [e for e in wf.time_entries(order.id) if e.user_id == user])
    return messages.done(kind, order, revision)
