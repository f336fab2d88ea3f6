"""Master data (clients, sites, contacts, catalog), roles tied to Slack user groups and their
history, the company's own form fields on orders and revisions, and the Home tab's viewers.

Revision ID: 0008_master_data
Revises: 0007_saved_filters
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - named like the model's type it spells (see 0001)
    return sa.DateTime(timezone=True)


def ExactDecimal(precision: int, scale: int) -> sa.types.TypeEngine:  # noqa: N802
    return sa.String(40).with_variant(sa.Numeric(precision, scale, asdecimal=True), "postgresql")


revision: str = "0008_master_data"
down_revision: str | None = "0007_saved_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("updated_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable integer column referring to target.id. SQLite adds the reference with the column
    (ALTER TABLE … ADD COLUMN … REFERENCES); a batch rebuild would drop the table, which other
    tables refer to."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)")
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(f"fk_{table}_{column}_{target}", table, target, [column], ["id"])


def upgrade() -> None:
    with op.batch_alter_table("role_grants") as t:
        t.add_column(sa.Column("source", sa.String(10), nullable=False, server_default="manual"))
    op.create_table(
        "role_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_role_changes_user_id", "role_changes", ["user_id"])
    op.create_table(
        "role_groups",
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("usergroup_id", sa.String(32), nullable=False),
        sa.Column("handle", sa.String(100), nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("role"),
    )
    op.create_table(
        "home_viewers",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("first_opened_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("number", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("billing_address", sa.String(500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_key", sa.String(300), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_key"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("access_notes", sa.String(1000), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_key", sa.String(300), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "name_key"),
    )
    op.create_index("ix_sites_client_id", "sites", ["client_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "site_id", "name_key"),
    )
    op.create_index("ix_contacts_client_id", "contacts", ["client_id"])
    op.create_table(
        "catalog_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("unit_price", ExactDecimal(18, 2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_key", sa.String(300), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    _add_reference("orders", "client_id", "clients")
    _add_reference("orders", "site_id", "sites")
    _add_reference("orders", "contact_id", "contacts")
    op.add_column("orders", sa.Column("custom_fields", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_orders_client_id", "orders", ["client_id"])
    op.add_column("revisions", sa.Column("custom_fields", sa.JSON(), nullable=False, server_default="[]"))
    _add_reference("lines", "catalog_item_id", "catalog_items")
    op.add_column("lines", sa.Column("code", sa.String(40), nullable=False, server_default=""))
    # Who has opened the Home tab was remembered as effects rows born done (kind home_seen)
    op.execute(
        "INSERT INTO home_viewers (user_id, first_opened_at) "
        "SELECT substr(key, 11), min(created_at) FROM effects WHERE kind = 'home_seen' GROUP BY key"
    )
    op.execute("DELETE FROM effects WHERE kind = 'home_seen'")


def downgrade() -> None:
    # drop_column of a column with a foreign key: batch mode rebuilds these tables on SQLite
    with op.batch_alter_table("lines") as t:
        t.drop_column("code")
        t.drop_column("catalog_item_id")
    op.drop_column("revisions", "custom_fields")
    op.drop_index("ix_orders_client_id", table_name="orders")
    with op.batch_alter_table("orders") as t:
        t.drop_column("custom_fields")
        t.drop_column("contact_id")
        t.drop_column("site_id")
        t.drop_column("client_id")
    op.drop_table("catalog_items")
    op.drop_index("ix_contacts_client_id", table_name="contacts")
    op.drop_table("contacts")
    op.drop_index("ix_sites_client_id", table_name="sites")
    op.drop_table("sites")
    op.drop_table("clients")
    op.drop_table("home_viewers")
    op.drop_table("role_groups")
    op.drop_index("ix_role_changes_user_id", table_name="role_changes")
    op.drop_table("role_changes")
    with op.batch_alter_table("role_grants") as t:
        t.drop_column("source")
