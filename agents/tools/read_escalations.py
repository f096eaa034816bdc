"""``read_escalations``: decisions waiting for a person, and the ones made."""

from __future__ import annotations

from typing import Any

from agents.tools.base import ReadTool, ToolContext
from maestro.escalations import EscalationStore


class ReadEscalations(ReadTool):
    """Open escalations (seed 004's format) of the project, oldest first."""

    name = "read_escalations"
    description = (
        "Read the escalations of this project still waiting for a person's decision: the issue, the "
        "options with trade-offs, the recommendation, what each blocks and who may decide. Don't raise "
        "an escalation that is already open."
    )

    def read(self, args, ctx: ToolContext) -> Any:
        """Return ``{"open": [...]}``."""
        store = EscalationStore(ctx.redis, ctx.team_id)
        shown = []
        for record in store.open_escalations(ctx.channel_id)[:15]:
            shown.append(
                {
                    "issue": record.issue,
                    "stage": record.workflow_stage,
                    "options": [f"{o.label}: {o.tradeoff}" for o in record.options],
                    "recommendation": record.recommendation,
                    "blocking": record.blocking,
                    "deciders": record.deciders,
                    "raised_at": record.created_at.isoformat(),
                }
            )
        return {"open": shown}
