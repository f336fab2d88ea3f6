"""Emails through a real SMTP server on 127.0.0.1 (aiosmtpd), sent by the bot's outbox: the articles
to order reach the purchasing address once, with the company's reply-to and signature; a refused
recipient fails the effect visibly; no SMTP server configured keeps the email waiting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.company import CompanyConfig, CompanyFileError, load_company
from bot.company_email import EmailSettings
from bot.config import ConfigError, load_settings
from bot.demo import DIEGO, LAYLA, OGECHI, local_world
from bot.mail import smtp_settings
from forms import ids
from tests.bot.helpers import click, submit_order
from tests.bot.smtp_server import smtp_server
from tests.conftest import ADMIN, EVERYONE
from workflow import commands as c

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
