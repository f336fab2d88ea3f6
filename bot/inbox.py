"""Commands stored by the listeners before the ack, carried out by the dispatcher right after.

The listener's work before the ack is one INSERT (the command) so the ack is as fast as Slack's
fastest apps; the order change, with its exactly-once mark, happens in the dispatcher (see
Workflow.carry_out). A refusal is answered where the person is: in the form they submitted, or
ephemerally after a click.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

import forms
from bot import messages
from forms.types import FieldValue
from workflow.service import AlreadyCarriedOut, Refused, Workflow
from workflow.snapshots import CommandView, OrderView

log = logging.getLogger(__name__)

SUBMIT = "submit"  # payload {"view": the submitted new-order view}; reply to the form
APPROVE = "approve"  # payload {"order_id": int}; reply (refusals only) to the click


def submitted_view_id(view_id: str) -> str:
    """The external id the "Submitting…" form gets, so the dispatcher can update it by that id:
    Slack knows it only once it has applied the ack, so an update cannot overtake the ack."""
    return f"so-submitted-{view_id}"


def _submit(wf: Workflow, c: CommandView) -> OrderView:
    result = forms.parse_new_order(c.payload.get("view") or {})
    if not result.ok:  # checked before the ack; only a change of rules between then and now
        raise Refused("invalid", "The form could not be read: " + "; ".join(result.errors.values()))
    # the company's own fields were checked and parsed by the listener, which has the company file
    custom = [FieldValue.from_dict(d) for d in c.payload.get("custom") or () if isinstance(d, dict)]
    return wf.submit(c.user_id, replace(result.value, custom=custom))


def _approve(wf: Workflow, c: CommandView) -> OrderView:
    return wf.approve(int(c.payload["order_id"]), c.user_id)


# kind → (carry it out, answer when it succeeds too)
HANDLERS: dict[str, tuple[Callable[[Workflow, CommandView], OrderView], bool]] = {
    SUBMIT: (_submit, True),
    APPROVE: (_approve, False),
}


def carry_out(wf: Workflow, command: CommandView) -> str:
    """Carry command out once; "done", "refused" or "again" (done before: nothing repeated)."""
    handler, answer = HANDLERS.get(command.kind, (None, False))
    reply = {"to": command.reply, "command": command.kind} if command.reply else None
    if handler is None:
        log.error("unknown command kind %r", command.kind)
        refused = Refused("invalid", "This request is from another version of the bot; please try again.")
        return "refused" if wf.refuse_command(command, refused, reply) else "again"
    try:
        wf.carry_out(command, lambda: handler(wf, command), reply if answer else None)
        return "done"
    except AlreadyCarriedOut:
        if answer and reply is not None:  # the form asked again shows what the first one was told
            wf.answer_again(command, reply)
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
    refuse_command queued: "to", "command", "order" or "refusal"); an empty text: nothing to say."""
    refusal = Refused.from_dict(payload["refusal"]) if payload.get("refusal") else None
    if refusal is not None:
        return "Not submitted", messages.refusal(refusal, tz)
    if payload.get("command") == SUBMIT and payload.get("order") is not None:
        return "Order submitted", messages.submitted(wf.order(int(payload["order"])))
    return "", ""
