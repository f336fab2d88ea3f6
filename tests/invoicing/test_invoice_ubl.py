"""The Peppol BIS Billing 3.0 UBL invoice: valid against the UBL 2.1 XSD, and carrying the right values."""

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from invoicing import InvoiceLine, Party, to_ubl, totals, validate_ubl
from tests.invoicing.test_invoice_model import EXEMPTION, buyer, spanish_invoice

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root, path: str) -> str:
    (found,) = root.xpath(path, namespaces=NS)
    return found.text if hasattr(found, "text") else str(found)


def test_the_invoice_is_xsd_valid():
    xml = to_ubl(spanish_invoice())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert validate_ubl(xml) == []


def test_peppol_header():
    root = parse(to_ubl(spanish_invoice()))
    assert text(root, "cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0")  # fmt: skip
    assert text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert text(root, "cbc:ID") == "SO-0042-r3"
    assert text(root, "cbc:IssueDate") == "2026-11-03"
    assert text(root, "cbc:DueDate") == "2026-12-03"
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:Note") == "Corrige la revisión 2"
    assert text(root, "cbc:BuyerReference") == "PED-2026-118"
    assert text(root, "cac:OrderReference/cbc:ID") == "SO-0042"
    assert text(root, "cac:InvoicePeriod/cbc:StartDate") == "2026-10-20"
    assert text(root, "cac:InvoicePeriod/cbc:EndDate") == "2026-10-31"
    assert text(root, "cac:PaymentTerms/cbc:Note") == "Net 30 days"
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "58"
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "ES9121000418450200051332"


def test_parties_round_trip_non_ascii_and_get_endpoints():
    root = parse(to_ubl(spanish_invoice()))
    seller = "cac:AccountingSupplierParty/cac:Party/"
    assert text(root, seller + "cac:PartyLegalEntity/cbc:RegistrationName") == "Climatización Norte S.L."
    assert text(root, seller + "cbc:EndpointID") == "ESB12345678"
    assert text(root, seller + "cbc:EndpointID/@schemeID") == "9920"
    assert text(root, seller + "cac:PartyTaxScheme/cbc:CompanyID") == "ESB12345678"
    assert text(root, seller + "cac:PostalAddress/cbc:StreetName") == "Calle Licenciado Poza 31"
    assert text(root, seller + "cac:PostalAddress/cbc:AdditionalStreetName") == "Bajo izquierda"
    customer = "cac:AccountingCustomerParty/cac:Party/"
    assert text(root, customer + "cac:PartyLegalEntity/cbc:RegistrationName") == "Clínica Dental Sonrisa"
    assert text(root, customer + "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "ES"


def test_endpoint_given_wins_and_email_is_the_last_resort():
    given = replace(buyer(), endpoint_scheme="0088", endpoint_id="8437000000009")
    root = parse(to_ubl(spanish_invoice(buyer=given)))
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "0088"
    by_mail = replace(buyer(), vat_id="")
    root = parse(to_ubl(spanish_invoice(buyer=by_mail)))
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "EM"
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == buyer().email


def test_one_tax_subtotal_per_rate_and_the_exempt_reason():
    root = parse(to_ubl(spanish_invoice()))
    assert text(root, "cac:TaxTotal/cbc:TaxAmount") == "45.96"
    subtotals = root.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
    found = [
        (text(s, "cac:TaxCategory/cbc:ID"), text(s, "cac:TaxCategory/cbc:Percent"),
         text(s, "cbc:TaxableAmount"), text(s, "cbc:TaxAmount"))
        for s in subtotals
    ]  # fmt: skip
    assert found == [
        ("S", "21", "190.30", "39.96"),
        ("S", "10", "60.00", "6.00"),
        ("E", "0", "250.00", "0.00"),
    ]
    assert text(subtotals[2], "cac:TaxCategory/cbc:TaxExemptionReason") == EXEMPTION
    assert not subtotals[0].xpath("cac:TaxCategory/cbc:TaxExemptionReason", namespaces=NS)
    assert {a for a in root.xpath("//@currencyID")} == {"EUR"}


def test_monetary_totals_equal_totals():
    invoice = spanish_invoice()
    expected = totals(invoice.lines)
    root = parse(to_ubl(invoice))
    total = "cac:LegalMonetaryTotal/cbc:"
    assert Decimal(text(root, total + "LineExtensionAmount")) == expected.net
    assert Decimal(text(root, total + "TaxExclusiveAmount")) == expected.net
    assert Decimal(text(root, total + "TaxInclusiveAmount")) == expected.gross
    assert Decimal(text(root, total + "PayableAmount")) == expected.gross
    assert text(root, total + "PayableAmount") == "546.26"


def test_lines():
    root = parse(to_ubl(spanish_invoice()))
    lines = root.xpath("cac:InvoiceLine", namespaces=NS)
    assert [text(x, "cbc:InvoicedQuantity/@unitCode") for x in lines] == ["HUR", "H87", "HUR", "DAY"]
    assert [text(x, "cbc:InvoicedQuantity") for x in lines] == ["2.5", "2", "1.5", "1"]
    assert [text(x, "cbc:LineExtensionAmount") for x in lines] == ["112.50", "77.80", "60.00", "250.00"]
    assert [text(x, "cac:Price/cbc:PriceAmount") for x in lines] == ["45.00", "38.90", "40.00", "250.00"]
    assert text(lines[1], "cac:Item/cbc:Name") == "Filtro HEPA 600×600"
    assert text(lines[1], "cac:Item/cac:SellersItemIdentification/cbc:ID") == "FLT-600"
    assert not lines[0].xpath("cac:Item/cac:SellersItemIdentification", namespaces=NS)  # no empty elements
    assert text(lines[3], "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "E"
    assert text(lines[3], "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == "0"


def test_optional_parts_left_out_stay_valid():
    bare = spanish_invoice(period_start=None, period_end=None, iban="", bic="", note="", order_reference="",
                           buyer_reference="", buyer=Party("Clínica Dental Sonrisa", buyer().address,
                                                           vat_id="ESB87654321"))  # fmt: skip
    xml = to_ubl(bare)
    assert validate_ubl(xml) == []
    root = parse(xml)
    assert text(root, "cbc:BuyerReference") == "SO-0042"  # R003 needs BT-10 or BT-13
    for absent in ("cac:InvoicePeriod", "cac:PaymentMeans", "cbc:Note", "cac:OrderReference"):
        assert not root.xpath(absent, namespaces=NS), absent
    assert root.xpath("//*[not(*) and normalize-space(.)='']") == []  # R008: no empty elements


def test_a_broken_document_gives_errors():
    xml = to_ubl(spanish_invoice())
    without_id = xml.replace(b"<cbc:ID>SO-0042-r3</cbc:ID>", b"", 1)
    assert without_id != xml
    problems = validate_ubl(without_id)
    assert problems and any("ID" in p for p in problems)
    misordered = xml.replace(b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>", b"", 1).replace(
        b"<cbc:ProfileID>", b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:ProfileID>", 1)  # fmt: skip
    assert validate_ubl(misordered)
    assert validate_ubl(b"<Invoice>not closed")


def test_a_zero_rate_line_without_a_reason_is_refused():
    line = InvoiceLine("7", "Curso de formación", Decimal("1"), "day", Decimal("100.00"), Decimal("0"))
    with pytest.raises(ValueError, match=r"Line 7 .*exemption reason"):
        to_ubl(spanish_invoice(lines=(line,)))
