"""Housekeeping jobs the clock enqueues."""

from __future__ import annotations

from jobs.observe import job_log
from jobs.runtime import get_runtime
from maestro.models import utcnow

CLOCK_HEARTBEAT_KEY = "maestro:clock:heartbeat"
"""Redis key holding the UTC ISO time of the last clock heartbeat a worker ran."""


def record_clock_heartbeat() -> str:
    """Record that the clock fired and a worker ran it; return the time written (UTC ISO 8601)."""
    with job_log("record_clock_heartbeat"):
        now = utcnow().isoformat()
        get_runtime().redis.set(CLOCK_HEARTBEAT_KEY, now)
        return now
