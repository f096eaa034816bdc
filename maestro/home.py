"""The App Home board of one person: what is theirs to do, review or decide (pure; no I/O).

The job that publishes the Home tab reads the records and calls :func:`build_home_board`; the
builders in :mod:`maestro.home_cards` render it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, Field

from maestro.escalations import EscalationRecord
from maestro.models import Priority, Task, TaskStatus
from maestro.reports import StatusReport
from maestro.risks import RAG_ORDER, Rag, Risk
from maestro.sprints import Progress, Sprint, SprintDay, sprint_day

_PRIORITY_ORDER = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
_STATUS_ORDER = {
    TaskStatus.BLOCKED: 0,
    TaskStatus.IN_PROGRESS: 1,
    TaskStatus.REVIEW: 2,
    TaskStatus.ASSIGNED: 3,
    TaskStatus.COMPLETED: 4,
}


class SprintSummary(BaseModel):
    """A project's active sprint as the Home tab shows it.

    Attributes:
        today: the project's local date (for "day X of N").
        reading: where the sprint stands (:func:`maestro.sprints.sprint_day`, as the status
            report and the standup read it).
        rag: the sprint's overall RAG (the status report's rule).
    """

    sprint: Sprint
    today: date
    reading: SprintDay
    progress: Progress
    rag: Rag


class HomeBoard(BaseModel):
    """Everything one person's Home tab shows, already sorted.

    Attributes:
        my_tasks: open tasks assigned to the person: blocked first, then by priority and key.
        to_review: tasks waiting for a person's review that the person asked for (a person's or
            an agent's work; nobody approves their own).
        to_decide: open escalations the person may decide, oldest first.
        sprints: active sprints of the person's projects, worst RAG first.
        risks: open risks of the person's projects, their own first, then worst RAG first.

    "The person's projects" are the channels where they have an open task (theirs or one they
    created), a decision waiting, or a risk they own or raised: the Home tab never shows a
    channel's sprint or risks to someone with no part in it (it may be a private channel).
        generated_at: when it was built (UTC).
        viewer_zone: the person's Slack time zone (IANA, from ``users.info``), if known: times
            are shown in it (Slack's date formatting, with a fallback written in it).
    """

    user_id: str
    my_tasks: list[Task] = Field(default_factory=list)
    to_review: list[Task] = Field(default_factory=list)
    to_decide: list[EscalationRecord] = Field(default_factory=list)
    sprints: list[SprintSummary] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    generated_at: datetime
    viewer_zone: str | None = None


def summarize_sprint(report: StatusReport, today: date) -> SprintSummary:
    """Return the Home tab's summary of a project's active sprint from its status report.

    The RAG is the report's OVERALL (same rule, same board, same thresholds as ``/report status``).

    Raises:
        ValueError: the report covers no sprint.
    """
    if report.sprint is None:
        raise ValueError("the report covers no sprint")
    return SprintSummary(
        sprint=report.sprint,
        today=today,
        reading=report.sprint_day or sprint_day(report.sprint, today),
        progress=report.progress,
        rag=report.overall,
    )


def involved_channels(
    user_id: str, open_tasks: Sequence[Task], escalations: Sequence[EscalationRecord], risks: Sequence[Risk]
) -> set[str]:
    """Return the channels where ``user_id`` has a part (the Home tab shows only these).

    A part is an open task of theirs or one they created, a decision waiting for them, or a risk
    they own or raised.
    """
    return (
        {t.channel_id for t in open_tasks if user_id in concerns(t)}
        | {e.channel_id for e in escalations if user_id in e.deciders}
        | {r.channel_id for r in risks if user_id in (r.owner, r.created_by)}
    )


def _task_order(task: Task) -> tuple[int, int, str, int]:
    return (_STATUS_ORDER[task.status], _PRIORITY_ORDER[task.priority], task.channel_id, task.number)


def build_home_board(
    user_id: str,
    *,
    open_tasks: Sequence[Task],
    escalations: Sequence[EscalationRecord],
    sprints: Sequence[SprintSummary],
    risks: Sequence[Risk],
    now: datetime,
    viewer_zone: str | None = None,
) -> HomeBoard:
    """Return the person's :class:`HomeBoard` from the team's open records.

    Args:
        user_id: the Slack user whose Home tab it is (``U…``).
        open_tasks: open tasks of the team's projects.
        escalations: open escalations of the team's projects.
        sprints: the projects' active sprints, summarised.
        risks: open risks of the team's projects.
        now: the build time, aware UTC.
        viewer_zone: the person's time zone (IANA name), if known.
    """
    involved = involved_channels(user_id, open_tasks, escalations, risks)
    mine = [t for t in open_tasks if t.assignee and t.assignee.kind == "user" and t.assignee.id == user_id]
    to_review = [  # a person's or an agent's work that only a person can approve, and they asked for
        t
        for t in open_tasks
        if t.waits_for_person
        and t.created_by == user_id
        and not (t.assignee is not None and t.assignee.kind == "user" and t.assignee.id == user_id)
    ]
    return HomeBoard(
        user_id=user_id,
        my_tasks=sorted(mine, key=_task_order),
        to_review=sorted(to_review, key=_task_order),
        to_decide=sorted((e for e in escalations if user_id in e.deciders), key=lambda e: e.created_at),
        sprints=sorted(
            (s for s in sprints if s.sprint.channel_id in involved),
            key=lambda s: (RAG_ORDER[s.rag], s.sprint.channel_id),
        ),
        risks=sorted(
            (r for r in risks if r.channel_id in involved),
            key=lambda r: (r.owner != user_id, RAG_ORDER[r.rag], r.channel_id, r.number),
        ),
        generated_at=now,
        viewer_zone=viewer_zone,
    )


def concerns(task: Task) -> set[str]:
    """Return the Slack users whose Home tab shows ``task``: its assignee (a person) and its creator."""
    users = {task.created_by} if task.created_by[:1] in ("U", "W") else set()
    if task.assignee and task.assignee.kind == "user":
        users.add(task.assignee.id)
    return users
