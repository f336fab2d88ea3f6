"""A customer's browser without the browser: GET and POST the order page over real HTTP with a
cookie jar (the sign-off's CSRF cookie), and a drawing made with Pillow."""

from __future__ import annotations

import base64
import io
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from urllib.parse import urlencode

from PIL import Image, ImageDraw


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class Customer:
    def __init__(self) -> None:
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def _open(self, req: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(req, timeout=30) as r:
                return Answer(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def get(self, url: str) -> Answer:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        data = urlencode(fields).encode()
        head = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self._open(urllib.request.Request(url, data=data, method="POST", headers=head))


def hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert m, f"no hidden field {name}"
    return m.group(1)


def drawing(strokes: int = 3, size: tuple[int, int] = (600, 200), ink: str = "#111") -> str:
    """A signature as the page's canvas sends it: a PNG data URL (strokes=0: a blank canvas)."""
    im = Image.new("RGBA", size, (255, 255, 255, 255))
    draw = ImageDraw.Draw(im)
    for i in range(strokes):
        draw.line([(40 + i * 30, 150), (120 + i * 40, 50), (200 + i * 50, 140)], fill=ink, width=4)
    out = io.BytesIO()
    im.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
