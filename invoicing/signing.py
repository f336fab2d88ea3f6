"""Signatures for the invoice webhook, Slack's scheme: the sender sends a timestamp and
"v1=" + hex HMAC-SHA256(secret, "v1:{timestamp}:{body}"); the receiver recomputes it, compares in
constant time and refuses a timestamp outside the tolerance window, so a captured request cannot be
replayed later. Each business event carries one Idempotency-Key, so a retried delivery is
recognised and applied once."""

from __future__ import annotations

import hashlib
import hmac

VERSION = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Gives the X-SO-Signature value for body sent at timestamp (Unix seconds)."""
    message = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret: str, body: bytes, idempotency_key: str, now: float) -> dict[str, str]:
    """Gives the HTTP headers of one delivery of body at now."""
    timestamp = int(now)
    return {
        "Content-Type": "application/json",
        "X-SO-Timestamp": str(timestamp),
        "X-SO-Signature": sign(secret, timestamp, body),
        "Idempotency-Key": idempotency_key,
    }


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
    tolerance: int = 300,
) -> bool:
    """Gives whether body was signed with secret within tolerance seconds of now."""
    if not secret or not timestamp_header or not signature_header:
        return False
    if not timestamp_header.isascii() or not timestamp_header.isdigit():
        return False
    timestamp = int(timestamp_header)
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, signature_header.encode("utf-8", "replace"))
