"""A refusal in a form is shown under the field it is about, whatever its wording (issue 11, item 5).

The close form used to pick the block by looking for the English word "reason" in the message. Here
the workflow's real refusals are reworded on their way out (as a translation would): the refusal
about the reason keeps being shown under Reason, the one about the outcome under Outcome.
"""

from __future__ import annotations

from dataclasses import replace

from bot.demo import OGECHI, World
from forms import ids
from tests.bot.helpers import click, opened_view, submit_order
from workflow.service import Refused


def open_close_form(world: World) -> tuple[int, str]:
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    click(world, OGECHI, order, ids.OPEN_CLOSE)
    return order.id, opened_view(world)


def reworded(world: World, monkeypatch, change, message: str) -> None:  # type: ignore[no-untyped-def]
    """The form's check (Workflow.precheck) refuses the form's command as it would once changed by
    change(command), with the refusal's message reworded."""
    wf = world.runtime.workflow
    original = wf.precheck

    def precheck(actor, cmd):  # type: ignore[no-untyped-def]
        try:
            return original(actor, change(cmd))
        except Refused as r:
            raise Refused.from_dict({**r.to_dict(), "message": message}) from None

    monkeypatch.setattr(wf, "precheck", precheck)


def test_a_refusal_about_the_reason_is_shown_under_the_reason_whatever_its_words(world, monkeypatch):
    """Provoke: the workflow's "a reason is required" refusal, worded without the word "reason"."""
    order_id, view = open_close_form(world)
    fake = world.fake
    reworded(
        world,
        monkeypatch,
        lambda cmd: replace(cmd, outcome="not_performed", reason=""),
        "Dinos por qué no se hizo el trabajo.",
    )
    fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
    fake.fill(view, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
    fake.submit(OGECHI, view)
    assert fake.view_errors.get(view) == {ids.CLOSE_REASON: "Dinos por qué no se hizo el trabajo."}
    assert world.runtime.workflow.order(order_id).status == "in_progress"


def test_a_refusal_about_the_outcome_is_shown_under_the_outcome_even_if_it_says_reason(world, monkeypatch):
    """Provoke: the workflow's refusal of "completed with adjustments" (no confirmation yet), worded
    with the word "reason" in it."""
    order_id, view = open_close_form(world)
    fake = world.fake
    text = "For that reason this outcome needs a confirmation first: use Create confirmation."
    reworded(
        world,
        monkeypatch,
        lambda cmd: replace(cmd, outcome="completed_with_changes", reason=""),
        text,
    )
    fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
    fake.fill(view, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
    fake.submit(OGECHI, view)
    assert fake.view_errors.get(view) == {ids.CLOSE_OUTCOME: text}
    assert world.runtime.workflow.order(order_id).status == "in_progress"


def test_the_workflow_names_the_field_it_refuses(world):
    """The refusals themselves carry their field (what the forms route by)."""
    wf = world.runtime.workflow
    order = submit_order(world)
    cases = [
        (lambda: wf.reject(order.id, OGECHI, "  "), "reason"),
        (lambda: wf.add_field_workers(order.id, OGECHI, []), "users"),
        (lambda: wf.close(order.id, OGECHI, "nonsense"), "outcome"),
        (lambda: wf.close(order.id, OGECHI, "not_performed", ""), "reason"),
    ]
    for call, field in cases:
        try:
            call()
        except Refused as r:
            assert r.field == field, (r.message, r.field)
            assert Refused.from_dict(r.to_dict()).field == field
        else:
            raise AssertionError(f"not refused; expected a refusal about {field}")
