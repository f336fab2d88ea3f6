"""The copy the bot keeps of a photo (bot.images) and where it sends its token for one (bot.photos):
upright, reduced, without metadata; refused with a reason people can read when it is no image, a
HEIC it cannot read, or a decompression bomb; the token only to Slack's own addresses."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from bot.images import MAX_PIXELS, STORED_SIDE, THUMB_SIDE, NotAnImage, keep_photo
from bot.photos import _slack_url


def jpeg(width: int, height: int, orientation: int | None = None, gps: bool = False) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {2: (40.0, 25.0, 0.0), 4: (3.0, 42.0, 0.0)}  # GPSInfo: latitude, longitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels (what a decompression bomb does)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_phone_photo_is_kept_upright_reduced_and_without_its_metadata():
    kept = keep_photo(jpeg(4000, 3000, orientation=6, gps=True))
    assert (kept.width, kept.height) == (STORED_SIDE * 3 // 4, STORED_SIDE)  # turned upright
    stored, thumb = Image.open(io.BytesIO(kept.jpeg)), Image.open(io.BytesIO(kept.thumb))
    assert stored.format == thumb.format == "JPEG"
    assert stored.size == (1200, 1600) and max(thumb.size) == THUMB_SIDE
    assert not stored.getexif() and not thumb.getexif()  # no GPS position, no orientation left
    assert keep_photo(jpeg(4000, 3000, orientation=6, gps=True)) == kept  # same input, same bytes


def test_a_small_or_transparent_image_is_kept_as_it_is_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (255, 0, 0, 0)).save(out, "PNG")
    kept = keep_photo(out.getvalue())
    assert (kept.width, kept.height) == (300, 200)
    assert Image.open(io.BytesIO(kept.jpeg)).convert("RGB").getpixel((10, 10)) > (250, 250, 250)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"these are words", "not an image"),
        (b"\0\0\0\x18ftypheic" + bytes(64), "HEIC"),
        (png_claiming(10_000, 6_000), f"{MAX_PIXELS // 1_000_000} megapixels"),
        (png_claiming(100_000, 100_000), f"{MAX_PIXELS // 1_000_000} megapixels"),
        (b"\xff\xd8\xff" + bytes(20_000_001), "20 MB"),
    ],
)
def test_what_is_no_photo_to_keep_is_refused_with_why(data: bytes, why: str):
    with pytest.raises(NotAnImage, match=why):
        keep_photo(data)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://files.slack.com/files-pri/T1-F1/rack.jpg", True),
        ("https://files.slack-gov.com/files-pri/T1-F1/rack.jpg", True),
        ("http://127.0.0.1:8080/files/F1/rack.jpg", True),  # the API's own host (a test server)
        ("http://files.slack.com/files-pri/T1-F1/rack.jpg", False),  # not over HTTPS
        ("https://evil.example/files.slack.com/rack.jpg", False),
        ("https://files.slack.com.evil.example/rack.jpg", False),
        ("http://127.0.0.1:9999/files/F1/rack.jpg", False),  # another port: another server
        ("file:///etc/passwd", False),
        ("", False),
    ],
)
def test_the_bot_token_goes_only_to_slack(url: str, ok: bool):
    assert _slack_url(url, "http://127.0.0.1:8080/api/") is ok
