"""Photos on the PDF (issue 14): thumbnails three to a row with who and when under each, in the
customer copy too; a photo that could not be fetched, or whose bytes are no image, is listed by
name; images switched off list every photo by name; the same document renders the same bytes."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime

from PIL import Image
from test_print_render import document, images, text

from pdf import render
from pdf.document import DocPhoto


def thumb(width: int = 800, height: int = 600, shade: int = 0) -> bytes:
    """A JPEG like the bot keeps; each shade gives other bytes (the same bytes are embedded once)."""
    out = io.BytesIO()
    image = Image.merge(
        "RGB",
        [Image.linear_gradient("L").resize((width, height))] * 2 + [Image.new("L", (width, height), shade)],
    )
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def photo(n: int, image: bytes | None = None, note: str = "") -> DocPhoto:
    return DocPhoto(f"IMG_{n:04d}.jpg", "Ana Lima", datetime(2025, 1, 14, 10, n % 60), image, note)


def test_photos_print_as_thumbnails_with_who_and_when_and_render_the_same_twice():
    shots = [photo(n, thumb(800, 600, n) if n % 2 else thumb(600, 800, n)) for n in range(7)]
    doc = document(photos=shots)
    data = render(doc)
    assert data == render(doc)
    assert sum(len(page) for page in images(data)) == 7
    printed = text(data)
    assert "Photos" in printed and "Ana Lima" in printed and "2025-01-14 10:06" in printed
    assert "IMG_0006.jpg" in printed
    # the customer copy shows the work too
    copy = render(dataclasses.replace(doc, customer_copy=True))
    assert sum(len(page) for page in images(copy)) == 7


def test_twenty_photos_run_onto_further_pages():
    data = render(document(photos=[photo(n, thumb(shade=n)) for n in range(20)]))
    per_page = [len(page) for page in images(data)]
    assert sum(per_page) == 20 and len(per_page) >= 3
    same = thumb()  # one image embedded once, however often it is shown
    assert (
        len(
            {
                ref
                for page in images(render(document(photos=[photo(n, same) for n in range(4)])))
                for ref in page
            }
        )
        == 1
    )


def test_unavailable_and_broken_photos_are_listed_by_name():
    shots = [
        photo(1, thumb()),
        photo(2, None, "Slack would not give it (HTTP 404)"),
        photo(3, b"\xff\xd8\xffnot really a jpeg"),
        photo(4, b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ]
    data = render(document(photos=shots))
    assert sum(len(page) for page in images(data)) == 1
    printed = text(data)
    assert "Not available" in printed
    for name in ("IMG_0002.jpg", "IMG_0003.jpg", "IMG_0004.jpg"):
        assert name in printed
    assert "HTTP 404" in printed


def test_images_switched_off_list_the_photos_by_name():
    data = render(document(photos=[photo(1, thumb()), photo(2, thumb())], show_images=False))
    assert sum(len(page) for page in images(data)) == 0
    printed = text(data)
    assert "IMG_0001.jpg" in printed and "IMG_0002.jpg" in printed and "Ana Lima" in printed


def test_no_photos_no_section():
    assert "Photos" not in text(render(document()))
