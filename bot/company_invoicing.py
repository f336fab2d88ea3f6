"""The company file's `invoicing:` section: the seller on every invoice, the VAT rate lines are
priced with, and the rules a closed order must meet before its invoice data goes out.

    invoicing:
      legal_name: Climatización Norte S.L.
      vat_number: ESB12345678
      organisation_number: B12345678
      address: {street: Calle Mayor 1, city: Bilbao, postal_code: "48001", country: ES}
      payment_terms_days: 30
      iban: ES9121000418450200051332
      bic: CAIXESBBXXX
      vat_rate: 21                 # wins over SO_VAT_RATE
      vat_exemption: ""            # printed with 0 % lines that have no reason of their own
      require_note: true           # a note of what was done before Ready for invoicing
      required_fields: [cost_center]   # keys of the company's own fields that must be filled in
      buyer_reference_field: customer_order_number   # the field holding the client's PO number

Read with the company file's checker (bot.company), so a mistake stops start-up with one line
naming the file, the place and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

INVOICING_KEYS = (
    "legal_name",
    "vat_number",
    "organisation_number",
    "email",
    "address",
    "payment_terms_days",
    "iban",
    "bic",
    "vat_rate",
    "vat_exemption",
    "require_note",
    "required_fields",
    "buyer_reference_field",
)
ADDRESS_KEYS = ("street", "city", "postal_code", "country")
VAT_RATE_MAX = Decimal(100)


@dataclass(frozen=True)
class InvoicingSettings:
    legal_name: str = ""
    vat_number: str = ""
    organisation_number: str = ""
    email: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    payment_terms_days: int = 30
    iban: str = ""
    bic: str = ""
    vat_rate: Decimal | None = None  # None: SO_VAT_RATE
    vat_exemption: str = ""
    require_note: bool = False
    required_fields: tuple[str, ...] = ()
    buyer_reference_field: str = ""  # the company's own field with the client's order number (BT-10)

    def missing(self, company_name: str) -> tuple[str, ...]:
        """What an invoice needs of the seller that the file does not give, in words."""
        out = []
        if not (self.legal_name or company_name):
            out.append("the seller's legal name (invoicing.legal_name)")
        if not self.vat_number:
            out.append("the seller's VAT number (invoicing.vat_number)")
        if not self.country:
            out.append("the seller's country (invoicing.address.country)")
        return tuple(out)


def read_invoicing(checker: Any, raw: Any, field_keys: list[str]) -> InvoicingSettings:
    """The section, checked with the company file's checker (field_keys: the company's own fields)."""
    if raw is None:
        return InvoicingSettings()
    where = "invoicing"
    d = checker.mapping(raw, where, INVOICING_KEYS)
    address = checker.mapping(d.get("address") or {}, f"{where}.address", ADDRESS_KEYS, d)
    country = checker.text(address, "country", f"{where}.address", 2).upper()
    if country and not (len(country) == 2 and country.isalpha() and country.isascii()):
        problem = f"country: a two-letter code like ES or DE, not {country!r}"
        raise checker.fail(f"{where}.address", problem, d)
    rate = checker.decimal(d, "vat_rate", where)
    if rate is not None and not 0 <= rate <= VAT_RATE_MAX:
        raise checker.fail(where, f"vat_rate: a percentage from 0 to 100, not {rate}", d)
    required = d.get("required_fields") or []
    if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
        raise checker.fail(where, "required_fields: a list of field keys, e.g. [cost_center]", d)
    for key in required:
        if key not in field_keys:
            known = ", ".join(field_keys) or "none: the file adds no fields"
            raise checker.fail(where, f"required_fields: no field {key!r} (fields: {known})", d)
    reference = checker.text(d, "buyer_reference_field", where, 40)
    if reference and reference not in field_keys:
        known = ", ".join(field_keys) or "none: the file adds no fields"
        raise checker.fail(where, f"buyer_reference_field: no field {reference!r} (fields: {known})", d)
    return InvoicingSettings(
        legal_name=checker.text(d, "legal_name", where, 200),
        vat_number=checker.text(d, "vat_number", where, 40).replace(" ", "").upper(),
        organisation_number=checker.text(d, "organisation_number", where, 40),
        email=checker.text(d, "email", where, 200),
        street=checker.text(address, "street", f"{where}.address", 300),
        city=checker.text(address, "city", f"{where}.address", 100),
        postal_code=checker.text(address, "postal_code", f"{where}.address", 20),
        country=country,
        payment_terms_days=checker.whole(d, "payment_terms_days", where, 0, 365, 30),
        iban=checker.text(d, "iban", where, 34).replace(" ", "").upper(),
        bic=checker.text(d, "bic", where, 11).replace(" ", "").upper(),
        vat_rate=rate,
        vat_exemption=checker.text(d, "vat_exemption", where, 200),
        require_note=checker.flag(d, "require_note", where, False),
        required_fields=tuple(required),
        buyer_reference_field=reference,
    )
