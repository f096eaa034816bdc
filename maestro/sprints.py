"""Sprints and milestones: their fields and the pure sums reports make of them (no I/O).

Sources: seed 000, "Sprint Tracking Format" (status, start/end, task symbols, milestone gates);
seed 001, "Project Phases and Milestones" (``M1.1 — Shared packages``, with dependencies);
seed 003, "Sprint-Based Coordination (2-Week Cycles)".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from maestro.models import Task, TaskStatus, new_id, utcnow

DEFAULT_SPRINT_DAYS = 14
"""Length of a sprint when ``/sprint start`` gives no ``--days`` (seed 003's two-week cycle)."""

MAX_SPRINT_DAYS = 90
"""Longest sprint accepted, in days."""

MILESTONE_KEY_RE = re.compile(r"^M\d{1,3}(\.\d{1,3})?$")
"""A milestone key: ``M1`` or ``M1.4`` (seed 001)."""


class SprintStatus(StrEnum):
    """A sprint's state (seed 000's ``planning | active | review | completed``, the two Maestro uses)."""

    ACTIVE = "active"
    CLOSED = "closed"


class Sprint(BaseModel):
    """A time box of work in one project (seed 000 "Sprint Tracking", seed 003 two-week cycles).

    Attributes:
        number: 1, 2, … per project, from an atomic counter (what ``Sprint 7`` refers to).
        name: what people call it (``Sprint 7``, ``Checkout``); shown escaped.
        start, end: first and last day, inclusive, as dates in the project's timezone.
        task_keys are not stored here: a task names its sprint (``Task.sprint`` = this ``id``).
        carried_to: on close, where unfinished tasks went: ``"backlog"`` or the next sprint's id.
        carried: on close, the keys of the unfinished tasks that left (``T-4``), in key order; the
            tasks still naming this sprint afterwards are the ones finished in it.
        report_ts, retro_ts: the sprint report and retro thread posted at close.
    """

    id: str = Field(default_factory=new_id)
    team_id: str
    channel_id: str
    number: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=80)
    goal: str = Field(default="", max_length=500)
    start: date
    end: date
    status: SprintStatus = SprintStatus.ACTIVE
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    closed_by: str | None = None
    carried_to: str | None = None
    carried: list[str] = Field(default_factory=list)
    report_ts: str | None = None
    retro_ts: str | None = None
    version: int = 0

    @property
    def days(self) -> int:
        """Length in days, inclusive of both ends."""
        return (self.end - self.start).days + 1

    def day_of(self, today: date) -> int:
        """Return which day of the sprint ``today`` is (1-based; 0 before it starts)."""
        return max(0, min(self.days, (today - self.start).days + 1))

    def days_left(self, today: date) -> int:
        """Return the days after ``today`` up to and including the end (0 on the last day or after)."""
        return max(0, (self.end - today).days)


class SprintDay(BaseModel):
    """Where a sprint stands on the project's date: the one reading standups, reports and Home share.

    Attributes:
        today: the project's local date it was read on.
        start, end: the sprint's first and last day.
        day: which day of the sprint ``today`` is, 1 to ``days`` (0 before it starts); for a
            closed sprint, the day it was closed on.
        days: the sprint's length in days.
        days_left: days after ``today`` up to its end; 0 once closed, on its last day or past it.
        closed_on: the project's local date the sprint was closed, when it is closed.
        past_end: days ``today`` is past the end of a sprint still running (0 otherwise).
    """

    today: date
    start: date
    end: date
    day: int
    days: int
    days_left: int
    closed_on: date | None = None
    past_end: int = 0

    @property
    def text(self) -> str:
        """``day 4 of 14 · 10 days left`` (``last day``); ``closed 2026-06-02, on day 2 of 14``.

        Also ``starts 2026-06-01`` and ``day 14 of 14 · 3 days past its end``. Plain text, our own.
        """
        if self.closed_on is not None:
            return f"closed {self.closed_on.isoformat()}, on day {self.day} of {self.days}"
        if self.day == 0:
            return f"starts {self.start.isoformat()}"
        if self.past_end:
            return f"day {self.days} of {self.days} · {_days(self.past_end)} past its end"
        left = f"{_days(self.days_left)} left" if self.days_left else "last day"
        return f"day {self.day} of {self.days} · {left}"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def sprint_day(sprint: Sprint, today: date, zone: tzinfo = UTC) -> SprintDay:
    """Read where ``sprint`` stands on the project's local date ``today`` (pure).

    The standup, the status report, ``/sprint status`` and the Home tab all call this with the
    project's date *now* (:meth:`~maestro.standup_schedule.StandupSchedule.local_today`), so they
    agree: a sprint started today is on ``day 1`` everywhere, also in a ``/standup`` posted ahead
    of the standup date it collects notes for. A closed sprint has no days left: it reads as the
    day it was closed on.

    Args:
        sprint: the sprint.
        today: the project's local date now.
        zone: the project's timezone, in which the close instant is dated.

    Returns:
        The :class:`SprintDay`.
    """
    reading = SprintDay(
        today=today,
        start=sprint.start,
        end=sprint.end,
        day=sprint.day_of(today),
        days=sprint.days,
        days_left=sprint.days_left(today),
        past_end=max(0, (today - sprint.end).days),
    )
    if sprint.status is SprintStatus.CLOSED:
        closed_on = sprint.closed_at.astimezone(zone).date() if sprint.closed_at else min(today, sprint.end)
        return reading.model_copy(
            update={
                "day": max(1, sprint.day_of(closed_on)),
                "days_left": 0,
                "closed_on": closed_on,
                "past_end": 0,
            }
        )
    return reading


def sprint_dates(start: date, days: int = DEFAULT_SPRINT_DAYS) -> tuple[date, date]:
    """Return ``(start, end)`` of a sprint of ``days`` days starting ``start`` (end inclusive)."""
    return start, start + timedelta(days=days - 1)


class Milestone(BaseModel):
    """A milestone with its gates (seed 001's phase tables; seed 000's "Milestone Gates").

    Attributes:
        key: ``M1.4``; unique in the project.
        title: ``Gateway``; shown as ``M1.4 — Gateway``.
        depends_on: keys of milestones that must be reached first.
        gates: the criteria that say it is reached (``All Phase 1 services pass health checks``).
        gates_met: indexes into ``gates`` that someone marked met.
        due: the target date, if any.
        Tasks name their milestone (``Task.milestone`` = this ``key``).
    """

    key: str
    team_id: str
    channel_id: str
    title: str = Field(min_length=1, max_length=120)
    depends_on: list[str] = Field(default_factory=list)
    gates: list[str] = Field(default_factory=list, max_length=20)
    gates_met: list[int] = Field(default_factory=list)
    due: date | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 0

    @field_validator("key")
    @classmethod
    def _key_shape(cls, value: str) -> str:
        value = value.upper()
        if not MILESTONE_KEY_RE.match(value):
            raise ValueError("a milestone key looks like M1 or M1.4")
        return value

    @property
    def label(self) -> str:
        """``M1.4 — Gateway`` (unescaped; escape before posting)."""
        return f"{self.key} — {self.title}"


class Progress(BaseModel):
    """Counts of a set of tasks by status, and the completion they add up to.

    Attributes:
        percent: completion 0–100: COMPLETED counts 100, IN_PROGRESS its percent, REVIEW 90,
            the rest 0; averaged over the tasks (0 for none).
    """

    total: int = 0
    assigned: int = 0
    in_progress: int = 0
    review: int = 0
    completed: int = 0
    blocked: int = 0
    percent: int = 0


REVIEW_PERCENT = 90
"""How far along a task in REVIEW counts (its work is done, the review is not)."""


def progress_of(tasks: list[Task]) -> Progress:
    """Return the :class:`Progress` of ``tasks`` (pure)."""
    counts = dict.fromkeys(("assigned", "in_progress", "review", "completed", "blocked"), 0)
    points = 0
    for task in tasks:
        counts[task.status.value.lower()] += 1
        if task.status is TaskStatus.COMPLETED:
            points += 100
        elif task.status is TaskStatus.REVIEW:
            points += REVIEW_PERCENT
        elif task.status is TaskStatus.IN_PROGRESS:
            points += task.percent
    percent = round(points / len(tasks)) if tasks else 0
    return Progress(total=len(tasks), percent=percent, **counts)
