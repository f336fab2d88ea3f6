"""The customer in the loop: the order's contact gets an email address (orders.contact_email), where
the order confirmation and the final order are emailed.

Revision ID: 0014_contact_email
Revises: 0013_articles
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_contact_email"
down_revision: str | None = "0013_articles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("contact_email", sa.String(254), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("orders") as t:
        t.drop_column("contact_email")
