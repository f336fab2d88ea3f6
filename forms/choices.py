"""The new-order form after a choice in the client or site picker, for views.update.

Site / address and Contact move to new block ids (the next version, see forms.pickers) carrying
what was typed there, or what the choice fills in: Slack would ignore a new initial_value under
the old ones.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from forms import ids, new_order
from forms.lines import row_keys, rows_from_state
from forms.pickers import VERSION_MAX, Pickers, pickers_of, site_picker
from forms.state import read_metadata, selected_value, state_values


@dataclass(frozen=True)
class ClientChoice:
    """The client chosen, as the bot found it: its sites (id, name) and the contact to fill in."""

    id: int
    name: str
    sites: list[tuple[int, str]]
    contact_id: int | None = None
    contact_text: str = ""


def _text(field_id: str, value: str | None) -> dict[str, Any]:
    return {field_id: {"type": "plain_text_input", "value": value}}


def _refilled(
    view: dict[str, Any], picks: Pickers, site: str | None = None, contact: str | None = None
) -> dict[str, Any]:
    """Gives the modal at the next version with Site and Contact as typed, or as given."""
    meta = read_metadata(view)
    old = pickers_of(view, meta)
    values = copy.deepcopy(state_values(view))
    site_old, contact_old = old.versioned(new_order.SITE), old.versioned(new_order.CONTACT)
    site_new, contact_new = picks.versioned(new_order.SITE), picks.versioned(new_order.CONTACT)
    values[site_new.block_id] = _text(site_new.block_id, site_old.raw(values) if site is None else site)
    values[contact_new.block_id] = _text(
        contact_new.block_id, contact_old.raw(values) if contact is None else contact
    )
    keys, next_key = row_keys(view, meta)
    rows = rows_from_state(view, keys)[: new_order.MAX_LINES]
    return new_order.rebuild(view, meta, rows, next_key, picks, values)


def _next_version(picks: Pickers) -> int:
    return picks.version + 1 if picks.version < VERSION_MAX else 1


def with_client_picked(view: dict[str, Any], client: ClientChoice | None) -> dict[str, Any]:
    """Gives the form after a client was chosen (None: a name typed, not in the list): its sites
    offered above Site / address, and Contact filled with its first contact when empty."""
    old = pickers_of(view, read_metadata(view))
    version = _next_version(old)
    if client is None:
        picks = replace(old, version=version, client_id=None, client_name="", site_block=None)
        return _refilled(view, picks)
    contact_now = old.versioned(new_order.CONTACT).raw(state_values(view))
    fill = client.contact_text if client.contact_id is not None and not (contact_now or "").strip() else None
    picks = replace(
        old,
        version=version,
        client_id=client.id,
        client_name=client.name,
        site_block=site_picker(version, client.sites),
        contact_id=client.contact_id if fill else None,
        contact_text=fill or "",
    )
    return _refilled(view, picks, contact=fill)


def with_site_picked(
    view: dict[str, Any], text: str, contact_id: int | None = None, contact_text: str = ""
) -> dict[str, Any]:
    """Gives the form with Site / address filled with the chosen site's name, address and access
    notes (the site select keeps its choice: it moves to the new version with it), and Contact with
    the site's contact when given, unless the person typed a contact of their own."""
    meta = read_metadata(view)
    old = pickers_of(view, meta)
    version = _next_version(old)
    block = copy.deepcopy(old.site_block) if old.site_block else None
    contact_now = (old.versioned(new_order.CONTACT).raw(state_values(view)) or "").strip()
    ours = not contact_now or (old.contact_id is not None and contact_now == old.contact_text.strip())
    fill = contact_text if contact_id is not None and ours else None
    picks = replace(old, version=version, site_block=block)
    if fill:
        picks = replace(picks, contact_id=contact_id, contact_text=fill)
    if block is not None:
        block["block_id"] = picks.site_pick_block
        chosen = selected_value(state_values(view), old.site_pick_block, ids.SITE_PICK)
        select = block["elements"][0]
        for option in select.get("options") or []:
            if option.get("value") == chosen:
                select["initial_option"] = option
    return _refilled(view, picks, site=text[: new_order.SITE.max_length], contact=fill)
