"""The clock's schedule: which trigger enqueues which job. Wiring only; the jobs live elsewhere.

Triggers are cron triggers in UTC, so every clock process computes the same fire times (an
``IntervalTrigger`` counts from each process's start, and two clocks would disagree on them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from jobs.escalations import check_escalations
from jobs.github import reconcile_github
from jobs.housekeeping import record_clock_heartbeat, sweep_inbox
from jobs.queues import LOW
from jobs.standup_clock import tick


@dataclass(frozen=True)
class Schedule:
    """One scheduled job.

    Attributes:
        id: stable id (APScheduler job id and the fire lock's name).
        trigger: when it fires (APScheduler trigger, timezone-aware).
        job: the RQ job function enqueued at each fire; with ``in_clock``, a function
            ``job(runtime, now)`` the clock runs itself.
        queue: the RQ queue.
        period: seconds between fires, the granularity of the exactly-once lock.
        in_clock: run ``job`` in every clock process instead of enqueueing it (it takes its own
            claims): the projects' tick.
    """

    id: str
    trigger: BaseTrigger
    job: Callable[..., Any]
    queue: str
    period: int
    in_clock: bool = False


def schedules() -> list[Schedule]:
    """Return every schedule the clock runs."""
    return [
        Schedule(
            id="clock-heartbeat",
            trigger=CronTrigger(minute="*", timezone="UTC"),
            job=record_clock_heartbeat,
            queue=LOW,
            period=60,
        ),
        Schedule(
            id="escalation-checks",
            trigger=CronTrigger(minute="*/5", timezone="UTC"),
            job=check_escalations,
            queue=LOW,
            period=300,
        ),
        Schedule(
            id="github-reconcile",
            trigger=CronTrigger(minute="*/10", timezone="UTC"),
            job=reconcile_github,
            queue=LOW,
            period=600,
        ),
        Schedule(
            id="inbox-sweep",
            trigger=CronTrigger(minute="*", second=30, timezone="UTC"),
            job=sweep_inbox,
            queue=LOW,
            period=60,
            in_clock=True,
        ),
        Schedule(
            id="project-clock",
            trigger=CronTrigger(minute="*", timezone="UTC"),
            job=tick,
            queue=LOW,
            period=60,
            in_clock=True,
        ),
    ]
