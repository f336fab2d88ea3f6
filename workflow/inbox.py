"""The inbox: what people asked for, stored before the ack and carried out right after, once.

A listener stores the request (one INSERT, `enqueue`) and acks; the worker takes the oldest
(`claimed`) and carries each out with Workflow.execute(actor, cmd, key=…), which records the key in
processed_commands in the same transaction as the change (`mark`), so a request is carried out
once: after a crash before the inbox row was removed, and when two processes pick up the same row
(PostgreSQL). A refusal is recorded the same way (`refuse`), with the answer saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import reader, transaction, writing
from storage.models import Command, Effect, ProcessedCommand
from workflow import effects as fx
from workflow.errors import AlreadyCarriedOut, Refused
from workflow.snapshots import CommandView


def enqueue(
    inbox: Engine, now: datetime, kind: str, user_id: str, payload: dict, reply: dict | None, key: str | None
) -> str:
    """Store a command for the worker; its key.

    key: what makes the request unique, from what Slack sent once (a submitted view's id and hash,
    a click's action_ts): the same request again (a replay, or a retry after a dropped connection
    whose INSERT had committed) is stored once and carried out once — the inbox's unique key
    refuses it while it waits, processed_commands once carried out. Without a key, every call is
    a new command."""
    given = key is not None
    key = key or uuid.uuid4().hex
    row = {
        "key": key,
        "kind": kind,
        "user_id": user_id,
        "payload": payload,
        "reply": reply or {},
        "created_at": now,
    }
    try:
        with writing(inbox) as conn:
            conn.execute(insert(Command), row)
    except IntegrityError:
        if not given:
            raise
        # stored already: the same request again, carried out once (processed_commands too)
    return key


def has_pending(inbox: Engine) -> bool:
    with Session(reader(inbox)) as s:
        return s.exec(select(Command.id).limit(1)).first() is not None


@contextmanager
def claimed(inbox: Engine, limit: int = 20) -> Iterator[list[CommandView]]:
    """The oldest commands in the inbox, removed from it when the block ends without error.

    On PostgreSQL the rows stay locked (FOR UPDATE SKIP LOCKED) until then, so other processes take
    other commands; on SQLite one process serves and reads them without a lock."""
    query = select(Command).order_by(col(Command.id)).limit(limit)
    if inbox.dialect.name == "sqlite":
        with Session(reader(inbox)) as s:
            rows = [_command_view(c) for c in s.exec(query).all()]
        yield rows
        if rows:
            with writing(inbox) as conn:
                conn.execute(delete(Command).where(col(Command.key).in_([r.key for r in rows])))
        return
    with transaction(inbox) as s:
        rows = [_command_view(c) for c in s.exec(query.with_for_update(skip_locked=True)).all()]
        yield rows
        if rows:
            s.exec(delete(Command).where(col(Command.key).in_([r.key for r in rows])))  # type: ignore[call-overload]


def mark(s: Session, key: str, now: datetime) -> ProcessedCommand:
    """Record in the command's transaction that key is being carried out; AlreadyCarriedOut when it
    was before (or another process is at it: its insert is waited for, then conflicts)."""
    done = ProcessedCommand(key=key, processed_at=now)
    s.add(done)
    try:
        s.flush()
    except IntegrityError:
        raise AlreadyCarriedOut(key) from None
    return done


def carried_out(
    s: Session,
    done: ProcessedCommand,
    order_id: int | None,
    reply: dict | None,
    now: datetime,
    revision: int | None = None,
) -> None:
    """The command marked done changed order_id: note it, and queue reply (the answer the person
    gets, a REPLY effect) with the order's id and the revision the command left it at."""
    done.order_id = order_id
    if reply is not None:
        s.add(reply_effect(done.key, {**reply, "order": order_id, "revision": revision}, now))
    s.flush()


def refuse(engine: Engine, key: str, refused: Refused, reply: dict | None, now: datetime) -> bool:
    """Record that the command was refused, and queue the answer saying why; False if it had been
    carried out or refused before."""
    try:
        with transaction(engine) as s:
            s.add(ProcessedCommand(key=key, outcome="refused", processed_at=now))
            s.flush()
            if reply is not None:
                s.add(reply_effect(key, {**reply, "refusal": refused.to_dict()}, now))
        return True
    except IntegrityError:
        return False


def answer_again(engine: Engine, key: str, reply: dict, now: datetime) -> bool:
    """Queue again the answer a command carried out before got (the same request arrived once more:
    a replay, or Submit pressed again after Slack lost the first answer, so the form says
    "Submitting…" again); False when there is none to give: a refusal's text is not kept."""
    with transaction(engine) as s:
        done = s.get(ProcessedCommand, key)
        if done is None or done.outcome != "done" or done.order_id is None:
            return False
        s.add(reply_effect(f"{key}:again:{uuid.uuid4().hex[:12]}", {**reply, "order": done.order_id}, now))
    return True


def outcome(engine: Engine, key: str) -> str | None:
    """ "done" or "refused" when the request with key was carried out or refused already, else None."""
    with Session(reader(engine)) as s:
        done = s.get(ProcessedCommand, key)
        return done.outcome if done is not None else None


def reply_effect(key: str, payload: dict, now: datetime) -> Effect:
    return Effect(key=f"reply:{key}", order_id=None, kind=fx.REPLY, payload=payload, created_at=now)


def _command_view(c: Command) -> CommandView:
    return CommandView(c.key, c.kind, c.user_id, dict(c.payload), dict(c.reply), c.created_at)
