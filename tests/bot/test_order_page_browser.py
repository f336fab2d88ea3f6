"""The order page in a real browser (issue 14): Debian's Chromium driven headless by Playwright. On
a phone-sized screen the customer sees the order, a submit without a drawing is stopped by the page,
a finger draws the signature (touch events), the form posts, and the channel hears of it and gets
the signed PDF with the drawing; at a desk, the keyboard alone signs with the typed name. The
phone's screenshot is left in build/screenshots/ for people to look at."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.demo import World
from tests.bot.helpers import channel_texts
from tests.bot.test_order_page import closed, page_url, pdf_of, text_of

CHROMIUM = "/usr/lib/chromium/chromium"  # Debian's package (never a browser Playwright downloads)
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        reason = f"Debian's chromium is not installed ({CHROMIUM}): apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield b
        finally:
            b.close()


def watch(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the page complained of: console errors (a CSP refusal among them) and script errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def inked_pixels(png: object) -> int:
    grey = png.convert("L")  # type: ignore[attr-defined]
    return sum(grey.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


def finger(context, page, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    """A finger drawn over the page through points (CSS pixels), as a phone's touch events."""
    cdp = context.new_cdp_session(page)
    x, y = points[0]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    time.sleep(0.15)  # a drag ending at once is a fling to Chromium, which swallows the next tap
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_customer_signs_on_a_phone(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    order = closed(world)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems = watch(page)
    page.goto(page_url(world, order))
    assert page.locator("h1").inner_text() == "Service order SO-0001"
    assert "Work completed" in page.locator("dl").inner_text()
    assert page.locator("ol.timeline li").count() >= 4
    # the page fits the phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # a submit without a drawing is stopped by the page itself, with the reason under the pad
    page.fill("#name", "Marta Ruiz")
    page.click("#submit")
    assert page.locator("#signature-error").inner_text() == "Draw your signature in the box."
    box = page.locator("#pad").bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    stroke = [(x0 + w * (0.1 + 0.04 * i), y0 + h * (0.7 - 0.4 * ((i % 4) / 3))) for i in range(20)]
    finger(context, page, stroke)
    assert page.locator("#signature-error").inner_text() == ""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "order-page-phone.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url("**?signed=1")
    assert "Thank you: the work on SO-0001 is signed." in page.locator(".notice").inner_text()
    assert "Signed by Marta Ruiz" in page.locator(".signed").inner_text()
    assert problems == []
    context.close()

    world.settle()
    signed = world.runtime.workflow.order(order.id)
    assert any("Marta Ruiz signed *SO-0001* on the order page" in t for t in channel_texts(world, signed))
    pdf = pdf_of(world, f"SO-0001-r{signed.current_revision}.pdf")
    (SHOTS / "signed-order.pdf").write_bytes(pdf)  # to look at, beside the screenshot
    assert "Marta Ruiz" in text_of(pdf) and "Customer sign-off" in text_of(pdf)
    [image] = [im for page in PdfReader(io.BytesIO(pdf)).pages for im in page.images]
    assert inked_pixels(image.image) > 200  # the finger's stroke, not a blank box


def test_the_keyboard_alone_signs_with_the_typed_name(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    order = closed(world)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch(page)
    page.goto(page_url(world, order))
    page.focus("#name")
    page.keyboard.type("Marta Ruiz")
    for _ in range(10):  # Tab on to the typed-name button (a labelled button, in the tab order)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "typed":
            break
    assert page.evaluate("document.activeElement.id") == "typed"
    page.keyboard.press("Enter")
    page.focus("#submit")
    page.keyboard.press("Enter")
    page.wait_for_url("**?signed=1")
    assert problems == []
    context.close()
    world.settle()
    signature = world.runtime.workflow.order(order.id).signature
    assert signature is not None and signature.name == "Marta Ruiz"
