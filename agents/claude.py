"""The Claude brain: each agent call is a tool-use loop on the Messages API, falling back offline.

Every call (plan a request, work a task, review it, answer a question) runs
:func:`agents.loop.run_loop`: the agent reads Maestro's data through read tools, then ends with
one terminal tool whose input is validated as a pydantic model before anything uses it (an
invalid one goes back to the model as an error result). API failures the SDK's own retries
(connection errors, 408, 409, 429, 5xx and 529) don't cure, an answer that never validates, or a
spent token budget fall back to the offline brain; the result says why, and the post says it.

Prompt caching: the tools (fixed order) and the system blocks — the team preamble and the
role's prompt (:mod:`agents.prompts`), marked with ``cache_control`` — are the same bytes on
every call of an agent; the task, the thread and dates go in the messages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anthropic
from pydantic import BaseModel

from agents.brain import (
    BrainResult,
    PlanContext,
    ReviewContext,
    ThreadContext,
    WorkContext,
)
from agents.loop import InvalidAnswer, LoopLimits, MemoryJournal, Session, run_loop
from agents.prompts import TEAM_PREAMBLE, system_blocks_text
from agents.roster import Agent
from maestro.plans import (
    AgentReply,
    CycleError,
    Plan,
    ReviewVerdict,
    validate_plan,
)
from maestro.settings import Settings

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

OUTPUT_LIMITS: dict[str, int] = {"plan": 16000, "work": 8000, "review": 4000, "answer": 2000}
"""Output tokens of one turn, per kind of call (a 15-task plan is ~4k tokens; a reply is short)."""


def build_client(settings: Settings) -> anthropic.Anthropic:
    """Return an Anthropic client from the settings (key, base URL, timeout, retries)."""
    assert settings.anthropic_api_key is not None
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.maestro_claude_timeout,
        max_retries=settings.maestro_claude_max_retries,
    )


def describe_failure(error: Exception, timeout: float) -> str:
    """Return a short, human reason for an API failure, for the post that falls back."""
    if isinstance(error, anthropic.APITimeoutError):
        return f"Claude didn't answer within {timeout:g} s"
    if isinstance(error, anthropic.APIConnectionError):
        return "Claude couldn't be reached"
    if isinstance(error, anthropic.APIStatusError):
        if error.status_code == 529:
            return "Claude was overloaded (529)"
        if error.status_code == 429:
            return "Claude's rate limit was hit (429)"
        if error.status_code >= 500:
            return f"Claude had a server error ({error.status_code})"
        return f"Claude refused the request ({error.status_code})"
    return f"Claude failed ({type(error).__name__})"


def system_for(agent: Agent) -> list[dict[str, Any]]:
    """Return an agent's system blocks: the team preamble, then its role's prompt (cache breakpoint).

    An agent a channel added (``/agents add``) has no role prompt of its own: its system prompt
    (from the role it is based on) stands in.
    """
    try:
        preamble, role = system_blocks_text(agent.id)
    except KeyError:
        preamble, role = TEAM_PREAMBLE, agent.system_prompt
    return [  # two breakpoints: tools + preamble is shared by every agent, the role prompt is its own
        {"type": "text", "text": preamble, "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": role, "cache_control": {"type": "ephemeral"}},
    ]


def _context_message(instruction: str, context: dict[str, Any]) -> str:
    # The agent's system prompt is already the (cached) system block: contexts leave it out.
    return f"{instruction}\n\n<context>\n{json.dumps(context, default=str, indent=1)}\n</context>"


class ClaudeBrain:
    """A :class:`~agents.brain.Brain` that runs agent loops on Claude and falls back to ``offline``.

    Args:
        settings: model per tier, output tokens, timeout, turns and token budget per loop.
        offline: the brain that answers when Claude can't.
        client: an Anthropic client (built from settings when omitted).
    """

    name = "claude"

    def __init__(self, settings: Settings, offline: Any, client: anthropic.Anthropic | None = None):
        self.settings = settings
        self.offline = offline
        self.client = client or build_client(settings)

    # -- the four questions ----------------------------------------------------------------
    def plan(self, ctx: PlanContext, agent: Agent, session: Session | None = None) -> BrainResult[Plan]:
        """Ask the Master for a plan; its dependencies must form no cycle."""
        return self._loop(
            "plan",
            agent,
            "Plan this request: triage it, choose the workflow, and decompose it into tasks. Read the "
            "board if the request refers to work already there, then call submit_plan.",
            ctx.model_dump(mode="json"),
            lambda: self.offline.plan(ctx, agent),
            session,
            check=lambda _name, value: _check_plan(value),
        )

    def work(self, ctx: WorkContext, session: Session | None = None) -> BrainResult[Any]:
        """Run the task's agent: a deliverable, or a question for the requester, or an escalation."""
        instruction = (
            f"Work task {ctx.task.key}. Read what you need first: read_request for the request in full, "
            "read_dependency_work for what the tasks before you delivered, read_thread for what people "
            "said. Then submit_deliverable, or ask_question if the answer changes the work and nothing "
            "you can read says it, or raise_escalation for a decision only a person can make."
        )
        if ctx.task.kind == "code":
            instruction += (
                " It is a code task and no repository is linked: your deliverable is an implementation plan "
                "for a person (files to change, steps, tests, rollback), not code you claim to have run."
            )
        if ctx.review_feedback:
            instruction += " The last review rejected it; address every must-fix item."
        context = ctx.model_dump(mode="json", exclude={"agent": {"system_prompt"}})
        for dep in context.get("dependencies", []):
            dep.pop("body", None)  # the loop reads deliverables in full with read_dependency_work
        return self._loop("work", ctx.agent, instruction, context, lambda: self.offline.work(ctx), session)

    def review(self, ctx: ReviewContext, session: Session | None = None) -> BrainResult[Any]:
        """Ask the reviewer for a verdict with one finding per acceptance criterion.

        A verdict whose findings don't go through the task's criteria one by one goes back to the
        model; when Claude can't answer, the offline brain's checklist for a person comes back.
        """
        criteria = ctx.task.acceptance_criteria

        def check(_name: str, verdict: BaseModel) -> None:
            assert isinstance(verdict, ReviewVerdict)
            try:
                verdict.check_findings(criteria)
            except ValueError as error:
                raise InvalidAnswer(str(error)) from None

        return self._loop(
            "review",
            ctx.reviewer,
            f"Review the deliverable of task {ctx.task.key} against the review gate that fits its kind "
            f"({ctx.task.kind or 'document'}): read the request and the dependencies' work if you need them, "
            "check each acceptance criterion against the deliverable itself and give one finding per "
            "criterion, quoting the evidence; then call submit_review.",
            ctx.model_dump(mode="json", exclude={"reviewer": {"system_prompt"}}),
            lambda: self.offline.review(ctx),
            session,
            check=check,
        )

    def answer(self, ctx: ThreadContext, session: Session | None = None) -> BrainResult[AgentReply]:
        """Ask an agent to answer a message, reading the board, the sprint or the task as it needs."""
        return self._loop(
            "answer",
            ctx.agent,
            "Answer the last message of this Slack conversation. Read the board, the sprint, risks, "
            "escalations or the task with your tools when the answer depends on them; then submit_reply.",
            ctx.model_dump(mode="json", exclude={"agent": {"system_prompt"}}),
            lambda: self.offline.answer(ctx),
            session,
        )

    # -- the mechanics ---------------------------------------------------------------------
    def limits(self, kind: str) -> LoopLimits:
        """Return the loop limits of a kind of call (turns and budget from the settings)."""
        return LoopLimits(
            max_turns=self.settings.maestro_agent_max_turns,
            token_budget=self.settings.maestro_agent_token_budget,
            max_output_tokens=self.settings.maestro_claude_max_tokens or OUTPUT_LIMITS[kind],
        )

    def _loop(
        self,
        kind: str,
        agent: Agent,
        instruction: str,
        context: dict[str, Any],
        fallback: Callable[[], BrainResult[Any]],
        session: Session | None,
        check: Callable[[str, BaseModel], None] | None = None,
    ) -> BrainResult[Any]:
        session = session or Session(journal=MemoryJournal())
        model_name = self.settings.model_for(agent.tier)
        limits = self.limits(kind)
        try:
            outcome = run_loop(
                self.client,
                kind=kind,
                model=model_name,
                system=system_for(agent),
                first_message=_context_message(instruction, context),
                ctx=session.tools,
                journal=session.journal,
                limits=limits,
                check=check,
                on_progress=session.on_progress,
            )
        except anthropic.APIError as error:
            reason = describe_failure(error, self.settings.maestro_claude_timeout)
            logger.warning("claude call failed, falling back: %s", reason)
            return self._fall_back(fallback, reason, [])
        except InvalidAnswer as invalid:
            logger.info("claude gave no valid answer: %s", invalid)
            return self._fall_back(
                fallback, f"Claude's answer didn't validate within {limits.max_turns} turns", []
            )
        if outcome.status == "budget":
            reason = (
                f"{agent.name} spent this loop's token budget ({limits.token_budget:,} tokens) "
                f"after {outcome.turns} turns"
            )
            return self._fall_back(fallback, reason, outcome.usage)
        return BrainResult[Any](value=outcome.value, brain="claude", usage=outcome.usage, model=model_name)

    @staticmethod
    def _fall_back(fallback: Callable[[], BrainResult[M]], reason: str, usage: list) -> BrainResult[M]:
        result = fallback()
        return result.model_copy(update={"fallback_reason": reason, "usage": usage})


def _check_plan(plan: Plan) -> None:
    try:
        validate_plan(plan)
    except (CycleError, ValueError) as error:
        raise InvalidAnswer(str(error)) from None
