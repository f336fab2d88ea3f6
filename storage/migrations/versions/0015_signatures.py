"""The customer's sign-off on the order page: one row per signature (name, time, IP address, user
agent, the SHA-256 of the PDF signed, the drawing), kept when a later change invalidates it.

Revision ID: 0015_signatures
Revises: 0014_contact_email
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_signatures"
down_revision: str | None = "0014_contact_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("signed_revision", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(400), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("invalid_from", sa.Integer(), nullable=True),
        sa.Column("invalidated_at", UTCDateTime(), nullable=True),
        sa.Column("invalid_reason", sa.String(300), nullable=False),
    )
    op.create_index("ix_signatures_order_id", "signatures", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_signatures_order_id", table_name="signatures")
    op.drop_table("signatures")
