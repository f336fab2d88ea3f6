"""bot.mail against a real SMTP server on 127.0.0.1 (aiosmtpd): the message as received, its
Message-ID the same for every attempt of one effect, and what each answer means (a 5xx or a refused
recipient is for good; a 4xx or a refused connection is tried again)."""

from __future__ import annotations

import pytest

from bot.mail import Attachment, MailConfigError, MailRefused, build, send, smtp_settings, valid_address
from tests.bot.smtp_server import free_port, smtp_server


def test_a_message_arrives_with_its_attachment_and_a_message_id_made_from_the_key():
    with smtp_server() as box:
        smtp = smtp_settings(f"smtp://127.0.0.1:{box.port}", "orders@andes.example", "Andes IT")
        assert smtp is not None
        pdf = b"%PDF-1.7 the order"
        msg = build(
            smtp,
            "email:approved:SO-0042",
            ["marta@clinica.example"],
            "Your order SO-0042\r\nBcc: evil@example.com",
            "Hello Marta,\n\nthe order is confirmed.",
            reply_to="office@andes.example",
            attachments=[Attachment("SO-0042-r1.pdf", pdf)],
        )
        send(smtp, msg)
        [got] = box.messages()
    assert got.recipients == ["marta@clinica.example"] and got.sender == "orders@andes.example"
    m = got.message
    assert m["Subject"] == "Your order SO-0042 Bcc: evil@example.com"  # one line: no header injected
    assert m["Bcc"] is None and m["From"] == "Andes IT <orders@andes.example>"
    assert m["Reply-To"] == "office@andes.example"
    [part] = list(m.iter_attachments())
    assert part.get_filename() == "SO-0042-r1.pdf" and part.get_content() == pdf
    again = build(smtp, "email:approved:SO-0042", ["marta@clinica.example"], "x", "y")
    assert again["Message-ID"] == m["Message-ID"]  # the same effect: the same message
    assert build(smtp, "email:closed:SO-0042", ["m@c.example"], "x", "y")["Message-ID"] != m["Message-ID"]


def test_a_refused_recipient_is_for_good_and_a_deferred_one_is_tried_again():
    with smtp_server() as box:
        smtp = smtp_settings(f"smtp://127.0.0.1:{box.port}", "orders@andes.example")
        assert smtp is not None
        box.answers["nobody@clinica.example"] = "550 5.1.1 No such user"
        box.answers["busy@clinica.example"] = "451 4.3.0 Try again later"
        with pytest.raises(MailRefused, match="nobody@clinica.example 550"):
            send(smtp, build(smtp, "k1", ["nobody@clinica.example"], "s", "t"))
        with pytest.raises(OSError, match="451"):
            send(smtp, build(smtp, "k2", ["busy@clinica.example"], "s", "t"))
        assert box.messages() == []


def test_a_server_that_is_not_there_is_tried_again():
    smtp = smtp_settings(f"smtp://127.0.0.1:{free_port()}", "orders@andes.example")
    assert smtp is not None
    with pytest.raises(OSError):
        send(smtp, build(smtp, "k", ["marta@clinica.example"], "s", "t"))


@pytest.mark.parametrize(
    ("url", "sender", "said"),
    [
        ("http://mail.example.com", "o@a.example", "smtp:// or smtps://"),
        ("smtp://", "o@a.example", "names no server"),
        ("smtp://mail.example.com:port", "o@a.example", "port"),
        ("smtp://mail.example.com", "", "SO_MAIL_FROM"),
        ("smtp://mail.example.com", "Orders <o@a.example>", "SO_MAIL_FROM"),
    ],
)
def test_settings_that_cannot_work_are_named(url, sender, said):
    with pytest.raises(MailConfigError, match=said):
        smtp_settings(url, sender)


def test_settings_read_the_url():
    assert smtp_settings("", "o@a.example") is None  # no email configured
    s = smtp_settings("smtps://me%40a.example:p%40ss@mail.a.example", "o@a.example")
    assert s is not None and (s.host, s.port, s.tls, s.username, s.password) == (
        "mail.a.example",
        465,
        True,
        "me@a.example",
        "p@ss",
    )
    assert "p@ss" not in repr(s)
    s = smtp_settings("smtp://user:pw@mail.a.example", "o@a.example")
    assert s is not None and (s.port, s.tls) == (587, False)
    assert valid_address("marta@clinica.example") and not valid_address("marta@clinica")
    assert not valid_address("a@b.example\r\nBcc: x@y.example") and not valid_address("")
