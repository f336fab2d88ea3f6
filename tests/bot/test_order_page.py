"""The customer's order page over real HTTP (issue 14): a signed link shows the order as the
customer may see it, its PDF downloads, and the sign-off makes a signed revision whose PDF shows
the drawing; a bad link is a plain 404, and the form refuses what it must (CSRF, a blank drawing, a
changed order, oversize posts). The browser itself is tests/bot/test_order_page_browser.py."""

from __future__ import annotations

import hashlib
import io
import re
import time
import urllib.error
from decimal import Decimal

import itsdangerous
import pytest
from pypdf import PdfReader

from bot.config import ConfigError, load_settings
from bot.demo import DIEGO, LAYLA, OGECHI, World
from bot.runtime import BackgroundServer
from bot.web.links import links_of
from forms import ids
from tests.bot.helpers import buttons, card, channel_texts, click, ephemerals_to, submit_order
from tests.bot.web_client import Customer, drawing, hidden
from workflow import commands as c


def closed(world: World):  # type: ignore[no-untyped-def]
    wf = world.runtime.workflow
    order = submit_order(
        world, lines=(("Router <b>", "1 × 120", "material"), ("Diagnosis", "2 h × 85", "labour"))
    )
    click(world, OGECHI, order, ids.APPROVE)
    wf.add_field_workers(order.id, LAYLA, [DIEGO])
    wf.execute(DIEGO, c.Close(order.id, "completed", attested=True))
    world.settle()
    return wf.order(order.id)


def page_url(world: World, order) -> str:  # type: ignore[no-untyped-def]
    return links_of(world.runtime.settings).url(order.id, order.number)


def pdf_of(world: World, name: str) -> bytes:
    return next(f for f in world.fake.files.values() if f["name"] == name)["content"]


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def sign(world: World, customer: Customer, url: str, name: str = "Marta Ruiz", **over: str):  # type: ignore[no-untyped-def]
    page = customer.get(url).text
    fields = {
        "csrf": hidden(page, "csrf"),
        "shown": hidden(page, "shown"),
        "name": name,
        "signature": drawing(),
        **over,
    }
    return customer.post(url, fields)


def test_the_page_shows_the_order_without_prices_and_its_pdf(world: World) -> None:
    order = closed(world)
    customer = Customer()
    got = customer.get(page_url(world, order))
    assert got.status == 200
    page = got.text
    for shown in (
        "Service order SO-0001",
        "Fix the router",
        "Work completed",
        "Clínica Dental Norte",
        "Diego",
        "Order received",
        "Order confirmed",
        "Sign to confirm the work",
    ):
        assert shown in page, shown
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "85" not in visible and "170" not in visible and "EUR" not in visible  # no prices
    csp = got.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert got.headers["referrer-policy"] == "no-referrer"
    assert "HttpOnly" in got.headers["set-cookie"] and "SameSite=Strict" in got.headers["set-cookie"]
    # the PDF is the customer copy of the current revision: what the form says was shown
    pdf = customer.get(page_url(world, order) + "/pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "SO-0001-r1-customer.pdf" in pdf.headers["content-disposition"]
    assert hidden(page, "shown") == f"1:{hashlib.sha256(pdf.body).hexdigest()}"
    assert "customer copy" in text_of(pdf.body).lower() and "Router <b>" in text_of(pdf.body)


def test_a_bad_link_is_a_plain_404_that_names_no_order(world: World) -> None:
    order = closed(world)
    good = page_url(world, order)
    customer = Customer()
    base, token = good.rsplit("/", 1)
    expired_signer = links_of(world.runtime.settings)
    real_time = time.time
    itsdangerous.timed.time.time = lambda: real_time() - 91 * 86400  # type: ignore[attr-defined]
    try:
        old = expired_signer.url(order.id, order.number)
    finally:
        itsdangerous.timed.time.time = real_time  # type: ignore[attr-defined]
    other_secret = type(expired_signer)("another-secret-0123456789", expired_signer.public_url)
    for url in (
        base + "/" + token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered
        old,  # expired (90 days)
        other_secret.url(order.id, order.number),  # signed by someone else
        expired_signer.url(order.id, "SO-0099"),  # an order that is not there
        base + "/nonsense",
        good + "/other",
    ):
        got = customer.get(url)
        assert got.status == 404, url
        assert "SO-0001" not in got.text and "Fix the router" not in got.text and "Page not found" in got.text
    assert customer.post(base + "/" + token[:-2] + "AA", {"name": "x"}).status == 404


def test_signing_posts_in_the_channel_and_publishes_a_signed_pdf(world: World) -> None:
    order = closed(world)
    url = page_url(world, order)
    customer = Customer()
    got = sign(world, customer, url, name="Marta <Ruiz> & *co*")
    assert got.status == 303, got.text
    assert got.headers["location"].endswith("?signed=1")
    world.settle()
    signed = world.runtime.workflow.order(order.id)
    assert signed.current_revision == 2 and signed.signature is not None
    assert signed.signature.name == "Marta <Ruiz> & *co*"
    texts = channel_texts(world, signed)
    said = [t for t in texts if "signed *SO-0001* on the order page" in t]
    assert said and "&lt;Ruiz&gt; &amp;" in said[0]  # escaped for Slack
    pdf = pdf_of(world, "SO-0001-r2.pdf")
    text = text_of(pdf)
    assert "Customer sign-off" in text and "Marta <Ruiz> & *co*" in text and "revision 1" in text
    reader = PdfReader(io.BytesIO(pdf))
    assert any(page.images for page in reader.pages)  # the drawing is on it
    # the page now says so (escaped), offers no form, and the PDF is the signed one
    page = customer.get(url + "?signed=1").text
    assert "Thank you" in page and "Signed by Marta &lt;Ruiz&gt; &amp; *co*" in page and "<Ruiz>" not in page
    assert 'name="signature"' not in page
    # the same form posted again changes nothing
    again = sign_again = customer.post(
        url, {"csrf": "x" * 43, "shown": "1:x", "name": "Marta", "signature": drawing()}
    )
    assert again.status in (403, 409) and sign_again is again
    world.settle()
    assert world.runtime.workflow.order(order.id).current_revision == 2


def test_the_form_refuses_without_changing_anything(world: World) -> None:
    order = closed(world)
    url = page_url(world, order)
    customer = Customer()
    page = customer.get(url).text
    base = {
        "csrf": hidden(page, "csrf"),
        "shown": hidden(page, "shown"),
        "name": "Marta",
        "signature": drawing(),
    }
    # another site's form (no cookie of ours: SameSite Strict keeps it from a cross-site post)
    stranger = Customer()
    got = stranger.post(url, base)
    assert got.status == 403 and "out of date" in got.text
    got = customer.post(url, base, headers={"Origin": "https://evil.example"})  # our cookie, their page
    assert got.status == 403 and "out of date" in got.text
    # a blank canvas, no name, not a PNG, an oversize drawing
    got = customer.post(url, {**base, "signature": drawing(strokes=0), "name": " "})
    assert got.status == 400 and "Draw your signature" in got.text and "Type your name" in got.text
    assert customer.post(url, {**base, "signature": "data:image/svg+xml;base64,PHN2Zz4="}).status == 400
    assert customer.post(url, {**base, "signature": drawing(size=(3000, 200))}).status == 400
    try:  # refused from its Content-Length: answered 413 and closed, perhaps while it is still sending
        too_big = customer.post(url, {**base, "signature": "data:image/png;base64," + "A" * 600_000}).status
    except urllib.error.URLError as e:
        too_big = 413 if isinstance(e.reason, (BrokenPipeError, ConnectionResetError)) else 0
    assert too_big == 413
    # the order changed since the page was opened
    got = customer.post(url, {**base, "shown": "1:" + "0" * 64})
    assert got.status == 409 and "changed since you opened" in got.text
    assert world.runtime.workflow.order(order.id).signature is None
    assert world.runtime.workflow.order(order.id).current_revision == 1


def test_new_lines_after_signing_ask_for_the_signature_again(world: World) -> None:
    order = closed(world)
    url = page_url(world, order)
    customer = Customer()
    assert sign(world, customer, url).status == 303
    wf = world.runtime.workflow
    wf.execute(DIEGO, c.Articles(order.id, added=(c.ArticleDraft("Fan", Decimal(1), "pcs"),)))
    article = wf.order(order.id).articles[0]
    wf.execute(DIEGO, c.Articles(order.id, statuses=(c.ArticleStatus(article.id, "to_order", "delivered"),)))
    used = wf.execute(DIEGO, c.UseArticles(order.id))
    world.settle()
    page = customer.get(url).text
    assert "please sign it again" in page and 'name="signature"' in page
    assert "Signed by Marta Ruiz on" not in page
    # the PDF of the new lines says the signature no longer holds, without the drawing
    text = text_of(pdf_of(world, f"SO-0001-r{used.current_revision}.pdf"))
    assert "No longer valid: the lines changed in revision 3" in text
    assert sign(world, Customer(), url, name="Marta R.").status == 303
    world.settle()
    final = wf.order(order.id)
    assert final.signature is not None and final.signature.valid and final.signature.name == "Marta R."


@pytest.mark.parametrize("status", ["pending", "in_progress"])
def test_before_the_work_is_done_there_is_nothing_to_sign(world: World, status: str) -> None:
    order = submit_order(world)
    if status == "in_progress":
        click(world, OGECHI, order, ids.APPROVE)
    order = world.runtime.workflow.order(order.id)
    page = Customer().get(page_url(world, order)).text
    assert 'name="signature"' not in page and "Once the work is completed" in page


def test_customer_link_on_the_card_for_the_office_not_the_field(world: World) -> None:
    order = closed(world)
    assert ":link: Customer link" in buttons(card(world, order))
    click(world, DIEGO, order, ids.CUSTOMER_LINK)  # a field worker: refused, naming who may
    [refusal] = ephemerals_to(world, DIEGO)
    assert "coordinator, a supervisor, an admin or the order's requester" in refusal and "/o/" not in refusal
    click(world, LAYLA, order, ids.CUSTOMER_LINK)
    [answer] = ephemerals_to(world, LAYLA)
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/o/[\w.-]+", answer)
    assert "Service order SO-0001" in Customer().get(link).text
    # once signed, the card says so
    assert sign(world, Customer(), link).status == 303
    world.settle()
    shown = str(card(world, world.runtime.workflow.order(order.id))["blocks"])
    assert "Signed by the customer" in shown and "Marta Ruiz" in shown


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SO_PUBLIC_URL", "orders.example.com"),
        ("SO_PUBLIC_URL", "ftp://x"),
        ("SO_LINK_SECRET", "short"),
        ("SO_WEB_PORT", "80000"),
        ("SO_WEB_PORT", "http"),
        ("SO_LINK_DAYS", "-1"),
    ],
)
def test_a_wrong_page_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_links_need_a_secret_and_an_address() -> None:
    settings = load_settings({"SLACK_SIGNING_SECRET": "s" * 32, "SO_PUBLIC_URL": "https://o.example.com/so/"})
    links = links_of(settings)
    assert links.url(7, "SO-0007").startswith("https://o.example.com/so/o/") and links.days == 90
    assert links.read(links.token(7, "SO-0007")) == (7, "SO-0007")
    other = links_of(
        load_settings({"SLACK_SIGNING_SECRET": "t" * 32, "SO_PUBLIC_URL": "https://o.example.com"})
    )
    assert other.read(links.token(7, "SO-0007")) is None  # another secret: not ours
    assert links_of(load_settings({})).url(7, "SO-0007") == ""  # nothing to sign with, nowhere to point


def test_socket_mode_serves_the_pages_alone_on_their_port(world: World) -> None:
    """What `run` starts on SO_WEB_PORT: the pages and /healthz, and nothing of Slack's endpoint."""
    order = closed(world)
    pages = BackgroundServer(world.runtime.pages(), "127.0.0.1", 0)
    pages.start()
    try:
        base = f"http://127.0.0.1:{pages.port}"
        token = page_url(world, order).rsplit("/o/", 1)[1]
        customer = Customer()
        assert "Service order SO-0001" in customer.get(f"{base}/o/{token}").text
        assert customer.get(base + "/healthz").status == 200
        assert customer.post(base + "/slack/events", {"x": "y"}).status == 404
    finally:
        pages.stop()
