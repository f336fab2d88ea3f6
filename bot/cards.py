"""Block Kit for the order card: pure functions of an OrderView."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.self_checks import checks_text
from forms import ids
from forms.custom import colour_square
from workflow.money import money_text, quantity_text, rate_text, tax_summary
from workflow.rules import OUTCOME_TEXT, RULES, Action, Outcome, Status, is_overdue
from workflow.snapshots import ARTICLE_STATUS_TEXT, OrderView
from workflow.timesheet import duration_text

CARD_LINES_SHOWN = 12
SECTION_MAX = 3000
CUSTOM_VALUE_SHOWN = 150  # a long text field shows its start on the card; the PDF has it whole
CUSTOM_SHOWN = 2000  # all the company's fields together, in one context element

STATUS_ICON = {
    Status.PENDING_APPROVAL: ":hourglass_flowing_sand:",
    Status.IN_PROGRESS: ":large_blue_circle:",
    Status.REJECTED: ":no_entry:",
    Status.CLOSED: ":white_check_mark:",
    Status.CANCELLED: ":heavy_minus_sign:",
    Status.READY_FOR_INVOICING: ":receipt:",
    Status.INVOICED: ":moneybag:",
}

OVERDUE_MARK = ":warning: *Overdue*"

BUTTONS: dict[Action, tuple[str, str, str | None]] = {
    # action: (button text, action_id, style)
    Action.APPROVE: ("Approve", ids.APPROVE, "primary"),
    Action.REJECT: ("Reject", ids.REJECT, "danger"),
    Action.ADD_FIELD_WORKERS: ("Add field workers", ids.OPEN_ADD_FIELD_WORKERS, None),
    Action.CONFIRM: ("Create confirmation", ids.OPEN_CONFIRMATION, "primary"),
    Action.CLOSE: ("Close order", ids.OPEN_CLOSE, None),
    Action.CUSTOMER_COPY: ("Customer copy", ids.CUSTOMER_COPY, None),
    Action.EMAIL_CUSTOMER: ("Email customer", ids.OPEN_EMAIL_CUSTOMER, None),
    Action.CUSTOMER_LINK: (":link: Customer link", ids.CUSTOMER_LINK, None),
    Action.READY_FOR_INVOICING: ("Ready for invoicing", ids.READY_FOR_INVOICING, "primary"),
    Action.MARK_INVOICED: ("Mark as invoiced", ids.OPEN_MARK_INVOICED, None),
    Action.RESTORE: ("Restore", ids.OPEN_RESTORE, None),
    Action.REINSTATE: ("Reinstate", ids.REINSTATE, None),
    Action.CREATE_BACKORDER: ("Create backorder", ids.OPEN_BACKORDER, None),
    Action.CANCEL: ("Cancel order", ids.OPEN_CANCEL, "danger"),
    Action.START_WORK: (":stopwatch: Start work", ids.START_WORK, None),
    Action.STOP_WORK: ("Stop work", ids.STOP_WORK, None),
    Action.LOG_TIME: ("Log time", ids.OPEN_LOG_TIME, None),
    Action.ARTICLES: (":package: Articles", ids.OPEN_ARTICLES, None),
    Action.USE_ARTICLES: ("Use delivered articles", ids.USE_ARTICLES, None),
    Action.SELF_CHECKS: (":clipboard: Self-checks", ids.OPEN_SELF_CHECKS, None),
}
# The time buttons have an actions block of their own under the others (easier to hit on a phone)
TIME_ACTIONS = (Action.START_WORK, Action.STOP_WORK, Action.LOG_TIME)


def slack_date(dt, tz: ZoneInfo, fmt: str = "{date_short} {time}") -> str:  # type: ignore[no-untyped-def]
    """A Slack date token: each reader sees it in their own time zone; the fallback is ours."""
    local = dt.astimezone(tz)
    return f"<!date^{int(dt.timestamp())}^{fmt}|{local:%Y-%m-%d %H:%M} {tz.key}>"


def mrkdwn_escape(text: str) -> str:
    """User text shown in mrkdwn: &, < and > escaped so nobody can forge a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# What the bot itself writes inside < >: a person, a channel, a date. No special mention (@channel,
# @here, @everyone, a user group) and no link.
_OWN_TOKEN = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!date\^[^<>|]+\|[^<>]*)>")


def escape_keeping_mentions(text: str) -> str:
    """A message that mixes the bot's words with what someone typed (a refusal naming a line or a
    role): escaped as mrkdwn_escape does, except for the person, channel and date tokens it holds."""
    out, last = [], 0
    for token in _OWN_TOKEN.finditer(text):
        out.append(mrkdwn_escape(text[last : token.start()]))
        out.append(token.group(0))
        last = token.end()
    out.append(mrkdwn_escape(text[last:]))
    return "".join(out)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lines_summary(order: OrderView, shown: int = CARD_LINES_SHOWN) -> str:
    if not order.lines:
        return "_No lines_"
    rows = []
    for line in order.lines[:shown]:
        rows.append(
            f"• {_cut(mrkdwn_escape(line.description), 120)} — {quantity_text(line.quantity)} "
            f"{mrkdwn_escape(line.unit)} × {money_text(line.unit_price)} = {money_text(line.total)}"
        )
    more = len(order.lines) - shown
    if more > 0:
        rows.append(f"… and {more} more")
    return "\n".join(rows)


def card_text(order: OrderView) -> str:
    """The notification text (and what screen readers read) for the card."""
    client, title = mrkdwn_escape(order.client), mrkdwn_escape(order.title)  # a notification pings
    return f"{order.number} · {order.status_text} · {client} · {title}"


def order_card(
    order: OrderView,
    currency: str,
    tz: ZoneInfo,
    today: date | None = None,
    vat_rate: Decimal = Decimal(0),
    vat_exemption: str = "",
    email: bool = False,
    links: bool = False,
) -> list[dict]:
    """The order card: where the order stands and, as buttons, what can be done now.

    today (the company's date) marks an order in progress past its planned date as overdue;
    vat_rate and vat_exemption are the company's, for lines stored before lines kept their rate."""
    icon = STATUS_ICON.get(order.status, "")
    status = f"{icon} {order.status_text}"
    planned = order.planned_date.isoformat() if order.planned_date else "Not planned"
    if today is not None and is_overdue(order, today):
        status += f" · {OVERDUE_MARK}"
        planned += " (overdue)"
    fields = [
        f"*Status*\n{status}",
        f"*Client*\n{_cut(mrkdwn_escape(order.client), 300)}",
        f"*Site*\n{_cut(mrkdwn_escape(order.site), 300)}",
        f"*Planned*\n{planned}",
        f"*Priority*\n{order.priority.capitalize()}",
        f"*Revision*\n{order.current_revision}",
    ]
    if order.contact:
        fields.append(f"*Contact*\n{_cut(mrkdwn_escape(order.contact), 300)}")
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(f"{order.number} · {order.title}", 150)},
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    custom = custom_fields_text(order.custom_fields)
    if custom:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": custom}]})
    if order.description:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(mrkdwn_escape(order.description), 1000)},
            }
        )
    n = len(order.lines)
    summary = (
        f"*Lines* ({n})\n{lines_summary(order)}\n{totals_text(order, currency, vat_rate, vat_exemption)}"
    )
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(summary, SECTION_MAX)}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _people(order, tz)}]})
    articles = articles_text(order)
    if articles:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(articles, SECTION_MAX)}})
    checks = checks_text(order, lambda moment: slack_date(moment, tz))  # self-checks, attestation
    if checks:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(checks, 2000)}]})
    timing = time_text(order, tz)
    if timing:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(timing, 2000)}]})
    office = office_text(order, tz)
    if office:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(office, 2000)}]})
    signed = signature_text(order, tz)
    if signed:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(signed, 2000)}]})
    if order.status is Status.REJECTED and order.reject_reason:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(f"*Rejected:* {mrkdwn_escape(order.reject_reason)}", SECTION_MAX),
                },
            }
        )
    if order.status is Status.CLOSED and order.outcome_reason:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(
                        f"*{OUTCOME_TEXT.get(order.outcome, order.outcome)}:* "  # type: ignore[call-overload]
                        f"{mrkdwn_escape(order.outcome_reason)}",
                        SECTION_MAX,
                    ),
                },
            }
        )
    actions = order.actions
    if order.status in RULES[Action.CUSTOMER_COPY].from_states:  # the card only: not on Home rows
        actions = (*actions, Action.CUSTOMER_COPY)
    if email and order.status in RULES[Action.EMAIL_CUSTOMER].from_states:  # a server to send with
        actions = (*actions, Action.EMAIL_CUSTOMER)
    if links and order.status in RULES[Action.CUSTOMER_LINK].from_states:  # the page is served
        actions = (*actions, Action.CUSTOMER_LINK)
    if order.status in RULES[Action.ARTICLES].from_states and order.outcome != Outcome.NOT_PERFORMED:
        # the card only, like Customer copy (work not performed: nothing to order for it)
        actions = (*actions, Action.ARTICLES)
        if any(a.status == "delivered" for a in order.articles):  # something to use
            actions = (*actions, Action.USE_ARTICLES)
    if order.checklists and order.status in RULES[Action.SELF_CHECKS].from_states:  # the card only
        actions = (*actions, Action.SELF_CHECKS)
    if order.status in RULES[Action.CANCEL].from_states:  # the card only: a Home row is no place for it
        actions = (*actions, Action.CANCEL)
    if not order.time.timers:  # nobody's timer runs: nothing to stop
        actions = tuple(a for a in actions if a is not Action.STOP_WORK)
    buttons = action_buttons(order.id, [a for a in actions if a not in TIME_ACTIONS])
    if buttons:
        blocks.append({"type": "actions", "block_id": f"card:{order.id}", "elements": buttons})
    time_buttons = action_buttons(order.id, [a for a in actions if a in TIME_ACTIONS])
    if time_buttons:
        blocks.append({"type": "actions", "block_id": f"card-time:{order.id}", "elements": time_buttons})
    return blocks


ARTICLES_SHOWN = 12


def signature_text(order: OrderView, tz: ZoneInfo) -> str:
    """The customer's sign-off on the card: who and when, or that it no longer holds ("": none)."""
    sig = order.signature
    if sig is None:
        return ""
    who = mrkdwn_escape(sig.name)
    if sig.valid:
        when = slack_date(sig.signed_at, tz)
        return f":writing_hand: *Signed by the customer*: {who}, {when} (revision {sig.signed_revision})"
    why = mrkdwn_escape(sig.invalid_reason)
    return (
        f":warning: *The customer's signature no longer holds*: {who} signed revision {sig.revision}; {why}."
    )


def articles_text(order: OrderView, shown: int = ARTICLES_SHOWN) -> str:
    """':package: *Articles to order*: 2 pcs Router AX (to order) · 1 pcs PSU (delivered)': the
    articles not in the lines yet, apart from them ("" when there are none)."""
    articles = order.open_articles
    if not articles:
        return ""
    parts = [
        f"{quantity_text(a.quantity)} {mrkdwn_escape(a.unit)} {_cut(mrkdwn_escape(a.description), 120)} "
        f"({ARTICLE_STATUS_TEXT.get(a.status, a.status)})"
        for a in articles[:shown]
    ]
    more = len(articles) - shown
    if more > 0:
        parts.append(f"… and {more} more")
    return ":package: *Articles to order* (not in the lines, not invoiced): " + " · ".join(parts)


def time_text(order: OrderView, tz: ZoneInfo) -> str:
    """':stopwatch: Working now: @Diego since 14:05 · Time recorded 5 h 30 min (2 h not in the lines yet)'."""
    parts = []
    if order.time.timers:
        who = ", ".join(f"<@{u}> since {slack_date(at, tz, '{time}')}" for u, at in order.time.timers)
        parts.append(f":stopwatch: Working now: {who}")
    if order.time.minutes:
        recorded = f"Time recorded {duration_text(order.time.minutes)}"
        if order.time.unbilled and not order.ended:
            recorded += f" ({duration_text(order.time.unbilled)} not in the lines yet)"
        parts.append(recorded)
    return " · ".join(parts)


def totals_text(order: OrderView, currency: str, vat_rate: Decimal, vat_exemption: str) -> str:
    """'Net EUR 1,000.00 · VAT 21 % 210.00 · *Total EUR 1,210.00*' (each rate on its own)."""
    tax = tax_summary(order.lines, vat_rate, vat_exemption)
    parts = [f"Net {currency} {money_text(tax.net)}"]
    for sub in tax.subtotals:
        if sub.rate == 0:
            parts.append(f"VAT 0 % ({_cut(mrkdwn_escape(sub.exemption_reason), 80) or 'exempt'})")
        else:
            parts.append(f"VAT {rate_text(sub.rate)} {money_text(sub.tax)}")
    return " · ".join(parts) + f" · *Total {currency} {money_text(tax.gross)}*"


def office_text(order: OrderView, tz: ZoneInfo) -> str:
    """Who marked the order ready for invoicing and invoiced it, when, with which number."""
    parts = []
    if order.ready_by and order.ready_at:
        parts.append(f"Ready for invoicing by <@{order.ready_by}> {slack_date(order.ready_at, tz)}")
    if order.invoiced_at:
        by = "the accounting system" if order.invoiced_by == "erp" else f"<@{order.invoiced_by}>"
        number = f" · invoice {mrkdwn_escape(order.invoice_number)}" if order.invoice_number else ""
        parts.append(f"Invoiced by {by} {slack_date(order.invoiced_at, tz)}{number}")
    return " · ".join(parts)


def custom_fields_text(fields: Iterable[dict]) -> str:
    """The company's own fields of an order in one line: "*Order type* 🟥 Repair · *Cost center* 4711"."""
    parts = []
    for f in fields:
        text = str(f.get("text") or "")
        if not text:
            continue
        square = colour_square(str(f.get("colour") or ""))
        value = _cut(mrkdwn_escape(" ".join(text.split())), CUSTOM_VALUE_SHOWN)
        parts.append(f"*{mrkdwn_escape(str(f.get('label') or ''))}* {square + ' ' if square else ''}{value}")
    return _cut(" · ".join(parts), CUSTOM_SHOWN)


def action_buttons(order_id: int, actions: Iterable[Action]) -> list[dict]:
    """The card's buttons for these actions (the card's listeners handle them wherever shown)."""
    buttons = []
    for action in actions:
        if action not in BUTTONS:
            continue
        text, action_id, style = BUTTONS[action]
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": text},
            "action_id": action_id,
            "value": str(order_id),
        }
        if style:
            button["style"] = style
        buttons.append(button)
    return buttons


def _people(order: OrderView, tz: ZoneInfo) -> str:
    parts = [f"Requested by <@{order.requester_id}> {slack_date(order.created_at, tz)}"]
    if order.decided_by and order.decided_at:
        verb = "Rejected" if order.status is Status.REJECTED else "Approved"
        parts.append(f"{verb} by <@{order.decided_by}> {slack_date(order.decided_at, tz)}")
    elif order.supervisors:
        parts.append("Supervisors " + " ".join(f"<@{u}>" for u in order.supervisors))
    if order.field_workers:
        parts.append("Field workers " + " ".join(f"<@{u}>" for u in order.field_workers))
    if order.closed_by and order.closed_at:
        parts.append(f"Closed by <@{order.closed_by}> {slack_date(order.closed_at, tz)}")
    return _cut(" · ".join(parts), 2000)
