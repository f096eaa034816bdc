"""Escalation triggers, as pure functions over a project's tasks (seed 001's escalation triggers).

- a task BLOCKED longer than the project's threshold (default 2 days) → escalate; after twice
  that, again, as critical;
- a dependency on a task that does not exist;
- a due date that the current plan will miss by more than 3 days.

(A task rejected 3 times in review is escalated by the review job itself, at once.) Each finding
has a ``source`` that names the fact it is about, so the same fact is escalated once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from maestro.models import Priority, Task, TaskStatus
from maestro.plans import CycleError, topological_layers

DEFAULT_BLOCKED_DAYS = 2
"""Days a task may stay BLOCKED before it is escalated."""

DEFAULT_SLIP_DAYS = 3
"""Days a due date may be missed by on the current plan before it is escalated."""

DEFAULT_ESTIMATE_DAYS = 2
"""Days of work assumed for a task without an estimate."""


@dataclass(frozen=True)
class Finding:
    """A fact that needs a human: what to say, what it blocks, how urgent, and its dedupe source."""

    source: str
    issue: str
    stage: str
    blocking: tuple[str, ...]
    priority: Priority


def blocked_too_long(
    tasks: Sequence[Task], now: datetime, threshold_days: float = DEFAULT_BLOCKED_DAYS
) -> list[Finding]:
    """Tasks BLOCKED longer than the threshold (high), and longer than twice it (critical)."""
    findings = []
    for task in tasks:
        if task.status is not TaskStatus.BLOCKED or task.blocked_since is None:
            continue
        age = now - task.blocked_since
        since = int(task.blocked_since.timestamp())
        reason = task.blocked_reason or ""
        for level, priority in ((2, Priority.CRITICAL), (1, Priority.HIGH)):
            if age >= timedelta(days=threshold_days * level):
                days = age.total_seconds() / 86400
                findings.append(
                    Finding(
                        source=f"blocked-{task.id}-{since}-{level}",
                        issue=f"{task.key} has been blocked for {days:.1f} days: {reason}",
                        stage="BLOCKED",
                        blocking=(task.key,),
                        priority=priority,
                    )
                )
                break
    return findings


def missing_dependencies(tasks: Sequence[Task]) -> list[Finding]:
    """Open tasks that wait for a key that is not a task of the project."""
    known = {t.key for t in tasks}
    return [
        Finding(
            source=f"missing-dep-{task.id}-{dep}",
            issue=f"{task.key} waits for {dep}, which is not a task in this channel.",
            stage="PLANNING",
            blocking=(task.key,),
            priority=Priority.HIGH,
        )
        for task in tasks
        if task.is_open
        for dep in task.depends_on
        if dep not in known
    ]


def projected_finish(tasks: Sequence[Task], today: datetime) -> dict[str, datetime]:
    """When each task will be done on the current plan: after its dependencies, with its remaining work.

    Remaining work is the estimate (default :data:`DEFAULT_ESTIMATE_DAYS`) times the share not done
    (``percent``); a completed task finished when it did (or today). Calendar days.
    """
    by_key = {t.key: t for t in tasks}
    try:
        order = [k for layer in topological_layers({t.key: t.depends_on for t in tasks}) for k in layer]
    except CycleError:
        order = list(by_key)
    finish: dict[str, datetime] = {}
    for key in order:
        task = by_key[key]
        if not task.is_open:
            finish[key] = min(task.completed_at or today, today)
            continue
        start = max([today, *(finish[d] for d in task.depends_on if d in finish)])
        remaining = (task.estimate_days or DEFAULT_ESTIMATE_DAYS) * (100 - task.percent) / 100
        finish[key] = start + timedelta(days=math.ceil(remaining))
    return finish


def due_date_slips(tasks: Sequence[Task], now: datetime, slip_days: int = DEFAULT_SLIP_DAYS) -> list[Finding]:
    """Open tasks whose due date the current plan misses by more than ``slip_days``."""
    finish = projected_finish(tasks, now)
    findings = []
    for task in tasks:
        if not task.is_open or task.due is None or task.key not in finish:
            continue
        late = (finish[task.key].date() - task.due).days
        if late > slip_days:
            findings.append(
                Finding(
                    source=f"due-{task.id}-{task.due.isoformat()}",
                    issue=f"{task.key} is due {task.due.isoformat()} but the plan finishes it about "
                    f"{finish[task.key].date().isoformat()}, {late} days late.",
                    stage="SCHEDULE",
                    blocking=(task.key,),
                    priority=Priority.HIGH,
                )
            )
    return findings


def findings_for(
    tasks: Sequence[Task], now: datetime, *, blocked_days: float = DEFAULT_BLOCKED_DAYS
) -> list[Finding]:
    """Every trigger's findings for one project's tasks."""
    return [
        *blocked_too_long(tasks, now, blocked_days),
        *missing_dependencies(tasks),
        *due_date_slips(tasks, now),
    ]


def working_hours_between(start: datetime, end: datetime) -> float:
    """Hours between two aware UTC datetimes that fall on weekdays (Monday–Friday, UTC)."""
    if end <= start:
        return 0.0
    hours = 0.0
    cursor = start
    while cursor < end:
        step = min(end, (cursor + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0))
        if cursor.weekday() < 5:
            hours += (step - cursor).total_seconds() / 3600
        cursor = step
    return hours
