"""The JSON document: valid against its own JSON Schema, money as decimal strings, canonical bytes."""

import json
from decimal import Decimal

import jsonschema
import pytest

from invoicing import SCHEMA_PATH, to_json, to_json_bytes
from tests.invoicing.test_invoice_model import EXEMPTION, spanish_invoice


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors(validator, document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_document_is_valid_against_the_schema(validator):
    document = to_json(spanish_invoice())
    assert errors(validator, document) == []
    assert document["version"] == 1


def test_values(validator):
    document = to_json(spanish_invoice())
    assert (document["number"], document["order_number"], document["revision"]) == (
        "SO-0042-r3",
        "SO-0042",
        3,
    )
    assert document["correction_of"] == 2
    assert (document["issue_date"], document["due_date"]) == ("2026-11-03", "2026-12-03")
    assert document["delivery_period"] == {"start": "2026-10-20", "end": "2026-10-31"}
    assert document["payment_terms"] == {"days": 30, "text": "Net 30 days"}
    assert document["payment"] == {"iban": "ES9121000418450200051332", "bic": "CAIXESBBXXX"}
    assert document["seller"]["name"] == "Climatización Norte S.L."
    assert document["seller"]["address"]["street"] == "Calle Licenciado Poza 31"
    assert document["seller"]["address"]["additional_street"] == "Bajo izquierda"
    assert document["seller"]["endpoint"] == {"scheme": "9920", "id": "ESB12345678"}
    assert document["totals"] == {"net": "500.30", "vat": "45.96", "gross": "546.26", "payable": "546.26"}
    line = document["lines"][0]
    assert line["quantity"] == "2.5" and line["unit_price"] == "45.00" and line["net"] == "112.50"
    assert (line["unit"], line["unit_code"], line["vat_category"], line["vat_rate"]) == (
        "hours",
        "HUR",
        "S",
        "21",
    )
    exempt = {"category": "E", "rate": "0", "taxable": "250.00", "tax": "0.00", "exemption_reason": EXEMPTION}
    assert document["vat_breakdown"][-1] == exempt


def test_no_float_anywhere():
    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)
        else:
            yield value

    assert not [v for v in walk(to_json(spanish_invoice())) if isinstance(v, float | Decimal)]


def test_optional_parts_are_null(validator):
    document = to_json(
        spanish_invoice(period_start=None, period_end=None, iban="", bic="", correction_of=None)
    )
    assert (document["delivery_period"], document["payment"], document["correction_of"]) == (None, None, None)
    assert errors(validator, document) == []


def test_buyer_reference_falls_back_to_the_order_number():
    assert to_json(spanish_invoice(buyer_reference=""))["buyer_reference"] == "SO-0042"


def test_the_schema_catches_a_float_amount_and_a_missing_field(validator):
    document = to_json(spanish_invoice())
    document["totals"]["gross"] = 546.26
    assert any("gross" in e for e in errors(validator, document))
    document = to_json(spanish_invoice())
    document["totals"]["net"] = "500.3"
    assert any("net" in e for e in errors(validator, document))
    document = to_json(spanish_invoice())
    del document["lines"][0]["unit_code"]
    assert errors(validator, document)
    document = to_json(spanish_invoice())
    document["version"] = 2
    assert errors(validator, document)


def test_every_property_in_the_schema_names_its_en16931_id():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    missing = []

    def walk(node, path):
        for name, prop in node.get("properties", {}).items():
            if "description" not in prop:
                missing.append(f"{path}/{name}")
            walk(prop, f"{path}/{name}")
        for name, sub in node.get("$defs", {}).items():
            walk(sub, f"{path}/$defs/{name}")
        for sub in [*([node["items"]] if "items" in node else []), *node.get("oneOf", [])]:
            walk(sub, path)

    walk(schema, "")
    assert missing == []
    assert "BT-112" in json.dumps(schema) and "BG-23" in json.dumps(schema)


def test_canonical_bytes_are_compact_sorted_utf8():
    body = to_json_bytes(spanish_invoice())
    assert (
        body
        == json.dumps(json.loads(body), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    assert "Clínica Dental Sonrisa".encode() in body
    assert to_json_bytes(spanish_invoice()) == body
