"""Modal submissions: parse and validate → workflow command → ack (errors keyed by block_id)."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext

import forms
from bot import messages
from forms import ids
from workflow.service import Refused

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(ids.NEW_ORDER)(submit_new_order)
    app.view(ids.REJECT_ORDER)(submit_reject)
    app.view(ids.ADD_FIELD_WORKERS)(submit_field_workers)
    app.view(ids.CONFIRMATION)(submit_confirmation)
    app.view(ids.CLOSE_ORDER)(submit_close)
    app.view(re.compile(".*"))(unknown_view)  # last: Bolt runs the first listener that matches


def _user(body: dict) -> str:
    return (body.get("user") or {}).get("id", "")


def _refuse(ack: Ack, block_id: str, refused: Refused, context: BoltContext) -> None:
    """A refusal inside a form: shown under block_id; the modal stays open, nothing changed."""
    ack(response_action="errors", errors={block_id: messages.refusal(refused, context["settings"].tz)[:2000]})


def _done_view(title: str, text: str) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }


def submit_new_order(ack: Ack, body: dict, context: BoltContext) -> None:
    result = forms.parse_new_order(body.get("view") or {})
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    try:
        order = context["workflow"].submit(_user(body), result.value)
    except Refused as r:
        _refuse(ack, ids.CLIENT, r, context)
        return
    ack(
        response_action="update",
        view=_done_view(
            "Order submitted",
            f":white_check_mark: *{order.number}* is submitted and waits for approval.\n"
            "Its channel is being created and you are invited to it: the order card is pinned there.",
        ),
    )
    context["dispatcher"].wake()


def submit_reject(ack: Ack, body: dict, context: BoltContext) -> None:
    result = forms.parse_reject(body.get("view") or {})
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    draft = result.value
    try:
        context["workflow"].reject(draft.order_id, _user(body), draft.reason)
    except Refused as r:
        _refuse(ack, ids.REJECT_REASON, r, context)
        return
    ack()
    context["dispatcher"].wake()


def submit_field_workers(ack: Ack, body: dict, context: BoltContext) -> None:
    result = forms.parse_field_workers(body.get("view") or {})
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    draft = result.value
    try:
        context["workflow"].add_field_workers(draft.order_id, _user(body), draft.user_ids)
    except Refused as r:
        _refuse(ack, ids.FIELD_WORKERS, r, context)
        return
    ack()
    context["dispatcher"].wake()


def submit_confirmation(ack: Ack, body: dict, context: BoltContext) -> None:
    result = forms.parse_confirmation(body.get("view") or {})
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    d = result.value
    try:
        context["workflow"].confirm(d.order_id, _user(body), d.base_revision, d.lines, d.note, d.final)
    except Refused as r:
        _refuse(ack, ids.CONFIRMATION_NOTE, r, context)
        return
    ack()
    context["dispatcher"].wake()


def submit_close(ack: Ack, body: dict, context: BoltContext) -> None:
    result = forms.parse_close(body.get("view") or {})
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    d = result.value
    try:
        context["workflow"].close(d.order_id, _user(body), d.outcome, d.reason)
    except Refused as r:
        block = ids.CLOSE_REASON if r.code == "invalid" and "reason" in r.message else ids.CLOSE_OUTCOME
        _refuse(ack, block, r, context)
        return
    ack()
    context["dispatcher"].wake()


def unknown_view(ack: Ack, body: dict) -> None:
    """A form this version does not know (opened before an upgrade): close it and explain."""
    log.warning("unknown view callback id %r", str((body.get("view") or {}).get("callback_id"))[:80])
    ack(
        response_action="update",
        view=_done_view(
            "Form out of date",
            "This form is from an older version of the bot and was not saved. Please open it again.",
        ),
    )
