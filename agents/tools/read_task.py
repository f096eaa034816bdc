"""``read_task``: one task with its criteria, outputs and history."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agents.tools._views import task_detail
from agents.tools.base import ReadTool, ToolContext
from maestro.errors import UserError
from maestro.store import TaskStore


class TaskKey(BaseModel):
    """Which task: its key; the current task when left out."""

    key: str | None = Field(default=None, description="A task key such as T-3; omit for the current task.")


class ReadTask(ReadTool):
    """A task in full: criteria, expected outputs, kind, status, what it unblocks, its history."""

    name = "read_task"
    description = (
        "Read a task of this project in full: description, kind (document or code), acceptance criteria, "
        "expected outputs, status, dependencies, what it unblocks, the last review's findings and its "
        "recent history. Without a key, the task you are working on."
    )
    input_model = TaskKey

    def read(self, args: TaskKey, ctx: ToolContext) -> Any:
        """Return the task's detail, or raise LookupError for an unknown key."""
        tasks = TaskStore(ctx.redis, ctx.team_id)
        if args.key:
            try:
                task = tasks.get(ctx.channel_id, args.key.strip().upper())
            except UserError as error:
                raise LookupError(error.message) from None
        else:
            task = tasks.get_by_id(ctx.task_id) if ctx.task_id else None
            if task is None:
                raise LookupError('No current task here: name one, e.g. {"key": "T-3"}.')
        return task_detail(task, tasks.unblocks(task.channel_id, task.key), tasks.events(task.id))
