"""Board queries as pure functions: which tasks a listing shows, in which order."""

from __future__ import annotations

from collections.abc import Callable

from maestro.commands import TaskCommand
from maestro.models import Task, TaskStatus
from maestro.text import escape

_STATUS_TITLES = {
    TaskStatus.ASSIGNED.value: "Assigned, not started",
    TaskStatus.IN_PROGRESS.value: "In progress",
    TaskStatus.REVIEW.value: "In review",
    TaskStatus.COMPLETED.value: "Completed",
}

_FILTERS: dict[str, Callable[[Task, str | None, str], bool]] = {
    "open": lambda t, v, u: t.is_open,
    "all": lambda t, v, u: True,
    "mine": lambda t, v, u: (
        t.is_open and t.assignee is not None and t.assignee.kind == "user" and t.assignee.id == u
    ),
    "blocked": lambda t, v, u: t.status is TaskStatus.BLOCKED,
    "status": lambda t, v, u: t.status.value == v,
    "agent": lambda t, v, u: (
        t.is_open and t.assignee is not None and t.assignee.kind == "agent" and t.assignee.id == v
    ),
    "user": lambda t, v, u: (
        t.is_open and t.assignee is not None and t.assignee.kind == "user" and t.assignee.id == v
    ),
}


def select_tasks(tasks: list[Task], cmd: TaskCommand, user_id: str) -> tuple[str, list[Task]]:
    """Return the listing's title and the tasks ``/task list`` asked for, blocked and urgent first.

    Args:
        tasks: the channel's tasks.
        cmd: a ``list`` command.
        user_id: who asked (for ``mine``).
    """
    keep = _FILTERS[cmd.list_filter]
    chosen = [t for t in tasks if keep(t, cmd.list_value, user_id)]
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    chosen.sort(key=lambda t: (t.status is not TaskStatus.BLOCKED, order[t.priority.value], t.number))
    titles = {
        "open": "Open tasks",
        "all": "All tasks",
        "mine": "Your open tasks",
        "blocked": "Blocked tasks",
        "status": _STATUS_TITLES.get(cmd.list_value or "", "Tasks"),
        "agent": f"Open tasks of {escape(cmd.list_value or '')}",
        "user": f"Open tasks of <@{cmd.list_value}>",
    }
    return titles[cmd.list_filter], chosen
