"""The reminder jobs on a clock: an APScheduler 3 BackgroundScheduler beside each effects dispatcher.

Every process that performs effects runs the jobs (workflow.reminders), so there is no leader to
elect nor to lose: the jobs only queue outbox effects, whose unique keys make a second process's run
(or a restarted one's) queue nothing again. What a job queued, the dispatcher performs.
The role sync (bot.roles) reads Slack user groups itself and writes only role grants, which a
second process's run at the same moment finds already made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.config import Settings
from bot.roles import sync_role_groups
from workflow.reminders import JOBS, ReminderSettings
from workflow.service import Workflow
from workflow.working_hours import WorkingCalendar

log = logging.getLogger(__name__)

Job = Callable[[Workflow, datetime, ReminderSettings], int]


def reminder_settings(settings: Settings) -> ReminderSettings:
    """What the jobs need, from the bot's settings."""
    opens, closes = settings.working_hours
    return ReminderSettings(
        calendar=WorkingCalendar(settings.tz, opens, closes, frozenset(settings.working_days)),
        approval_hours=settings.approval_reminder_hours,
        archive_after_days=settings.archive_after_days,
        digest_time=settings.digest_time,
    )


def run_job(job: Job, workflow: Workflow, params: ReminderSettings, wake: Callable[[], None]) -> int:
    """Run job at the workflow's clock; what it queued (0 when it failed: it is logged, and the
    next run tries again — a job never takes the worker down)."""
    try:
        queued = job(workflow, workflow.clock(), params)
    except Exception:
        log.exception("scheduled job %s failed; it runs again at the next tick", job.__name__)
        return 0
    if queued:
        log.info("%s queued %d Slack action(s)", job.__name__, queued)
        wake()
    return queued


def register_jobs(
    scheduler: BackgroundScheduler,
    workflow: Workflow,
    params: ReminderSettings,
    seconds: float,
    wake: Callable[[], None],
) -> None:
    """Every job every `seconds`: a late run is done once (coalesce), never two at a time."""
    for job in JOBS:
        scheduler.add_job(
            run_job,
            IntervalTrigger(seconds=seconds),
            args=(job, workflow, params, wake),
            id=job.__name__,
            name=job.__name__,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(30, int(seconds * 2)),
            replace_existing=True,
        )


def register_role_sync(
    scheduler: BackgroundScheduler, workflow: Workflow, client: WebClient, minutes: float
) -> None:
    """Sync the roles tied to Slack user groups every `minutes` (bot.roles.sync_role_groups). Each
    process runs it: a second run at the same moment finds nothing left to change."""
    scheduler.add_job(
        sync_role_groups,
        IntervalTrigger(minutes=minutes),
        args=(workflow, client),
        id=sync_role_groups.__name__,
        name=sync_role_groups.__name__,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(30, int(minutes * 30)),
        replace_existing=True,
    )


def start_scheduler(
    workflow: Workflow, settings: Settings, wake: Callable[[], None]
) -> BackgroundScheduler | None:
    """The jobs running in a background thread; None when SO_SCHEDULER_SECONDS is 0."""
    if settings.scheduler_seconds <= 0:
        return None
    # One thread: the jobs are short and run one after another (the machine's cores serve the acks).
    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(1)}, timezone="UTC", daemon=True)
    register_jobs(scheduler, workflow, reminder_settings(settings), settings.scheduler_seconds, wake)
    if settings.role_sync_minutes > 0:
        client = WebClient(token=settings.bot_token or None, base_url=settings.slack_api_url, timeout=30)
        register_role_sync(scheduler, workflow, client, settings.role_sync_minutes)
    # Two lines per job per run ("Running job", "executed successfully") are noise; run_job logs what
    # a job queued, and failures.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    scheduler.start()
    log.info("reminder jobs every %gs", settings.scheduler_seconds)
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler | None) -> None:
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)  # a job under way finishes its transaction first
