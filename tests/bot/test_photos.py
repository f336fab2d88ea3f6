"""Photos on the PDF (issue 14), through the real app and the local Slack: a photo shared in the
order's thread is fetched once from Slack (files.info, then its url_private with the bot token),
kept as a reduced JPEG and printed on the next revision's PDF with who and when; a file Slack will
not give, a file that is no image and one too big are listed by name, and nothing fails; the
company file can switch images off; the confirmation form takes photos of its own."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlmodel import Session, select

from bot.company import CompanyConfig, CompanyFileError, PrintSettings, load_company
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from forms import ids
from sandbox.files import delete_file, downloads, upload_file
from storage.models import Effect, Photo
from tests.bot.helpers import click, opened_view, submit_order
from tests.conftest import ADMIN, EVERYONE
from workflow import effects as fx


def photo_bytes(
    width: int = 1200, height: int = 900, fmt: str = "JPEG", orientation: int | None = None
) -> bytes:
    """A photo as a phone sends it: a gradient, so the JPEG is not trivially small."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation  # Orientation: 6 = the camera was turned (rotate 90° to show)
        image.save(out, fmt, exif=exif.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


def open_world(tmp_path: Path, company: CompanyConfig | None = None):  # type: ignore[no-untyped-def]
    return local_world(
        f"sqlite:///{tmp_path / 'so.db'}",
        people=EVERYONE,
        admins=(ADMIN,),
        home_refresh_seconds=0.2,
        company=company or CompanyConfig(),
    )


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    with open_world(tmp_path) as w:
        grant(w)
        yield w


def grant(world: World) -> None:
    wf = world.runtime.workflow
    wf.grant("test", LAYLA, "coordinator", check=False)
    wf.grant("test", OGECHI, "supervisor", check=False)
    wf.grant("test", DIEGO, "field_worker", check=False)


def in_progress(world: World):  # type: ignore[no-untyped-def]
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    world.runtime.workflow.add_field_workers(order.id, LAYLA, [DIEGO])
    world.settle()
    return world.runtime.workflow.order(order.id)


def share(world: World, order, name: str, content: bytes, user: str = DIEGO, settle: bool = True):  # type: ignore[no-untyped-def]
    """user shares a file in the order card's thread; the event's result."""
    fresh = world.runtime.workflow.order(order.id)
    _, result = world.fake.post_message_as(
        user, fresh.channel_id, "", thread_ts=fresh.card_ts, files=[{"name": name, "content": content}]
    )
    assert result is not None and result.status == 200
    if settle:
        world.settle()
    return result


def confirm(world: World, order, photos: list[dict] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Diego saves a confirmation with the lines as they are (and photos in its file_input)."""
    click(world, DIEGO, order, ids.OPEN_CONFIRMATION)
    view = opened_view(world)
    if photos:
        world.fake.fill(view, ids.CONFIRMATION_PHOTOS, ids.CONFIRMATION_PHOTOS, photos)
    result = world.fake.submit(DIEGO, view)
    assert result.status == 200 and not world.fake.view_errors.get(view), world.fake.view_errors.get(view)
    world.settle()


def pdf(world: World, name: str) -> bytes:
    return next(f for f in world.fake.files.values() if f["name"] == name)["content"]


def images(content: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)


def text(content: bytes) -> str:
    pages = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", pages)


def photos(world: World) -> list[Photo]:
    with Session(world.runtime.workflow.engine) as s:
        return list(s.exec(select(Photo).order_by(Photo.id)).all())


def effects(world: World, kind: str) -> list[Effect]:
    with Session(world.runtime.workflow.engine) as s:
        return list(s.exec(select(Effect).where(Effect.kind == kind)).all())


def test_a_photo_in_the_thread_is_fetched_once_and_printed_on_the_next_revision(world):
    fake = world.fake
    order = in_progress(world)
    result = share(world, order, "rack.jpg", photo_bytes(1200, 900, orientation=6))
    assert (downloads(fake), len(fake.calls_to("files.info"))) == (1, 1)
    [photo] = photos(world)
    assert (photo.name, photo.shared_by, photo.status) == ("rack.jpg", DIEGO, "stored")
    # kept upright (the EXIF orientation applied), as a JPEG, and a thumbnail for the PDF
    assert (photo.width, photo.height) == (900, 1200)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and stored.size == (900, 1200)
    assert max(Image.open(io.BytesIO(photo.thumb)).size) <= 800

    # Slack delivers the event again: recorded once, fetched once
    again = fake.deliver_event(result.request["event"], event_id=result.request["event_id"], retry_num=1)
    assert again.status == 200
    world.settle()
    assert (downloads(fake), len(photos(world))) == (1, 1)

    confirm(world, order)
    first, second = pdf(world, f"{order.number}-r1.pdf"), pdf(world, f"{order.number}-r2.pdf")
    assert images(first) == 0  # made before the photo
    assert images(second) == 1
    printed = text(second)
    assert "Photos" in printed and "rack.jpg" in printed and "Diego" in printed

    # the customer copy shows the work too; a later photo is not on revision 2's copy
    share(world, order, "after.png", photo_bytes(640, 480, fmt="PNG"))
    click(world, DIEGO, order, ids.CUSTOMER_COPY)
    copy = pdf(world, f"{order.number}-r2-customer.pdf")
    assert images(copy) == 1 and "after.png" not in text(copy)
    assert downloads(fake) == 2 and all(e.status == "done" for e in effects(world, fx.FETCH_PHOTO))


def test_a_photo_slack_will_not_give_is_listed_by_name_and_nothing_fails(world):
    fake = world.fake
    order = in_progress(world)
    fake.fail_next("file", status=404)
    share(world, order, "gone.jpg", photo_bytes())
    fake.fail_next("files.info", error="file_not_found")
    share(world, order, "deleted.jpg", photo_bytes())
    share(world, order, "notes.png", b"these are words, not pixels")
    share(world, order, "huge.jpg", b"\xff\xd8\xff" + bytes(20_000_001))
    fake.fail_next("file", status=503)  # a passing fault: tried again, then fetched
    share(world, order, "later.jpg", photo_bytes())
    upload = share(world, order, "deleted-later.jpg", photo_bytes(), settle=False)
    delete_file(fake, upload.request["event"]["files"][0]["id"])  # perhaps before it was fetched
    world.settle()

    status = {p.name: (p.status, p.reason) for p in photos(world)}
    assert status["later.jpg"][0] == "stored"
    for name in ("gone.jpg", "deleted.jpg", "notes.png", "huge.jpg"):
        assert status[name][0] == "unavailable", (name, status[name])
    assert "not an image" in status["notes.png"][1] and "20 MB" in status["huge.jpg"][1]
    assert status["deleted-later.jpg"][0] in ("stored", "unavailable")
    assert all(e.status == "done" for e in effects(world, fx.FETCH_PHOTO))  # none failed, no alert
    assert not effects(world, fx.ALERT)
    assert max(p.get("size", 0) for p in fake.files.values()) > 20_000_000
    assert downloads(fake) <= 6  # the big one was never downloaded

    confirm(world, order)
    content = pdf(world, f"{order.number}-r2.pdf")
    printed = text(content)
    assert images(content) == 1 + (status["deleted-later.jpg"][0] == "stored")
    for name in ("gone.jpg", "deleted.jpg", "notes.png", "huge.jpg"):
        assert name in printed
    assert "Not available" in printed


def test_images_switched_off_in_the_company_file(tmp_path):
    company = CompanyConfig(print=PrintSettings(show_images=False))
    with open_world(tmp_path, company) as world:
        grant(world)
        order = in_progress(world)
        share(world, order, "rack.jpg", photo_bytes())
        confirm(world, order)
        content = pdf(world, f"{order.number}-r2.pdf")
        assert images(content) == 0
        assert "rack.jpg" in text(content)  # listed, not printed


def test_the_company_file_print_show_images(tmp_path):
    path = tmp_path / "company.yml"
    path.write_text("print:\n  show_images: false\n", encoding="utf-8")
    assert load_company(path).print.show_images is False
    assert CompanyConfig().print.show_images is True
    path.write_text("print:\n  show_images: sometimes\n", encoding="utf-8")
    with pytest.raises(CompanyFileError, match="show_images: expected true or false"):
        load_company(path)


def test_the_confirmation_form_takes_photos(world):
    fake = world.fake
    order = in_progress(world)
    files = [
        upload_file(fake, DIEGO, "before.jpg", photo_bytes(1000, 750)),
        upload_file(fake, DIEGO, "after.jpg", photo_bytes(750, 1000)),
    ]
    confirm(world, order, photos=files)
    assert {(p.name, p.source, p.status) for p in photos(world)} == {
        ("before.jpg", "confirmation", "stored"),
        ("after.jpg", "confirmation", "stored"),
    }
    content = pdf(world, f"{order.number}-r2.pdf")
    assert images(content) == 2 and "before.jpg" in text(content)
    assert downloads(fake) == 2


def test_a_file_slack_names_only_by_id_is_asked_about_and_a_document_is_not_downloaded(world):
    fake = world.fake
    order = in_progress(world)
    manual = upload_file(fake, DIEGO, "manual.pdf", b"%PDF-1.4 a datasheet")
    fresh = world.runtime.workflow.order(order.id)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": fresh.channel_id,
        "user": DIEGO,
        "text": "",
        "ts": "1765000000.000100",
        "thread_ts": fresh.card_ts,
        "files": [{"id": manual["id"], "file_access": "check_file_info"}],
    }
    assert fake.deliver_event(event).status == 200
    world.settle()
    [photo] = photos(world)
    assert (photo.status, photo.reason) == ("unavailable", "not an image (application/pdf)")
    assert downloads(fake) == 0 and len(fake.calls_to("files.info")) == 1
