"""Self-checks and the technician attestation: the checklists table (a copy of a company-file
template attached to an order at approval, and its answers), orders.attested_by / attested_at (the
close form's "I confirm the work was carried out as recorded"), and revisions.self_checks (what a
revision's PDF prints of them).

Revision ID: 0018_checklists
Revises: 0017_photos
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


revision: str = "0018_checklists"
down_revision: str | None = "0017_photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checklists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=False),
    )
    op.create_index("ix_checklists_order_id", "checklists", ["order_id"])
    op.add_column("orders", sa.Column("attested_by", sa.String(32), nullable=True))
    op.add_column("orders", sa.Column("attested_at", UTCDateTime(), nullable=True))
    op.add_column("revisions", sa.Column("self_checks", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("revisions") as t:
        t.drop_column("self_checks")
    with op.batch_alter_table("orders") as t:
        t.drop_column("attested_at")
        t.drop_column("attested_by")
    op.drop_index("ix_checklists_order_id", table_name="checklists")
    op.drop_table("checklists")
