"""``read_dependency_work``: the full deliverables of the tasks this one depends on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agents.tools.base import ReadTool, ToolContext
from maestro.store import TaskStore
from maestro.team_store import TeamStore

MAX_BODY = 4000
"""Characters of one deliverable's body in the result (several may be read at once)."""


class DependencyKeys(BaseModel):
    """Which tasks' work: their keys; all of the current task's dependencies when left out."""

    keys: list[str] = Field(default_factory=list, max_length=8, description='Task keys, e.g. ["T-1"].')


class ReadDependencyWork(ReadTool):
    """The deliverables of the current task's dependencies (or of named tasks), in full."""

    name = "read_dependency_work"
    description = (
        "Read what other tasks delivered: summary, full body, attached files and open questions. Without "
        "keys, every task the current task depends on. Build on their decisions; don't contradict them."
    )
    input_model = DependencyKeys

    def read(self, args: DependencyKeys, ctx: ToolContext) -> Any:
        """Return one entry per task: its deliverable, or a note that it has none yet."""
        tasks, team = TaskStore(ctx.redis, ctx.team_id), TeamStore(ctx.redis, ctx.team_id)
        keys = [k.strip().upper() for k in args.keys]
        if not keys:
            current = tasks.get_by_id(ctx.task_id) if ctx.task_id else None
            keys = list(current.depends_on) if current else []
        if not keys:
            return {"note": "The current task depends on no other task."}
        found = []
        for dep in tasks.tasks_by_keys(ctx.channel_id, keys):
            work = team.deliverable(dep.id)
            entry: dict[str, Any] = {"key": dep.key, "title": dep.title, "status": dep.status.value}
            if work is None:
                entry["deliverable"] = None
            else:
                entry |= {
                    "summary": work.summary,
                    "body": work.body[:MAX_BODY] + ("…[cut]" if len(work.body) > MAX_BODY else ""),
                    "files": [{"name": f.name, "content": f.content[:1500]} for f in work.files],
                    "open_questions": work.open_questions,
                }
            found.append(entry)
        missing = sorted(set(keys) - {e["key"] for e in found})
        return {"deliverables": found, "unknown_keys": missing} if missing else {"deliverables": found}
