"""What a command answers instead of a change: Refused (not allowed now, and why) and
AlreadyCarriedOut (done before: nothing repeated). Neither leaves anything written."""

from __future__ import annotations

from datetime import datetime


class Refused(Exception):
    """The person may not do this now; nothing was changed. The message says why."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        who: str = "",
        decided_by: str | None = None,
        decided_at: datetime | None = None,
        decision: str = "",
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        # role | state | own_order | not_found | stale | decided | invalid | duplicate | ...
        self.code = code
        self.message = message
        self.who = who
        self.decided_by = decided_by
        self.decided_at = decided_at
        self.decision = decision
        self.line = line  # the 0-based index of the line it is about, if any (the form shows it there)
        # the field of the request it is about, if any: reason | outcome | users (a form shows it there)
        self.field = field

    def to_dict(self) -> dict:
        """JSON for an outbox payload (the answer to a command carried out after its ack)."""
        return {
            "code": self.code,
            "message": self.message,
            "who": self.who,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision": self.decision,
            "line": self.line,
            "field": self.field,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Refused:
        at = d.get("decided_at")
        return cls(
            str(d.get("code", "")),
            str(d.get("message", "")),
            who=str(d.get("who") or ""),
            line=d.get("line") if isinstance(d.get("line"), int) else None,
            field=d.get("field") if isinstance(d.get("field"), str) else None,
            decided_by=d.get("decided_by"),
            decided_at=datetime.fromisoformat(at) if at else None,
            decision=str(d.get("decision") or ""),
        )


class AlreadyCarriedOut(Exception):
    """This command was carried out (or refused) before: nothing was done again."""
