"""Choices in the master-data pickers of a form: the form refills itself through views.update.

Choosing a client offers its sites and fills Contact; choosing a site fills Site / address;
choosing a catalog item fills its line. Each reads one or two records, rebuilds the modal from the
payload's view (every typed value kept) and acks; the views.update, with the view's hash, follows
the HTTP answer (bot.after), so a quicker second choice wins rather than being overwritten by the first.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.listeners.common import update_view
from forms import ids
from forms.choices import ClientChoice, with_client_picked, with_site_picked
from forms.editor import with_item_picked
from forms.lines import CatalogPick
from forms.pickers import pickers_of, site_text
from forms.state import read_metadata
from workflow.masterdata import ClientView, ContactView, MasterData

log = logging.getLogger(__name__)

_ROW_ACTIONS = re.compile(rf"{re.escape(ids.LINE_PREFIX)}([0-9]{{1,6}}):{ids.LINE_ACTIONS}")


def register(app: App) -> None:
    app.action(ids.CLIENT_PICK)(client_picked)
    app.action(ids.SITE_PICK)(site_picked)
    app.action(ids.CATALOG_ITEM)(item_picked)


def _chosen(body: dict) -> str:
    """The value of the option chosen (payloads come from outside: "" when there is none)."""
    action = (body.get("actions") or [{}])[0]
    selected = action.get("selected_option") if isinstance(action, dict) else None
    value = selected.get("value") if isinstance(selected, dict) else None
    return value if isinstance(value, str) else ""


def _record_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def _view(body: dict) -> dict:
    view = body.get("view")
    return view if isinstance(view, dict) else {}


def contact_text(contact: ContactView) -> str:
    """What Contact is filled with: "Marta Ruiz, +34 600 123 456"."""
    return ", ".join(part for part in (contact.name, contact.phone or contact.email) if part)


def client_choice(master: MasterData, client: ClientView) -> ClientChoice:
    sites = [(s.id, s.name) for s in master.sites_of(client.id)]
    contacts = master.contacts_of(client.id)
    first = contacts[0] if contacts else None
    return ClientChoice(
        client.id, client.name, sites, first.id if first else None, contact_text(first) if first else ""
    )


def client_picked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    view, value = _view(body), _chosen(body)
    if view.get("callback_id") != ids.NEW_ORDER or not value:
        return
    master: MasterData = context["workflow"].master
    client_id = _record_id(value)
    found = master.client(client_id) if client_id is not None else None
    choice = client_choice(master, found) if found is not None and found.active else None
    update_view(context, body, client, with_client_picked(view, choice))


def site_picked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    view = _view(body)
    site_id = _record_id(_chosen(body))
    if view.get("callback_id") != ids.NEW_ORDER or site_id is None:
        return
    site = context["workflow"].master.site(site_id)
    if site is None or site.client_id != pickers_of(view, read_metadata(view)).client_id:
        log.warning("site %s is not one of the chosen client's", site_id)
        return
    contacts = [
        c for c in context["workflow"].master.contacts_of(site.client_id, site.id) if c.site_id == site.id
    ]
    first = contacts[0] if contacts else None
    text = site_text(site.name, site.address, site.access_notes)
    if first is None:
        update_view(context, body, client, with_site_picked(view, text))
    else:
        update_view(context, body, client, with_site_picked(view, text, first.id, contact_text(first)))


def item_picked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    view = _view(body)
    action = (body.get("actions") or [{}])[0]
    row = _ROW_ACTIONS.fullmatch(str(action.get("block_id", "")) if isinstance(action, dict) else "")
    item_id = _record_id(_chosen(body))
    if view.get("callback_id") not in (ids.NEW_ORDER, ids.CONFIRMATION) or row is None or item_id is None:
        return
    item = context["workflow"].master.item(item_id)
    if item is None or not item.active:
        return
    pick = CatalogPick(item.id, item.code, item.name, item.kind, item.unit, item.unit_price)
    update_view(context, body, client, with_item_picked(view, int(row[1]), pick))
