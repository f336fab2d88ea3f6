"""Email out through the company's SMTP server: its settings (SO_SMTP_URL, SO_MAIL_FROM), the message
an EMAIL effect makes, and what an SMTP answer means for the effect.

    smtp://user:pass@mail.example.com:587    STARTTLS (required once a password is given, unless the
                                            server is this machine: a password never goes in clear)
    smtps://user:pass@mail.example.com:465   TLS from the first byte
    smtp://127.0.0.1:1025                    a local server, no login (the demo, the tests)

A message's Message-ID is made from its effect's key, so an attempt repeated after a lost answer is
the same message to the receiving side (mail systems drop a Message-ID they have seen, and a person
sees one thread). A refused recipient, a 5xx or a failed login fails the effect (the admins are told,
the Home lists it); a 4xx, a refused connection or a timeout is retried with backoff.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from urllib.parse import unquote, urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
TIMEOUT_SECONDS = 30.0
ADDRESS_MAX = 254  # RFC 5321's longest path


class MailConfigError(ValueError):
    """SO_SMTP_URL or SO_MAIL_FROM cannot be used; the message names the setting."""


class MailRefused(Exception):
    """The server will not take this message as it is (5xx, refused recipients, login refused)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str  # the From address (SO_MAIL_FROM)
    sender_name: str = ""  # shown with it: the company's name
    tls: bool = False  # smtps: TLS from the start
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = TIMEOUT_SECONDS

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS


def valid_address(address: str) -> bool:
    """A plain addr-spec (name@domain.tld), no display name, no spaces or line breaks."""
    address = address.strip()
    if not address or len(address) > ADDRESS_MAX or any(ch.isspace() or ch in '<>,;"()' for ch in address):
        return False
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain and not domain.startswith(".") and not domain.endswith("."))


def smtp_settings(url: str, mail_from: str, sender_name: str = "") -> SmtpSettings | None:
    """The settings SO_SMTP_URL and SO_MAIL_FROM give; None when SO_SMTP_URL is empty (no email);
    MailConfigError naming what is wrong."""
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError(f"SO_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or url!r}")
    try:
        port = parts.port
    except ValueError:
        raise MailConfigError("SO_SMTP_URL has a port that is not a number") from None
    if not parts.hostname:
        raise MailConfigError("SO_SMTP_URL names no server, e.g. smtp://user:pass@mail.example.com:587")
    sender = mail_from.strip()
    if not valid_address(sender):
        raise MailConfigError(
            f"SO_MAIL_FROM must be the address emails come from, e.g. orders@example.com, not {sender!r}"
        )
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if tls else 587),
        sender=sender,
        sender_name=sender_name.strip(),
        tls=tls,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def message_id(key: str, sender: str) -> str:
    """<hex@domain>: the same for every attempt of the effect named key."""
    domain = sender.rpartition("@")[2] or "service-orders.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/pdf"


def build(
    smtp: SmtpSettings,
    key: str,
    to: Sequence[str],
    subject: str,
    text: str,
    reply_to: str = "",
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The message: plain text (what was typed stays text: no HTML to escape), its attachments."""
    msg = EmailMessage()
    msg["From"] = formataddr((smtp.sender_name, smtp.sender)) if smtp.sender_name else smtp.sender
    msg["To"] = ", ".join(to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = " ".join(subject.split())[:250]  # one line: no header can be injected
    msg["Message-ID"] = message_id(key, smtp.sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    for a in attachments:
        maintype, _, subtype = a.mime.partition("/")
        msg.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg


def send(smtp: SmtpSettings, msg: EmailMessage) -> None:
    """Hand msg to the server. MailRefused for what no retry mends; OSError (smtplib's errors among
    them) for what a later attempt may get through: a 4xx, a dropped or refused connection, a timeout."""
    context = ssl.create_default_context()
    try:
        if smtp.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            client.ehlo()
            if not smtp.tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif not smtp.tls and smtp.password and not smtp.local:
                raise MailRefused(f"{smtp.host} offers no STARTTLS: the password is not sent in clear")
            if smtp.username:
                client.login(smtp.username, smtp.password)
            refused = client.send_message(msg)
    except smtplib.SMTPRecipientsRefused as e:
        _refused(e.recipients)
        raise
    except smtplib.SMTPAuthenticationError as e:
        raise MailRefused(f"smtp_login_refused: {e.smtp_code} {_said(e.smtp_error)}") from None
    except smtplib.SMTPResponseException as e:
        if 500 <= e.smtp_code < 600:
            raise MailRefused(f"smtp_{e.smtp_code}: {_said(e.smtp_error)}") from None
        raise OSError(f"smtp_{e.smtp_code}: {_said(e.smtp_error)}") from None
    except ssl.SSLCertVerificationError as e:
        raise MailRefused(f"smtp_tls: {e.verify_message or e}") from None
    if refused:  # some recipients taken, others not: those are told as failed
        _refused(refused)


def _refused(recipients: dict) -> None:
    """Some recipient refused: a 5xx for any is for good (its address is wrong); else retried."""
    said = "; ".join(f"{addr} {code} {_said(text)}" for addr, (code, text) in recipients.items())
    if any(500 <= int(code) < 600 for code, _ in recipients.values()):
        raise MailRefused(f"smtp_recipient_refused: {said}"[:300])
    raise OSError(f"smtp_recipient_deferred: {said}"[:300])


def _said(text: object) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return " ".join(raw.split())[:200]


def address_of(text: str) -> str:
    """The address in 'Marta Ruiz <marta@clinica.example>' or a bare address; '' when none."""
    _, address = parseaddr(text)
    return address if valid_address(address) else ""


def contact_name(contact: str) -> str:
    """'Marta Ruiz' from 'Marta Ruiz, +34 600 000 000, marta@clinica.example'."""
    text = re.sub(r"\S+@\S+", "", contact)
    return " ".join(re.split(r"[,;+(\d]", text, maxsplit=1)[0].split())[:60]
