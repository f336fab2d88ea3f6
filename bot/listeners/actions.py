"""Buttons: on the order card, and the line editor's inside the modals.

Each listener checks what it must (one read, or one INSERT into the inbox) and acks; the Slack calls
that follow (the answer through the response_url, views.open, views.update) run after Slack has its
HTTP answer (bot.after), within the trigger's 3 seconds.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

import forms
from bot import inbox, messages, replies
from bot.listeners.common import (
    OUT_OF_DATE,
    answer,
    click_key,
    field,
    open_form,
    order_id_of,
    update_view,
    user_name_of,
    user_of,
)
from bot.self_checks import self_check_modal
from bot.web.links import links_of
from forms import ids
from forms.custom import stored_values
from forms.types import LineDraft
from workflow import commands as c
from workflow.articles import article_text
from workflow.money import quantity_text
from workflow.rules import Action
from workflow.service import Refused

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.APPROVE)(approve)  # first: Bolt asks each listener in turn; approvals come in bursts
    app.action(ids.REJECT)(open_reject)
    app.action(ids.OPEN_ADD_FIELD_WORKERS)(open_field_workers)
    app.action(ids.OPEN_CONFIRMATION)(open_confirmation)
    app.action(ids.OPEN_CLOSE)(open_close)
    app.action(ids.CUSTOMER_COPY)(customer_copy)
    app.action(ids.READY_FOR_INVOICING)(ready_for_invoicing)
    app.action(ids.OPEN_MARK_INVOICED)(open_mark_invoiced)
    app.action(ids.OPEN_RESTORE)(open_restore)
    app.action(ids.REINSTATE)(reinstate)
    app.action(ids.OPEN_CANCEL)(open_cancel)
    app.action(ids.OPEN_EMAIL_CUSTOMER)(open_email_customer)
    app.action(ids.CUSTOMER_LINK)(customer_link)
    app.action(ids.OPEN_BACKORDER)(open_backorder)
    app.action(ids.START_WORK)(start_work)
    app.action(ids.STOP_WORK)(stop_work)
    app.action(ids.OPEN_LOG_TIME)(open_log_time)
    app.action(re.compile(rf"^{ids.EDIT_TIME}:\d+$"))(edit_time)  # one per entry: ids unique in a message
    app.action(ids.OPEN_ARTICLES)(open_articles)
    app.action(ids.USE_ARTICLES)(use_articles)
    app.action(ids.OPEN_SELF_CHECKS)(open_self_checks)
    app.action(ids.OPEN_CHECKLIST)(open_checklist)
    app.action(ids.ADD_LINE)(add_line)
    app.action(ids.REMOVE_LINE)(remove_line)
    app.action(ids.LINE_KIND)(ack_only)


def _store_click(ack: Ack, body: dict, client: WebClient, context: BoltContext, command) -> None:  # type: ignore[no-untyped-def]
    """Store the command a card button asks for in the inbox and ack: the worker carries it out at
    once — the card shows the change — and answers through the click's response_url (when it is
    Slack's, else by chat.postEphemeral): a refusal ("already approved by …"), or what was done when
    the card does not show it. The same click posted again is the same command (click_key)."""
    order_id = order_id_of(body)
    if order_id is None:
        ack()
        answer(context, client, body, OUT_OF_DATE)
        return
    cmd = command(order_id)
    channel = field(body.get("container"), "channel_id") or field(body.get("channel"), "id")
    url = replies.trusted_response_url(body.get("response_url"), context["settings"].slack_hooks_url)
    to = {"response_url": url, "channel": channel, "user": user_of(body)}
    inbox.store(context["workflow"], user_of(body), cmd, to, key=click_key(cmd.action, body))
    ack()
    context["dispatcher"].wake()


def approve(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _store_click(ack, body, client, context, c.Approve)


def customer_copy(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The order's customer copy (the worker renders and posts it); the person is told it is on
    its way, or why not."""
    _store_click(ack, body, client, context, c.CustomerCopy)


def ready_for_invoicing(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The worker checks the company's rules: the order is marked (the card shows it) or the person
    is told everything that is missing, at once."""
    _store_click(ack, body, client, context, c.ReadyForInvoicing)


def reinstate(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """A cancelled order back where it was (coordinators, admins): the card shows it."""
    _store_click(ack, body, client, context, c.Reinstate)


def start_work(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The person's timer starts (the card shows it; the answer says how to stop it)."""
    name = user_name_of(body)
    _store_click(ack, body, client, context, lambda order_id: c.StartWork(order_id, name))


def stop_work(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _store_click(ack, body, client, context, c.StopWork)


def use_articles(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The delivered articles into the lines: a new revision (the card and its PDF show it)."""
    _store_click(ack, body, client, context, c.UseArticles)


def open_articles(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The Articles form: the order's articles with their status, and the fields to add one."""

    def build(o):  # type: ignore[no-untyped-def]
        rows = [forms.ArticleRow(a.id, a.description, a.quantity, a.unit, a.status) for a in o.open_articles]
        used = [article_text(a.description, a.quantity, a.unit) for a in o.articles if a.status == "used"]
        catalog = context["workflow"].master.has_catalog()
        return forms.articles_modal(o.id, o.number, rows, used, catalog=catalog)

    _open_modal(ack, body, client, context, Action.ARTICLES, build)


def open_self_checks(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Self-checks: the order's checklist form, or a picker (one Open button each) when it has several."""
    _open_modal(ack, body, client, context, Action.SELF_CHECKS, self_check_modal)


def open_checklist(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """An Open button of the picker: the picker becomes that checklist's form (checked again)."""
    ack()
    try:
        order_part, list_part = str(body["actions"][0]["value"]).split(":")
        order_id, checklist_id = int(order_part), int(list_part)
        order = context["workflow"].check(order_id, user_of(body), Action.SELF_CHECKS)
    except (KeyError, IndexError, TypeError, ValueError):
        answer(context, client, body, OUT_OF_DATE)
        return
    except Refused as r:
        answer(context, client, body, messages.refusal(r, context["settings"].tz))
        return
    if not any(cl.id == checklist_id for cl in order.checklists):
        answer(context, client, body, "That self-check is not on this order. Open Self-checks again.")
        return
    update_view(context, body, client, self_check_modal(order, checklist_id))


def _today(context: BoltContext):  # type: ignore[no-untyped-def]
    return context["workflow"].clock().astimezone(context["settings"].tz).date()


def open_log_time(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    today = _today(context)
    _open_modal(
        ack, body, client, context, Action.LOG_TIME, lambda o: forms.log_time_modal(o.id, o.number, today)
    )


def edit_time(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Edit on /so time's list: the Log time form filled with the entry, if the person may correct it
    (its author, a coordinator or an admin, until the order is ready for invoicing)."""
    ack()
    wf = context["workflow"]
    try:
        entry = wf.time_entry(int(body["actions"][0]["value"]))
    except (KeyError, IndexError, TypeError, ValueError):
        entry = None
    if entry is None:
        answer(context, client, body, "That time is no longer recorded (removed). Nothing was changed.")
        return
    try:
        wf.precheck(
            user_of(body), c.CorrectTime(entry.order_id, entry.id, entry.work_date, entry.minutes or 1)
        )
        order = wf.order(entry.order_id)
    except Refused as r:
        answer(context, client, body, messages.refusal(r, context["settings"].tz))
        return
    whose = entry.user_name if entry.user_id != user_of(body) else ""
    view = forms.log_time_modal(
        order.id, order.number, _today(context), entry.id, entry.work_date, entry.minutes, entry.note, whose
    )
    open_form(context, client, body, view, "Please click again.")


def open_mark_invoiced(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(
        ack, body, client, context, Action.MARK_INVOICED, lambda o: forms.mark_invoiced_modal(o.id, o.number)
    )


def open_restore(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(ack, body, client, context, Action.RESTORE, lambda o: forms.restore_modal(o.id, o.number))


def open_cancel(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(ack, body, client, context, Action.CANCEL, lambda o: forms.cancel_modal(o.id, o.number))


def open_email_customer(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Email customer: the form prefilled; without an SMTP server the person is told why instead."""
    settings = context["settings"]
    if settings.smtp is None:
        ack()
        answer(context, client, body, messages.NO_EMAIL)
        return

    def build(o):  # type: ignore[no-untyped-def]
        subject, text, attached = messages.customer_email(o, settings)
        return forms.email_customer_modal(o.id, o.number, o.contact_email, subject, text, attached)

    _open_modal(ack, body, client, context, Action.EMAIL_CUSTOMER, build)


def customer_link(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The link to the customer's order page, answered to the clicker alone (checked on the server:
    who, their role, the order's state); where the page is not served, why."""
    ack()
    order_id = order_id_of(body)
    if order_id is None:
        answer(context, client, body, OUT_OF_DATE)
        return
    try:
        order = context["workflow"].check(order_id, user_of(body), Action.CUSTOMER_LINK)
    except Refused as r:
        answer(context, client, body, messages.refusal(r, context["settings"].tz))
        return
    answer(context, client, body, messages.customer_link(order, links_of(context["settings"])))


def open_backorder(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Create backorder: a form with the order's lines to pick (none picked), a title and a date."""

    def build(o):  # type: ignore[no-untyped-def]
        lines = [f"{quantity_text(x.quantity)} {x.unit} {x.description}" for x in o.lines]
        return forms.backorder_modal(o.id, o.number, o.title, lines)

    _open_modal(ack, body, client, context, Action.CREATE_BACKORDER, build)


def _open_modal(ack: Ack, body: dict, client: WebClient, context: BoltContext, action: Action, build) -> None:  # type: ignore[no-untyped-def]
    """Check on the server that the clicker may do action, ack, then open its form."""
    ack()
    order_id = order_id_of(body)
    if order_id is None:
        answer(context, client, body, OUT_OF_DATE)
        return
    try:
        order = context["workflow"].check(order_id, user_of(body), action)
    except Refused as r:
        answer(context, client, body, messages.refusal(r, context["settings"].tz))
        return
    open_form(context, client, body, build(order), "Please click again.")


def open_reject(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(ack, body, client, context, Action.REJECT, lambda o: forms.reject_modal(o.id, o.number))


def open_field_workers(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(
        ack,
        body,
        client,
        context,
        Action.ADD_FIELD_WORKERS,
        lambda o: forms.field_workers_modal(o.id, o.number, o.field_workers),
    )


def open_confirmation(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    def build(o):  # type: ignore[no-untyped-def]
        # the lines with the time recorded since the last confirmation (labour per worker and day)
        timed = context["workflow"].confirmation_lines(o)
        lines = [
            LineDraft(x.kind, x.description, x.quantity, x.unit, x.unit_price, x.catalog_item_id, x.code)
            for x in timed.lines
        ]
        catalog = context["workflow"].master.has_catalog()
        fields = context["settings"].company.fields("confirmation")
        # the company's fields open as the previous confirmation left them
        previous = (
            context["workflow"].revision(o.id, o.current_revision).custom_fields
            if fields and o.has_confirmation
            else []
        )
        return forms.confirmation_modal(
            o.id,
            o.number,
            o.current_revision,
            lines,
            catalog=catalog,
            fields=fields,
            values=stored_values(previous, "confirmation"),
            time=[(b.entry_id, b.minutes) for b in timed.billed],
            time_changes=timed.changes,
        )

    _open_modal(ack, body, client, context, Action.CONFIRM, build)


def open_close(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    _open_modal(
        ack,
        body,
        client,
        context,
        Action.CLOSE,
        lambda o: forms.close_modal(
            o.id, o.number, o.has_confirmation, context["settings"].company.fields("close")
        ),
    )


def add_line(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    try:
        new_view = forms.with_line_added(view)
    except ValueError:  # not one of our forms with lines: a forged click, nothing to redraw
        log.warning("add-line button in a view with no lines (%r)", str(view.get("callback_id"))[:40])
        return
    update_view(context, body, client, new_view)


def remove_line(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    try:
        key = int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        log.warning("remove-line button without a line key")
        return
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    try:
        new_view = forms.with_line_removed(view, key)
    except ValueError:
        log.warning("remove-line button in a view with no lines (%r)", str(view.get("callback_id"))[:40])
        return
    update_view(context, body, client, new_view)


def ack_only(ack: Ack) -> None:
    """A select inside a modal changed: its value arrives with the submission."""
    ack()
