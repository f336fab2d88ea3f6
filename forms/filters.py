"""The filters of `/so list` and `/so export`: typed text in, an OrderFilters (or errors) out.

    status:closed  status:pending,in_progress  status:"in progress"  status:open
    client:acme  client:"Clínica Norte"      (a part of the client's name, any case)
    mine           orders I requested or work on
    waiting        orders waiting for my approval
    from:2026-11-01  to:2026-11-30  from:today  to:tomorrow   (the planned date, both days included)
    router "edge switch"                     (words in the title or description, all of them)

Pure: no Slack, no database. The parser never raises; it returns a FormResult whose errors are
keyed by the token that could not be read, each saying what is allowed instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from forms.result import FormResult, failed
from forms.state import clean_text

# The statuses of an order, as workflow.rules.Status spells them (a test keeps the two equal).
STATUSES = (
    "pending_approval",
    "in_progress",
    "rejected",
    "closed",
    "cancelled",
    "ready_for_invoicing",
    "invoiced",
)

# What people type for a status (spaces, hyphens and underscores count the same), and what it means.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "pending": ("pending_approval",),
    "pending approval": ("pending_approval",),
    "awaiting approval": ("pending_approval",),
    "in progress": ("in_progress",),
    "inprogress": ("in_progress",),
    "closed": ("closed",),
    "rejected": ("rejected",),
    "cancelled": ("cancelled",),
    "canceled": ("cancelled",),
    "ready for invoicing": ("ready_for_invoicing",),
    "ready": ("ready_for_invoicing",),
    "invoiced": ("invoiced",),
    "open": ("pending_approval", "in_progress"),
    "ended": ("rejected", "closed", "cancelled", "ready_for_invoicing", "invoiced"),
}
STATUS_CHOICES = (
    "pending, in_progress, closed, rejected, cancelled, ready (for invoicing), invoiced, "
    "open (pending or in progress), ended"
)

KEYS = ("status", "client", "from", "to")
KEYWORDS = ("mine", "waiting")
RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}
DATE_CHOICES = "YYYY-MM-DD (e.g. 2026-11-30), today, tomorrow or yesterday"

MAX_TEXT = 500  # characters of filter text: the paging buttons carry it (Slack: 2000 a value)
MAX_WORDS = 10
CLIENT_MAX = 200  # storage.models.Order.client

# Straight and typographic double quotes (phones and Macs turn " into “ ”): any one opens or closes.
QUOTES = frozenset('"“”„«»')
_KEY = re.compile(r"([A-Za-z]+):")

FILTER_SYNTAX = (
    "`status:` pending, in_progress, closed, rejected, cancelled, ready, invoiced, open, ended (several: "
    '`status:pending,in_progress`) · `client:acme` or `client:"Clínica Norte"` · `mine` · '
    "`waiting` (for my approval) · `from:2026-11-01` `to:2026-11-30` (planned date; also today, "
    'tomorrow) · other words search the title and description (`router`, `"edge switch"`)'
)


@dataclass(frozen=True)
class OrderFilters:
    """Which orders a person asked for; every part narrows the result (an empty one: all)."""

    statuses: frozenset[str] = frozenset()  # any of these (values of workflow.rules.Status)
    client: str = ""  # a part of the client's name, case-insensitive
    mine: bool = False  # requested by me, or I am one of its field workers
    waiting: bool = False  # pending approval, and I may approve it
    date_from: date | None = None  # planned on or after
    date_to: date | None = None  # planned on or before
    words: tuple[str, ...] = ()  # each in the title or the description, case-insensitive

    @property
    def empty(self) -> bool:
        return self == OrderFilters()

    def text(self) -> str:
        """The filters as text that parses back to them (dates made absolute), for buttons and exports."""
        parts: list[str] = []
        if self.statuses:
            parts.append("status:" + ",".join(s for s in STATUSES if s in self.statuses))
        if self.client:
            parts.append("client:" + _quoted(self.client))
        parts += [k for k in KEYWORDS if getattr(self, k)]
        if self.date_from:
            parts.append(f"from:{self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to:{self.date_to.isoformat()}")
        parts += [_quoted(w, always=w.lower() in KEYWORDS or ":" in w) for w in self.words]
        return " ".join(parts)


def _quoted(value: str, always: bool = False) -> str:
    return f'"{value}"' if always or not value or any(c.isspace() for c in value) else value


@dataclass(frozen=True)
class _Token:
    raw: str  # as typed, quotes included: what an error message names
    key: str | None  # "status" for status:closed; None for a word
    value: str  # quotes removed
    quoted: bool


def _tokens(text: str) -> tuple[list[_Token], str | None]:
    """The tokens of text, and the rest from an unclosed quote (None when every quote closes)."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, quoted = i, False
        while i < n and not text[i].isspace():
            if text[i] in QUOTES:
                end = next((j for j in range(i + 1, n) if text[j] in QUOTES), -1)
                if end < 0:
                    return tokens, text[start:]
                quoted, i = True, end + 1
            else:
                i += 1
        raw = text[start:i]
        m = _KEY.match(raw)
        if m:
            key, rest = m.group(1).lower(), raw[m.end() :]
        else:
            key, rest = None, raw
        tokens.append(_Token(raw, key, "".join(c for c in rest if c not in QUOTES).strip(), quoted))
    return tokens, None


def parse_statuses(value: str) -> tuple[frozenset[str], list[str]]:
    """The statuses named in 'pending,in progress' and the names not understood."""
    found: set[str] = set()
    unknown: list[str] = []
    for part in value.split(","):
        word = " ".join(part.replace("_", " ").replace("-", " ").lower().split())
        if not word:
            continue
        statuses = STATUS_WORDS.get(word)
        if statuses is None:
            unknown.append(part.strip())
        else:
            found.update(statuses)
    return frozenset(found), unknown


def parse_day(value: str, today: date) -> date | None:
    """2026-11-30, today, tomorrow or yesterday as a date; None when it is none of those."""
    word = value.strip().lower()
    if word in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[word])
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        return None
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


def _unknown_key(key: str) -> str:
    close = difflib.get_close_matches(key, KEYS + KEYWORDS, n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}{':' if close[0] in KEYS else ''}`?" if close else ""
    return (
        f"there is no filter `{key}:`.{hint} Filters: status:, client:, from:, to:, mine, waiting. "
        'To search for text with a colon, put it in quotes: `"10:30"`.'
    )


class _Builder:
    """Collects the parts of OrderFilters, and the errors keyed by the token that caused them."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.statuses: set[str] = set()
        self.client: str | None = None
        self.mine = False
        self.waiting = False
        self.dates: dict[str, tuple[str, date]] = {}
        self.words: list[str] = []
        self.errors: dict[str, str] = {}

    def error(self, token: str, message: str) -> None:
        self.errors.setdefault(token, message)

    def status(self, raw: str, value: str) -> None:
        if not value:
            self.error(raw, f"`status:` needs a status: {STATUS_CHOICES}.")
            return
        statuses, unknown = parse_statuses(value)
        if unknown:
            names = ", ".join(f"`{u}`" for u in unknown)
            self.error(raw, f"unknown status {names}. Statuses: {STATUS_CHOICES}.")
            return
        self.statuses |= statuses

    def set_client(self, raw: str, value: str) -> None:
        if not value:
            self.error(
                raw,
                '`client:` needs a part of a client\'s name, e.g. `client:acme` or `client:"Clínica Norte"`.',
            )
        elif self.client is not None and self.client != value:
            self.error(raw, "give `client:` once (it matches a part of the client's name).")
        elif len(value) > CLIENT_MAX:
            self.error(raw, f"a client name has at most {CLIENT_MAX} characters.")
        else:
            self.client = value

    def day(self, key: str, raw: str, value: str) -> None:
        day = parse_day(value, self.today) if value else None
        if day is None:
            what = "not a date" if value else "missing its date"
            self.error(raw, f"`{key}:` is {what}: use {DATE_CHOICES}.")
        elif key in self.dates and self.dates[key][1] != day:
            self.error(raw, f"give `{key}:` once.")
        else:
            self.dates[key] = (raw, day)

    def word(self, raw: str, value: str) -> None:
        if value and value not in self.words:
            self.words.append(value)

    def result(self) -> FormResult[OrderFilters]:
        if "from" in self.dates and "to" in self.dates and self.dates["from"][1] > self.dates["to"][1]:
            (raw_from, day_from), (raw_to, day_to) = self.dates["from"], self.dates["to"]
            self.error(
                f"{raw_from} {raw_to}",
                f"`from:` ({day_from.isoformat()}) is after `to:` ({day_to.isoformat()}): no date is both.",
            )
        if len(self.words) > MAX_WORDS:
            self.error(
                " ".join(self.words[MAX_WORDS:])[:60],
                f"at most {MAX_WORDS} search words; quote a phrase to count it as one.",
            )
        if self.errors:
            return failed(self.errors)
        return FormResult(
            OrderFilters(
                statuses=frozenset(self.statuses),
                client=self.client or "",
                mine=self.mine,
                waiting=self.waiting,
                date_from=self.dates["from"][1] if "from" in self.dates else None,
                date_to=self.dates["to"][1] if "to" in self.dates else None,
                words=tuple(self.words),
            )
        )


def parse_filters(text: str | None, today: date) -> FormResult[OrderFilters]:
    """The filters typed after `/so list` or `/so export`; errors keyed by the token not understood.

    `today` is the person's today (from:today, to:tomorrow are made absolute here)."""
    try:
        return _parse(text, today)
    except Exception:  # the last guard: a filter nobody foresaw is a message, never a traceback
        import logging

        logging.getLogger(__name__).exception("filter parser failed")
        return failed({(text or "")[:60]: f"these filters could not be read. {FILTER_SYNTAX}"})


def _parse(text: str | None, today: date) -> FormResult[OrderFilters]:
    text = clean_text(text, multiline=False)
    if len(text) > MAX_TEXT:
        return failed({text[:40] + "…": f"filters are at most {MAX_TEXT} characters long."})
    tokens, unclosed = _tokens(text)
    b = _Builder(today)
    if unclosed is not None:
        b.error(unclosed[:60], 'this quote is not closed: put a `"` at the end of the quoted words.')
    for t in tokens:
        if t.key is None:
            if not t.quoted and t.value.lower() in KEYWORDS:
                setattr(b, t.value.lower(), True)
            else:
                b.word(t.raw, t.value)
        elif t.key == "status":
            b.status(t.raw, t.value)
        elif t.key == "client":
            b.set_client(t.raw, t.value)
        elif t.key in ("from", "to"):
            b.day(t.key, t.raw, t.value)
        else:
            b.error(t.raw, _unknown_key(t.key))
    return b.result()


def filters_from_fields(
    today: date,
    statuses: Iterable[str] = (),
    client: str = "",
    date_from: str = "",
    date_to: str = "",
    text: str = "",
) -> FormResult[OrderFilters]:
    """The same filters from separate fields (the command line's --status, --client, ...)."""
    b = _Builder(today)
    for value in statuses:
        b.status(f"--status {value}", value)
    if client.strip():
        b.set_client(f"--client {client}", clean_text(client, multiline=False))
    for key, value in (("from", date_from), ("to", date_to)):
        if value.strip():
            b.day(key, f"--{key} {value}", value)
    tokens, unclosed = _tokens(clean_text(text, multiline=False))
    if unclosed is not None:
        b.error(f"--text {unclosed[:60]}", "this quote is not closed.")
    for t in tokens:  # --text is only words: a colon in it is just text
        b.word(t.raw, "".join(c for c in t.raw if c not in QUOTES).strip())
    return b.result()
