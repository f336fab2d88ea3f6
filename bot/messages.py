"""What the bot says in words: announcements, DMs, refusals, help, list and show."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.cards import STATUS_ICON, escape_keeping_mentions, lines_summary, mrkdwn_escape, slack_date
from bot.config import Settings
from bot.mail import contact_name
from bot.web.links import Links, links_of
from forms import ids
from forms.filters import FILTER_SYNTAX
from workflow import effects as fx
from workflow.articles import article_text
from workflow.money import money_text
from workflow.rules import OUTCOME_TEXT, STATUS_TEXT, Action, Status
from workflow.service import Refused
from workflow.snapshots import OrderView
from workflow.timesheet import EntryView, duration_text

HELP = f"""*Service orders* — `/so` commands:
• `/so` or `/so new` — open the *New service order* form (coordinators, admins)
• `/so list` — your open orders and the orders waiting for your approval
• `/so list FILTERS` — search the orders you can see, newest first: \
`/so list status:open client:acme`, `/so list mine from:2026-11-01 router`
• `/so list save NAME FILTERS` — save (or replace) a search under a name (up to 20; also buttons \
on the bot's Home tab) · `/so list NAME` or `/so list saved:NAME` runs it · `/so list saved` lists \
them · `/so list delete NAME`
• `/so export FILTERS` — the same orders with their lines, as a CSV file in a direct message
• `/so show SO-0042` (or `/so show 42`, `/so *42`) — an order's summary and channel
• `/so cancel SO-0042 REASON` — call off an order before its invoice data goes out: its channel \
and card say why (its requester, coordinators, supervisors, admins; also *Cancel order* on the card); \
*Reinstate* on the card undoes it
• `/so delete SO-0042` — delete an order never approved, after typing its number (admins): its data \
goes, its channel is archived, its number is not used again
• `/so show 42-1` — a backorder (*Create backorder* on the card of an order ready for invoicing)
• `/so time SO-0042 2h30 [YYYY-MM-DD] ["note"]` — log time you worked on an order (today unless \
dated) · `/so time SO-0042` — its recorded time, with Edit (also *Start work*, *Stop work* and \
*Log time* on the card)
• *Articles* on an order's card — articles to be ordered (to order, ordered, delivered), listed \
apart and not invoiced; *Use delivered articles* puts the delivered ones into the lines
• *Self-checks* on an order's card — fill in its checklists; required ones must be done before \
the order is closed (the close form also asks you to attest the work)
• `/so copy SO-0042` — post the order's customer copy (its PDF without prices) in its channel \
(also a button on the card)
• `/so role` — the Roles window: who holds which role, grant, revoke, latest changes (admins)
• `/so role @user ROLE` — give a role: admin, coordinator, supervisor, field_worker · \
`/so role revoke @user ROLE` · `/so role list` · `/so role history [@user]` (admins)
• `/so role group ROLE @usergroup` — the group's members hold the role (synced on a schedule; \
not admin: admins are granted one by one) · \
`/so role ungroup ROLE` · `/so role sync` — sync now (admins)
• `/so catalog` — add a catalog item · `/so catalog CODE or words` — edit one (admins)
• `/so clients` — add a client · `/so clients NAME or NUMBER` — edit one, its sites and contacts (admins)
• `/so help` — this help
*Filters:* {FILTER_SYNTAX}
Each order gets its own channel with a pinned card: approve, reject, add field workers, create \
confirmations and close the order from its buttons. Reply in the card's thread to add notes and photos."""


def channel_ref(order: OrderView) -> str:
    return f"<#{order.channel_id}>" if order.channel_id else "its channel (being created)"


def _users(ids: list[str]) -> str:
    return ", ".join(f"<@{u}>" for u in ids)


def announcement(order: OrderView, payload: dict, currency: str) -> str:
    """The channel message for one workflow event."""
    event, actor = payload.get("event"), payload.get("actor", "")
    n = order.number
    if event == fx.SUBMITTED:
        who = _users([u for u in order.supervisors if u != actor]) or "a supervisor"
        return (
            f":inbox_tray: <@{actor}> submitted *{n}* — {mrkdwn_escape(order.title)}. "
            f"Waiting for approval by {who}."
        )
    if event == fx.APPROVED:
        return f":white_check_mark: <@{actor}> approved *{n}*. Revision 1 is published; its PDF follows."
    if event == fx.REJECTED:
        return f":no_entry: <@{actor}> rejected *{n}*.\n*Reason:* {mrkdwn_escape(payload.get('reason', ''))}"
    if event == fx.FIELD_WORKERS_ADDED:
        users = payload.get("users", [])
        label = "field worker" if len(users) == 1 else "field workers"
        return f":construction_worker: <@{actor}> added {_users(users)} as {label} on *{n}*. Welcome!"
    if event == fx.CONFIRMED:
        final = " (final)" if payload.get("final") else ""
        return (
            f":memo: <@{actor}> saved a confirmation{final} on *{n}*: revision {payload.get('revision')}, "
            f"total {currency} {money_text(order.total)}. Its PDF follows."
        )
    if event == fx.CLOSED:
        outcome = OUTCOME_TEXT.get(payload.get("outcome", ""), payload.get("outcome", ""))  # type: ignore[call-overload]
        text = f":checkered_flag: <@{actor}> closed *{n}*: *{outcome}*."
        if payload.get("reason"):
            text += f"\n*Reason:* {mrkdwn_escape(payload['reason'])}"
        return text
    if event == fx.CANCELLED:
        reason = mrkdwn_escape(payload.get("reason", ""))
        return f":wastebasket: <@{actor}> cancelled *{n}*.\n*Reason:* {reason}"
    if event == fx.REINSTATED:
        status = STATUS_TEXT.get(payload.get("status", ""), payload.get("status", ""))  # type: ignore[call-overload]
        return f":leftwards_arrow_with_hook: <@{actor}> reinstated *{n}*: it is *{status}* again."
    if event in (fx.ARTICLES_CHANGED, fx.ARTICLES_USED):
        return articles_announcement(n, str(event), actor, payload)
    if event == fx.SIGNED:  # the customer, on the order page: no Slack user to mention
        name = mrkdwn_escape(str(payload.get("name", "")))
        return (
            f":writing_hand: {name} signed *{n}* on the order page: revision {payload.get('revision')} "
            "is the signed order; its PDF follows."
        )
    if event == fx.EMAILED:
        to = mrkdwn_escape(str(payload.get("to", "")))
        return f":email: <@{actor}> emailed *{n}* (revision {payload.get('revision')}) to {to}."
    if event == fx.BACKORDER_CREATED:
        lines = int(payload.get("lines") or 0)
        carried = f"with {lines} line{'s' if lines != 1 else ''} from it" if lines else "with no lines yet"
        return (
            f":repeat: <@{actor}> created backorder *{mrkdwn_escape(str(payload.get('backorder', '')))}* "
            f"of *{n}* {carried}. It waits for approval in its own channel."
        )
    if event == fx.SELF_CHECK_DONE:
        name = mrkdwn_escape(str(payload.get("checklist", ""))[:100])
        return f":clipboard: <@{actor}> completed the self-check *{name}* on *{n}*."
    return office_announcement(n, event, actor, payload)


def _texts(items: object, limit: int = 20) -> str:
    """Texts someone typed (article descriptions), escaped, joined with ' · ', cut with a count."""
    shown = [mrkdwn_escape(str(x)[:200]) for x in (items if isinstance(items, list) else [])]
    more = len(shown) - limit
    return " · ".join(shown[:limit]) + (f" · … and {more} more" if more > 0 else "")


def articles_announcement(n: str, event: str, actor: str, payload: dict) -> str:
    """The channel message when articles to be ordered are added or change, or are used."""
    if event == fx.ARTICLES_USED:
        return (
            f":package: <@{actor}> put the delivered articles into the lines of *{n}*: revision "
            f"{payload.get('revision')} ({_texts(payload.get('articles'))}). Its PDF follows."
        )
    parts = []
    if payload.get("added"):
        parts.append(f"added articles to order on *{n}*: {_texts(payload.get('added'))}")
    if payload.get("changed"):
        parts.append(f"{'' if parts else f'on *{n}* '}marked {_texts(payload.get('changed'))}")
    return f":package: <@{actor}> " + "; ".join(parts or [f"changed the articles of *{n}*"]) + "."


def office_announcement(n: str, event: object, actor: str, payload: dict) -> str:
    """The channel message for the office's steps: ready for invoicing, invoiced, restored."""
    who = "The accounting system" if actor == "erp" else f"<@{actor}>"
    if event == fx.READY_FOR_INVOICING:
        again = payload.get("correction_of")
        correction = f", correcting revision {again}" if again else ""
        return (
            f":receipt: {who} marked *{n}* ready for invoicing: revision {payload.get('revision')}"
            f"{correction}. Its PDF follows; the lines can no longer change."
        )
    if event == fx.INVOICED:
        number = payload.get("invoice_number") or ""
        shown = f" with invoice *{mrkdwn_escape(number)}*" if number else ""
        return f":moneybag: {who} marked *{n}* as invoiced{shown}."
    if event == fx.RESTORED:
        reason = mrkdwn_escape(payload.get("reason", ""))
        return (
            f":leftwards_arrow_with_hook: {who} restored *{n}* to closed; the next Ready for invoicing "
            f"sends a correction.\n*Reason:* {reason}"
        )
    return f"*{n}*: {event}"


def client_unknown(order: OrderView, payload: dict) -> tuple[str, list[dict]]:
    """The admins' DM about a client typed on an order but missing from the client list, with a
    button that opens the client form with the name filled in."""
    typed = str(payload.get("client", ""))
    text = (
        f"<@{payload.get('actor', '')}> used the client “{mrkdwn_escape(typed)}” on *{order.number}*, "
        "which is not in the client list."
    )
    button = {
        "type": "button",
        "action_id": ids.ADD_TYPED_CLIENT,
        "text": {"type": "plain_text", "text": "Add client"},
        "value": typed[:200],
    }
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "block_id": "client_unknown", "elements": [button]},
    ]
    return text, blocks


def approval_request(order: OrderView, currency: str) -> str:
    return (
        f":bell: *{order.number}* — {mrkdwn_escape(order.title)} for {mrkdwn_escape(order.client)} "
        f"({currency} {money_text(order.total)}) waits for your approval in {channel_ref(order)}."
    )


def _hours(hours: float) -> str:
    if hours >= 1:
        n = round(hours, 1)
        return f"{n:g} working hour{'s' if n != 1 else ''}"
    n = max(1, round(hours * 60))
    return f"{n} working minute{'s' if n != 1 else ''}"


def approval_reminder(order: OrderView, level: int, hours: float) -> str:
    """A supervisor's reminder (level 1), or the escalation to supervisors and admins (level 2)."""
    what = f"*{order.number}* — {mrkdwn_escape(order.title)} for {mrkdwn_escape(order.client)}"
    waited = f"has waited more than {_hours(hours)} for approval"
    if level >= 2:
        return (
            f":rotating_light: Escalated: {what} {waited}. Please approve or reject it in "
            f"{channel_ref(order)} — the admins are told too."
        )
    return f":alarm_clock: Reminder: {what} {waited}. Approve or reject it in {channel_ref(order)}."


def planned_reminder(order: OrderView) -> str:
    """The channel reminder the working day before the planned date, to the field workers."""
    day = order.planned_date.strftime("%A %Y-%m-%d") if order.planned_date else "soon"
    site = mrkdwn_escape(order.site)
    if order.field_workers:
        return (
            f":calendar: {_users(order.field_workers)} reminder: *{order.number}* is planned for "
            f"*{day}* at {site}."
        )
    return (
        f":calendar: <@{order.requester_id}> *{order.number}* is planned for *{day}* at {site}, "
        "and has no field workers yet: use *Add field workers* on the card."
    )


TOPIC_MAX = 250  # Slack's limit for a channel topic


def channel_topic(order: OrderView) -> str:
    """'SO-0042 · In progress · planned 2026-11-25': the channel's topic follows the status."""
    parts = [order.number, order.status_text]
    if order.planned_date and not order.ended:
        parts.append(f"planned {order.planned_date.isoformat()}")
    return " · ".join(parts)[:TOPIC_MAX]


def digest(payload: dict) -> str:
    """A coordinator's daily digest: their orders that moved since the last one, and what waits."""

    def row(item: dict) -> str:
        status = STATUS_TEXT.get(item["status"], item["status"])  # type: ignore[call-overload]
        where = f" · <#{item['channel_id']}>" if item.get("channel_id") else ""
        planned = f" · planned {item['planned_date']}" if item.get("planned_date") else ""
        overdue = " · :warning: *overdue*" if item.get("overdue") else ""
        return (
            f"• *{item['number']}* {STATUS_ICON.get(item['status'], '')} {status} — "
            f"{mrkdwn_escape(item.get('title', ''))}{planned}{overdue}{where}"
        )

    def section(title: str, items: list[dict], total: int, empty: str) -> list[str]:
        out = [f"*{title}* ({total})"]
        out += [row(i) for i in items] if items else [empty]
        if total > len(items):
            out.append(f"… and {total - len(items)} more — `/so list mine` shows them all")
        return out

    lines = [f":sunrise: *Your service orders* — {payload.get('date', '')}"]
    lines += section(
        "Moved since the last digest", payload.get("moved", []), payload.get("moved_total", 0), "_Nothing_"
    )
    lines += section("Waiting", payload.get("waiting", []), payload.get("waiting_total", 0), "_Nothing open_")
    return "\n".join(lines)[:3900]


def submitted(order: OrderView) -> str:
    """The form, once its order is stored."""
    return (
        f":white_check_mark: *{order.number}* is submitted and waits for approval.\n"
        "Its channel is being created and you are invited to it: the order card is pinned there."
    )


def saving(kind: str) -> tuple[str, str]:
    """(title, text) of a form once submitted: stored, the worker carries it out at once."""
    if kind == Action.SUBMIT:
        return "Submitting order", ":hourglass_flowing_sand: Submitting your order…"
    return "Saving", ":hourglass_flowing_sand: Saving…"


def not_done(kind: str) -> str:
    """The title of a form whose command was refused after the ack."""
    return "Not submitted" if kind == Action.SUBMIT else "Not saved"


def done(kind: str, order: OrderView, revision: int | None) -> tuple[str, str]:
    """(title, text) of the answer to a command carried out after its ack: in the form it came from,
    or to the person who clicked; an empty text when the card says it all (an approval)."""
    number, where = order.number, channel_ref(order)
    if kind == Action.SUBMIT:
        return "Order submitted", submitted(order)
    if kind == Action.REJECT:
        return "Order rejected", f":no_entry_sign: {number} rejected. The requester is told in {where}."
    if kind == Action.ADD_FIELD_WORKERS:
        who = _users(list(order.field_workers)) or "nobody"
        text = f":busts_in_silhouette: Field workers added to {number}. On the order now: {who}."
        return "Field workers added", text
    if kind == Action.CONFIRM:
        shown = revision or order.current_revision
        closed = " The order is closed." if order.status == Status.CLOSED else ""
        return "Confirmed", f":white_check_mark: Revision {shown} of {number} is confirmed.{closed}"
    if kind == Action.CLOSE:
        return "Order closed", f":checkered_flag: {number} is closed. Its final PDF is in {where}."
    if kind == Action.CANCEL:
        return "Order cancelled", f":wastebasket: {number} is cancelled. Everyone in {where} is told."
    if kind == Action.REINSTATE:
        return (
            "Order reinstated",
            f":leftwards_arrow_with_hook: {number} is reinstated. Everyone in {where} is told.",
        )
    if kind == Action.CUSTOMER_COPY:
        return "Customer copy", customer_copy(order, True)
    if kind == Action.ARTICLES:
        waiting = len(order.open_articles)
        return "Articles saved", (
            f":package: Articles of {number} saved: {waiting} not in the lines yet. The card shows them."
        )
    if kind == Action.USE_ARTICLES:
        return "Articles used", (
            f":package: The delivered articles are in the lines of {number}: revision "
            f"{revision or order.current_revision}. Its PDF follows in {where}."
        )
    if kind == Action.SELF_CHECKS:
        todo = sum(len(cl.missing) for cl in order.checklists if cl.required)
        left = f"{todo} required item{'s' if todo != 1 else ''} still to do" if todo else "all required done"
        return "Self-check saved", f":clipboard: Self-check of {number} saved ({left}). The card shows it."
    if kind == Action.EMAIL_CUSTOMER:
        return "Email on its way", f":email: {number} is on its way to the customer. {where} is told."
    if kind == Action.CREATE_BACKORDER:
        return "Backorder created", (
            f":repeat: Backorder {number} is created and waits for approval"
            + (f" in {where}." if order.channel_id else ": its channel is on its way.")
        )
    if kind == Action.MARK_INVOICED:
        return "Invoiced", f":moneybag: {number} is marked as invoiced. Everyone in {where} is told."
    if kind == Action.RESTORE:
        return "Order restored", f":leftwards_arrow_with_hook: {number} is closed again. {where} is told why."
    return "", ""


NO_EMAIL = "Email is not set up here: an admin sets SO_SMTP_URL and SO_MAIL_FROM. Nothing was sent."


def customer_email(order: OrderView, settings: Settings) -> tuple[str, str, str]:
    """(subject, text, what is attached) an Email customer form opens with."""
    company = settings.company_name
    name = contact_name(order.contact)
    subject = f"{company}: your order {order.number} — {order.title}"
    text = f"Hello {name},\n\n" if name else "Hello,\n\n"
    text += f"please find attached your service order {order.number}, {order.title}."
    url = links_of(settings).url(order.id, order.number)
    if url:
        text += f"\n\nFollow the order and sign off the work here: {url}"
    text += f"\n\nKind regards,\n{company}"
    customer = "" if settings.company.email.customer_sees_prices else "-customer"
    prices = "with prices" if not customer else "without prices"
    attached = f"{order.number}-r{order.current_revision}{customer}.pdf ({prices})"
    return subject, text, attached


NO_PAGE = (
    "The customer's order page is not served by this bot: set SO_PUBLIC_URL to the address it is "
    "reached at (and SO_WEB_PORT in Socket Mode)."
)


def customer_link(order: OrderView, links: Links) -> str:
    """The answer to Customer link: the page's address and what the customer does there."""
    url = links.url(order.id, order.number)
    if not url:
        return NO_PAGE
    return (
        f":link: The customer's page for *{order.number}*: {url}\n"
        f"Anyone with this link sees the order without prices, downloads its PDF and, once the work is "
        f"completed, signs it off. It works for {links.days} days; the emails to the customer carry it too."
    )


def deleted(number: str) -> tuple[str, str]:
    """(title, text) of the answer to a Delete carried out."""
    return "Order deleted", (
        f":wastebasket: {number} is deleted: its lines, history and time are removed, and its channel is "
        f"archived. The number {number} will not be used again."
    )


def deleted_card(number: str, actor: str) -> str:
    """What the card of a deleted order says instead of the order (no client data is left in it)."""
    return f":wastebasket: {number} was deleted by <@{actor}>. Nothing of it is kept but its number."


TIME_KINDS = frozenset({Action.START_WORK, Action.STOP_WORK, Action.LOG_TIME, Action.CORRECT_TIME})


def time_done(kind: str, order: OrderView, mine: Sequence[EntryView]) -> tuple[str, str]:
    """(title, text) of the answer to a time command: the person's time on the order now."""
    number = order.number
    total = sum(e.minutes for e in mine if not e.running)
    so_far = f" Your time on {number}: {duration_text(total)}." if total else ""
    if kind == Action.START_WORK:
        return "Timer started", (
            f":stopwatch: Your timer on *{number}* is running. Stop it with *Stop work* on the card or "
            "your Home tab; it stops by itself when the order is closed."
        )
    if kind == Action.STOP_WORK:
        last = max((e for e in mine if not e.running), key=lambda e: e.id, default=None)
        worked = duration_text(last.minutes) if last else "no time"
        return "Timer stopped", (
            f":stopwatch: Stopped: {worked} recorded on *{number}*.{so_far} It goes into the next "
            "confirmation as a labour line."
        )
    if kind == Action.LOG_TIME:
        return "Time logged", f":stopwatch: Time logged on *{number}*.{so_far}"
    return "Time corrected", f":stopwatch: Time corrected on *{number}*.{so_far}"


def time_list(order: OrderView, entries: Sequence[EntryView], tz: ZoneInfo) -> str:
    """/so time 42: the order's recorded time, oldest day first."""
    if not entries:
        return (
            f"No time is recorded on *{order.number}* yet. Record it with *Start work* or *Log time* "
            f'on the card, or `/so time {order.number} 2h30 "what was done"`.'
        )
    rows = []
    for e in entries[:TIME_LISTED]:
        if e.running and e.started_at:
            what = f"timer running since {slack_date(e.started_at, tz)}"
        else:
            what = duration_text(e.minutes)
        note = f" — {mrkdwn_escape(e.note[:100])}" if e.note else ""
        billed = f" · in revision {e.billed_revision}" if e.billed_revision else ""
        rows.append(f"• {e.work_date.isoformat()} <@{e.user_id}> {what}{note}{billed}")
    more = len(entries) - TIME_LISTED
    total = sum(e.minutes for e in entries if not e.running)
    head = f"*Time on {order.number}*: {duration_text(total)} recorded"
    return head + "\n" + "\n".join(rows) + (f"\n… and {more} more" if more > 0 else "")


TIME_LISTED = 40


def refusal(refused: Refused, tz: ZoneInfo) -> str:
    """An ephemeral answer to a refused click or command."""
    message = escape_keeping_mentions(refused.message)  # it may quote what someone typed
    if refused.code == "decided" and refused.decided_by and refused.decided_at:
        return (
            f"{message[:-1]} by <@{refused.decided_by}> "
            f"{slack_date(refused.decided_at, tz)}. Nothing was changed."
        )
    if refused.code in ("role", "own_order", "state", "not_found"):
        return f"{message} Nothing was changed."
    return message


def customer_copy(order: OrderView, queued: bool) -> str:
    """The answer to asking for an order's customer copy."""
    what = f"The customer copy of *{order.number}* revision {order.current_revision}"
    if queued:
        return f":page_facing_up: {what} (without prices) is being posted in {channel_ref(order)}."
    return f"{what} was already posted in {channel_ref(order)}: look for it there."


def order_summary(
    order: OrderView, currency: str, tz: ZoneInfo, family: tuple[str | None, Sequence] = (None, [])
) -> str:
    """/so show: the order in a few lines; family: the order it continues (a backorder) and its
    backorders (number, status, channel id)."""
    icon = STATUS_ICON.get(order.status, "")
    planned = order.planned_date.isoformat() if order.planned_date else "not planned"
    parts = [
        f"*{order.number}* — {mrkdwn_escape(order.title)}",
        f"{icon} {order.status_text} · revision {order.current_revision} · {channel_ref(order)}",
        f"*Client* {mrkdwn_escape(order.client)} · *Site* {mrkdwn_escape(order.site)} · *Planned* {planned}",
        lines_summary(order, shown=8),
        f"*Total {currency} {money_text(order.total)}* · requested by <@{order.requester_id}> "
        f"{slack_date(order.created_at, tz)}",
    ]
    if order.open_articles:
        shown = " · ".join(
            mrkdwn_escape(article_text(a.description, a.quantity, a.unit, a.status))
            for a in order.open_articles[:10]
        )
        more = f" and {len(order.open_articles) - 10} more" if len(order.open_articles) > 10 else ""
        parts.append(f":package: Articles to order: {shown}{more}")
    parent, backorders = family
    if parent:
        parts.append(f":repeat: Backorder of *{parent}*")
    if backorders:
        shown = [
            f"*{n}* {STATUS_ICON.get(st, '')} {STATUS_TEXT.get(st, st)}" + (f" <#{ch}>" if ch else "")
            for n, st, ch in backorders[:20]
        ]
        more = f" and {len(backorders) - 20} more" if len(backorders) > 20 else ""
        parts.append(":repeat: Backorders: " + " · ".join(shown) + more)
    return "\n".join(parts)


def order_list(mine: list[OrderView], waiting: list[OrderView], currency: str) -> str:
    def row(o: OrderView) -> str:
        return (
            f"• *{o.number}* {STATUS_ICON.get(o.status, '')} {mrkdwn_escape(o.title)} — "
            f"{mrkdwn_escape(o.client)} · {currency} {money_text(o.total)} · {channel_ref(o)}"
        )

    out = []
    if waiting:
        out.append(f"*Waiting for your approval* ({len(waiting)})")
        out += [row(o) for o in waiting]
    out.append(f"*Your open orders* ({len(mine)})")
    out += [row(o) for o in mine] if mine else ["_None_ — `/so new` opens a new order."]
    return "\n".join(out)


def cannot_invite(user: str, error: str) -> str:
    reasons = {
        "user_is_inactive": "they are no longer in the workspace",
        "user_not_found": "Slack does not know them",
        "user_is_restricted": "they are a guest",
        "ura_max_channels": "they are a single-channel guest",
    }
    return f":warning: I could not invite <@{user}> to this channel: {reasons.get(error, error)}."


def effect_failed(alert: dict) -> str:
    """An admin's (or the channel's) notice that a Slack action failed for good, and how to retry."""
    where = f" for *{alert['order']}*" if alert.get("order") else ""
    what = f"A Slack action{where}"
    if alert.get("kind") == fx.SEND_INVOICE:  # the answer of the accounting system, not Slack's
        what = f"Sending the invoice data{where} to the accounting system"
    return (
        f":rotating_light: {what} failed and will not be retried by itself: "
        f"`{alert.get('kind')}` → `{_code(str(alert.get('error')))}`. "
        "Once the cause is fixed, an admin can retry it "
        f"with `service-orders effects retry {alert.get('effect_id')}` "
        f"(`service-orders effects list --failed` lists them all)."
    )


def bad_filters(errors: dict[str, str], verb: str) -> str:
    """The answer to `/so list` or `/so export` with filters that cannot be read: each bad token
    and what is allowed instead, then the whole grammar."""
    done = {"export": "nothing was exported", "save": "nothing was saved"}.get(verb, "nothing was searched")
    rows = [f"• `{_code(token)}` — {message}" for token, message in errors.items()]
    return (
        f"I could not read {'this filter' if len(rows) == 1 else 'these filters'}, so {done}:\n"
        + "\n".join(rows)
        + f"\n\n*Filters:* {FILTER_SYNTAX}"
    )


def _code(text: str) -> str:
    """User text inside `backticks`: escaped, and no backtick of its own to end the span early."""
    return mrkdwn_escape(text).replace("`", "'")


LIST_TIP = "\n_Search with filters: `/so list status:closed client:acme` — `/so help` lists them all._"


def export_queued(filter_text: str) -> str:
    what = f"the orders matching `{_code(filter_text)}`" if filter_text else "all the orders you can see"
    return f"Preparing your export… I will send {what} to you as a CSV file in a direct message."


def export_sent(filter_text: str, orders: int, rows: int) -> str:
    what = f" matching `{_code(filter_text)}`" if filter_text else ""
    return (
        f":page_facing_up: Your export: {orders} order{'s' if orders != 1 else ''}{what}, "
        f"{rows} row{'s' if rows != 1 else ''} (one per order line)."
    )


def export_empty(filter_text: str) -> str:
    what = f" match `{_code(filter_text)}`" if filter_text else " are visible to you"
    return f"Your export is empty: no orders{what}, so there is no file."
