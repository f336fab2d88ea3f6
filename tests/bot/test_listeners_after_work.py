"""bot.after: the work a listener hands over runs after the answer, and can be waited for."""

from __future__ import annotations

import threading

from bot import after


def test_work_runs_after_the_answer_in_order_and_can_be_waited_for():
    context: dict = {after.KEY: []}
    done: list[str] = []
    gate = threading.Event()

    def first() -> None:
        gate.wait(5)
        done.append("first")
        after.after_response(context, done.append, "handed over by work after the answer")

    after.after_response(context, first)
    after.after_response(context, done.append, "second")
    assert done == []  # collected, not run: the answer has not left
    after.run_pending(context[after.KEY])
    assert not after.wait_idle(0.05)  # still running
    gate.set()
    assert after.wait_idle(5)
    assert sorted(done) == sorted(["first", "second", "handed over by work after the answer"])
    assert done.index("first") < done.index("second")  # a request's work runs in order


def test_work_a_failed_listener_handed_over_is_dropped():
    context: dict = {after.KEY: []}
    done: list[str] = []
    mark = after.mark(context)
    after.after_response(context, done.append, "from a listener that then failed")
    after.discard(context, mark)
    after.run_pending(context[after.KEY])
    assert after.wait_idle(5) and done == []


def test_a_failure_after_the_answer_is_logged_not_raised(caplog):
    def broken() -> None:
        raise RuntimeError("boom")

    after.after_response(None, broken)
    assert after.wait_idle(5)
    assert "work after the answer failed" in caplog.text
