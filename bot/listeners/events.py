"""Events: thread replies and shared files in an order's channel become notes and photos; opening
the App Home publishes it."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext

log = logging.getLogger(__name__)

RECORDED_SUBTYPES = (None, "file_share", "thread_broadcast")
PHOTO_TYPES = frozenset({"jpg", "jpeg", "png", "heic", "heif", "gif", "webp", "bmp", "tiff"})


def register(app: App) -> None:
    app.event("message")(record_message)
    app.event("app_home_opened")(home_opened)


def record_message(body: dict, event: dict, context: BoltContext) -> None:
    """Record a thread reply or a file shared in an order's channel (once per event_id)."""
    if event.get("bot_id") or event.get("subtype") not in RECORDED_SUBTYPES:
        return
    fields = ("channel", "user", "ts")
    if not all(isinstance(event.get(k), str) and event.get(k) for k in fields):
        log.warning("message event without channel, user or ts: ignored")
        return
    if not isinstance(event.get("text") or "", str) or not isinstance(event.get("thread_ts") or "", str):
        log.warning("message event with a malformed text or thread: ignored")
        return
    raw_files = event.get("files") if isinstance(event.get("files"), list) else []
    files = [
        str(f.get("name") or f.get("title") or f.get("id") or "file")
        for f in raw_files
        if isinstance(f, dict)
    ]
    photos = [
        (f["id"], str(f.get("name") or f.get("title") or f["id"]))
        for f in raw_files
        if isinstance(f, dict) and isinstance(f.get("id"), str) and is_photo(f)
    ]
    ts, thread_ts = event.get("ts", ""), event.get("thread_ts")
    is_reply = bool(thread_ts) and thread_ts != ts
    if not (is_reply or files):
        return  # top-level chatter in the channel is conversation, not the order's record
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id:  # Slack always sends one; a forged body may not
        event_id = f"{event.get('channel')}:{ts}"
    order = context["workflow"].record_message(
        event_id=event_id,
        channel_id=event.get("channel", ""),
        user_id=event.get("user", ""),
        ts=ts,
        text=event.get("text") or "",
        files=files,
        photos=photos,
    )
    if order is not None:
        log.info("recorded %s on %s from %s", "photo" if files else "note", order.number, event.get("user"))
        context["dispatcher"].wake()


def is_photo(file: dict) -> bool:
    """Whether a shared file is to be fetched as a photo: an image by Slack's word (a document or a
    video stays a file name on the note); one that turns out to be no image is listed as such."""
    if file.get("file_access") == "check_file_info":  # Slack sent the id only: files.info will tell
        return True
    mimetype = str(file.get("mimetype") or "")
    return mimetype.startswith("image/") or str(file.get("filetype") or "").lower() in PHOTO_TYPES


def home_opened(event: dict, context: BoltContext) -> None:
    """Someone opened the Home tab: queue its publish (one INSERT) and wake the dispatcher.

    Not views.publish here: the listener runs before the ack, and the Home's queries plus a Slack
    round trip would hold it; the dispatcher also honours Retry-After. Opening the tab again and
    again within SO_HOME_REFRESH_SECONDS is one publish (the effect's key names the time bucket)."""
    user = event.get("user")
    if event.get("tab") != "home" or not isinstance(user, str) or not user:
        return  # the Messages tab, or a malformed event
    context["workflow"].home_opened(user)
    context["dispatcher"].wake()
