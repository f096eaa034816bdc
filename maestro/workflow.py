"""The task status machine, as pure functions (no I/O).

ASSIGNED → IN_PROGRESS (percent) → REVIEW → COMPLETED, with BLOCKED (reason, since) from any open
status and back to the status it was blocked from (seed 000's sprint tracking states).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from maestro.errors import UserError
from maestro.models import Assignee, AuditEvent, Task, TaskStatus, actor_label
from maestro.text import escape

Action = Literal["start", "progress", "review", "done", "block", "unblock", "assign", "reject"]
"""A change a person, a button or an agent can ask of a task."""

ACTIONS: tuple[Action, ...] = ("start", "progress", "review", "done", "reject", "block", "unblock", "assign")

MAX_REASON_LENGTH = 500
"""Longest accepted block reason, in characters."""

STATUS_LABELS: dict[TaskStatus, str] = {
    TaskStatus.ASSIGNED: "Assigned",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.REVIEW: "In review",
    TaskStatus.COMPLETED: "Completed",
    TaskStatus.BLOCKED: "Blocked",
}
"""How each status reads in Slack."""

# Which action takes a task from a status to which status. ``unblock`` and ``assign`` are
# resolved in ``allowed_actions``/``apply_action``: they depend on the task, not only its status.
TRANSITIONS: dict[TaskStatus, dict[Action, TaskStatus]] = {
    TaskStatus.ASSIGNED: {
        "start": TaskStatus.IN_PROGRESS,
        "progress": TaskStatus.IN_PROGRESS,
        "block": TaskStatus.BLOCKED,
    },
    TaskStatus.IN_PROGRESS: {
        "progress": TaskStatus.IN_PROGRESS,
        "review": TaskStatus.REVIEW,
        "done": TaskStatus.COMPLETED,
        "block": TaskStatus.BLOCKED,
    },
    TaskStatus.REVIEW: {
        "start": TaskStatus.IN_PROGRESS,
        "done": TaskStatus.COMPLETED,
        "reject": TaskStatus.IN_PROGRESS,
        "block": TaskStatus.BLOCKED,
    },
    TaskStatus.BLOCKED: {},
    TaskStatus.COMPLETED: {},
}

_USAGE: dict[Action, str] = {
    "start": "/task start {key}",
    "progress": "/task progress {key} 60",
    "review": "/task review {key}",
    "done": "/task done {key}",
    "reject": "/task reject {key} REASON",
    "block": "/task block {key} REASON",
    "unblock": "/task unblock {key}",
    "assign": "/task assign {key} @person",
}

_PAST: dict[Action, str] = {
    "start": "started",
    "progress": "given progress",
    "review": "sent to review",
    "done": "marked done",
    "reject": "sent back from review",
    "block": "blocked",
    "unblock": "unblocked",
    "assign": "reassigned",
}


def allowed_actions(task: Task) -> list[Action]:
    """Return the actions the task's current status allows, in :data:`ACTIONS` order."""
    allowed: set[Action] = set(TRANSITIONS[task.status])
    if task.status is TaskStatus.BLOCKED:
        allowed.add("unblock")
    if task.is_open:
        allowed.add("assign")
    return [action for action in ACTIONS if action in allowed]


def refusal(task: Task, action: Action) -> str:
    """Return the message for an action the task's status does not allow, naming the allowed ones."""
    label = STATUS_LABELS[task.status]
    allowed = allowed_actions(task)
    if not allowed:
        options = "nothing more: it's finished"
    else:
        options = ", ".join(f"`{_USAGE[a].format(key=task.key)}`" for a in allowed)
    return f"{task.key} is *{label}*, so it can't be {_PAST[action]}. You can: {options}."


def apply_action(
    task: Task,
    action: Action,
    *,
    actor: str,
    now: datetime,
    source: str | None = None,
    percent: int | None = None,
    reason: str | None = None,
    assignee: Assignee | None = None,
) -> tuple[Task, AuditEvent]:
    """Apply one action to a task and describe it.

    Args:
        task: the task as stored.
        action: one of :data:`ACTIONS`.
        actor: Slack user id, ``agent:<role>`` or ``system``.
        now: the time of the change (aware UTC).
        source: the Slack request or job that asked for it.
        percent: 0–100, for ``progress``.
        reason: why, for ``block`` and ``reject`` (at most :data:`MAX_REASON_LENGTH` characters).
        assignee: the new assignee, for ``assign``.

    Returns:
        The changed copy of the task (``version`` + 1, ``updated_at`` = now) and its audit event.

    Raises:
        UserError: the status does not allow the action (the message names the allowed ones),
            or an argument is missing or out of range.
    """
    if action not in allowed_actions(task):
        raise UserError(refusal(task, action))
    changes: dict[str, object] = {}
    detail: dict[str, object] = {}
    if action == "unblock":
        target = task.blocked_from or TaskStatus.ASSIGNED
        changes.update(blocked_reason=None, blocked_since=None, blocked_from=None)
        detail["reason"] = task.blocked_reason
    elif action == "assign":
        if assignee is None:
            raise UserError(
                f"Say who should take it: `/task assign {task.key} @person` or `--agent backend`."
            )
        if assignee == task.assignee:
            raise UserError(f"{task.key} is already assigned to {assignee.label()}.")
        target = task.status
        changes["assignee"] = assignee
        detail["assignee"] = assignee.model_dump()
        detail["previous"] = task.assignee.model_dump() if task.assignee else None
    else:
        target = TRANSITIONS[task.status][action]
    if action == "progress":
        if percent is None or not 0 <= percent <= 100:
            raise UserError(f"Progress is a whole number from 0 to 100: `/task progress {task.key} 60`.")
        changes["percent"] = percent
        detail["percent"] = percent
    elif action == "start" and task.status is TaskStatus.ASSIGNED:
        changes["percent"] = 0
    elif action in ("block", "reject"):
        reason = (reason or "").strip()
        if not reason:
            raise UserError(f"Say why: `{_USAGE[action].format(key=task.key)}`.")
        if len(reason) > MAX_REASON_LENGTH:
            raise UserError(
                f"A block reason is at most {MAX_REASON_LENGTH} characters; yours has {len(reason)}."
            )
        if action == "block":
            changes.update(blocked_reason=reason, blocked_since=now, blocked_from=task.status)
        else:
            changes["review_rejections"] = task.review_rejections + 1
            detail["rejections"] = task.review_rejections + 1
        detail["reason"] = reason
    elif action == "done":
        changes.update(percent=100, completed_at=now)
    changes.update(status=target, updated_at=now, version=task.version + 1)
    updated = task.model_copy(update=changes)
    event = AuditEvent(
        team_id=task.team_id,
        channel_id=task.channel_id,
        task_id=task.id,
        task_key=task.key,
        at=now,
        actor=actor,
        action=_EVENT_NAMES[action],
        from_status=task.status,
        to_status=target,
        source=source,
        detail=detail,
    )
    return updated, event


_EVENT_NAMES: dict[Action, str] = {
    "start": "started",
    "progress": "progress",
    "review": "review",
    "done": "done",
    "reject": "rejected",
    "block": "blocked",
    "unblock": "unblocked",
    "assign": "assigned",
}


def describe_event(event: AuditEvent) -> str:
    """Return one mrkdwn line saying what changed and by whom, for the task's thread.

    Example: ``<@U123> moved T-3 from Assigned to *In progress*.``
    """
    who = actor_label(event.actor)
    detail = event.detail
    if event.action == "progress":
        return f"{who} set {event.task_key} to *{detail['percent']}%*."
    if event.action == "blocked":
        return f"{who} blocked {event.task_key}: {escape(str(detail.get('reason', '')))}"
    if event.action == "rejected":
        return f"{who} sent {event.task_key} back from review: {escape(str(detail.get('reason', '')))}"
    if event.action == "assigned":
        return f"{who} assigned {event.task_key} to {Assignee.model_validate(detail['assignee']).label()}."
    if event.action == "created":
        return f"{who} created {event.task_key}."
    if event.action == "sprint":
        where = "the backlog" if not detail.get("sprint") else f"*{escape(str(detail.get('name', '')))}*"
        return f"{who} moved {event.task_key} to {where}."
    if event.action == "milestone":
        return f"{who} put {event.task_key} under milestone *{escape(str(detail.get('milestone', '')))}*."
    if event.from_status and event.to_status and event.from_status != event.to_status:
        return (
            f"{who} moved {event.task_key} from {STATUS_LABELS[event.from_status]} "
            f"to *{STATUS_LABELS[event.to_status]}*."
        )
    return f"{who}: {event.action} {event.task_key}."


WAITING_FOR_PERSON = "waiting for a person's review"
"""How the board, standup, reports and Home describe a task that only a person can approve."""


def review_state(task: Task) -> str | None:
    """Return what a task in REVIEW waits for (plain text), or None when it isn't in review.

    ``waiting for a person's review`` (:data:`WAITING_FOR_PERSON`) when no model can review it,
    else ``in review``.
    """
    if task.status is not TaskStatus.REVIEW:
        return None
    return WAITING_FOR_PERSON if task.waits_for_person else "in review"


def evidence_text(task: Task) -> str | None:
    """Return mrkdwn saying what completed the task, or None when it isn't COMPLETED.

    Examples: ``Approved by <@U123>``, ``Reviewed by Code Reviewer (Claude) — 5/5 criteria met``,
    ``Merged in #45``; ``Completed (no evidence recorded)`` for a task completed before evidence
    was kept.
    """
    if task.status is not TaskStatus.COMPLETED:
        return None
    evidence = task.completion
    if evidence is None:
        return "Completed (no evidence recorded)"
    if evidence.kind == "approval":
        return f"Approved by {actor_label(evidence.by)}"
    if evidence.kind == "pull_request":
        return f"Merged in {escape(evidence.reference or 'a pull request')}"
    name = escape(evidence.by_name or evidence.by.removeprefix("agent:"))
    model = " (Claude)" if evidence.model else ""
    return (
        f"Reviewed by {name}{model} — {evidence.criteria_met}/{evidence.criteria_total} criteria met"
    )
