"""Admins keep the master data from Slack: `/so catalog`, `/so clients`, their modals, the Edit and
Add buttons, and the "Add client" button of the DM about a client a coordinator typed.

Every click and every submission checks on the server that the person is an admin: the buttons
are only pointers (a record id), never permissions.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.after import after_response
from bot.listeners.common import answer, open_form
from forms import blocks, ids
from forms import master as forms_master
from workflow.master_admin import ClientFields, ContactFields, Invalid, ItemFields, MasterAdmin, SiteFields
from workflow.rules import Power
from workflow.service import Refused

log = logging.getLogger(__name__)

CATALOG_REFUSAL = "Only an admin can change the catalog. Ask an admin, or `/so role list` shows who is one."
CLIENTS_REFUSAL = (
    "Only an admin can change the client list. Ask an admin, or `/so role list` shows who is one."
)


def register(app: App) -> None:
    app.view(ids.MASTER_ITEM)(submit_item)
    app.view(ids.MASTER_CLIENT)(submit_client)
    app.view(ids.MASTER_SITE)(submit_site)
    app.view(ids.MASTER_CONTACT)(submit_contact)
    app.action(ids.EDIT_ITEM)(edit_item)
    app.action(ids.EDIT_CLIENT)(edit_client)
    app.action(ids.EDIT_SITE)(edit_site)
    app.action(ids.EDIT_CONTACT)(edit_contact)
    app.action(ids.ADD_SITE)(add_site)
    app.action(ids.ADD_CONTACT)(add_contact)
    app.action(ids.ADD_TYPED_CLIENT)(add_typed_client)


def _admin(context: BoltContext, user: str) -> bool:
    return context["workflow"].may(user, Power.MANAGE_MASTER_DATA)


def _user(body: dict) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _value_id(body: dict) -> int | None:
    """The record id a button carries (a pointer only)."""
    try:
        value = int(str(body["actions"][0]["value"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def _show(context: BoltContext, client: WebClient, body: dict, view: dict) -> None:
    """Open view, or push it over the modal the button is in (Slack stacks at most 3), after the
    HTTP answer."""
    after_response(context, _open_or_push, client, body, view)


def _open_or_push(client: WebClient, body: dict, view: dict) -> None:
    trigger = str(body.get("trigger_id") or "")
    try:
        if (body.get("container") or {}).get("type") == "view":
            client.views_push(trigger_id=trigger, view=view)
        else:
            client.views_open(trigger_id=trigger, view=view)
    except SlackApiError as e:
        log.warning("could not show a master-data form: %s", e.response.get("error"))


# ------------------------------------------------------------------------------------ /so catalog


def open_catalog(
    ack: Ack, body: dict, client: WebClient, context: BoltContext, user: str, typed: str
) -> None:
    """/so catalog: the new-item form; /so catalog CODE or words: that item's form, or a list of
    the matches with an Edit button each."""
    if not _admin(context, user):
        ack(text=CATALOG_REFUSAL)
        return
    typed = typed.strip()
    if not typed:
        _open_now(ack, body, client, context, forms_master.item_modal())
        return
    found = MasterAdmin(context["workflow"]).find_items(typed)
    if len(found) == 1:
        _open_now(ack, body, client, context, forms_master.item_modal(found[0]))
        return
    if not found:
        ack(text=f"No catalog item matches `{blocks.escape_mrkdwn(typed[:40])}`. `/so catalog` adds one.")
        return
    rows = [
        _edit_row(
            f"*{blocks.escape_mrkdwn(i.code)}* {blocks.escape_mrkdwn(i.name)} · "
            f"{blocks.escape_mrkdwn(i.unit)} × {i.unit_price}",
            ids.EDIT_ITEM,
            i.id,
            i.active,
        )
        for i in found
    ]
    ack(
        text=f"Catalog items matching `{blocks.escape_mrkdwn(typed[:40])}`",
        blocks=[blocks.section(None, f"Catalog items matching `{blocks.escape_mrkdwn(typed[:40])}`:"), *rows],
    )


def _edit_row(text: str, action_id: str, record_id: int, active: bool) -> dict:
    shown = text if active else f"{text} _(inactive)_"
    block = blocks.section(None, shown)
    block["accessory"] = {
        "type": "button",
        "action_id": action_id,
        "text": blocks.plain("Edit"),
        "value": str(record_id),
    }
    return block


def _open_now(ack: Ack, body: dict, client: WebClient, context: BoltContext, view: dict) -> None:
    """Ack the command, then open its form (after the HTTP answer, within the trigger's 3 s)."""
    ack()
    open_form(context, client, body, view, "Please run the command again.")


def edit_item(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    if not _admin(context, _user(body)):
        answer(context, client, body, CATALOG_REFUSAL)
        return
    item_id = _value_id(body)
    item = context["workflow"].master.item(item_id) if item_id else None
    if item is None:
        answer(context, client, body, "That catalog item no longer exists.")
        return
    _show(context, client, body, forms_master.item_modal(item))


def submit_item(ack: Ack, body: dict, context: BoltContext) -> None:
    view = body.get("view") or {}
    result = forms_master.parse_item(view)
    if not result.ok or result.value is None:
        ack(response_action="errors", errors=result.errors)
        return
    d = result.value
    fields = ItemFields(d.code, d.name, d.kind, d.unit, d.unit_price, d.active, d.vat_rate, d.vat_exemption)
    try:
        MasterAdmin(context["workflow"]).save_item(_user(body), fields, d.item_id)
    except Refused as r:
        ack(response_action="errors", errors=_errors(r, forms_master.ITEM_BLOCKS, ids.ITEM_CODE, context))
        return
    ack()


# ------------------------------------------------------------------------------------ /so clients


def open_clients(
    ack: Ack, body: dict, client: WebClient, context: BoltContext, user: str, typed: str
) -> None:
    """/so clients: the new-client form; /so clients NAME or NUMBER: that client's form (with its
    sites and contacts), or a list of the matches with an Edit button each."""
    if not _admin(context, user):
        ack(text=CLIENTS_REFUSAL)
        return
    typed = typed.strip()
    if not typed:
        _open_now(ack, body, client, context, forms_master.client_modal())
        return
    admin = MasterAdmin(context["workflow"])
    found = admin.find_clients(typed)
    if len(found) == 1:
        _open_now(ack, body, client, context, _client_view(admin, found[0].id))
        return
    if not found:
        ack(text=f"No client matches `{blocks.escape_mrkdwn(typed[:40])}`. `/so clients` adds one.")
        return
    rows = [
        _edit_row(
            f"*{blocks.escape_mrkdwn(c.name)}*{' · ' + blocks.escape_mrkdwn(c.number) if c.number else ''}",
            ids.EDIT_CLIENT,
            c.id,
            c.active,
        )
        for c in found
    ]
    ack(
        text=f"Clients matching `{blocks.escape_mrkdwn(typed[:40])}`",
        blocks=[blocks.section(None, f"Clients matching `{blocks.escape_mrkdwn(typed[:40])}`:"), *rows],
    )


def _client_view(admin: MasterAdmin, client_id: int) -> dict:
    client = admin.wf.master.client(client_id)
    return forms_master.client_modal(client, admin.all_sites(client_id), admin.all_contacts(client_id))


def edit_client(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    if not _admin(context, _user(body)):
        answer(context, client, body, CLIENTS_REFUSAL)
        return
    client_id = _value_id(body)
    if client_id is None or context["workflow"].master.client(client_id) is None:
        answer(context, client, body, "That client no longer exists.")
        return
    _show(context, client, body, _client_view(MasterAdmin(context["workflow"]), client_id))


def add_typed_client(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The DM's "Add client": the client form with the typed name filled in (or the client's own
    form, if someone added it meanwhile)."""
    ack()
    if not _admin(context, _user(body)):
        answer(context, client, body, CLIENTS_REFUSAL)
        return
    try:
        typed = str(body["actions"][0]["value"])[:200]
    except (KeyError, IndexError, TypeError):
        typed = ""
    admin = MasterAdmin(context["workflow"])
    exact = [c for c in admin.find_clients(typed) if c.name == typed] if typed.strip() else []
    view = _client_view(admin, exact[0].id) if exact else forms_master.client_modal(name=typed)
    _show(context, client, body, view)


def submit_client(ack: Ack, body: dict, context: BoltContext) -> None:
    view = body.get("view") or {}
    result = forms_master.parse_client(view)
    if not result.ok or result.value is None:
        ack(response_action="errors", errors=result.errors)
        return
    d = result.value
    fields = ClientFields(
        d.name, d.number, d.email, d.phone, d.billing_address, d.active, d.vat_id, d.country
    )
    admin = MasterAdmin(context["workflow"])
    try:
        saved = admin.save_client(_user(body), fields, d.client_id)
    except Refused as r:
        ack(response_action="errors", errors=_errors(r, forms_master.CLIENT_BLOCKS, ids.CLIENT_NAME, context))
        return
    if d.client_id is None:  # a new client: the form turns into its own, ready for sites and contacts
        ack(response_action="update", view=_client_view(admin, saved.id))
    else:
        ack()


# ------------------------------------------------------------------------------------ sites, contacts


def _admins_button(ack: Ack, body: dict, client: WebClient, context: BoltContext):  # type: ignore[no-untyped-def]
    """Ack an admin's button: the record id it carries, or None (and a refusal for anyone else)."""
    ack()
    if not _admin(context, _user(body)):
        answer(context, client, body, CLIENTS_REFUSAL)
        return None
    return _value_id(body)


def add_site(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    client_id = _admins_button(ack, body, client, context)
    found = context["workflow"].master.client(client_id) if client_id else None
    if found is not None:
        _show(context, client, body, forms_master.site_modal(found.id, found.name))


def add_contact(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    client_id = _admins_button(ack, body, client, context)
    found = context["workflow"].master.client(client_id) if client_id else None
    if found is not None:
        sites = MasterAdmin(context["workflow"]).all_sites(found.id)
        _show(context, client, body, forms_master.contact_modal(found.id, found.name, sites))


def edit_site(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    site_id = _admins_button(ack, body, client, context)
    master = context["workflow"].master
    site = master.site(site_id) if site_id else None
    owner = master.client(site.client_id) if site else None
    if site is not None and owner is not None:
        _show(context, client, body, forms_master.site_modal(owner.id, owner.name, site))


def edit_contact(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    contact_id = _admins_button(ack, body, client, context)
    master = context["workflow"].master
    contact = master.contact(contact_id) if contact_id else None
    owner = master.client(contact.client_id) if contact else None
    if contact is not None and owner is not None:
        sites = MasterAdmin(context["workflow"]).all_sites(owner.id)
        _show(context, client, body, forms_master.contact_modal(owner.id, owner.name, sites, contact))


def submit_site(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    view = body.get("view") or {}
    result = forms_master.parse_site(view)
    if not result.ok or result.value is None:
        ack(response_action="errors", errors=result.errors)
        return
    d = result.value
    admin = MasterAdmin(context["workflow"])
    try:
        admin.save_site(
            _user(body), d.client_id, SiteFields(d.name, d.address, d.access_notes, d.active), d.site_id
        )
    except Refused as r:
        ack(response_action="errors", errors=_errors(r, forms_master.SITE_BLOCKS, ids.SITE_NAME, context))
        return
    ack()
    _refresh_client_form(context, client, view, admin, d.client_id)


def submit_contact(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    view = body.get("view") or {}
    result = forms_master.parse_contact(view)
    if not result.ok or result.value is None:
        ack(response_action="errors", errors=result.errors)
        return
    d = result.value
    fields = ContactFields(d.name, d.site_id, d.phone, d.email, d.active)
    admin = MasterAdmin(context["workflow"])
    try:
        admin.save_contact(_user(body), d.client_id, fields, d.contact_id)
    except Refused as r:
        blocks_of = {**forms_master.CONTACT_BLOCKS}
        if not any(b.get("block_id") == ids.CONTACT_SITE for b in view.get("blocks") or []):
            blocks_of.pop("site_id")
        ack(response_action="errors", errors=_errors(r, blocks_of, ids.CONTACT_NAME, context))
        return
    ack()
    _refresh_client_form(context, client, view, admin, d.client_id)


def _refresh_client_form(
    context: BoltContext, client: WebClient, view: dict, admin: MasterAdmin, client_id: int
) -> None:
    """The client form under a saved site or contact form lists it now (after the HTTP answer)."""
    previous = view.get("previous_view_id")
    if not previous:
        return
    after_response(context, _update_client_form, client, previous, _client_view(admin, client_id))


def _update_client_form(client: WebClient, view_id: str, view: dict) -> None:
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as e:
        log.warning("could not refresh the client form: %s", e.response.get("error"))


def _errors(
    refused: Refused, blocks_of: dict[str, str], fallback: str, context: BoltContext
) -> dict[str, str]:
    """A refusal as form errors: each field's problem under its block, the rest under fallback."""
    if isinstance(refused, Invalid):
        errors: dict[str, str] = {}
        for name, problem in refused.problems.items():
            errors.setdefault(blocks_of.get(name, fallback), problem[:1].upper() + problem[1:])
        return errors
    return {fallback: messages.refusal(refused, context["settings"].tz)[:2000]}
