"""Saved filters through HTTP and the real app, against the local Slack: `/so list save|saved|
delete|NAME`, and the Home tab's saved-search buttons, whose click opens the results in a modal."""

from __future__ import annotations

import json

from slack_sdk.models.views import View

from bot.demo import LAYLA, OGECHI
from forms import ids
from tests.bot.test_home import click_home, home_buttons, home_of, quick_refresh, wait_until
from tests.bot.test_lists import numbers, shown
from tests.workflow.bulk import insert_orders


def so(world, user: str, text: str) -> str:  # type: ignore[no-untyped-def]
    answer = world.fake.slash_command(user, "/so", text)
    assert answer.status == 200
    return answer.body_text


def clinic_orders(world) -> list[str]:  # type: ignore[no-untyped-def]
    """24 orders by Layla, the clinic's every third one not; the clinic's numbers, newest first."""
    insert_orders(
        world.runtime.workflow.engine,
        24,
        requester=LAYLA,
        client=lambda i: "Clínica Dental Norte" if i % 3 else "Acme",
    )
    return [f"SO-{i:04d}" for i in range(24, 0, -1) if i % 3]


def test_save_list_run_and_delete_a_saved_filter(world):
    clinic = clinic_orders(world)
    assert "Saved your filter *clinic*" in so(world, LAYLA, "list save Clinic client:clínica")
    assert "Replaced your filter *clinic*" in so(world, LAYLA, 'list save clinic client:"clínica dental"')
    so(world, LAYLA, "list save acme client:acme")

    listed = so(world, LAYLA, "list saved")
    assert "*Your saved filters* · 2" in listed
    assert '• *clinic* — `client:"clínica dental"`' in listed and "• *acme* — `client:acme`" in listed

    for typed in ("list clinic", "list CLINIC", "list saved:clinic"):
        so(world, LAYLA, typed)
        page = shown(world, LAYLA)
        assert numbers(page) == clinic[:10]
        assert 'client:"clínica dental"' in page["blocks"][0]["text"]["text"]
    assert "saved filter" in so(world, OGECHI, "list saved:clinic")  # Layla's, not Ogechi's
    so(world, OGECHI, "list clinic")  # for Ogechi a plain search: no order's title says "clinic"
    assert numbers(shown(world, OGECHI)) == []

    assert "Deleted your saved filter `clinic`" in so(world, LAYLA, "list delete clinic")
    assert "no saved filter `clinic`" in so(world, LAYLA, "list delete clinic")
    assert "*Your saved filters* · 1" in so(world, LAYLA, "list saved")
    assert "no saved filter `clinic`" in so(world, LAYLA, "list saved:clinic")
    assert "You have no saved filters" in so(world, OGECHI, "list saved")


def test_a_bad_filter_or_name_is_explained_and_nothing_is_saved(world):
    answer = so(world, LAYLA, "list save late stauts:open")
    assert "`stauts:open`" in answer and "Did you mean `status:`?" in answer
    assert "nothing was saved" in answer and "*Filters:*" in answer
    assert "1 to 30 letters" in so(world, LAYLA, "list save my/late status:open")
    assert "already means something" in so(world, LAYLA, "list save saved status:open")
    assert "Usage:" in so(world, LAYLA, "list save late")
    assert world.runtime.workflow.saved_filters(LAYLA) == []
    assert "/so list save NAME FILTERS" in so(world, LAYLA, "help")


def test_the_home_tab_offers_saved_searches_and_a_click_opens_the_results(world):
    quick_refresh(world)
    fake = world.fake
    clinic = clinic_orders(world)
    fake.open_home(LAYLA)
    world.settle()
    assert not any(b.startswith("home:saved:") for b, _, _ in home_buttons(home_of(world, LAYLA)))

    for n in range(6):  # six: two rows of buttons
        so(world, LAYLA, f"list save s{n} client:acme")
    so(world, LAYLA, "list save clinic client:clínica")

    def saved_buttons() -> list[tuple[str, str, str]]:
        return [b for b in home_buttons(home_of(world, LAYLA)) if b[0].startswith("home:saved:")]

    wait_until(lambda: (world.runtime.dispatcher.wake(), len(saved_buttons()) == 7)[1])
    buttons = saved_buttons()
    assert [a for _, a, _ in buttons] == [ids.saved_filter_run(n) for n in range(7)]
    assert [v for _, _, v in buttons] == ["clinic", "s0", "s1", "s2", "s3", "s4", "s5"]
    assert sorted({b for b, _, _ in buttons}) == ["home:saved:0", "home:saved:1"]  # ≤ 5 a block
    View(**home_of(world, LAYLA)).validate_json()

    assert click_home(world, LAYLA, ids.saved_filter_run(0), "clinic").status == 200
    wait_until(lambda: bool(fake.calls_to("views.open")))
    modal = fake.calls_to("views.open")[-1].response["view"]
    assert modal["callback_id"] == ids.SAVED_FILTER_RESULTS and modal["title"]["text"] == "Saved: clinic"
    assert numbers(modal) == clinic[:10]
    assert "/so list clinic" in json.dumps(modal, ensure_ascii=False)  # more match: how to page
    assert not any(b.get("block_id") == ids.LIST_PAGING_BLOCK for b in modal["blocks"])
    View(**{k: modal[k] for k in ("type", "title", "close", "blocks", "callback_id")}).validate_json()

    so(world, LAYLA, "list delete clinic")  # a button on a Home not yet refreshed
    home = home_of(world, LAYLA)
    click_home(world, LAYLA, ids.saved_filter_run(0), "clinic", view=home)
    wait_until(lambda: len(fake.calls_to("views.open")) == 2)
    assert "no saved filter *clinic*" in json.dumps(fake.calls_to("views.open")[-1].response["view"])
    wait_until(lambda: (world.runtime.dispatcher.wake(), len(saved_buttons()) == 6)[1])
