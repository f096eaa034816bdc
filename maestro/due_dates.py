"""Due dates that contradict the order of the work (pure): warned about when set, never refused.

A task due before a task it waits for (``--after``) cannot be finished on time unless its
dependency is finished before its own due date; a milestone due before a milestone it comes after
(``--after``) has the same problem. People may still mean it (the dependency's date is the one to
move), so the command that sets such a date saves it and says so in its ephemeral reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from maestro.models import Task
from maestro.sprints import Milestone
from maestro.text import escape


def task_date_conflicts(task: Task, dependencies: Sequence[Task]) -> list[str]:
    """Return a warning (mrkdwn) per task ``task`` waits for that is due after it.

    A new task has no dependents yet, and no command moves a task's due date, so only its
    dependencies can contradict it.

    Args:
        task: the task whose due date was just set (no due date: no warning).
        dependencies: the tasks it waits for (``task.depends_on``), as stored.

    Returns:
        One line each, e.g. ``*T-5* is due 2026-06-10, before *T-2* (due 2026-06-15), which it
        waits for.``; empty when the dates agree.
    """
    if task.due is None:
        return []
    return [
        f"*{task.key}* is due {task.due.isoformat()}, before *{dep.key}* (due {dep.due.isoformat()}), "
        "which it waits for."
        for dep in sorted(dependencies, key=lambda t: t.number)
        if dep.key in task.depends_on and dep.due and dep.due > task.due
    ]


def milestone_date_conflicts(milestone: Milestone, milestones: Sequence[Milestone]) -> list[str]:
    """Return a warning (mrkdwn) per milestone ``milestone`` comes after that is due later, and vice versa.

    Args:
        milestone: the milestone just added or redefined (no due date: no warning).
        milestones: the project's milestones (``milestone`` among them or not).

    Returns:
        One line each, e.g. ``*M2* is due 2026-06-10, before *M1 — Contracts* (due 2026-06-20),
        which it comes after.``; empty when the dates agree.
    """
    if milestone.due is None:
        return []
    others = sorted((m for m in milestones if m.key != milestone.key), key=lambda m: m.key)
    found = [
        f"*{milestone.key}* is due {milestone.due.isoformat()}, before *{escape(other.label)}* "
        f"(due {other.due.isoformat()}), which it comes after."
        for other in others
        if other.key in milestone.depends_on and other.due and other.due > milestone.due
    ]
    found += [
        f"*{escape(other.label)}* comes after *{milestone.key}* but is due {other.due.isoformat()}, "
        f"before it (due {milestone.due.isoformat()})."
        for other in others
        if milestone.key in other.depends_on and other.due and other.due < milestone.due
    ]
    return found


def date_warning_text(conflicts: Sequence[str], *, fix: str) -> str:
    """Return the warnings as one ephemeral message: saved as given, what contradicts what, how to fix it.

    Args:
        conflicts: lines from :func:`task_date_conflicts` or :func:`milestone_date_conflicts`.
        fix: how to change a date (our own mrkdwn), e.g. a command.
    """
    lines = [f"• {line}" for line in conflicts[:10]]
    if len(conflicts) > 10:
        lines.append(f"• … and {len(conflicts) - 10} more.")
    return "\n".join(
        [":warning: Saved as given, but the dates contradict the order of the work:", *lines, fix]
    )
