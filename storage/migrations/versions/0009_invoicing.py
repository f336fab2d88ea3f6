"""Invoicing: VAT rates on catalog items and order lines (a line keeps the rate it was priced with),
the buyer's VAT number and country on clients, and the order's second half (ready for invoicing,
the invoice revision, invoiced with a number).

Revision ID: 0009_invoicing
Revises: 0008_master_data
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


def ExactDecimal(precision: int, scale: int) -> sa.types.TypeEngine:  # noqa: N802
    return sa.String(40).with_variant(sa.Numeric(precision, scale, asdecimal=True), "postgresql")


revision: str = "0009_invoicing"
down_revision: str | None = "0008_master_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = {"nullable": False, "server_default": ""}


def upgrade() -> None:
    op.add_column("clients", sa.Column("vat_id", sa.String(40), **TEXT))
    op.add_column("clients", sa.Column("country", sa.String(2), **TEXT))
    for table in ("catalog_items", "lines"):
        op.add_column(table, sa.Column("vat_rate", ExactDecimal(5, 2), nullable=True))
        op.add_column(table, sa.Column("vat_exemption", sa.String(200), **TEXT))
    op.add_column("orders", sa.Column("ready_by", sa.String(32), nullable=True))
    op.add_column("orders", sa.Column("ready_at", UTCDateTime(), nullable=True))
    op.add_column("orders", sa.Column("invoice_revision", sa.Integer(), nullable=True))
    op.add_column("orders", sa.Column("invoice_number", sa.String(60), **TEXT))
    op.add_column("orders", sa.Column("invoiced_by", sa.String(32), nullable=True))
    op.add_column("orders", sa.Column("invoiced_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for column in (
        "invoiced_at",
        "invoiced_by",
        "invoice_number",
        "invoice_revision",
        "ready_at",
        "ready_by",
    ):
        op.drop_column("orders", column)
    for table in ("lines", "catalog_items"):
        op.drop_column(table, "vat_exemption")
        op.drop_column(table, "vat_rate")
    op.drop_column("clients", "country")
    op.drop_column("clients", "vat_id")
