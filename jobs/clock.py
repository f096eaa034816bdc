"""``maestro clock``: APScheduler fires the schedules; each fire only enqueues an RQ job.

Several clock processes may run: each fire takes a Redis lock named by schedule and *scheduled*
fire time (``SET NX``), so exactly one of them enqueues it. APScheduler 3 doesn't tell a job its
scheduled time, so :class:`FireTimeExecutor` hands it over (``scheduled=``); called without one,
:func:`fire` derives it from the trigger. The projects' clock (standups, prompts, weekly reviews,
sprint ends) runs in the clock process itself, each minute, and takes its own claims
(:mod:`jobs.standup_clock`).
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.queues import enqueue, job_id_for
from jobs.runtime import Runtime
from jobs.schedules import Schedule, schedules
from jobs.standup_clock import MANUAL_WATERMARK_KEY, WATERMARK_KEY, tick
from maestro import metrics

logger = logging.getLogger("maestro.clock")

DEFAULT_MISFIRE_GRACE = 300
"""Seconds after its time a fire may still happen (after a restart); later, it is skipped and logged."""


def scheduled_slot(schedule: Schedule, moment: datetime) -> datetime:
    """Return the schedule's latest fire time at or before ``moment``, from its trigger.

    For a fire whose scheduled time is unknown (called by hand): its triggers fire once every
    ``period`` seconds, aligned to the clock (cron), so this is the same instant in every process.
    """
    after = moment - timedelta(seconds=schedule.period) + timedelta(microseconds=1)
    found = schedule.trigger.get_next_fire_time(None, after)
    if found is None or found > moment:
        return datetime.fromtimestamp(moment.timestamp() // schedule.period * schedule.period, UTC)
    return found.astimezone(UTC)


def fire(
    runtime: Runtime, schedule: Schedule, now: float | None = None, *, scheduled: datetime | None = None
) -> bool:
    """Enqueue ``schedule``'s job unless another clock already did for this scheduled fire time.

    Args:
        runtime: the clock's runtime.
        schedule: what fires.
        now: seconds since the epoch (tests pass a fixed time); the current time when None.
        scheduled: the fire time APScheduler scheduled (see :class:`FireTimeExecutor`); derived
            from the trigger when None.

    Returns:
        True when this call enqueued the job (or ran the in-clock tick).
    """
    moment = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    if schedule.in_clock:
        result = schedule.job(runtime, moment)  # takes its own claims, per project and fire
        for outcome in ("enqueued", "missed", "taken", "failed"):
            metrics.SCHEDULED.labels(schedule.id, outcome).inc(len(getattr(result, outcome, ())))
        return True
    slot = int((scheduled or scheduled_slot(schedule, moment)).timestamp())
    lock = f"maestro:clock:fired:{schedule.id}:{slot}"
    if not runtime.redis.set(lock, "1", nx=True, ex=max(schedule.period * 2, 3600)):
        metrics.SCHEDULED.labels(schedule.id, "taken").inc()
        return False
    enqueue(
        runtime.redis, schedule.job, queue=schedule.queue, job_id=job_id_for("clock", schedule.id, str(slot))
    )
    metrics.SCHEDULED.labels(schedule.id, "enqueued").inc()
    logger.info("fired %s", schedule.id, extra={"queue": schedule.queue})
    return True


class _StampedJob:
    """An APScheduler job seen through a proxy whose function also receives its scheduled time."""

    def __init__(self, job: Any, run_time: datetime):
        self._job = job
        self.func = functools.partial(job.func, scheduled=run_time)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class FireTimeExecutor(ThreadPoolExecutor):
    """A thread pool executor that passes each run its scheduled fire time as ``scheduled=``.

    Every job of the clock coalesces, so a submission carries one run time (the latest).
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        super()._do_submit_job(_StampedJob(job, run_times[-1]), run_times[-1:])


def build_scheduler(runtime: Runtime) -> BlockingScheduler:
    """Return a scheduler (UTC) with every schedule of :func:`jobs.schedules.schedules`."""
    scheduler = BlockingScheduler(timezone="UTC", executors={"default": FireTimeExecutor(max_workers=4)})
    for schedule in schedules():
        scheduler.add_job(
            fire,
            schedule.trigger,
            args=(runtime, schedule),
            id=schedule.id,
            replace_existing=True,
            misfire_grace_time=DEFAULT_MISFIRE_GRACE,
            coalesce=True,
            max_instances=1,
        )
    return scheduler


def run_clock(runtime: Runtime, *, once: bool = False, now: datetime | None = None) -> None:
    """Run the clock until stopped; with ``once``, run one projects' tick and return.

    Args:
        runtime: the clock's runtime.
        once: run one tick of the projects' clock instead of the scheduler.
        now: with ``once``, the tick's made-up time (tests, demos). Such a tick keeps its own
            watermark (:data:`~jobs.standup_clock.MANUAL_WATERMARK_KEY`), so a time in the future
            doesn't make the real clocks skip what falls due before it; the claims are shared, so
            what it enqueued isn't enqueued again.
    """
    if once:
        result = tick(runtime, now, watermark_key=MANUAL_WATERMARK_KEY if now else WATERMARK_KEY)
        logger.info(
            "clock tick",
            extra={
                "enqueued": len(result.enqueued),
                "missed": len(result.missed),
                "failed": len(result.failed),
                "outcome": "once",
            },
        )
        return
    scheduler = build_scheduler(runtime)
    logger.info("clock started with %d schedules", len(scheduler.get_jobs()))
    scheduler.start()
