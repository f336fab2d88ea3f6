"""Modal submissions: parse and validate → the workflow command → precheck → the inbox → ack.

A refusal is shown under the block of the field it names (Refused.field), or of the line
(Refused.line); a failure of the database keeps the form open too (bot.listeners.guard)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext

import forms
from bot import inbox, messages, replies
from bot.listeners.common import submission_key, user_name_of, user_of
from forms import ids
from forms.lines import amount_block_of_line
from workflow import commands as c
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
    app.view(ids.MARK_INVOICED)(submit_mark_invoiced)
    app.view(ids.RESTORE_ORDER)(submit_restore)
    app.view(ids.LOG_TIME)(submit_log_time)
    app.view(ids.CANCEL_ORDER)(submit_cancel)
    app.view(ids.EMAIL_CUSTOMER)(submit_email_customer)
    app.view(ids.DELETE_ORDER)(submit_delete)
    app.view(ids.CREATE_BACKORDER)(submit_backorder)
    app.view(ids.ARTICLES)(submit_articles)
    app.view(ids.SELF_CHECK)(submit_self_check)


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


def _handle(ack: Ack, body: dict, context: BoltContext, parse, command, refusal_block, precheck=None) -> None:  # type: ignore[no-untyped-def]
    """Parse and validate the form → the command it asks for → Workflow.precheck (the refusal the
    command would give now, shown under the form's block) → stored in the inbox → ack with
    "Saving…"; the worker carries it out at once and turns the form into its result, or into the
    refusal when something changed in between (bot.inbox).

    command(value) is the workflow command the parsed form asks for; refusal_block(refused) names
    the block a refusal is shown under; precheck(workflow, user, command), when given, replaces
    Workflow.precheck with the part of it the form needs."""
    view = body.get("view") or {}
    result = parse(view)
    if not result.ok:
        ack(response_action="errors", errors=result.errors)
        return
    wf, cmd, user, key = context["workflow"], command(result.value), user_of(body), submission_key(view)
    try:
        if precheck is None:
            wf.precheck(user, cmd)
        else:
            precheck(wf, user, cmd)
    except Refused as r:
        if not wf.carried_out_before(key):  # else the same submission again: answered as before
            _refuse(ack, refusal_block(r), r, context)
            return
    to = {"external_id": inbox.submitted_view_id(str(view.get("id") or ""))}
    # the same submission again (a replay, a retry) is the same command: stored and carried out once
    inbox.store(wf, user, cmd, to, key=key)
    title, text = messages.saving(cmd.action)
    ack(response_action="update", view=replies.notice_view(title, text, to["external_id"]))
    context["dispatcher"].wake()


def submit_new_order(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        lambda view: forms.parse_new_order(view, context["settings"].company.fields("new_order")),
        lambda d: c.Submit(c.order_draft(d)),
        lambda r: _line_or(body.get("view") or {}, r, ids.CLIENT),
        # The role was checked when /so new opened the form, and the worker checks everything again:
        # before the ack only the prices, whose refusal belongs under its line (no read at all when
        # no catalog item was picked). New orders come in bursts; their ack stays one INSERT.
        lambda wf, user, cmd: wf.check_catalog_prices(user, cmd.draft.lines),
    )


def submit_reject(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_reject,
        lambda d: c.Reject(d.order_id, d.reason),
        lambda r: field_block(body.get("view"), r, {"reason": ids.REJECT_REASON}, ids.REJECT_REASON),
    )


def submit_field_workers(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_field_workers,
        lambda d: c.AddFieldWorkers(d.order_id, tuple(d.user_ids)),
        lambda r: field_block(body.get("view"), r, {"users": ids.FIELD_WORKERS}, ids.FIELD_WORKERS),
    )


def submit_confirmation(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        lambda view: forms.parse_confirmation(view, context["settings"].company.fields("confirmation")),
        lambda d: c.Confirm(
            d.order_id,
            d.base_revision,
            c.line_drafts(d.lines),
            d.note,
            d.final,
            c.custom_dicts(d.custom),
            tuple(c.Billed(entry_id, minutes) for entry_id, minutes in d.time),
            tuple(c.SharedFile(file_id, name) for file_id, name in d.photos),
            attested=d.attested,
        ),
        lambda r: _line_or(
            body.get("view") or {}, r, field_block(body.get("view"), r, FINAL_BLOCKS, ids.CONFIRMATION_NOTE)
        ),
    )


# a final confirmation's attestation and self-checks: under the Final checkboxes
FINAL_BLOCKS = {"final": ids.CONFIRMATION_FINAL, "checklists": ids.CONFIRMATION_FINAL}
CLOSE_BLOCKS = {
    "reason": ids.CLOSE_REASON,
    "outcome": ids.CLOSE_OUTCOME,
    "attest": ids.CLOSE_ATTEST,
    "checklists": ids.CLOSE_OUTCOME,
}


def submit_close(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        lambda view: forms.parse_close(view, context["settings"].company.fields("close")),
        lambda d: c.Close(d.order_id, d.outcome, d.reason, c.custom_dicts(d.custom), d.attested),
        lambda r: field_block(body.get("view"), r, CLOSE_BLOCKS, ids.CLOSE_OUTCOME),
    )


def submit_mark_invoiced(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_mark_invoiced,
        lambda d: c.MarkInvoiced(d.order_id, d.invoice_number),
        lambda r: field_block(
            body.get("view"), r, {"invoice_number": ids.INVOICE_NUMBER}, ids.INVOICE_NUMBER
        ),
    )


def submit_restore(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_restore,
        lambda d: c.Restore(d.order_id, d.reason),
        lambda r: field_block(body.get("view"), r, {"reason": ids.RESTORE_REASON}, ids.RESTORE_REASON),
    )


def submit_cancel(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_cancel,
        lambda d: c.Cancel(d.order_id, d.reason),
        lambda r: field_block(body.get("view"), r, {"reason": ids.CANCEL_REASON}, ids.CANCEL_REASON),
    )


EMAIL_BLOCKS = {"to": ids.EMAIL_TO, "subject": ids.EMAIL_SUBJECT, "text": ids.EMAIL_TEXT}


def submit_email_customer(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_email_customer,
        lambda d: c.EmailCustomer(d.order_id, d.to, d.subject, d.text),
        lambda r: field_block(body.get("view"), r, EMAIL_BLOCKS, ids.EMAIL_TO),
    )


def submit_delete(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_delete,
        lambda d: c.Delete(d.order_id, d.number),
        lambda r: ids.DELETE_CONFIRM,
    )


BACKORDER_BLOCKS = {"title": ids.BACKORDER_TITLE, "lines": ids.BACKORDER_TITLE}


def submit_backorder(ack: Ack, body: dict, context: BoltContext) -> None:
    _handle(
        ack,
        body,
        context,
        forms.parse_backorder,
        lambda d: c.CreateBackorder(d.order_id, d.lines, d.title, d.planned_date, d.note),
        lambda r: field_block(body.get("view"), r, BACKORDER_BLOCKS, ids.BACKORDER_TITLE),
    )


TIME_BLOCKS = {"hours": ids.TIME_HOURS, "date": ids.TIME_DATE, "note": ids.TIME_NOTE}


def submit_log_time(ack: Ack, body: dict, context: BoltContext) -> None:
    """Log time (new time of the person's own), or Correct time (an entry, by its author or the office)."""
    today = context["workflow"].clock().astimezone(context["settings"].tz).date()
    name = user_name_of(body)

    def command(d):  # type: ignore[no-untyped-def]
        if d.entry_id is None:
            return c.LogTime(d.order_id, d.work_date, d.minutes, d.note, name)
        return c.CorrectTime(d.order_id, d.entry_id, d.work_date, d.minutes, d.note, d.remove)

    _handle(
        ack,
        body,
        context,
        lambda view: forms.parse_log_time(view, today),
        command,
        lambda r: field_block(body.get("view"), r, TIME_BLOCKS, ids.TIME_HOURS),
    )


ARTICLE_BLOCKS = {
    "description": ids.ARTICLE_DESC,
    "quantity": ids.ARTICLE_QUANTITY,
    "unit": ids.ARTICLE_UNIT,
    "catalog": ids.ARTICLE_CATALOG,
}


def submit_articles(ack: Ack, body: dict, context: BoltContext) -> None:
    """The Articles form: the article added (to order) and the statuses changed, in one command."""
    view = body.get("view") or {}
    name = user_name_of(body)

    def command(d):  # type: ignore[no-untyped-def]
        return c.Articles(
            d.order_id,
            tuple(c.ArticleDraft(a.description, a.quantity, a.unit, a.catalog_item_id) for a in d.added),
            tuple(c.ArticleStatus(article_id, was, status) for article_id, was, status in d.statuses),
            name,
        )

    def block(r: Refused) -> str:
        # a status refused (changed by someone since): under the first status select the form has
        shown = [b for b in _input_blocks(view) if b.startswith(ids.ARTICLE_STATUS + ":")]
        blocks_of = {**ARTICLE_BLOCKS, "statuses": shown[0] if shown else ids.ARTICLE_DESC}
        return field_block(view, r, blocks_of, ids.ARTICLE_DESC)

    _handle(ack, body, context, forms.parse_articles, command, block)


def submit_self_check(ack: Ack, body: dict, context: BoltContext) -> None:
    """A self-check's items changed, in one command; a refusal under the item it names."""
    view = body.get("view") or {}

    def command(d):  # type: ignore[no-untyped-def]
        answers = tuple(c.CheckAnswer(a.key, a.was, a.text, a.checked, a.files) for a in d.answers)
        return c.SelfCheck(d.order_id, d.checklist_id, answers)

    def block(r: Refused) -> str:
        shown = _input_blocks(view)
        items = {"item:" + b.split(":", 1)[1]: b for b in shown if b.startswith(ids.SELF_CHECK_ITEM + ":")}
        return field_block(view, r, items, shown[0] if shown else ids.SELF_CHECK_ITEM)

    _handle(ack, body, context, forms.parse_self_check, command, block)
