"""Block Kit checks and view state, as Slack applies them (standard library only).

Slack rejects messages and views that break Block Kit's limits; the errors carry
``response_metadata.messages`` entries like ``[ERROR] must be less than 51 items [json-pointer:/blocks]``.
A view's ``state.values`` is keyed ``block_id -> action_id -> {"type": ..., <value field>: ...}``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100

# element type -> (state field, initial field, empty value)
STATE_FIELDS: dict[str, tuple[str, str, Any]] = {
    "plain_text_input": ("value", "initial_value", None),
    "number_input": ("value", "initial_value", None),
    "email_text_input": ("value", "initial_value", None),
    "url_text_input": ("value", "initial_value", None),
    "rich_text_input": ("rich_text_value", "initial_value", None),
    "datepicker": ("selected_date", "initial_date", None),
    "timepicker": ("selected_time", "initial_time", None),
    "datetimepicker": ("selected_date_time", "initial_date_time", None),
    "static_select": ("selected_option", "initial_option", None),
    "external_select": ("selected_option", "initial_option", None),
    "radio_buttons": ("selected_option", "initial_option", None),
    "multi_static_select": ("selected_options", "initial_options", []),
    "multi_external_select": ("selected_options", "initial_options", []),
    "checkboxes": ("selected_options", "initial_options", []),
    "users_select": ("selected_user", "initial_user", None),
    "multi_users_select": ("selected_users", "initial_users", []),
    "conversations_select": ("selected_conversation", "initial_conversation", None),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", []),
    "channels_select": ("selected_channel", "initial_channel", None),
    "multi_channels_select": ("selected_channels", "initial_channels", []),
    "file_input": ("files", "__none__", []),
}

_TEXT_INPUTS = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def block_elements(block: dict) -> list[dict]:
    """Interactive elements a block holds (input element, actions elements, section accessory)."""
    kind = block.get("type")
    if kind == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    if kind == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    if kind == "section" and isinstance(block.get("accessory"), dict):
        return [block["accessory"]]
    return []


def iter_elements(blocks: list[dict]) -> Iterator[tuple[dict, dict]]:
    for block in blocks or []:
        if isinstance(block, dict):
            for element in block_elements(block):
                yield block, element


def find_element(blocks: list[dict], block_id: str | None, action_id: str) -> tuple[dict, dict] | None:
    for block, element in iter_elements(blocks):
        if element.get("action_id") == action_id and (block_id is None or block.get("block_id") == block_id):
            return block, element
    return None


def all_options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def initial_element_state(element: dict) -> dict | None:
    kind = element.get("type")
    if kind not in STATE_FIELDS:
        return None
    field, initial, empty = STATE_FIELDS[kind]
    value = copy.deepcopy(element.get(initial, copy.copy(empty)))
    if kind == "number_input" and value is not None:
        value = str(value)
    return {"type": kind, field: value}


def build_state(blocks: list[dict], previous: dict | None = None) -> dict:
    """state for a view: kept values where block_id/action_id/type survive, else initial values."""
    previous_values = (previous or {}).get("values", {})
    values: dict[str, dict] = {}
    for block, element in iter_elements(blocks):
        state = initial_element_state(element)
        if state is None:
            continue
        block_id, action_id = block.get("block_id"), element.get("action_id")
        old = previous_values.get(block_id, {}).get(action_id)
        if old is not None and old.get("type") == state["type"]:
            state = copy.deepcopy(old)
        values.setdefault(block_id, {})[action_id] = state
    return {"values": values}


def assign_ids(blocks: list[dict], new_id) -> list[dict]:
    """Slack gives blocks and elements without ids random ones; so do we (on a copy)."""
    blocks = copy.deepcopy(blocks or [])
    for block in blocks:
        if isinstance(block, dict):
            block.setdefault("block_id", new_id())
            for element in block_elements(block):
                if element.get("type") in STATE_FIELDS or element.get("type") in {"button", "overflow"}:
                    element.setdefault("action_id", new_id())
    return blocks


def validate_blocks(blocks: Any, limit: int, pointer: str) -> list[str]:
    """Block Kit problems as Slack words them ('... [json-pointer:/blocks/3/text]')."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"must be less than {limit + 1} items [json-pointer:{pointer}]")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(block, dict) or not block.get("type"):
            problems.append(f"missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                problems.append(f"must be less than 256 characters [json-pointer:{where}/block_id]")
            if block_id in seen:
                problems.append(f"{block_id} is not unique [json-pointer:{where}/block_id]")
            seen.add(block_id)
        problems.extend(_validate_block(block, where))
    return problems


def _validate_block(block: dict, where: str) -> list[str]:
    problems: list[str] = []
    kind = block["type"]

    def too_long(value: Any, limit: int, path: str) -> None:
        if len(_text(value)) > limit:
            problems.append(f"must be less than {limit + 1} characters [json-pointer:{where}{path}]")

    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            problems.append(f"must provide either text or fields [json-pointer:{where}]")
        too_long(block.get("text"), 3000, "/text/text")
        fields = block.get("fields") or []
        if len(fields) > 10:
            problems.append(f"must be less than 11 items [json-pointer:{where}/fields]")
        for j, field in enumerate(fields):
            too_long(field, 2000, f"/fields/{j}/text")
    elif kind == "header":
        too_long(block.get("text"), 150, "/text/text")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements:
            problems.append(f"must provide at least 1 element [json-pointer:{where}/elements]")
        if len(elements) > 25:
            problems.append(f"must be less than 26 items [json-pointer:{where}/elements]")
    elif kind == "context":
        if len(block.get("elements") or []) > 10:
            problems.append(f"must be less than 11 items [json-pointer:{where}/elements]")
    elif kind == "input":
        if not block.get("label"):
            problems.append(f"missing required field: label [json-pointer:{where}]")
        if not isinstance(block.get("element"), dict):
            problems.append(f"missing required field: element [json-pointer:{where}]")
        too_long(block.get("label"), 2000, "/label/text")
        too_long(block.get("hint"), 2000, "/hint/text")
    action_ids: set[str] = set()
    for k, element in enumerate(block_elements(block)):
        path = f"/elements/{k}" if kind == "actions" else ("/element" if kind == "input" else "/accessory")
        problems.extend(_validate_element(element, f"{where}{path}"))
        action_id = element.get("action_id")
        if action_id is not None:
            if action_id in action_ids:
                problems.append(f"{action_id} is not unique [json-pointer:{where}{path}/action_id]")
            action_ids.add(action_id)
    return problems


def _validate_element(element: dict, where: str) -> list[str]:
    problems: list[str] = []
    kind = element.get("type")
    if not kind:
        return [f"missing required field: type [json-pointer:{where}]"]
    if len(str(element.get("action_id", ""))) > 255:
        problems.append(f"must be less than 256 characters [json-pointer:{where}/action_id]")
    if kind == "button":
        if len(_text(element.get("text"))) > 75:
            problems.append(f"must be less than 76 characters [json-pointer:{where}/text/text]")
        if len(str(element.get("value", ""))) > 2000:
            problems.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
    if kind in {"static_select", "multi_static_select", "radio_buttons", "checkboxes", "overflow"}:
        options = all_options(element)
        limit = {"checkboxes": 10, "overflow": 5}.get(kind, 100)
        if len(element.get("options") or []) > limit:
            problems.append(f"must be less than {limit + 1} items [json-pointer:{where}/options]")
        if not options and kind != "multi_static_select":
            problems.append(f"must provide options or option_groups [json-pointer:{where}]")
        for j, option in enumerate(options):
            if len(_text(option.get("text"))) > 75:
                problems.append(
                    f"must be less than 76 characters [json-pointer:{where}/options/{j}/text/text]"
                )
            if len(str(option.get("value", ""))) > 150:
                problems.append(f"must be less than 151 characters [json-pointer:{where}/options/{j}/value]")
    if kind == "plain_text_input":
        max_length = element.get("max_length")
        if max_length is not None and not 1 <= int(max_length) <= 3000:
            problems.append(f"must be between 1 and 3000 [json-pointer:{where}/max_length]")
    if kind == "number_input" and "is_decimal_allowed" not in element:
        problems.append(f"missing required field: is_decimal_allowed [json-pointer:{where}]")
    if kind == "datepicker" and element.get("initial_date") is not None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(element["initial_date"])):
            problems.append(f"must match YYYY-MM-DD [json-pointer:{where}/initial_date]")
    return problems


def validate_view(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    problems: list[str] = []
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        problems.append("must be one of modal, home [json-pointer:/view/type]")
    if kind == "modal":
        title = view.get("title")
        if not title:
            problems.append("missing required field: title [json-pointer:/view]")
        elif len(_text(title)) > 24:
            problems.append("must be less than 25 characters [json-pointer:/view/title/text]")
        for key in ("submit", "close"):
            if len(_text(view.get(key))) > 24:
                problems.append(f"must be less than 25 characters [json-pointer:/view/{key}/text]")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and not view.get("submit"):
            problems.append("must provide a submit property when using input blocks [json-pointer:/view]")
    if len(str(view.get("private_metadata") or "")) > 3000:
        problems.append("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    if len(str(view.get("callback_id") or "")) > 255:
        problems.append("must be less than 256 characters [json-pointer:/view/callback_id]")
    problems.extend(validate_blocks(view.get("blocks"), VIEW_BLOCKS_MAX, "/view/blocks"))
    return problems


def client_side_errors(view: dict) -> dict[str, str]:
    """What Slack's own client refuses before it sends a view_submission (required, number, length)."""
    errors: dict[str, str] = {}
    values = view.get("state", {}).get("values", {})
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        kind = element.get("type")
        if kind not in STATE_FIELDS:
            continue
        field = STATE_FIELDS[kind][0]
        state = values.get(block.get("block_id"), {}).get(element.get("action_id"), {})
        value = state.get(field)
        if value in (None, "", []):
            if not block.get("optional"):
                errors[block["block_id"]] = "Please fill out this field."
            continue
        if kind == "number_input":
            try:
                number = float(value)
            except ValueError:
                errors[block["block_id"]] = "Please enter a number."
                continue
            if not element.get("is_decimal_allowed") and not re.fullmatch(r"-?\d+", str(value)):
                errors[block["block_id"]] = "Please enter a whole number."
            elif element.get("min_value") is not None and number < float(element["min_value"]):
                errors[block["block_id"]] = f"Please enter a number of at least {element['min_value']}."
            elif element.get("max_value") is not None and number > float(element["max_value"]):
                errors[block["block_id"]] = f"Please enter a number no more than {element['max_value']}."
        elif kind in _TEXT_INPUTS:
            if element.get("min_length") is not None and len(value) < int(element["min_length"]):
                errors[block["block_id"]] = f"Please enter at least {element['min_length']} characters."
            elif element.get("max_length") is not None and len(value) > int(element["max_length"]):
                errors[block["block_id"]] = f"Please enter no more than {element['max_length']} characters."
    return errors
