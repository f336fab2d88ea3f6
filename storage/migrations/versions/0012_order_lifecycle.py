"""The order's lifecycle beyond invoicing: backorders (orders.parent_id, the parent's backorder
counter) and deleted orders (their audit line: which number, who, when).

Orders take their listing position (seq) from a counter of its own, "seq" (workflow.changes
next_seq: started from the orders' highest seq when missing), so a backorder (SO-0042-1) has one
too while the order numbers (the "order" counter) stay gap-free.

Revision ID: 0012_order_lifecycle
Revises: 0011_field_time
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


revision: str = "0012_order_lifecycle"
down_revision: str | None = "0011_field_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite adds the reference with the column (a batch rebuild would drop the table others refer to)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE orders ADD COLUMN parent_id INTEGER REFERENCES orders (id)")
    else:
        op.add_column("orders", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_orders_parent_id_orders", "orders", "orders", ["parent_id"], ["id"])
    op.create_index("ix_orders_parent_id", "orders", ["parent_id"])
    op.add_column("orders", sa.Column("backorder_count", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "deleted_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deleted_by", sa.String(32), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("number"),
    )


def downgrade() -> None:
    op.drop_table("deleted_orders")
    op.drop_index("ix_orders_parent_id", table_name="orders")
    with op.batch_alter_table("orders") as t:
        t.drop_column("backorder_count")
        if op.get_bind().dialect.name != "sqlite":
            t.drop_constraint("fk_orders_parent_id_orders", type_="foreignkey")
        t.drop_column("parent_id")
