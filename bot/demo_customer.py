"""The demo's customer: Layla hands Marta the order page's link, Marta opens it and signs the work
off (over real HTTP, as her phone's browser would: the page, its cookie, the form with a drawing)."""

from __future__ import annotations

import base64
import html
import io
import re
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urlencode

from forms import ids


def _drawing() -> str:
    """A signature drawn on the page's 600 × 200 canvas, as the page posts it."""
    from PIL import Image, ImageDraw  # Pillow comes with fpdf2

    im = Image.new("RGB", (600, 200), "white")
    pen = ImageDraw.Draw(im)
    pen.line([(40, 140), (90, 50), (120, 150), (170, 60), (200, 140), (260, 90), (330, 120)], "black", 4)
    pen.line([(360, 130), (420, 70), (470, 130), (560, 100)], "black", 4)
    out = io.BytesIO()
    im.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _text(page: str, tag: str) -> list[str]:
    """The texts of the page's tag elements, as a reader sees them."""
    found = re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", page, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", x)).split()) for x in found]


def play_customer(
    world: Any, t: Any, order: Any, coordinator: str, show_new: Any, show_card: Any, failed: type[Exception]
) -> None:
    fake, wf = world.fake, world.runtime.workflow
    channel = fake.channels[order.channel_id]
    card_ts = wf.order(order.id).card_ts
    t.step("Layla clicks [ :link: Customer link ] and texts the link to Marta, the clinic's contact")
    fake.click(coordinator, order.channel_id, card_ts, ids.CUSTOMER_LINK)
    world.settle()
    answers = [e.get("text", "") for e in fake.ephemerals] + [r.get("text", "") for r in fake.responses]
    said = next((a for a in reversed(answers) if "/o/" in a), "")
    found = re.search(r"https?://\S+/o/[\w.-]+", said)
    if not found:
        raise failed("Customer link gave no link")
    url = found.group(0)
    t.say(f"(only Layla sees) {t.plain(said)}")

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    t.step("Marta opens the link on her phone: no login, the order as she may see it")
    with opener.open(url, timeout=30) as r:
        page = r.read().decode()
    facts = dict(zip(_text(page, "dt"), _text(page, "dd"), strict=False))
    t.say(" · ".join(f"{k}: {v}" for k, v in facts.items()))
    t.say("What happened: " + " → ".join(_text(page, "li")))
    t.say("[ Download the order (PDF) ]  —  Sign to confirm the work: [ Your name ] [ signature pad ]")

    t.step("Marta types her name, signs with her finger and taps [ Sign to confirm the work ]")
    fields = {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "shown": re.search(r'name="shown" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "name": "Marta Ruiz",
        "signature": _drawing(),
    }
    seen = len(fake.messages(order.channel_id))
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with opener.open(request, timeout=30) as r:
            after = r.read().decode()
    except urllib.error.HTTPError as e:
        raise failed(f"the sign-off was refused: {e.code}") from None
    thanks = _text(after, "p")
    t.say("The page now says: " + " ".join(x for x in thanks if "Thank you" in x or "Signed by" in x))
    world.settle()
    show_new(t, fake, order.channel_id, channel.name, seen)
    show_card(t, fake, order.channel_id, card_ts, channel.name)
    signed = wf.order(order.id).signature
    if signed is None or not signed.valid:
        raise failed(f"{order.number} was not signed")
