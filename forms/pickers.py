"""The client, site and contact part of the new-order form when the company keeps a client list.

The Client input becomes an external_select answered from the client list (bot.listeners.options);
choosing a client offers its sites in a static_select and fills Contact; choosing a site fills
Site / address. Slack keeps what a person typed under the same block_id/action_id and ignores a
new initial_value there, so every refill moves Site, Contact and the site select to new block ids:
`site.3`, `contact.3`, `site_pick.3`, the number (`version`) kept in private_metadata with what was
picked: `{"clients": 1, "v": 3, "client": [12, "Acme"], "contact": [40, "Ana, +34 600…"]}`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from forms import blocks, ids
from forms.state import TextField, metadata_int, selected_value

OPTION_TEXT_MAX = 75  # Slack's limits for an option (slack-facts §5)
OPTION_VALUE_MAX = 150
VERSION_MAX = 999_999
NAME_MAX = 200  # a client's name (storage.models.Client)
CONTACT_TEXT_MAX = 200  # the Contact input


def _fit(text: str, room: int) -> str:
    return text if len(text) <= room else text[: room - 1] + "…"


def client_option(client_id: int, name: str, number: str | None) -> dict[str, Any]:
    """Gives the option a client is listed as: "Acme Facilities — B-12345678"."""
    suffix = f" — {number}" if number else ""
    if len(suffix) > OPTION_TEXT_MAX // 2:
        suffix = _fit(suffix, OPTION_TEXT_MAX // 2)
    return blocks.option(_fit(name, OPTION_TEXT_MAX - len(suffix)) + suffix, str(client_id))


def new_client_option(typed: str) -> dict[str, Any]:
    """Gives the last option of every answer: the typed name itself, for a client not in the list
    yet (Workflow.submit then asks the admins to add it)."""
    typed = " ".join(typed.split())
    shown = _fit(typed, OPTION_TEXT_MAX - len("➕ “” (not in the client list)"))
    value = ids.NEW_CLIENT + typed[: OPTION_VALUE_MAX - len(ids.NEW_CLIENT)]
    return blocks.option(f"➕ “{shown}” (not in the client list)", value)


def site_option(site_id: int, name: str) -> dict[str, Any]:
    return blocks.option(_fit(name, OPTION_TEXT_MAX), str(site_id))


def site_text(name: str, address: str, access_notes: str) -> str:
    """Gives what Site / address is filled with when a site is chosen."""
    return "\n".join(part.strip() for part in (name, address, access_notes) if part.strip())


@dataclass(frozen=True)
class Pickers:
    """What the new-order form remembers of the master data it was filled from."""

    clients: bool = False  # the company keeps a client list: Client is a picker
    version: int = 0  # suffix of the Site, Contact and site select block ids
    client_id: int | None = None  # the client chosen (as the bot last saw it)
    client_name: str = ""
    contact_id: int | None = None  # the contact the bot filled in …
    contact_text: str = ""  # … as this text (typed over: no longer that contact)
    site_block: dict[str, Any] | None = None  # the client's sites (kept from the view, not metadata)

    def versioned(self, field: TextField) -> TextField:
        """Gives field under the block id of this version (block id == action id)."""
        return field if self.version == 0 else replace(field, block_id=f"{field.block_id}.{self.version}")

    @property
    def site_pick_block(self) -> str:
        return f"{ids.SITE_PICK}.{self.version}"

    def to_meta(self) -> dict[str, Any]:
        if not self.clients:
            return {}
        meta: dict[str, Any] = {"clients": 1, "v": self.version}
        if self.client_id is not None:
            meta["client"] = [self.client_id, self.client_name[:NAME_MAX]]
        if self.contact_id is not None:
            meta["contact"] = [self.contact_id, self.contact_text[:CONTACT_TEXT_MAX]]
        return meta


def _pair(meta: dict[str, Any], name: str) -> tuple[int | None, str]:
    raw = meta.get(name)
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], int)
        and not isinstance(raw[0], bool)
        and 0 < raw[0] < 2**63
        and isinstance(raw[1], str)
    ):
        return raw[0], raw[1]
    return None, ""


def pickers_of(view: Any, meta: dict[str, Any]) -> Pickers:
    """Gives what the view's metadata says was picked, and its site select (if any)."""
    if meta.get("clients") != 1:
        return Pickers()
    version = metadata_int(meta, "v", 0)
    version = version if version is not None and version <= VERSION_MAX else 0
    client_id, client_name = _pair(meta, "client")
    contact_id, contact_text = _pair(meta, "contact")
    found = Pickers(True, version, client_id, client_name, contact_id, contact_text)
    view_blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in view_blocks if isinstance(view_blocks, list) else []:
        if isinstance(block, dict) and block.get("block_id") == found.site_pick_block:
            return replace(found, site_block=block)
    return found


def site_picker(version: int, sites: list[tuple[int, str]]) -> dict[str, Any] | None:
    """Gives the select of the client's sites (None when it has none), above Site / address."""
    if not sites:
        return None
    return {
        "type": "actions",
        "block_id": f"{ids.SITE_PICK}.{version}",
        "elements": [
            {
                "type": "static_select",
                "action_id": ids.SITE_PICK,
                "placeholder": blocks.plain("Pick one of the client's sites"),
                "options": [site_option(i, name) for i, name in sites[:100]],
            }
        ],
    }


def client_block() -> blocks.Block:
    """Gives the Client picker: choosing fires block_actions (dispatch_action) to offer the sites."""
    element = {
        "type": "external_select",
        "action_id": ids.CLIENT_PICK,
        "placeholder": blocks.plain("Type a name or number"),
        "min_query_length": 1,
    }
    block = blocks.input_block(ids.CLIENT, "Client", element, optional=False)
    block["dispatch_action"] = True
    return block


def read_client(values: dict[str, Any], picks: Pickers, errors: dict[str, str]) -> tuple[str, int | None]:
    """Gives the client's name and id as chosen in the picker (id None: typed, not in the list)."""
    entry = (
        values.get(ids.CLIENT, {}).get(ids.CLIENT_PICK) if isinstance(values.get(ids.CLIENT), dict) else None
    )
    selected = entry.get("selected_option") if isinstance(entry, dict) else None
    value = selected.get("value") if isinstance(selected, dict) else None
    text = (
        selected.get("text", {}).get("text")
        if isinstance(selected, dict) and isinstance(selected.get("text"), dict)
        else None
    )
    if not isinstance(value, str) or not value.strip():
        errors[ids.CLIENT] = "Pick a client, or type a new one"
        return "", None
    if value.startswith(ids.NEW_CLIENT):
        name = " ".join(value[len(ids.NEW_CLIENT) :].split())
        if not name:
            errors[ids.CLIENT] = "Pick a client, or type a new one"
        return name[:NAME_MAX], None
    if not value.isdigit() or not 0 < int(value) < 2**63:
        errors[ids.CLIENT] = "Pick a client, or type a new one"
        return "", None
    client_id = int(value)
    if picks.client_id == client_id and picks.client_name:
        return picks.client_name, client_id
    # chosen and submitted before the bot saw the choice: the option's text, less the number
    name = (text if isinstance(text, str) else "").rsplit(" — ", 1)[0].rstrip("…").strip()
    return name[:NAME_MAX], client_id


def read_site_id(values: dict[str, Any], picks: Pickers) -> int | None:
    """Gives the site chosen in the site select of this version (a site of the chosen client)."""
    if picks.client_id is None:
        return None
    value = selected_value(values, picks.site_pick_block, ids.SITE_PICK)
    return int(value) if value and value.isdigit() and 0 < int(value) < 2**63 else None
