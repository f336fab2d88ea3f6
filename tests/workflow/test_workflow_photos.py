"""Photos in the workflow (issue 14): a photo shared in the order's channel, or added in a form, is
recorded once per order and file, with a fetch queued in the order's queue (before the PDF of a
revision made after it); each revision keeps the photos recorded when it was made, so its PDF prints
the same later; a photo is fetched or found unavailable once."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from wf_helpers import NOBODY, REQUESTER, SUPERVISOR, WORKER, draft

from storage.models import Effect
from workflow import effects as fx
from workflow.errors import Refused
from workflow.service import Workflow


def in_progress(wf: Workflow):  # type: ignore[no-untyped-def]
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    wf.add_field_workers(order.id, REQUESTER, [WORKER])
    wf.record_channel(order.id, "C0001", "so-0001-acme-router")
    return wf.order(order.id)


def order_effects(wf: Workflow, order_id: int) -> list[Effect]:
    with Session(wf.engine) as s:
        return list(s.exec(select(Effect).where(Effect.order_id == order_id).order_by(Effect.id)).all())


def test_a_shared_photo_is_recorded_once_and_fetched_before_the_next_pdf(wf: Workflow) -> None:
    order = in_progress(wf)
    wf.record_message("Ev1", "C0001", WORKER, "1.1", "", files=["rack.jpg"], photos=[("F1", "rack.jpg")])
    wf.record_message("Ev1", "C0001", WORKER, "1.1", "", files=["rack.jpg"], photos=[("F1", "rack.jpg")])
    wf.record_message("Ev2", "C0001", WORKER, "1.2", "again", files=["rack.jpg"], photos=[("F1", "rack.jpg")])
    assert wf.record_photos(order.id, WORKER, [{"id": "F1", "name": "rack.jpg"}], "confirmation") == 0
    [photo] = wf.photos_of(order.id)
    assert (photo.file_id, photo.name, photo.shared_by, photo.status, photo.source) == (
        "F1",
        "rack.jpg",
        WORKER,
        "pending",
        "channel",
    )
    [fetch] = [e for e in order_effects(wf, order.id) if e.kind == fx.FETCH_PHOTO]
    assert fetch.payload == {"photo_id": photo.id, "file_id": "F1", "name": "rack.jpg"}

    after = wf.confirm(order.id, WORKER, 1, wf.order(order.id).lines)
    kinds = [e.kind for e in order_effects(wf, order.id)]
    assert kinds.index(fx.FETCH_PHOTO) < kinds.index(fx.UPLOAD_PDF, kinds.index(fx.FETCH_PHOTO))
    assert wf.photo_fetched(photo.id, b"jpeg", b"thumb", 4, 3) is True
    assert wf.photo_fetched(photo.id, b"other", b"other", 4, 3) is False  # fetched once
    assert wf.photo_unavailable(photo.id, "gone") is False
    [printed] = wf.revision(order.id, after.current_revision).photos
    assert (printed.name, printed.status, printed.thumb) == ("rack.jpg", "stored", b"thumb")

    # a photo after the revision is not on it; one from a form is recorded with its source
    assert wf.record_photos(order.id, WORKER, [{"id": "F2", "name": "after.jpg"}], "confirmation") == 1
    assert [p.name for p in wf.revision(order.id, after.current_revision).photos] == ["rack.jpg"]
    later = next(p for p in wf.photos_of(order.id) if p.file_id == "F2")
    assert wf.photo_unavailable(later.id, "Slack would not give it (HTTP 404)") is True
    assert wf.photos_of(order.id)[-1].reason == "Slack would not give it (HTTP 404)"
    assert wf.revision(order.id, 0).photos == [] and wf.revision(order.id, 1).photos == []


def test_photos_from_someone_outside_the_order_are_refused(wf: Workflow) -> None:
    order = in_progress(wf)
    with pytest.raises(Refused):
        wf.record_photos(order.id, NOBODY, [{"id": "F1", "name": "x.jpg"}], "self_check")
    assert wf.photos_of(order.id) == []
    # a file without an id, or ones past the form's ten, are not recorded
    files = [{"id": "", "name": "x.jpg"}, *({"id": f"F{n}", "name": f"{n}.jpg"} for n in range(12))]
    assert wf.record_photos(order.id, WORKER, files, "self_check") == 10
