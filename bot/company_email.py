"""The company file's `email:` section: how the bot's emails read, and which go out by themselves.

email:
  reply_to: office@andes.example      # replies reach the office, not the sending address
  signature: |                        # under every email (plain text)
    Andes IT & Consulting · +34 910 000 000
  on_approval: true                   # the order confirmation to the order's contact
  on_close: true                      # the final order to the order's contact
  customer_sees_prices: false         # the attached PDF with prices (default: without)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EMAIL_KEYS = ("reply_to", "signature", "on_approval", "on_close", "customer_sees_prices")
SIGNATURE_MAX = 1000


@dataclass(frozen=True)
class EmailSettings:
    reply_to: str = ""
    signature: str = ""
    on_approval: bool = True
    on_close: bool = True
    customer_sees_prices: bool = False


def read_email(checker: Any, raw: Any) -> EmailSettings:
    """The section, checked with the company file's checker (bot.company)."""
    if raw is None:
        return EmailSettings()
    where = "email"
    d = checker.mapping(raw, where, EMAIL_KEYS)
    return EmailSettings(
        reply_to=checker.email(d, "reply_to", where),
        signature=checker.text(d, "signature", where, SIGNATURE_MAX),
        on_approval=checker.flag(d, "on_approval", where, True),
        on_close=checker.flag(d, "on_close", where, True),
        customer_sees_prices=checker.flag(d, "customer_sees_prices", where, False),
    )
