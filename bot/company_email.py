"""The company file's `email:` section: how the bot's emails read.

email:
  reply_to: office@andes.example      # replies reach the office, not the sending address
  signature: |                        # under every email (plain text)
    Andes IT & Consulting · +34 910 000 000
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EMAIL_KEYS = ("reply_to", "signature")
SIGNATURE_MAX = 1000


@dataclass(frozen=True)
class EmailSettings:
    reply_to: str = ""
    signature: str = ""


def read_email(checker: Any, raw: Any) -> EmailSettings:
    """The section, checked with the company file's checker (bot.company)."""
    if raw is None:
        return EmailSettings()
    where = "email"
    d = checker.mapping(raw, where, EMAIL_KEYS)
    return EmailSettings(
        reply_to=checker.email(d, "reply_to", where),
        signature=checker.text(d, "signature", where, SIGNATURE_MAX),
    )
