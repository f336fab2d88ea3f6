"""`service-orders demo`: the seed's use case, played through the real app and its HTTP endpoint
against the local Slack-compatible server, printed as the people in it would see it."""

from __future__ import annotations

import io
import json
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot import after
from bot.company import CompanyConfig, load_company
from bot.config import Settings
from bot.demo_customer import play_customer
from bot.demo_office import ERP_SECRET, erp_printer, play_office
from bot.runtime import BackgroundServer, Runtime, bound_socket
from forms import ids
from sandbox import FakeSlack
from sandbox.erp import erp_receiver
from workflow.master_csv import import_csv
from workflow.money import tax_summary

LAYLA, OGECHI, DIEGO = "U0LAYLA01", "U0OGECHI1", "U0DIEGO01"
PEOPLE = {LAYLA: "Layla Haddad", OGECHI: "Ogechi Okafor", DIEGO: "Diego Ramírez"}


class DemoFailed(Exception):
    pass


# What the company's admin prepares before anyone uses the bot: the company file (print settings
# and the forms' own fields) and the master data, as the CSV files a spreadsheet would give.
COMPANY_FILE = """\
print:
  company_name: Andes IT & Consulting
  address: |
    Calle de Serrano 41, 4º
    28001 Madrid, España
  footer: "Andes IT & Consulting S.L. · CIF B-12345678 · soporte@andes-it.example"
  logo: demo-logo.png
  currency: EUR
  locale: es_ES
forms:
  new_order:
    - key: order_type
      label: Order type
      type: select
      required: true
      options:
        - {value: repair, label: Repair, colour: "#d62728"}
        - {value: maintenance, label: Maintenance, colour: "#2ca02c"}
        - {value: installation, label: Installation, colour: "#1f77b4"}
    - key: customer_order_number
      label: Customer order number
      type: text
      max_length: 40
  confirmation:
    - key: equipment_serial
      label: Equipment serial
      type: text
      max_length: 60
invoicing:
  legal_name: Andes IT & Consulting S.L.
  vat_number: ESB12345678
  organisation_number: B-12345678
  address: {street: "Calle de Serrano 41, 4º", city: Madrid, postal_code: "28001", country: ES}
  payment_terms_days: 30
  iban: ES9121000418450200051332
  vat_rate: 21
  buyer_reference_field: customer_order_number
time:
  labour_item: LAB-DIAG
checklists:
  - name: Safety
    required: true
    items:
      - {label: Power off at the rack, kind: checkbox}
      - {label: Link lights after the swap, kind: text}
      - {label: Photo of the site, kind: photo}
"""
MASTER_DATA = {
    "clients": "name,number,email,phone,billing_address,active,vat_id,country\n"
    "Clínica Dental Norte,B-80123456,admin@clinicanorte.example,+34 910 000 111,"
    '"Calle de Alcalá 120, 28009 Madrid",true,ESB80123456,ES\n'
    "Clínica Veterinaria Sur,B-80987654,info@vetsur.example,+34 910 000 222,"
    '"Calle de Toledo 80, 28005 Madrid",true,ESB80987654,ES\n',
    "sites": "client,name,address,access_notes,active\n"
    'Clínica Dental Norte,Consulta Alcalá,"Calle de Alcalá 120, 2º piso, Madrid",'
    "Ask at reception; the rack is in the X-ray room,true\n"
    'Clínica Dental Norte,Almacén Vallecas,"Calle de Peironcely 10, Madrid",,true\n',
    "contacts": "client,site,name,phone,email,active\n"
    "Clínica Dental Norte,Consulta Alcalá,Marta Ruiz,+34 600 123 456,marta@clinicanorte.example,true\n",
    "catalog": "code,name,kind,unit,unit_price,active\n"
    "LAB-DIAG,Network diagnosis on site,labour,h,85.00,true\n"
    "SRV-CABLE,Cabling and connector check,service,service,120.00,true\n"
    'MAT-RV340,"Router, Cisco RV340",material,pcs,340.00,true\n'
    "MAT-UTP6,Cable UTP cat6,material,m,1.20,true\n"
    "LAB-TRAVEL,Travel within Madrid,labour,trip,30.00,true\n",
}


def demo_logo() -> bytes:
    """The demo company's logo: a small PNG drawn here, so the demo needs no file of its own."""
    from PIL import Image, ImageDraw  # Pillow comes with fpdf2

    image = Image.new("RGB", (240, 96), "white")
    draw = ImageDraw.Draw(image)
    draw.polygon([(8, 88), (60, 8), (112, 88)], fill="#1f4e79")
    draw.polygon([(70, 88), (122, 24), (174, 88)], fill="#2e75b6")
    draw.rectangle([(180, 60), (232, 88)], fill="#d62728")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def prepare_company(out_dir: Path) -> CompanyConfig:
    """Write the demo company's file and logo into out_dir and read them as `serve` would."""
    (out_dir / "demo-logo.png").write_bytes(demo_logo())
    path = out_dir / "demo-company.yml"
    path.write_text(COMPANY_FILE, encoding="utf-8")
    return load_company(str(path))


class Transcript:
    """Prints what a person would see in Slack: names for mentions, buttons as [ Button ]."""

    def __init__(self, fake: FakeSlack, write: Callable[[str], None] = print) -> None:
        self.fake = fake
        self.write = write

    def step(self, title: str) -> None:
        self.write(f"\n=== {title}")

    def say(self, text: str) -> None:
        self.write(f"  {text}")

    def plain(self, text: str) -> str:
        def user(m: re.Match) -> str:
            return "@" + PEOPLE.get(m.group(1), m.group(1))

        def channel(m: re.Match) -> str:
            ch = self.fake.channels.get(m.group(1))
            return "#" + (ch.name if ch else m.group(1))

        text = re.sub(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", user, text)
        text = re.sub(r"<#([A-Z0-9]+)(?:\|[^>]*)?>", channel, text)
        text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def message(self, where: str, msg: dict) -> None:
        author = PEOPLE.get(
            msg.get("user", ""), "Service Orders" if msg.get("bot_id") else msg.get("user", "?")
        )
        lines = self.blocks_text(msg.get("blocks") or []) or [self.plain(msg.get("text", ""))]
        for f in msg.get("files") or []:
            lines.append(f"📎 {f.get('title') or f.get('name')}")
        self.write(f"  [{where}] {author}:")
        for line in lines:
            for part in line.split("\n"):
                self.write(f"      {part}")
        reactions = msg.get("reactions") or {}
        if reactions:
            self.write("      " + " ".join(f":{name}: {len(users)}" for name, users in reactions.items()))

    def blocks_text(self, blocks: list[dict]) -> list[str]:
        out: list[str] = []
        for b in blocks:
            t = b.get("type")
            if t == "header":
                out.append(f"▌ {b['text']['text']}")
            elif t == "section":
                if b.get("text"):
                    out.append(self.plain(b["text"]["text"]))
                fields = [self.plain(f["text"]).replace("\n", ": ", 1) for f in b.get("fields", [])]
                if fields:
                    out.append(" | ".join(fields))
            elif t == "context":
                out.append(" ".join(self.plain(e.get("text", "")) for e in b.get("elements", [])))
            elif t == "actions":
                out.append(
                    " ".join(
                        f"[ {e['text']['text']} ]" for e in b.get("elements", []) if e.get("type") == "button"
                    )
                )
        return out

    def modal(self, view: dict) -> None:
        self.write(f"  ┌ modal: {view['title']['text']}")
        for b in view.get("blocks", []):
            if b.get("type") == "input":
                self.write(f"  │ {b['label']['text']}")
        self.write(f"  └ [ {view.get('submit', {}).get('text', 'Close')} ]")


@dataclass
class World:
    """A local Slack, the bot serving HTTP against it, and the people in it."""

    fake: FakeSlack
    runtime: Runtime
    server: BackgroundServer

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the bot has made every Slack call it queued."""
        if not self.runtime.dispatcher.wait_idle(timeout):
            raise DemoFailed(f"the bot did not finish its Slack calls within {timeout:.0f} s")


@contextmanager
def local_world(
    database_url: str, people: dict[str, str] | None = None, **settings: object
) -> Iterator[World]:
    """Start the local Slack and the bot (real app, real HTTP) and stop both afterwards."""
    secret = secrets.token_hex(16)
    fake = FakeSlack(signing_secret=secret)
    fake.start()
    for uid, name in (people or PEOPLE).items():
        fake.add_user(uid, name.split()[0].lower(), name)
    config = {
        "company_name": "Andes IT & Consulting",
        "currency": "EUR",
        "timezone": "Europe/Madrid",
        **settings,
    }
    company = config.get("company")
    if isinstance(company, CompanyConfig):  # the PDFs' name and currency are the company file's
        config["company_name"] = company.print.company_name
        config["currency"] = company.print.currency
    sock = bound_socket()  # the port first: the customer's links point at it
    config.setdefault("public_url", f"http://127.0.0.1:{sock.getsockname()[1]}")
    config.setdefault("link_secret", secrets.token_hex(16))
    runtime = Runtime.build(
        Settings(
            bot_token="xoxb-sandbox",
            signing_secret=secret,
            slack_api_url=fake.url,
            slack_hooks_url=fake.base,  # the local Slack's response_urls
            database_url=database_url,
            **config,
        )
    )  # type: ignore[arg-type]
    server = runtime.serve_in_background(sock=sock)
    fake.request_url = server.url
    fake.after_answer = after.wait_idle  # each gesture returns once the bot's work after its answer is done
    try:
        yield World(fake, runtime, server)
    finally:
        server.stop()
        runtime.stop()
        fake.stop()


def run_demo(out: str, write: Callable[[str], None] = print) -> int:
    """Play the use case; leave every PDF in out. Exit code 0 when every step did what it should."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("SO-*.pdf"):
        old.unlink()
    db = out_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    for old in out_dir.glob("demo-*.csv"):
        old.unlink()
    for old in [*out_dir.glob("SO-*.json"), *out_dir.glob("SO-*.xml"), *out_dir.glob("SO-*.csv")]:
        old.unlink()
    company = prepare_company(out_dir)
    with (
        erp_receiver() as erp,
        local_world(
            f"sqlite:///{db}", company=company, erp_webhook_url=erp.url, erp_webhook_secret=ERP_SECRET
        ) as world,
    ):
        erp.answers = [(200, {"invoice_number": "FV-2026-0001"})]
        erp.on_delivery = erp_printer(write)
        try:
            play(world, Transcript(world.fake, write), out_dir)
        except DemoFailed as e:
            write(f"\nDEMO FAILED: {e}")
            return 1
    return 0


def play(world: World, t: Transcript, out_dir: Path) -> None:
    fake, runtime = world.fake, world.runtime
    wf = runtime.workflow
    wf.grant("demo", LAYLA, "coordinator", check=False)
    wf.grant("demo", OGECHI, "supervisor", check=False)
    wf.grant("demo", DIEGO, "field_worker", check=False)
    t.write(f"Service Orders demo — a local Slack at {fake.url}, the bot at {fake.request_url}")
    t.write("People: Layla (coordinator), Ogechi (supervisor), Diego (IT technician, field worker)")

    settle = world.settle
    # The story checks only what it needs to go on (DemoFailed says what is missing); whether the
    # bot did right is for the tests, which look at what the demo leaves (tests/bot/test_demo.py).

    # 0. The admin's preparation: the company file (read at start) and the master data
    company = runtime.settings.company
    t.step("The admin has set up the company: its company file and four CSV files")
    t.say(
        f"print: {company.print.company_name}, logo {company.print.logo_name or 'none'}, "
        f"locale {company.print.locale}, currency {company.print.currency}"
    )
    for form, specs in company.forms.items():
        t.say(f"{form} form adds: " + ", ".join(spec.label for spec in specs))
    for kind, text in MASTER_DATA.items():
        path = out_dir / f"demo-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        report = import_csv(wf.engine, kind, path.read_bytes(), actor="demo")
        if not report.ok:
            raise DemoFailed(f"importing {path.name} failed: {report.problems}")
        t.say(f"service-orders import {kind} {path.name}: {report.new} new")

    # 1. Layla opens the form and fills it in, picking from the client list and the catalog
    t.step("Layla types /so new")
    r = fake.slash_command(LAYLA, "/so", "new", channel_id=fake.general.id)
    if r.status != 200:
        raise DemoFailed(f"/so new answered {r.status}")
    view = fake.calls_to("views.open")[-1].response["view"]
    view_id = view["id"]
    t.modal(fake.views[view_id])

    t.step("Layla types “clinica” in Client: the bot suggests from the client list")
    options = fake.suggest(LAYLA, view_id, ids.CLIENT, ids.CLIENT_PICK, "clinica")
    for option in options:
        t.say("• " + option["text"]["text"])
    chosen = next((o for o in options if o["text"]["text"].startswith("Clínica Dental Norte")), None)
    if chosen is None:
        raise DemoFailed("Clínica Dental Norte was not suggested")
    fake.choose(LAYLA, view_id, ids.CLIENT, ids.CLIENT_PICK, chosen)
    site_block = _block_starting(fake, view_id, ids.SITE_PICK)
    if site_block is None:
        raise DemoFailed("choosing the client offered no sites")
    site = next(o for o in site_block["elements"][0]["options"] if o["text"]["text"] == "Consulta Alcalá")
    fake.choose(LAYLA, view_id, site_block["block_id"], ids.SITE_PICK, site)
    address = _value_starting(fake, view_id, ids.SITE + ".")
    contact = _value_starting(fake, view_id, ids.CONTACT + ".")
    t.say("She picks it, then the site Consulta Alcalá; the form fills in the site:")
    t.say(f"“{(address or '').replace(chr(10), ' · ')}”, and the contact: “{contact}”.")

    planned = (date.today() + timedelta(days=1)).isoformat()
    answers = {
        ids.TITLE: "Repair office computer network",
        ids.DESCRIPTION: "The office network drops every few minutes. They suspect the router. "
        "Diagnose and repair; the router is not included until we know it must be replaced.",
    }
    for block, value in answers.items():
        fake.fill(view_id, block, block, value)
    fake.fill(view_id, ids.PLANNED_DATE, ids.PLANNED_DATE, planned)
    fake.fill(view_id, ids.PRIORITY, ids.PRIORITY, "high")
    _fill_field(fake, view_id, "order_type", "repair")
    _fill_field(fake, view_id, "customer_order_number", "PO-7781")
    first = _pick_item(fake, LAYLA, view_id, _row_keys(fake, view_id)[0], "diag")
    t.say(f"In line 1 she types “diag” in Catalog item and picks {first}: the row fills in")
    key = _row_keys(fake, view_id)[0]
    t.say(f"“{_row_text(fake, view_id, key)}”; she makes it 2 h.")
    fake.fill(view_id, ids.line_block(key, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85.00")
    fake.view_action(LAYLA, view_id, ids.ADD_LINE, ids.LINES_ACTIONS_BLOCK)
    second = _pick_item(fake, LAYLA, view_id, _row_keys(fake, view_id)[-1], "cabling")
    t.say(f"[ Add line ], and {second} from the catalog (1 service × 120.00).")
    t.say("Title, description, planned date, priority High, order type Repair, customer order PO-7781.")
    fake.submit(LAYLA, view_id)
    if fake.view_errors.get(view_id):
        t.say(f"The form refuses: {fake.view_errors[view_id]}")
    done = fake.views.get(view_id) or {}
    if done.get("blocks"):
        t.say("The form now says: " + t.plain(done["blocks"][0]["text"]["text"]).replace("\n", " "))
    settle()
    order = wf.find("1")
    if order is None or order.channel_id is None:
        raise DemoFailed("the order or its channel was not created")
    channel = fake.channels[order.channel_id]
    t.step(f"The bot creates #{channel.name} and invites Layla and Ogechi")
    t.say(
        f"members: {', '.join(PEOPLE.get(m, m) for m in sorted(channel.members) if m in PEOPLE)}; "
        f"private: {channel.is_private}; pinned: {len(channel.pins)} message"
    )
    for msg in fake.messages(order.channel_id):
        t.message(f"#{channel.name}", msg)
    for msg in fake.dms(OGECHI):
        t.message("DM to Ogechi", msg)

    # 2. Ogechi approves
    t.step("Ogechi clicks [ Approve ] on the card")
    card_ts = order.card_ts
    if card_ts is None:
        raise DemoFailed("the order card was not posted")
    seen = len(fake.messages(order.channel_id))
    fake.click(OGECHI, order.channel_id, card_ts, ids.APPROVE)
    settle()
    _show_new(t, fake, order.channel_id, channel.name, seen)
    _show_card(t, fake, order.channel_id, card_ts, channel.name)

    # 3. Ogechi adds Diego
    t.step("Ogechi clicks [ Add field workers ] and picks Diego")
    seen = len(fake.messages(order.channel_id))
    fake.click(OGECHI, order.channel_id, card_ts, ids.OPEN_ADD_FIELD_WORKERS)
    fw_view = fake.calls_to("views.open")[-1].response["view"]["id"]
    t.modal(fake.views[fw_view])
    fake.fill(fw_view, ids.FIELD_WORKERS, ids.FIELD_WORKERS, [DIEGO])
    fake.submit(OGECHI, fw_view)
    settle()
    t.say("The form now says: " + _form_text(t, fake, fw_view))
    _show_new(t, fake, order.channel_id, channel.name, seen)

    # 4. Diego writes in the card's thread and shares a photo
    t.step("Diego replies in the card's thread and shares a photo of the router")
    seen = len(fake.messages(order.channel_id))
    fake.post_message_as(
        DIEGO,
        order.channel_id,
        "On site. The router is dead: no link lights after a power cycle. It has to be replaced.",
        thread_ts=card_ts,
    )
    fake.post_message_as(
        DIEGO,
        order.channel_id,
        "The old router",
        thread_ts=card_ts,
        files=[{"name": "old-router.jpg", "content": b"\xff\xd8\xff\xe0 demo photo"}],
    )
    settle()
    _show_new(t, fake, order.channel_id, channel.name, seen)

    # 5. Diego does the self-check the order needs before it can be closed (a company file has one)
    if wf.order(order.id).checklists:
        _self_check(t, fake, order.channel_id, card_ts, settle)

    # 6. Diego records the time the replacement took, then files the final confirmation with the router
    t.step('Diego types /so time SO-0001 1h "router replacement" for the hour the replacement took')
    typed = f'time {order.number} 1h "router replacement"'
    answer = fake.slash_command(DIEGO, "/so", typed, order.channel_id)
    settle()
    t.say("Slack shows him: " + t.plain(answer.body_text))
    t.step("Diego clicks [ Create confirmation ]: the form opens with the lines and his time as labour")
    seen = len(fake.messages(order.channel_id))
    fake.click(DIEGO, order.channel_id, card_ts, ids.OPEN_CONFIRMATION)
    cf_view = fake.calls_to("views.open")[-1].response["view"]["id"]
    t.modal(fake.views[cf_view])
    keys = _row_keys(fake, cf_view)
    fake.fill(cf_view, ids.line_block(keys[0], ids.LINE_AMOUNT), ids.LINE_AMOUNT, "3 h × 85.00")
    fake.view_action(DIEGO, cf_view, ids.ADD_LINE, ids.LINES_ACTIONS_BLOCK)
    router = _pick_item(fake, DIEGO, cf_view, _row_keys(fake, cf_view)[-1], "rv340")
    _fill_field(fake, cf_view, "equipment_serial", "FGL2231A0XY (new router)")
    fake.fill(
        cf_view,
        ids.CONFIRMATION_NOTE,
        ids.CONFIRMATION_NOTE,
        "Router replaced and configured; diagnosis took 3 h instead of 2. Network stable for 30 min.",
    )
    fake.fill(cf_view, ids.CONFIRMATION_FINAL, ids.CONFIRMATION_FINAL, ["final", "attest"])
    t.say(f"Diego keeps his labour line, changes the diagnosis to 3 h, adds {router} (1 pcs × 340.00),")
    t.say("types the new router's serial, writes a note, ticks Final confirmation and the attestation.")
    fake.submit(DIEGO, cf_view)
    settle()
    t.say("The form now says: " + _form_text(t, fake, cf_view))
    _show_new(t, fake, order.channel_id, channel.name, seen)
    _show_card(t, fake, order.channel_id, card_ts, channel.name)

    # 7. Layla asks for the copy for the client, without prices
    t.step("Layla clicks [ Customer copy ] on the card: the PDF without prices, for the client")
    seen = len(fake.messages(order.channel_id))
    fake.click(LAYLA, order.channel_id, card_ts, ids.CUSTOMER_COPY)
    settle()
    _show_new(t, fake, order.channel_id, channel.name, seen)

    # 8. The customer: the order page's link, and her signature on it
    play_customer(world, t, order, LAYLA, _show_new, _show_card, DemoFailed)

    # 9. The office: ready for invoicing, the invoice data to the accounting system, invoiced
    play_office(world, t, order, out_dir, LAYLA, _show_new, _show_card, DemoFailed)

    # The PDFs, as files in the channel
    t.step(f"PDFs saved in {out_dir}/")
    pdfs = [f for f in fake.files.values() if f["name"].endswith(".pdf")]
    for f in sorted(pdfs, key=lambda f: f["name"]):
        path = out_dir / f["name"]
        path.write_bytes(f["content"])
        t.say(f"{path}  ({len(f['content']):,} bytes) — {f['title']}")
    final = wf.order(order.id)
    tax = tax_summary(final.lines, runtime.settings.vat_rate, runtime.settings.vat_exemption)
    t.write(
        f"\n{final.number} is {final.status_text.lower()} ({final.invoice_number}); net "
        f"{settings_currency(runtime)} {tax.net:,.2f}, VAT {tax.vat:,.2f}, total {tax.gross:,.2f}. Done."
    )


def _self_check(t: Transcript, fake: FakeSlack, channel_id: str, card_ts: str, settle) -> None:  # type: ignore[no-untyped-def]
    """Diego fills the order's Safety checklist: a tick, a text, the thread's photo."""
    t.step("Diego clicks [ :clipboard: Self-checks ]: the Safety checklist attached on approval")
    fake.click(DIEGO, channel_id, card_ts, ids.OPEN_SELF_CHECKS)
    sc_view = fake.calls_to("views.open")[-1].response["view"]["id"]
    t.modal(fake.views[sc_view])
    items = [b["block_id"] for b in fake.views[sc_view]["blocks"] if b.get("type") == "input"]
    photo = next(i for i, f in fake.files.items() if f.get("name") == "old-router.jpg")
    fake.fill(sc_view, items[0], ids.SELF_CHECK_ITEM, ["done"])
    fake.fill(sc_view, items[1], ids.SELF_CHECK_ITEM, "All green on the new router")
    fake.fill(sc_view, items[2], ids.SELF_CHECK_ITEM, [{"id": photo, "name": "old-router.jpg"}])
    t.say("He ticks the power, writes what the lights show, adds the photo and saves.")
    fake.submit(DIEGO, sc_view)
    settle()
    t.say("The form now says: " + _form_text(t, fake, sc_view))


def _form_text(t: Transcript, fake: FakeSlack, view_id: str) -> str:
    """What a submitted form shows now: its errors, or its first section's text."""
    if fake.view_errors.get(view_id):
        return "refused: " + "; ".join(fake.view_errors[view_id].values())
    blocks = (fake.views.get(view_id) or {}).get("blocks") or [{}]
    return t.plain(str((blocks[0].get("text") or {}).get("text") or "")).replace("\n", " ")


def _fill_field(fake: FakeSlack, view_id: str, key: str, value: str) -> None:
    """Fill one of the company's own fields, when its company file gives the form that field."""
    block = ids.custom_block(key)
    if any(b.get("block_id") == block for b in fake.views[view_id]["blocks"]):
        fake.fill(view_id, block, block, value)


def _row_keys(fake: FakeSlack, view_id: str) -> list[int]:
    """The keys of the line rows the form shows now (its private_metadata keeps them)."""
    return list(json.loads(fake.views[view_id].get("private_metadata") or "{}").get("keys", []))


def _block_starting(fake: FakeSlack, view_id: str, prefix: str) -> dict | None:
    return next((b for b in fake.views[view_id]["blocks"] if b.get("block_id", "").startswith(prefix)), None)


def _value_starting(fake: FakeSlack, view_id: str, prefix: str) -> str | None:
    """The value of the text input whose block id starts with prefix (pickers renumber them)."""
    for block_id, actions in fake.views[view_id]["state"]["values"].items():
        if block_id.startswith(prefix):
            return next(iter(actions.values())).get("value")
    return None


def _row_text(fake: FakeSlack, view_id: str, key: int) -> str:
    values = fake.views[view_id]["state"]["values"]
    desc = values[ids.line_block(key, ids.LINE_DESC)][ids.LINE_DESC].get("value")
    amount = values[ids.line_block(key, ids.LINE_AMOUNT)][ids.LINE_AMOUNT].get("value")
    return f"{desc}, {amount}"


def _pick_item(fake: FakeSlack, user: str, view_id: str, key: int, typed: str) -> str:
    """The person types into a row's Catalog item picker and takes the first suggestion."""
    block = ids.line_block(key, ids.LINE_ACTIONS)
    options = fake.suggest(user, view_id, block, ids.CATALOG_ITEM, typed)
    if not options:
        raise DemoFailed(f"the catalog suggested nothing for {typed!r}")
    fake.choose(user, view_id, block, ids.CATALOG_ITEM, options[0])
    return options[0]["text"]["text"]


def settings_currency(runtime: Runtime) -> str:
    return runtime.settings.currency


def _show_new(t: Transcript, fake: FakeSlack, channel_id: str, name: str, seen: int) -> None:
    for msg in fake.messages(channel_id)[seen:]:
        t.message(
            f"#{name}"
            + (" (thread)" if msg.get("thread_ts") and msg.get("thread_ts") != msg.get("ts") else ""),
            msg,
        )


def _show_card(t: Transcript, fake: FakeSlack, channel_id: str, ts: str, name: str) -> None:
    for msg in fake.messages(channel_id):
        if msg.get("ts") == ts:
            t.message(f"#{name} — the pinned card, updated in place", msg)


if __name__ == "__main__":
    sys.exit(run_demo(sys.argv[1] if len(sys.argv) > 1 else "demo-output"))
