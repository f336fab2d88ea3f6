"""Roles: every grant and revoke recorded, user-group syncs that touch only group grants, and the
last admin kept — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from wf_helpers import ADMIN, NOBODY, SUPERVISOR, SUPERVISOR_2, Clock

from storage.db import transaction
from storage.models import RoleGrant, RoleGroup
from workflow.service import Refused, Workflow

ANA, BO, CY = "U0ANA0001", "U0BO00001", "U0CY00001"
GROUP = "S0SUPERVS"


def grants(wf: Workflow, role: str) -> dict[str, str]:
    """user -> source of every grant of role."""
    with wf.engine.connect() as conn:
        rows = conn.execute(text("select user_id, source from role_grants where role = :r"), {"r": role})
        return dict(rows.all())


def changes(wf: Workflow) -> list[tuple[str, str, str, str, str]]:
    """(actor, user, role, change, source) of every recorded change, oldest first."""
    return [(c.actor_id, c.user_id, c.role, c.change, c.source) for c in reversed(wf.role_history(limit=200))]


def test_grant_and_revoke_are_recorded_with_who_and_when(wf: Workflow, clock: Clock):
    before = len(wf.role_history(limit=200))
    clock.advance(60)
    assert wf.grant(ADMIN, NOBODY, "Supervisor")
    assert not wf.grant(ADMIN, NOBODY, "supervisor")  # had it: nothing recorded
    clock.advance(60)
    assert wf.revoke(ADMIN, NOBODY, "supervisor")
    assert not wf.revoke(ADMIN, NOBODY, "supervisor")
    wf.grant("cli", NOBODY, "coordinator", check=False)
    history = wf.role_history(NOBODY)
    assert [(c.actor_id, c.role, c.change, c.source) for c in history] == [
        ("cli", "coordinator", "granted", "manual"),
        ("U_ADMIN", "supervisor", "revoked", "manual"),
        ("U_ADMIN", "supervisor", "granted", "manual"),
    ]
    assert history[1].at == clock.now and history[2].at < history[1].at
    assert len(wf.role_history(limit=200)) == before + 3
    assert len(wf.role_history(limit=2)) == 2


def test_refusals_change_nothing(wf: Workflow):
    before = changes(wf)
    with pytest.raises(Refused) as r:
        wf.grant(SUPERVISOR, NOBODY, "supervisor")
    assert r.value.code == "role" and "Only an admin" in r.value.message
    with pytest.raises(Refused, match="Unknown role 'boss'"):
        wf.grant(ADMIN, NOBODY, "boss")
    assert changes(wf) == before and "supervisor" not in wf.roles_of(NOBODY)


def test_sync_adds_and_removes_only_group_grants(wf: Workflow):
    wf.role_book.tie(ADMIN, "supervisor", GROUP, "@supervisors")
    first = wf.sync_group("supervisor", [ANA, BO, SUPERVISOR])
    # SUPERVISOR held it by hand: they stay a manual grant, and nothing is recorded for them
    assert (first.added, first.removed, first.handle) == ([ANA, BO], [], "supervisors")
    assert grants(wf, "supervisor") == {
        ANA: "group",
        BO: "group",
        SUPERVISOR: "manual",
        SUPERVISOR_2: "manual",
    }
    again = wf.sync_group("supervisor", [ANA, BO, SUPERVISOR])
    assert not again.changed  # idempotent
    left = wf.sync_group("supervisor", [BO])  # Ana and Supervisor left the group
    assert (left.added, left.removed) == ([], [ANA])
    assert grants(wf, "supervisor") == {BO: "group", SUPERVISOR: "manual", SUPERVISOR_2: "manual"}
    history = [(c.actor_id, c.user_id, c.change, c.source, c.note) for c in wf.role_history(limit=3)]
    assert history == [
        ("group-sync", ANA, "revoked", "group", "@supervisors"),
        ("group-sync", BO, "granted", "group", "@supervisors"),
        ("group-sync", ANA, "granted", "group", "@supervisors"),
    ]
    assert [g.synced_at for g in wf.role_book.groups()] == [wf.clock()]


def test_a_manual_grant_outlives_the_group(wf: Workflow):
    wf.role_book.tie(ADMIN, "supervisor", GROUP, "supervisors")
    wf.sync_group("supervisor", [ANA])
    assert wf.grant(ADMIN, ANA, "supervisor")  # now by hand too: recorded
    assert grants(wf, "supervisor")[ANA] == "manual"
    assert not wf.sync_group("supervisor", []).changed
    assert "supervisor" in wf.roles_of(ANA)


def test_a_group_grant_is_not_revoked_by_hand(wf: Workflow):
    wf.role_book.tie(ADMIN, "supervisor", GROUP, "supervisors")
    wf.sync_group("supervisor", [ANA])
    with pytest.raises(Refused, match="through @supervisors") as r:
        wf.revoke(ADMIN, ANA, "supervisor")
    assert r.value.code == "group" and "supervisor" in wf.roles_of(ANA)


def test_a_sync_for_another_group_or_an_untied_role_does_nothing(wf: Workflow):
    assert not wf.sync_group("supervisor", [ANA]).tied  # not tied at all
    wf.role_book.tie(ADMIN, "supervisor", GROUP, "supervisors")
    stale = wf.sync_group("supervisor", [ANA], usergroup_id="S0OTHER")  # tied to another since
    assert not stale.tied and "supervisor" not in wf.roles_of(ANA)


def test_untie_takes_the_role_from_group_members_only(wf: Workflow):
    wf.role_book.tie(ADMIN, "supervisor", GROUP, "supervisors")
    wf.sync_group("supervisor", [ANA, SUPERVISOR])
    with pytest.raises(Refused):
        wf.role_book.untie(SUPERVISOR, "supervisor")  # admins only
    result = wf.role_book.untie(ADMIN, "supervisor")
    assert result.removed == [ANA]
    assert grants(wf, "supervisor") == {SUPERVISOR: "manual", SUPERVISOR_2: "manual"}
    assert wf.role_book.groups() == []


def test_the_last_admin_cannot_be_revoked(wf: Workflow):
    with pytest.raises(Refused, match="nobody an admin") as r:
        wf.revoke(ADMIN, ADMIN, "admin")
    assert r.value.code == "last_admin" and "admin" in wf.roles_of(ADMIN)
    wf.grant(ADMIN, NOBODY, "admin")
    assert wf.revoke(NOBODY, ADMIN, "admin")  # another admin is left


def test_an_admin_group_left_by_an_older_version_is_never_synced_and_keeps_the_last_admin(engine, clock):
    """The admin role is never tied to a user group now (item 15); a tie an older version stored,
    with Bo the only admin through it, is not synced (nobody made admin, nobody removed), and
    untying it may not leave nobody an admin."""
    wf = Workflow(engine, clock=clock)
    with transaction(engine) as s:
        s.add(RoleGroup(role="admin", usergroup_id="S0ADMINS", handle="admins", set_by=ANA))
        s.add(RoleGrant(user_id=BO, role="admin", source="group", granted_by="group-sync"))
    with pytest.raises(Refused) as refused:
        wf.sync_group("admin", [CY], usergroup_id="S0ADMINS")
    assert refused.value.code == "admin_group"
    with pytest.raises(Refused) as refused:
        wf.sync_group("admin", [])
    assert grants(wf, "admin") == {BO: "group"}
    with pytest.raises(Refused, match="nobody an admin"):
        wf.role_book.untie(BO, "admin")
    with pytest.raises(Refused) as refused:
        wf.role_book.tie(BO, "admin", "S0ADMINS", "admins")
    assert refused.value.code == "admin_group"


def test_configured_admins_stay(engine, clock):
    wf = Workflow(engine, clock=clock)
    wf.bootstrap_admins([ANA])
    wf.bootstrap_admins([ANA])  # every start: recorded once
    wf.grant(ANA, BO, "admin")
    with pytest.raises(Refused, match="SO_ADMINS") as r:
        wf.revoke(BO, ANA, "admin")
    assert r.value.code == "configured"
    assert [(c.actor_id, c.user_id, c.change) for c in wf.role_history(ANA)] == [
        ("SO_ADMINS", ANA, "granted")
    ]
    assert grants(wf, "admin") == {ANA: "manual", BO: "manual"}


def test_concurrent_syncs_record_each_change_once(engine, clock):
    """Several processes run the scheduled sync at the same moment: no error, no duplicate grant
    nor duplicate change (two workflows on one database, as two processes would have)."""
    first, second = Workflow(engine, clock=clock), Workflow(engine, clock=clock)
    first.grant("cli", ADMIN, "admin", check=False)
    first.role_book.tie(ADMIN, "supervisor", GROUP, "supervisors")
    members = [f"U0MEMBER{n:02d}" for n in range(30)]
    barrier = threading.Barrier(4)
    results, errors = [], []

    def sync(wf: Workflow, who: list[str]) -> None:
        try:
            barrier.wait()
            results.append(wf.sync_group("supervisor", who))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=sync, args=(w, members)) for w in (first, second, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(u for r in results for u in r.added) == members  # each added by exactly one sync
    assert set(grants(first, "supervisor")) == set(members)
    recorded = [c for c in changes(first) if c[2] == "supervisor"]
    assert len(recorded) == len(members)

    shrink = [threading.Thread(target=sync, args=(w, members[:10])) for w in (first, second, first, second)]
    barrier.reset()
    results.clear()
    for t in shrink:
        t.start()
    for t in shrink:
        t.join(60)
    assert errors == []
    assert sorted(u for r in results for u in r.removed) == members[10:]
    assert len([c for c in changes(first) if c[2] == "supervisor"]) == len(members) + 20
