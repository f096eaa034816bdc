"""Choosing a brain for a job and recording what the Claude brain used.

With ``ANTHROPIC_API_KEY`` set, agents think with Claude, unless the project's monthly token
budget is spent; otherwise, or when Claude fails, the offline brain answers and the result says
why. Usage is recorded per project and agent after every call (a state change, so the job does it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from agents.brain import Brain, BrainResult
from agents.offline import OfflineBrain
from agents.roster import Agent, roster_for
from jobs.runtime import Runtime
from maestro import metrics
from maestro.models import utcnow
from maestro.team_store import TeamStore
from maestro.usage import UsageStore

M = TypeVar("M", bound=BaseModel)


def brain_for(runtime: Runtime) -> Brain:
    """Return the runtime's brain: Claude (with the offline fallback) when a key is set, else offline."""
    if runtime.brain is None:
        offline = OfflineBrain()
        if runtime.settings.claude_enabled:
            from agents.claude import ClaudeBrain

            runtime.brain = ClaudeBrain(runtime.settings, offline)
        else:
            runtime.brain = offline
    return runtime.brain


def roster(runtime: Runtime, team_id: str, channel_id: str) -> list[Agent]:
    """Return the project's roster (the default team with its overrides)."""
    return roster_for(TeamStore(runtime.redis, team_id).roster_overrides(channel_id))


def think(
    runtime: Runtime,
    team_id: str,
    channel_id: str,
    agent: Agent,
    ask: Callable[[Brain], BrainResult[M]],
) -> BrainResult[M]:
    """Ask the right brain, respecting the project's budget, and record the tokens it used.

    Args:
        runtime: the job's runtime.
        team_id: the Slack team.
        channel_id: the project (usage and budget are per project).
        agent: who is thinking (usage is recorded per agent and tier).
        ask: calls one brain method, e.g. ``lambda brain: brain.work(ctx)``.
    """
    brain = brain_for(runtime)
    usage = UsageStore(runtime.redis, team_id)
    now = utcnow()
    if brain.name == "claude":
        spent = usage.over_budget(channel_id, now)
        if spent:
            result = ask(OfflineBrain())
            return result.model_copy(update={"fallback_reason": f"Claude wasn't asked: {spent}"})
    started = time.perf_counter()
    result = ask(brain)
    model = result.model or result.brain
    metrics.CLAUDE_SECONDS.labels(model).observe(time.perf_counter() - started)
    metrics.CLAUDE_CALLS.labels(model, "fallback" if result.fallback_reason else result.brain).inc()
    for call in result.usage:
        for kind, tokens in (
            ("input", call.input_tokens),
            ("output", call.output_tokens),
            ("cache_read", call.cache_read_input_tokens),
            ("cache_write", call.cache_creation_input_tokens),
        ):
            metrics.CLAUDE_TOKENS.labels(model, kind).inc(tokens)
        usage.record(
            channel_id,
            agent.id,
            agent.tier,
            {
                "input": call.input_tokens,
                "output": call.output_tokens,
                "cache_read": call.cache_read_input_tokens,
                "cache_write": call.cache_creation_input_tokens,
            },
            now,
        )
    return result
