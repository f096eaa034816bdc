"""Reading what the TPM's reports need from Redis, then computing them (compute → render → post).

:func:`read_project` reads a project's board, sprint, milestones and open risks in a fixed number
of round trips whatever the board's size (the board with :meth:`TaskStore.list_tasks`; everything
else is filtered in memory). :func:`read_status_report` adds the escalations and computes seed
001's RAG status report. The jobs in :mod:`jobs.reports` post what these return; the benchmark
``bench/tpm_reports.py`` times them with 100, 1,000 and 10,000 tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from redis import Redis

from maestro.escalations import EscalationStore
from maestro.models import Task, utcnow
from maestro.reports import ReportReason, StatusReport, build_status_report
from maestro.risk_store import RiskStore
from maestro.risks import Risk
from maestro.sprint_store import SprintStore
from maestro.sprints import Milestone, Sprint
from maestro.standup_schedule import load_schedule
from maestro.store import TaskStore


@dataclass
class ProjectSnapshot:
    """What the reports read of a project.

    Attributes:
        tasks: the whole board, in key order.
        sprint: the sprint asked for, else the active one, else None.
        milestones: the project's milestones, in key order.
        risks: the project's open risks, worst first (every report shows the RED ones).
        now: the read's instant, in the project's timezone.
        today: the project's local date at ``now``.
    """

    tasks: list[Task]
    sprint: Sprint | None
    milestones: list[Milestone]
    now: datetime
    today: date
    risks: list[Risk] = field(default_factory=list)


def read_project(
    redis: Redis, team_id: str, channel_id: str, *, sprint_id: str | None = None, now: datetime | None = None
) -> ProjectSnapshot:
    """Read a project's board, sprint, milestones and open risks (about eight round trips, whatever its size).

    Args:
        redis: the connection.
        team_id: the Slack team.
        channel_id: the project.
        sprint_id: the sprint to report on; None for the active one.
        now: the instant (aware, UTC or any zone); the current time when omitted.
    """
    tasks = TaskStore(redis, team_id).list_tasks(channel_id)
    sprints = SprintStore(redis, team_id)
    sprint = sprints.get(channel_id, sprint_id) if sprint_id else sprints.current(channel_id)
    local_now = (now or utcnow()).astimezone(load_schedule(redis, team_id, channel_id).zone)
    return ProjectSnapshot(
        tasks=tasks,
        sprint=sprint,
        milestones=sprints.milestones(channel_id),
        now=local_now,
        today=local_now.date(),
        risks=RiskStore(redis, team_id).list(channel_id, open_only=True),
    )


def read_status_report(
    redis: Redis,
    team_id: str,
    channel_id: str,
    *,
    reason: ReportReason = "request",
    project: ProjectSnapshot | None = None,
    now: datetime | None = None,
) -> StatusReport:
    """Read what seed 001's RAG status report needs and compute it (a fixed number of round trips).

    Args:
        redis: the connection.
        team_id: the Slack team.
        channel_id: the project.
        reason: ``request``, ``weekly`` or ``sprint-end`` (the title says which).
        project: an already read snapshot (its sprint is the one reported); read now when omitted.
        now: the instant, when ``project`` is omitted.

    Returns:
        The report, ready for :func:`maestro.report_cards.build_status_report_messages`.
    """
    project = project or read_project(redis, team_id, channel_id, now=now)
    escalations = EscalationStore(redis, team_id)
    return build_status_report(
        tasks=project.tasks,
        sprint=project.sprint,
        milestones=project.milestones,
        risks=project.risks,
        escalations=escalations.open_escalations(channel_id),
        now=project.now,
        today=project.today,
        blocked_days=escalations.thresholds(channel_id)[0],
        reason=reason,
    )
