"""/so: new, list, export, show, cancel, delete, copy, time, invoice, help, role, catalog, clients."""

from __future__ import annotations

import logging
import re
from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

import forms
from bot import inbox, lists, messages, replies
from bot.cards import mrkdwn_escape
from bot.listeners import roles
from bot.listeners.common import open_form, slash_key
from bot.listeners.master import open_catalog, open_clients
from forms import ids
from workflow import commands as c
from workflow import saved_filters as saved_rules
from workflow.rules import Action, Power, Role, decide, who_has
from workflow.saved_filters import SavedFilterView
from workflow.service import Refused, Workflow
from workflow.snapshots import OrderView
from workflow.timesheet import duration_text

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.command(ids.SLASH_COMMAND)(handle_so)


def handle_so(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """Route /so by its first word."""
    text = (body.get("text") or "").strip()
    user = body.get("user_id", "")
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb in ("", "new"):
        open_new_order(ack, body, client, context, user)
    elif verb == "help":
        ack(text=messages.HELP)
    elif verb == "list":
        list_orders(ack, context, user, rest)
    elif verb == "export":
        export_orders(ack, context, user, rest)
    elif verb == "show" or verb.startswith("*"):
        show_order(ack, context, user, rest if verb == "show" else text)
    elif verb == "copy":
        customer_copy(ack, body, context, user, rest)
    elif verb == "cancel":
        cancel_order(ack, body, context, user, rest)
    elif verb == "delete":
        delete_order(ack, body, client, context, user, rest)
    elif verb == "time":
        record_time(ack, body, context, user, rest)
    elif verb == "invoice":
        invoice_files(ack, body, context, user, rest)
    elif verb == "role":
        roles.manage_roles(ack, body, client, context, user, rest)
    elif verb == "catalog":
        open_catalog(ack, body, client, context, user, _unescaped(rest))
    elif verb == "clients":
        open_clients(ack, body, client, context, user, _unescaped(rest))
    else:
        ack(text=f"I don't know `/so {_echo(verb[:40])}`.\n\n{messages.HELP}")


def open_new_order(ack: Ack, body: dict, client: WebClient, context: BoltContext, user: str) -> None:
    verdict = decide(Action.SUBMIT, context["workflow"].roles_of(user))
    if not verdict.allowed:
        ack(text=f"Only {verdict.who} can submit orders. Ask an admin for the coordinator role.")
        return
    # The trigger_id lives 3 seconds: the form needs one indexed lookup, so it opens complete, right
    # after the HTTP answer.
    has_clients, has_catalog = context["workflow"].master.in_use()
    view = forms.new_order_modal(
        clients=has_clients, catalog=has_catalog, fields=context["settings"].company.fields("new_order")
    )
    ack()
    open_form(context, client, body, view, "Please run `/so new` again.")


def _unescaped(typed: str) -> str:
    """A command's text as typed (Slack escapes &, < and > in it)."""
    return typed.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _echo(typed: str) -> str:
    """What someone typed, to show back in mrkdwn: as typed, with no mention or link in it (Slack
    turns a typed @channel or URL into one)."""
    return mrkdwn_escape(_unescaped(typed))


def _filters(context: BoltContext, typed: str) -> forms.FormResult[forms.OrderFilters]:
    """The filters typed after the verb."""
    today = context["workflow"].clock().astimezone(context["settings"].tz).date()
    return forms.parse_filters(_unescaped(typed), today)


def list_orders(ack: Ack, context: BoltContext, user: str, typed: str = "") -> None:
    """Without filters: my open orders and those waiting for me. With: a page of the search."""
    wf = context["workflow"]
    if not typed.strip():
        mine, waiting = wf.list_for(user)
        ack(text=messages.order_list(mine, waiting, context["settings"].currency) + messages.LIST_TIP)
        return
    word, _, rest = typed.strip().partition(" ")
    if word.lower() in SAVED_VERBS:
        manage_saved_filters(ack, context, user, word.lower(), rest.strip())
        return
    saved = _saved_to_run(wf, user, typed.strip())
    if isinstance(saved, str):
        ack(text=saved)
        return
    parsed = _filters(context, saved.text if saved is not None else typed)
    if parsed.value is None:
        ack(text=messages.bad_filters(parsed.errors, "list"))
        return
    page = wf.search(parsed.value, user, limit=lists.PAGE_SIZE)
    ack(response_type="ephemeral", **lists.order_list_message(page, parsed.value))


SAVED_VERBS = ("save", "saved", "delete")
SAVED_REF = re.compile(r"saved:(\S+)", re.IGNORECASE)


def _saved_to_run(wf: Workflow, user: str, typed: str) -> SavedFilterView | str | None:
    """The saved filter `/so list NAME` or `/so list saved:NAME` names; None when typed is a search
    (a lone word that is none of the person's saved filters searches for that word, as before —
    quote it to search for a word that is also a saved filter's name); a message when saved:NAME
    names none."""
    explicit = SAVED_REF.fullmatch(typed)
    name = explicit.group(1) if explicit else typed
    if not explicit and (" " in typed or not saved_rules.NAME.fullmatch(typed)):
        return None
    found = wf.saved_filter(user, name)
    if found is None and explicit:
        return f"You have no saved filter `{_echo(name[:40])}`. `/so list saved` lists yours."
    return found


def manage_saved_filters(ack: Ack, context: BoltContext, user: str, verb: str, rest: str) -> None:
    """/so list save NAME FILTERS, /so list saved, /so list delete NAME."""
    wf = context["workflow"]
    if verb == "saved":
        ack(text=lists.saved_filters_message(wf.saved_filters(user)))
        return
    name, _, text = rest.partition(" ")
    usage = (
        "Usage: `/so list save NAME FILTERS` (e.g. `/so list save late status:in_progress to:yesterday`), "
        "`/so list saved`, `/so list delete NAME`, and `/so list NAME` runs one."
    )
    if not name:
        ack(text=usage)
        return
    if verb == "delete":
        if text.strip():
            ack(text=usage)
        elif wf.delete_filter(user, name):
            ack(text=f"Deleted your saved filter `{_echo(name.lower()[:40])}`.")
            context["dispatcher"].wake()
        else:
            ack(text=f"You have no saved filter `{_echo(name[:40])}`. `/so list saved` lists yours.")
        return
    problem = saved_rules.name_problem(name)
    if problem is not None:
        ack(text=f"I could not save it: {problem}\n{usage}")
        return
    if not text.strip():
        ack(text=usage)
        return
    parsed = _filters(context, text)
    if parsed.value is None:
        ack(text=messages.bad_filters(parsed.errors, "save"))
        return
    try:
        replaced = wf.save_filter(user, name, _unescaped(text).strip())
    except Refused as r:
        ack(text=f"I could not save it: {_echo(r.message)}")
        return
    ack(
        text=f"{'Replaced' if replaced else 'Saved'} your filter *{name.lower()}*: run it with "
        f"`/so list {name.lower()}`, or from the bot's Home tab."
    )
    context["dispatcher"].wake()


def export_orders(ack: Ack, context: BoltContext, user: str, typed: str) -> None:
    """Queue the export (the dispatcher writes and sends the file after the ack)."""
    parsed = _filters(context, typed)
    if parsed.value is None:
        ack(text=messages.bad_filters(parsed.errors, "export"))
        return
    if context["workflow"].queue_export(user, parsed.value.text()) is None:
        # One export per person at a time: a second one would only wait behind the first.
        ack(
            text=":hourglass_flowing_sand: Your previous export is still being prepared. It will reach "
            "you in a direct message; ask again once it has arrived."
        )
        return
    ack(text=messages.export_queued(parsed.value.text()))
    context["dispatcher"].wake()


def _visible_order(ack: Ack, context: BoltContext, user: str, ref: str, example: str) -> OrderView | None:
    """The order ref names, if user may see it; else None, and the answer says so (example: how
    to name one)."""
    ref = ref.strip()
    if not ref:
        ack(text=f"Which order? For example {example}.")
        return None
    wf = context["workflow"]
    order = wf.find(ref)
    # An order the person may not see is answered as one that does not exist: its number says nothing.
    if order is None or not wf.may_see(order, user):
        ack(text=f"No order `{_echo(ref[:40])}` that you can see. Try `/so list`.")
        return None
    return order


def show_order(ack: Ack, context: BoltContext, user: str, ref: str) -> None:
    settings = context["settings"]
    order = _visible_order(ack, context, user, ref, "`/so show SO-0042` or `/so show 42`")
    if order is not None:
        family = context["workflow"].family(order.id)
        ack(text=messages.order_summary(order, settings.currency, settings.tz, family))


def cancel_order(ack: Ack, body: dict, context: BoltContext, user: str, rest: str) -> None:
    """/so cancel SO-0042 REASON: call the order off (the CANCEL row of the rules table). Checked
    now (the answer says why not), stored in the inbox and carried out by the worker: the channel
    is told why and the card shows it cancelled."""
    ref, _, reason = rest.strip().partition(" ")
    order = _visible_order(ack, context, user, ref, "`/so cancel SO-0042 The client called it off`")
    if order is None:
        return
    _store_slash(
        ack, body, context, user, c.Cancel(order.id, reason.strip()), f"Cancelling *{order.number}*…"
    )


def delete_order(ack: Ack, body: dict, client: WebClient, context: BoltContext, user: str, ref: str) -> None:
    """/so delete SO-0042: an admin deletes an order never approved, after typing its number in a
    confirmation form (the DELETE row of the rules table, and workflow.checks.check_delete)."""
    wf = context["workflow"]
    if Role.ADMIN not in wf.roles_of(user):
        ack(text="Only an admin can delete orders. Nothing was changed.")
        return
    order = _visible_order(ack, context, user, ref, "`/so delete SO-0042` or `/so delete 42`")
    if order is None:
        return
    try:
        wf.precheck(user, c.Delete(order.id, order.number))
    except Refused as r:
        ack(text=messages.refusal(r, context["settings"].tz))
        return
    view = forms.delete_modal(order.id, order.number, order.title, order.client, order.status_text)
    ack()
    open_form(context, client, body, view, "Please run `/so delete` again.")


TIME_EXAMPLE = '`/so time SO-0042 2h30 "cabling"`'
QUOTES = "\"'“”‘’«»"


def record_time(ack: Ack, body: dict, context: BoltContext, user: str, rest: str) -> None:
    """/so time SO-0042: the order's recorded time, each with Edit for whoever may correct it.
    /so time SO-0042 2h30 [YYYY-MM-DD] ["note"]: log time the person worked (today by default)."""
    ref, _, typed = rest.strip().partition(" ")
    order = _visible_order(ack, context, user, ref, TIME_EXAMPLE)
    if order is None:
        return
    wf, tz = context["workflow"], context["settings"].tz
    if not typed.strip():
        entries = wf.time_entries(order.id)
        text = messages.time_list(order, entries, tz)
        ack(response_type="ephemeral", text=text, blocks=time_blocks(text, entries))
        return
    hours, _, more = typed.strip().partition(" ")
    minutes = forms.parse_hours(hours)
    if minutes is None:
        ack(
            text=f"`{_echo(hours[:20])}` is not a time worked. For example {TIME_EXAMPLE} (at most 24 hours)."
        )
        return
    today = wf.clock().astimezone(tz).date()
    day, note = today, more.strip()
    first, _, after = note.partition(" ")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", first):
        try:
            day = date.fromisoformat(first)
        except ValueError:
            ack(text=f"`{_echo(first)}` is not a date: YYYY-MM-DD, e.g. {today.isoformat()}.")
            return
        note = after.strip()
    if day > today:
        ack(text="The date is in the future: time is recorded once worked. Nothing was changed.")
        return
    note = _unescaped(note).strip(QUOTES + " ")
    cmd = c.LogTime(order.id, day, minutes, note, str(body.get("user_name") or "")[:100], "command")
    said = f":stopwatch: Logging {duration_text(minutes)} on {day.isoformat()} on *{order.number}*…"
    _store_slash(ack, body, context, user, cmd, said)


def time_blocks(text: str, entries: list) -> list[dict]:  # type: ignore[type-arg]
    """The list as blocks: its text, and an Edit button per entry (the listener checks who may)."""
    out: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
    editable = [e for e in entries if not e.running][: messages.TIME_LISTED]
    for start in range(0, len(editable), 5):
        out.append(
            {
                "type": "actions",
                "block_id": f"time-edit:{start}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{ids.EDIT_TIME}:{e.id}",
                        "text": {
                            "type": "plain_text",
                            "text": f"Edit {e.work_date:%d %b} {duration_text(e.minutes)}"[:75],
                        },
                        "value": str(e.id),
                    }
                    for e in editable[start : start + 5]
                ],
            }
        )
    return out


def invoice_files(ack: Ack, body: dict, context: BoltContext, user: str, ref: str) -> None:
    """/so invoice SO-0042: the order's invoice data (JSON, Peppol UBL XML, CSV) by DM, for the
    office (coordinators, admins), once it is ready for invoicing."""
    wf = context["workflow"]
    if not wf.may(user, Power.GET_INVOICE_DATA):
        who = who_has(Power.GET_INVOICE_DATA)
        ack(text=f"Only {who} can get invoice data. Nothing was sent.")
        return
    order = _visible_order(ack, context, user, ref, "`/so invoice SO-0042` or `/so invoice 42`")
    if order is None:
        return
    if order.invoice_revision is None:
        ack(text=f"*{order.number}* has no invoice data yet: it comes with *Ready for invoicing*.")
        return
    request = slash_key("invoice", user, body.get("trigger_id")) or f"{user}:{wf.clock().timestamp()}"
    wf.queue_invoice_files(user, order, request)
    ack(
        text=f":receipt: The invoice data of *{order.number}* (revision {order.invoice_revision}) is on its "
        "way to your direct messages: JSON, Peppol UBL XML and CSV."
    )
    context["dispatcher"].wake()


def _store_slash(ack: Ack, body: dict, context: BoltContext, user: str, cmd: c.Command, said: str) -> None:
    """Precheck cmd (a refusal is the answer), store it in the inbox for the worker and answer said;
    a refusal that arises in between reaches the person through the command's response_url."""
    wf = context["workflow"]
    try:
        wf.precheck(user, cmd)
    except Refused as r:
        ack(text=messages.refusal(r, context["settings"].tz))
        return
    url = replies.trusted_response_url(body.get("response_url"), context["settings"].slack_hooks_url)
    # the ack says what happens: only a refusal after it is worth another message
    to = {"response_url": url, "channel": body.get("channel_id"), "user": user, "refusals_only": True}
    inbox.store(wf, user, cmd, to, key=slash_key(cmd.action, user, body.get("trigger_id")))
    ack(text=said)
    context["dispatcher"].wake()


def customer_copy(ack: Ack, body: dict, context: BoltContext, user: str, ref: str) -> None:
    """/so copy SO-0042: the order's customer copy in its channel (as the card's button does).
    Checked now (the answer says why not), stored in the inbox and carried out by the worker; a
    refusal that arises in between reaches the person through the command's response_url."""
    order = _visible_order(ack, context, user, ref, "`/so copy SO-0042` or `/so copy 42`")
    if order is None:
        return
    _store_slash(ack, body, context, user, c.CustomerCopy(order.id), messages.customer_copy(order, True))
