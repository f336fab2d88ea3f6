"""A PDF with photos: the order's PDF with 20 phone photos (4000 × 3000 JPEGs, kept as the bot keeps
them: bot.images.keep_photo, the 800 px thumbnail printed) against the same PDF without images,
time and peak memory as ratios to that baseline measured in the same run; and what keeping one
photo costs (done once per photo, when it is fetched, never when a PDF is rendered).

    python bench/pdf_photos.py [--smoke]     (or as part of python bench/run.py, section 8)

Not a test. The PDF with photos carries the customer's drawn signature too (the issue's "20 photos
and a signature"); the baseline has neither.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import io
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # python bench/pdf_photos.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fpdf
from PIL import Image, ImageDraw, ImageFilter

from bench.common import Table, Target
from bench.pdf_render import AT
from bench.pdf_render import document as order_document
from bot.images import keep_photo
from bot.web.drawing import signature_png
from pdf import render
from pdf.document import DocPhoto, DocSignature, OrderDocument

PHOTOS = 20
SIDE = (4000, 3000)  # a 12-megapixel phone photo
TIME_LIMIT = 3.0  # the PDF with 20 photos within 3× the time of the same PDF without images
MEMORY_LIMIT_MB = 50.0  # and its peak of Python allocations under 50 MB


def phone_photo(seed: int, size: tuple[int, int] = SIDE) -> bytes:
    """A JPEG as a phone sends it: 4000 × 3000, quality 90, with detail (noise over a blurred
    gradient: about as large as a photo of a room), an EXIF orientation to apply."""
    width, height = size
    small = (width // 8, height // 8)
    noise = Image.effect_noise(small, 40 + seed % 20).resize(size)
    channels = [
        Image.linear_gradient("L").rotate(seed * 37 % 360).resize(size),
        noise,
        Image.effect_noise(size, 25).filter(ImageFilter.GaussianBlur(1)),
    ]
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6 if seed % 3 == 0 else 1  # some held upright
    Image.merge("RGB", channels).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def signature() -> DocSignature:
    """The customer's sign-off as the order page keeps it: a finger's strokes on the page's
    600 × 200 canvas, checked and re-encoded by bot.web.drawing."""
    canvas = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    pen = ImageDraw.Draw(canvas)
    pen.line([(30, 150), (80, 40), (120, 160), (170, 50), (220, 150), (300, 80), (380, 130)], "black", 4)
    pen.line([(400, 140), (460, 60), (520, 150), (580, 90)], "black", 4)
    out = io.BytesIO()
    canvas.save(out, "PNG")
    png = signature_png("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())
    return DocSignature("Marta Ruiz", AT + timedelta(hours=3), 2, "ab" * 32, png)


def document(thumbs: list[bytes], **more: object) -> OrderDocument:
    """The bench's order (ten lines) with these thumbnails as its photos and, with photos, the
    customer's drawn signature; without: the same order with no image at all (the baseline)."""
    photos = [
        DocPhoto(f"IMG_{n:04d}.jpg", "Diego Ruiz", AT + timedelta(minutes=n), thumb)
        for n, thumb in enumerate(thumbs)
    ]
    signed = signature() if thumbs else None
    return dataclasses.replace(order_document(10), photos=photos, signature=signed, **more)


def measure(doc: OrderDocument, repeat: int) -> tuple[float, float, int]:
    """Median seconds of repeat renders, the peak of Python allocations (MB) of one, its bytes."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        data = render(doc)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    render(doc)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6, len(data)


def peak_rss_mb(thumbs: list[bytes]) -> float:
    """The peak RSS (MB) of a fresh process that renders the document with these thumbnails once."""
    with tempfile.TemporaryDirectory() as folder:
        for n, thumb in enumerate(thumbs):
            Path(folder, f"{n:04d}.jpg").write_bytes(thumb)
        out = subprocess.run(
            [sys.executable, __file__, "--child", folder],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
    return float(out.stdout.split()[-1])


def child(folder: str) -> None:
    """In the child process: render once, print the process's peak RSS in MB. VmHWM, not ru_maxrss:
    on Linux ru_maxrss survives exec, so a child would report its parent's peak at the fork."""
    render(document([p.read_bytes() for p in sorted(Path(folder).glob("*.jpg"))]))
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) / 1024)
                return
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


@dataclass
class Result:
    photos: int
    original_mb: float  # the originals' average size
    keep_s: float  # median seconds to keep one photo (decode, turn, reduce, two JPEGs)
    keep_peak_mb: float
    thumb_kb: float  # the printed thumbnails' average size
    with_s: float
    with_peak_mb: float
    with_bytes: int
    bare_s: float
    bare_peak_mb: float
    bare_bytes: int
    with_rss_mb: float = 0.0  # peak RSS of a fresh process rendering it once
    bare_rss_mb: float = 0.0

    @property
    def time_ratio(self) -> float:
        return self.with_s / self.bare_s

    @property
    def memory_ratio(self) -> float:
        return self.with_peak_mb / self.bare_peak_mb


def run(smoke: bool, log=print) -> Result:  # type: ignore[no-untyped-def]
    count, repeat = (3, 1) if smoke else (PHOTOS, 5)
    originals = [phone_photo(n) for n in range(count)]
    kept, keep_times = [], []
    for data in originals:
        t0 = time.perf_counter()
        kept.append(keep_photo(data))
        keep_times.append(time.perf_counter() - t0)
    tracemalloc.start()
    keep_photo(originals[0])
    keep_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    thumbs = [k.thumb for k in kept]
    with_photos, bare = document(thumbs), document([])
    render(with_photos)  # warm: fonts parsed once per process, as in the bot
    render(bare)
    with_s, with_peak, with_bytes = measure(with_photos, repeat)
    bare_s, bare_peak, bare_bytes = measure(bare, repeat)
    result = Result(
        count,
        statistics.mean(len(o) for o in originals) / 1e6,
        statistics.median(keep_times),
        keep_peak,
        statistics.mean(len(t) for t in thumbs) / 1e3,
        with_s,
        with_peak,
        with_bytes,
        bare_s,
        bare_peak,
        bare_bytes,
        peak_rss_mb(thumbs),
        peak_rss_mb([]),
    )
    log(
        f"  {count} photos: render {with_s * 1000:.1f} ms vs {bare_s * 1000:.1f} ms without images "
        f"({result.time_ratio:.2f}×), peak {with_peak:.1f} vs {bare_peak:.1f} MB; "
        f"keeping one photo {result.keep_s * 1000:.0f} ms"
    )
    return result


def tables(r: Result, smoke: bool) -> list[Table]:
    repeat = 1 if smoke else 5
    return [
        Table(
            f"8. A PDF with {r.photos} photos and a signature against the same PDF without images",
            ["PDF", "render ms", "ratio", "peak MB", "ratio ", "process peak RSS MB", "ratio  ", "file KB"],
            [
                [
                    f"{r.photos} photos + signature",
                    f"{r.with_s * 1000:.1f}",
                    f"{r.time_ratio:.2f}",
                    f"{r.with_peak_mb:.1f}",
                    f"{r.memory_ratio:.2f}",
                    f"{r.with_rss_mb:.1f}",
                    f"{r.with_rss_mb / r.bare_rss_mb:.2f}",
                    f"{r.with_bytes / 1e3:.0f}",
                ],
                [
                    "no images",
                    f"{r.bare_s * 1000:.1f}",
                    "1.00",
                    f"{r.bare_peak_mb:.1f}",
                    "1.00",
                    f"{r.bare_rss_mb:.1f}",
                    "1.00",
                    f"{r.bare_bytes / 1e3:.0f}",
                ],
            ],
            [
                f"Median of {repeat} render(s) after one warm-up each; the order of bench 2 with ten lines.",
                f"The photos: {SIDE[0]} × {SIDE[1]} JPEGs of {r.original_mb:.1f} MB on average (quality 90, "
                "some with an EXIF orientation), kept as the bot keeps them (bot.images.keep_photo); the "
                f"PDF prints their thumbnails ({r.thumb_kb:.0f} KB on average), embedded as they are.",
                "Peak MB: the peak of Python allocations during one render (tracemalloc); process peak "
                "RSS: a fresh Python process that imports the bot's PDF code and renders it once.",
            ],
        ),
        Table(
            "8. Keeping one photo (once, when it is fetched)",
            ["step", "ms (median)", "peak MB"],
            [
                [
                    "keep_photo: decode, turn upright, 1600 px and 800 px JPEGs",
                    f"{r.keep_s * 1000:.0f}",
                    f"{r.keep_peak_mb:.1f}",
                ]
            ],
            ["Pillow decodes a JPEG at a reduced scale (draft) when the copy kept is smaller."],
        ),
    ]


def targets(r: Result) -> list[Target]:
    return [
        Target(
            f"8. a PDF with {r.photos} photos within {TIME_LIMIT:.0f}× the time of the same PDF "
            f"without images, peak under {MEMORY_LIMIT_MB:.0f} MB",
            r.time_ratio <= TIME_LIMIT and r.with_peak_mb < MEMORY_LIMIT_MB,
            f"{r.time_ratio:.2f}× ({r.with_s * 1000:.0f} vs {r.bare_s * 1000:.0f} ms), "
            f"peak {r.with_peak_mb:.1f} MB = {r.memory_ratio:.2f}× ({r.bare_peak_mb:.1f} MB), "
            f"process peak RSS {r.with_rss_mb:.0f} vs "
            f"{r.bare_rss_mb:.0f} MB",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="one quick pass, to keep the script working")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # peak_rss_mb's process
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"python {platform.python_version()}, fpdf2 {fpdf.__version__}, {platform.machine()}")
    result = run(args.smoke)
    for t in tables(result, args.smoke):
        print(t.text())
    for t in targets(result):
        print(t.line())


if __name__ == "__main__":
    main()
