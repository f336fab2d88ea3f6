"""Photos on the PDF: the photos table (an order's photos, fetched once from Slack and kept as a
reduced JPEG and a thumbnail, or unavailable and why) and the ids each revision prints
(revisions.photos).

Revision ID: 0017_photos
Revises: 0015_signatures
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


revision: str = "0017_photos"
down_revision: str | None = "0015_signatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("file_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("shared_by", sa.String(32), nullable=False),
        sa.Column("shared_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("thumb", sa.LargeBinary(), nullable=True),
        sa.Column("fetched_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("order_id", "file_id"),
    )
    op.create_index("ix_photos_order_id", "photos", ["order_id"])
    op.add_column("revisions", sa.Column("photos", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("revisions") as t:
        t.drop_column("photos")
    op.drop_index("ix_photos_order_id", table_name="photos")
    op.drop_table("photos")
