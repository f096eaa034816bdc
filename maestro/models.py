"""The records Maestro keeps in Redis, as pydantic models (``design.md``, "Data").

Every record belongs to one Slack team (workspace); a Slack channel is a project. Times are
timezone-aware UTC datetimes.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from maestro.text import escape

AGENT_ROLES: tuple[str, ...] = (
    "master",
    "tpm",
    "backend-architect",
    "database-architect",
    "backend",
    "frontend",
    "devops",
    "qa",
    "security",
    "code-reviewer",
    "error-detective",
    "search-specialist",
    "context-manager",
)
"""The agent role ids a task can be assigned to (seed 004's roster and seed 000's team)."""


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a new random id (uuid4, 32 hex digits)."""
    return uuid.uuid4().hex


def actor_label(actor: str) -> str:
    """Return mrkdwn naming who did something: ``<@U123>``, ``backend (agent)`` or ``system``."""
    if actor[:1] in ("U", "W") and actor[1:].isalnum():
        return f"<@{actor}>"
    if actor.startswith("agent:"):
        return f"{escape(actor.removeprefix('agent:'))} (agent)"
    return escape(actor)


class Priority(StrEnum):
    """Task priority, seed 000's ``critical|high|medium|low``."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class TaskStatus(StrEnum):
    """Task status, seed 000's sprint tracking states."""

    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    REVIEW = "REVIEW"
    COMPLETED = "COMPLETED"
    BLOCKED = "BLOCKED"


OPEN_STATUSES = frozenset(
    {TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.REVIEW, TaskStatus.BLOCKED}
)
"""Statuses of a task that is not finished."""


class Assignee(BaseModel):
    """Who works a task: an agent role (``kind="agent"``, ``id`` a role id) or a Slack user (``U…``)."""

    kind: Literal["agent", "user"]
    id: str

    @model_validator(mode="after")
    def _valid_id(self) -> Assignee:
        # The id goes into mrkdwn (``<@id>``); a model-filled id must not be able to ping anyone.
        if self.kind == "user" and not re.fullmatch(r"[UW][A-Z0-9]{1,20}", self.id):
            raise ValueError(f"not a Slack user id: {self.id!r}")
        if self.kind == "agent" and not re.fullmatch(r"[a-z][a-z0-9-]{1,39}", self.id):
            raise ValueError(f"not an agent id: {self.id!r}")
        return self

    def label(self) -> str:
        """Return mrkdwn naming the assignee: ``<@U123>`` or ``backend (agent)``."""
        return f"<@{self.id}>" if self.kind == "user" else f"{escape(self.id)} (agent)"


class Project(BaseModel):
    """A Slack channel that Maestro runs a board in."""

    team_id: str
    channel_id: str
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = None


FindingStatus = Literal["met", "not_met", "not_checkable"]
"""A reviewer's finding on one acceptance criterion."""


class CriterionFinding(BaseModel):
    """A reviewer's finding on one acceptance criterion of a task.

    Attributes:
        criterion: the criterion's text, as on the task.
        status: ``met``, ``not_met`` or ``not_checkable`` (the deliverable can't show it, e.g.
            "tests pass" for a design document).
        reason: one line: the evidence quoted from the deliverable, or what is missing.
    """

    criterion: str = Field(min_length=1, max_length=500)
    status: FindingStatus
    reason: str = Field(default="", max_length=300)


EvidenceKind = Literal["approval", "review", "pull_request"]
"""What may complete a task (design.md, "Completion evidence")."""


class CompletionEvidence(BaseModel):
    """What made a task COMPLETED, and who or what (design.md, "Completion evidence").

    Attributes:
        kind: ``approval`` (a person's Done on their task, or a person's approval of an agent's
            work), ``review`` (a model-backed reviewer that checked each acceptance criterion) or
            ``pull_request`` (a linked pull request merged).
        by: a Slack user id, or ``agent:<role>`` for a review.
        by_name: the reviewer's display name (``Code Reviewer``), for a review.
        model: the Claude model that reviewed, for a review.
        criteria_met, criteria_total: the reviewer's count of criteria found met, of all.
        reference: the pull request (``#45``) or other reference, when there is one.
        at: when (aware UTC).
    """

    kind: EvidenceKind
    by: str
    by_name: str = ""
    model: str | None = None
    criteria_met: int = Field(default=0, ge=0)
    criteria_total: int = Field(default=0, ge=0)
    reference: str | None = None
    at: datetime = Field(default_factory=utcnow)


TaskKind = Literal["document", "code"]
"""What a task delivers: a ``document`` (design, API contract, investigation, test plan, threat
model, post-mortem, runbook, review) or ``code`` (implementation, migration, deploy)."""

ReviewBy = Literal["person", "agent"]
"""Who a task in REVIEW waits for: a person (approve or request changes) or a model-backed reviewer."""


class Task(BaseModel):
    """A unit of work on a project's board (seed 000's Task Assignment).

    Attributes:
        id: uuid hex, stable for the task's life.
        key: human key, ``T-<n>`` per project, from an atomic counter.
        percent: 0–100, meaningful while IN_PROGRESS.
        blocked_reason, blocked_since, blocked_from: set while BLOCKED; ``blocked_from`` is the
            status ``unblock`` returns to.
        depends_on: keys of tasks in the same project this one waits for.
        message_ts: ``ts`` of the task's card.
        thread_ts: the thread the card was posted in (a plan's thread), or None when the card is
            a channel message and its own thread is the task's thread.
        plan_id: the plan that created the task, if any.
        review_rejections: how often its deliverable was rejected in review.
        review_by: while in REVIEW, who the review waits for; ``person`` when no model can
            review (the offline brain drafted the work, or the reviewer is disabled).
        criteria_findings: the last review's finding per acceptance criterion (a card ticks a
            criterion only when a reviewer found it met).
        completion: what made the task COMPLETED (None while open).
        kind: what the task delivers, a ``document`` or ``code`` (None: not said; a person's
            task created by hand).
        version: incremented on every change (optimistic concurrency and audit order).
    """

    id: str = Field(default_factory=new_id)
    key: str
    team_id: str
    channel_id: str
    title: str
    description: str = ""
    assignee: Assignee | None = None
    priority: Priority = Priority.MEDIUM
    status: TaskStatus = TaskStatus.ASSIGNED
    percent: int = Field(default=0, ge=0, le=100)
    blocked_reason: str | None = None
    blocked_since: datetime | None = None
    blocked_from: TaskStatus | None = None
    depends_on: list[str] = Field(default_factory=list)
    acceptance_criteria: list[str] = Field(default_factory=list)
    expected_outputs: list[str] = Field(default_factory=list)
    milestone: str | None = None
    sprint: str | None = None
    due: date | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    plan_id: str | None = None
    review_rejections: int = Field(default=0, ge=0)
    review_by: ReviewBy | None = None
    criteria_findings: list[CriterionFinding] = Field(default_factory=list)
    completion: CompletionEvidence | None = None
    kind: TaskKind | None = None
    estimate_days: int | None = Field(default=None, ge=1, le=365)
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    version: int = 0

    @property
    def number(self) -> int:
        """The numeric part of the key (``T-12`` → 12)."""
        return int(self.key.split("-", 1)[1])

    @property
    def thread_root(self) -> str | None:
        """The ``ts`` of the thread where the task's conversation happens (plan thread or its card)."""
        return self.thread_ts or self.message_ts

    @property
    def waits_for_person(self) -> bool:
        """True when the task is in REVIEW and only a person's approval can move it on."""
        if self.status is not TaskStatus.REVIEW:
            return False
        return self.review_by == "person" or self.assignee is None or self.assignee.kind == "user"

    @property
    def is_open(self) -> bool:
        """True until the task is COMPLETED."""
        return self.status in OPEN_STATUSES


class AuditEvent(BaseModel):
    """One state change: what changed, who caused it, from which Slack request or job.

    Attributes:
        actor: a Slack user id, ``agent:<role>`` or ``system``.
        action: the verb (``created``, ``started``, ``progress``, ``review``, ``done``, ``blocked``,
            ``unblocked``, ``assigned``, ``card_posted``).
        source: the request or job that caused it (dedupe key, job id).
        detail: action-specific values (``percent``, ``reason``, ``assignee`` …).
    """

    id: str = Field(default_factory=new_id)
    team_id: str
    channel_id: str
    task_id: str
    task_key: str
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str
    from_status: TaskStatus | None = None
    to_status: TaskStatus | None = None
    source: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
