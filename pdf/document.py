"""The plain document the PDF renderer takes: no Slack, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class DocLine:
    kind: str  # service | material | labour | other
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    total: Decimal  # quantity * unit_price, already rounded to 2 places
    code: str = ""  # the catalog item's code, when the line was picked from the catalog


@dataclass(frozen=True)
class DocChange:
    """One line of 'changes since the previous revision'."""

    change: str  # "added" | "removed" | "changed"
    description: str
    before: str = ""  # e.g. "1 pcs × 45.00 = 45.00" (empty for added)
    after: str = ""  # empty for removed


@dataclass(frozen=True)
class DocField:
    """One of the company's own fields, as the order keeps it (label and text are copies)."""

    label: str
    text: str  # as filled in and shown, e.g. "Repair", "Yes"
    colour: str = ""  # "#rrggbb": a select option's colour, drawn as a small badge
    # A number or date field's value, written in the document's locale instead of text
    value: Decimal | date | None = None


@dataclass(frozen=True)
class DocVat:
    """One VAT rate's row under the lines: 'VAT 21 %' and its tax, or 0 % with why it is exempt."""

    rate: Decimal
    taxable: Decimal
    tax: Decimal
    exemption: str = ""


@dataclass(frozen=True)
class DocNote:
    author: str
    at: datetime
    text: str
    files: list[str] = field(default_factory=list)  # file names of photos/files shared


@dataclass(frozen=True)
class DocPhoto:
    """A photo of the work: printed as a thumbnail with who and when under it, or, without image
    bytes it can draw (not fetched, no PNG or JPEG), listed by name with why in note."""

    name: str  # the file's name
    author: str  # who shared it
    at: datetime
    image: bytes | None = field(default=None, repr=False)  # PNG or JPEG, about 800 px (pdf.photos)
    note: str = ""  # why there is no image, e.g. "Slack would not give it (HTTP 404)"


@dataclass(frozen=True)
class DocArticle:
    """An article to be ordered: apart from the lines, without a price (it is not invoiced)."""

    description: str
    quantity: Decimal
    unit: str
    status: str  # human text, e.g. "to order", "delivered"


@dataclass(frozen=True)
class DocCheckItem:
    """One item of a self-check as answered: its answer in words ("" not answered), who and when."""

    label: str
    kind: str  # checkbox | text | number | photo
    answer: str
    by: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class DocChecklist:
    name: str
    required: bool
    items: list[DocCheckItem] = field(default_factory=list)


@dataclass(frozen=True)
class DocAttestation:
    """The technician attestation of the close form: who ticked it, and when."""

    by: str
    at: datetime
    text: str = "I confirm the work was carried out as recorded"


@dataclass(frozen=True)
class DocSignature:
    """The customer's sign-off as the revision shows it: the drawing, the name and the time while
    valid; once the lines changed after it, only that it was signed and why it no longer holds."""

    name: str
    at: datetime  # in the document's zone
    revision: int  # the revision the customer signed
    pdf_sha256: str
    image: bytes = field(default=b"", repr=False)  # PNG; printed only while valid
    no_longer_valid: str = ""  # why not, e.g. "the lines changed in revision 6" ("": valid)


@dataclass(frozen=True)
class OrderDocument:
    company: str
    currency: str  # e.g. "EUR"
    number: str  # "SO-0042"
    revision: int
    status: str  # human text, e.g. "In progress"
    title: str
    client: str
    site: str
    contact: str
    description: str
    priority: str
    requester: str
    created_at: datetime
    planned_date: date | None
    generated_at: datetime  # pinned as the PDF creation date: same order, same bytes
    lines: list[DocLine]
    total: Decimal
    approved_by: str | None = None
    approved_at: datetime | None = None
    field_workers: list[str] = field(default_factory=list)
    revision_note: str = ""  # the confirmation's note, if any
    revision_author: str = ""
    previous_total: Decimal | None = None  # total of the previous revision, when there is one
    changes: list[DocChange] = field(default_factory=list)
    notes: list[DocNote] = field(default_factory=list)  # the newest notes of the thread
    earlier_notes: int = 0  # how many notes came before those (counted on the PDF, not printed)
    outcome: str = ""  # human text when closed, e.g. "Completed with adjustments"
    timezone: str = "UTC"  # the company's zone name, printed beside times
    company_address: str = ""  # may span lines; printed under the company's name
    footer: str = ""  # the company's text at the foot of every page
    logo: bytes | None = field(default=None, repr=False)  # PNG or JPEG, drawn left in the header
    # How numbers and dates are written (a Babel locale name, e.g. "de_DE": 1.234,56 and 14.01.2025);
    # "" writes ISO 8601 dates and 1,234.56
    locale: str = ""
    customer_copy: bool = False  # for the client: no unit prices, line totals or totals
    custom_fields: list[DocField] = field(default_factory=list)
    # VAT per rate under the lines, and the gross total (total is then the net); empty: no VAT rows
    vat: list[DocVat] = field(default_factory=list)
    gross: Decimal | None = None
    articles: list[DocArticle] = field(default_factory=list)  # to be ordered; not in the customer copy
    self_checks: list[DocChecklist] = field(default_factory=list)  # printed by pdf.checks
    attestation: DocAttestation | None = None
    signature: DocSignature | None = None  # the customer's sign-off (in the customer copy too)
    photos: list[DocPhoto] = field(default_factory=list)  # of the work, oldest first; customer copy too
    show_images: bool = True  # False (the company's print settings): photos listed by name only
