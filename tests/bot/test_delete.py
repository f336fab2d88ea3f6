"""/so delete: an admin removes an order that was never approved — its data gone, its channel
archived, its number never used again, one audit line left (who, when, which number)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.demo import LAYLA, OGECHI
from forms import ids
from tests.bot.helpers import click, ephemerals_to, opened_view, submit_order
from tests.conftest import ADMIN

pytestmark = pytest.mark.both_databases  # row locks, replays, errors and cascades differ per database

ORDER_TABLES = ("revisions", "members", "activities", "effects", "time_entries")


def _rows(world, order_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with world.runtime.workflow.engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"select count(*) from {t} where order_id = {order_id}")).scalar_one()
            for t in ORDER_TABLES
        }
        counts["orders"] = conn.execute(
            text(f"select count(*) from orders where id = {order_id}")
        ).scalar_one()
    return counts


def _deleted(world) -> list[tuple]:  # type: ignore[no-untyped-def]
    with world.runtime.workflow.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("select number, status, deleted_by from deleted_orders"))]


def test_an_admin_deletes_an_order_never_approved_and_its_number_is_not_used_again(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world, title="Typed twice by mistake")
    assert _rows(world, order.id)["orders"] == 1

    # a coordinator is not an admin: refused, naming who may, nothing opened
    refused = fake.slash_command(LAYLA, "/so", "delete SO-0001").body_text
    assert "Only an admin" in refused
    opened = len(fake.calls_to("views.open"))

    assert fake.slash_command(ADMIN, "/so", "delete 1").status == 200
    assert len(fake.calls_to("views.open")) == opened + 1
    view = opened_view(world)
    shown = str(fake.calls_to("views.open")[-1].params["view"])
    assert "SO-0001" in shown and "Typed twice by mistake" in shown and "archived" in shown

    # the confirmation must name the order: a slip of the finger deletes nothing
    fake.fill(view, ids.DELETE_CONFIRM, ids.DELETE_CONFIRM, "SO-0002")
    assert fake.submit(ADMIN, view).status == 200
    assert "SO-0001" in fake.view_errors[view][ids.DELETE_CONFIRM]
    world.settle()
    assert _rows(world, order.id)["orders"] == 1

    fake.fill(view, ids.DELETE_CONFIRM, ids.DELETE_CONFIRM, "so-0001")
    assert fake.submit(ADMIN, view).status == 200
    world.settle()
    assert _rows(world, order.id) == {t: 0 for t in (*ORDER_TABLES, "orders")}
    assert _deleted(world) == [("SO-0001", "pending_approval", ADMIN)]
    assert fake.channels[order.channel_id].archived
    card = fake.message(order.channel_id, order.card_ts)
    assert "deleted" in card["text"] and "Clínica" not in str(card)  # the card no longer shows the client
    assert not wf.effects("failed")
    assert "deleted" in fake.views[view]["blocks"][0]["text"]["text"]  # the form says it is done

    # asked again: there is nothing to delete; the number is never used again
    assert "No order" in fake.slash_command(ADMIN, "/so", "delete 1").body_text
    assert len(_deleted(world)) == 1
    assert "No order" in fake.slash_command(ADMIN, "/so", "show 1").body_text
    again = submit_order(world, title="The real one")
    assert again.number == "SO-0002"


def test_an_approved_order_cannot_be_deleted_only_cancelled(world):
    fake, wf = world.fake, world.runtime.workflow
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    refused = fake.slash_command(ADMIN, "/so", "delete SO-0001").body_text
    assert "approved" in refused and "cancel" in refused
    assert wf.order(order.id).status == "in_progress"

    # a rejected order was never approved: it may go
    second = submit_order(world, title="Wrong client")
    fake.click(OGECHI, second.channel_id, wf.order(second.id).card_ts, ids.REJECT)
    reject_view = opened_view(world)
    fake.fill(reject_view, ids.REJECT_REASON, ids.REJECT_REASON, "Wrong client")
    fake.submit(OGECHI, reject_view)
    world.settle()
    assert wf.order(second.id).status == "rejected"
    assert fake.slash_command(ADMIN, "/so", "delete SO-0002").status == 200
    view = opened_view(world)
    fake.fill(view, ids.DELETE_CONFIRM, ids.DELETE_CONFIRM, "SO-0002")
    fake.submit(ADMIN, view)
    world.settle()
    assert _deleted(world) == [("SO-0002", "rejected", ADMIN)]
    assert not any("Traceback" in t for t in ephemerals_to(world, ADMIN))
