"""Photos of an order's work: files shared in its channel or thread, and files attached in a form
(the confirmation's, the self-checks'), fetched once from Slack and printed on its PDFs.

Recording a photo stores its row (pending) and queues its fetch (FETCH_PHOTO) in the order's queue,
in the transaction of the command that records it. The queue keeps an order's effects in order, so a
photo recorded before a revision is fetched (kept, or found unavailable) before that revision's PDF
is rendered. Each revision keeps the ids of the photos recorded when it was made (revisions.photos),
so it prints the same photos, the same bytes, later on; a photo recorded after it is on the next one.

A photo changes once: pending → stored (the reduced JPEG and its thumbnail) or pending → unavailable
(why: deleted, not shared with the bot, no image, too big). The bot does the fetching (bot.photos).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Effect, Order, Photo
from workflow import effects as fx
from workflow.snapshots import PhotoView

PER_SHARE = 10  # files recorded from one message or one form (Slack's file_input takes ten)
PER_ORDER = 100  # photos kept per order; more are not recorded (their names stay on the notes)
NAME_MAX = 255
REASON_MAX = 300
PENDING, STORED, UNAVAILABLE = "pending", "stored", "unavailable"


def _files(files: Iterable[object]) -> list[tuple[str, str]]:
    """(file id, name) of each file given as a SharedFile, a (id, name) pair or {"id", "name"}."""
    out: list[tuple[str, str]] = []
    for f in files:
        if isinstance(f, Mapping):
            file_id, name = f.get("id"), f.get("name")
        elif isinstance(f, tuple | list) and len(f) == 2:
            file_id, name = f
        else:
            file_id, name = getattr(f, "file_id", None), getattr(f, "name", None)
        if isinstance(file_id, str) and file_id.strip() and len(file_id) <= 40:
            out.append((file_id.strip(), str(name or file_id)[:NAME_MAX]))
    return out


def record_photos(
    s: Session,
    order: Order,
    user_id: str,
    files: Iterable[object],
    source: str,
    now: datetime,
) -> int:
    """Record files as photos of order, shared by user_id, and queue their fetch; how many were new.

    For a command's transaction that has checked user_id may add to the order (a note, a
    confirmation, a self-check): the order's row is then locked, so two records of one file cannot
    race. A file the order has already is not recorded again; at most PER_SHARE files a call and
    PER_ORDER an order. files: SharedFile, (id, name) or {"id", "name"} (a file_input's files)."""
    wanted = _files(files)[:PER_SHARE]
    if not wanted or order.id is None:
        return 0
    known = set(s.exec(select(Photo.file_id).where(Photo.order_id == order.id)).all())
    count = s.exec(select(func.count()).select_from(Photo).where(Photo.order_id == order.id)).one()
    added = 0
    for file_id, name in wanted:
        if file_id in known or count + added >= PER_ORDER:
            continue
        known.add(file_id)
        photo = Photo(
            order_id=order.id,
            file_id=file_id,
            name=name,
            shared_by=user_id,
            shared_at=now,
            source=source[:20],
        )
        try:  # a note does not lock the order: the same file in two events at once is kept once
            with s.begin_nested():
                s.add(photo)
                s.flush()
                payload = {"photo_id": photo.id, "file_id": file_id, "name": name}
                key = f"photo:{order.number}:{file_id}"
                s.add(
                    Effect(key=key, order_id=order.id, kind=fx.FETCH_PHOTO, payload=payload, created_at=now)
                )
                s.flush()
        except IntegrityError:
            continue
        added += 1
    s.flush()
    return added


def snapshot(s: Session, order_id: int) -> list[int]:
    """The ids of the order's photos, oldest first: what a revision made now prints."""
    return list(s.exec(select(Photo.id).where(Photo.order_id == order_id).order_by(col(Photo.id))).all())


def views(s: Session, photo_ids: Sequence[int], with_thumbs: bool = True) -> list[PhotoView]:
    """The photos with these ids, in that order (a revision's photos); thumbnails read when asked."""
    ids = [i for i in photo_ids if isinstance(i, int)]
    if not ids:
        return []
    rows = {p.id: p for p in s.exec(select(Photo).where(col(Photo.id).in_(ids))).all()}
    return [_view(rows[i], with_thumbs) for i in ids if i in rows]


def of_order(s: Session, order_id: int) -> list[PhotoView]:
    """The order's photos, oldest first, without their bytes."""
    return views(s, snapshot(s, order_id), with_thumbs=False)


def _view(p: Photo, with_thumb: bool) -> PhotoView:
    return PhotoView(
        p.id,  # type: ignore[arg-type]
        p.file_id,
        p.name,
        p.shared_by,
        p.shared_at,
        p.source,
        p.status,
        p.reason,
        p.width,
        p.height,
        p.thumb if with_thumb else None,
    )


def fetched(
    s: Session, photo_id: int, data: bytes, thumb: bytes, width: int, height: int, now: datetime
) -> bool:
    """Keep what the bot fetched of a pending photo; False when it was settled before (kept once)."""
    photo = s.get(Photo, photo_id, with_for_update=True)
    if photo is None or photo.status != PENDING:
        return False
    photo.status, photo.data, photo.thumb = STORED, data, thumb
    photo.width, photo.height, photo.fetched_at = width, height, now
    s.add(photo)
    return True


def unavailable(s: Session, photo_id: int, reason: str, now: datetime) -> bool:
    """A pending photo Slack will not give, or that is no image it can be; False when settled before."""
    photo = s.get(Photo, photo_id, with_for_update=True)
    if photo is None or photo.status != PENDING:
        return False
    photo.status, photo.reason, photo.fetched_at = UNAVAILABLE, reason[:REASON_MAX], now
    s.add(photo)
    return True
