"""Indexes for /so list and /so export: a page of orders newest first, per status, requester,
planned date, and the orders a person takes part in.

Revision ID: 0004_order_search
Revises: 0003_inbox
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_order_search"
down_revision: str | None = "0003_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_status_seq", "orders", ["status", "seq"])
    op.create_index("ix_orders_requester_id_seq", "orders", ["requester_id", "seq"])
    op.create_index("ix_orders_planned_date", "orders", ["planned_date"])
    op.create_index("ix_members_user_id_order_id", "members", ["user_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_members_user_id_order_id", table_name="members")
    op.drop_index("ix_orders_planned_date", table_name="orders")
    op.drop_index("ix_orders_requester_id_seq", table_name="orders")
    op.drop_index("ix_orders_status_seq", table_name="orders")
