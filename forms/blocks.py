"""Small builders for the Block Kit dicts the modals are made of (Block Kit Builder JSON)."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def escape_mrkdwn(text: str) -> str:
    """Escapes the three characters Slack treats as control sequences in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_input(
    action_id: str,
    *,
    max_length: int,
    multiline: bool = False,
    placeholder: str | None = None,
    initial: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if initial:
        # Slack refuses a view whose initial value is longer than the input allows.
        element["initial_value"] = initial[:max_length]
    return element


def section(block_id: str | None, text: str) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(block_id: str | None, text: str) -> Block:
    block: Block = {"type": "context", "elements": [mrkdwn(text)]}
    if block_id:
        block["block_id"] = block_id
    return block


def modal(
    callback_id: str,
    title: str,
    submit: str,
    blocks: list[Block],
    private_metadata: str,
    close: str = "Cancel",
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title),
        "submit": plain(submit),
        "close": plain(close),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }
