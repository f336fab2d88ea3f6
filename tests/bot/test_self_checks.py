"""Self-checks and the technician attestation through Slack (issue 14): the company file's checklists
attached on approval; Self-checks on the card (a picker with several, a form per checklist, partial
saves, a number that is none refused under its item, a photo from a file_input); a required checklist
blocks closing, the refusal listing what is missing; closing needs the attestation; the PDF prints
the answers (who, when) and "Work attested by …"; a later company-file edit changes no attached
checklist; mistakes in the company file are one clear line."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.company import CompanyConfig, CompanyFileError, PrintSettings, load_company
from bot.demo import DIEGO, LAYLA, OGECHI, World, local_world
from bot.documents import order_document
from forms import ids
from pdf import render
from sandbox.files import upload_file
from tests.bot.helpers import (
    buttons,
    card,
    channel_texts,
    click,
    ephemerals_to,
    forged_click,
    opened_view,
    submit_order,
)
from tests.bot.test_photos import photo_bytes, photos
from tests.conftest import ADMIN, EVERYONE, PEDRO
from workflow.checklists import ChecklistTemplate, ItemTemplate

START = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
SAFETY = ChecklistTemplate(
    "Safety",
    (
        ItemTemplate("Power off", "checkbox"),
        ItemTemplate("Gas tight", "checkbox"),
        ItemTemplate("Pressure (bar)", "number"),
        ItemTemplate("Remarks", "text", required=False),
        ItemTemplate("Photo of meter", "photo"),
    ),
    required=True,
)
HANDOVER = ChecklistTemplate(
    "Handover <b>", (ItemTemplate("Customer shown the <!channel> panel", "checkbox"),)
)


def world_with(tmp_path: Path, company: CompanyConfig):  # type: ignore[no-untyped-def]
    return local_world(
        f"sqlite:///{tmp_path / 'so.db'}",
        people=EVERYONE,
        admins=(ADMIN,),
        home_refresh_seconds=0.2,
        company=company,
    )


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    """SQLite only (the workflow tests run on PostgreSQL too): two checklists for every order."""
    with world_with(tmp_path, CompanyConfig(checklists=(SAFETY, HANDOVER))) as w:
        wf = w.runtime.workflow
        wf.clock = lambda: START
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        yield w


def in_progress(world: World):  # type: ignore[no-untyped-def]
    order = submit_order(world)
    click(world, OGECHI, order, ids.APPROVE)
    world.runtime.workflow.add_field_workers(order.id, LAYLA, [DIEGO])
    world.settle()
    return world.runtime.workflow.order(order.id)


def pdf_text(world: World, name: str) -> str:
    pdf = next(f for f in world.fake.files.values() if f["name"] == name)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf["content"])).pages)
    return re.sub(r"\s+", " ", text)


def item_block(world: World, view: str, label: str) -> str:
    for b in world.fake.views[view]["blocks"]:
        if b.get("block_id", "").startswith(ids.SELF_CHECK_ITEM + ":") and b["label"]["text"].startswith(
            label
        ):
            return b["block_id"]
    raise AssertionError(f"no item {label} in the form")


def open_checklist(world: World, user: str, order, name: str) -> str:  # type: ignore[no-untyped-def]
    """Self-checks on the card, then the picker's Open button of the checklist called name."""
    click(world, user, order, ids.OPEN_SELF_CHECKS)
    view = opened_view(world)
    [cl] = [x for x in world.runtime.workflow.order(order.id).checklists if x.name == name]
    world.fake.view_action(user, view, ids.OPEN_CHECKLIST, f"{ids.OPEN_CHECKLIST}:{cl.id}")
    world.settle()
    assert world.fake.views[view]["callback_id"] == ids.SELF_CHECK
    return view


def close_form(world: World, user: str, order, attest: bool = True) -> str:  # type: ignore[no-untyped-def]
    click(world, user, order, ids.OPEN_CLOSE)
    view = opened_view(world)
    world.fake.fill(view, ids.CLOSE_OUTCOME, ids.CLOSE_OUTCOME, "completed")
    if attest:
        world.fake.fill(view, ids.CLOSE_ATTEST, ids.CLOSE_ATTEST, ["attested"])
    assert world.fake.submit(user, view).status == 200
    world.settle()
    return view


def test_a_required_checklist_blocks_closing_then_partial_saves_complete_it_and_the_pdf_prints_it(world):
    fake, wf = world.fake, world.runtime.workflow
    order = in_progress(world)
    assert ":clipboard: Self-checks" in buttons(card(world, order))
    shown = json.dumps(card(world, order)["blocks"], ensure_ascii=False)
    assert "Safety 0 of 5 (required)" in shown and "Handover &lt;b&gt; 0 of 1" in shown  # escaped

    # Pedro takes no part in the order: the button answers why, no form opens
    opened = len(fake.calls_to("views.open"))
    forged_click(world, PEDRO, order, ids.OPEN_SELF_CHECKS)  # not in the channel: a forged payload
    assert len(fake.calls_to("views.open")) == opened and any(
        "Only" in t for t in ephemerals_to(world, PEDRO)
    )

    # Diego: a partial save, with a number that is none first (an error under that item, nothing saved)
    view = open_checklist(world, DIEGO, order, "Safety")
    fake.fill(view, item_block(world, view, "Power off"), ids.SELF_CHECK_ITEM, ["done"])
    fake.fill(view, item_block(world, view, "Pressure (bar)"), ids.SELF_CHECK_ITEM, "high")
    assert fake.submit(DIEGO, view).status == 200
    assert "Type a number" in fake.view_errors[view][item_block(world, view, "Pressure (bar)")]
    assert all(not i.at for i in wf.order(order.id).checklists[0].items)
    fake.fill(view, item_block(world, view, "Pressure (bar)"), ids.SELF_CHECK_ITEM, "2,5")
    assert fake.submit(DIEGO, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    assert "Safety 2 of 5 (required)" in json.dumps(card(world, order)["blocks"])
    # revision 1's PDF renders to the bytes uploaded on approval: it prints its own snapshot
    uploaded = next(f for f in fake.files.values() if f["name"] == f"{order.number}-r1.pdf")["content"]
    again = order_document(wf.revision(order.id, 1), world.runtime.settings, lambda u: EVERYONE.get(u, u))
    assert render(again) == uploaded

    # closing now is refused under the outcome, saying what is missing; the order stays open
    view = close_form(world, DIEGO, order)
    error = fake.view_errors[view][ids.CLOSE_OUTCOME]
    assert "Self-checks not done: Safety (2 of 5 items: Gas tight, Photo of meter)" in error
    assert wf.order(order.id).status == "in_progress"

    # Ogechi completes it: the form opens with Diego's answers; a photo from the file input
    view = open_checklist(world, OGECHI, order, "Safety")
    pressure = next(
        b
        for b in fake.views[view]["blocks"]
        if b.get("block_id") == item_block(world, view, "Pressure (bar)")
    )
    assert pressure["element"]["initial_value"] == "2.5"
    fake.fill(view, item_block(world, view, "Gas tight"), ids.SELF_CHECK_ITEM, ["done"])
    meter = upload_file(fake, OGECHI, "meter <1>.jpg", photo_bytes(800, 600))
    fake.fill(view, item_block(world, view, "Photo of meter"), ids.SELF_CHECK_ITEM, [meter])
    assert fake.submit(OGECHI, view).status == 200 and not fake.view_errors.get(view)
    world.settle()
    safety = wf.order(order.id).checklists[0]
    assert safety.complete
    assert {i.label: i.by for i in safety.items if i.at} == {
        "Power off": DIEGO,
        "Pressure (bar)": DIEGO,
        "Gas tight": OGECHI,
        "Photo of meter": OGECHI,
    }
    kept = [{"id": meter["id"], "name": "meter <1>.jpg"}]
    assert [i.value for i in safety.items if i.kind == "photo"] == [kept]
    # the photo is fetched from Slack and kept like any photo of the order, to print on the next PDF
    got = [(x.name, x.source, x.status) for x in photos(world)]
    assert got == [("meter <1>.jpg", "self_check", "stored")]
    assert any("completed the self-check *Safety*" in t for t in channel_texts(world, order))

    # the attestation is required: unticked, an error under it and nothing closes
    view = close_form(world, DIEGO, order, attest=False)
    assert "carried out as recorded" in fake.view_errors[view][ids.CLOSE_ATTEST]
    assert wf.order(order.id).status == "in_progress"
    view = close_form(world, DIEGO, order)
    assert not fake.view_errors.get(view)
    closed = wf.order(order.id)
    assert (closed.status, closed.attested_by) == ("closed", DIEGO)
    assert f"Work attested by <@{DIEGO}>" in json.dumps(card(world, order)["blocks"])
    assert ":clipboard: Self-checks" not in buttons(card(world, order))  # closed: what it was closed with

    # the PDF the customer gets (and the office's): the answers, who, when; the photo by name; the attestation
    assert fake.slash_command(LAYLA, "/so", f"copy {order.number}").status == 200
    world.settle()
    text = pdf_text(world, f"{order.number}-r1-customer.pdf")
    assert "Self-checks" in text and "Safety (4 of 5 answered, required)" in text
    assert "Pressure (bar) 2.5 Diego" in text and "Photos: meter <1>.jpg" in text
    assert "Remarks Not done" in text
    assert "Work attested by Diego" in text and "I confirm the work was carried out as recorded" in text
    # revision 1 as uploaded on approval: the checklists to do, nothing answered, no attestation
    first = pdf_text(world, f"{order.number}-r1.pdf")
    assert "Safety (0 of 5 answered, required)" in first and "attested" not in first


def test_a_final_confirmation_needs_the_attestation_and_the_self_checks(world):
    fake, wf = world.fake, world.runtime.workflow
    order = in_progress(world)
    click(world, DIEGO, order, ids.OPEN_CONFIRMATION)
    view = opened_view(world)
    fake.fill(view, ids.CONFIRMATION_FINAL, ids.CONFIRMATION_FINAL, ["final"])
    assert fake.submit(DIEGO, view).status == 200
    assert "I confirm the work was carried out" in fake.view_errors[view][ids.CONFIRMATION_FINAL]
    fake.fill(view, ids.CONFIRMATION_FINAL, ids.CONFIRMATION_FINAL, ["final", "attest"])
    assert fake.submit(DIEGO, view).status == 200
    assert "Self-checks not done: Safety (4 of 5 items" in fake.view_errors[view][ids.CONFIRMATION_FINAL]
    assert wf.order(order.id).status == "in_progress" and wf.order(order.id).current_revision == 1


COMPANY = """
forms:
  new_order:
    - key: order_type
      label: Order type
      type: select
      options: [repair, maintenance]
checklists:
  - name: Safety
    required: true
    for: all
    items:
      - {label: Power off, kind: checkbox}
      - {label: Photo of meter, kind: photo}
  - name: Filters
    for: {order_type: maintenance}
    items:
      - {label: Filter changed, kind: checkbox}
print:
  self_checks: false
"""


def test_the_company_file_section_and_a_later_edit_that_changes_no_attached_checklist(tmp_path):
    path = tmp_path / "company.yml"
    path.write_text(COMPANY, encoding="utf-8")
    config = load_company(str(path))
    assert [t.name for t in config.checklists] == ["Safety", "Filters"]
    assert config.checklists[1].field == "order_type" and config.checklists[1].values == ("maintenance",)
    assert config.print.self_checks is False
    with world_with(tmp_path, config) as world:
        wf = world.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        order = submit_order(world)  # the form's order type: its default, none → Safety only
        click(world, OGECHI, order, ids.APPROVE)
        assert [x.name for x in wf.order(order.id).checklists] == ["Safety"]
        # print.self_checks: false — the PDF leaves them out
        assert "Self-checks" not in pdf_text(world, f"{order.number}-r1.pdf")

        path.write_text(COMPANY.replace("Photo of meter", "Photo of the valve"), encoding="utf-8")
        edited = load_company(str(path))
        wf.policy = dataclasses.replace(wf.policy, checklists=edited.checklists)
        click(world, OGECHI, order, ids.OPEN_SELF_CHECKS)
        labels = [b["label"]["text"] for b in world.fake.views[opened_view(world)]["blocks"] if "label" in b]
        assert labels == ["Power off", "Photo of meter"]  # the copy attached on approval
        later = submit_order(world, title="Another")
        click(world, OGECHI, later, ids.APPROVE)
        assert [i.label for i in wf.order(later.id).checklists[0].items] == [
            "Power off",
            "Photo of the valve",
        ]


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ("checklists: {name: x}", "checklists: expected a list of checklists"),
        (
            "checklists:\n  - name: A\n    items: []",
            "checklists[0] (A): items: a checklist needs at least one item",
        ),
        (
            "checklists:\n  - name: A\n    items:\n      - {label: B, kind: signature}",
            "checklists[0] (A): items[0]: kind: expected one of checkbox, text, number, photo, "
            "not 'signature'",
        ),
        (
            "checklists:\n  - name: A\n    for: {colour: red}\n    items:\n      - {label: B, kind: text}",
            "for: 'colour' is not a field of forms.new_order",
        ),
        (
            "checklists:\n  - name: A\n    requird: true\n    items:\n      - {label: B, kind: text}",
            "unknown setting 'requird' — did you mean 'required'?",
        ),
        (
            "checklists:\n  - {name: A, items: [{label: B, kind: text}]}\n"
            "  - {name: a, items: [{label: B, kind: text}]}",
            "name: 'a' is already a checklist's name",
        ),
        ("print:\n  self_checks: maybe", "print: self_checks: expected true or false"),
    ],
)
def test_company_file_mistakes_are_one_clear_line(tmp_path, section, says):
    path = tmp_path / "company.yml"
    path.write_text(section + "\n", encoding="utf-8")
    with pytest.raises(CompanyFileError) as error:
        load_company(str(path))
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(path)) and says in message, message


def test_an_order_type_checklist_with_a_select_checks_its_values(tmp_path):
    path = tmp_path / "company.yml"
    path.write_text(COMPANY.replace("{order_type: maintenance}", "{order_type: [maintenance, cleaning]}"))
    with pytest.raises(CompanyFileError) as error:
        load_company(str(path))
    assert "for: order_type: 'cleaning' is not one of its options (repair, maintenance)" in str(error.value)
    assert PrintSettings().self_checks is True  # printed unless the file says otherwise
