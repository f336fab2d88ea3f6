"""Emails through a real SMTP server on 127.0.0.1 (aiosmtpd), sent by the bot's outbox: the articles
to order reach the purchasing address once, with the company's reply-to and signature; a refused
recipient fails the effect visibly; no SMTP server configured keeps the email waiting."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.company import CompanyConfig, CompanyFileError, load_company
from bot.company_email import EmailSettings
from bot.config import ConfigError, load_settings
from bot.demo import DIEGO, LAYLA, OGECHI, local_world
from bot.mail import smtp_settings
from forms import ids
from tests.bot.helpers import buttons, card, channel_texts, click, ephemerals_to, opened_view, submit_order
from tests.bot.smtp_server import smtp_server
from tests.bot.web_client import Customer
from tests.conftest import ADMIN, EVERYONE
from workflow import commands as c
from workflow.service import Refused

PURCHASING = "purchasing@andes.example"


def office(tmp_path, port: int):  # type: ignore[no-untyped-def]
    company = CompanyConfig(
        articles_email=PURCHASING,
        email=EmailSettings(reply_to="office@andes.example", signature="Andes IT · +34 910 000 000"),
    )
    return local_world(
        f"sqlite:///{tmp_path / 'so.db'}",
        people=EVERYONE,
        admins=(ADMIN,),
        home_refresh_seconds=0.2,
        company=company,
        smtp=smtp_settings(f"smtp://127.0.0.1:{port}", "orders@andes.example", "Andes IT"),
    )


def in_progress(world):  # type: ignore[no-untyped-def]
    wf = world.runtime.workflow
    wf.grant("test", LAYLA, "coordinator", check=False)
    wf.grant("test", OGECHI, "supervisor", check=False)
    wf.grant("test", DIEGO, "field_worker", check=False)
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    return order


def test_articles_to_order_are_emailed_to_purchasing_once(tmp_path):
    with smtp_server() as box, office(tmp_path, box.port) as world:
        wf = world.runtime.workflow
        order = in_progress(world)
        psu = c.ArticleDraft("PSU 12 V <b>", Decimal(1), "pcs")
        wf.execute(OGECHI, c.Articles(order.id, (psu,), user_name="Ogechi"))
        world.settle()
        [got] = box.messages()
        assert got.recipients == [PURCHASING]
        m = got.message
        assert m["Subject"] == "Articles to order on SO-0001"
        assert m["Reply-To"] == "office@andes.example" and "orders@andes.example" in m["From"]
        body = m.get_content()
        assert "PSU 12 V <b>" in body and body.rstrip().endswith("Andes IT · +34 910 000 000")
        assert [e.status for e in wf.effects() if e.kind == "email"] == ["done"]
        world.settle()  # nothing more: the effect is done, never sent twice
        assert len(box.messages()) == 1


def test_a_refused_recipient_fails_the_email_and_the_admins_are_told(tmp_path):
    with smtp_server() as box, office(tmp_path, box.port) as world:
        box.answers[PURCHASING] = "550 5.1.1 No such mailbox"
        wf = world.runtime.workflow
        order = in_progress(world)
        wf.execute(OGECHI, c.Articles(order.id, (c.ArticleDraft("Fan", Decimal(2), "pcs"),)))
        world.settle()
        [failed] = [e for e in wf.effects() if e.kind == "email"]
        assert failed.status == "failed" and "550" in failed.last_error
        told = [m.get("text", "") for m in world.fake.dms(ADMIN)]
        assert any("550" in t for t in told), told
        assert box.messages() == []


def test_the_company_file_and_the_settings_name_a_mistake(tmp_path):
    bad = tmp_path / "company.yml"
    bad.write_text("email:\n  reply_to: the office\n", encoding="utf-8")
    with pytest.raises(CompanyFileError, match="reply_to: not an email address"):
        load_company(str(bad))
    with pytest.raises(ConfigError, match="SO_MAIL_FROM"):
        load_settings({"SO_SMTP_URL": "smtp://127.0.0.1:1025"})
    assert load_settings({}).smtp is None  # no server: no email, nothing fails


def test_the_customer_gets_the_confirmation_and_the_final_order_once_each_with_the_pdf(tmp_path):
    with smtp_server() as box, office(tmp_path, box.port) as world:
        fake, wf = world.fake, world.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        assert fake.slash_command(LAYLA, "/so", "new").status == 200
        view = opened_view(world)
        fake.fill(view, ids.CLIENT, ids.CLIENT, "Clínica Dental Norte")
        fake.fill(view, ids.SITE, ids.SITE, "Calle de Alcalá 120, Madrid")
        fake.fill(view, ids.CONTACT, ids.CONTACT, "Marta Ruiz, +34 600 000 000, marta@clinica.example")
        fake.fill(view, ids.TITLE, ids.TITLE, "Fix the router")
        fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
        fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
        assert fake.submit(LAYLA, view).status == 200
        world.settle()
        [order] = wf.list_for(LAYLA)[0]
        assert order.contact_email == "marta@clinica.example" and box.messages() == []  # not before approval

        click(world, OGECHI, order, ids.APPROVE)
        [confirmed] = box.messages()
        assert confirmed.recipients == ["marta@clinica.example"]
        m = confirmed.message
        assert "SO-0001 is confirmed" in m["Subject"] and "Fix the router" in m["Subject"]
        assert m.get_body(preferencelist=("plain",)).get_content().startswith("Hello Marta Ruiz,")
        [pdf] = list(m.iter_attachments())
        assert pdf.get_filename() == "SO-0001-r1-customer.pdf"
        # the customer copy without prices: the same bytes as the copy posted in the channel
        assert fake.slash_command(LAYLA, "/so", "copy 1").status == 200
        world.settle()
        [posted] = [f for f in fake.files.values() if f["name"] == "SO-0001-r1-customer.pdf"]
        assert pdf.get_content() == posted["content"]
        # the email carries the order page's link: it opens the order, whose PDF is the one attached
        body = m.get_body(preferencelist=("plain",)).get_content()
        [link] = re.findall(r"http://127\.0\.0\.1:\d+/o/\S+", body)
        customer = Customer()
        assert "Service order SO-0001" in customer.get(link).text
        assert customer.get(link + "/pdf").body == pdf.get_content()

        click(world, OGECHI, order, ids.OPEN_CLOSE)
        close_view = opened_view(world)
        fake.fill(close_view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
        fake.fill(close_view, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
        assert fake.submit(OGECHI, close_view).status == 200
        world.settle()
        world.settle()
        subjects = [r.message["Subject"] for r in box.messages()]
        assert len(subjects) == 2 and "the work on SO-0001 is done" in subjects[1]
        final = box.messages()[1].message.get_body(preferencelist=("plain",)).get_content()
        assert "See the order and sign off the work on its page: http://127.0.0.1:" in final
        assert len({r.message["Message-ID"] for r in box.messages()}) == 2


def test_email_customer_sends_the_current_pdf_with_the_words_written_and_tells_the_channel(tmp_path):
    with smtp_server() as box, office(tmp_path, box.port) as world:
        fake, wf = world.fake, world.runtime.workflow
        order = in_progress(world)
        box.received.clear()  # no contact email on this order: nothing was sent on approval anyway
        assert "Email customer" in buttons(card(world, order))
        wf.add_field_workers(order.id, OGECHI, [DIEGO])
        world.settle()
        click(world, DIEGO, order, ids.OPEN_EMAIL_CUSTOMER)  # a field worker is not the office
        assert any("Only" in t for t in ephemerals_to(world, DIEGO))

        click(world, LAYLA, order, ids.OPEN_EMAIL_CUSTOMER)
        view = opened_view(world)
        shown = str(fake.views[view]["blocks"])
        assert "SO-0001-r1-customer.pdf (without prices)" in shown and "SO-0001" in shown
        fake.fill(view, ids.EMAIL_TO, ids.EMAIL_TO, "not an address")
        assert fake.submit(LAYLA, view).status == 200
        assert "Not an email address" in fake.view_errors[view][ids.EMAIL_TO]
        fake.fill(view, ids.EMAIL_TO, ids.EMAIL_TO, "marta@clinica.example")
        fake.fill(view, ids.EMAIL_TEXT, ids.EMAIL_TEXT, "Hola Marta,\n\nthe order <!channel> as agreed.")
        assert fake.submit(LAYLA, view).status == 200
        world.settle()
        [sent] = box.messages()
        assert sent.recipients == ["marta@clinica.example"]
        assert "as agreed" in sent.message.get_body(preferencelist=("plain",)).get_content()
        [pdf] = list(sent.message.iter_attachments())
        assert pdf.get_filename() == "SO-0001-r1-customer.pdf"
        told = [t for t in channel_texts(world, order) if "emailed" in t]
        assert len(told) == 1 and "marta@clinica.example" in told[0]
        assert not wf.effects("failed")


def test_without_a_mail_server_the_button_is_not_there_and_the_workflow_refuses(world):
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    assert "Email customer" not in buttons(card(world, order))
    with pytest.raises(Refused, match="SO_SMTP_URL"):
        world.runtime.workflow.execute(LAYLA, c.EmailCustomer(order.id, "m@c.example", "Order", "Hi"))
