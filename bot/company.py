"""The company's own settings: print settings and the fields it adds to the forms.

They come from one YAML file (SO_COMPANY_FILE; `company.example.yml` shows every option), checked
at start-up: a mistake stops the command with one line naming the file, the field and what is
wrong, and exit code 2. Without a file, the defaults below and SO_COMPANY_NAME / SO_CURRENCY apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PrintSettings:
    """What every PDF shows of the company, and how it writes numbers and dates."""

    company_name: str = "Service Orders"
    address: str = ""  # may span lines
    footer: str = ""  # on every page, e.g. "Registered in … · VAT …"
    logo: bytes | None = field(default=None, repr=False)  # PNG or JPEG, read and checked at start-up
    logo_name: str = ""  # the file's name, for messages
    currency: str = "EUR"
    locale: str = "en"  # e.g. "de_DE": 1.234,56 and 24.11.2026


@dataclass(frozen=True)
class CompanyConfig:
    print: PrintSettings = field(default_factory=PrintSettings)
    # form name (new_order | confirmation | close) → its extra fields (forms.custom.FieldSpec)
    forms: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    path: str = ""  # the file it was read from; "" when none
