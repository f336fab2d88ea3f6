"""The worker: the dispatcher (inbox commands, then outbox effects) in a process of its own.

`service-orders serve` starts one beside the HTTP server (unless --worker thread or none), so that
the work after the ack — storing orders, rendering PDFs, calling Slack — never competes with the
acks for the HTTP process's interpreter lock. The HTTP process wakes it through a shared event
after each commit; it also looks by itself every few seconds. `service-orders work` runs one alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from datetime import timedelta
from typing import Protocol

from slack_sdk import WebClient

from bot.config import Settings
from bot.effects import Dispatcher
from forms.custom import FORMS
from workflow.policy import InvoiceRules
from workflow.service import Policy, Workflow, open_workflow

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# The worker's work can wait a moment; an ack cannot (Slack gives up after 3 s). On a busy machine
# the HTTP process gets the CPU first: the worker runs at a lower priority and catches up when the
# burst is over (a nice value of 10 weighs about a tenth of the default under contention).
WORKER_NICENESS = 10


def open_settings_workflow(settings: Settings) -> Workflow:
    return open_workflow(
        settings.database_url,
        Policy(
            allow_self_approval=settings.allow_self_approval,
            private_channels=settings.private_channels,
            home_refresh_seconds=settings.home_refresh_seconds,
            lock_catalog_prices=settings.catalog_prices_locked,
            vat_rate=settings.vat_rate,
            vat_exemption=settings.vat_exemption,
            invoicing=invoice_rules(settings),
            labour_item=settings.company.labour_item,
            articles_email=settings.company.articles_email,
            timezone=settings.timezone,
            email_enabled=settings.smtp is not None,
            email_on_approval=settings.smtp is not None and settings.company.email.on_approval,
            email_on_close=settings.smtp is not None and settings.company.email.on_close,
            customer_sees_prices=settings.company.email.customer_sees_prices,
            checklists=settings.company.checklists,
        ),
        auto_upgrade=settings.auto_upgrade,
    )


def invoice_rules(settings: Settings) -> InvoiceRules:
    """The company file's rules for Ready for invoicing, as the workflow applies them."""
    company = settings.company
    inv = company.invoicing
    labels = {(form, f.key): f.label for form in FORMS for f in company.fields(form)}
    required = tuple(
        (form, key, label) for (form, key), label in labels.items() if key in inv.required_fields
    )
    return InvoiceRules(
        require_note=inv.require_note,
        required_fields=required,
        seller_missing=inv.missing(settings.company_name),
        send_to_erp=bool(settings.erp_webhook_url),
    )


def effects_client(settings: Settings) -> WebClient:
    # The dispatcher retries by itself, after looking for what a lost answer may have done: the
    # SDK's own retry of a dropped connection would post a second message.
    return WebClient(
        token=settings.bot_token or None, base_url=settings.slack_api_url, timeout=30, retry_handlers=[]
    )


def wait_until_idle(workflow: Workflow, timeout: float) -> bool:
    """True once the inbox is empty and no effect is pending, postponed ones included."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        later = workflow.clock() + timedelta(days=1)
        if not workflow.has_pending_commands() and not workflow.outbox.pending_effects(now=later):
            return True
        time.sleep(0.05)
    return False


class Worker(Protocol):
    """What performs the work after the ack: a Dispatcher thread here, or a WorkerProcess."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wake(self) -> None: ...
    def wait_idle(self, timeout: float = 30.0) -> bool: ...


class NoWorker:
    """--worker none: a `service-orders work` process elsewhere does the work (it looks every
    two seconds)."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def wake(self) -> None:
        pass

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return wait_until_idle(self.workflow, timeout)


class WorkerProcess:
    """The dispatcher in a child process; wake() from any thread of the parent."""

    def __init__(self, settings: Settings, workflow: Workflow) -> None:
        ctx = multiprocessing.get_context("spawn")  # no forked copies of engines or threads
        self.settings = settings
        self.workflow = workflow  # the parent's, for wait_idle
        self.event = ctx.Event()
        self.process = ctx.Process(
            target=_child_main, args=(settings, self.event, os.getpid()), name="service-orders-worker"
        )

    def start(self) -> None:
        if not self.process.is_alive() and self.process.exitcode is None:
            self.process.start()

    def wake(self) -> None:
        self.event.set()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        self.wake()
        return wait_until_idle(self.workflow, timeout)

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.pid is None:
            return
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: the child finishes the effect under way and stops
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the parent dies, so a crashed server leaves no worker behind (its
    successor's worker would otherwise run beside it)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _child_main(settings: Settings, event, parent_pid: int) -> None:  # type: ignore[no-untyped-def]
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        return
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s")
    for noisy in ("fontTools", "slack_bolt", "alembic"):  # font subsetting, request bodies, migrations
        logging.getLogger(noisy).setLevel(logging.WARNING)
    run_worker(settings, event)


def run_worker(settings: Settings, event=None) -> int:  # type: ignore[no-untyped-def]
    """Run the dispatcher in this process until SIGTERM or SIGINT; 0."""
    workflow = open_settings_workflow(settings)
    dispatcher = Dispatcher(workflow, effects_client(settings), settings, wake_event=event)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    dispatcher.start()
    log.info("worker %s performing commands and effects", dispatcher.worker)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        dispatcher.stop()
        workflow.engine.dispose()
    return 0
