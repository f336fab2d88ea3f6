"""The kinds of Slack side effect the workflow queues. The bot performs them after the ack."""

from __future__ import annotations

from datetime import datetime

CREATE_CHANNEL = "create_channel"  # {"name": str, "private": bool}
INVITE = "invite"  # {"users": [user ids]}
POST_CARD = "post_card"  # {}
PIN_CARD = "pin_card"  # {}
UPDATE_CARD = "update_card"  # {"version": int}
ANNOUNCE = "announce"  # {"event": str, "actor": user id, ...details}
DM = "dm"  # {"user": user id, "event": str}
UPLOAD_PDF = "upload_pdf"  # {"revision": int}
# {"order_id", "order", "revision", "correction_of"} (no order: a queue of its own): the invoice data
# of that revision, posted to the company's accounting system (SO_ERP_WEBHOOK_URL)
SEND_INVOICE = "send_invoice"
# {"channel": id, "ts": ts, "name": emoji, "order": number} (no order: an acknowledgement neither waits
# in its order's queue nor holds the order's own changes up)
REACT = "react"
ALERT = "alert"  # {"to": user or channel id, "to_kind", "effect", "kind", "error", "order"} (no order)
# {"user": user id, "order_id": int, "order": number, "revision": int} (no order): an order's invoice
# files (JSON, UBL, CSV) to the person's DM (/so invoice)
INVOICE_FILES = "invoice_files"
# {"to": address, "subject", "text", "order": number} (no order: it holds up no card update): an email,
# e.g. the articles to order to the company's purchasing address (sent once an SMTP sender exists)
EMAIL = "email"
# {"photo_id": int, "file_id": Slack's, "name": str}: a photo fetched once from Slack and kept, in
# the order's queue (so before the PDF of a revision made after it was shared); never failed: a file
# Slack will not give is recorded as unavailable (workflow.photos)
FETCH_PHOTO = "fetch_photo"
EXPORT_CSV = "export_csv"  # {"user": user id, "filters": filter text} (no order): a CSV sent to their DM

# Announcement events (ANNOUNCE and DM payload "event")
SUBMITTED = "submitted"
APPROVAL_REQUESTED = "approval_requested"
APPROVED = "approved"
REJECTED = "rejected"
FIELD_WORKERS_ADDED = "field_workers_added"
CONFIRMED = "confirmed"
CLOSED = "closed"
CANCELLED = "cancelled"  # {"reason": str}: the order was called off
BACKORDER_CREATED = "backorder_created"  # {"backorder": number, "lines": int}: in the original's channel
EMAILED = "emailed"  # {"to": address, "revision": int}: the order was emailed to the customer
REINSTATED = "reinstated"  # {"status": str}: a cancelled order is back where it was
READY_FOR_INVOICING = "ready_for_invoicing"  # {"revision": int, "correction_of": int | None}
INVOICED = "invoiced"  # {"invoice_number": str}: by a person, or by the ERP (actor "erp")
RESTORED = "restored"  # {"reason": str}: back to closed, the invoice data to be sent again
CLIENT_UNKNOWN = "client_unknown"  # DM to admins: {"client": the typed name}: add it to the client list?
ARTICLES_CHANGED = "articles_changed"  # {"added": [text], "changed": [text]}: articles to be ordered
ARTICLES_USED = "articles_used"  # {"revision": int, "articles": [text]}: delivered ones into the lines
SELF_CHECK_DONE = "self_check_done"  # {"checklist": name, "required": bool}: a checklist is complete
SIGNED = "signed"  # {"name": str, "revision": int}: the customer signed on the order page (actor "customer")
CUSTOMER_COPY = "customer_copy"  # {"revision": int}: the revision's PDF without prices, in the channel

# The answer to a command carried out after its ack (no order: performed at once, in no order's queue)
# {"to": {"external_id"} or {"response_url", "channel", "user"}, "command", "order"?, "refusal"?}
REPLY = "reply"

# Reminders and channel upkeep (workflow.reminders queues most; the workflow queues SET_TOPIC)
APPROVAL_REMINDER = "approval_reminder"  # {"user": user id, "level": 1 | 2, "hours": working hours waited}
PLANNED_REMINDER = "planned_reminder"  # {"planned_date": ISO date}: in the channel, to the field workers
SET_TOPIC = "set_topic"  # {"status": status}: the channel topic shows the order's status
ARCHIVE = "archive"  # {"days": int}: the order's channel is archived
# {"channel", "card_ts", "order": number, "actor"} (no order: it is gone): the deleted order's card
# says so and its channel is archived
DELETED = "deleted"
KICK = "kick"  # {"user": user id}: removed from the order's channel (the role that put them there is gone)
DIGEST = "digest"  # {"user", "date", "since", "moved", "waiting", ...} (no order): a coordinator's DM

# The App Home (workflow.home; no order: performed on its own, in no order's queue)
PUBLISH_HOME = "publish_home"  # {"user": user id}: views.publish of the person's Home tab


def row(
    key: str,
    kind: str,
    payload: dict,
    now: datetime,
    order_id: int | None = None,
    *,
    status: str = "pending",
    not_before: datetime | None = None,
) -> dict:
    """An effects row to insert with storage.db.insert_new (queued once per key)."""
    return {
        "key": key,
        "order_id": order_id,
        "kind": kind,
        "payload": payload,
        "status": status,
        "attempts": 0,
        "last_error": "",
        "not_before": not_before,
        "created_at": now,
        "done_at": now if status == "done" else None,
    }
