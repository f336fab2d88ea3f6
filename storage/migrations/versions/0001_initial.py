"""The schema as it was before migrations existed.

Revision ID: 0001_initial
Revises:
Create Date: 2025-06-01

Written by hand to match storage/models.py at that time. The models' custom types are spelled
here by what they are on each backend, so this file does not change when the models do:
UTCDateTime is a timezone-aware DateTime; ExactDecimal is NUMERIC on PostgreSQL and the
number's exact text, VARCHAR(40), elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _decimal(precision: int, scale: int) -> sa.types.TypeEngine:
    return sa.String(40).with_variant(sa.Numeric(precision, scale, asdecimal=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("granted_by", sa.String(32), nullable=False),
        sa.Column("granted_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "role"),
    )
    op.create_index("ix_role_grants_user_id", "role_grants", ["user_id"])

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("site", sa.String(500), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("description", sa.String(3000), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("requester_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("channel_name", sa.String(80), nullable=False),
        sa.Column("card_ts", sa.String(32), nullable=True),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", _ts(), nullable=True),
        sa.Column("reject_reason", sa.String(3000), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("outcome_reason", sa.String(3000), nullable=False),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("closed_at", _ts(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_requester_id", "orders", ["requester_id"])
    op.create_index("ix_orders_channel_id", "orders", ["channel_id"])

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("note", sa.String(3000), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("field_workers", sa.JSON(), nullable=False),
        sa.Column("last_activity_id", sa.Integer(), nullable=False),
        sa.Column("total", _decimal(18, 2), nullable=False),
        sa.Column("pdf_file_id", sa.String(40), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.UniqueConstraint("order_id", "number"),
    )
    op.create_index("ix_revisions_order_id", "revisions", ["order_id"])

    op.create_table(
        "lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("quantity", _decimal(18, 3), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("unit_price", _decimal(18, 2), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"]),
    )
    op.create_index("ix_lines_revision_id", "lines", ["revision_id"])

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("added_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.UniqueConstraint("order_id", "user_id", "role"),
    )
    op.create_index("ix_members_order_id", "members", ["order_id"])

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
    )
    op.create_index("ix_activities_order_id", "activities", ["order_id"])

    op.create_table(
        "effects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("not_before", _ts(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("done_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_effects_order_id", "effects", ["order_id"])
    op.create_index("ix_effects_status", "effects", ["status"])

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("received_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )


def downgrade() -> None:
    for table in ("processed_events", "effects", "activities", "members", "lines", "revisions"):
        op.drop_table(table)
    op.drop_table("orders")
    op.drop_table("role_grants")
    op.drop_table("counters")
