"""The photos of the work on the PDF: thumbnails three to a row, each with who shared it and when
under it, then the photos with no image to print listed by name (and why). With images switched
off (the company's print settings) every photo is listed by name.

The images come as the bot keeps them: JPEGs of about 800 px on the longest side, which fpdf2
embeds as they are (no decoding, no re-encoding); an image given twice is embedded once.
fit_image draws any PNG or JPEG into a box, for other images of the document (a signature).
"""

from __future__ import annotations

from typing import Any

from fpdf.image_parsing import preload_image

from pdf.document import DocPhoto, OrderDocument
from pdf.text import FAMILY, IMAGE_MAGIC, clean

PER_ROW = 3
GAP = 4.0  # mm between thumbnails, and under each row's captions
BOX_RATIO = 0.75  # a thumbnail's box is 4:3; a portrait photo is fitted into it, centred
CAPTION_SIZE = 7.5
CAPTION_H = 3.4  # mm per caption line
GREY = 95
FRAME_GREY = 225
LIST_H = 4.2  # mm per listed photo


def image_size(pdf: Any, data: bytes | None) -> tuple[float, float] | None:
    """The pixel size of a PNG or JPEG fpdf2 can draw (it is then cached in the document), or None."""
    if not data or not data.startswith(IMAGE_MAGIC):
        return None
    try:
        _, _, info = preload_image(pdf.image_cache, data)
    except Exception:  # whatever Pillow says of damaged bytes, the PDF goes out without them
        return None
    width, height = float(info["w"]), float(info["h"])
    return (width, height) if width > 0 and height > 0 else None


def fit_image(pdf: Any, data: bytes | None, x: float, y: float, w: float, h: float) -> bool:
    """Draw a PNG or JPEG as large as the box (mm) takes it, proportions kept, centred; False (and
    nothing drawn) when it is no image fpdf2 can draw."""
    size = image_size(pdf, data)
    if size is None:
        return False
    scale = min(w / size[0], h / size[1])
    shown_w, shown_h = size[0] * scale, size[1] * scale
    pdf.image(data, x + (w - shown_w) / 2, y + (h - shown_h) / 2, shown_w, shown_h)
    return True


def photos_section(pdf: Any, doc: OrderDocument) -> None:
    """The Photos section of an OrderPdf (pdf.render), when the document has photos."""
    if not doc.photos:
        return
    can = [doc.show_images and image_size(pdf, p.image) is not None for p in doc.photos]
    drawn = [p for p, ok in zip(doc.photos, can, strict=True) if ok]
    listed = [p for p, ok in zip(doc.photos, can, strict=True) if not ok]
    cell_w = (pdf.epw - GAP * (PER_ROW - 1)) / PER_ROW
    box_h = cell_w * BOX_RATIO
    row_h = box_h + 1 + 2 * CAPTION_H + GAP
    pdf.section("Photos", keep=row_h if drawn else 2 * LIST_H)
    for start in range(0, len(drawn), PER_ROW):
        if pdf.will_page_break(row_h):
            pdf.add_page()
        top = pdf.y + 1
        for n, photo in enumerate(drawn[start : start + PER_ROW]):
            x = pdf.l_margin + n * (cell_w + GAP)
            pdf.set_draw_color(FRAME_GREY)
            pdf.rect(x, top, cell_w, box_h)
            fit_image(pdf, photo.image, x, top, cell_w, box_h)
            _captions(pdf, photo, x, top + box_h + 1, cell_w)
        pdf.set_y(top + row_h)
    pdf.set_draw_color(200)
    if listed:
        _listing(pdf, doc, listed)
    pdf.set_font(FAMILY, "", 9.5)
    pdf.set_text_color(0)


def _byline(pdf: Any, photo: DocPhoto) -> str:
    return clean(f"{photo.author} \u00b7 {pdf.fmt.moment(photo.at)}", multiline=False)


def _captions(pdf: Any, photo: DocPhoto, x: float, y: float, width: float) -> None:
    """Who and when, then the file's name in grey, each cut to the thumbnail's width."""
    pdf.set_font(FAMILY, "", CAPTION_SIZE)
    baseline = 0.5 * CAPTION_H + 0.3 * pdf.font_size
    pdf.set_text_color(0)
    pdf.text(x + pdf.c_margin, y + baseline, pdf.fit(_byline(pdf, photo), width))
    pdf.set_text_color(GREY)
    pdf.text(x + pdf.c_margin, y + CAPTION_H + baseline, pdf.fit(clean(photo.name, multiline=False), width))


def _listing(pdf: Any, doc: OrderDocument, listed: list[DocPhoto]) -> None:
    """Photos with no image on the page: by name, who, when, and why when it could not be had."""
    title = "Not available (listed by name)" if doc.show_images else "Listed by name (images are not printed)"
    pdf.paragraph(title, size=8.5, grey=True)
    pdf.set_font(FAMILY, "", 8.5)
    for photo in listed:
        if pdf.will_page_break(LIST_H):
            pdf.add_page()
            pdf.set_font(FAMILY, "", 8.5)
        why = photo.note or ("no image that can be printed" if doc.show_images else "")
        text = f"{photo.name} \u00b7 {_byline(pdf, photo)}" + (f" \u2014 {why}" if why else "")
        pdf.set_text_color(0)
        pdf.cell(0, LIST_H, pdf.fit(clean(text, multiline=False), pdf.epw), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
