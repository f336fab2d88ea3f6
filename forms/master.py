"""The admins' master-data modals: a catalog item, a client (with its sites and contacts listed),
a site, a contact. Each renders from the record as it stands (or empty, to add one) and parses a
submitted view into a draft, or into errors keyed by block_id.

Builders read records by attribute (code, name, …), so the workflow's views fit as they are;
nothing here imports the workflow. Deactivating is the "Active" box unticked: records orders
refer to are never deleted from Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from forms import blocks, ids
from forms.amounts import PRICE_DECIMALS, PRICE_MAX
from forms.result import FormResult, failed, never_raises
from forms.state import (
    TextField,
    metadata_int,
    read_metadata,
    selected_value,
    selected_values,
    state_values,
    write_metadata,
)

KINDS = (("service", "Service"), ("material", "Material"), ("labour", "Labour"))
LISTED = 20  # sites and contacts listed in the client modal (Slack allows 100 blocks a modal)
ACTIVE = "active"
_PRICE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_RATE = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*%?")
RATE_MAX = Decimal(100)
RATE_DECIMALS = 2

ITEM_CODE = TextField(ids.ITEM_CODE, "Code", 40, required=True, placeholder="e.g. SVC-010")
ITEM_NAME = TextField(ids.ITEM_NAME, "Name", 200, required=True, placeholder="What the line says")
ITEM_UNIT = TextField(ids.ITEM_UNIT, "Unit", 20, required=True, placeholder="h, pcs, m, service…")
ITEM_PRICE = TextField(ids.ITEM_PRICE, "Unit price", 20, required=True, placeholder="e.g. 45.00")
# The invoicing inputs name their block ids here (block_id == action_id; read them as
# ITEM_VAT_RATE.block_id, …): they are to join the other master-data ids in forms.ids
ITEM_VAT_RATE = TextField(
    "master_item_vat_rate",
    "VAT rate %",
    10,
    placeholder="Empty: the company's rate",
    hint="A percentage, e.g. 21 or 10.5. Lines picked from the catalog are priced with it.",
)
ITEM_VAT_EXEMPTION = TextField(
    "master_item_vat_exemption",
    "VAT exemption reason",
    200,
    placeholder="e.g. Exempt: Art. 20 Ley 37/1992",
    hint="Only with a 0 % rate, and then required: the invoice prints it.",
)
CLIENT_NAME = TextField(ids.CLIENT_NAME, "Name", 200, required=True)
CLIENT_NUMBER = TextField(ids.CLIENT_NUMBER, "Organisation number", 40, hint="Unique; optional")
CLIENT_EMAIL = TextField(ids.CLIENT_EMAIL, "Email", 200)
CLIENT_PHONE = TextField(ids.CLIENT_PHONE, "Phone", 50)
CLIENT_ADDRESS = TextField(ids.CLIENT_ADDRESS, "Billing address", 500, multiline=True)
CLIENT_VAT_ID = TextField(
    "master_client_vat_id",
    "VAT number",
    40,
    placeholder="e.g. ESB12345678",
    hint="Printed on invoices as the buyer's; spaces are removed",
)
CLIENT_COUNTRY = TextField(
    "master_client_country",
    "Country (2 letters)",
    2,
    placeholder="e.g. ES",
    hint="Of the billing address; empty: the company's own country",
)
SITE_NAME = TextField(ids.SITE_NAME, "Name", 200, required=True, placeholder="e.g. Head office")
SITE_ADDRESS = TextField(ids.SITE_ADDRESS, "Address", 500, multiline=True)
SITE_ACCESS = TextField(
    ids.SITE_ACCESS, "Access notes", 1000, multiline=True, placeholder="Keys, parking, opening hours"
)
CONTACT_NAME = TextField(ids.CONTACT_NAME, "Name", 200, required=True)
CONTACT_PHONE = TextField(ids.CONTACT_PHONE, "Phone", 50)
CONTACT_EMAIL = TextField(ids.CONTACT_EMAIL, "Email", 200)

# The block each record field is shown in (for the workflow's refusals, which name fields)
ITEM_BLOCKS = {
    "code": ids.ITEM_CODE,
    "name": ids.ITEM_NAME,
    "kind": ids.ITEM_KIND,
    "unit": ids.ITEM_UNIT,
    "unit_price": ids.ITEM_PRICE,
    "active": ids.ITEM_ACTIVE,
    "vat_rate": ITEM_VAT_RATE.block_id,
    "vat_exemption": ITEM_VAT_EXEMPTION.block_id,
}
CLIENT_BLOCKS = {
    "name": ids.CLIENT_NAME,
    "number": ids.CLIENT_NUMBER,
    "email": ids.CLIENT_EMAIL,
    "phone": ids.CLIENT_PHONE,
    "billing_address": ids.CLIENT_ADDRESS,
    "active": ids.CLIENT_ACTIVE,
    "vat_id": CLIENT_VAT_ID.block_id,
    "country": CLIENT_COUNTRY.block_id,
}
SITE_BLOCKS = {
    "name": ids.SITE_NAME,
    "address": ids.SITE_ADDRESS,
    "access_notes": ids.SITE_ACCESS,
    "active": ids.SITE_ACTIVE,
}
CONTACT_BLOCKS = {
    "name": ids.CONTACT_NAME,
    "phone": ids.CONTACT_PHONE,
    "email": ids.CONTACT_EMAIL,
    "site_id": ids.CONTACT_SITE,
    "active": ids.CONTACT_ACTIVE,
}
STALE = "This form could not be matched to a record. Close it and run the command again."


@dataclass(frozen=True)
class ItemDraft:
    item_id: int | None  # None: a new item
    code: str
    name: str
    kind: str
    unit: str
    unit_price: Decimal
    active: bool
    vat_rate: Decimal | None = None  # percent; None: the company's rate
    vat_exemption: str = ""


@dataclass(frozen=True)
class ClientDraft:
    client_id: int | None
    name: str
    number: str
    email: str
    phone: str
    billing_address: str
    active: bool
    vat_id: str = ""
    country: str = ""


@dataclass(frozen=True)
class SiteDraft:
    client_id: int
    site_id: int | None
    name: str
    address: str
    access_notes: str
    active: bool


@dataclass(frozen=True)
class ContactDraft:
    client_id: int
    contact_id: int | None
    name: str
    phone: str
    email: str
    site_id: int | None
    active: bool


# ------------------------------------------------------------------------------------ rendering


def _active_block(block_id: str, active: bool, what: str) -> blocks.Block:
    box = blocks.option("Active", ACTIVE)
    box["description"] = blocks.plain(f"Untick to stop offering this {what} in the order forms.")
    element: dict[str, Any] = {"type": "checkboxes", "action_id": block_id, "options": [box]}
    if active:
        element["initial_options"] = [box]
    return blocks.input_block(block_id, "Status", element, optional=True)


def _select(block_id: str, label: str, choices: list[tuple[str, str]], chosen: str | None, optional: bool):  # type: ignore[no-untyped-def]
    options = [blocks.option(text[:75], value) for value, text in choices]
    element: dict[str, Any] = {"type": "static_select", "action_id": block_id, "options": options}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return blocks.input_block(block_id, label, element, optional=optional)


def item_modal(item: Any = None) -> dict[str, Any]:
    """The catalog item form: empty to add one, or filled with item (an ItemView) to edit it."""
    price = format(Decimal(item.unit_price).quantize(Decimal("0.01")), "f") if item else None
    rate = format(Decimal(item.vat_rate).normalize(), "f") if item and item.vat_rate is not None else None
    view_blocks = [
        ITEM_CODE.block(item.code if item else None),
        ITEM_NAME.block(item.name if item else None),
        _select(ids.ITEM_KIND, "Kind", list(KINDS), item.kind if item else "service", optional=False),
        ITEM_UNIT.block(item.unit if item else None),
        ITEM_PRICE.block(price),
        ITEM_VAT_RATE.block(rate),
        ITEM_VAT_EXEMPTION.block(item.vat_exemption if item else None),
        _active_block(ids.ITEM_ACTIVE, item.active if item else True, "item"),
        blocks.context(
            None, "Orders keep the name, price and VAT rate they were made with: edits apply to new lines."
        ),
    ]
    return blocks.modal(
        ids.MASTER_ITEM,
        "Edit catalog item" if item else "New catalog item",
        "Save",
        view_blocks,
        write_metadata({"id": item.id} if item else {}),
    )


def _edit_row(text: str, action_id: str, record_id: int, active: bool) -> blocks.Block:
    block = blocks.section(None, text if active else f"~{text}~ _(inactive)_")
    block["accessory"] = {
        "type": "button",
        "action_id": action_id,
        "text": blocks.plain("Edit"),
        "value": str(record_id),
    }
    return block


def client_modal(
    client: Any = None, sites: list[Any] | None = None, contacts: list[Any] | None = None, name: str = ""
) -> dict[str, Any]:
    """The client form: empty (or with a typed name) to add one; for an existing client, filled in,
    with its sites and contacts listed below, each with an Edit button, and Add site / Add contact."""
    e = blocks.escape_mrkdwn
    view_blocks = [
        CLIENT_NAME.block(client.name if client else name or None),
        CLIENT_NUMBER.block(client.number if client else None),
        CLIENT_EMAIL.block(client.email if client else None),
        CLIENT_PHONE.block(client.phone if client else None),
        CLIENT_ADDRESS.block(client.billing_address if client else None),
        CLIENT_VAT_ID.block(client.vat_id if client else None),
        CLIENT_COUNTRY.block(client.country if client else None),
        _active_block(ids.CLIENT_ACTIVE, client.active if client else True, "client"),
    ]
    if client is not None:
        sites, contacts = sites or [], contacts or []
        site_names = {s.id: s.name for s in sites}
        view_blocks += [{"type": "divider"}, blocks.section(None, f"*Sites* ({len(sites)})")]
        for s in sites[:LISTED]:
            where = f" — {e(s.address.splitlines()[0])}" if s.address else ""
            view_blocks.append(_edit_row(f"{e(s.name)}{where}", ids.EDIT_SITE, s.id, s.active))
        view_blocks += _more(len(sites))
        view_blocks.append(blocks.section(None, f"*Contacts* ({len(contacts)})"))
        for c in contacts[:LISTED]:
            at = f" · {e(site_names[c.site_id])}" if c.site_id in site_names else ""
            reach = " · ".join(x for x in (c.phone, c.email) if x)
            text = f"{e(c.name)}{at}{' — ' + e(reach) if reach else ''}"
            view_blocks.append(_edit_row(text, ids.EDIT_CONTACT, c.id, c.active))
        view_blocks += _more(len(contacts))
        view_blocks.append(
            {
                "type": "actions",
                "block_id": "master_client_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ADD_SITE,
                        "text": blocks.plain("Add site"),
                        "value": str(client.id),
                    },
                    {
                        "type": "button",
                        "action_id": ids.ADD_CONTACT,
                        "text": blocks.plain("Add contact"),
                        "value": str(client.id),
                    },
                ],
            }
        )
    return blocks.modal(
        ids.MASTER_CLIENT,
        "Edit client" if client else "New client",
        "Save",
        view_blocks,
        write_metadata({"id": client.id} if client else {}),
    )


def _more(total: int) -> list[blocks.Block]:
    return (
        [blocks.context(None, f"… and {total - LISTED} more (`service-orders export`)")]
        if total > LISTED
        else []
    )


def site_modal(client_id: int, client_name: str, site: Any = None) -> dict[str, Any]:
    view_blocks = [
        blocks.context(None, f"Site of *{blocks.escape_mrkdwn(client_name)}*"),
        SITE_NAME.block(site.name if site else None),
        SITE_ADDRESS.block(site.address if site else None),
        SITE_ACCESS.block(site.access_notes if site else None),
        _active_block(ids.SITE_ACTIVE, site.active if site else True, "site"),
    ]
    meta = {"client_id": client_id, **({"id": site.id} if site else {})}
    return blocks.modal(
        ids.MASTER_SITE, "Edit site" if site else "New site", "Save", view_blocks, write_metadata(meta)
    )


def contact_modal(client_id: int, client_name: str, sites: list[Any], contact: Any = None) -> dict[str, Any]:
    """The contact form; the site select (when the client has sites) ties the contact to one."""
    view_blocks = [
        blocks.context(None, f"Contact at *{blocks.escape_mrkdwn(client_name)}*"),
        CONTACT_NAME.block(contact.name if contact else None),
        CONTACT_PHONE.block(contact.phone if contact else None),
        CONTACT_EMAIL.block(contact.email if contact else None),
    ]
    if sites:
        choices = [(str(s.id), s.name) for s in sites[:100]]
        chosen = str(contact.site_id) if contact and contact.site_id else None
        select = _select(ids.CONTACT_SITE, "Site", choices, chosen, optional=True)
        select["hint"] = blocks.plain("Leave empty for a contact of the whole client.")
        view_blocks.append(select)
    view_blocks.append(_active_block(ids.CONTACT_ACTIVE, contact.active if contact else True, "contact"))
    meta = {"client_id": client_id, **({"id": contact.id} if contact else {})}
    return blocks.modal(
        ids.MASTER_CONTACT,
        "Edit contact" if contact else "New contact",
        "Save",
        view_blocks,
        write_metadata(meta),
    )


# ------------------------------------------------------------------------------------ parsing


def parse_price(text: str) -> tuple[Decimal | None, str | None]:
    """A unit price as typed ("45", "45.50", "12,50"), or why it is not one."""
    if not _PRICE.fullmatch(text):
        if text.lstrip().startswith(("-", "−")):
            return None, "A unit price cannot be negative"
        return None, "Write a price like 45.00 (digits, one decimal point or comma)"
    whole, _, fraction = text.replace(",", ".").partition(".")
    fraction = fraction.rstrip("0")
    if len(fraction) > PRICE_DECIMALS:
        return None, f"At most {PRICE_DECIMALS} decimals"
    price = Decimal(f"{whole}.{fraction or 0}")
    if price > PRICE_MAX:
        return None, f"At most {PRICE_MAX:,}"
    return price.quantize(Decimal("0.01")), None


def parse_vat_rate(text: str) -> tuple[Decimal | None, str | None]:
    """A VAT rate in percent as typed ("21", "10.5", "21,5", "21 %"), or why it is not one; None
    with no problem when empty (the company's rate)."""
    if not text:
        return None, None
    match = _RATE.fullmatch(text)
    if match is None:
        if text.lstrip().startswith(("-", "−")):
            return None, "A VAT rate cannot be negative"
        return None, "Write a percentage like 21 or 10.5, or leave it empty for the company's rate"
    whole, _, fraction = match[1].replace(",", ".").partition(".")
    fraction = fraction.rstrip("0")
    if len(fraction) > RATE_DECIMALS:
        return None, f"At most {RATE_DECIMALS} decimals"
    rate = Decimal(f"{whole}.{fraction or 0}")
    if rate > RATE_MAX:
        return None, f"At most {RATE_MAX} %"
    return rate.quantize(Decimal("0.01")), None


def _exemption_problem(rate: Decimal | None, exemption: str) -> str | None:
    """Why the exemption reason does not go with the rate (there is one exactly when it is 0)."""
    if rate == 0 and not exemption:
        return "A 0 % rate needs the reason the invoice prints"
    if rate != 0 and exemption:
        return "Only a 0 % rate has an exemption reason: empty this, or make the rate 0"
    return None


def _id(view: Any, name: str) -> int | None:
    return metadata_int(read_metadata(view), name, 1)


def _is_active(values: dict[str, Any], block_id: str) -> bool:
    return ACTIVE in selected_values(values, block_id, block_id)


@never_raises(ids.ITEM_CODE)
def parse_item(view: Any) -> FormResult[ItemDraft]:
    values, errors = state_values(view), {}  # type: ignore[var-annotated]
    code = ITEM_CODE.read(values, errors)
    name = ITEM_NAME.read(values, errors)
    unit = ITEM_UNIT.read(values, errors)
    kind = selected_value(values, ids.ITEM_KIND, ids.ITEM_KIND) or ""
    if kind not in dict(KINDS):
        errors[ids.ITEM_KIND] = "Choose service, material or labour"
    price_text = ITEM_PRICE.read(values, errors)
    price = None
    if price_text:
        price, problem = parse_price(price_text)
        if problem:
            errors[ids.ITEM_PRICE] = problem
    rate, rate_problem = parse_vat_rate(ITEM_VAT_RATE.read(values, errors))
    if rate_problem:
        errors[ITEM_VAT_RATE.block_id] = rate_problem
    exemption = ITEM_VAT_EXEMPTION.read(values, errors)
    if not rate_problem and ITEM_VAT_EXEMPTION.block_id not in errors:
        mismatch = _exemption_problem(rate, exemption)
        if mismatch:
            errors[ITEM_VAT_EXEMPTION.block_id] = mismatch
    if errors or price is None:
        return failed(errors)
    active = _is_active(values, ids.ITEM_ACTIVE)
    return FormResult(ItemDraft(_id(view, "id"), code, name, kind, unit, price, active, rate, exemption))


@never_raises(ids.CLIENT_NAME)
def parse_client(view: Any) -> FormResult[ClientDraft]:
    values, errors = state_values(view), {}  # type: ignore[var-annotated]
    texts = [
        f.read(values, errors)
        for f in (CLIENT_NAME, CLIENT_NUMBER, CLIENT_EMAIL, CLIENT_PHONE, CLIENT_ADDRESS)
    ]
    if texts[2] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", texts[2]):
        errors[ids.CLIENT_EMAIL] = "Write an email address like name@example.com"
    vat_id = "".join(CLIENT_VAT_ID.read(values, errors).split()).upper()
    country = CLIENT_COUNTRY.read(values, errors).upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors[CLIENT_COUNTRY.block_id] = "Write the country's two-letter code, like ES or DE"
    if errors:
        return failed(errors)
    active = _is_active(values, ids.CLIENT_ACTIVE)
    return FormResult(ClientDraft(_id(view, "id"), *texts, active, vat_id, country))


@never_raises(ids.SITE_NAME)
def parse_site(view: Any) -> FormResult[SiteDraft]:
    values, errors = state_values(view), {}  # type: ignore[var-annotated]
    texts = [f.read(values, errors) for f in (SITE_NAME, SITE_ADDRESS, SITE_ACCESS)]
    client_id = _id(view, "client_id")
    if client_id is None:
        errors.setdefault(ids.SITE_NAME, STALE)
    if errors or client_id is None:
        return failed(errors)
    return FormResult(SiteDraft(client_id, _id(view, "id"), *texts, _is_active(values, ids.SITE_ACTIVE)))


@never_raises(ids.CONTACT_NAME)
def parse_contact(view: Any) -> FormResult[ContactDraft]:
    values, errors = state_values(view), {}  # type: ignore[var-annotated]
    name, phone, email = (f.read(values, errors) for f in (CONTACT_NAME, CONTACT_PHONE, CONTACT_EMAIL))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors[ids.CONTACT_EMAIL] = "Write an email address like name@example.com"
    site = selected_value(values, ids.CONTACT_SITE, ids.CONTACT_SITE)
    site_id = int(site) if site and site.isdigit() else None
    client_id = _id(view, "client_id")
    if client_id is None:
        errors.setdefault(ids.CONTACT_NAME, STALE)
    if errors or client_id is None:
        return failed(errors)
    return FormResult(
        ContactDraft(
            client_id, _id(view, "id"), name, phone, email, site_id, _is_active(values, ids.CONTACT_ACTIVE)
        )
    )
