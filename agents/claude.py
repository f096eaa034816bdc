"""The Claude brain: the Anthropic Messages API with tool use, falling back to the offline brain.

Every answer is a tool call whose input schema is a pydantic model's JSON schema, forced with
``tool_choice``; the input is validated before anything uses it. An invalid answer gets one
repair round (the validation errors sent back as an ``is_error`` tool result), then the offline
brain answers. API failures the SDK's own retries (connection errors, 408, 409, 429, 5xx and
529) don't cure fall back too; the result says why, and the post says it.

The system prompt is the agent's stable text, marked with ``cache_control`` so prompt caching
applies; everything variable (the task, the thread, dates) goes in the user message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anthropic
from pydantic import BaseModel, ValidationError

from agents.brain import (
    Brain,
    BrainResult,
    PlanContext,
    ReviewContext,
    ThreadContext,
    Usage,
    WorkContext,
)
from agents.roster import Agent
from maestro.plans import (
    AgentReply,
    CycleError,
    Deliverable,
    GateChecklist,
    Plan,
    ReviewVerdict,
    validate_plan,
)
from maestro.settings import Settings

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

TOOL_NAMES: dict[type[BaseModel], str] = {
    Plan: "submit_plan",
    Deliverable: "submit_deliverable",
    ReviewVerdict: "submit_review",
    AgentReply: "submit_reply",
}
"""The tool each output model is returned through."""

MAX_ERROR_DETAIL = 1500
"""Characters of validation errors sent back in the repair round."""


class InvalidAnswer(Exception):
    """Claude's answer was not a valid call of the forced tool; the message says what was wrong."""


def tool_for(model: type[BaseModel]) -> dict[str, Any]:
    """Return the Messages API tool for an output model: its name, its docstring, its JSON schema."""
    description = " ".join((model.__doc__ or model.__name__).split())
    return {"name": TOOL_NAMES[model], "description": description, "input_schema": model.model_json_schema()}


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


def _context_message(instruction: str, context: dict[str, Any]) -> str:
    # The agent's system prompt is already the (cached) system block: contexts leave it out.
    return f"{instruction}\n\n<context>\n{json.dumps(context, default=str, indent=1)}\n</context>"


class ClaudeBrain:
    """A :class:`~agents.brain.Brain` that asks Claude and falls back to ``offline``.

    Args:
        settings: model per tier, max tokens, timeout.
        offline: the brain that answers when Claude can't.
        client: an Anthropic client (built from settings when omitted).
    """

    name = "claude"

    def __init__(self, settings: Settings, offline: Brain, client: anthropic.Anthropic | None = None):
        self.settings = settings
        self.offline = offline
        self.client = client or build_client(settings)

    # -- the four questions ----------------------------------------------------------------
    def plan(self, ctx: PlanContext, agent: Agent) -> BrainResult[Plan]:
        """Ask the Master for a plan; the plan's dependencies must form no cycle."""
        return self._ask(
            agent,
            Plan,
            "Plan this request: triage it, choose the workflow, and decompose it into tasks.",
            ctx.model_dump(mode="json"),
            lambda: self.offline.plan(ctx, agent),
            check=_check_plan,
        )

    def work(self, ctx: WorkContext) -> BrainResult[Deliverable]:
        """Ask the task's agent for its deliverable."""
        instruction = f"Work task {ctx.task.key} and submit your deliverable."
        if ctx.review_feedback:
            instruction += " The last review rejected it; address every must-fix item."
        return self._ask(
            ctx.agent, Deliverable, instruction, ctx.model_dump(mode="json"), lambda: self.offline.work(ctx)
        )

    def review(self, ctx: ReviewContext) -> BrainResult[ReviewVerdict] | BrainResult[GateChecklist]:
        """Ask the reviewer for a verdict with one finding per acceptance criterion.

        A verdict whose findings don't go through the task's criteria one by one gets the repair
        round; when Claude can't answer, the offline brain's checklist for a person comes back.
        """
        criteria = ctx.task.acceptance_criteria

        def check(verdict: ReviewVerdict) -> None:
            try:
                verdict.check_findings(criteria)
            except ValueError as error:
                raise InvalidAnswer(str(error)) from None

        return self._ask(
            ctx.reviewer,
            ReviewVerdict,
            f"Review the deliverable of task {ctx.task.key} against the review gate: check each "
            "acceptance criterion against the deliverable itself and give one finding per criterion.",
            ctx.model_dump(mode="json", exclude={"reviewer": {"system_prompt"}}),
            lambda: self.offline.review(ctx),
            check=check,
        )

    def answer(self, ctx: ThreadContext) -> BrainResult[AgentReply]:
        """Ask an agent to answer a question in a thread."""
        return self._ask(
            ctx.agent,
            AgentReply,
            "Answer the last message of this Slack thread.",
            ctx.model_dump(mode="json", exclude={"agent": {"system_prompt"}}),
            lambda: self.offline.answer(ctx),
        )

    # -- the mechanics ---------------------------------------------------------------------
    def _ask(
        self,
        agent: Agent,
        model: type[M],
        instruction: str,
        context: dict[str, Any],
        fallback: Callable[[], BrainResult[M]],
        check: Callable[[M], None] | None = None,
    ) -> BrainResult[M]:
        tool = tool_for(model)
        model_name = self.settings.model_for(agent.tier)
        messages: list[dict[str, Any]] = [{"role": "user", "content": _context_message(instruction, context)}]
        usage: list[Usage] = []
        for attempt in (1, 2):
            try:
                response = self.client.messages.create(
                    model=model_name,
                    max_tokens=self.settings.maestro_claude_max_tokens,
                    system=[
                        {"type": "text", "text": agent.system_prompt, "cache_control": {"type": "ephemeral"}}
                    ],
                    tools=[tool],
                    tool_choice={"type": "tool", "name": tool["name"]},
                    messages=messages,
                )
            except anthropic.APIError as error:
                reason = describe_failure(error, self.settings.maestro_claude_timeout)
                logger.warning("claude call failed, falling back: %s", reason)
                return self._fall_back(fallback, reason, usage)
            usage.append(_usage(response))
            try:
                value = _parse(response, model, tool["name"])
                if check is not None:
                    check(value)
                return BrainResult(value=value, brain="claude", usage=usage, model=model_name)
            except InvalidAnswer as invalid:
                logger.info("claude answer invalid (attempt %d): %s", attempt, invalid)
                if attempt == 2:
                    return self._fall_back(fallback, "Claude's answer didn't validate, twice", usage)
                messages += _repair_messages(response, tool["name"], str(invalid))
        raise AssertionError("unreachable")

    @staticmethod
    def _fall_back(fallback: Callable[[], BrainResult[M]], reason: str, usage: list[Usage]) -> BrainResult[M]:
        result = fallback()
        return result.model_copy(update={"fallback_reason": reason, "usage": usage})


def _usage(response: Any) -> Usage:
    raw = response.usage
    return Usage(
        input_tokens=getattr(raw, "input_tokens", 0) or 0,
        output_tokens=getattr(raw, "output_tokens", 0) or 0,
        cache_read_input_tokens=getattr(raw, "cache_read_input_tokens", 0) or 0,
        cache_creation_input_tokens=getattr(raw, "cache_creation_input_tokens", 0) or 0,
    )


def _parse(response: Any, model: type[M], tool_name: str) -> M:
    """Return the validated input of the forced tool call.

    Raises:
        InvalidAnswer: the answer was cut off (``max_tokens``), had no call of the tool, or its
            input doesn't validate against the model.
    """
    if response.stop_reason == "max_tokens":
        raise InvalidAnswer("the answer was cut off at max_tokens; answer more briefly")
    calls = [b for b in response.content if getattr(b, "type", None) == "tool_use" and b.name == tool_name]
    if not calls:
        raise InvalidAnswer(f"no call of the tool {tool_name}")
    try:
        return model.model_validate(calls[0].input)
    except ValidationError as error:
        raise InvalidAnswer(str(error)[:MAX_ERROR_DETAIL]) from None


def _check_plan(plan: Plan) -> None:
    try:
        validate_plan(plan)
    except (CycleError, ValueError) as error:
        raise InvalidAnswer(str(error)) from None


def _repair_messages(response: Any, tool_name: str, problem: str) -> list[dict[str, Any]]:
    """The assistant's answer and a user turn saying what to fix (a tool_result when it called the tool)."""
    content = [block.model_dump(exclude_none=True) for block in response.content]
    calls = [b for b in response.content if getattr(b, "type", None) == "tool_use"]
    fix = f"That answer is invalid: {problem}\nCall {tool_name} again with corrected input."
    if calls:  # every tool_use needs its tool_result in the next turn
        turn = [
            {"type": "tool_result", "tool_use_id": call.id, "is_error": True, "content": fix}
            for call in calls
        ]
    else:
        turn = [{"type": "text", "text": fix}]
        if not content:
            content = [{"type": "text", "text": "(no answer)"}]
    return [{"role": "assistant", "content": content}, {"role": "user", "content": turn}]
