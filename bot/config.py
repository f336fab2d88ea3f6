"""Settings from the environment (and .env): read once, checked early, never logged whole."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_URL = "https://slack.com/api/"
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
    database_url: str = DEFAULT_DATABASE_URL
    admins: tuple[str, ...] = ()
    company_name: str = "Service Orders"
    currency: str = "EUR"
    timezone: str = "UTC"
    allow_self_approval: bool = False
    private_channels: bool = True
    auto_upgrade: bool = False
    extra: dict[str, str] = field(default_factory=dict)

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
    return Settings(
        bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_api_url=api,
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        admins=tuple(u.strip() for u in env.get("SO_ADMINS", "").split(",") if u.strip()),
        company_name=env.get("SO_COMPANY_NAME", "").strip() or "Service Orders",
        currency=currency,
        timezone=tz,
        allow_self_approval=_flag(env, "SO_ALLOW_SELF_APPROVAL", False),
        private_channels=_flag(env, "SO_PRIVATE_CHANNELS", True),
        auto_upgrade=_flag(env, "SO_DB_AUTO_UPGRADE", False),
    )
