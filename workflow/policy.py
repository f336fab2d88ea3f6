"""The company's choices the workflow applies (from the bot's settings)."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.home import REFRESH_SECONDS


@dataclass(frozen=True)
class Policy:
    allow_self_approval: bool = False
    private_channels: bool = True
    home_refresh_seconds: float = REFRESH_SECONDS  # SO_HOME_REFRESH_SECONDS
    # Catalog lines keep the catalog's unit price unless the person is a supervisor or an admin
    # (SO_CATALOG_PRICES=locked | editable)
    lock_catalog_prices: bool = True
