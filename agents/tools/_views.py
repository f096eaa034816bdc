"""Compact JSON views of Maestro's records, shared by the read tools (pure functions)."""

from __future__ import annotations

from typing import Any

from maestro.models import Task
from maestro.workflow import describe_event, review_state


def task_line(task: Task) -> dict[str, Any]:
    """Return a task in one small dict: key, title, status, who, percent or reason, depends_on."""
    line: dict[str, Any] = {
        "key": task.key,
        "title": task.title,
        "status": task.status.value,
        "assignee": task.assignee.id if task.assignee else None,
    }
    if task.status.value == "IN_PROGRESS":
        line["percent"] = task.percent
    if task.blocked_reason:
        line["blocked"] = task.blocked_reason
    if review_state(task):
        line["review"] = review_state(task)
    if task.depends_on:
        line["depends_on"] = task.depends_on
    if task.due:
        line["due"] = task.due.isoformat()
    return line


def task_detail(task: Task, unblocks: list[str], events: list) -> dict[str, Any]:
    """Return a task with its criteria, outputs, kind, who unblocks what, and its recent history."""
    detail = task_line(task) | {
        "description": task.description,
        "kind": task.kind,
        "priority": task.priority.value,
        "acceptance_criteria": task.acceptance_criteria,
        "expected_outputs": task.expected_outputs,
        "unblocks": unblocks,
        "review_rejections": task.review_rejections,
        "created_by": task.created_by,
    }
    if task.criteria_findings:
        detail["last_review_findings"] = [f.model_dump() for f in task.criteria_findings]
    detail["history"] = [f"{e.at:%Y-%m-%d %H:%M} {describe_event(e)}" for e in events[-15:]]
    return detail
