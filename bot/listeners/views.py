"""Modal submissions: parse and validate → workflow command → ack (errors keyed by block_id).

A refusal is shown under the block of the field it names (Refused.field), or of the line
(Refused.line); a failure of the database keeps the form open too (bot.listeners.guard)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext

import forms
from bot import inbox, messages, replies
from bot.listeners.common import submission_key, user_of
from forms import ids
from forms.lines import amount_block_of_line
from workflow.service import Refused

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(ids.NEW_ORDER)(
        submit_new_order
    )  # first: Bolt asks each listener in turn; this one comes in bursts
    app.view(ids.REJECT_ORDER)(submit_reject)
    app.view(ids.ADD_FIELD_WORKERS)(submit_field_workers)
    app.view(ids.CONFIRMATION)(submit_confirmation)
    app.view(ids.CLOSE_ORDER)(submit_close)


def _line_or(view: dict, refused: Refused, block_id: str) -> str:
    """The amount block of the line a refusal names (a catalog price), else block_id."""
    line = amount_block_of_line(view, refused.line) if refused.line is not None else None
    return line or block_id


def _input_blocks(view: object) -> list[str]:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    return [
        b["block_id"]
        for b in blocks or []
        if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("block_id"), str)
    ]


def field_block(view: object, refused: Refused, blocks_of: dict[str, str], fallback: str) -> str:
    """The block a refusal is shown under: its field's (blocks_of: field → block id), when the view
    has that block, else fallback (Slack accepts errors only under the view's input blocks)."""
    block = blocks_of.get(refused.field or "", fallback)
    shown = _input_blocks(view)
    if block in shown:
        return block
    return fallback if fallback in shown or not shown else shown[0]


def _refuse(ack: Ack, block_id: str, refused: Refused, context: BoltContext) -> None:
    """A refusal inside a form: shown under block_id; the modal stays open, nothing changed."""
    ack(response_action="errors", errors={block_id: messages.refusal(refused, context["settings"].tz)[:2000]})


def _handle(
    ack: Ack, body: dict, context: BoltContext, parse, command, refusal_block, next_view=None
) -> None:  # type: ignore[no-untyped-def]
    """Parse and validate the form → run the workflow command → ack (closing the form), or ack with
    errors under the form's blocks; then wake the dispatcher for the Slack calls it queued.

    command(workflow, user, value) runs the change; refusal_block(refused) names the block a refusal
    is shown under; next_view(order), when given, is the view the form turns into (else it closes)."""
    result = parse(body.get("view") or {})
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    try:
        order = command(context["workflow"], user_of(body), result.value)
    except Refused as r:
        _refuse(ack, refusal_block(r), r, context)
        return
    if next_view is None:
        ack()
    else:
        ack(response_action="update", view=next_view(order))
    context["dispatcher"].wake()


def submit_new_order(ack: Ack, body: dict, context: BoltContext) -> None:
    """Check the form, store it in the inbox and ack with "Submitting…": the dispatcher stores the
    order at once and turns the form into "SO-0042 is submitted" (or says why it was refused)."""
    view = body.get("view") or {}
    result = forms.parse_new_order(view, context["settings"].company.fields("new_order"))
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    try:  # before the ack, so a locked catalog price is shown under its line (submit checks again)
        context["workflow"].check_catalog_prices(user_of(body), result.value.lines)
    except Refused as r:
        _refuse(ack, _line_or(view, r, ids.CLIENT), r, context)
        return
    to = {"external_id": inbox.submitted_view_id(str(view.get("id") or ""))}
    # the company's fields go as parsed here: the dispatcher has the view but not the company file
    custom = [f.to_dict() for f in result.value.custom]
    payload = {"view": view, "custom": custom}
    # the same submission again (a replay, a retry) is the same command: stored and carried out once
    context["workflow"].enqueue(inbox.SUBMIT, user_of(body), payload, to, key=submission_key(view))
    ack(
        response_action="update",
        view=replies.notice_view(
            "Submitting order", ":hourglass_flowing_sand: Submitting your order…", to["external_id"]
        ),
    )
    context["dispatcher"].wake()


def submit_reject(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_reject,
        lambda wf, user, d: wf.reject(d.order_id, user, d.reason),
        lambda r: field_block(body.get("view"), r, {"reason": ids.REJECT_REASON}, ids.REJECT_REASON),
    )


def submit_field_workers(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_field_workers,
        lambda wf, user, d: wf.add_field_workers(d.order_id, user, d.user_ids),
        lambda r: field_block(body.get("view"), r, {"users": ids.FIELD_WORKERS}, ids.FIELD_WORKERS),
    )


def submit_confirmation(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        lambda view: forms.parse_confirmation(view, context["settings"].company.fields("confirmation")),
        lambda wf, user, d: wf.confirm(
            d.order_id, user, d.base_revision, d.lines, d.note, d.final, custom=d.custom
        ),
        lambda r: _line_or(body.get("view") or {}, r, ids.CONFIRMATION_NOTE),
    )


CLOSE_BLOCKS = {"reason": ids.CLOSE_REASON, "outcome": ids.CLOSE_OUTCOME}


def submit_close(ack: Ack, body: dict, context: BoltContext) -> None:
    def block(r: Refused) -> str:
        return field_block(body.get("view"), r, CLOSE_BLOCKS, ids.CLOSE_OUTCOME)

    _handle(
        ack,
        body,
        context,
        lambda view: forms.parse_close(view, context["settings"].company.fields("close")),
        lambda wf, user, d: wf.close(d.order_id, user, d.outcome, d.reason, custom=d.custom),
        block,
    )
