"""The requests of the customer's order page (bot.web.asgi hands them over on a worker thread):

    GET  /o/{token}        the page: the order as the customer may see it, and the sign-off form
    GET  /o/{token}/pdf    the order's current PDF (the customer copy, unless the customer sees prices)
    POST /o/{token}        the sign-off: name, signature (a PNG data URL), csrf, shown
    GET  /o/-/page.css, /o/-/sign.js   the page's style and its signature pad

A link that is expired, tampered with, unknown or names an order that is gone is a plain 404 that
says nothing about any order. The form carries a CSRF token that must match its cookie (SameSite
Strict, HttpOnly) and what the customer was shown (the revision and its PDF's SHA-256): if the order
changed in between, the customer is asked to look again. The drawing is checked and re-encoded
(bot.web.drawing); the workflow checks the rest again under the order's lock (workflow.signoff).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from urllib.parse import parse_qs

from bot.config import Settings
from bot.documents import order_document
from bot.web import html
from bot.web.drawing import BadDrawing, signature_png
from bot.web.links import Links, links_of
from pdf import render
from workflow.errors import Refused
from workflow.rules import Outcome, Status
from workflow.service import Workflow
from workflow.signoff import SignOff, clean_name, not_signable
from workflow.snapshots import OrderView

log = logging.getLogger(__name__)

POST_MAX = 512 * 1024  # bytes of a sign-off form (the drawing's data URL is most of it)
CSRF_COOKIE = "so_csrf"
PDF_CACHE = 32  # rendered PDFs kept (a page view and its download render once)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),  # the token is in the URL: never sent on to anyone
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
]
CUSTOMER_STATUS = {
    Status.PENDING_APPROVAL: "Received, waiting to be confirmed",
    Status.IN_PROGRESS: "Confirmed",
    Status.REJECTED: "Not accepted",
    Status.CANCELLED: "Cancelled",
}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


class NameBook:
    """People's names for the page and its PDF, asked of Slack once per process and person."""

    def __init__(self, lookup: Callable[[str], str]) -> None:
        self._lookup = lookup
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> str:
        with self._lock:
            if user_id in self._names:
                return self._names[user_id]
        try:
            name = self._lookup(user_id) or user_id
        except Exception:  # noqa: BLE001 - Slack unreachable: the id, as the PDFs do
            log.warning("could not look up a name for the order page")
            return user_id
        with self._lock:
            self._names[user_id] = name
        return name


class OrderPages:
    def __init__(
        self,
        wf: Workflow,
        settings: Settings,
        name_of: Callable[[str], str],
        wake: Callable[[], None] = lambda: None,
        links: Links | None = None,
    ) -> None:
        self.wf, self.settings, self.name_of, self.wake = wf, settings, name_of, wake
        self.links = links or links_of(settings)
        self._pdfs: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ routing
    def handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, ip: str
    ) -> Response:
        rest = path[len("/o/") :] if path.startswith("/o/") else ""
        if rest in ("-/page.css", "-/sign.js") and method in ("GET", "HEAD"):
            return self._static(rest[2:])
        token, _, sub = rest.partition("/")
        found = self.links.read(token)
        order = self.wf.page_order(*found) if found else None
        if order is None or sub not in ("", "pdf"):
            return self._html(404, html.not_found())
        if sub == "pdf":
            if method not in ("GET", "HEAD"):
                return Response(405, b"method not allowed", "text/plain")
            return self._pdf(order)
        if method == "POST":
            return self._sign(order, token, headers, body, ip)
        if method not in ("GET", "HEAD"):
            return Response(405, b"method not allowed", "text/plain")
        notice = f"Thank you: the work on {order.number} is signed." if query == "signed=1" else ""
        csrf = _cookie(headers.get("cookie", ""), CSRF_COOKIE) or secrets.token_urlsafe(32)
        return self._page(order, token, csrf, notice=notice)

    # ------------------------------------------------------------------ the parts
    def _static(self, name: str) -> Response:
        data = resources.files("bot.web").joinpath("static", name).read_bytes()
        kind = "text/css; charset=utf-8" if name.endswith(".css") else "text/javascript; charset=utf-8"
        headers = [("x-content-type-options", "nosniff"), ("cache-control", "public, max-age=3600")]
        return Response(200, data, kind, headers)

    def _html(self, status: int, text: str, extra: list[tuple[str, str]] | None = None) -> Response:
        return Response(status, text.encode("utf-8"), headers=[*SECURITY_HEADERS, *(extra or [])])

    def customer_pdf(self, order: OrderView) -> tuple[str, bytes]:
        """The order's current PDF as the customer gets it: (file name, bytes); rendered once per
        order version (the same bytes again: the PDF is a pure function of what the order stored)."""
        customer = not self.wf.policy.customer_sees_prices
        key = (order.id, order.version, order.current_revision, customer)
        with self._lock:
            data = self._pdfs.get(key)
        if data is None:
            rev = self.wf.revision(order.id, order.current_revision)
            data = render(order_document(rev, self.settings, self.name_of, customer_copy=customer))
            with self._lock:
                self._pdfs[key] = data
                while len(self._pdfs) > PDF_CACHE:
                    self._pdfs.popitem(last=False)
        suffix = "-customer" if customer else ""
        return f"{order.number}-r{order.current_revision}{suffix}.pdf", data

    def _pdf(self, order: OrderView) -> Response:
        name, data = self.customer_pdf(order)
        headers = [
            ("content-disposition", f'attachment; filename="{name}"'),
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-store"),
            ("referrer-policy", "no-referrer"),
        ]
        return Response(200, data, "application/pdf", headers)

    def _page(
        self,
        order: OrderView,
        token: str,
        csrf: str,
        status: int = 200,
        notice: str = "",
        name: str = "",
        errors: dict[str, str] | None = None,
    ) -> Response:
        tz = self.settings.tz
        pdf_name, data = self.customer_pdf(order)
        sig = order.signature
        signed = ""
        if sig is not None and sig.valid:
            signed = f"Signed by {sig.name} on {_when(sig.signed_at, tz)}."
        form = None
        why_not = not_signable(order.status, order.outcome)
        if why_not is None and not signed:
            again = ""
            if sig is not None:
                again = f"The order changed after {sig.name} signed it ({sig.invalid_reason}): "
                again += "please sign it again."
            form = html.SignForm(
                action=token,
                csrf=csrf,
                shown=f"{order.current_revision}:{hashlib.sha256(data).hexdigest()}",
                name=name,
                errors=errors or {},
                again=again,
            )
        closed_note = ""
        if order.status in (Status.PENDING_APPROVAL, Status.IN_PROGRESS):
            closed_note = "Once the work is completed, you can sign it off on this page."
        page = html.Page(
            company=self.settings.company_name,
            number=order.number,
            title=order.title,
            status=_status(order),
            client=order.client,
            site=order.site,
            planned=f"{order.planned_date:%d %B %Y}" if order.planned_date else "",
            technicians=[
                n
                for n in (self.name_of(u) for u in order.field_workers)
                if n and n not in order.field_workers
            ],
            steps=_steps(order, tz),
            pdf_url=f"{token}/pdf",
            pdf_label=f"{pdf_name}, revision {order.current_revision}",
            logo_src=_logo(self.settings.company.print.logo),
            signed=signed,
            form=form,
            notice=notice,
            closed_note=closed_note,
        )
        secure = "; Secure" if self.links.public_url.startswith("https://") else ""
        cookie = f"{CSRF_COOKIE}={csrf}; Path=/o/; HttpOnly; SameSite=Strict{secure}"
        return self._html(status, html.order_page(page), [("set-cookie", cookie)])

    def _sign(self, order: OrderView, token: str, headers: dict[str, str], body: bytes, ip: str) -> Response:
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return Response(415, b"unsupported form", "text/plain")
        try:
            form = parse_qs(body.decode("utf-8"), max_num_fields=8, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return Response(400, b"bad form", "text/plain")

        def one(key: str) -> str:
            values = form.get(key) or [""]
            return values[0]

        name = one("name")[:200]
        cookie = _cookie(headers.get("cookie", ""), CSRF_COOKIE)
        sent = one("csrf")
        # Another site's form: its origin is not ours (a page with no-referrer posts "Origin: null"),
        # and our SameSite=Strict cookie does not go with its post
        origin = headers.get("origin", "null")
        foreign = origin != "null" and origin.split("://", 1)[-1] != headers.get("host", "")
        if foreign or not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
            errors = {"form": "This form was out of date. Please sign again below."}
            return self._page(
                order, token, cookie or secrets.token_urlsafe(32), 403, name=name, errors=errors
            )
        shown_revision, _, shown_sha = one("shown").partition(":")
        _, current = self.customer_pdf(order)
        if shown_revision != str(order.current_revision) or shown_sha != hashlib.sha256(current).hexdigest():
            errors = {"form": "The order changed since you opened this page: look at it again, then sign."}
            return self._page(order, token, cookie, 409, name=name, errors=errors)
        errors: dict[str, str] = {}
        try:
            clean_name(name)
        except Refused as r:
            errors["name"] = r.message
        try:
            image = signature_png(one("signature"))
        except BadDrawing as e:
            errors["signature"] = str(e)
        if errors:
            return self._page(order, token, cookie, 400, name=name, errors=errors)
        so = SignOff(name, image, order.current_revision, shown_sha, ip, headers.get("user-agent", "")[:400])
        try:
            signed, _ = self.wf.sign_off(order.id, order.number, so)
        except Refused as r:
            latest = self.wf.page_order(order.id, order.number) or order
            return self._page(latest, token, cookie, 409, name=name, errors={"form": r.message})
        self.wake()
        log.info("%s signed on the order page", signed.number)
        return Response(
            303, b"", "text/plain", [("location", f"{token}?signed=1"), ("cache-control", "no-store")]
        )


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and 20 <= len(value) <= 100 and all(ch.isalnum() or ch in "-_" for ch in value):
            return value
    return ""


def _when(at: datetime, tz) -> str:  # type: ignore[no-untyped-def]
    local = at.astimezone(tz)
    return f"{local:%d %B %Y}, {local:%H:%M}"


def _status(order: OrderView) -> str:
    if order.status in CUSTOMER_STATUS:
        return CUSTOMER_STATUS[order.status]
    if order.outcome == Outcome.NOT_PERFORMED:
        return "Not performed"
    return "Work completed"


def _steps(order: OrderView, tz) -> list[html.Step]:  # type: ignore[no-untyped-def]
    """What the customer may see of the order's history: no notes, no people's words, no prices."""
    steps = [html.Step("Order received", _when(order.created_at, tz))]
    if order.status is Status.REJECTED:
        return [*steps, html.Step("Not accepted", _when(order.decided_at, tz) if order.decided_at else "")]
    approved = order.decided_at is not None and order.status is not Status.PENDING_APPROVAL
    steps.append(html.Step("Order confirmed", _when(order.decided_at, tz) if approved else "", approved))  # type: ignore[arg-type]
    if order.planned_date:
        steps.append(html.Step("Visit planned", f"{order.planned_date:%d %B %Y}", approved))
    if order.status is Status.CANCELLED:
        return [*steps, html.Step("Cancelled")]
    done = order.closed_at is not None and order.ended
    if order.outcome == Outcome.NOT_PERFORMED:
        return [*steps, html.Step("Not performed", _when(order.closed_at, tz) if order.closed_at else "")]
    steps.append(html.Step("Work completed", _when(order.closed_at, tz) if done else "", done))  # type: ignore[arg-type]
    sig = order.signature
    if sig is not None and sig.valid:
        steps.append(html.Step(f"Signed by {sig.name}", _when(sig.signed_at, tz)))
    else:
        steps.append(html.Step("Signed by you", "", False))
    return steps


def _logo(data: bytes | None) -> str:
    if not data:
        return ""
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"
