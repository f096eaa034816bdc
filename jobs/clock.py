"""``maestro clock``: APScheduler fires the schedules; each fire only enqueues an RQ job.

Several clock processes may run: each fire takes a Redis lock named by schedule and fire time
(``SET NX``), so exactly one of them enqueues it.
"""

from __future__ import annotations

import logging
import time

from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.queues import enqueue, job_id_for
from jobs.runtime import Runtime
from jobs.schedules import Schedule, schedules

logger = logging.getLogger("maestro.clock")

DEFAULT_MISFIRE_GRACE = 300
"""Seconds after its time a fire may still happen (after a restart); later, it is skipped and logged."""


def fire(runtime: Runtime, schedule: Schedule, now: float | None = None) -> bool:
    """Enqueue ``schedule``'s job unless another clock already did for this fire time.

    Args:
        runtime: the clock's runtime.
        schedule: what fires.
        now: seconds since the epoch (tests pass a fixed time).

    Returns:
        True when this call enqueued the job.
    """
    slot = int((now if now is not None else time.time()) // schedule.period)
    lock = f"maestro:clock:fired:{schedule.id}:{slot}"
    if not runtime.redis.set(lock, "1", nx=True, ex=max(schedule.period * 2, 3600)):
        return False
    enqueue(
        runtime.redis, schedule.job, queue=schedule.queue, job_id=job_id_for("clock", schedule.id, str(slot))
    )
    logger.info("fired %s", schedule.id, extra={"queue": schedule.queue})
    return True


def build_scheduler(runtime: Runtime) -> BlockingScheduler:
    """Return a scheduler (UTC) with every schedule of :func:`jobs.schedules.schedules`."""
    scheduler = BlockingScheduler(timezone="UTC")
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


def run_clock(runtime: Runtime) -> None:
    """Run the clock until stopped."""
    scheduler = build_scheduler(runtime)
    logger.info("clock started with %d schedules", len(scheduler.get_jobs()))
    scheduler.start()
