"""``search_board``: the project's tasks, narrowed by status, assignee, sprint, milestone or text."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from agents.tools._views import task_line
from agents.tools.base import ReadTool, ToolContext
from maestro.sprint_store import SprintStore
from maestro.store import TaskStore

MAX_ROWS = 40
"""Most tasks one search returns (the count says how many matched)."""


class BoardQuery(BaseModel):
    """Filters; all optional, combined with AND."""

    status: Literal["ASSIGNED", "IN_PROGRESS", "REVIEW", "COMPLETED", "BLOCKED", "OPEN"] | None = None
    assignee: str | None = Field(default=None, description="An agent role (backend) or a Slack user id (U…).")
    sprint: Literal["current"] | None = Field(default=None, description="Only the current sprint's tasks.")
    milestone: str | None = Field(default=None, description="A milestone key such as M1.4.")
    text: str | None = Field(default=None, max_length=100, description="Words in the title or description.")


class SearchBoard(ReadTool):
    """The board, filtered: one compact line per task."""

    name = "search_board"
    description = (
        "Search this project's board. Filter by status (OPEN = not completed), assignee, the current "
        "sprint, a milestone, or words in the title/description. Returns up to 40 compact task lines "
        "and how many matched. Use it for questions like 'what is blocked?' or 'who is on T-3?'."
    )
    input_model = BoardQuery

    def read(self, args: BoardQuery, ctx: ToolContext) -> Any:
        """Return ``{"matched": n, "tasks": [...]}``."""
        store = TaskStore(ctx.redis, ctx.team_id)
        if args.sprint == "current":
            sprint = SprintStore(ctx.redis, ctx.team_id).current(ctx.channel_id)
            if sprint is None:
                return {"matched": 0, "tasks": [], "note": "No sprint is running in this project."}
            tasks = SprintStore(ctx.redis, ctx.team_id).sprint_tasks(ctx.channel_id, sprint.id)
        else:
            tasks = store.list_tasks(ctx.channel_id, open_only=args.status in ("OPEN", "BLOCKED", "REVIEW"))
        if args.status and args.status != "OPEN":
            tasks = [t for t in tasks if t.status.value == args.status]
        elif args.status == "OPEN":
            tasks = [t for t in tasks if t.is_open]
        if args.assignee:
            tasks = [t for t in tasks if t.assignee and t.assignee.id == args.assignee.strip()]
        if args.milestone:
            tasks = [t for t in tasks if (t.milestone or "").upper() == args.milestone.strip().upper()]
        if args.text:
            words = args.text.lower().split()
            tasks = [t for t in tasks if all(w in f"{t.title} {t.description}".lower() for w in words)]
        return {"matched": len(tasks), "tasks": [task_line(t) for t in tasks[:MAX_ROWS]]}
