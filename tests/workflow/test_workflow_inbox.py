"""The inbox: a command stored before the ack is carried out once, or refused once, never lost."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from wf_helpers import REQUESTER, SUPERVISOR, draft

from storage.db import open_inbox, transaction
from workflow import commands as c
from workflow import effects as fx
from workflow.rules import Status
from workflow.service import AlreadyCarriedOut, Refused, Workflow


def submit_command(wf: Workflow, title: str = "Router") -> str:
    return wf.enqueue("submit", REQUESTER, {"title": title}, {"external_id": f"view-{title}"})


def carry_out_submit(wf: Workflow, command) -> None:  # type: ignore[no-untyped-def]
    cmd = c.Submit(c.order_draft(draft(title=command.payload["title"])))
    reply = {"to": command.reply, "command": command.kind}
    wf.execute(command.user_id, cmd, key=command.key, reply=reply)


def test_a_command_is_carried_out_once_and_its_answer_queued_with_the_change(wf):
    submit_command(wf)
    with wf.claimed_commands() as commands:
        assert [(c.kind, c.user_id, c.payload) for c in commands] == [
            ("submit", REQUESTER, {"title": "Router"})
        ]
        carry_out_submit(wf, commands[0])
        with pytest.raises(AlreadyCarriedOut):  # a second worker, or the same after a crash
            carry_out_submit(wf, commands[0])
    assert not wf.has_pending_commands()
    orders, _ = wf.list_for(REQUESTER)
    assert [o.title for o in orders] == ["Router"]
    replies = [e for e in wf.effects() if e.kind == fx.REPLY]
    assert [(e.payload["to"], e.payload["order"]) for e in replies] == [
        ({"external_id": "view-Router"}, orders[0].id)
    ]


def test_a_crash_before_the_inbox_forgets_the_command_repeats_nothing(wf):
    submit_command(wf)
    with pytest.raises(RuntimeError), wf.claimed_commands() as commands:
        carry_out_submit(wf, commands[0])
        raise RuntimeError("the worker dies here")
    assert wf.has_pending_commands()  # still there, as after a restart
    with wf.claimed_commands() as again:
        with pytest.raises(AlreadyCarriedOut):
            carry_out_submit(wf, again[0])
    assert not wf.has_pending_commands()
    assert len(wf.list_for(REQUESTER)[0]) == 1


def test_a_failed_change_leaves_no_mark_and_the_refusal_is_recorded_once(wf):
    order = wf.submit(REQUESTER, draft())
    wf.approve(order.id, SUPERVISOR)
    wf.enqueue("approve", SUPERVISOR, {"order_id": order.id}, {"response_url": "https://hooks.example/1"})
    with wf.claimed_commands() as commands:
        command = commands[0]
        with pytest.raises(Refused) as refused:
            wf.execute(SUPERVISOR, c.Approve(order.id), key=command.key)
        assert refused.value.code == "decided"
        reply = {"to": command.reply, "command": command.kind}
        assert wf.refuse_command(command, refused.value, reply) is True
        assert wf.refuse_command(command, refused.value, reply) is False
    answers = [e.payload for e in wf.effects() if e.kind == fx.REPLY]
    assert len(answers) == 1
    again = Refused.from_dict(answers[0]["refusal"])
    assert (again.code, again.decided_by) == ("decided", SUPERVISOR)
    assert again.decided_at == refused.value.decided_at
    assert wf.order(order.id).status == Status.IN_PROGRESS


def test_commands_wait_in_order_and_survive_a_new_process(wf, engine):
    keys = [submit_command(wf, f"Order {n}") for n in range(3)]
    later = Workflow(engine)  # another process opening the same database
    with later.claimed_commands(limit=2) as first_two:
        assert [c.key for c in first_two] == keys[:2]
        for c in first_two:
            carry_out_submit(later, c)
    with later.claimed_commands() as rest:
        assert [c.key for c in rest] == keys[2:]
        carry_out_submit(later, rest[0])
    assert [o.title for o in later.list_for(REQUESTER)[0]] == ["Order 2", "Order 1", "Order 0"]


def test_on_postgresql_concurrent_workers_take_different_commands(wf, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite has one worker")
    for n in range(10):
        submit_command(wf, f"Order {n}")
    inside = threading.Barrier(2)
    taken: dict[str, list[str]] = {}

    def worker(name: str, limit: int) -> None:
        with wf.claimed_commands(limit=limit) as commands:
            taken[name] = [c.key for c in commands]
            inside.wait(10)  # both hold their rows at the same time

    threads = [threading.Thread(target=worker, args=(f"w{i}", 4)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(taken["w0"]) == len(taken["w1"]) == 4
    assert not set(taken["w0"]) & set(taken["w1"])


def test_a_sqlite_inbox_is_a_file_beside_the_database_with_a_lock_of_its_own(tmp_path: Path, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL the inbox is a table of the database")
    inbox = open_inbox(engine)
    try:
        assert Path(inbox.url.database).name == "orders.inbox.db"
        wf = Workflow(engine, inbox=inbox)
        stored = threading.Event()
        with transaction(engine):  # a long change holds the database's write lock...
            t = threading.Thread(target=lambda: (submit_command(wf), stored.set()))
            t.start()
            # ...and a listener still stores its command and acks meanwhile
            assert stored.wait(10), "storing a command waited for the orders' write lock"
        t.join(10)
        assert wf.has_pending_commands()
    finally:
        inbox.dispose()
