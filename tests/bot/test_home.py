"""The App Home through HTTP and the real app, against the local Slack: opening the tab publishes
it, its buttons work, a burst of changes is one publish per person, and it stays within Slack's
limits however many orders there are."""

from __future__ import annotations

import copy
import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from slack_sdk.models.views import View
from sqlalchemy import text

from bot.config import ConfigError, load_settings
from bot.demo import DIEGO, LAYLA, OGECHI, World
from forms import ids
from forms.types import LineDraft
from sandbox.slack import APP_ID, VERIFICATION_TOKEN
from storage.models import utcnow
from tests.bot.helpers import click, opened_view, submit_order
from tests.conftest import ADMIN, PEDRO
from tests.workflow.bulk import insert_orders
from workflow import effects as fx

# ------------------------------------------------------------------------------------ helpers


def quick_refresh(world: World, seconds: float = 1.0) -> None:
    """Shorter refresh buckets than the default 5 s: the tests wait for the bucket to end."""
    wf = world.runtime.workflow
    wf.policy = replace(wf.policy, home_refresh_seconds=seconds)


def home_of(world: World, user: str) -> dict:
    view = world.fake.home_tabs.get(user)
    assert view is not None, f"no Home tab published for {user}"
    return view


def texts(view: dict) -> str:
    """Every text of the view, one block a line."""
    out = []
    for b in view["blocks"]:
        if b.get("text"):
            out.append(b["text"]["text"])
        for e in b.get("elements") or []:
            if isinstance(e.get("text"), str):
                out.append(e["text"])
            elif isinstance(e.get("text"), dict):
                out.append(e["text"]["text"])
    return "\n".join(out)


def home_buttons(view: dict) -> list[tuple[str, str, str]]:
    """(block id, action id, value) of every button on the Home tab."""
    return [
        (b["block_id"], e["action_id"], e["value"])
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def publishes_to(world: World, user: str) -> int:
    return sum(1 for c in world.fake.calls_to("views.publish") if c.params.get("user_id") == user)


def click_home(world: World, user: str, action_id: str, value: str, view: dict | None = None):  # type: ignore[no-untyped-def]
    """A click on a button of the user's Home tab (or of view, the tab as an older publish showed
    it), as Slack sends it: a view container, no channel and no response_url."""
    fake = world.fake
    with fake._lock:
        view = view or home_of(world, user)
        block, button = next(
            (b, e)
            for b in view["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id and e["value"] == value
        )
        payload = {
            "type": "block_actions",
            "user": fake._user_ref(user),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": fake._issue_trigger(user),
            "team": fake._team_ref(),
            "enterprise": None,
            "is_enterprise_install": False,
            "view": fake._public_view(view),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block["block_id"],
                    "text": button["text"],
                    "value": button["value"],
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
    return fake._post_payload(payload)


def wait_until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def settle_due(world: World) -> None:
    """Wait until the inbox is empty and every effect due now is done (later ones may wait)."""
    wf = world.runtime.workflow

    def idle() -> bool:
        world.runtime.dispatcher.wake()
        return not wf.has_pending_commands() and not wf.outbox.pending_effects()

    wait_until(idle)


class ShiftedClock:
    """Real time, moved by offset: a test can jump to the end of a refresh bucket."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


# ------------------------------------------------------------------------------------ sections


def test_opening_the_home_tab_shows_each_section(world):
    quick_refresh(world)
    fake, wf = world.fake, world.runtime.workflow
    waiting = submit_order(world, title="Printer jam")
    working = submit_order(world, title="Fix the router")
    click(world, OGECHI, working, ids.APPROVE)
    wf.add_field_workers(working.id, LAYLA, [DIEGO])
    ended = submit_order(world, title="Old ticket")
    click(world, OGECHI, ended, ids.APPROVE)
    wf.close(ended.id, LAYLA, "completed", attested=True)
    world.settle()
    working, waiting = wf.order(working.id), wf.order(waiting.id)

    assert fake.open_home(OGECHI).status == 200
    world.settle()
    ogechi = home_of(world, OGECHI)
    shown = texts(ogechi)
    assert "Waiting for your approval* · 1" in shown
    assert f"*{waiting.number}* <#{waiting.channel_id}> — Printer jam" in shown
    assert f"requested by <@{LAYLA}>" in shown
    assert ("home:waiting:" + str(waiting.id), ids.APPROVE, str(waiting.id)) in home_buttons(ogechi)
    assert ("home:waiting:" + str(waiting.id), ids.REJECT, str(waiting.id)) in home_buttons(ogechi)
    assert "Needs attention" in shown  # a supervisor sees the exceptions
    assert "You have no open orders" in shown  # supervisors' approvals are not "theirs"

    fake.open_home(LAYLA)
    fake.open_home(DIEGO)
    fake.open_home(PEDRO)
    world.settle()
    layla = texts(home_of(world, LAYLA))
    assert "Waiting for your approval" not in layla and "Needs attention" not in layla
    assert "Your open orders* · 2" in layla
    assert layla.index(working.number) < layla.index(waiting.number)  # newest first
    assert ":large_blue_circle: In progress · Clínica Dental Norte · not planned" in layla
    assert f"Recently ended* · 1\n• *{ended.number}* <#" in layla and "Closed — Completed" in layla
    assert [a for _, a, v in home_buttons(home_of(world, LAYLA))] == [
        ids.OPEN_ADD_FIELD_WORKERS,
        ids.OPEN_CONFIRMATION,
        ids.OPEN_CLOSE,
    ]  # the requester's in-progress order; nothing on the pending one

    diego = home_of(world, DIEGO)
    assert "Your open orders* · 1" in texts(diego) and working.number in texts(diego)
    assert [a for _, a, _ in home_buttons(diego)] == [
        ids.OPEN_CONFIRMATION,
        ids.OPEN_CLOSE,
        ids.START_WORK,
        ids.OPEN_LOG_TIME,
    ]
    assert "You have no open orders" in texts(home_of(world, PEDRO))
    assert not wf.effects("failed")

    # the Messages tab is not the Home tab
    before = len(fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": LAYLA, "channel": "D0X", "tab": "messages"}
    assert fake.deliver_event(event).status == 200
    world.settle()
    assert len(fake.calls_to("views.publish")) == before


def test_needs_attention_for_admins(world):
    quick_refresh(world)
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    create = next(e for e in wf.effects() if e.order_id == order.id and e.kind == fx.CREATE_CHANNEL)
    wf.outbox.effect_failed(create.id, "restricted_action")
    insert_orders(wf.engine, 12, requester=LAYLA, status=lambda i: "in_progress")  # planned in 2026
    wf.clock = lambda: datetime(2027, 1, 4, 12, 0, tzinfo=UTC)  # years on: all of them overdue, quiet
    fake.open_home(ADMIN)
    world.settle()
    shown = texts(home_of(world, ADMIN))
    assert "Needs attention" in shown
    assert "Waiting for approval for more than 4 working hours* · 1" in shown
    assert "In progress past the planned date* · 12" in shown
    assert "… and 7 more — `/so list status:in_progress to:yesterday`" in shown
    assert "nothing recorded for 3 days (confirmations missing?)* · 12" in shown
    assert f"→ `restricted_action` · retry: `service-orders effects retry {create.id}`" in shown
    assert f"`create_channel` for *{order.number}*" in shown


# ------------------------------------------------------------------------------------ buttons


def test_approve_from_the_home_tab(world):
    quick_refresh(world)
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    fake.open_home(OGECHI)
    world.settle()
    assert click_home(world, OGECHI, ids.APPROVE, str(order.id)).status == 200
    world.settle()
    assert wf.order(order.id).status == "in_progress"
    assert any("approved" in m.get("text", "") for m in fake.messages(order.channel_id))
    # the Home tab was refreshed: nothing waits any more
    assert "Nothing is waiting for your approval." in texts(home_of(world, OGECHI))

    # a second supervisor's Home still offered Approve: the click is refused, and said in a DM
    wf.grant("test", PEDRO, "supervisor", check=False)
    stale = submit_order(world, title="Second")
    fake.open_home(PEDRO)
    world.settle()
    shown_before = copy.deepcopy(home_of(world, PEDRO))
    click(world, OGECHI, stale, ids.APPROVE)
    assert "Nothing is waiting for your approval." in texts(home_of(world, PEDRO))  # refreshed
    assert click_home(world, PEDRO, ids.APPROVE, str(stale.id), view=shown_before).status == 200
    world.settle()
    dms = [m["text"] for m in fake.dms(PEDRO)]
    assert any("already approved by <@" + OGECHI in t for t in dms), dms


def test_reject_from_the_home_tab_opens_the_form(world):
    quick_refresh(world)
    fake = world.fake
    order = submit_order(world)
    fake.open_home(OGECHI)
    world.settle()
    assert click_home(world, OGECHI, ids.REJECT, str(order.id)).status == 200
    view = opened_view(world)
    assert fake.views[view]["callback_id"] == ids.REJECT_ORDER
    fake.fill(view, ids.REJECT_REASON, ids.REJECT_REASON, "Duplicate")
    assert fake.submit(OGECHI, view).status == 200
    world.settle()
    assert world.runtime.workflow.order(order.id).status == "rejected"


# ------------------------------------------------------------------------------------ coalescing


def test_a_burst_of_changes_is_one_publish_per_person(world):
    fake, wf = world.fake, world.runtime.workflow
    bucket = 3600.0  # long enough that the whole burst surely falls in one bucket
    clock = ShiftedClock()
    now = clock().timestamp()
    clock.offset = timedelta(seconds=(now // bucket + 1) * bucket + 1 - now)  # a bucket's first second
    wf.clock = clock
    quick_refresh(world, bucket)
    fake.open_home(LAYLA)
    fake.open_home(OGECHI)
    settle_due(world)
    assert (publishes_to(world, LAYLA), publishes_to(world, OGECHI)) == (1, 1)  # at once on opening

    # submit, approve, add a field worker, confirm twice: five changes, a card update each
    assert fake.slash_command(LAYLA, "/so", "new").status == 200
    view = opened_view(world)
    fake.fill(view, ids.CLIENT, ids.CLIENT, "Acme")
    fake.fill(view, ids.SITE, ids.SITE, "Main Street 1")
    fake.fill(view, ids.TITLE, ids.TITLE, "Router")
    fake.fill(view, ids.line_block(0, ids.LINE_DESC), ids.LINE_DESC, "Diagnosis")
    fake.fill(view, ids.line_block(0, ids.LINE_AMOUNT), ids.LINE_AMOUNT, "2 h × 85")
    fake.fill(view, ids.line_block(0, ids.LINE_ACTIONS), ids.LINE_KIND, "labour")
    assert fake.submit(LAYLA, view).status == 200
    wait_until(lambda: bool(wf.list_for(LAYLA)[0]) and bool(wf.list_for(LAYLA)[0][0].card_ts))
    settle_due(world)
    order = wf.list_for(LAYLA)[0][0]
    assert fake.click(OGECHI, order.channel_id, order.card_ts, ids.APPROVE).status == 200
    settle_due(world)
    wf.add_field_workers(order.id, LAYLA, [DIEGO])
    work = LineDraft("labour", "Diagnosis", Decimal("2"), "h", Decimal("85"))
    wf.confirm(order.id, LAYLA, 1, [work], note="first")
    wf.confirm(order.id, LAYLA, 2, [replace(work, quantity=Decimal("3"))], note="second")
    settle_due(world)
    assert wf.order(order.id).version >= 5
    # nothing published yet: each person's refresh waits for the end of the bucket, once
    assert (publishes_to(world, LAYLA), publishes_to(world, OGECHI)) == (1, 1)
    waiting = [e for e in wf.effects("pending") if e.kind == fx.PUBLISH_HOME]
    assert sorted(e.payload["user"] for e in waiting) == sorted([LAYLA, OGECHI])  # Diego never opened it

    clock.offset += timedelta(seconds=bucket)
    world.settle()
    assert (publishes_to(world, LAYLA), publishes_to(world, OGECHI)) == (2, 2)
    assert publishes_to(world, DIEGO) == 0
    assert "In progress" in texts(home_of(world, LAYLA))  # the state after the last change


# ------------------------------------------------------------------------------------ limits


def test_many_orders_stay_within_block_kit_limits(world):
    quick_refresh(world)
    fake, wf = world.fake, world.runtime.workflow
    wf.grant("test", OGECHI, "admin", check=False)
    wf.grant("test", OGECHI, "coordinator", check=False)
    wf.policy = replace(wf.policy, allow_self_approval=True)
    long_title = "Ü<b>&" + "x" * 145  # the longest a title and a client may be
    long_client = "Client <@U0FORGED> & " + "y" * 179
    insert_orders(
        wf.engine,
        80,
        requester=OGECHI,
        status=lambda i: ("pending_approval", "in_progress", "closed")[i % 3],
        title=lambda i: long_title,
        client=lambda i: long_client,
    )
    wf.clock = lambda: datetime(2027, 1, 4, 12, 0, tzinfo=UTC)  # overdue and quiet, all of them
    with wf.engine.begin() as conn:  # everything recently ended, by the clock above
        conn.execute(text("update orders set updated_at = :t"), {"t": datetime(2027, 1, 1, tzinfo=UTC)})
    fake.open_home(OGECHI)
    world.settle()
    assert not wf.effects("failed")
    view = home_of(world, OGECHI)
    assert len(view["blocks"]) <= 100
    published = fake.calls_to("views.publish")[-1].params["view"]
    if isinstance(published, str):
        published = json.loads(published)
    View(**published).validate_json()  # slack_sdk's own checks of Slack's limits
    shown = texts(view)
    assert "<@U0FORGED>" not in shown and "&lt;@U0FORGED&gt;" in shown  # user text cannot mention
    assert "… and 16 more — `/so list waiting`" in shown  # 26 pending: 10 shown
    assert "… and 43 more — `/so list mine status:open`" in shown  # 53 open
    for b in view["blocks"]:
        for t in [b.get("text")] + list(b.get("elements") or []) + list(b.get("fields") or []):
            if isinstance(t, dict) and isinstance(t.get("text"), str):
                assert len(t["text"]) <= 3000


def test_home_settings():
    defaults = load_settings({})
    assert (defaults.approval_reminder_hours, defaults.stale_days, defaults.home_refresh_seconds) == (4, 3, 5)
    s = load_settings({"SO_STALE_DAYS": "2.5", "SO_HOME_REFRESH_SECONDS": "10"})
    assert (s.stale_days, s.home_refresh_seconds) == (2.5, 10)
    for name in ("SO_STALE_DAYS", "SO_HOME_REFRESH_SECONDS"):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: "soon"})
