"""Read models: plain, immutable views of an order that the bot renders (cards, PDFs, texts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from workflow.money import LineChange
from workflow.rules import ENDED, Action, Status, card_actions, status_text


@dataclass(frozen=True)
class LineView:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    total: Decimal
    code: str = ""  # the catalog item's code, when the line was picked from the catalog
    catalog_item_id: int | None = None
    # The VAT rate in percent the line was priced with (None: stored before rates were kept — the
    # company's rate applies) and, at 0 %, why it is exempt
    vat_rate: Decimal | None = None
    vat_exemption: str = ""


@dataclass(frozen=True)
class NoteView:
    id: int
    at: datetime
    author_id: str
    text: str
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PhotoView:
    """A photo of the order's work (workflow.photos): who shared it when, whether it was kept."""

    id: int
    file_id: str
    name: str
    shared_by: str
    shared_at: datetime
    source: str  # channel | confirmation | self_check
    status: str  # pending | stored | unavailable
    reason: str = ""  # why it is unavailable
    width: int = 0
    height: int = 0
    thumb: bytes | None = field(default=None, repr=False)  # the JPEG the PDF prints (when read)


@dataclass(frozen=True)
class TimeView:
    """An order's recorded time: who is timing now (and since when), minutes recorded, and minutes
    not yet in its lines (negative after a correction down)."""

    timers: tuple[tuple[str, datetime], ...] = ()
    minutes: int = 0
    unbilled: int = 0


ARTICLE_STATUS_TEXT = {
    "to_order": "to order",
    "ordered": "ordered",
    "delivered": "delivered",
    "used": "in the lines",
}


@dataclass(frozen=True)
class ArticleView:
    """An article to be ordered (workflow.articles), as people read it."""

    id: int
    description: str
    quantity: Decimal
    unit: str
    status: str  # to_order | ordered | delivered | used
    code: str = ""
    catalog_item_id: int | None = None
    unit_price: Decimal = Decimal(0)  # kept from the catalog: the line's price once used

    @property
    def status_text(self) -> str:
        return ARTICLE_STATUS_TEXT.get(self.status, self.status)


@dataclass(frozen=True)
class SignatureView:
    """The customer's sign-off (workflow.signoff): valid until the lines change after it."""

    name: str
    signed_at: datetime
    revision: int  # the revision the customer was shown
    signed_revision: int  # the revision made for it
    pdf_sha256: str
    invalid_from: int | None = None  # the first revision whose lines differ (None: valid)
    invalid_reason: str = ""
    image: bytes = field(default=b"", repr=False)  # the PNG drawn (read for a revision's PDF only)

    @property
    def valid(self) -> bool:
        return self.invalid_from is None

    def valid_at(self, revision: int) -> bool:
        """Whether the signature still holds for what revision shows."""
        return self.invalid_from is None or revision < self.invalid_from


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    status: Status
    version: int
    client: str
    site: str
    contact: str
    title: str
    description: str
    planned_date: date | None
    priority: str
    requester_id: str
    channel_id: str | None
    channel_name: str
    card_ts: str | None
    current_revision: int
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str
    outcome: str
    outcome_reason: str
    closed_by: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: list[LineView]
    total: Decimal
    supervisors: list[str]
    field_workers: list[str]
    has_confirmation: bool
    client_id: int | None = None
    site_id: int | None = None
    contact_id: int | None = None
    contact_email: str = ""  # where the customer's emails go ("": none)
    # The company's own fields of the new-order and close forms, as stored (see forms.types.FieldValue)
    custom_fields: list[dict] = field(default_factory=list)
    # The office's half: ready for invoicing (by, at, the invoice revision), then invoiced
    ready_by: str | None = None
    ready_at: datetime | None = None
    invoice_revision: int | None = None
    invoice_number: str = ""
    invoiced_by: str | None = None
    invoiced_at: datetime | None = None
    time: TimeView = field(default_factory=TimeView)
    # Articles to be ordered, in their order (used ones too: they are in the lines now)
    articles: tuple[ArticleView, ...] = ()
    # Self-checks attached on approval (workflow.checklists.ChecklistView), and who attested the
    # work on closing, and when
    checklists: tuple[Any, ...] = ()
    attested_by: str | None = None
    attested_at: datetime | None = None
    signature: SignatureView | None = None  # the customer's latest sign-off, valid or not

    @property
    def open_articles(self) -> tuple[ArticleView, ...]:
        """The articles not in the lines yet: to order, ordered, delivered."""
        return tuple(a for a in self.articles if a.status != "used")

    @property
    def status_text(self) -> str:
        return status_text(self.status, self.outcome)

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def actions(self) -> tuple[Action, ...]:
        """What can be done now: the card's buttons."""
        return card_actions(self.status, self.outcome)


@dataclass(frozen=True)
class RevisionView:
    order: OrderView
    number: int
    kind: str
    author_id: str
    note: str
    final: bool
    status: Status
    outcome: str
    field_workers: list[str]
    total: Decimal
    created_at: datetime
    lines: list[LineView]
    previous_number: int | None
    previous_total: Decimal | None
    changes: list[LineChange]
    notes: list[NoteView]
    pdf_file_id: str | None
    custom_fields: list[dict] = field(default_factory=list)  # the confirmation form's own fields
    earlier_notes: int = 0  # notes of the thread before the newest ones in notes (not read)
    # the articles to be ordered (not used yet) when the revision was made: (description, quantity,
    # unit, status) as its PDF prints them
    articles: list[dict] = field(default_factory=list)
    # the self-checks and the attestation when the revision was made (workflow.checklists.snapshot)
    self_checks: dict = field(default_factory=dict)
    # the customer's latest sign-off up to this revision (with its drawing), to print on its PDF
    signature: SignatureView | None = None
    photos: list[PhotoView] = field(default_factory=list)  # recorded when it was made, oldest first


@dataclass(frozen=True)
class EffectView:
    id: int
    key: str
    order_id: int | None
    kind: str
    payload: dict
    attempts: int
    status: str = "pending"
    last_error: str = ""


@dataclass(frozen=True)
class CommandView:
    """A person's request waiting in the inbox (see Workflow.enqueue)."""

    key: str
    kind: str
    user_id: str
    payload: dict
    reply: dict
    created_at: datetime
