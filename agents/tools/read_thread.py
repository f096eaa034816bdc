"""``read_thread``: the Slack thread the loop works in, as kept for context."""

from __future__ import annotations

from typing import Any

from agents.tools.base import ReadTool, ToolContext
from maestro.store import TaskStore
from maestro.team_store import TeamStore

MAX_MESSAGES = 30
"""Latest messages of the thread returned."""


class ReadThread(ReadTool):
    """The thread so far: who said what (people as Slack ids, agents as ``agent:<role>``), oldest first."""

    name = "read_thread"
    description = (
        "Read the Slack thread of the current task (or conversation) so far, oldest first: people's "
        "questions and answers, other agents' posts, review feedback and decisions."
    )

    def read(self, args, ctx: ToolContext) -> Any:
        """Return ``{"messages": [...]}`` (the latest :data:`MAX_MESSAGES`)."""
        thread = ctx.thread_ts
        if thread is None and ctx.task_id:
            task = TaskStore(ctx.redis, ctx.team_id).get_by_id(ctx.task_id)
            thread = task.thread_root if task else None
        if thread is None:
            return {"messages": []}
        history = TeamStore(ctx.redis, ctx.team_id).history(ctx.channel_id, thread)
        return {"messages": [{"who": m["who"], "text": m["text"]} for m in history[-MAX_MESSAGES:]]}
