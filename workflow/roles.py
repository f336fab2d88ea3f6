"""Who holds which role: grants by hand, grants through a Slack user group, and their history.

A role is held once per person (role_grants is unique on user and role) and says where it came
from: "manual" (an admin, the CLI, SO_ADMINS) or "group" (the role's Slack user group, synced). A
sync adds and removes only group grants: a grant by hand outlives the person leaving the group.
Every grant and revoke writes a RoleChange in the same transaction, so the history cannot miss one.
A revoke (by hand, by a sync, by untying) also takes away, in that transaction, what the role gave:
the orders it made the person a supervisor of, and their seats in those channels
(workflow.orders.leave_orders). What a person takes part in otherwise (as requester, as field worker)
stays theirs: a requester who is no longer a coordinator still sees and follows their own orders,
and can no longer submit.

Several processes may sync the same group at the same moment: grants are inserted with ON CONFLICT
DO NOTHING and removed with DELETE … RETURNING, and a change is recorded only for the rows this
transaction actually inserted or deleted — two syncs never record the same grant twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.db import reader, transaction
from storage.models import RoleChange, RoleGrant, RoleGroup
from workflow.checks import require
from workflow.errors import Refused
from workflow.orders import leave_orders
from workflow.policy import Policy
from workflow.queries import roles_of
from workflow.rules import ROLE_TEXT, Power, Role

MANUAL = "manual"
GROUP = "group"
GRANTED = "granted"
REVOKED = "revoked"
GROUP_SYNC = "group-sync"  # the actor of changes a user group's membership made
CONFIGURED = "SO_ADMINS"  # the actor of the admins the configuration names
HISTORY_MAX = 200
# Whoever may edit a user group (in many workspaces: anyone) would decide who is admin.
ADMIN_GROUP_REFUSED = (
    "The admin role cannot follow a Slack user group: whoever can edit the group would make "
    "themselves admin. Admins are granted one by one: `/so role @user admin`."
)


@dataclass(frozen=True)
class GrantView:
    user_id: str
    role: str
    source: str  # manual | group
    granted_by: str
    granted_at: datetime


@dataclass(frozen=True)
class ChangeView:
    at: datetime
    actor_id: str
    user_id: str
    role: str
    change: str  # granted | revoked
    source: str  # manual | group
    note: str


@dataclass(frozen=True)
class GroupView:
    role: str
    usergroup_id: str
    handle: str  # without the @
    set_by: str
    set_at: datetime
    synced_at: datetime | None


@dataclass(frozen=True)
class SyncResult:
    """What one sync (or untie) of a role changed."""

    role: str
    handle: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    tied: bool = True  # False: the role was not (or no longer) tied to that group; nothing done

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def role_name(role: str) -> str:
    """The role's value ("supervisor"), or Refused naming the roles there are."""
    try:
        return Role(role.strip().lower()).value
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise Refused("invalid", f"Unknown role '{role[:40]}'. Roles: {names}.") from None


class RoleBook:
    """The role commands and reads of one database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], policy: Policy) -> None:
        self.engine = engine
        self.reader = reader(engine)
        self.clock = clock
        self.policy = policy
        self.configured_admins: frozenset[str] = frozenset()  # SO_ADMINS: kept whatever happens

    def roles_of(self, user_id: str) -> frozenset[str]:
        with Session(self.reader) as s:
            return roles_of(s, user_id)

    # ---------------------------------------------------------------- reads
    def holders(self) -> list[GrantView]:
        """Every grant, by role then user."""
        with Session(self.reader) as s:
            rows = s.exec(select(RoleGrant).order_by(col(RoleGrant.role), col(RoleGrant.user_id))).all()
            return [GrantView(g.user_id, g.role, g.source, g.granted_by, g.granted_at) for g in rows]

    def pairs(self) -> list[tuple[str, str]]:
        """(user id, role) pairs, sorted."""
        return sorted((g.user_id, g.role) for g in self.holders())

    def history(self, user_id: str | None = None, limit: int = 10) -> list[ChangeView]:
        """The latest role changes (of one person, or of everyone), newest first."""
        query = select(RoleChange).order_by(col(RoleChange.at).desc(), col(RoleChange.id).desc())
        if user_id:
            query = query.where(RoleChange.user_id == user_id)
        with Session(self.reader) as s:
            rows = s.exec(query.limit(max(1, min(limit, HISTORY_MAX)))).all()
            return [ChangeView(c.at, c.actor_id, c.user_id, c.role, c.change, c.source, c.note) for c in rows]

    def groups(self) -> list[GroupView]:
        """The roles tied to a Slack user group."""
        with Session(self.reader) as s:
            rows = s.exec(select(RoleGroup).order_by(col(RoleGroup.role))).all()
            return [_group_view(g) for g in rows]

    def require_admin(self, actor: str) -> None:
        require(self.roles_of(actor), Power.MANAGE_ROLES)

    # ---------------------------------------------------------------- grants by hand
    def bootstrap_admins(self, user_ids: Iterable[str]) -> None:
        """Make the configured admins admins (idempotent); they are never revoked nor synced away."""
        ids = frozenset(u for u in user_ids if u)
        self.configured_admins |= ids
        for uid in sorted(ids):
            if Role.ADMIN not in self.roles_of(uid):
                self.grant(CONFIGURED, uid, Role.ADMIN, check=False)

    def grant(self, actor: str, user_id: str, role: str, check: bool = True) -> bool:
        """Give user_id role by hand; False when they held it by hand already.

        Someone who holds it through the role's user group now holds it by hand too: leaving the
        group no longer takes it away (recorded as a grant)."""
        role = role_name(role)
        if check:
            self.require_admin(actor)
        now = self.clock()
        with transaction(self.engine) as s:
            current = _grant(s, user_id, role)
            if current is not None:
                if current.source == MANUAL:
                    return False
                current.source, current.granted_by, current.granted_at = MANUAL, actor, now
                _record(s, now, actor, user_id, role, GRANTED, MANUAL, "kept when they leave the group")
                return True
            if not _insert_grant(s, user_id, role, MANUAL, actor, now):
                return False  # granted by someone else at this very moment
            _record(s, now, actor, user_id, role, GRANTED, MANUAL)
            return True

    def revoke(self, actor: str, user_id: str, role: str, check: bool = True) -> bool:
        """Take role from user_id; False when they did not hold it. Refused for a grant through the
        user group (the group decides), for a configured admin, and for the last admin."""
        role = role_name(role)
        if check:
            self.require_admin(actor)
        if role == Role.ADMIN and user_id in self.configured_admins:
            raise Refused(
                "configured",
                f"<@{user_id}> is an admin through the bot's configuration (SO_ADMINS): remove them "
                "there and restart the bot.",
            )
        now = self.clock()
        with transaction(self.engine) as s:
            current = _grant(s, user_id, role)
            if current is None:
                return False
            if current.source == GROUP:
                tie = s.get(RoleGroup, role)
                handle = f"@{tie.handle}" if tie is not None and tie.handle else "its user group"
                raise Refused(
                    "group",
                    f"<@{user_id}> is {ROLE_TEXT[Role(role)]} through {handle}: remove them from the "
                    "group in Slack (the next sync takes the role away), or untie the role.",
                )
            _guard_last_admin(s, role, {user_id})
            if not _delete_grant(s, user_id, role, MANUAL):
                return False
            _record(s, now, actor, user_id, role, REVOKED, MANUAL)
            leave_orders(s, self.policy, [user_id], actor, now)
            return True

    # ---------------------------------------------------------------- user groups
    def check_tie(self, actor: str, role: str) -> str:
        """The role's value, if actor may tie it to a user group (before looking the group up);
        Refused for a non-admin, an unknown role, and the admin role (never through a group)."""
        role = role_name(role)
        self.require_admin(actor)
        if role == Role.ADMIN:
            raise Refused("admin_group", f"{ADMIN_GROUP_REFUSED} Nothing was changed.")
        return role

    def tie(self, actor: str, role: str, usergroup_id: str, handle: str) -> GroupView:
        """Tie role to a Slack user group (replacing its tie to another one); admins only, and never
        the admin role (check_tie). The next sync gives the role to the group's members."""
        role = self.check_tie(actor, role)
        usergroup_id, handle = usergroup_id.strip(), handle.strip().lstrip("@")
        if not usergroup_id or not usergroup_id.isalnum() or len(usergroup_id) > 32:
            raise Refused("invalid", "That is not a Slack user group.")
        now = self.clock()
        with transaction(self.engine) as s:
            tie = s.get(RoleGroup, role, with_for_update=True)
            if tie is None:
                tie = RoleGroup(role=role, usergroup_id=usergroup_id, handle=handle[:100], set_by=actor)
            elif tie.usergroup_id != usergroup_id:
                tie.synced_at = None  # another group's members are not this one's
            tie.usergroup_id, tie.handle, tie.set_by, tie.set_at = usergroup_id, handle[:100], actor, now
            s.add(tie)
            s.flush()
            return _group_view(tie)

    def untie(self, actor: str, role: str) -> SyncResult:
        """Untie role from its user group; those who held it only through the group lose it.
        Refused when that would leave no admin."""
        role = role_name(role)
        self.require_admin(actor)
        now = self.clock()
        with transaction(self.engine) as s:
            tie = s.get(RoleGroup, role, with_for_update=True)
            if tie is None:
                return SyncResult(role, "", tied=False)
            handle = tie.handle
            holders = set(
                s.exec(select(RoleGrant.user_id).where(RoleGrant.role == role, RoleGrant.source == GROUP))
            )
            _guard_last_admin(s, role, holders, through=f"untying it from @{handle}")
            removed = [u for u in sorted(holders) if _delete_grant(s, u, role, GROUP)]
            for uid in removed:
                _record(s, now, actor, uid, role, REVOKED, GROUP, f"@{handle} untied"[:200])
            leave_orders(s, self.policy, removed, actor, now)
            s.delete(tie)
            return SyncResult(role, handle, removed=removed)

    def sync_group(
        self,
        role: str,
        member_ids: Sequence[str],
        actor: str = GROUP_SYNC,
        usergroup_id: str | None = None,
    ) -> SyncResult:
        """Make the group grants of role match the user group's members: members who lack the role
        get it (source "group"), group grants of people no longer members are removed; grants by
        hand are never touched. Idempotent, safe to run in several processes at once.

        usergroup_id: the group the members were read from — when the role has since been tied to
        another group (or untied), nothing is done. Refused when it would remove the last admin."""
        role = role_name(role)
        members = {m for m in member_ids if m}
        now = self.clock()
        with transaction(self.engine) as s:
            tie = s.get(RoleGroup, role, with_for_update=True)  # an untie waits, or is waited for
            if tie is None or (usergroup_id is not None and tie.usergroup_id != usergroup_id):
                return SyncResult(role, tie.handle if tie else "", tied=False)
            if role == Role.ADMIN:  # tied by a version that allowed it: never applied
                raise Refused(
                    "admin_group",
                    f"{ADMIN_GROUP_REFUSED} Untie it with `/so role ungroup admin` (its members who "
                    "hold admin only through it then lose it); nobody was made admin.",
                )
            note = f"@{tie.handle}"[:200] if tie.handle else tie.usergroup_id
            held = {
                g.user_id: g.source for g in s.exec(select(RoleGrant).where(RoleGrant.role == role)).all()
            }
            leaving = {u for u, source in held.items() if source == GROUP and u not in members}
            _guard_last_admin(s, role, leaving, through=f"syncing it with {note} (now without admins)")
            added = [u for u in sorted(members - held.keys()) if _insert_grant(s, u, role, GROUP, actor, now)]
            removed = [u for u in sorted(leaving) if _delete_grant(s, u, role, GROUP)]
            for uid in added:
                _record(s, now, actor, uid, role, GRANTED, GROUP, note)
            for uid in removed:
                _record(s, now, actor, uid, role, REVOKED, GROUP, note)
            leave_orders(s, self.policy, removed, actor, now)
            tie.synced_at = now
            s.add(tie)
            return SyncResult(role, tie.handle, added, removed)


def _group_view(g: RoleGroup) -> GroupView:
    return GroupView(g.role, g.usergroup_id, g.handle, g.set_by, g.set_at, g.synced_at)


def _grant(s: Session, user_id: str, role: str) -> RoleGrant | None:
    return s.exec(select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role)).first()


def _insert_grant(s: Session, user_id: str, role: str, source: str, actor: str, now: datetime) -> bool:
    """Insert the grant unless the person holds the role already (another transaction's insert
    included: it is waited for, then skipped); True when this one inserted it."""
    table = RoleGrant.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values(user_id=user_id, role=role, source=source, granted_by=actor, granted_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "role"])
        .returning(table.c.id)
    )
    return s.execute(stmt).first() is not None


def _delete_grant(s: Session, user_id: str, role: str, source: str) -> bool:
    """Delete the grant if it is still there with that source; True when this transaction did."""
    stmt = (
        delete(RoleGrant)
        .where(
            col(RoleGrant.user_id) == user_id, col(RoleGrant.role) == role, col(RoleGrant.source) == source
        )
        .returning(col(RoleGrant.id))
    )
    return s.execute(stmt).first() is not None


def _record(
    s: Session, at: datetime, actor: str, user_id: str, role: str, change: str, source: str, note: str = ""
) -> None:
    s.add(
        RoleChange(
            at=at, actor_id=actor[:32], user_id=user_id, role=role, change=change, source=source, note=note
        )
    )


def _guard_last_admin(s: Session, role: str, leaving: set[str], through: str = "") -> None:
    """Refuse a change that would leave nobody an admin. The admin grants are locked first
    (PostgreSQL; SQLite writers are serialised already), so two revokes cannot each leave the other."""
    if role != Role.ADMIN or not leaving:
        return
    admins = set(s.exec(select(RoleGrant.user_id).where(RoleGrant.role == role).with_for_update()).all())
    if admins and not admins - leaving:
        how = f" by {through}" if through else ""
        raise Refused(
            "last_admin",
            f"That would leave nobody an admin{how}. Make someone else an admin first. Nothing was changed.",
            who=ROLE_TEXT[Role.ADMIN],
        )
