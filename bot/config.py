"""Settings from the environment (and .env): read once, checked early, never logged whole."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.company import CompanyConfig, CompanyFileError, PrintSettings, load_company
from bot.mail import MailConfigError, SmtpSettings, smtp_settings
from workflow.working_hours import DAY_MINUTES, WEEKDAYS

DEFAULT_API_URL = "https://slack.com/api/"
# Where Slack's response_urls point (GovSlack: https://hooks.slack-gov.com); the bot POSTs to no other.
DEFAULT_HOOKS_URL = "https://hooks.slack.com"
DEFAULT_DATABASE_URL = "sqlite:///service-orders.db"

# Where the work after each ack runs (see bot.worker): a child process, a thread, or elsewhere.
WORKER_MODES = ("process", "thread", "none")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_API_URL
    slack_hooks_url: str = DEFAULT_HOOKS_URL  # SO_SLACK_HOOKS_URL: where response_urls may point
    database_url: str = DEFAULT_DATABASE_URL
    admins: tuple[str, ...] = ()
    company_name: str = "Service Orders"
    currency: str = "EUR"
    timezone: str = "UTC"
    allow_self_approval: bool = False
    private_channels: bool = True
    auto_upgrade: bool = False
    # Reminders (bot.scheduler, workflow.reminders). Working time is counted in `timezone`.
    approval_reminder_hours: float = 4.0  # working hours pending before supervisors are reminded; 0: off
    working_hours: tuple[int, int] = (8 * 60, 18 * 60)  # minutes after local midnight: opens, closes
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday 0 … Sunday 6
    digest_time: time | None = None  # the coordinators' daily digest (local time); None: off
    archive_after_days: int = 0  # archive an order's channel this long after it ended; 0: never
    scheduler_seconds: float = 60.0  # how often the reminder jobs run; 0: not at all in this process
    role_sync_minutes: float = 60.0  # how often roles tied to Slack user groups are synced; 0: never
    # The App Home (bot.home): its "needs attention" part also uses approval_reminder_hours.
    stale_days: float = 3.0  # in progress with nothing recorded this long: confirmations missing? 0: off
    home_refresh_seconds: float = 5.0  # at most one Home publish per person per this many seconds; 0: each
    # SO_CATALOG_PRICES=locked | editable: may coordinators and field workers change a catalog price?
    catalog_prices_locked: bool = True
    # The company file (SO_COMPANY_FILE): print settings and the forms' extra fields (bot.company)
    company: CompanyConfig = field(default_factory=CompanyConfig)
    extra: dict[str, str] = field(default_factory=dict)
    # VAT (percent) of lines with no rate of their own: the company file's invoicing.vat_rate, else
    # SO_VAT_RATE, else 0; and the exemption printed with 0 % (invoicing.vat_exemption)
    vat_rate: Decimal = Decimal(0)
    vat_exemption: str = ""
    # Where Ready for invoicing posts the invoice data (bot.erp), and the secret that signs it
    erp_webhook_url: str = ""
    erp_webhook_secret: str = field(default="", repr=False)
    # The SMTP server the bot's emails go through (SO_SMTP_URL, SO_MAIL_FROM); None: no email
    smtp: SmtpSettings | None = field(default=None, repr=False)
    # The customer's order page (bot.web): where its links point (SO_PUBLIC_URL; `serve` fills in
    # what it listens on when unset; "": no links), the secret signing them (SO_LINK_SECRET, else
    # one derived from the Slack secrets), how long a link works, and in Socket Mode the port the
    # page is served on (SO_WEB_PORT; 0: not served)
    public_url: str = ""
    link_secret: str = field(default="", repr=False)
    link_days: int = 90
    web_port: int = 0
    web_host: str = "127.0.0.1"  # SO_WEB_HOST: where SO_WEB_PORT listens (behind a proxy: localhost)

    def __post_init__(self) -> None:
        # The company file's invoicing.vat_rate and vat_exemption win over SO_VAT_RATE (however the
        # settings were made: from the environment, or by the demo and the tests)
        inv = self.company.invoicing
        if inv.vat_rate is not None:
            object.__setattr__(self, "vat_rate", inv.vat_rate)
        if inv.vat_exemption:
            object.__setattr__(self, "vat_exemption", inv.vat_exemption)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:  # secrets never reach a log through a repr
        return (
            f"Settings(api={self.slack_api_url!r}, database={self.database_url.split('://')[0]}, "
            f"admins={len(self.admins)}, company={self.company_name!r})"
        )


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def load_settings(env: Mapping[str, str] | None = None, require: tuple[str, ...] = ()) -> Settings:
    """Settings from env (default: os.environ); raises ConfigError naming a missing required one."""
    env = os.environ if env is None else env
    for name in require:
        if not env.get(name, "").strip():
            raise ConfigError(f"{name} is required but not set (see .env.example)")
    tz = env.get("SO_TIMEZONE", "").strip() or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"SO_TIMEZONE: unknown time zone {tz!r}") from None
    api = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if not api.endswith("/"):
        api += "/"
    currency = (env.get("SO_CURRENCY", "").strip() or "EUR").upper()
    if not (3 <= len(currency) <= 4 and currency.isalpha()):
        raise ConfigError(f"SO_CURRENCY must be a currency code like EUR, not {currency!r}")
    company = _company(env, currency)
    vat_rate = _vat_rate(env.get("SO_VAT_RATE", "").strip())  # the company file's wins (__post_init__)
    erp_url, erp_secret = _erp(env)
    try:
        smtp = smtp_settings(
            env.get("SO_SMTP_URL", ""), env.get("SO_MAIL_FROM", ""), company.print.company_name
        )
    except MailConfigError as e:
        raise ConfigError(str(e)) from None
    return Settings(
        bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_api_url=api,
        slack_hooks_url=_hooks_url(env.get("SO_SLACK_HOOKS_URL", "").strip() or DEFAULT_HOOKS_URL),
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        admins=tuple(u.strip() for u in env.get("SO_ADMINS", "").split(",") if u.strip()),
        company_name=company.print.company_name,
        currency=company.print.currency,
        timezone=tz,
        allow_self_approval=_flag(env, "SO_ALLOW_SELF_APPROVAL", False),
        private_channels=_flag(env, "SO_PRIVATE_CHANNELS", True),
        auto_upgrade=_flag(env, "SO_DB_AUTO_UPGRADE", False),
        approval_reminder_hours=_number(env, "SO_APPROVAL_REMINDER_HOURS", 4.0),
        working_hours=_working_hours(env.get("SO_WORKING_HOURS", "").strip() or "08:00-18:00"),
        working_days=_working_days(env.get("SO_WORKING_DAYS", "").strip() or "mon-fri"),
        digest_time=_digest_time(env.get("SO_DIGEST_TIME", "").strip()),
        archive_after_days=int(_number(env, "SO_ARCHIVE_AFTER_DAYS", 0, whole=True)),
        scheduler_seconds=_number(env, "SO_SCHEDULER_SECONDS", 60.0),
        role_sync_minutes=_number(env, "SO_ROLE_SYNC_MINUTES", 60.0),
        stale_days=_number(env, "SO_STALE_DAYS", 3.0),
        home_refresh_seconds=_number(env, "SO_HOME_REFRESH_SECONDS", 5.0),
        catalog_prices_locked=_catalog_prices(env.get("SO_CATALOG_PRICES", "").strip().lower() or "locked"),
        company=company,
        vat_rate=vat_rate,
        erp_webhook_url=erp_url,
        erp_webhook_secret=erp_secret,
        smtp=smtp,
        public_url=_public_url(env.get("SO_PUBLIC_URL", "").strip()),
        link_secret=_link_secret(env),
        link_days=int(_number(env, "SO_LINK_DAYS", 90, whole=True)) or 90,
        web_port=_port(env.get("SO_WEB_PORT", "").strip()),
        web_host=env.get("SO_WEB_HOST", "").strip() or "127.0.0.1",
    )


def _vat_rate(raw: str) -> Decimal:
    """SO_VAT_RATE: a percentage, e.g. 21 or 10.5; empty: 0."""
    if not raw:
        return Decimal(0)
    try:
        rate = Decimal(raw.replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise ConfigError(f"SO_VAT_RATE must be a percentage from 0 to 100, like 21, not {raw!r}")
    return rate


def _erp(env: Mapping[str, str]) -> tuple[str, str]:
    """SO_ERP_WEBHOOK_URL (http or https) and SO_ERP_WEBHOOK_SECRET, which it needs."""
    url = env.get("SO_ERP_WEBHOOK_URL", "").strip()
    secret = env.get("SO_ERP_WEBHOOK_SECRET", "").strip()
    if not url:
        return "", secret
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"SO_ERP_WEBHOOK_URL must be an http(s) URL, not {url!r}")
    if len(secret) < 16:
        raise ConfigError(
            "SO_ERP_WEBHOOK_SECRET must be set, 16 characters or more, when SO_ERP_WEBHOOK_URL is"
        )
    return url, secret


def _public_url(raw: str) -> str:
    """SO_PUBLIC_URL: the http(s) address the customer's links start with (no path after it but
    a prefix a proxy serves the bot under), without the trailing slash."""
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.username:
        raise ConfigError(f"SO_PUBLIC_URL must be an address like https://orders.example.com, not {raw!r}")
    return raw.rstrip("/")


def _link_secret(env: Mapping[str, str]) -> str:
    """SO_LINK_SECRET (16 characters or more), else a secret derived from the Slack app's own, so
    links work without one more setting (changing that secret ends every link given out)."""
    own = env.get("SO_LINK_SECRET", "").strip()
    if own and len(own) < 16:
        raise ConfigError("SO_LINK_SECRET must be 16 characters or more (or unset)")
    if own:
        return own
    base = env.get("SLACK_SIGNING_SECRET", "").strip() or env.get("SLACK_BOT_TOKEN", "").strip()
    return hashlib.sha256(b"service-orders order page links\0" + base.encode()).hexdigest() if base else ""


def _port(raw: str) -> int:
    if not raw:
        return 0
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"SO_WEB_PORT must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


def _hooks_url(raw: str) -> str:
    """SO_SLACK_HOOKS_URL: one or more http(s) base URLs, comma-separated."""
    bases = [b.strip() for b in raw.split(",") if b.strip()]
    for base in bases:
        parts = urlsplit(base)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.query:
            raise ConfigError(
                f"SO_SLACK_HOOKS_URL must be URLs like https://hooks.slack.com, comma-separated, not {base!r}"
            )
    return ",".join(bases)


def _catalog_prices(raw: str) -> bool:
    if raw not in ("locked", "editable"):
        raise ConfigError(f"SO_CATALOG_PRICES must be locked or editable, not {raw!r}")
    return raw == "locked"


def _company(env: Mapping[str, str], currency: str) -> CompanyConfig:
    """The company file named by SO_COMPANY_FILE, checked; SO_COMPANY_NAME and SO_CURRENCY are the
    defaults for what its print part leaves out (and all there is without a file)."""
    defaults = PrintSettings(
        company_name=env.get("SO_COMPANY_NAME", "").strip() or "Service Orders", currency=currency
    )
    path = env.get("SO_COMPANY_FILE", "").strip()
    if not path:
        return CompanyConfig(print=defaults)
    try:
        return load_company(path, defaults)
    except CompanyFileError as e:
        raise ConfigError(str(e)) from None


def _number(env: Mapping[str, str], name: str, default: float, whole: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = -1
    if not 0 <= value < 1e6:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name} must be {kind}, 0 or more, not {raw!r}")
    return value


def _minutes(raw: str) -> int:
    """'08:30' -> 510 ('24:00' -> 1440); ValueError otherwise."""
    hours, _, minutes = raw.strip().partition(":")
    h, m = int(hours), int(minutes or "0")
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > DAY_MINUTES:
        raise ValueError(raw)
    return h * 60 + m


def _working_hours(raw: str) -> tuple[int, int]:
    try:
        opens, closes = (_minutes(part) for part in raw.split("-"))
    except ValueError:
        opens, closes = 0, 0
    if not opens < closes:
        raise ConfigError(f"SO_WORKING_HOURS must be like 08:00-18:00 (00:00-24:00: all day), not {raw!r}")
    return opens, closes


def _working_days(raw: str) -> tuple[int, ...]:
    days: set[int] = set()
    try:
        for part in raw.lower().replace(" ", "").split(","):
            first, _, last = part.partition("-")
            a, b = WEEKDAYS.index(first[:3]), WEEKDAYS.index((last or first)[:3])
            if a > b:
                raise ValueError(part)
            days.update(range(a, b + 1))
    except ValueError:
        raise ConfigError(
            f"SO_WORKING_DAYS must be days like mon-fri or mon,wed,fri (mon … sun), not {raw!r}"
        ) from None
    return tuple(sorted(days))


def _digest_time(raw: str) -> time | None:
    if not raw or raw.lower() in ("off", "none", "false", "0"):
        return None
    try:
        minutes = _minutes(raw)
        if minutes >= DAY_MINUTES:
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(
            f"SO_DIGEST_TIME must be a time like 08:30 (or empty: no digest), not {raw!r}"
        ) from None
    return time(minutes // 60, minutes % 60)
