"""An invoice-ready order as plain values, and its arithmetic as EN 16931 wants it: each line net is
rounded half-up to cents first, then summed; VAT is computed once per (category, rate) on the sum of
its lines, not per line. Money is Decimal throughout; a float is refused rather than silently
rounded, since 0.1 + 0.2 is not 0.3 in binary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Address:
    street: str = ""  # may hold two lines separated by "\n" (street, additional street)
    city: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2; required for seller and buyer


@dataclass(frozen=True)
class Party:
    name: str  # BT-27 / BT-44 legal name
    address: Address
    vat_id: str = ""  # BT-31 / BT-48 with its country prefix, e.g. "ESB12345678"
    legal_id: str = ""  # BT-30 / BT-47 organisation number
    email: str = ""  # electronic address of last resort
    endpoint_scheme: str = ""  # Peppol EAS code; "" → derived from the VAT id (endpoint_of)
    endpoint_id: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    unit: str  # as people typed it; units.unit_code() maps it to BT-130
    unit_price: Decimal  # BT-146 net price
    vat_rate: Decimal  # percent
    exemption_reason: str = ""  # BT-120, required when vat_rate is 0
    code: str = ""  # BT-155 seller's item id
    kind: str = ""  # service | material | labour | "" (JSON and CSV only)


@dataclass(frozen=True)
class Invoice:
    number: str  # BT-1, e.g. "SO-0042-r3"; the ERP gives the real invoice number later
    order_number: str
    revision: int
    issue_date: date  # BT-2
    currency: str  # BT-5, ISO 4217
    seller: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    payment_terms_days: int = 30  # → BT-9 due date and BT-20 text
    buyer_reference: str = ""  # BT-10; "" → order_number, since R003 needs BT-10 or BT-13
    order_reference: str = ""  # BT-13
    period_start: date | None = None  # BG-14
    period_end: date | None = None
    iban: str = ""  # BT-84
    bic: str = ""  # BT-86
    note: str = ""  # BT-22, Peppol allows one
    correction_of: int | None = None  # the revision this one corrects (JSON only)


@dataclass(frozen=True)
class VatSubtotal:
    category: str  # "S" when rate > 0, "E" when rate == 0
    rate: Decimal
    taxable: Decimal  # BT-116
    tax: Decimal  # BT-117
    exemption_reason: str = ""  # BT-120, for E


@dataclass(frozen=True)
class Totals:
    net: Decimal  # BT-106 = BT-109 (no allowances or charges)
    vat: Decimal  # BT-110
    gross: Decimal  # BT-112 = BT-115 payable


class PricedLine(Protocol):
    """What the arithmetic needs of a line, so the bot's order lines qualify too."""

    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


def decimal(value: object) -> Decimal:
    """Gives value as a Decimal; a float is a bug upstream, so it raises instead of guessing."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"expected a Decimal, got {type(value).__name__} {value!r}")


def cents(amount: Decimal) -> Decimal:
    """Gives amount rounded half-up (away from zero at .5) to 2 decimals."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(line: PricedLine) -> Decimal:
    """Gives quantity × unit price rounded to cents (BT-131), the unit EN 16931 sums."""
    return cents(decimal(line.quantity) * decimal(line.unit_price))


def category_of(rate: Decimal) -> str:
    """Gives the VAT category code: standard above 0 %, exempt at 0 %."""
    return "S" if decimal(rate) > 0 else "E"


def vat_breakdown(lines: Iterable[PricedLine]) -> list[VatSubtotal]:
    """Gives one subtotal per (category, rate), highest rate first (BG-23).

    Exempt lines with different reasons share one subtotal, as EN 16931 has one per category and
    rate; their reasons are joined."""
    groups: dict[tuple[str, Decimal], tuple[Decimal, list[str]]] = {}
    for line in lines:
        rate = decimal(line.vat_rate)
        key = (category_of(rate), rate)
        taxable, reasons = groups.get(key, (Decimal("0.00"), []))
        reason = getattr(line, "exemption_reason", "").strip()
        if key[0] == "E" and reason and reason not in reasons:
            reasons.append(reason)
        groups[key] = (taxable + line_net(line), reasons)
    return [
        VatSubtotal(category, rate, cents(taxable), cents(taxable * rate / 100), "; ".join(reasons))
        for (category, rate), (taxable, reasons) in sorted(groups.items(), key=lambda g: -g[0][1])
    ]


def totals(lines: Iterable[PricedLine]) -> Totals:
    """Gives the document totals: the rounded line nets summed, plus the VAT of each subtotal."""
    lines = list(lines)
    net = cents(sum((line_net(line) for line in lines), Decimal("0.00")))
    vat = cents(sum((s.tax for s in vat_breakdown(lines)), Decimal("0.00")))
    return Totals(net=net, vat=vat, gross=net + vat)


def amount_text(amount: Decimal) -> str:
    """Gives an amount as it is written in every document: 2 decimals, never an exponent."""
    return f"{cents(decimal(amount)):f}"


def number_text(value: Decimal) -> str:
    """Gives a quantity or price as given ("1.5", "38.90"), never in exponent form ("1E+1")."""
    return f"{decimal(value):f}"


def rate_text(rate: Decimal) -> str:
    """Gives a VAT rate without trailing zeros: "21", "5.5", "0"."""
    text = f"{decimal(rate).normalize():f}"
    return "0" if text in ("-0", "0") else text


def due_date(invoice: Invoice) -> date:
    """Gives BT-9: the issue date plus the payment terms."""
    return invoice.issue_date + timedelta(days=invoice.payment_terms_days)


def terms_text(invoice: Invoice) -> str:
    """Gives BT-20, the payment terms in words."""
    return f"Net {invoice.payment_terms_days} days"


def buyer_reference(invoice: Invoice) -> str:
    """Gives BT-10, falling back to our order number so R003 (BT-10 or BT-13) always holds."""
    return invoice.buyer_reference.strip() or invoice.order_number


def compact(identifier: str) -> str:
    """Gives a VAT id or IBAN without spaces, upper-case, as registers and banks compare them."""
    return "".join(identifier.split()).upper()


# Peppol EAS codes (code list CL008) for VAT numbers, by the VAT id's prefix. Taken from OpenPEPPOL
# peppol-bis-invoice-3 structure/codelist/eas.xml as of BIS 3.0.19 (2025): Italy moved from 9906 to
# 0211 and Finland to 0213; Sweden (9955) and Denmark (9902) have no VAT scheme there any more.
EAS_BY_VAT_PREFIX = {
    "AD": "9922", "AL": "9923", "AT": "9914", "BA": "9924", "BE": "9925", "BG": "9926", "CH": "9927",
    "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931", "EL": "9933", "GR": "9933", "ES": "9920",
    "FI": "0213", "FR": "9957", "GB": "9932", "HR": "9934", "HU": "9910", "IE": "9935", "IT": "0211",
    "LI": "9936", "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941", "MK": "9942",
    "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948", "SI": "9949",
    "SK": "9950", "SM": "9951", "TR": "9952", "VA": "9953",
}  # fmt: skip

# "EM" (e-mail) is no longer in the EAS list of BIS 3.0.19 (PEPPOL-EN16931-CL008 is fatal), so a
# document addressed that way passes the XSD but not a Peppol access point; it is the last resort.
EMAIL_SCHEME = "EM"


def endpoint_of(party: Party) -> tuple[str, str] | None:
    """Gives the (EAS scheme, id) of BT-34/BT-49: as given, else from the VAT id, else the email."""
    if party.endpoint_scheme.strip() and party.endpoint_id.strip():
        return party.endpoint_scheme.strip(), party.endpoint_id.strip()
    vat_id = compact(party.vat_id)
    if vat_id[:2] in EAS_BY_VAT_PREFIX:
        return EAS_BY_VAT_PREFIX[vat_id[:2]], vat_id
    if party.email.strip():
        return EMAIL_SCHEME, party.email.strip()
    return None


def check(invoice: Invoice) -> list[str]:
    """Gives, in plain English, what would make the documents invalid; [] when there is nothing."""
    return [*_header_problems(invoice), *_party_problems(invoice), *_line_problems(invoice)]


def _header_problems(invoice: Invoice) -> list[str]:
    problems = []
    if not invoice.number.strip():
        problems.append("The invoice has no number (BT-1).")
    if not (len(invoice.currency) == 3 and invoice.currency.isalpha() and invoice.currency.isupper()):
        problems.append(f"The currency {invoice.currency!r} is not an ISO 4217 code such as EUR (BT-5).")
    if invoice.payment_terms_days < 0:
        problems.append("The payment terms are negative (BT-9 would come before the issue date).")
    start, end = invoice.period_start, invoice.period_end
    if start and end and end < start:
        problems.append(f"The delivery period ends ({end}) before it starts ({start}) (BR-29).")
    return problems


def _party_problems(invoice: Invoice) -> list[str]:
    problems = []
    for role, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        country = party.address.country.strip()
        if not party.name.strip():
            problems.append(f"The {role} has no name (BR-06/BR-07).")
        if not (len(country) == 2 and country.isalpha()):
            problems.append(f"The {role} country is missing or not a 2-letter code (BR-09/BR-11).")
        vat_id = compact(party.vat_id)
        if vat_id and not vat_id[:2].isalpha():
            problems.append(
                f"The {role} VAT id {vat_id} must start with its country code, e.g. ES (BR-CO-09)."
            )
        if endpoint_of(party) is None:
            problems.append(
                f"The {role} has no electronic address (R010/R020): give a Peppol endpoint, an EU VAT id"
                " or an email."
            )
    if invoice.lines and not invoice.seller.vat_id.strip():
        problems.append("The seller VAT id is missing; taxed and exempt lines need it (BR-S-02/BR-E-02).")
    return problems


def _line_problems(invoice: Invoice) -> list[str]:
    if not invoice.lines:
        return ["The invoice has no lines (BR-16)."]
    problems = []
    ids = [line.id for line in invoice.lines]
    if len(set(ids)) != len(ids):
        problems.append(f"Each line id must be unique (BT-126): {', '.join(ids)}.")
    for line in invoice.lines:
        if not line.id.strip() or not line.name.strip():
            problems.append(f"Line {line.id or '?'} needs an id and a name (BR-21/BR-25).")
        if decimal(line.unit_price) < 0:
            problems.append(f"Line {line.id} has a negative price; use a negative quantity instead (BR-27).")
        if decimal(line.vat_rate) < 0:
            problems.append(f"Line {line.id} has a negative VAT rate.")
        elif category_of(line.vat_rate) == "E" and not line.exemption_reason.strip():
            problems.append(f"Line {line.id} is at 0 % VAT without an exemption reason (BR-E-10).")
    return problems
