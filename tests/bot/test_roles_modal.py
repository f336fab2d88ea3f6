"""The Roles modal as Slack checks it: within 100 blocks and 3000 characters however many people
hold a role, a Revoke button only for grants by hand, and the grant inputs parsed without raising."""

from __future__ import annotations

from slack_sdk.models.views import View

from forms import ids
from forms.roles import Holder, RoleSection, parse_grant, read_revoke_value, roles_modal

ROLES = ["admin", "coordinator", "supervisor", "field_worker"]


def validate(view: dict) -> None:
    View(**view).validate_json()  # raises on Slack's limits (blocks, lengths)


def revoke_buttons(view: dict) -> list[str]:
    return [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ids.ROLE_REVOKE
    ]


def test_a_small_company_sees_everyone_with_revoke_for_grants_by_hand():
    sections = [
        RoleSection("admin", [Holder("U0ANA0001", True, "today")]),
        RoleSection("coordinator"),
        RoleSection(
            "supervisor",
            [Holder("U0BO00001", True), Holder("U0CY00001", False)],
            group_handle="supervisors",
            synced="an hour ago",
        ),
        RoleSection("field_worker"),
    ]
    view = roles_modal(sections, ["<@U0ANA0001> made <@U0BO00001> a supervisor"], ROLES, notice="Done.")
    validate(view)
    assert revoke_buttons(view) == ["admin:U0ANA0001", "supervisor:U0BO00001"]
    text = "\n".join(
        b.get("text", {}).get("text", "") or " ".join(e.get("text", "") for e in b.get("elements", []))
        for b in view["blocks"]
    )
    assert "Via @supervisors: <@U0CY00001>" in text and "Tied to @supervisors" in text
    assert "*Coordinator* — nobody" in text and "made <@U0BO00001> a supervisor" in text
    sync = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == ids.ROLE_SYNC]
    assert [b["accessory"]["value"] for b in sync] == ["supervisor"]


def test_hundreds_of_holders_fit_in_one_modal():
    many = [Holder(f"U{n:08d}", n % 3 != 0) for n in range(600)]
    sections = [RoleSection(r, many, group_handle="everyone") for r in ROLES]
    history = [f"change {n} " + "x" * 280 for n in range(10)]
    view = roles_modal(sections, history, ROLES, notice="n" * 5000)
    validate(view)
    assert len(view["blocks"]) <= 100
    assert len(revoke_buttons(view)) >= 50  # the rest summarised
    summaries = [
        e["text"]
        for b in view["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if "more" in e["text"]
    ]
    assert any("/so role revoke @user" in s for s in summaries)
    assert all(len(s) <= 3000 for s in summaries)


def test_grant_inputs_parse_or_name_the_missing_field():
    def submitted(user, role):  # type: ignore[no-untyped-def]
        values = {
            ids.ROLE_GRANT_USER: {ids.ROLE_GRANT_USER: {"type": "users_select", "selected_user": user}},
            ids.ROLE_GRANT_ROLE: {
                ids.ROLE_GRANT_ROLE: {"type": "static_select", "selected_option": role and {"value": role}}
            },
        }
        return {"state": {"values": values}}

    ok = parse_grant(submitted("U0BO00001", "supervisor"), ROLES)
    assert ok.value is not None and (ok.value.user_id, ok.value.role) == ("U0BO00001", "supervisor")
    bad = parse_grant(submitted(None, "boss"), ROLES)
    assert set(bad.errors) == {ids.ROLE_GRANT_USER, ids.ROLE_GRANT_ROLE}
    assert parse_grant({"state": "nonsense"}, ROLES).errors
    assert read_revoke_value("supervisor:U0BO00001") == ("supervisor", "U0BO00001")
    assert read_revoke_value("x") is None and read_revoke_value(None) is None
