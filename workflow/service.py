"""The workflow's front door for the bot: `Workflow` opens the session or the transaction of each call
and hands it to the module that does the work.

    workflow.commands   what a person asks for, as data     workflow.checks    what each command needs
    workflow.orders     what each command changes           workflow.changes   one command's writes
    workflow.queries    the reads, over a given session      workflow.inbox     requests carried out once
    workflow.outbox     the Slack effects and their claims   workflow.roles     who holds which role

Every order command goes through `execute` (one transaction: the check, the change, its effects and,
for a request from the inbox, the mark that it was carried out); `precheck` runs the same checks on
a reader before the ack, so a form shows the refusal the command would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import SchemaOutdated, SchemaTooNew, reader, transaction
from storage.models import Effect, Order, TimeEntry, utcnow
from workflow import changes, checks, inbox, lifecycle, orders, photos, queries, signoff, timesheet
from workflow import commands as c
from workflow import effects as fx
from workflow import export as order_export
from workflow import home as order_home
from workflow import saved_filters as saved
from workflow import search as order_search
from workflow.changes import channel_name
from workflow.errors import AlreadyCarriedOut, Refused
from workflow.masterdata import MasterData
from workflow.outbox import Outbox
from workflow.policy import Policy
from workflow.queries import NOTE_CHARS_ON_PDF, NOTES_ON_PDF
from workflow.roles import GROUP_SYNC, ChangeView, RoleBook, SyncResult
from workflow.rules import Action, Power, has_power
from workflow.snapshots import CommandView, EffectView, OrderView, PhotoView, RevisionView

__all__ = [
    "NOTES_ON_PDF",
    "NOTE_CHARS_ON_PDF",
    "AlreadyCarriedOut",
    "Policy",
    "Refused",
    "SchemaOutdated",
    "SchemaTooNew",
    "Workflow",
    "channel_name",
    "open_workflow",
    "upgrade_database",
]


class Workflow:
    """The workflow of one database (engine), with the company's policy and a clock."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy | None = None,
        clock: Callable[[], datetime] = utcnow,
        inbox: Engine | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader(engine)  # reads: no write lock taken on SQLite
        self.inbox = inbox if inbox is not None else engine  # see storage.db.open_inbox
        self.master = MasterData(self.reader)  # clients, sites, contacts, catalog
        self.outbox = Outbox(engine, clock)  # the Slack effects (workflow.outbox)
        self.role_book = RoleBook(engine, clock, policy or Policy())  # grants, user groups, history
        self.policy = policy or Policy()
        self.clock = clock

    # One clock and one policy for the whole workflow: setting either here sets it for the outbox and
    # the role book too (the demo and the tests move the clock; settings change the policy).
    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self._clock = self.outbox.clock = self.role_book.clock = clock

    @property
    def policy(self) -> Policy:
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._policy = self.role_book.policy = policy

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.reader) as s:
            yield s

    # ---------------------------------------------------------------- order commands
    def execute(
        self, actor: str, cmd: c.Command, *, key: str | None = None, reply: dict | None = None
    ) -> OrderView:
        """Carry cmd out for actor in one transaction; the order as it is now, or Refused.

        key: the request's inbox key, recorded as carried out in that transaction (AlreadyCarriedOut
        when it was before); reply: the answer to queue with it (a REPLY effect naming the order)."""
        now = self.clock()
        with transaction(self.engine) as s:
            done = inbox.mark(s, key, now) if key is not None else None
            if isinstance(cmd, c.Delete):  # the order is gone: the answer names its number
                was = lifecycle.delete(s, self.policy, now, actor, cmd)
                if done is not None:
                    told = {**reply, "deleted": was.number} if reply is not None else None
                    inbox.carried_out(s, done, None, told, now)
                return was
            order = orders.carry_out(s, self.policy, now, actor, cmd)
            if done is not None:
                inbox.carried_out(s, done, order.id, reply, now, order.current_revision)
            return queries.view(s, order)

    def erp_invoiced(self, number: str, invoice_number: str) -> tuple[OrderView, bool]:
        """The accounting system says it invoiced order number (workflow.orders.erp_invoiced)."""
        with transaction(self.engine) as s:
            order, changed = orders.erp_invoiced(s, self.policy, self.clock(), number, invoice_number)
            return queries.view(s, order), changed

    def sign_off(self, order_id: int, number: str, so: signoff.SignOff) -> tuple[OrderView, bool]:
        """The customer signs on the order page (workflow.signoff.sign): the order, and whether it
        was signed by this call (False: signed already)."""
        with transaction(self.engine) as s:
            order, signed = signoff.sign(s, self.policy, self.clock(), order_id, number, so)
            return queries.view(s, order), signed

    def page_order(self, order_id: int, number: str) -> OrderView | None:
        """The order a customer's link names (its id and number both: a number is never used
        again, an id may be after a delete), or None."""
        with self._read() as s:
            order = s.exec(select(Order).where(Order.id == order_id, Order.number == number)).first()
            return queries.view(s, order) if order is not None else None

    def precheck(self, actor: str, cmd: c.Command) -> None:
        """Refused, as execute would refuse cmd now (with .field or .line for a form); reads only."""
        with self._read() as s:
            checks.check(s, self.policy, actor, cmd)

    def check(self, order_id: int, actor: str, action: Action) -> OrderView:
        """The order, if actor may do action on it now (before opening a modal); else Refused."""
        with self._read() as s:
            return queries.view(s, checks.open_order(s, self.policy, order_id, actor, action, lock=False))

    def check_catalog_prices(self, actor: str, lines: Sequence[Any], order_id: int | None = None) -> None:
        """Refused (with the line's index) if actor may not use these prices; order_id: a
        confirmation's order, whose current prices are kept. Nothing looked up without a catalog line."""
        if not any(getattr(x, "catalog_item_id", None) is not None for x in lines):
            return
        with self._read() as s:
            order = s.get(Order, order_id) if order_id is not None else None
            kept = queries.lines_of(s, order.id, order.current_revision) if order else []
            checks.catalog_prices(s, self.policy, actor, lines, kept)

    # The calls before commands were data: each is one command (forms' drafts are read as commands').
    def submit(self, actor: str, draft: Any) -> OrderView:
        return self.execute(actor, c.Submit(c.order_draft(draft)))

    def approve(self, order_id: int, actor: str) -> OrderView:
        return self.execute(actor, c.Approve(order_id))

    def reject(self, order_id: int, actor: str, reason: str) -> OrderView:
        return self.execute(actor, c.Reject(order_id, reason))

    def add_field_workers(self, order_id: int, actor: str, user_ids: Sequence[str]) -> OrderView:
        return self.execute(actor, c.AddFieldWorkers(order_id, tuple(user_ids)))

    def confirm(
        self,
        order_id: int,
        actor: str,
        base_revision: int,
        lines: Sequence[Any],
        note: str = "",
        final: bool = False,
        custom: Sequence[Any] = (),
        attested: bool = False,
    ) -> OrderView:
        lines_ = c.line_drafts(lines)
        cmd = c.Confirm(
            order_id, base_revision, lines_, note, final, c.custom_dicts(custom), attested=attested
        )
        return self.execute(actor, cmd)

    def close(
        self,
        order_id: int,
        actor: str,
        outcome: str,
        reason: str = "",
        custom: Sequence[Any] = (),
        attested: bool = False,
    ) -> OrderView:
        """attested: the person ticked "I confirm the work was carried out as recorded" (needed to
        close as completed)."""
        return self.execute(actor, c.Close(order_id, outcome, reason, c.custom_dicts(custom), attested))

    def cancel(self, order_id: int, actor: str, reason: str) -> OrderView:
        return self.execute(actor, c.Cancel(order_id, reason))

    def customer_copy(self, order_id: int, actor: str) -> tuple[OrderView, bool]:
        """(the order, whether its customer copy was queued now); False when that revision's copy
        was asked for before."""
        try:
            return self.execute(actor, c.CustomerCopy(order_id)), True
        except Refused as refused:
            if refused.code != "duplicate":
                raise
            return self.order(order_id), False

    def record_message(
        self,
        event_id: str,
        channel_id: str,
        user_id: str,
        ts: str,
        text: str,
        files: Sequence[str] = (),
        reaction: str = "white_check_mark",
        photos: Sequence[tuple[str, str]] = (),
    ) -> OrderView | None:
        """Record a thread reply or a shared file in an order's channel as a note or photo (the NOTE
        command); photos: the (file id, name) of the images among files, fetched once and printed.
        None when the channel is no order's, its author takes no part in the order (the NOTE rule:
        nothing recorded, no reaction), or the event was recorded already."""
        shared = tuple(c.SharedFile(file_id, name) for file_id, name in photos)
        try:
            return self.execute(
                user_id, c.Note(channel_id, event_id, ts, text, tuple(files), reaction, shared)
            )
        except (Refused, AlreadyCarriedOut):
            return None

    # Photos (workflow.photos): recorded by a note or a form, fetched by the bot once
    def record_photos(self, order_id: int, user_id: str, files: Sequence[Any], source: str) -> int:
        """Record a form's files ({"id", "name"}, as a file_input gives them) as photos of the order
        by user_id, who must be one who may add notes to it (else Refused); how many were new.
        A command that takes photos records them in its own transaction (photos.record_photos)."""
        with transaction(self.engine) as s:
            order = checks.open_order(s, self.policy, order_id, user_id, Action.NOTE, lock=True)
            added = photos.record_photos(s, order, user_id, files, source, self.clock())
            return added

    def photos_of(self, order_id: int) -> list[PhotoView]:
        """The order's photos, oldest first (without their bytes)."""
        with self._read() as s:
            return photos.of_order(s, order_id)

    def photo(self, photo_id: int) -> PhotoView | None:
        with self._read() as s:
            found = photos.views(s, [photo_id], with_thumbs=False)
            return found[0] if found else None

    def photo_fetched(self, photo_id: int, data: bytes, thumb: bytes, width: int, height: int) -> bool:
        """Keep what was fetched of a pending photo; False when it was settled before."""
        with transaction(self.engine) as s:
            return photos.fetched(s, photo_id, data, thumb, width, height, self.clock())

    def photo_unavailable(self, photo_id: int, reason: str) -> bool:
        """A pending photo Slack will not give, or no image: listed by name; False when settled before."""
        with transaction(self.engine) as s:
            return photos.unavailable(s, photo_id, reason, self.clock())

    # What Slack did for an order (the performers record it)
    def record_channel(self, order_id: int, channel_id: str, name: str) -> None:
        with transaction(self.engine) as s:
            changes.record_channel(s, order_id, channel_id, name)

    def record_card(self, order_id: int, ts: str) -> None:
        with transaction(self.engine) as s:
            changes.record_card(s, order_id, ts)

    def record_pdf(self, order_id: int, number: int, file_id: str, sha256: str) -> None:
        with transaction(self.engine) as s:
            changes.record_pdf(s, order_id, number, file_id, sha256, self.clock())

    # ---------------------------------------------------------------- the inbox (workflow.inbox)
    def enqueue(
        self, kind: str, user_id: str, payload: dict, reply: dict | None = None, key: str | None = None
    ) -> str:
        """Store a command for the worker; its key (see workflow.inbox.enqueue)."""
        return inbox.enqueue(self.inbox, self.clock(), kind, user_id, payload, reply, key)

    def has_pending_commands(self) -> bool:
        return inbox.has_pending(self.inbox)

    def claimed_commands(self, limit: int = 20) -> Any:
        """The oldest commands, removed from the inbox when the with-block ends without error."""
        return inbox.claimed(self.inbox, limit)

    def carried_out_before(self, key: str | None) -> bool:
        """Whether the request with key (an inbox key) was carried out already."""
        return key is not None and inbox.outcome(self.engine, key) == "done"

    def refuse_command(self, command: CommandView, refused: Refused, reply: dict | None = None) -> bool:
        """Record that command was refused and queue the answer saying why; False if it had been
        carried out or refused before."""
        return inbox.refuse(self.engine, command.key, refused, reply, self.clock())

    def answer_again(self, command: CommandView, reply: dict) -> bool:
        """Queue again the answer command got when carried out; False when there is none to give."""
        return inbox.answer_again(self.engine, command.key, reply, self.clock())

    # ---------------------------------------------------------------- reads (workflow.queries)
    def order(self, order_id: int) -> OrderView:
        with self._read() as s:
            return queries.order(s, order_id)

    def invoice_orders(self, ready_only: bool = False, since: datetime | None = None) -> list[OrderView]:
        """Orders whose invoice data went out (workflow.queries.invoice_orders)."""
        with self._read() as s:
            return queries.invoice_orders(s, ready_only, since)

    def find(self, ref: str) -> OrderView | None:
        """An order by 'SO-0042', 'so-42', '42' or '*42'."""
        with self._read() as s:
            return queries.find(s, ref)

    def family(self, order_id: int) -> tuple[str | None, list[tuple[str, Any, str | None]]]:
        """(the order a backorder continues; the order's backorders: number, status, channel)."""
        with self._read() as s:
            return queries.family(s, order_id)

    def find_by_channel(self, channel_id: str) -> OrderView | None:
        with self._read() as s:
            return queries.find_by_channel(s, channel_id)

    def list_for(self, user_id: str, limit: int = 20) -> tuple[list[OrderView], list[OrderView]]:
        """(my open orders, orders waiting for my approval)."""
        with self._read() as s:
            return queries.list_for(s, user_id, self.policy.allow_self_approval, limit)

    def revision(self, order_id: int, number: int) -> RevisionView:
        with self._read() as s:
            return queries.revision(s, order_id, number)

    def confirmation_lines(self, order: OrderView) -> timesheet.TimeLines:
        """The lines a confirmation of order opens with: its current lines with the time recorded
        since (workflow.timesheet.with_time)."""
        with self._read() as s:
            return timesheet.with_time(s, self.policy, order.id, order.lines)

    def time_entries(self, order_id: int) -> list[timesheet.EntryView]:
        with self._read() as s:
            return timesheet.entry_views(s, order_id)

    def time_entry(self, entry_id: int) -> timesheet.EntryView | None:
        with self._read() as s:
            return next(
                (e for e in timesheet.entry_views(s, self._entry_order(s, entry_id)) if e.id == entry_id),
                None,
            )

    @staticmethod
    def _entry_order(s: Session, entry_id: int) -> int:
        entry = s.get(TimeEntry, entry_id)
        return entry.order_id if entry is not None else 0

    def running_timer(self, user_id: str) -> tuple[timesheet.EntryView, str] | None:
        """user_id's running timer and its order's number."""
        with self._read() as s:
            return timesheet.running_view(s, user_id)

    def roles_of(self, user_id: str) -> frozenset[str]:
        with self._read() as s:
            return queries.roles_of(s, user_id)

    def may(self, user_id: str, power: Power) -> bool:
        """Whether user_id holds power now (workflow.rules.POWERS): the one admin check."""
        return has_power(power, self.roles_of(user_id))

    def search(
        self,
        filters: order_search.Filters,
        viewer: str,
        after: int | None = None,
        before: int | None = None,
        limit: int = 10,
    ) -> order_search.Page:
        """A page of the orders viewer may see that match filters, newest first (workflow.search)."""
        with self._read() as s:  # one read transaction: roles, then the page
            roles = queries.roles_of(s, viewer)
            return order_search.search_in(
                s,
                filters,
                viewer,
                roles,
                after=after,
                before=before,
                limit=limit,
                allow_self_approval=self.policy.allow_self_approval,
            )

    def may_see(self, order: OrderView, viewer: str) -> bool:
        """Whether viewer may see order (the rule the search applies)."""
        return order_search.may_see(order, viewer, self.roles_of(viewer))

    def export_orders(
        self, filters: order_search.Filters, viewer: str | None
    ) -> Iterator[order_export.ExportOrder]:
        """The matching orders with their lines, streamed oldest first (viewer None: every order)."""
        roles = self.roles_of(viewer) if viewer is not None else frozenset()
        return order_export.export_orders(
            self.reader,
            filters,
            viewer,
            roles,
            allow_self_approval=self.policy.allow_self_approval,
            vat_rate=self.policy.vat_rate,
            vat_exemption=self.policy.vat_exemption,
        )

    def queue_invoice_files(self, user: str, order: OrderView, request: str) -> bool:
        """Queue the order's invoice files for user's DM (once per request: a retried command is the
        same); False when it was queued before."""
        assert order.invoice_revision is not None
        payload = {
            "user": user,
            "order_id": order.id,
            "order": order.number,
            "revision": order.invoice_revision,
        }
        try:
            with transaction(self.engine) as s:
                s.add(
                    Effect(
                        key=f"invoice-files:{order.number}:{request}"[:200],
                        order_id=None,
                        kind=fx.INVOICE_FILES,
                        payload=payload,
                        created_at=self.clock(),
                    )
                )
                s.flush()
        except IntegrityError:
            return False
        return True

    def queue_export(self, user: str, filter_text: str) -> str | None:
        """Queue a CSV export of the orders filter_text selects, sent to user's DM; the effect's key,
        or None when an export of theirs is still queued or under way (one per person at a time).

        The key names the person's previous export (export:U123:after:41, 41 its row's id): two
        asked for at the same moment compute the same key, and the second insert conflicts."""
        prefix = f"export:{user}:"
        try:
            with transaction(self.engine) as s:
                theirs = s.exec(
                    select(Effect.id, Effect.status).where(
                        Effect.kind == fx.EXPORT_CSV, col(Effect.key).startswith(prefix, autoescape=True)
                    )
                ).all()
                if any(status == "pending" for _, status in theirs):
                    return None
                key = f"{prefix}after:{max((i for i, _ in theirs), default=0)}"
                payload = {"user": user, "filters": filter_text}
                s.add(
                    Effect(
                        key=key, order_id=None, kind=fx.EXPORT_CSV, payload=payload, created_at=self.clock()
                    )
                )
                s.flush()
        except IntegrityError:
            return None
        return key

    # ---------------------------------------------------------------- the App Home, saved filters
    def home(
        self,
        user_id: str,
        now: datetime | None = None,
        *,
        today: date | None = None,
        pending_limit_hours: float = order_home.PENDING_LIMIT_HOURS,
        stale_days: float = order_home.STALE_DAYS,
        calendar: order_home.WorkingCalendar | None = None,
    ) -> order_home.HomeView:
        """What user_id's Home tab shows at now (workflow.home); today is the company's date."""
        return order_home.home(
            self.reader,
            user_id,
            self.roles_of(user_id),
            now or self.clock(),
            today=today,
            allow_self_approval=self.policy.allow_self_approval,
            pending_limit_hours=pending_limit_hours,
            stale_days=stale_days,
            calendar=calendar,
        )

    def home_opened(self, user_id: str) -> None:
        """user_id opened the Home tab: queue its publish (and refreshes from now on)."""
        with transaction(self.engine) as s:
            order_home.queue_opened(s, user_id, self.clock(), self.policy.home_refresh_seconds)

    def saved_filters(self, user_id: str) -> list[saved.SavedFilterView]:
        with self._read() as s:
            return saved.saved_filters(s, user_id)

    def saved_filter(self, user_id: str, name: str) -> saved.SavedFilterView | None:
        with self._read() as s:
            return saved.saved_filter(s, user_id, name)

    def save_filter(self, user_id: str, name: str, text: str) -> bool:
        """Save (or replace) user_id's filter called name; True when it replaced one (Refused when
        the name or text cannot be saved, see workflow.saved_filters.save)."""
        if (why := saved.problem(name, text)) is not None:
            raise Refused("invalid", why)  # before taking the write lock
        with transaction(self.engine) as s:
            return saved.save(s, user_id, name, text, self.clock(), self.policy.home_refresh_seconds)

    def delete_filter(self, user_id: str, name: str) -> bool:
        with transaction(self.engine) as s:
            return saved.delete_filter(s, user_id, name, self.clock(), self.policy.home_refresh_seconds)

    # ---------------------------------------------------------------- roles (workflow.roles)
    def bootstrap_admins(self, user_ids: Iterable[str]) -> None:
        """Make the configured admins admins (idempotent); no sync nor revoke removes them."""
        self.role_book.bootstrap_admins(user_ids)

    def grant(self, actor: str, user_id: str, role: str, check: bool = True) -> bool:
        """Give user_id role by hand (recorded with actor); False when they had it already."""
        return self.role_book.grant(actor, user_id, role, check)

    def revoke(self, actor: str, user_id: str, role: str, check: bool = True) -> bool:
        """Take role from user_id (recorded with actor); False when they did not have it."""
        return self.role_book.revoke(actor, user_id, role, check)

    def role_list(self) -> list[tuple[str, str]]:
        return self.role_book.pairs()

    def role_history(self, user_id: str | None = None, limit: int = 10) -> list[ChangeView]:
        return self.role_book.history(user_id, limit)

    def sync_group(
        self, role: str, member_ids: Sequence[str], actor: str = GROUP_SYNC, usergroup_id: str | None = None
    ) -> SyncResult:
        """Give role to the user group's members and take it from those who left (grants by hand stay)."""
        return self.role_book.sync_group(role, member_ids, actor, usergroup_id)

    # ---------------------------------------------------------------- the outbox
    # The dispatcher uses self.outbox (workflow.outbox: claims, leases, retries, rate-limit windows).
    def effects(self, status: str | None = None) -> list[EffectView]:
        return self.outbox.effects(status)


def open_workflow(database_url: str, policy: Policy | None = None, auto_upgrade: bool = False) -> Workflow:
    """A Workflow over database_url, creating the schema on first use.

    A database made by an older version raises storage.db.SchemaOutdated unless auto_upgrade."""
    from storage.db import create_schema, make_engine, open_inbox

    engine = make_engine(database_url)
    try:
        create_schema(engine, auto_upgrade=auto_upgrade)
        inbox_engine = open_inbox(engine)
    except Exception:
        engine.dispose()
        raise
    return Workflow(engine, policy, inbox=inbox_engine)


def upgrade_database(database_url: str) -> tuple[str | None, str]:
    """Run the migrations up to the newest; (revision before, revision after)."""
    from storage.db import current_revision, head_revision, make_engine, upgrade

    engine = make_engine(database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        return before, head_revision()
    finally:
        engine.dispose()
