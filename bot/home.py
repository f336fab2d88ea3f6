"""The App Home tab: Block Kit for a person's HomeView (pure), and the publish_home effect.

What a row offers are the order card's own buttons (same action ids, the order id as value), so
the card's listeners handle a click on the Home tab as they handle one on the card.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.cards import STATUS_ICON, action_buttons, mrkdwn_escape, slack_date
from bot.config import Settings
from bot.slack_calls import SlackCalls
from forms import ids
from workflow.home import Exceptions, HomeRow, HomeView, Section
from workflow.rules import Status
from workflow.saved_filters import SavedFilterView
from workflow.snapshots import EffectView, OrderView
from workflow.timesheet import duration_text
from workflow.working_hours import WorkingCalendar

log = logging.getLogger(__name__)

BLOCKS_MAX = 100  # Slack: blocks in a Home tab
TEXT_MAX = 3000  # Slack: a section's text
HEADER_MAX = 150  # Slack: a header block's text
SAVED_PER_ROW = 5  # saved-search buttons in one actions block
# The person cannot be shown anything (left, deactivated, a guest the app cannot reach): not a failure.
UNREACHABLE = frozenset({"user_not_found", "user_is_inactive", "user_disabled", "user_is_restricted"})


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": _cut(text, TEXT_MAX)}


def _section(text: str) -> dict:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _code(text: str) -> str:
    return "`" + mrkdwn_escape(text).replace("`", "'") + "`"


def _where(row: HomeRow) -> str:
    return f"<#{row.channel_id}>" if row.channel_id else "_channel being created_"


def _planned(row: HomeRow) -> str:
    text = f"planned {row.planned_date.isoformat()}" if row.planned_date else "not planned"
    return text + (" · :warning: *overdue*" if row.overdue else "")


def row_text(row: HomeRow, tz: ZoneInfo, requester: bool = False) -> str:
    """SO-0042 #so-0042-… — title / status · client · planned date (· overdue) (· requested by)."""
    text = (
        f"*{row.number}* {_where(row)} — {_cut(mrkdwn_escape(row.title), 150)}\n"
        f"{STATUS_ICON.get(row.status, '')} {row.status_text} · {_cut(mrkdwn_escape(row.client), 100)}"
        f" · {_planned(row)}"
    )
    if requester:
        when = slack_date(row.created_at, tz, "{date_short_pretty} {time}")
        text += f" · requested by <@{row.requester_id}> {when}"
    return _cut(text, TEXT_MAX)


def line_text(row: HomeRow) -> str:
    """One order on one line, for the compact lists (closed, needs attention)."""
    return (
        f"• *{row.number}* {_where(row)} — {_cut(mrkdwn_escape(row.title), 80)} · "
        f"{_cut(mrkdwn_escape(row.client), 60)} · {STATUS_ICON.get(row.status, '')} {row.status_text}"
        + (f" · {_planned(row)}" if row.status is Status.IN_PROGRESS else "")
    )


def _buttons(row: HomeRow, section: str) -> dict | None:
    elements = action_buttons(row.id, row.actions)
    if not elements:
        return None
    # block ids are unique in a view: the same order may be in two sections
    return {"type": "actions", "block_id": f"home:{section}:{row.id}", "elements": elements}


def _more(n: int, hint: str) -> str:
    return f"… and {n} more — {hint}"


def _rows(
    name: str, title: str, section: Section, tz: ZoneInfo, empty: str, hint: str, requester: bool
) -> list[dict]:
    """A section of rows, each with the buttons the person may use now."""
    blocks = [_section(f"*{title}* · {section.total}" if section.total else f"*{title}*")]
    if not section.rows:
        blocks.append(_context(empty))
    for row in section.rows:
        blocks.append(_section(row_text(row, tz, requester)))
        buttons = _buttons(row, name)
        if buttons is not None:
            blocks.append(buttons)
    if section.more:
        blocks.append(_context(_more(section.more, hint)))
    return blocks


def _lines(title: str, lines: list[str], total: int, hint: str) -> dict:
    """A compact list in one section: as many lines as fit in Slack's 3000 characters."""
    head = f"*{title}* · {total}"
    shown: list[str] = []
    for line in lines:
        candidate = "\n".join([head, *shown, line])
        if len(candidate) + 120 > TEXT_MAX:  # room left for the "and N more" line
            break
        shown.append(line)
    text = "\n".join([head, *shown])
    if total > len(shown):
        text += "\n" + _more(total - len(shown), hint)
    return _section(text)


def _exceptions(exc: Exceptions) -> list[dict]:
    blocks: list[dict] = [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "Needs attention"}},
    ]
    if exc.empty:
        blocks.append(
            _context("Nothing needs attention: no late approvals, overdue or quiet orders, failed actions.")
        )
        return blocks
    hours = f"{exc.pending_limit_hours:g} working hour{'s' if exc.pending_limit_hours != 1 else ''}"
    days = f"{exc.stale_days:g} day{'s' if exc.stale_days != 1 else ''}"
    parts = [
        (
            f":hourglass: Waiting for approval for more than {hours}",
            exc.pending_too_long,
            _code("/so list status:pending"),
        ),
        (
            ":warning: In progress past the planned date",
            exc.overdue,
            _code("/so list status:in_progress to:yesterday"),
        ),
        (
            f":zzz: In progress, nothing recorded for {days} (confirmations missing?)",
            exc.stale,
            _code("/so list status:in_progress"),
        ),
    ]
    for title, section, hint in parts:
        if section.total:
            blocks.append(_lines(title, [line_text(r) for r in section.rows], section.total, hint))
    if exc.failed_total:
        lines = []
        for f in exc.failed:
            where = f" for *{f.order_number}*" if f.order_number else ""
            lines.append(
                f"• {_code(f.kind)}{where} → {_code(_cut(f.error or 'unknown error', 120))} · "
                f"retry: {_code(f'service-orders effects retry {f.id}')}"
            )
        blocks.append(
            _lines(
                ":rotating_light: Slack actions that failed",
                lines,
                exc.failed_total,
                _code("service-orders effects list --failed"),
            )
        )
    return blocks


def saved_searches(saved: Sequence[SavedFilterView]) -> list[dict]:
    """The person's saved filters as buttons, 5 to an actions block (Block Kit: at most 25 a block;
    5 keep a row readable); a click opens the results in a modal (bot.listeners.paging)."""
    if not saved:
        return []
    blocks: list[dict] = [_section(f"*:mag: Saved searches* · {len(saved)}")]
    for start in range(0, len(saved), SAVED_PER_ROW):
        blocks.append(
            {
                "type": "actions",
                "block_id": f"home:saved:{start // SAVED_PER_ROW}",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _cut(f.name, 75)},
                        "action_id": ids.saved_filter_run(n),
                        "value": f.name,
                    }
                    for n, f in enumerate(saved[start : start + SAVED_PER_ROW], start)
                ],
            }
        )
    blocks += [
        _context(f"{_code('/so list save NAME FILTERS')} saves one · {_code('/so list saved')} lists them"),
        {"type": "divider"},
    ]
    return blocks


def timer_blocks(home: HomeView, tz: ZoneInfo) -> list[dict]:
    """The person's running timer, with its Stop button (one timer per person: workflow.timesheet)."""
    if home.timer is None:
        return []
    order_id, number, since = home.timer
    minutes = max(0, int((home.now - since).total_seconds() // 60))
    started = slack_date(since, tz, "{date_short_pretty} {time}")
    working = f"*:stopwatch: You are working on {mrkdwn_escape(number)}*"
    text = f"{working} since {started} · {duration_text(minutes)}"
    return [
        _section(text),
        {
            "type": "actions",
            "block_id": "home:timer",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Stop work"},
                    "action_id": ids.STOP_WORK,
                    "value": str(order_id),
                    "style": "danger",
                }
            ],
        },
        {"type": "divider"},
    ]


def home_view(
    home: HomeView, tz: ZoneInfo, company: str = "Service Orders", saved: Sequence[SavedFilterView] = ()
) -> dict:
    """The Home tab (views.publish): the person's saved searches (if any), waiting for my approval,
    my open orders, recently closed, and for supervisors and admins what needs attention. At most
    100 blocks, texts within Slack's limits."""
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(company or "Service Orders", HEADER_MAX)},
        },
        _context(
            f"Updated {slack_date(home.now, tz, '{date_short_pretty} {time}')} · "
            f"{_code('/so new')} requests an order · {_code('/so list')} searches · {_code('/so help')}"
        ),
    ]
    blocks += timer_blocks(home, tz)
    blocks += saved_searches(saved)
    if home.approver:
        blocks += _rows(
            "waiting",
            ":inbox_tray: Waiting for your approval",
            home.waiting,
            tz,
            "Nothing is waiting for your approval.",
            _code("/so list waiting"),
            requester=True,
        )
        blocks.append({"type": "divider"})
    blocks += _rows(
        "mine",
        ":clipboard: Your open orders",
        home.mine,
        tz,
        "You have no open orders: none you requested or work on.",
        _code("/so list mine status:open"),
        requester=False,
    )
    blocks.append({"type": "divider"})
    if home.closed.total:
        blocks.append(
            _lines(
                ":white_check_mark: Recently ended",
                [line_text(r) for r in home.closed.rows],
                home.closed.total,
                _code("/so list mine status:ended"),
            )
        )
    else:
        blocks += [_section("*:white_check_mark: Recently ended*"), _context("Nothing ended lately.")]
    if home.exceptions is not None:
        blocks += _exceptions(home.exceptions)
    if len(blocks) > BLOCKS_MAX:  # not reached with the section sizes of workflow.home: a guard
        blocks = blocks[: BLOCKS_MAX - 1] + [_context("There is more than fits here: use `/so list`.")]
    return {"type": "home", "blocks": blocks}


def calendar_of(settings: Settings) -> WorkingCalendar:
    """The company's working calendar (the approval reminders count the same hours)."""
    opens, closes = settings.working_hours
    return WorkingCalendar(settings.tz, opens, closes, frozenset(settings.working_days))


def publish_home(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """views.publish the person's Home tab as it stands now (Tier 4: ~100 a minute)."""
    wf, settings = slack.wf, slack.settings
    user = str(effect.payload.get("user") or "")
    if not user:
        log.error("publish_home %s without a user", effect.key)
        return
    now: datetime = wf.clock()
    home = wf.home(
        user,
        now,
        today=now.astimezone(settings.tz).date(),
        pending_limit_hours=settings.approval_reminder_hours,
        stale_days=settings.stale_days,
        calendar=calendar_of(settings),
    )
    view = home_view(home, settings.tz, settings.company_name, wf.saved_filters(user))
    try:
        slack.call(("views.publish",), slack.client.views_publish, user_id=user, view=view)
    except SlackApiError as e:
        if e.response.get("error") not in UNREACHABLE:
            raise
        log.warning("cannot publish the Home tab of %s: %s", user, e.response.get("error"))
