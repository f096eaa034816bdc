"""Who works a planned task when its role is disabled in the channel (pure; no I/O).

A project can disable an agent (``/agents disable security``). The Master's plan names a role
per task, and a disabled role must never get one: :func:`restaff` sends each such task to the
nearest enabled role of :data:`NEAREST_ROLES`, or, when none of them is enabled, leaves it to the
person who asked for the plan (the task is assigned to the requester, and the plan says so).

"Nearest" means: the role whose deliverable is of the same kind (a spec, code, a check, an
investigation, a record) and whose specialty overlaps most. Only the roles listed are tried, in
order, and the table is not followed further: if a role and its listed neighbours are all
disabled, the team has said it wants people on that kind of work.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from agents.roster import Agent, find_agent
from maestro.errors import UserError
from maestro.plan_store import Restaffed
from maestro.plans import Plan
from maestro.text import escape

NEAREST_ROLES: Mapping[str, tuple[str, ...]] = {
    # Planning and program management are a person's when their agent is off.
    "master": (),
    "tpm": (),
    # Architects write specs, not code: the other architect first, then the engineer who builds it.
    "backend-architect": ("database-architect", "backend"),
    "database-architect": ("backend-architect", "backend"),
    # Implementers write code: the other application-code implementer, then the designer of it.
    "backend": ("frontend", "backend-architect"),
    "frontend": ("backend",),
    # Infrastructure as code and pipelines: the backend engineer owns the services it deploys.
    "devops": ("backend",),
    # Checking work against criteria: the reviewer's gate demands tests for new functionality.
    "qa": ("code-reviewer",),
    # The reviewer's MUST PASS gate is the security checklist (secrets, input validation, OWASP Top 10).
    "security": ("code-reviewer",),
    "code-reviewer": ("security",),
    # Root cause from logs and deploys: DevOps owns observability and deploys, then the services' engineer.
    "error-detective": ("devops", "backend"),
    # Options and trade-offs are the architect's daily work.
    "search-specialist": ("backend-architect",),
    # Decision records and handoffs: the TPM keeps the project's record.
    "context-manager": ("tpm",),
}
"""Role id → the roles that take its tasks when it is disabled, nearest first (see the module doc)."""


def nearest_enabled(role: str, enabled: Collection[str]) -> str | None:
    """Return who works a task planned for ``role``: itself when enabled, else its nearest enabled role.

    Args:
        role: the role id the plan named.
        enabled: ids of the channel's enabled agents.

    Returns:
        A role id, or None when neither the role nor any of its :data:`NEAREST_ROLES` is enabled
        (a person should take the task).
    """
    if role in enabled:
        return role
    return next((near for near in NEAREST_ROLES.get(role, ()) if near in enabled), None)


def restaff(plan: Plan, roster: Iterable[Agent]) -> list[Restaffed]:
    """Return the plan's tasks whose role is disabled in this roster, each with who takes it instead.

    Args:
        plan: the Master's plan (its tasks name role ids).
        roster: the channel's roster (:func:`agents.roster.roster_for`).

    Returns:
        One :class:`~maestro.plan_store.Restaffed` per such task, in plan order; ``to`` is None
        when the task is left to the requester. Empty when every planned role is enabled.
    """
    agents = {agent.id: agent for agent in roster}
    enabled = {agent_id for agent_id, agent in agents.items() if agent.enabled}
    moves = []
    for task in plan.tasks:
        if task.role in enabled:
            continue
        to = nearest_enabled(task.role, enabled)
        moves.append(
            Restaffed(
                ref=task.ref,
                role=task.role,
                role_name=agents[task.role].name if task.role in agents else task.role,
                to=to,
                to_name=agents[to].name if to else None,
            )
        )
    return moves


def planner(roster: Iterable[Agent]) -> Agent:
    """Return the channel's Master, who plans requests.

    Raises:
        UserError: the Master is disabled in this channel (the message says how to enable it).
    """
    master = find_agent(roster, "master")
    if not master.enabled:
        raise UserError(
            "The Master is disabled in this channel, so nothing was planned: "
            "`/agents enable master` turns it back on."
        )
    return master


def after_disabling(agent_id: str, roster: Iterable[Agent]) -> str:
    """Return what disabling this agent means for the channel's work, one sentence (mrkdwn, escaped).

    Args:
        agent_id: the agent just disabled.
        roster: the channel's roster with it disabled.
    """
    if agent_id == "master":
        return "`/orchestrate` is refused here until it's enabled again."
    later = "a task of its that starts from now on goes to whoever created it."
    if agent_id not in NEAREST_ROLES:
        return later[0].upper() + later[1:]  # a project's own agent is never planned
    agents = {agent.id: agent for agent in roster}
    to = nearest_enabled(agent_id, {i for i, a in agents.items() if a.enabled})
    if to is None:
        return f"New plans leave its tasks to whoever asks for the plan; {later}"
    return f"New plans give its tasks to *{escape(agents[to].name)}*; {later}"
