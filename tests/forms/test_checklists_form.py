"""The Self-checks forms: valid Block Kit (a checklist of 30 items, a picker of many); the form opens
with the answers given; only the items changed are sent, each with when the answer it replaces was
given; a number that is none is an error under its item; an empty photo input keeps the photos."""

from __future__ import annotations

from slack_sdk.models.views import View
from test_forms import fill

from forms import FormChecklist, FormItem, checklist_modal, ids, parse_self_check, picker_modal
from forms.checklists import NOT_A_NUMBER, NOTHING

AT = "2026-12-04T08:00:00+00:00"
SAFETY = FormChecklist(
    7,
    "Safety <b>",
    True,
    (
        FormItem("i1", "Power off", "checkbox", True, True, AT),
        FormItem("i2", "Gas tight", "checkbox", True),
        FormItem("i3", "Pressure (bar)", "number", True, "2.5", AT),
        FormItem("i4", "Remarks", "text", False),
        FormItem("i5", "Photo of meter", "photo", True, [{"id": "F1", "name": "meter.jpg"}], AT),
    ),
    done=3,
)


def block(view: dict, key: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == ids.self_check_block(key))


def test_the_forms_are_valid_block_kit_and_open_with_the_answers_given() -> None:
    view = checklist_modal(42, "SO-0042", SAFETY)
    View(**view).validate_json()
    assert view["callback_id"] == ids.SELF_CHECK and "Safety &lt;b&gt;" in view["blocks"][0]["text"]["text"]
    assert block(view, "i1")["element"]["initial_options"][0]["value"] == "done"
    assert "initial_options" not in block(view, "i2")["element"]
    assert block(view, "i3")["element"]["initial_value"] == "2.5"
    assert block(view, "i4")["label"]["text"] == "Remarks (optional)"
    photo = block(view, "i5")
    assert photo["element"]["type"] == "file_input" and "jpg" in photo["element"]["filetypes"]
    assert "meter.jpg" in photo["hint"]["text"]
    many = FormChecklist(
        8, "L" * 100, False, tuple(FormItem(f"i{n}", "x" * 150, "text", True) for n in range(30))
    )
    big = checklist_modal(42, "SO-0042", many)
    View(**big).validate_json()
    assert len(big["blocks"]) <= 100 and len(big["private_metadata"]) <= 3000
    picker = picker_modal(42, "SO-0042", [SAFETY, many])
    View(**picker).validate_json()
    assert "submit" not in picker and [b["accessory"]["value"] for b in picker["blocks"][1:]] == [
        "42:7",
        "42:8",
    ]


def test_only_the_items_changed_are_sent_with_when_the_answer_they_replace_was_given() -> None:
    view = checklist_modal(42, "SO-0042", SAFETY)
    submitted = fill(view, {ids.self_check_block("i2"): ["done"], ids.self_check_block("i3"): "3,75"})
    result = parse_self_check(submitted)
    assert result.ok, result.errors
    draft = result.value
    assert (draft.order_id, draft.checklist_id) == (42, 7)
    assert [(a.key, a.was, a.checked, a.text) for a in draft.answers] == [
        ("i2", "", True, ""),
        ("i3", AT, False, "3.75"),
    ]  # Power off, Remarks, the photo: as they were, not sent

    # unticking is a change too; a new photo replaces the ones given
    submitted = fill(view, {ids.self_check_block("i1"): []})
    submitted["state"]["values"][ids.self_check_block("i5")] = {
        ids.SELF_CHECK_ITEM: {
            "type": "file_input",
            "files": [{"id": "F9", "name": "valve.png", "mimetype": "x"}],
        }
    }
    answers = parse_self_check(submitted).value.answers
    assert [(a.key, a.checked, a.files) for a in answers] == [
        ("i1", False, ()),
        ("i5", False, ({"id": "F9", "name": "valve.png"},)),
    ]


def test_bad_input_is_an_error_under_its_item() -> None:
    view = checklist_modal(42, "SO-0042", SAFETY)
    bad = parse_self_check(fill(view, {ids.self_check_block("i3"): "about 3"}))
    assert bad.errors == {ids.self_check_block("i3"): NOT_A_NUMBER}
    unchanged = parse_self_check(fill(view))
    assert unchanged.errors == {ids.self_check_block("i1"): NOTHING}
    forged = fill(view, {ids.self_check_block("i2"): ["done"]})
    forged["private_metadata"] = '{"order_id": "x"}'
    assert not parse_self_check(forged).ok
    assert not parse_self_check({"nonsense": True}).ok
