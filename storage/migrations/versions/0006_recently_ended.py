"""An index for the Home tab's "recently ended" orders (by status, newest change first).

Revision ID: 0006_recently_ended
Revises: 0005_rate_limits
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_recently_ended"
down_revision: str | None = "0005_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_status_updated_at", "orders", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_status_updated_at", table_name="orders")
