"""The stable prompt prefix of every agent: the team preamble, then the role's own prompt.

Cache layout (Anthropic caches a request's prefix in the order tools → system → messages):

1. **Tools**, offered in a fixed order (:mod:`agents.tools`), so their bytes never change.
2. **Team preamble** (:data:`agents.prompts.team.TEAM_PREAMBLE`): the same for every agent —
   what Maestro is, read tools then one terminal tool, the roster, seed 004's workflows, review
   gate and escalation format, seed 000's task assignment and seed 002's decomposition as
   examples, Slack writing rules.
3. **Role prompt** (``agents/prompts/<role>.py``, ``PROMPT``): what a good deliverable of that
   role contains per task kind, its format, its checklist, what to ask about, how it is reviewed.
   The ``cache_control`` breakpoint goes on this block.
4. **Variable context** — the request, the task, the thread, dates, names — only in the messages,
   after the breakpoint.

Sizes: Anthropic caches nothing below a model's minimum prefix (1,024 tokens for Sonnet, 4,096 for
Haiku 4.5 and Opus 4.5+), silently. Preamble plus role prompt is at least 17,600 characters for
every role (≥ 4,400 tokens at 4 characters a token), so caching engages on every tier even before
the tools are counted, and at most 30,000 characters. Both texts are module constants with nothing
variable in them: the same bytes on every import, in every process.
"""

from __future__ import annotations

from agents.prompts import (
    backend,
    backend_architect,
    code_reviewer,
    context_manager,
    database_architect,
    devops,
    error_detective,
    frontend,
    master,
    qa,
    search_specialist,
    security,
    tpm,
)
from agents.prompts.team import TEAM_PREAMBLE

ROLE_PROMPTS: dict[str, str] = {
    "master": master.PROMPT,
    "tpm": tpm.PROMPT,
    "backend-architect": backend_architect.PROMPT,
    "database-architect": database_architect.PROMPT,
    "backend": backend.PROMPT,
    "frontend": frontend.PROMPT,
    "devops": devops.PROMPT,
    "qa": qa.PROMPT,
    "security": security.PROMPT,
    "code-reviewer": code_reviewer.PROMPT,
    "error-detective": error_detective.PROMPT,
    "search-specialist": search_specialist.PROMPT,
    "context-manager": context_manager.PROMPT,
}
"""Role id (every id of :data:`maestro.models.AGENT_ROLES`) → that role's prompt."""


def system_blocks_text(role_id: str) -> tuple[str, str]:
    """Return the two system blocks of an agent: (team preamble, role prompt).

    The caller sends them as two text blocks of ``system``, in this order, with the
    ``cache_control`` breakpoint on the second (see the module docstring for the layout).

    Args:
        role_id: a role id of :data:`maestro.models.AGENT_ROLES` (``backend``, ``code-reviewer`` …).
            A project's own agent (a roster override with a new id) passes the id of the role it
            is ``based_on``.

    Returns:
        ``(TEAM_PREAMBLE, ROLE_PROMPTS[role_id])``, both byte-stable.

    Raises:
        KeyError: ``role_id`` is not a known role.
    """
    return TEAM_PREAMBLE, ROLE_PROMPTS[role_id]


__all__ = ["ROLE_PROMPTS", "TEAM_PREAMBLE", "system_blocks_text"]
