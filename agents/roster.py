"""The agent roster: who is on the AI team, what each does, which model tier it runs on.

Built from seed 004's roster table (role, specialty, model tier) and seed 000's team (TPM,
backend, frontend, devops, QA, security). System prompts are our own words. A project can
rename, add or disable agents (see :func:`apply_overrides`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

import yaml
from pydantic import BaseModel, Field, ValidationError

from maestro.errors import UserError
from maestro.models import AGENT_ROLES
from maestro.text import escape

Tier = Literal["haiku", "sonnet", "opus"]
"""Model tier: the settings map each tier to a Claude model name."""

Produces = Literal["plan", "task_assignment", "deliverable", "review", "escalation", "reply"]
"""Kinds of answer an agent may give (each is a tool of the Claude brain)."""


class Agent(BaseModel):
    """One member of the AI team.

    Attributes:
        id: role id used in task assignments (``backend``, ``code-reviewer`` …).
        name: display name in Slack.
        role: seed 004's role column (Architect, Implementer, Quality Gate …).
        specialty: what it is good at, one line.
        tier: model tier.
        system_prompt: stable instructions (cached by the Claude brain; no dates or names in it).
        produces: the answers it may give.
        enabled: a disabled agent gets no new tasks.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=60)
    role: str = Field(max_length=40)
    specialty: str = Field(max_length=200)
    tier: Tier = "sonnet"
    system_prompt: str = Field(max_length=8000)
    produces: list[Produces] = Field(default_factory=lambda: ["deliverable", "reply"])
    enabled: bool = True


_SHARED = (
    "You are part of Maestro, an AI software team that works inside a Slack workspace for a human "
    "team. Humans decide; you propose, explain and do the work you are assigned. Be concrete and "
    "brief: people read you on their phones. Never invent facts about the humans' codebase; say "
    "what you assume. Answer only through the tool you are given."
)

MASTER_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the Master orchestrator. You turn a feature request into a plan: triage "
    "it into one issue type, pick that type's workflow, and decompose it into tasks with an owner "
    "role, a priority, testable acceptance criteria and dependencies, so that independent work runs "
    "in parallel. You don't write production code yourself. In threads you answer questions about "
    "the plan and route work."
)
TPM_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the technical program manager. You track milestones, dependencies, risks "
    "and the sprint; you report status with a red/amber/green rule and escalate slips early."
)
BACKEND_ARCHITECT_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the backend architect. You design API contracts, service boundaries and "
    "data flow that are consistent, scalable and simple. Your deliverables are specs, not code."
)
DATABASE_ARCHITECT_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the database architect. You model data, plan migrations and indexes, and "
    "keep changes normalised, indexed and backward compatible."
)
BACKEND_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are a backend engineer. You implement services from the architects' specs, "
    "with input validation, error handling, logging and tests."
)
FRONTEND_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are a frontend engineer. You build accessible, fast user interfaces against "
    "the agreed API contracts, with component tests."
)
DEVOPS_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the DevOps engineer. You own CI/CD, infrastructure as code, deployment "
    "and observability; configs must be valid and follow security best practice."
)
QA_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the QA engineer. You write test plans and tests that prove acceptance "
    "criteria, including failure paths, and you report coverage honestly."
)
SECURITY_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the security engineer. You assess risk and attack vectors, check the OWASP "
    "Top 10, secrets handling and input validation, and propose the smallest safe fix."
)
CODE_REVIEWER_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the code reviewer, the quality gate. You review deliverables against the "
    "review gate: MUST PASS — no exposed secrets, input validation on external inputs, proper error "
    "handling, no OWASP Top 10 vulnerability, tests for new functionality; SHOULD PASS — readable, "
    "no needless duplication, performance considered, docs updated. Reject only for MUST PASS "
    "failures, and say exactly what to fix."
)
ERROR_DETECTIVE_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the error detective. You read logs and error patterns, correlate them with "
    "deployments, and state a root-cause hypothesis with the evidence for it."
)
SEARCH_SPECIALIST_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the research specialist. You summarise documentation, options and best "
    "practice, cite what you rely on, and separate facts from opinion."
)
CONTEXT_MANAGER_SYSTEM_PROMPT = (
    f"{_SHARED}\n\nYou are the context manager. You record decisions, constraints and progress so the "
    "next session starts informed: short decision records and handoff notes."
)

DEFAULT_ROSTER: tuple[Agent, ...] = (
    Agent(
        id="master",
        name="Master",
        role="Lead/Orchestrator",
        specialty="Triage, decomposition, assignment, final review",
        tier="sonnet",
        system_prompt=MASTER_SYSTEM_PROMPT,
        produces=["plan", "task_assignment", "escalation", "reply"],
    ),  # noqa: E501
    Agent(
        id="tpm",
        name="TPM",
        role="Program Manager",
        specialty="Milestones, dependencies, risks, sprint reports",
        tier="sonnet",
        system_prompt=TPM_SYSTEM_PROMPT,
        produces=["escalation", "reply"],
    ),  # noqa: E501
    Agent(
        id="backend-architect",
        name="Backend Architect",
        role="Architect",
        specialty="API design, service boundaries, scalability",
        tier="sonnet",
        system_prompt=BACKEND_ARCHITECT_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="database-architect",
        name="Database Architect",
        role="Architect",
        specialty="Data modelling, migrations, indexing, CQRS",
        tier="opus",
        system_prompt=DATABASE_ARCHITECT_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="backend",
        name="Backend Engineer",
        role="Implementer",
        specialty="Services, business logic, integrations",
        tier="sonnet",
        system_prompt=BACKEND_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="frontend",
        name="Frontend Engineer",
        role="Implementer",
        specialty="User interfaces, accessibility, performance",
        tier="sonnet",
        system_prompt=FRONTEND_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="devops",
        name="DevOps Engineer",
        role="Implementer",
        specialty="CI/CD, infrastructure, deployment, monitoring",
        tier="sonnet",
        system_prompt=DEVOPS_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="qa",
        name="QA Engineer",
        role="Quality",
        specialty="Test plans, test automation, acceptance",
        tier="sonnet",
        system_prompt=QA_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="security",
        name="Security Engineer",
        role="Quality Gate",
        specialty="Threat assessment, OWASP, secrets",
        tier="sonnet",
        system_prompt=SECURITY_SYSTEM_PROMPT,
        produces=["deliverable", "review", "escalation", "reply"],
    ),  # noqa: E501
    Agent(
        id="code-reviewer",
        name="Code Reviewer",
        role="Quality Gate",
        specialty="Code quality, security, maintainability",
        tier="sonnet",
        system_prompt=CODE_REVIEWER_SYSTEM_PROMPT,
        produces=["review", "escalation", "reply"],
    ),  # noqa: E501
    Agent(
        id="error-detective",
        name="Error Detective",
        role="Investigator",
        specialty="Log analysis, error patterns, root cause",
        tier="sonnet",
        system_prompt=ERROR_DETECTIVE_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="search-specialist",
        name="Research Specialist",
        role="Researcher",
        specialty="Documentation, options, trends",
        tier="haiku",
        system_prompt=SEARCH_SPECIALIST_SYSTEM_PROMPT,
    ),  # noqa: E501
    Agent(
        id="context-manager",
        name="Context Manager",
        role="Coordinator",
        specialty="Decision records, session handoffs",
        tier="opus",
        system_prompt=CONTEXT_MANAGER_SYSTEM_PROMPT,
    ),  # noqa: E501
)
"""The default team, one agent per role id of :data:`maestro.models.AGENT_ROLES`."""

assert tuple(a.id for a in DEFAULT_ROSTER) == AGENT_ROLES, "the roster and the role ids must agree"


class AgentOverride(BaseModel):
    """A project's change to one agent: rename, re-tier, disable, or a new agent when ``id`` is new."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    name: str | None = Field(default=None, max_length=60)
    role: str | None = Field(default=None, max_length=40)
    specialty: str | None = Field(default=None, max_length=200)
    tier: Tier | None = None
    enabled: bool | None = None
    based_on: str | None = Field(
        default=None, description="For a new agent: the role whose prompt it starts from."
    )


def apply_overrides(base: Iterable[Agent], overrides: Iterable[AgentOverride]) -> list[Agent]:
    """Return the roster with a project's overrides applied, in the base order, new agents last.

    Raises:
        UserError: a new agent without ``name``, ``specialty`` or a valid ``based_on``.
    """
    roster = {agent.id: agent for agent in base}
    for override in overrides:
        changes = override.model_dump(exclude_none=True, exclude={"id", "based_on"})
        if override.id in roster:
            roster[override.id] = roster[override.id].model_copy(update=changes)
            continue
        template = roster.get(override.based_on or "")
        if template is None or not override.name or not override.specialty:
            raise UserError(
                f"A new agent needs a name, a specialty and `based_on` one of: {', '.join(roster)} "
                f"(for `{escape(override.id)}`)."
            )
        roster[override.id] = template.model_copy(update={"id": override.id, "enabled": True, **changes})
    return list(roster.values())


def load_overrides_yaml(text: str) -> list[AgentOverride]:
    """Parse a roster file: a YAML list of overrides (``id``, ``name``, ``tier``, ``enabled`` …).

    Example::

        - id: backend
          name: Bea (backend)
        - id: security
          enabled: false

    Raises:
        UserError: not YAML, not a list, or an entry that doesn't validate (the message says which).
    """
    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError as error:
        raise UserError(f"That isn't valid YAML: {escape(str(error).splitlines()[0])}") from None
    if isinstance(data, Mapping) and "agents" in data:
        data = data["agents"]
    if not isinstance(data, list):
        raise UserError("A roster file is a YAML list of agents, each with at least an `id`.")
    overrides = []
    for index, entry in enumerate(data, 1):
        try:
            overrides.append(AgentOverride.model_validate(entry))
        except ValidationError as error:
            raise UserError(f"Agent #{index}: {explain_invalid(error)}") from None
    return overrides


FIELD_RULES: Mapping[str, str] = {
    "": "each agent is a mapping with at least an `id`, e.g. `- id: backend` / `  name: Bea`.",
    "id": "an agent id is 2–40 characters: lowercase letters, digits and hyphens, starting with a "
    "letter, e.g. `data-eng`.",
    "name": "a name is 1–60 characters, e.g. `Data Engineer`.",
    "role": "a role is at most 40 characters, e.g. `Implementer`.",
    "specialty": "a specialty is at most 200 characters, e.g. `ETL pipelines`.",
    "tier": "a tier is `haiku`, `sonnet` or `opus`, e.g. `/agents tier backend opus`.",
    "enabled": "`enabled` is `true` or `false`.",
    "based_on": "`based_on` is the id of an agent on the team, e.g. `backend`.",
}
"""Field of :class:`AgentOverride` → the rule a person is told when a value breaks it (mrkdwn)."""


def explain_invalid(error: ValidationError) -> str:
    """Return a sentence for the first field of an agent that didn't validate: its rule and an example.

    The field is one of :data:`FIELD_RULES`; an unknown one gets pydantic's own words, escaped.
    """
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    rule = FIELD_RULES.get(field)
    if rule is None:
        return f"`{escape(field)}`: {escape(first['msg'])}."
    return rule[0].upper() + rule[1:]


def find_agent(roster: Iterable[Agent], agent_id: str) -> Agent:
    """Return the agent with this id.

    Raises:
        UserError: no such agent in the roster.
    """
    for agent in roster:
        if agent.id == agent_id:
            return agent
    raise UserError(f"There's no agent `{escape(agent_id)}`. `/agents` lists the team.")


def roster_for(overrides: Iterable[Mapping[str, object]]) -> list[Agent]:
    """Return a project's roster: the default team with its stored overrides applied."""
    return apply_overrides(DEFAULT_ROSTER, [AgentOverride.model_validate(o) for o in overrides])


RosterChangeKind = Literal["added", "removed", "renamed", "tier", "disabled", "enabled", "described"]
"""What one roster change did to an agent."""


class RosterChange(NamedTuple):
    """One change between two rosters, said for a person.

    Attributes:
        agent_id: the agent changed.
        kind: what changed.
        sentence: what changed, mrkdwn with names escaped (``Disabled *Security Engineer*``).
        undo: how to revert it, one mrkdwn sentence ("`/agents enable security` undoes it."), or None.
    """

    agent_id: str
    kind: RosterChangeKind
    sentence: str
    undo: str | None


def roster_changes(before: Sequence[Agent], after: Sequence[Agent]) -> list[RosterChange]:
    """Return what changed from one roster to the other, in roster order (empty: nothing did).

    Each agent added, removed, renamed, re-tiered, disabled, enabled, or given another role or
    specialty is one change (an agent changed in two ways gives two).
    """
    old = {agent.id: agent for agent in before}
    new_ids = {agent.id for agent in after}
    changes: list[RosterChange] = []
    for agent in after:
        was, key, name = old.get(agent.id), agent.id, f"*{escape(agent.name)}*"
        if was is None:
            added = f"Added {name} (`{key}`, {agent.tier})"
            changes.append(RosterChange(key, "added", added, f"`/agents disable {key}` turns it off."))
            continue
        if was.name != agent.name:
            undo = f"`/agents rename {key} {escape(was.name)}` undoes it."
            changes.append(RosterChange(key, "renamed", f"Renamed *{escape(was.name)}* to {name}", undo))
        if was.tier != agent.tier:
            undo = f"`/agents tier {key} {was.tier}` undoes it."
            changes.append(RosterChange(key, "tier", f"Moved {name} from {was.tier} to {agent.tier}", undo))
        if was.enabled != agent.enabled:
            kind, verb, back = (
                ("enabled", "Enabled", "disable") if agent.enabled else ("disabled", "Disabled", "enable")
            )
            changes.append(RosterChange(key, kind, f"{verb} {name}", f"`/agents {back} {key}` undoes it."))
        if (was.role, was.specialty) != (agent.role, agent.specialty):
            changes.append(RosterChange(key, "described", f"Changed {name}'s role or specialty", None))
    for agent in before:
        if agent.id not in new_ids:
            removed = f"Removed *{escape(agent.name)}* (`{agent.id}`)"
            changes.append(RosterChange(agent.id, "removed", removed, None))
    return changes
