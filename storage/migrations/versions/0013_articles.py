"""Articles to be ordered: the articles table (to order, ordered, delivered, used) and the
snapshot of them each revision keeps for its PDF (revisions.articles).

Revision ID: 0013_articles
Revises: 0012_order_lifecycle
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


def ExactDecimal(precision: int, scale: int) -> sa.types.TypeEngine:  # noqa: N802
    return sa.String(40).with_variant(sa.Numeric(precision, scale, asdecimal=True), "postgresql")


revision: str = "0013_articles"
down_revision: str | None = "0012_order_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("quantity", ExactDecimal(18, 3), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("catalog_item_id", sa.Integer(), sa.ForeignKey("catalog_items.id"), nullable=True),
        sa.Column("unit_price", ExactDecimal(18, 2), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=False),
    )
    op.create_index("ix_articles_order_id", "articles", ["order_id"])
    op.add_column("revisions", sa.Column("articles", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("revisions", "articles")
    op.drop_index("ix_articles_order_id", table_name="articles")
    op.drop_table("articles")
