"""``read_request``: the original request and the plan made from it."""

from __future__ import annotations

from typing import Any

from agents.tools._views import task_line
from agents.tools.base import ReadTool, ToolContext
from maestro.plan_store import PlanStore
from maestro.store import TaskStore


class ReadRequest(ReadTool):
    """The request in full, the plan's type, workflow, batches and each task's status."""

    name = "read_request"
    description = (
        "Read the feature request behind the current task, in full, with the Master's plan: issue type, "
        "workflow, parallel batches and each task's status. Use it before working or reviewing a task."
    )

    def read(self, args, ctx: ToolContext) -> Any:
        """Return the request and plan, or raise LookupError when the task came from no plan."""
        tasks = TaskStore(ctx.redis, ctx.team_id)
        task = tasks.get_by_id(ctx.task_id) if ctx.task_id else None
        if task is None or not task.plan_id:
            raise LookupError("This task was created by hand, not from a request: there is no plan to read.")
        record = PlanStore(tasks).get(task.plan_id)
        if record is None:
            raise LookupError("The plan of this task is gone.")
        by_key = {t.key: t for t in tasks.tasks_by_keys(record.channel_id, record.keys.values())}
        return {
            "request": record.request,
            "brief": record.brief,
            "issue_type": record.issue_type,
            "workflow": record.workflow,
            "batches": record.batches,
            "tasks": [task_line(by_key[k]) for k in record.keys.values() if k in by_key],
        }
