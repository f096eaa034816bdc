"""Housekeeping the clock does: its heartbeat (a job it enqueues), and the inbox sweep (in the clock)."""

from __future__ import annotations

import logging
from datetime import datetime

from rq import Queue
from rq.registry import StartedJobRegistry

from jobs import inbox
from jobs.failures import notify_final_failure
from jobs.observe import job_log
from jobs.queues import QUEUE_NAMES
from jobs.runtime import Runtime, get_runtime, set_runtime
from maestro.models import utcnow

logger = logging.getLogger("maestro.clock")

CLOCK_HEARTBEAT_KEY = "maestro:clock:heartbeat"
"""Redis key holding the UTC ISO time of the last clock heartbeat a worker ran."""

SWEEP_LOCK_KEY = "maestro:inbox:sweeping"
"""Held (``SET NX EX``) by the clock that is sweeping, so several clocks sweep one at a time."""

DEFAULT_SWEEP_LOCK = 50
"""Seconds the sweep lock lasts at most (less than the minute between sweeps)."""


def record_clock_heartbeat() -> str:
    """Record that the clock fired and a worker ran it; return the time written (UTC ISO 8601)."""
    with job_log("record_clock_heartbeat"):
        now = utcnow().isoformat()
        get_runtime().redis.set(CLOCK_HEARTBEAT_KEY, now)
        return now


def sweep_inbox(runtime: Runtime, moment: datetime | None = None) -> inbox.Look | None:
    """Hand abandoned jobs back to RQ, then re-enqueue the inbox's lost jobs (run by the clock each minute).

    First RQ's own clean-up of each queue's started registry (a job whose worker died while it ran
    is retried, or failed for good and its requester told), then :func:`jobs.inbox.sweep` with
    ``MAESTRO_INBOX_GRACE``. One clock sweeps at a time (a lock); the others skip.

    Args:
        runtime: the clock's runtime.
        moment: the fire time (unused: the sweep reads the clock itself).

    Returns:
        What the sweep found, or None when another clock is sweeping.
    """
    redis = runtime.redis
    if not redis.set(SWEEP_LOCK_KEY, "1", nx=True, ex=DEFAULT_SWEEP_LOCK):
        return None
    set_runtime(runtime)  # the failure handler tells requesters through this process's runtime
    try:
        for name in QUEUE_NAMES:
            queue = Queue(name, connection=redis)
            StartedJobRegistry(name, connection=redis, serializer=queue.serializer).cleanup(
                exception_handlers=[notify_final_failure]
            )
        found = inbox.sweep(redis, grace=runtime.settings.maestro_inbox_grace)
    finally:
        redis.delete(SWEEP_LOCK_KEY)
    if found.revived or found.lost:
        logger.warning(
            "inbox sweep",
            extra={"revived": len(found.revived), "lost": len(found.lost), "alive": len(found.alive)},
        )
    return found
