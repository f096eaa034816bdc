"""``read_sprint``: the current sprint with its progress and seed 001's RAG."""

from __future__ import annotations

from typing import Any

from agents.tools._views import task_line
from agents.tools.base import ReadTool, ToolContext
from maestro.report_data import read_status_report


class ReadSprint(ReadTool):
    """The sprint (or whole board) status report in compact form: RAG, drivers, progress, blockers."""

    name = "read_sprint"
    description = (
        "Read the current sprint's status as the TPM reports it: overall RAG and what drives it, "
        "progress by status, milestones, blockers and open escalations, what completed, what carries "
        "over. Without a running sprint, the same for the whole board."
    )

    def read(self, args, ctx: ToolContext) -> Any:
        """Return the status report's essentials (a fixed number of Redis round trips)."""
        report = read_status_report(ctx.redis, ctx.team_id, ctx.channel_id)
        return {
            "scope": report.scope,
            "generated": report.generated.isoformat(),
            "overall": report.overall.value,
            "drivers": report.drivers,
            "rule": report.rule,
            "progress": report.progress.model_dump(mode="json"),
            "milestones": [
                {
                    "key": m.key,
                    "title": m.title,
                    "percent": m.percent,
                    "rag": m.status.rag.value,
                    "why": m.status.why,
                }
                for m in report.milestones
            ],
            "blockers": [b.model_dump(mode="json") for b in report.blockers][:15],
            "completed": [task_line(t) for t in report.completed][:15],
            "carry_over": [task_line(t) for t in report.carry_over][:15],
        }
