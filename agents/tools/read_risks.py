"""``read_risks``: the project's open risks (seed 001's register)."""

from __future__ import annotations

from typing import Any

from agents.tools.base import ReadTool, ToolContext
from maestro.risk_store import RiskStore


class ReadRisks(ReadTool):
    """Open risks, worst first: key, title, category, probability, impact, RAG, mitigation, owner."""

    name = "read_risks"
    description = (
        "Read this project's open risks, worst first: key, description, category, probability, impact, "
        "RAG, mitigation and owner."
    )

    def read(self, args, ctx: ToolContext) -> Any:
        """Return ``{"risks": [...]}``."""
        risks = RiskStore(ctx.redis, ctx.team_id).list(ctx.channel_id, open_only=True)
        return {"risks": [r.model_dump(mode="json", exclude={"team_id", "channel_id"}) for r in risks[:25]]}
