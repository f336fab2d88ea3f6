"""The EMAIL performer: an email of the outbox handed to the company's SMTP server (bot.mail).

Payload: {"to": address, "subject", "text", "order": number} and, to attach an order's PDF,
{"order_id", "revision", "customer_copy": bool}. The PDF is rendered from what the revision stored,
the bytes the channel got (the customer copy: the same revision without prices).

Without an SMTP sender (SO_SMTP_URL unset) an email is not failed — nothing is wrong with it — but
postponed, hour after hour, so it goes out once a sender is configured. A refused recipient, a 5xx
or a refused login fails it (the admins are told, the Home lists it; `effects retry` sends it again
once fixed); a 4xx, a refused connection or a timeout is an OSError: retried with backoff.
"""

from __future__ import annotations

from bot import mail
from bot.config import Settings
from bot.documents import order_document
from bot.slack_calls import Failed, Retry, SlackCalls
from bot.web.links import links_of
from pdf import render
from workflow import effects as fx
from workflow.snapshots import EffectView, OrderView

NO_SMTP = "no SMTP sender configured (SO_SMTP_URL)"
NO_SMTP_RETRY_SECONDS = 3600.0


def waiting_for_a_sender(settings: Settings) -> frozenset[str]:
    """The effect kinds the bot cannot finish now (the demo and the tests do not wait for them)."""
    return frozenset({fx.EMAIL}) if settings.smtp is None else frozenset()


def attachment(slack: SlackCalls, payload: dict) -> mail.Attachment | None:
    """The order revision's PDF the payload names (None: nothing to attach)."""
    order_id, number = payload.get("order_id"), payload.get("revision")
    if not isinstance(order_id, int) or not isinstance(number, int):
        return None
    rev = slack.wf.revision(order_id, number)
    customer = bool(payload.get("customer_copy"))
    data = render(order_document(rev, slack.settings, slack.name_of, customer_copy=customer))
    suffix = "-customer" if customer else ""
    return mail.Attachment(f"{rev.order.number}-r{number}{suffix}.pdf", data)


def occasion_text(slack: SlackCalls, p: dict) -> dict:
    """{"subject", "text"} of the customer's email of an occasion (approved, closed)."""
    order = slack.wf.order(int(p["order_id"]))
    company, tz = slack.settings.company_name, slack.settings.tz
    name = mail.contact_name(order.contact)
    hello = f"Hello {name}," if name else "Hello,"
    what = f"{order.title} ({order.site})"
    attached = "The order is attached as a PDF." if p.get("revision") else ""
    if p["occasion"] == "approved":
        planned = f", planned for {order.planned_date:%d %B %Y}" if order.planned_date else ""
        subject = f"{company}: your order {order.number} is confirmed — {order.title}"
        text = f"{hello}\n\nyour service order {order.number}, {what}, is confirmed{planned}. {attached}"
    else:
        when = order.closed_at.astimezone(tz) if order.closed_at else None
        done = f" on {when:%d %B %Y}" if when else ""
        subject = f"{company}: the work on {order.number} is done — {order.title}"
        text = f"{hello}\n\nthe work on your service order {order.number}, {what}, was completed{done}."
        text += f" {attached}"
    url = links_of(slack.settings).url(order.id, order.number)
    if url:
        follow = "See the order and sign off the work" if p["occasion"] != "approved" else "Follow the order"
        text = f"{text.rstrip()}\n\n{follow} on its page: {url}"
    return {"subject": subject, "text": f"{text.rstrip()}\n\nKind regards,\n{company}"}


def email(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    smtp = slack.settings.smtp
    if smtp is None:
        raise Retry(NO_SMTP, NO_SMTP_RETRY_SECONDS, attempted=False)
    p = effect.payload
    if p.get("occasion"):  # the customer's email of an occasion: its words from the order as it is
        p = {**p, **occasion_text(slack, p)}
    to = str(p.get("to") or "")
    if not mail.valid_address(to):
        raise Failed(f"email_bad_address: {to[:100]!r} is not an email address")
    pdf = attachment(slack, p)
    settings = slack.settings.company.email
    text = str(p.get("text") or "")
    if settings.signature:
        text = f"{text.rstrip()}\n\n-- \n{settings.signature}"
    msg = mail.build(
        smtp,
        effect.key,
        [to],
        str(p.get("subject") or ""),
        text,
        reply_to=settings.reply_to,
        attachments=[pdf] if pdf is not None else [],
    )
    try:
        mail.send(smtp, msg)
    except mail.MailRefused as e:
        raise Failed(str(e)[:300]) from None
