"""The clock's schedule: which trigger enqueues which job. Wiring only; the jobs live elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.escalations import check_escalations
from jobs.housekeeping import record_clock_heartbeat
from jobs.queues import LOW


@dataclass(frozen=True)
class Schedule:
    """One scheduled job.

    Attributes:
        id: stable id (APScheduler job id and the fire lock's name).
        trigger: when it fires (APScheduler trigger, timezone-aware).
        job: the RQ job function enqueued at each fire.
        queue: the RQ queue.
        period: seconds between fires, the granularity of the exactly-once lock.
    """

    id: str
    trigger: BaseTrigger
    job: Callable[..., Any]
    queue: str
    period: int


def schedules() -> list[Schedule]:
    """Return every schedule the clock runs."""
    return [
        Schedule(
            id="clock-heartbeat",
            trigger=IntervalTrigger(seconds=60),
            job=record_clock_heartbeat,
            queue=LOW,
            period=60,
        ),
        Schedule(
            id="escalation-checks",
            trigger=IntervalTrigger(minutes=5),
            job=check_escalations,
            queue=LOW,
            period=300,
        ),
    ]
