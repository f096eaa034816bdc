"""The task status machine, as pure functions (no I/O).

ASSIGNED → IN_PROGRESS (percent) → REVIEW → COMPLETED, with BLOCKED (reason, since) from any open
status and back to the status it was blocked from (seed 000's sprint tracking states).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from maestro.errors import UserError
from maestro.models import (
    Assignee,
    AuditEvent,
    CompletionEvidence,
    CriterionFinding,
    ReviewBy,
    Task,
    TaskStatus,
    actor_label,
)
from maestro.text import escape

Action = Literal[
    "start", "progress", "review", "done", "block", "unblock", "assign", "reject", "await_person"
]
"""A change a person, a button or an agent can ask of a task (``await_person``: a review only a
person can do, e.g. of an offline draft)."""

ACTIONS: tuple[Action, ...] = (
    "start",
    "progress",
    "review",
    "done",
    "reject",
    "block",
    "unblock",
    "assign",
    "await_person",
)

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
        "await_person": TaskStatus.REVIEW,
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
    "await_person": "/task done {key}",
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
    "await_person": "handed to a person for review",
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
    allowed = [a for a in allowed_actions(task) if a != "await_person"]
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
    evidence: CompletionEvidence | None = None,
    findings: Sequence[CriterionFinding] | None = None,
    review_by: ReviewBy | None = None,
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
        evidence: what completes the task, for ``done`` (required: nothing completes without it).
        findings: the reviewer's finding per acceptance criterion, for ``done`` and ``reject``.
        review_by: who the review waits for, for ``review`` (default: a person when a person
            works the task, else the reviewer agent).

    Returns:
        The changed copy of the task (``version`` + 1, ``updated_at`` = now) and its audit event.

    Raises:
        UserError: the status does not allow the action (the message names the allowed ones),
            or an argument is missing or out of range.
        ValueError: ``done`` without ``evidence`` (a programming error, never a person's).
    """
    if action == "done" and evidence is None:
        raise ValueError("a task is completed only with evidence (a CompletionEvidence)")
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
        assert evidence is not None
        changes.update(percent=100, completed_at=now, completion=evidence, review_by=None)
        detail["evidence"] = evidence.model_dump(mode="json")
    elif action == "review":
        person = task.assignee is None or task.assignee.kind == "user"
        changes["review_by"] = review_by or ("person" if person else "agent")
    elif action == "await_person":
        changes["review_by"] = "person"
        detail["reason"] = reason or ""
    if findings is not None and action in ("done", "reject"):
        changes["criteria_findings"] = list(findings)
        detail["criteria_met"] = sum(f.status == "met" for f in findings)
        detail["criteria_total"] = len(findings)
    if target is not TaskStatus.REVIEW:
        changes.setdefault("review_by", None)
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
    "await_person": "awaiting_person",
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
    if event.action == "awaiting_person":
        why = escape(str(detail.get("reason", "")))
        return f"{event.task_key} is {WAITING_FOR_PERSON}" + (f": {why}" if why else ".")
    if event.action == "done" and detail.get("evidence"):
        evidence = CompletionEvidence.model_validate(detail["evidence"])
        if evidence.kind == "review":
            counted = f"{evidence.criteria_met}/{evidence.criteria_total} criteria met"
            return f"{who} reviewed {event.task_key}: {counted}, so it is *Completed*."
        if evidence.kind == "pull_request":
            return f"{event.task_key} is *Completed*: {evidence_line(evidence)}."
        if event.from_status is TaskStatus.REVIEW:
            return f"{who} approved {event.task_key}: it is *Completed*."
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
    if task.completion is None:
        return "Completed (no evidence recorded)"
    evidence = task.completion
    if (
        evidence.kind == "approval"
        and task.assignee is not None
        and task.assignee.kind == "user"
        and task.assignee.id == evidence.by
    ):
        return f"Done by {actor_label(evidence.by)}, who worked it"
    return evidence_line(evidence)


def evidence_line(evidence: CompletionEvidence) -> str:
    """Return mrkdwn for one piece of completion evidence (see :func:`evidence_text`)."""
    if evidence.kind == "approval":
        return f"Approved by {actor_label(evidence.by)}"
    if evidence.kind == "pull_request":
        return f"Merged in {escape(evidence.reference or 'a pull request')}"
    name = escape(evidence.by_name or evidence.by.removeprefix("agent:"))
    model = " (Claude)" if evidence.model else ""
    return f"Reviewed by {name}{model} — {evidence.criteria_met}/{evidence.criteria_total} criteria met"


def approval_refusal(
    task: Task, user_id: str, *, approvers: Sequence[str], is_admin: Callable[[], bool]
) -> str | None:
    """Say why this person may not complete (or send back) the task, or None when they may.

    A person's Done is evidence (design.md): on their own task while they work it, or as the
    approval of someone else's work (an agent's, or a person's in review). Nobody approves their
    own work in review. When the project has approvers, only they and workspace admins approve
    others' work; otherwise any person but the task's assignee may.

    Args:
        task: the task as stored.
        user_id: the Slack user asking.
        approvers: the project's approvers (Slack user ids), maybe empty.
        is_admin: answers whether the person is a workspace admin (called only when needed:
            it may cost a ``users.info`` call).

    Returns:
        None, or the refusal in mrkdwn, naming who may approve.
    """
    own = task.assignee is not None and task.assignee.kind == "user" and task.assignee.id == user_id
    if own and task.status is not TaskStatus.REVIEW:
        return None
    if approvers:
        if (user_id in approvers and not own) or is_admin():
            return None
        who = (
            "this channel's approvers (" + ", ".join(f"<@{a}>" for a in approvers) + ") or a workspace admin"
        )
        if own:
            return f"{task.key} is your own work in review: {who} can approve it."
        return f"Only {who} can approve {task.key} or send it back."
    if own:
        creator = task.created_by if task.created_by != user_id and task.created_by[:1] in "UW" else None
        ask = f"<@{creator}> or anyone else here" if creator else "anyone else here"
        return f"{task.key} is your own work in review, so someone else approves it: ask {ask}."
    return None
