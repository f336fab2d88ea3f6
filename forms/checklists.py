"""The Self-checks forms: a picker when an order has several checklists (one button each, with how
far it is), and one checklist's form, each item an input of its kind — a checkbox, a text, a number
(typed: an error under the item when it is no number), a photo (Slack's file_input, images only).

The form opens with the answers given so far. Its metadata keeps, per item, a digest of the answer
shown and when it was given: only the items the person changed are sent (partial saves; an empty
photo input keeps the photos already given), each with when the answer it replaces was given, so
the workflow refuses to overwrite unseen what someone answered since."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from forms import blocks, ids
from forms.result import FormResult, failed, never_raises
from forms.state import (
    clean_text,
    metadata_int,
    read_metadata,
    selected_values,
    state_values,
    text_value,
    write_metadata,
)

TITLE = "Self-checks"
SUBMIT = "Save"
DONE_VALUE = "done"
TEXT_MAX = 3000
NUMBER_INPUT_MAX = 30
PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "gif", "webp"]
PHOTOS_MAX = 10
OPTION_TEXT_MAX = 75
STALE_FORM = "This form could not be matched to an order. Close it and open Self-checks again from the card."
NOTHING = "Nothing to save: answer an item, or close the form."
NOT_A_NUMBER = "Type a number, e.g. 2.5 or 2,5"
_NUMBER = re.compile(r"-?[0-9]{1,15}(?:[.,][0-9]{1,6})?")


@dataclass(frozen=True)
class FormItem:
    key: str
    label: str
    kind: str  # checkbox | text | number | photo
    required: bool
    value: Any = None  # as stored: bool, text, a number's text, [{"id", "name"}]
    at: str = ""  # when it was answered ("" never)


@dataclass(frozen=True)
class FormChecklist:
    id: int
    name: str
    required: bool
    items: tuple[FormItem, ...]
    done: int = 0  # items answered

    @property
    def progress(self) -> str:
        return f"{self.done} of {len(self.items)} done"


@dataclass(frozen=True)
class ItemAnswer:
    key: str
    was: str  # when the answer the form showed was given
    text: str = ""
    checked: bool = False
    files: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SelfCheckDraft:
    order_id: int
    checklist_id: int
    answers: tuple[ItemAnswer, ...]


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def picker_modal(order_id: int, number: str, checklists: list[FormChecklist]) -> dict[str, Any]:
    """The order's checklists, each with its progress and an Open button."""
    view_blocks: list[blocks.Block] = [
        blocks.section(None, f"Self-checks of *{blocks.escape_mrkdwn(number)}*: pick one to fill in.")
    ]
    for cl in checklists[:40]:
        need = " · _required before closing_" if cl.required else ""
        block = blocks.section(
            f"{ids.OPEN_CHECKLIST}:{cl.id}", f"*{blocks.escape_mrkdwn(cl.name)}* — {cl.progress}{need}"
        )
        block["accessory"] = {
            "type": "button",
            "action_id": ids.OPEN_CHECKLIST,
            "text": blocks.plain("Open"),
            "value": f"{order_id}:{cl.id}",
        }
        view_blocks.append(block)
    view = blocks.modal(ids.SELF_CHECK_PICKER, TITLE, "", view_blocks, write_metadata({"order_id": order_id}))
    del view["submit"]  # nothing to submit: each checklist opens from its button
    view["close"] = blocks.plain("Done")
    return view


def _digest(kind: str, shown: Any) -> str:
    """What the form showed of an item, in 8 characters (photos: never compared, see _answers)."""
    text = ("1" if shown is True else "0") if kind == "checkbox" else str(shown if shown is not None else "")
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _photo_names(value: Any) -> str:
    names = [str(f.get("name") or f.get("id") or "") for f in value or [] if isinstance(f, dict)]
    return ", ".join(names)


def _item_block(item: FormItem) -> blocks.Block:
    block_id = ids.self_check_block(item.key)
    label = _cut(item.label + ("" if item.required else " (optional)"), 2000)
    hint = None
    if item.kind == "checkbox":
        option = blocks.option(_cut(item.label, OPTION_TEXT_MAX), DONE_VALUE)
        element: dict[str, Any] = {
            "type": "checkboxes",
            "action_id": ids.SELF_CHECK_ITEM,
            "options": [option],
        }
        if item.value is True:
            element["initial_options"] = [option]
    elif item.kind == "photo":
        element = {
            "type": "file_input",
            "action_id": ids.SELF_CHECK_ITEM,
            "filetypes": PHOTO_TYPES,
            "max_files": PHOTOS_MAX,
        }
        given = _photo_names(item.value)
        hint = _cut(f"Given: {given}. Upload to replace them.", 2000) if given else "A photo is required."
    else:
        element = blocks.text_input(
            ids.SELF_CHECK_ITEM,
            max_length=TEXT_MAX if item.kind == "text" else NUMBER_INPUT_MAX,
            multiline=item.kind == "text",
            placeholder="e.g. 2.5" if item.kind == "number" else None,
            initial=str(item.value) if item.value not in (None, "") else None,
        )
    return blocks.input_block(block_id, label, element, optional=True, hint=hint)


def checklist_modal(order_id: int, number: str, checklist: FormChecklist) -> dict[str, Any]:
    """One checklist's form, filled with the answers given so far."""
    need = "Required before the order can be closed. " if checklist.required else ""
    name, order = blocks.escape_mrkdwn(checklist.name), blocks.escape_mrkdwn(number)
    intro = (
        f"*{name}* on *{order}* — {checklist.progress}. "
        f"{need}Save as often as you like: what you leave empty stays to do."
    )
    view_blocks = [blocks.section(None, _cut(intro, 3000)), *[_item_block(i) for i in checklist.items]]
    meta = {
        "order_id": order_id,
        "checklist_id": checklist.id,
        "items": {i.key: [i.kind, _digest(i.kind, i.value), i.at] for i in checklist.items},
    }
    return blocks.modal(ids.SELF_CHECK, TITLE, SUBMIT, view_blocks, write_metadata(meta))


def parse_number(text: str) -> str | None:
    """A number as typed ('2.5', '2,5', '-1'), as text ('2.5'); None when it is no number."""
    t = text.strip()
    return t.replace(",", ".") if _NUMBER.fullmatch(t) else None


def _files(values: dict[str, Any], block_id: str) -> tuple[dict, ...]:
    entry = values.get(block_id, {}).get(ids.SELF_CHECK_ITEM)
    files = entry.get("files") if isinstance(entry, dict) else None
    return tuple(
        {"id": str(f.get("id")), "name": str(f.get("name") or f.get("title") or "")[:255]}
        for f in files or []
        if isinstance(f, dict) and isinstance(f.get("id"), str)
    )


@never_raises(ids.SELF_CHECK_ITEM)
def parse_self_check(view: Any) -> FormResult[SelfCheckDraft]:
    """The items changed since the form opened, or errors under the item (a number that is none)."""
    values = state_values(view)
    meta = read_metadata(view)
    errors: dict[str, str] = {}
    items = meta.get("items") if isinstance(meta.get("items"), dict) else {}
    answers: list[ItemAnswer] = []
    first = ""
    for key, shown in items.items():  # type: ignore[union-attr]
        if not (isinstance(key, str) and isinstance(shown, list) and len(shown) == 3):
            continue
        kind, digest, was = (str(x) for x in shown)
        block_id = ids.self_check_block(key)
        first = first or block_id
        if kind == "photo":
            files = _files(values, block_id)
            if files:  # empty: the photos already given stay
                answers.append(ItemAnswer(key, was, files=files))
            continue
        if kind == "checkbox":
            checked = DONE_VALUE in selected_values(values, block_id, ids.SELF_CHECK_ITEM)
            if _digest(kind, checked) != digest:
                answers.append(ItemAnswer(key, was, checked=checked))
            continue
        text = clean_text(text_value(values, block_id, ids.SELF_CHECK_ITEM), multiline=kind == "text")
        if kind == "number" and text and parse_number(text) is None:
            errors[block_id] = NOT_A_NUMBER
            continue
        if len(text) > TEXT_MAX:
            errors[block_id] = f"At most {TEXT_MAX:,} characters"
            continue
        if _digest(kind, text) != digest:
            answers.append(
                ItemAnswer(key, was, text=parse_number(text) or text if kind == "number" else text)
            )
    order_id = metadata_int(meta, "order_id", 1)
    checklist_id = metadata_int(meta, "checklist_id", 1)
    if order_id is None or checklist_id is None or not first:
        errors[first or ids.SELF_CHECK_ITEM] = STALE_FORM
    elif not answers and not errors:
        errors[first] = NOTHING
    if errors or order_id is None or checklist_id is None:
        return failed(errors)
    return FormResult(SelfCheckDraft(order_id, checklist_id, tuple(answers)))
