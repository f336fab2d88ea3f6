"""The company's own fields in the forms: render → fill like a person → parse, and the errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.models.views import View

from forms import close_modal, confirmation_modal, ids, new_order_modal, parse_close, parse_confirmation
from forms import new_order as new_order_form
from forms.custom import Choice, FieldSpec, colour_square
from forms.editor import with_line_added
from forms.new_order import parse_new_order
from forms.types import FieldValue, LineDraft
from tests.forms.test_forms import ORDER_ANSWERS, line_answers

ORDER_TYPE = FieldSpec(
    "order_type",
    "Order type",
    "select",
    required=True,
    options=(Choice("repair", "Repair", "#d62728"), Choice("maintenance", "Maintenance", "#2ca02c")),
)
COST_CENTER = FieldSpec("cost_center", "Cost center", "text", max_length=20, placeholder="e.g. 4711")
NOTES = FieldSpec("site_notes", "Site notes", "long_text", pdf=False)
HOURS = FieldSpec("budget_hours", "Budget (hours)", "number", min=Decimal(0), max=Decimal(100), decimals=1)
VISIT = FieldSpec("visit_date", "Visit date", "date")
WARRANTY = FieldSpec("warranty", "Under warranty", "checkbox")
ALL_KINDS = (ORDER_TYPE, COST_CENTER, NOTES, HOURS, VISIT, WARRANTY)

LINES = [LineDraft("labour", "Diagnosis", Decimal(2), "h", Decimal(85))]


def fill(view: dict[str, Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view as Slack sends it back once a person filled it: answers keyed by block_id (text,
    an option value, a date, a list of checkbox values); the rest keeps its initial value."""
    answers = answers or {}
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        elements = [block["element"]] if block["type"] == "input" else block.get("elements", [])
        for element in elements:
            kind, block_id = element["type"], block["block_id"]
            answer = answers.get(block_id)
            options = {o["value"]: o for o in element.get("options", [])}
            if kind in ("plain_text_input", "number_input"):
                state = {"value": answer if answer is not None else element.get("initial_value")}
            elif kind in ("static_select", "radio_buttons"):
                state = {
                    "selected_option": options[answer]
                    if answer is not None
                    else element.get("initial_option")
                }
            elif kind == "datepicker":
                state = {"selected_date": answer if answer is not None else element.get("initial_date")}
            elif kind == "checkboxes":
                chosen = (
                    [options[v] for v in answer] if answer is not None else element.get("initial_options", [])
                )
                state = {"selected_options": chosen}
            else:
                continue
            values.setdefault(block_id, {})[element["action_id"]] = {"type": kind, **state}
    return {**view, "id": "V222", "hash": "1.2", "state": {"values": values}}


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def order_view(specs=ALL_KINDS) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return new_order_modal(fields=specs)


def filled_order(answers: dict[str, Any], specs=ALL_KINDS) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    view = order_view(specs)
    return fill(
        view, {**ORDER_ANSWERS, **line_answers(view, [("Diagnosis", "2 h × 85", "labour")]), **answers}
    )


def test_each_kind_renders_with_its_slack_element_after_priority_and_the_view_is_valid() -> None:
    view = order_view()
    View(**view).validate_json()
    ids_in_order = block_ids(view)
    priority = ids_in_order.index(ids.PRIORITY)
    assert ids_in_order[priority + 1 : priority + 7] == [ids.custom_block(s.key) for s in ALL_KINDS]
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["cf:order_type"]["type"] == "static_select"
    assert [o["text"]["text"] for o in elements["cf:order_type"]["options"]] == [
        "🟥 Repair",
        "🟩 Maintenance",
    ]
    assert elements["cf:cost_center"] == {
        "type": "plain_text_input",
        "action_id": "cf:cost_center",
        "multiline": False,
        "max_length": 20,
        "placeholder": {"type": "plain_text", "text": "e.g. 4711"},
    }
    assert elements["cf:site_notes"]["multiline"] is True
    assert elements["cf:budget_hours"] == {
        "type": "number_input",
        "action_id": "cf:budget_hours",
        "is_decimal_allowed": True,
        "min_value": "0",
        "max_value": "100",
    }
    assert elements["cf:visit_date"]["type"] == "datepicker"
    assert elements["cf:warranty"]["type"] == "checkboxes"
    optional = {b["block_id"]: b["optional"] for b in view["blocks"] if b["type"] == "input"}
    assert optional["cf:order_type"] is False and optional["cf:cost_center"] is True


def test_filled_like_a_person_every_kind_comes_back_typed_with_label_and_shown_text() -> None:
    result = parse_new_order(
        filled_order(
            {
                "cf:order_type": "repair",
                "cf:cost_center": "  4711-IT ",
                "cf:site_notes": "Dog in the yard\r\nRing twice",
                "cf:budget_hours": "12.5",
                "cf:visit_date": "2026-12-01",
                "cf:warranty": ["yes"],
            }
        ),
        ALL_KINDS,
    )
    assert result.ok, result.errors
    assert result.value.custom == [
        FieldValue("new_order", "order_type", "Order type", "select", "repair", "Repair", True, "#d62728"),
        FieldValue("new_order", "cost_center", "Cost center", "text", "4711-IT", "4711-IT"),
        FieldValue(
            "new_order",
            "site_notes",
            "Site notes",
            "long_text",
            "Dog in the yard\nRing twice",
            "Dog in the yard\nRing twice",
            False,
        ),
        FieldValue("new_order", "budget_hours", "Budget (hours)", "number", "12.5", "12.5"),
        FieldValue("new_order", "visit_date", "Visit date", "date", "2026-12-01", "2026-12-01"),
        FieldValue("new_order", "warranty", "Under warranty", "checkbox", True, "Yes"),
    ]
    assert result.value.title == ORDER_ANSWERS[ids.TITLE] and len(result.value.lines) == 1


def test_left_empty_optional_fields_are_not_stored_and_an_unticked_checkbox_is_no() -> None:
    result = parse_new_order(filled_order({"cf:order_type": "maintenance"}), ALL_KINDS)
    assert result.ok, result.errors
    assert [(f.key, f.value, f.text) for f in result.value.custom] == [
        ("order_type", "maintenance", "Maintenance"),
        ("warranty", False, "No"),
    ]


@pytest.mark.parametrize(
    ("spec", "answer", "message"),
    [
        (ORDER_TYPE, None, "Order type is required"),
        (
            FieldSpec("serial", "Equipment serial", "text", required=True),
            "   ",
            "Equipment serial is required",
        ),
        (COST_CENTER, "x" * 21, "At most 20 characters (now 21)"),
        (HOURS, "12.25", "At most 1 digits after the decimal point"),
        (HOURS, "101", "At most 100"),
        (HOURS, "-1", "At least 0"),
        (HOURS, "twelve", "Budget (hours): enter a number, like 12 or 12.5"),
        (FieldSpec("visits", "Visits", "number"), "2.5", "Visits is a whole number"),
        (FieldSpec("on_site", "Visit date", "date", required=True), None, "Visit date is required"),
        (
            FieldSpec("briefing", "Safety briefing done", "checkbox", required=True),
            [],
            "Tick Safety briefing done to go on",
        ),
    ],
)
def test_a_bad_answer_is_an_error_under_that_field_and_nothing_is_returned(
    spec: FieldSpec, answer: Any, message: str
) -> None:
    answers = {} if answer is None else {spec.block_id: answer}
    result = parse_new_order(filled_order(answers, (spec,)), (spec,))
    assert result.value is None
    assert result.errors == {spec.block_id: message}


def test_a_forged_select_value_or_date_is_refused_not_stored() -> None:
    view = filled_order({"cf:order_type": "repair", "cf:visit_date": "2026-12-01"})
    view["state"]["values"]["cf:order_type"]["cf:order_type"]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Free"},
        "value": "free",
    }
    view["state"]["values"]["cf:visit_date"]["cf:visit_date"]["selected_date"] = "2026-02-30"
    errors = parse_new_order(view, ALL_KINDS).errors
    assert errors == {
        "cf:order_type": "Pick one of the options shown",
        "cf:visit_date": "Pick a date from the calendar",
    }


def test_defaults_fill_the_form_when_it_opens() -> None:
    specs = (
        FieldSpec("kind", "Kind", "select", options=(Choice("a", "A"), Choice("b", "B")), default="b"),
        FieldSpec("hours", "Hours", "number", decimals=2, default="1.50"),
        FieldSpec("warranty", "Warranty", "checkbox", default=True),
        FieldSpec("ref", "Reference", "text", default="PO-"),
    )
    elements = {b["block_id"]: b["element"] for b in order_view(specs)["blocks"] if b["type"] == "input"}
    assert elements["cf:kind"]["initial_option"]["value"] == "b"
    assert elements["cf:hours"]["initial_value"] == "1.50"
    assert elements["cf:warranty"]["initial_options"][0]["value"] == "yes"
    assert elements["cf:ref"]["initial_value"] == "PO-"


def test_each_field_takes_a_line_from_the_editor_and_the_view_stays_within_slack_limits() -> None:
    many = tuple(FieldSpec(f"f{i}", f"Field {i}", "text") for i in range(20))
    limit = new_order_form.line_limit(len(many))
    assert limit == (100 - new_order_form.FIXED_BLOCKS - 20) // 3 < new_order_form.MAX_LINES
    view = order_view(many)
    for _ in range(limit + 3):  # clicking Add line until the form is full, and beyond
        if ids.ADD_LINE not in str(view["blocks"]):
            break
        view = with_line_added(fill(view))
    assert len(view["blocks"]) <= 100
    View(**view).validate_json()
    assert sum(1 for b in block_ids(view) if b.endswith(":" + ids.LINE_DESC)) == limit


def test_add_line_keeps_the_fields_and_what_was_typed_in_them() -> None:
    view = fill(
        order_view(),
        {
            "cf:cost_center": "4711",
            "cf:order_type": "maintenance",
            "cf:warranty": ["yes"],
            "cf:budget_hours": "3",
            "cf:visit_date": "2026-12-24",
        },
    )
    rebuilt = with_line_added(view)
    result = parse_new_order(
        fill(rebuilt, {**ORDER_ANSWERS, **line_answers(rebuilt, [("Diagnosis", "2 h × 85", "labour")])}),
        ALL_KINDS,
    )
    assert result.ok, result.errors
    assert {f.key: f.value for f in result.value.custom} == {
        "order_type": "maintenance",
        "cost_center": "4711",
        "budget_hours": "3",
        "visit_date": "2026-12-24",
        "warranty": True,
    }


def test_confirmation_fields_come_after_the_note_open_as_last_time_and_parse() -> None:
    findings = FieldSpec("findings", "Findings", "long_text", required=True)
    view = confirmation_modal(
        42, "SO-0042", 3, LINES, fields=(VISIT, findings), values={"findings": "Old fan"}
    )
    View(**view).validate_json()
    order = block_ids(view)
    assert order.index("cf:visit_date") == order.index(ids.CONFIRMATION_NOTE) + 1
    result = parse_confirmation(fill(view, {"cf:visit_date": "2026-12-02"}), (VISIT, findings))
    assert result.ok, result.errors
    assert [(f.form, f.key, f.value) for f in result.value.custom] == [
        ("confirmation", "visit_date", "2026-12-02"),
        ("confirmation", "findings", "Old fan"),
    ]
    emptied = parse_confirmation(fill(view, {"cf:findings": ""}), (VISIT, findings))
    assert emptied.errors == {"cf:findings": "Findings is required"}


def test_close_fields_come_after_the_reason_and_parse() -> None:
    signed = FieldSpec("customer_signed", "Customer signed", "checkbox", required=True)
    view = close_modal(42, "SO-0042", True, (signed,))
    View(**view).validate_json()
    assert block_ids(view)[-1] == "cf:customer_signed"
    answers = {ids.CLOSE_OUTCOME: "completed", ids.CLOSE_ATTEST: ["attested"], "cf:customer_signed": ["yes"]}
    done = parse_close(fill(view, answers), (signed,))
    assert done.ok and done.value.custom == [
        FieldValue("close", "customer_signed", "Customer signed", "checkbox", True, "Yes")
    ]
    missing = parse_close(
        fill(view, {ids.CLOSE_OUTCOME: "completed", ids.CLOSE_ATTEST: ["attested"]}), (signed,)
    )
    assert missing.errors == {"cf:customer_signed": "Tick Customer signed to go on"}


def test_a_colour_shows_as_the_nearest_coloured_square() -> None:
    assert [colour_square(c) for c in ("#d62728", "#1f77b4", "#2ca02c", "#000000", "#ffffff")] == [
        "🟥",
        "🟦",
        "🟩",
        "⬛",
        "⬜",
    ]
    assert colour_square("") == colour_square("red") == ""
