"""Forms: render → fill the way a person would (and Slack would send it) → parse. No mocks."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.views import View

from forms import close as close_form
from forms import (
    close_modal,
    confirmation_modal,
    field_workers_modal,
    ids,
    new_order_modal,
    parse_close,
    parse_confirmation,
    parse_field_workers,
    parse_new_order,
    parse_reject,
    reject_modal,
    with_line_added,
    with_line_removed,
)
from forms import confirmation as confirmation_form
from forms import new_order as new_order_form
from forms.amounts import parse_amount
from forms.state import clean_text
from forms.types import LineDraft

# ---------------------------------------------------------------------------------------------
# Helpers: what Slack would send back for a view a person has filled in


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    return next(o for o in element["options"] if o["value"] == value)


def fill(view: dict[str, Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Gives the view as a view_submission/block_actions payload carries it.

    `answers` is keyed by block_id: text for text inputs and datepickers, an option value for
    selects and radio buttons, a list for checkboxes and user pickers. Anything unanswered keeps
    the element's initial value, as Slack does.
    """
    answers = answers or {}
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        elements = (
            [block["element"]]
            if block["type"] == "input"
            else block.get("elements", [])
            if block["type"] == "actions"
            else []
        )
        for element in elements:
            kind, block_id = element["type"], block["block_id"]
            answer = answers.get(block_id)
            if kind == "plain_text_input":
                state = {"value": answer if answer is not None else element.get("initial_value")}
                if state["value"] == "":
                    state["value"] = None  # Slack sends null for an emptied input
            elif kind in ("static_select", "radio_buttons"):
                chosen = _option(element, answer) if answer is not None else element.get("initial_option")
                state = {"selected_option": chosen}
            elif kind == "datepicker":
                state = {"selected_date": answer if answer is not None else element.get("initial_date")}
            elif kind == "checkboxes":
                chosen = (
                    [_option(element, v) for v in answer]
                    if answer is not None
                    else element.get("initial_options", [])
                )
                state = {"selected_options": chosen}
            elif kind == "multi_users_select":
                state = {"selected_users": answer if answer is not None else element.get("initial_users", [])}
            elif kind == "file_input":
                state = {"files": answer or []}  # the file objects Slack gives; no initial value
            else:
                continue  # buttons carry no state
            values.setdefault(block_id, {})[element["action_id"]] = {"type": kind, **state}
    return {**view, "id": "V111", "hash": "1596530361.3wRYuk3R", "state": {"values": values}}


def line_keys(view: dict[str, Any]) -> list[int]:
    return json.loads(view["private_metadata"])["keys"]


def line_answers(view: dict[str, Any], lines: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Answers for the view's line rows, in order: (description, amount, kind)."""
    answers: dict[str, Any] = {}
    for key, (description, amount, kind) in zip(line_keys(view), lines, strict=False):
        answers[ids.line_block(key, ids.LINE_DESC)] = description
        answers[ids.line_block(key, ids.LINE_AMOUNT)] = amount
        answers[ids.line_block(key, ids.LINE_ACTIONS)] = kind
    return answers


def with_lines(count: int) -> dict[str, Any]:
    """Gives the new-order modal after the person clicked Add line until it has `count` rows."""
    view = new_order_modal()
    while len(line_keys(view)) < count:
        view = with_line_added(fill(view))
    return view


def assert_valid(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert view["type"] == "modal"
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))


def initial_value(view: dict[str, Any], block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return block["element"].get("initial_value")


def initial_kind(view: dict[str, Any], key: int) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == ids.line_block(key, ids.LINE_ACTIONS))
    return block["elements"][0]["initial_option"]["value"]


ORDER_ANSWERS = {
    ids.CLIENT: "  Acme Networks Ltd ",
    ids.SITE: "Harbour Road 12\nBuilding B, 3rd floor",
    ids.CONTACT: "Layla Haddad, +44 20 7946 0001",
    ids.TITLE: "Replace core router",
    ids.DESCRIPTION: "Old router fails under load.\nBring spare SFPs.",
    ids.PLANNED_DATE: "2026-06-15",
    ids.PRIORITY: "high",
}

CURRENT_LINES = [
    LineDraft("labour", "Installation", Decimal("2.5"), "h", Decimal("45.00")),
    LineDraft("material", "Router XR-200", Decimal("1"), "pcs", Decimal("1299.90")),
    LineDraft("service", "Call-out", Decimal("1"), "service", Decimal("0.00")),
]


# ---------------------------------------------------------------------------------------------
# Rendering: Block Kit valid, inside Slack's limits


ALL_MODALS = {
    "new order": new_order_modal(),
    "confirmation": confirmation_modal(42, "SO-0042", 3, CURRENT_LINES),
    "confirmation without lines": confirmation_modal(42, "SO-0042", 1, []),
    "reject": reject_modal(42, "SO-0042"),
    "field workers": field_workers_modal(42, "SO-0042", ["U0123ABC", "W0456DEF"]),
    "field workers, none yet": field_workers_modal(42, "SO-0042", []),
    "close": close_modal(42, "SO-0042", has_confirmation=True),
    "close without confirmation": close_modal(42, "SO-0042", has_confirmation=False),
}


@pytest.mark.parametrize("name", ALL_MODALS)
def test_every_modal_is_valid_block_kit(name: str) -> None:
    assert_valid(ALL_MODALS[name])


def test_callback_ids_and_titles() -> None:
    assert new_order_modal()["callback_id"] == ids.NEW_ORDER
    assert new_order_modal()["title"]["text"] == "New service order"
    confirmation = confirmation_modal(42, "SO-0042", 3, CURRENT_LINES)
    assert (confirmation["callback_id"], confirmation["title"]["text"]) == (ids.CONFIRMATION, "Confirmation")
    assert confirmation["submit"]["text"] == "Save confirmation"
    assert "SO-0042* · changes to revision 3" in confirmation["blocks"][0]["text"]["text"]
    assert reject_modal(1, "SO-0001")["callback_id"] == ids.REJECT_ORDER
    assert field_workers_modal(1, "SO-0001", [])["callback_id"] == ids.ADD_FIELD_WORKERS
    assert close_modal(1, "SO-0001", True)["callback_id"] == ids.CLOSE_ORDER


def test_new_order_holds_thirty_lines_and_no_more() -> None:
    assert new_order_form.MAX_LINES == 30
    view = with_lines(30)
    assert_valid(view)
    assert len(view["blocks"]) == 99
    assert len(line_keys(view)) == 30
    full_note = view["blocks"][-1]
    assert full_note["block_id"] == ids.LINES_ACTIONS_BLOCK and full_note["type"] == "context"
    assert "At most 30 lines" in full_note["elements"][0]["text"]

    again = with_line_added(fill(view))
    assert_valid(again)
    assert len(again["blocks"]) <= 100
    assert line_keys(again) == line_keys(view)


def test_confirmation_holds_as_many_lines_as_fit() -> None:
    limit = confirmation_form.MAX_LINES
    lines = [LineDraft("service", f"Item {n}", Decimal(1), "service", Decimal(10)) for n in range(limit)]
    view = confirmation_modal(7, "SO-0007", 2, lines)
    assert_valid(view)
    assert_valid(with_line_added(fill(view)))
    with pytest.raises(ValueError):
        confirmation_modal(7, "SO-0007", 2, [*lines, lines[0]])


def test_confirmation_takes_up_to_ten_photos_in_a_file_input() -> None:
    view = confirmation_modal(42, "SO-0042", 3, CURRENT_LINES)
    assert_valid(view)
    [block] = [b for b in view["blocks"] if b.get("block_id") == ids.CONFIRMATION_PHOTOS]
    assert block["optional"] is True and block["element"]["type"] == "file_input"
    assert block["element"]["max_files"] == 10 and "jpg" in block["element"]["filetypes"]
    assert parse_confirmation(fill(view)).value.photos == ()  # type: ignore[union-attr]
    files = [{"id": f"F{n}", "name": f"IMG_{n}.jpg", "mimetype": "image/jpeg"} for n in range(12)]
    answers = {ids.CONFIRMATION_PHOTOS: [{"name": "no id"}, "junk", *files]}
    result = parse_confirmation(fill(view, answers))
    assert result.ok and result.value is not None
    assert result.value.photos == tuple((f"F{n}", f"IMG_{n}.jpg") for n in range(10))


def test_line_row_is_three_blocks_with_label_select_and_remove() -> None:
    view = with_lines(2)
    first, second = line_keys(view)
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id[ids.line_block(second, ids.LINE_DESC)]["label"]["text"] == "Line 2"
    assert by_id[ids.line_block(second, ids.LINE_DESC)]["optional"] is True
    actions = by_id[ids.line_block(first, ids.LINE_ACTIONS)]["elements"]
    assert [e["action_id"] for e in actions] == [ids.LINE_KIND, ids.REMOVE_LINE]
    assert actions[0]["initial_option"]["value"] == "service"
    assert [o["text"]["text"] for o in actions[0]["options"]] == ["Service", "Material", "Labour", "Other"]
    assert actions[1]["value"] == str(first)
    assert by_id[ids.LINES_ACTIONS_BLOCK]["elements"][0]["action_id"] == ids.ADD_LINE


def test_field_workers_lists_current_people_without_preselecting_them() -> None:
    view = field_workers_modal(42, "SO-0042", ["U0123ABC", "<!channel>", "W0456DEF"])
    text = json.dumps(view)
    assert "<@U0123ABC>" in text and "<@W0456DEF>" in text
    assert "<!channel>" not in text
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.FIELD_WORKERS)["element"]
    assert picker["type"] == "multi_users_select" and "initial_users" not in picker


def test_close_offers_adjustments_only_after_a_confirmation() -> None:
    def outcomes(view: dict[str, Any]) -> list[str]:
        block = next(b for b in view["blocks"] if b.get("block_id") == ids.CLOSE_OUTCOME)
        return [o["value"] for o in block["element"]["options"]]

    assert outcomes(close_modal(1, "SO-0001", True)) == [
        "completed",
        "completed_with_changes",
        "not_performed",
    ]
    assert outcomes(close_modal(1, "SO-0001", False)) == ["completed", "not_performed"]


def test_user_text_in_mrkdwn_is_escaped() -> None:
    view = reject_modal(1, "<!here> & co")
    assert "&lt;!here&gt; &amp; co" in view["blocks"][0]["text"]["text"]


# ---------------------------------------------------------------------------------------------
# Round trips


def test_new_order_round_trip() -> None:
    view = with_lines(4)
    answers = {
        **ORDER_ANSWERS,
        **line_answers(
            view,
            [
                ("Installation and configuration", "2.5 h × 45", "labour"),
                ("Router XR-200", "1 pcs x 1299,90", "material"),
                ("", "", "other"),  # left empty: ignored
                ("Cable, cat 6", "30 m @ 1.20", "material"),
            ],
        ),
    }
    result = parse_new_order(fill(view, answers))
    assert result.ok, result.errors
    order = result.value
    assert order is not None
    assert (order.client, order.contact, order.title) == (
        "Acme Networks Ltd",
        "Layla Haddad, +44 20 7946 0001",
        "Replace core router",
    )
    assert order.site == "Harbour Road 12\nBuilding B, 3rd floor"
    assert order.description == "Old router fails under load.\nBring spare SFPs."
    assert order.planned_date == date(2026, 6, 15)
    assert order.priority == "high"
    assert order.lines == [
        LineDraft("labour", "Installation and configuration", Decimal("2.5"), "h", Decimal("45.00")),
        LineDraft("material", "Router XR-200", Decimal("1"), "pcs", Decimal("1299.90")),
        LineDraft("material", "Cable, cat 6", Decimal("30"), "m", Decimal("1.20")),
    ]
    assert all(isinstance(v, Decimal) for line in order.lines for v in (line.quantity, line.unit_price))
    assert str(order.lines[1].unit_price) == "1299.90"


def test_new_order_with_only_required_fields() -> None:
    view = new_order_modal()
    result = parse_new_order(fill(view, {ids.CLIENT: "Acme", ids.SITE: "Dock 4", ids.TITLE: "Check pump"}))
    assert result.ok, result.errors
    assert result.value is not None
    assert (result.value.contact, result.value.description, result.value.planned_date) == ("", "", None)
    assert result.value.priority == "normal"
    assert result.value.lines == []


@pytest.mark.parametrize(
    ("kind", "unit"), [("labour", "h"), ("service", "service"), ("material", "pcs"), ("other", "pcs")]
)
def test_amount_without_unit_takes_the_kinds_unit(kind: str, unit: str) -> None:
    view = new_order_modal()
    answers = {**ORDER_ANSWERS, **line_answers(view, [("Work", "2 × 45", kind)])}
    result = parse_new_order(fill(view, answers))
    assert result.value is not None, result.errors
    assert result.value.lines == [LineDraft(kind, "Work", Decimal(2), unit, Decimal("45.00"))]


def test_confirmation_opens_with_the_lines_and_parses_back_unchanged() -> None:
    view = confirmation_modal(42, "SO-0042", 3, CURRENT_LINES)
    keys = line_keys(view)
    assert [initial_value(view, ids.line_block(k, ids.LINE_DESC)) for k in keys] == [
        "Installation",
        "Router XR-200",
        "Call-out",
    ]
    assert [initial_value(view, ids.line_block(k, ids.LINE_AMOUNT)) for k in keys] == [
        "2.5 h × 45.00",
        "1 pcs × 1299.90",
        "1 service × 0.00",
    ]
    assert [initial_kind(view, k) for k in keys] == ["labour", "material", "service"]

    result = parse_confirmation(fill(view))
    assert result.ok, result.errors
    assert result.value is not None
    assert result.value.lines == CURRENT_LINES
    assert (result.value.order_id, result.value.base_revision) == (42, 3)
    assert (result.value.note, result.value.final) == ("", False)


def test_confirmation_with_changes_note_and_final() -> None:
    view = confirmation_modal(42, "SO-0042", 3, CURRENT_LINES)
    first, second, third = line_keys(view)
    view = with_line_removed(fill(view), third)
    view = with_line_added(fill(view))
    answers = {
        ids.line_block(first, ids.LINE_AMOUNT): "3,75 h × 45",
        **line_answers(
            view,
            [
                ("Installation", "3,75 h × 45", "labour"),
                ("Router XR-200", "1 x 1299.90", "material"),
                ("Patch panel", "1 pcs * 89", "material"),
            ],
        ),
        ids.CONFIRMATION_NOTE: "Took longer: rack had to be moved.",
        ids.CONFIRMATION_FINAL: ["final", "attest"],
    }
    result = parse_confirmation(fill(view, answers))
    assert result.ok, result.errors
    assert result.value is not None
    assert result.value.lines == [
        LineDraft("labour", "Installation", Decimal("3.75"), "h", Decimal("45.00")),
        CURRENT_LINES[1],
        LineDraft("material", "Patch panel", Decimal(1), "pcs", Decimal("89.00")),
    ]
    assert result.value.note == "Took longer: rack had to be moved."
    assert result.value.final is True and result.value.attested is True
    # final without the attestation: an error under the Final checkboxes, nothing closes
    answers[ids.CONFIRMATION_FINAL] = ["final"]
    unattested = parse_confirmation(fill(view, answers))
    assert (
        not unattested.ok
        and "I confirm the work was carried out" in unattested.errors[ids.CONFIRMATION_FINAL]
    )


def test_reject_field_workers_close_round_trips() -> None:
    reject = parse_reject(fill(reject_modal(42, "SO-0042"), {ids.REJECT_REASON: " Duplicate of SO-0041 \n"}))
    assert reject.value is not None and (reject.value.order_id, reject.value.reason) == (
        42,
        "Duplicate of SO-0041",
    )

    workers = parse_field_workers(
        fill(
            field_workers_modal(42, "SO-0042", ["U0123ABC"]),
            {ids.FIELD_WORKERS: ["U0AAA111", "W0BBB222", "U0AAA111"]},
        )
    )
    assert workers.value is not None
    assert (workers.value.order_id, workers.value.user_ids) == (42, ["U0AAA111", "W0BBB222"])

    closed = parse_close(
        fill(
            close_modal(42, "SO-0042", True),
            {ids.CLOSE_OUTCOME: "completed_with_changes", ids.CLOSE_ATTEST: ["attested"]},
        )
    )
    assert closed.value is not None and closed.value.attested
    assert (closed.value.order_id, closed.value.outcome, closed.value.reason) == (
        42,
        "completed_with_changes",
        "",
    )

    not_done = parse_close(
        fill(
            close_modal(42, "SO-0042", False),
            {ids.CLOSE_OUTCOME: "not_performed", ids.CLOSE_REASON: "Site closed"},
        )
    )
    assert not_done.value is not None and (not_done.value.outcome, not_done.value.reason) == (
        "not_performed",
        "Site closed",
    )
    assert not not_done.value.attested  # work not performed: nothing to attest


# ---------------------------------------------------------------------------------------------
# Add line / Remove line


def test_add_line_keeps_everything_typed() -> None:
    view = new_order_modal()
    answers = {**ORDER_ANSWERS, **line_answers(view, [("Router", "1 pcs × 1299.90", "material")])}
    added = with_line_added(fill(view, answers))
    assert_valid(added)
    assert line_keys(added) == [0, 1]
    assert initial_value(added, ids.CLIENT) == ORDER_ANSWERS[ids.CLIENT]
    assert initial_value(added, ids.SITE) == ORDER_ANSWERS[ids.SITE]
    assert initial_value(added, ids.line_block(0, ids.LINE_DESC)) == "Router"
    assert initial_value(added, ids.line_block(0, ids.LINE_AMOUNT)) == "1 pcs × 1299.90"
    assert initial_kind(added, 0) == "material"
    assert initial_value(added, ids.line_block(1, ids.LINE_DESC)) is None
    by_id = {b.get("block_id"): b for b in added["blocks"]}
    assert by_id[ids.PLANNED_DATE]["element"]["initial_date"] == "2026-06-15"
    assert by_id[ids.PRIORITY]["element"]["initial_option"]["value"] == "high"
    # and what was typed is still what gets submitted
    result = parse_new_order(fill(added))
    assert result.value is not None, result.errors
    assert result.value.client == "Acme Networks Ltd"
    assert result.value.lines == [LineDraft("material", "Router", Decimal(1), "pcs", Decimal("1299.90"))]


def test_remove_line_keeps_the_other_lines_under_their_keys() -> None:
    view = with_lines(3)
    assert line_keys(view) == [0, 1, 2]
    answers = {
        **ORDER_ANSWERS,
        **line_answers(view, [("A", "1 × 1", "service"), ("B", "2 × 2", "labour"), ("C", "3 × 3", "other")]),
    }
    removed = with_line_removed(fill(view, answers), 1)
    assert_valid(removed)
    assert line_keys(removed) == [0, 2]
    assert initial_value(removed, ids.line_block(2, ids.LINE_DESC)) == "C"
    assert initial_kind(removed, 2) == "other"
    labels = [b["label"]["text"] for b in removed["blocks"] if b.get("block_id", "").endswith(":desc")]
    assert labels == ["Line 1", "Line 2"]
    assert initial_value(removed, ids.TITLE) == ORDER_ANSWERS[ids.TITLE]

    # a new line never reuses a removed key (Slack would bring the old text back)
    added = with_line_added(fill(removed))
    assert line_keys(added) == [0, 2, 3]


def test_removing_the_last_line_leaves_one_empty_line() -> None:
    view = new_order_modal()
    answers = line_answers(view, [("Only", "1 × 1", "service")])
    removed = with_line_removed(fill(view, answers), 0)
    assert_valid(removed)
    (key,) = line_keys(removed)
    assert key != 0
    assert initial_value(removed, ids.line_block(key, ids.LINE_DESC)) is None


def test_confirmation_editor_keeps_order_metadata_note_and_final() -> None:
    view = confirmation_modal(42, "SO-0042", 3, CURRENT_LINES)
    filled = fill(view, {ids.CONFIRMATION_NOTE: "Half done", ids.CONFIRMATION_FINAL: ["final"]})
    added = with_line_added(filled)
    assert_valid(added)
    meta = json.loads(added["private_metadata"])
    assert (meta["order_id"], meta["revision"], meta["number"]) == (42, 3, "SO-0042")
    assert initial_value(added, ids.CONFIRMATION_NOTE) == "Half done"
    final_block = next(b for b in added["blocks"] if b.get("block_id") == ids.CONFIRMATION_FINAL)
    assert final_block["element"]["initial_options"][0]["value"] == "final"
    assert "SO-0042" in added["blocks"][0]["text"]["text"]


def test_line_editor_refuses_other_views() -> None:
    with pytest.raises(ValueError):
        with_line_added(fill(reject_modal(1, "SO-0001")))


def test_editor_survives_damaged_metadata_by_reading_the_blocks() -> None:
    view = fill(
        with_lines(2), line_answers(with_lines(2), [("A", "1 × 1", "service"), ("B", "2 × 2", "labour")])
    )
    view["private_metadata"] = "garbage{"
    added = with_line_added(view)
    assert_valid(added)
    assert line_keys(added) == [0, 1, 2]
    assert initial_value(added, ids.line_block(1, ids.LINE_DESC)) == "B"


# ---------------------------------------------------------------------------------------------
# Bad input: errors under the right block, never an exception


def order_errors(answers: dict[str, Any], lines: list[tuple[str, str, str]] | None = None) -> dict[str, str]:
    view = with_lines(max(1, len(lines or [])))
    result = parse_new_order(fill(view, {**ORDER_ANSWERS, **answers, **line_answers(view, lines or [])}))
    assert result.value is None and not result.ok
    return result.errors


LINE_DESC_0 = ids.line_block(0, ids.LINE_DESC)
LINE_AMOUNT_0 = ids.line_block(0, ids.LINE_AMOUNT)


@pytest.mark.parametrize(
    ("answers", "block_id", "message"),
    [
        ({ids.CLIENT: "   "}, ids.CLIENT, "Client is required"),
        ({ids.CLIENT: ""}, ids.CLIENT, "Client is required"),
        ({ids.SITE: "\n\t "}, ids.SITE, "Site is required"),
        ({ids.TITLE: "\x00\x07"}, ids.TITLE, "Say what is to be done"),
        ({ids.CLIENT: "x" * 201}, ids.CLIENT, "At most 200 characters"),
        ({ids.DESCRIPTION: "y" * 3001}, ids.DESCRIPTION, "At most 3,000 characters"),
        ({ids.PLANNED_DATE: "15/06/2026"}, ids.PLANNED_DATE, "Pick a date"),
        ({ids.PLANNED_DATE: "2026-02-30"}, ids.PLANNED_DATE, "Pick a date"),
        ({ids.PLANNED_DATE: "20260615"}, ids.PLANNED_DATE, "Pick a date"),
    ],
)
def test_order_field_errors(answers: dict[str, Any], block_id: str, message: str) -> None:
    errors = order_errors(answers)
    assert list(errors) == [block_id]
    assert errors[block_id].startswith(message)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0 h × 45", "Quantity must be more than 0"),
        ("-2 h × 45", "Quantity must be more than 0"),
        ("2 h × -45", "Unit price cannot be negative"),
        ("two hours at 45", "Write quantity, unit and unit price"),
        ("2 h", "Write quantity, unit and unit price"),
        ("45", "Write quantity, unit and unit price"),
        ("1e9 × 3", "Write quantity, unit and unit price"),
        ("2 × 1e9", "Write quantity, unit and unit price"),
        ("NaN × 1", "Write quantity, unit and unit price"),
        ("Infinity × 1", "Write quantity, unit and unit price"),
        ("2 h 45", "Write quantity, unit and unit price"),
        ("1.2345 h × 1", "Quantity: at most 3 decimals"),
        ("1 h × 0.125", "Unit price: at most 2 decimals"),
        ("1000000.001 × 1", "Quantity must be at most 1,000,000"),
        ("1 × 100000000.01", "Unit price must be at most 100,000,000"),
        ("1 abcdefghijklmnopqrstu × 1", "Unit: at most 20 characters"),
    ],
)
def test_line_amount_errors(amount: str, message: str) -> None:
    errors = order_errors({}, [("Work", amount, "labour")])
    assert list(errors) == [LINE_AMOUNT_0]
    assert errors[LINE_AMOUNT_0].startswith(message)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("2 h × 45.00", ("2", "h", "45.00")),
        ("3 pcs x 12,50", ("3", "pcs", "12.50")),
        ("2x45", ("2", "", "45.00")),
        ("2 X 45", ("2", "", "45.00")),
        ("1.5 hours @ 60", ("1.5", "hours", "60.00")),
        ("2*10", ("2", "", "10.00")),
        ("3 box x 12", ("3", "box", "12.00")),
        ("2h x 45", ("2", "h", "45.00")),
        ("0,125 m² × 0", ("0.125", "m²", "0.00")),
        ("1000000 × 100000000", ("1000000", "", "100000000.00")),
        ("1.2000 × 1.50000", ("1.2", "", "1.50")),
    ],
)
def test_amount_forms_people_write(amount: str, expected: tuple[str, str, str]) -> None:
    parsed, message = parse_amount(amount, "none-of-the-kinds")
    assert message is None and parsed is not None
    quantity, unit, price = expected
    assert parsed.quantity == Decimal(quantity) and str(parsed.unit_price) == price
    assert parsed.unit == (unit or "pcs")


def test_half_filled_lines() -> None:
    errors = order_errors({}, [("Router", "", "material"), ("", "2 × 3", "service")])
    assert errors == {
        ids.line_block(0, ids.LINE_AMOUNT): "Write quantity, unit and unit price, e.g. 2 h × 45.00",
        ids.line_block(1, ids.LINE_DESC): "Describe what is done or supplied",
    }


def test_several_errors_at_once() -> None:
    errors = order_errors({ids.CLIENT: "", ids.TITLE: "t" * 151}, [("", "1 × 1", "service")])
    assert set(errors) == {ids.CLIENT, ids.TITLE, LINE_DESC_0}


def test_unknown_kind_and_priority_are_refused() -> None:
    view = new_order_modal()
    submitted = fill(view, {**ORDER_ANSWERS, **line_answers(view, [("Work", "1 × 1", "service")])})
    values = submitted["state"]["values"]
    values[ids.line_block(0, ids.LINE_ACTIONS)][ids.LINE_KIND]["selected_option"]["value"] = "bribe"
    values[ids.PRIORITY][ids.PRIORITY]["selected_option"] = {"value": "yesterday"}
    errors = parse_new_order(submitted).errors
    assert set(errors) == {LINE_DESC_0, ids.PRIORITY}


def test_too_many_lines_in_a_forged_submission() -> None:
    view = with_lines(30)
    submitted = fill(view, {**ORDER_ANSWERS, **line_answers(view, [("Work", "1 × 1", "service")] * 30)})
    values = submitted["state"]["values"]
    meta = json.loads(view["private_metadata"])
    meta["keys"].append(99)
    submitted["private_metadata"] = json.dumps(meta)
    values[ids.line_block(99, ids.LINE_DESC)] = {ids.LINE_DESC: {"type": "plain_text_input", "value": "x"}}
    values[ids.line_block(99, ids.LINE_AMOUNT)] = {
        ids.LINE_AMOUNT: {"type": "plain_text_input", "value": "1×1"}
    }
    errors = parse_new_order(submitted).errors
    assert errors == {ids.line_block(99, ids.LINE_DESC): "At most 30 lines in one form"}


def test_text_is_cleaned() -> None:
    assert clean_text(" a\x00b\u202ec\td \r\n e ", multiline=False) == "abc d   e"
    assert clean_text("line 1  \r\nline 2\x1b\n", multiline=True) == "line 1\nline 2"
    assert clean_text("\ud800x", multiline=False) == "x"
    assert clean_text(None, multiline=True) == ""


def test_close_errors() -> None:
    view = close_modal(42, "SO-0042", True)
    assert parse_close(fill(view, {ids.CLOSE_OUTCOME: "not_performed", ids.CLOSE_REASON: "  "})).errors == {
        ids.CLOSE_REASON: "Say why the order was not performed"
    }
    assert set(parse_close(fill(view)).errors) == {ids.CLOSE_OUTCOME}
    # completed without the technician attestation: an error under it, nothing closes
    unattested = parse_close(fill(view, {ids.CLOSE_OUTCOME: "completed"}))
    assert unattested.errors == {ids.CLOSE_ATTEST: close_form.ATTEST_ERROR}
    forged = fill(view, {ids.CLOSE_OUTCOME: "completed", ids.CLOSE_ATTEST: ["attested"]})
    forged["state"]["values"][ids.CLOSE_OUTCOME][ids.CLOSE_OUTCOME]["selected_option"]["value"] = "paid"
    assert set(parse_close(forged).errors) == {ids.CLOSE_OUTCOME}


def test_reject_and_field_worker_errors() -> None:
    assert parse_reject(fill(reject_modal(1, "SO-0001"), {ids.REJECT_REASON: " \n "})).errors == {
        ids.REJECT_REASON: "A reason is required"
    }
    assert (
        parse_reject(fill(reject_modal(1, "SO-0001"), {ids.REJECT_REASON: "r" * 3001}))
        .errors[ids.REJECT_REASON]
        .startswith("At most 3,000 characters")
    )
    view = field_workers_modal(1, "SO-0001", [])
    assert parse_field_workers(fill(view)).errors == {ids.FIELD_WORKERS: "Pick at least one person"}
    assert parse_field_workers(fill(view, {ids.FIELD_WORKERS: ["U0AAA111", 7]})).errors == {
        ids.FIELD_WORKERS: "Pick people from the list"
    }


def test_confirmation_needs_at_least_one_line() -> None:
    view = confirmation_modal(42, "SO-0042", 3, [])
    errors = parse_confirmation(fill(view)).errors
    assert errors == {ids.line_block(0, ids.LINE_DESC): "Add at least one line"}


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        "",
        "not json",
        "[]",
        "null",
        '{"order_id": "42"}',
        '{"order_id": true}',
        '{"order_id": 0}',
        '{"order_id": -1}',
        '{"order_id": 4.2}',
        '{"order_id": 42}' + " " * 3000,
    ],
)
def test_damaged_private_metadata(metadata: str | None) -> None:
    cases = [
        (
            parse_reject,
            fill(reject_modal(42, "SO-0042"), {ids.REJECT_REASON: "No budget"}),
            ids.REJECT_REASON,
        ),
        (
            parse_field_workers,
            fill(field_workers_modal(42, "SO-0042", []), {ids.FIELD_WORKERS: ["U0AAA111"]}),
            ids.FIELD_WORKERS,
        ),
        (
            parse_close,
            fill(close_modal(42, "SO-0042", True), {ids.CLOSE_OUTCOME: "completed"}),
            ids.CLOSE_OUTCOME,
        ),
        (
            parse_confirmation,
            fill(confirmation_modal(42, "SO-0042", 3, CURRENT_LINES)),
            ids.CONFIRMATION_NOTE,
        ),
    ]
    for parse, view, block_id in cases:
        view["private_metadata"] = metadata
        result = parse(view)
        assert not result.ok and result.value is None
        assert "could not be matched to an order" in result.errors[block_id]


def test_confirmation_without_revision_in_metadata() -> None:
    view = fill(confirmation_modal(42, "SO-0042", 3, CURRENT_LINES))
    view["private_metadata"] = json.dumps({"order_id": 42})
    # the lines survive damaged metadata (keys read from the blocks); the order does not
    assert set(parse_confirmation(view).errors) == {ids.CONFIRMATION_NOTE}


@pytest.mark.parametrize(
    "view",
    [
        None,
        42,
        "view",
        [],
        {},
        {"state": None},
        {"state": {"values": None}},
        {"state": {"values": []}},
        {"state": {"values": {ids.CLIENT: None}}},
        {"state": {"values": {ids.CLIENT: {ids.CLIENT: "x"}}}},
        {"state": {"values": {ids.CLIENT: {ids.CLIENT: {"value": 7}}}}},
        {"state": {"values": {ids.PRIORITY: {ids.PRIORITY: {"selected_option": "high"}}}}},
        {"state": {"values": {ids.PLANNED_DATE: {ids.PLANNED_DATE: {"selected_date": 20260615}}}}},
        {"blocks": None, "private_metadata": '{"keys": "all"}', "state": {"values": {"line:x:desc": {}}}},
        {"blocks": [None, 1, {"block_id": 5}], "private_metadata": '{"keys": [true, -1]}'},
    ],
)
def test_malformed_views_give_errors_not_exceptions(view: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        for parse in (parse_new_order, parse_confirmation, parse_reject, parse_field_workers, parse_close):
            result = parse(view)
            assert not result.ok and result.value is None and result.errors
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.errors.items())
    assert not caplog.records  # handled by the parsers themselves, not by the last-resort guard


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
_ids = st.sampled_from(
    [
        ids.CLIENT,
        ids.SITE,
        ids.TITLE,
        ids.PRIORITY,
        ids.PLANNED_DATE,
        ids.REJECT_REASON,
        ids.FIELD_WORKERS,
        ids.CLOSE_OUTCOME,
        ids.CLOSE_REASON,
        ids.CONFIRMATION_NOTE,
        ids.CONFIRMATION_FINAL,
        LINE_DESC_0,
        LINE_AMOUNT_0,
        ids.line_block(0, ids.LINE_ACTIONS),
    ]
)
_fuzzed_view = st.fixed_dictionaries(
    {
        "callback_id": st.sampled_from([ids.NEW_ORDER, ids.CONFIRMATION]),
        "private_metadata": st.one_of(st.text(max_size=40), _json.map(json.dumps)),
        "blocks": _json,
        "state": st.fixed_dictionaries(
            {"values": st.dictionaries(_ids, st.dictionaries(_ids, _json, max_size=2) | _json, max_size=6)}
        ),
    }
)


@settings(max_examples=300, deadline=None)
@given(view=_fuzzed_view)
def test_fuzzed_views_never_raise(view: dict[str, Any]) -> None:
    logger = logging.getLogger("forms.result")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        for parse in (parse_new_order, parse_confirmation, parse_reject, parse_field_workers, parse_close):
            result = parse(view)
            assert result.ok == (result.value is not None)
        assert_valid(with_line_added(view))
        assert_valid(with_line_removed(view, 0))
    finally:
        logger.removeHandler(handler)
    assert not records
