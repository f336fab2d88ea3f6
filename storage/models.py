"""The tables. Money and quantities are Decimal; timestamps are timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    LargeBinary,
    Numeric,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ExactDecimal(TypeDecorator):
    """NUMERIC on PostgreSQL; on SQLite (which has no decimal type) the exact text of the number."""

    impl = String(40)
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 3) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return value if dialect.name == "postgresql" else format(value, "f")

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, **kw))


def _ts_opt() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Counter(SQLModel, table=True):
    """Gap-free sequences: the row is incremented inside the transaction that uses the number."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32, index=True)
    role: str = Field(max_length=20)
    granted_by: str = Field(default="", max_length=32)
    granted_at: datetime = _ts()
    # manual: granted by a person (kept by group syncs); group: through the role's Slack user group,
    # added and removed by the sync as the group's membership changes
    source: str = Field(default="manual", max_length=10, sa_column_kwargs={"server_default": "manual"})


class RoleChange(SQLModel, table=True):
    """Every grant and revoke: who changed whose role, when, and how (slack, cli, group sync)."""

    __tablename__ = "role_changes"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts()
    actor_id: str = Field(max_length=32)  # a Slack user id, "SO_ADMINS", "cli" or "group-sync"
    user_id: str = Field(max_length=32, index=True)
    role: str = Field(max_length=20)
    change: str = Field(max_length=10)  # granted | revoked
    source: str = Field(default="manual", max_length=10)  # manual | group
    note: str = Field(default="", max_length=200)  # e.g. the user group's handle


class RoleGroup(SQLModel, table=True):
    """A role tied to a Slack user group (e.g. supervisor ← @supervisors): its members hold the role."""

    __tablename__ = "role_groups"
    role: str = Field(primary_key=True, max_length=20)
    usergroup_id: str = Field(max_length=32)
    handle: str = Field(default="", max_length=100)
    set_by: str = Field(max_length=32)
    set_at: datetime = _ts()
    synced_at: datetime | None = _ts_opt()


class HomeViewer(SQLModel, table=True):
    """People who have opened the App Home tab: order changes refresh it for them."""

    __tablename__ = "home_viewers"
    user_id: str = Field(primary_key=True, max_length=32)
    first_opened_at: datetime = _ts()


# --------------------------------------------------------------------------- master data
# Each record has a `search_key`: its name (and code or number) folded to lower case without
# accents (workflow.text_keys.fold), so typeahead matches "Müller" when someone types "mull".


class Client(SQLModel, table=True):
    __tablename__ = "clients"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)  # fold(name): the natural key without a number
    number: str | None = Field(default=None, max_length=40, unique=True)  # organisation number
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)
    billing_address: str = Field(default="", max_length=500)
    # The buyer on an invoice (EN 16931 BT-48, BT-55): its VAT number and the billing country
    vat_id: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    country: str = Field(default="", max_length=2, sa_column_kwargs={"server_default": ""})
    active: bool = True
    search_key: str = Field(max_length=300)
    updated_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Site(SQLModel, table=True):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("client_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    address: str = Field(default="", max_length=500)
    access_notes: str = Field(default="", max_length=1000)
    active: bool = True
    search_key: str = Field(max_length=300)
    updated_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Contact(SQLModel, table=True):
    """A person to call at a client, or at one of its sites (site_id set)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("client_id", "site_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="clients.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="sites.id")
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=200)
    active: bool = True
    updated_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class CatalogItem(SQLModel, table=True):
    __tablename__ = "catalog_items"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)  # the natural key, as typed (compared exactly)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # service | material | labour
    unit: str = Field(max_length=20)
    unit_price: Decimal = Field(sa_column=Column(ExactDecimal(18, 2), nullable=False))
    # Its own VAT rate in percent (None: the company's rate) and, for 0 %, why it is exempt
    vat_rate: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(5, 2), nullable=True))
    vat_exemption: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    active: bool = True
    search_key: str = Field(max_length=300)
    updated_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    # /so list pages newest first (by seq): each common filter has an index that ends in seq, so a
    # page is read in index order and stops after one page, however many orders there are.
    __table_args__ = (
        Index("ix_orders_status_seq", "status", "seq"),
        Index("ix_orders_requester_id_seq", "requester_id", "seq"),
        Index("ix_orders_planned_date", "planned_date"),
        Index("ix_orders_status_updated_at", "status", "updated_at"),  # Home: recently ended
    )
    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    number: str = Field(max_length=20, unique=True)
    status: str = Field(max_length=20, index=True)
    version: int = 1  # bumped at every change: the card and optimistic checks follow it
    client: str = Field(max_length=200)
    site: str = Field(max_length=500)
    contact: str = Field(default="", max_length=200)
    # where the customer's emails go (the order confirmation, the final order); "" when none
    contact_email: str = Field(default="", max_length=254, sa_column_kwargs={"server_default": ""})
    title: str = Field(max_length=150)
    description: str = Field(default="", max_length=3000)
    planned_date: date | None = None
    priority: str = Field(default="normal", max_length=10)
    requester_id: str = Field(max_length=32, index=True)
    channel_id: str | None = Field(default=None, max_length=32, index=True)
    channel_name: str = Field(default="", max_length=80)
    card_ts: str | None = Field(default=None, max_length=32)
    current_revision: int = 0
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = _ts_opt()
    reject_reason: str = Field(default="", max_length=3000)
    outcome: str = Field(default="", max_length=30)
    outcome_reason: str = Field(default="", max_length=3000)
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = _ts_opt()
    # The second half: marked ready for invoicing (the invoice revision), then invoiced
    ready_by: str | None = Field(default=None, max_length=32)
    ready_at: datetime | None = _ts_opt()
    invoice_revision: int | None = None  # the revision whose invoice data went out last
    invoice_number: str = Field(default="", max_length=60, sa_column_kwargs={"server_default": ""})
    invoiced_by: str | None = Field(default=None, max_length=32)  # a Slack user id, or "erp"
    invoiced_at: datetime | None = _ts_opt()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # Master data the order was made from (None: typed, not picked). The text fields above are
    # the order's own copies: later edits to the client or site never rewrite the order.
    client_id: int | None = Field(default=None, foreign_key="clients.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="sites.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    # The company's own fields (forms.custom) as filled in: [{"form", "key", "label", "type",
    # "value", "text", "pdf"}]; label and text are copies, so a later change to the file keeps them
    custom_fields: list[dict] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # A backorder (SO-0042-1) names the order it continues (always the first of the family);
    # backorder_count numbers the family's backorders (taken under the parent's row lock)
    parent_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    backorder_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The close form's technician attestation ("I confirm the work was carried out as recorded"):
    # who ticked it and when (workflow.checklists)
    attested_by: str | None = Field(default=None, max_length=32)
    attested_at: datetime | None = _ts_opt()


class DeletedOrder(SQLModel, table=True):
    """What is left of a deleted order (never approved, deleted by an admin): its number, never
    used again, who deleted it and when. Nothing of the client's data."""

    __tablename__ = "deleted_orders"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    status: str = Field(max_length=20)  # what it was when deleted
    deleted_by: str = Field(max_length=32)
    deleted_at: datetime = _ts()


class Revision(SQLModel, table=True):
    """An immutable snapshot of the order's lines, and of what its PDF must show."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("order_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    number: int
    kind: str = Field(max_length=20)  # submitted | approved | confirmation
    author_id: str = Field(max_length=32)
    note: str = Field(default="", max_length=3000)
    final: bool = False
    status: str = Field(max_length=20)  # the order's status once this revision was made
    outcome: str = Field(default="", max_length=30)
    field_workers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    last_activity_id: int = 0  # notes up to this activity are listed in the revision's PDF
    total: Decimal = Field(sa_column=Column(ExactDecimal(18, 2), nullable=False))
    pdf_file_id: str | None = Field(default=None, max_length=40)
    pdf_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()
    custom_fields: list[dict] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # The order's articles to be ordered (not yet used) when this revision was made, as its PDF
    # prints them: [{"description", "quantity", "unit", "status"}] (workflow.articles)
    articles: list[dict] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # What its PDF prints of the self-checks and the technician attestation when it was made:
    # {"checklists": [snapshot with answers], "attestation": {"by", "at"} | absent} (workflow.checklists)
    self_checks: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # The ids of the order's photos recorded when this revision was made: what its PDF prints
    # (workflow.photos), however many are added later
    photos: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class Line(SQLModel, table=True):
    __tablename__ = "lines"
    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revisions.id", index=True)
    position: int
    kind: str = Field(max_length=20)
    description: str = Field(max_length=500)
    quantity: Decimal = Field(sa_column=Column(ExactDecimal(18, 3), nullable=False))
    unit: str = Field(max_length=20)
    unit_price: Decimal = Field(sa_column=Column(ExactDecimal(18, 2), nullable=False))
    # The catalog item the line was picked from (None: typed); code is the order's copy of its code
    catalog_item_id: int | None = Field(default=None, foreign_key="catalog_items.id")
    code: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    # The VAT rate (percent) the line was priced with, kept like its price; None on lines stored
    # before rates were kept: they take the company's rate when read. For 0 %: why it is exempt.
    vat_rate: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(5, 2), nullable=True))
    vat_exemption: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})


class TimeEntry(SQLModel, table=True):
    """Time a person worked on an order: a running timer (running, started_at, no minutes yet), or
    minutes recorded (a stopped timer, a Log time form, /so time). billed_minutes is what already
    went into the order's lines (a confirmation, or the invoice revision): minutes - billed_minutes
    is what the next one adds (or takes off, after a correction). A removed entry counts 0 minutes."""

    __tablename__ = "time_entries"
    __table_args__ = (
        # one running timer per person, whatever the order (the database keeps it so under a race)
        Index(
            "ux_time_entries_running",
            "user_id",
            unique=True,
            sqlite_where=text("running"),
            postgresql_where=text("running"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    user_id: str = Field(max_length=32)
    user_name: str = Field(default="", max_length=100)  # as Slack gave it when recorded: the line's
    work_date: date
    minutes: int = 0
    running: bool = False
    started_at: datetime | None = _ts_opt()
    note: str = Field(default="", max_length=500)
    source: str = Field(default="log", max_length=10)  # timer | log | command
    removed: bool = False
    billed_minutes: int = 0
    billed_revision: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    updated_by: str = Field(default="", max_length=32)


class Article(SQLModel, table=True):
    """An article to be ordered for an order (workflow.articles): to_order → ordered → delivered,
    then used (moved into the lines by a confirmation at the price kept from the catalog). Not in
    any revision's lines, so never invoiced, until used."""

    __tablename__ = "articles"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    position: int
    description: str = Field(max_length=500)
    quantity: Decimal = Field(sa_column=Column(ExactDecimal(18, 3), nullable=False))
    unit: str = Field(max_length=20)
    code: str = Field(default="", max_length=40)
    catalog_item_id: int | None = Field(default=None, foreign_key="catalog_items.id")
    unit_price: Decimal = Field(sa_column=Column(ExactDecimal(18, 2), nullable=False))
    status: str = Field(default="to_order", max_length=20)  # to_order | ordered | delivered | used
    added_by: str = Field(max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    updated_by: str = Field(default="", max_length=32)


class Checklist(SQLModel, table=True):
    """A self-check attached to an order when it was approved (workflow.checklists): a copy of the
    company file's template (items), so a later edit of the file never changes it, and the answers
    given so far: {item key: {"value", "by", "at"}} (a photo's value: [{"id", "name"}])."""

    __tablename__ = "checklists"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    position: int
    name: str = Field(max_length=100)
    required: bool = False
    items: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answers: dict = _json()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    updated_by: str = Field(default="", max_length=32)


class Signature(SQLModel, table=True):
    """The customer's sign-off on the order page (workflow.signoff): who typed their name, when,
    from where, over which PDF; the drawing as a PNG. Never deleted: a later change to the lines
    marks it no longer valid from that revision on (invalid_from), and the page asks again."""

    __tablename__ = "signatures"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    revision: int  # the revision the customer was shown (the PDF whose SHA-256 is pdf_sha256)
    signed_revision: int  # the revision made for the signature: its PDF shows it
    name: str = Field(max_length=100)
    signed_at: datetime = _ts()
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=400)
    pdf_sha256: str = Field(max_length=64)
    image: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # a PNG, re-encoded on receipt
    invalid_from: int | None = None  # the first revision whose lines differ from the signed ones
    invalidated_at: datetime | None = _ts_opt()
    invalid_reason: str = Field(default="", max_length=300)


class Photo(SQLModel, table=True):
    """A photo of an order's work (workflow.photos): a file shared in its channel or added in a
    form, fetched once from Slack and kept as a reduced JPEG with a thumbnail for the PDF; or,
    when Slack would not give it or it is no image, unavailable (why in reason)."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("order_id", "file_id"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    file_id: str = Field(max_length=40)  # Slack's file id
    name: str = Field(max_length=255)
    shared_by: str = Field(max_length=32)
    shared_at: datetime = _ts()
    source: str = Field(default="channel", max_length=20)  # channel | confirmation | self_check
    status: str = Field(default="pending", max_length=20)  # pending | stored | unavailable
    reason: str = Field(default="", max_length=300)  # why it is unavailable
    width: int = 0  # of the stored copy, in pixels
    height: int = 0
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # JPEG
    thumb: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # JPEG
    fetched_at: datetime | None = _ts_opt()


class Member(SQLModel, table=True):
    """Who takes part in an order and as what: requester, supervisor, field_worker."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("order_id", "user_id", "role"),
        Index("ix_members_user_id_order_id", "user_id", "order_id"),  # whose orders: mine, visibility
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    user_id: str = Field(max_length=32)
    role: str = Field(max_length=20)
    added_by: str = Field(default="", max_length=32)
    added_at: datetime = _ts()


class Activity(SQLModel, table=True):
    """The order's log: every transition, note, photo and PDF."""

    __tablename__ = "activities"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    at: datetime = _ts()
    actor_id: str = Field(max_length=32)
    kind: str = Field(max_length=30)
    text: str = Field(default="", max_length=4000)
    data: dict = _json()


class Effect(SQLModel, table=True):
    """Outbox: a Slack side effect, written in the transaction of the change that causes it."""

    __tablename__ = "effects"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # idempotency key, e.g. pdf:SO-0042:r3
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    kind: str = Field(max_length=30)
    payload: dict = _json()
    status: str = Field(default="pending", max_length=10, index=True)  # pending | done | failed
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    not_before: datetime | None = _ts_opt()
    claimed_by: str | None = Field(default=None, max_length=64)  # the process performing it now
    lease_until: datetime | None = _ts_opt()  # ... until then; afterwards another process may
    created_at: datetime = _ts()
    done_at: datetime | None = _ts_opt()


class ProcessedEvent(SQLModel, table=True):
    """Events API deliveries already handled (Slack retries them with the same event_id)."""

    __tablename__ = "processed_events"
    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = _ts()


class Command(SQLModel, table=True):
    """Inbox: what a person asked for, stored before the ack and carried out by a worker after it.

    On SQLite the inbox is a file of its own (see storage.db.inbox_engine), so storing a command
    never waits for the main database's write lock; on PostgreSQL it is this table."""

    __tablename__ = "commands"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # processed_commands remembers it once carried out
    kind: str = Field(max_length=30)
    user_id: str = Field(max_length=32)
    payload: dict = _json()
    reply: dict = _json()  # where the answer goes: a view's external id, or a response_url
    created_at: datetime = _ts()


class ProcessedCommand(SQLModel, table=True):
    """Commands carried out: written in the transaction of the change (or of the refusal) it made,
    so a command is carried out once even if the worker dies before it forgets it."""

    __tablename__ = "processed_commands"
    key: str = Field(primary_key=True, max_length=64)
    order_id: int | None = Field(default=None)
    outcome: str = Field(default="done", max_length=10)  # done | refused
    processed_at: datetime = _ts()


class RateLimit(SQLModel, table=True):
    """A Slack method's Retry-After window, seen by every process that calls Slack: after a 429
    no process calls that method until the window has passed."""

    __tablename__ = "rate_limits"
    method: str = Field(primary_key=True, max_length=60)
    until: datetime = _ts()


class SavedFilter(SQLModel, table=True):
    """A person's named `/so list` filters (`/so list save NAME …`), offered on their Home tab."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=30)
    text: str = Field(max_length=500)  # forms.filters.MAX_TEXT
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
