"""A photo as the bot keeps it: the original from Slack re-encoded by Pillow as a JPEG of at most
STORED_SIDE pixels on its longest side, upright (its EXIF orientation applied) and without its
metadata (no GPS position, no camera serial), and a THUMB_SIDE thumbnail of it for the PDFs.

Refused (NotAnImage, with the reason people read on the PDF): more than MAX_BYTES, more than
MAX_PIXELS (a decompression bomb: a few kilobytes of PNG can claim gigapixels; Pillow's own guard
is set to the same limit), or nothing Pillow can open (HEIC needs a plugin this bot does not ship).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_BYTES = 20_000_000  # an original larger than this is not downloaded (a phone photo is 2–8 MB)
MAX_PIXELS = 50_000_000  # 50 megapixels: more than any phone camera's photo
STORED_SIDE = 1600  # px, the longest side of the copy kept
THUMB_SIDE = 800  # px, the longest side of the thumbnail printed (about 57 mm wide: 350 dpi)
STORED_QUALITY = 85
THUMB_QUALITY = 80

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow refuses (DecompressionBombError) twice this at open


class NotAnImage(Exception):
    """The bytes are no photo the bot can keep; str() says why, for the PDF."""


@dataclass(frozen=True)
class KeptPhoto:
    jpeg: bytes
    thumb: bytes
    width: int  # of jpeg, in pixels
    height: int


def _heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"hevc")


def keep_photo(data: bytes) -> KeptPhoto:
    """The copy and the thumbnail to keep of an original photo (JPEG, PNG, or any format Pillow
    reads, HEIC when a Pillow plugin for it is installed); NotAnImage saying why it cannot be."""
    if len(data) > MAX_BYTES:
        raise NotAnImage(f"larger than {MAX_BYTES // 1_000_000} MB")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise NotAnImage(f"larger than {MAX_PIXELS // 1_000_000} megapixels")
            image.draft("RGB", (STORED_SIDE, STORED_SIDE))  # a JPEG decodes at 1/2, 1/4…: much faster
            image = ImageOps.exif_transpose(image)
            image.load()
        except NotAnImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise NotAnImage(f"larger than {MAX_PIXELS // 1_000_000} megapixels") from None
        except Exception:  # Pillow's errors for bytes it cannot read are many (OSError, ValueError…)
            if _heic(data):
                raise NotAnImage("a HEIC photo this server cannot read (send it as JPEG)") from None
            raise NotAnImage("not an image the bot can read (JPEG, PNG)") from None
    image = _rgb(image)
    image.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
    kept = _jpeg(image, STORED_QUALITY)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return KeptPhoto(kept, _jpeg(thumb, THUMB_QUALITY), image.width, image.height)


def _rgb(image: Image.Image) -> Image.Image:
    """The image in RGB, what is transparent on white (a JPEG has no transparency)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)  # no exif=: the metadata stays behind
    return out.getvalue()
