"""The kinds of Slack side effect the workflow queues. The bot performs them after the ack."""

CREATE_CHANNEL = "create_channel"  # {"name": str, "private": bool}
INVITE = "invite"  # {"users": [user ids]}
POST_CARD = "post_card"  # {}
PIN_CARD = "pin_card"  # {}
UPDATE_CARD = "update_card"  # {"version": int}
ANNOUNCE = "announce"  # {"event": str, "actor": user id, ...details}
DM = "dm"  # {"user": user id, "event": str}
UPLOAD_PDF = "upload_pdf"  # {"revision": int}
REACT = "react"  # {"channel": id, "ts": ts, "name": emoji}
ALERT = "alert"  # {"to": user or channel id, "to_kind", "effect", "kind", "error", "order"} (no order)
EXPORT_CSV = "export_csv"  # {"user": user id, "filters": filter text} (no order): a CSV sent to their DM

# Announcement events (ANNOUNCE and DM payload "event")
SUBMITTED = "submitted"
APPROVAL_REQUESTED = "approval_requested"
APPROVED = "approved"
REJECTED = "rejected"
FIELD_WORKERS_ADDED = "field_workers_added"
CONFIRMED = "confirmed"
CLOSED = "closed"

# The answer to a command carried out after its ack (no order: performed at once, in no order's queue)
# {"to": {"external_id"} or {"response_url", "channel", "user"}, "command", "order"?, "refusal"?}
REPLY = "reply"
