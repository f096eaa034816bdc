"""The agent loop: a bounded tool-use conversation that reads, then ends with one terminal tool.

One agent call (work a task, review it, plan a request, answer a question) is a loop of at most
:attr:`LoopLimits.max_turns` model turns within a token budget. Each turn the model calls read
tools (:mod:`agents.tools`: the request and plan, a task, its dependencies' deliverables, the
board, the sprint, risks, escalations, the thread) and gets their results, cut to a stated
size; the loop ends when it calls a terminal tool with valid input (a deliverable, a question,
an escalation, a review, a plan, a reply). On the last turn the call's first terminal tool is
forced, so a loop always ends with an answer or an error.

Every turn is appended to a :class:`~maestro.turn_store.TurnJournal` before the next request is
made: a re-run (a worker killed mid-loop, a question answered) replays the journal and goes on
from where it stopped, paying for no turn twice.

Caching (Anthropic's prompt caching): the tools, in a fixed order, and the system blocks (team
preamble, role prompt, marked with ``cache_control``) form a byte-stable prefix; each request
also marks the last block of the conversation, so every turn reads the earlier turns from the
cache. Variable context lives in the messages, after the system breakpoint.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ValidationError

from agents.brain import Usage
from agents.tools import CALLS, READ_TOOLS, TERMINAL_TOOLS, TerminalTool, ToolContext

logger = logging.getLogger(__name__)

MAX_ERROR_DETAIL = 1500
"""Characters of a validation error sent back to the model."""

Progress = Callable[[str, dict[str, Any]], None]
"""Called before each read tool runs, with the tool's name and input (to show what the agent does)."""


class InvalidAnswer(Exception):
    """The model's answer was not a valid call of a terminal tool; the message says what was wrong."""


class Journal(Protocol):
    """Where a loop's turns are kept (:class:`maestro.turn_store.TurnJournal`)."""

    def load(self) -> list[dict[str, Any]]:
        """Return the turns so far, oldest first."""
        ...

    def append(self, entry: dict[str, Any]) -> None:
        """Keep one more turn."""
        ...


class MemoryJournal:
    """A journal in memory, for a loop nobody needs to resume (tests, one-off answers)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def load(self) -> list[dict[str, Any]]:
        """Return a copy of the turns so far."""
        return copy.deepcopy(self.entries)

    def append(self, entry: dict[str, Any]) -> None:
        """Keep one more turn."""
        self.entries.append(copy.deepcopy(entry))


@dataclass
class Session:
    """What the job gives an agent loop: where its turns are kept and where its tools read.

    Attributes:
        journal: the loop's kept turns (a :class:`~maestro.turn_store.TurnJournal` in jobs).
        tools: where the read tools look; None: no data to read (they answer so).
        on_progress: told about each read tool before it runs.
    """

    journal: Journal
    tools: ToolContext | None = None
    on_progress: Progress | None = None


@dataclass(frozen=True)
class LoopLimits:
    """How far one loop may go.

    Attributes:
        max_turns: model turns at most (the last one is forced to a terminal tool).
        token_budget: input + output tokens (cache reads and writes included) over the whole loop,
            across re-runs; past it the loop stops before its next turn.
        max_output_tokens: output tokens of one turn.
    """

    max_turns: int = 8
    token_budget: int = 200_000
    max_output_tokens: int = 8000


@dataclass
class LoopOutcome:
    """How a loop ended.

    Attributes:
        status: ``answered`` (a terminal tool with valid input) or ``budget`` (the token budget
            was spent first).
        tool: the terminal tool's name, when answered.
        value: its validated input (a pydantic model), when answered.
        usage: the tokens of the turns made by this run (earlier runs' turns were recorded by them).
        turns: model turns in the loop so far, all runs together.
        tokens: tokens spent by the loop so far, all runs together.
        reads: the read tools called by this run, in order (for progress lines and tests).
    """

    status: Literal["answered", "budget"]
    tool: str | None = None
    value: BaseModel | None = None
    usage: list[Usage] = field(default_factory=list)
    turns: int = 0
    tokens: int = 0
    reads: list[str] = field(default_factory=list)


def usage_of(response: Any) -> Usage:
    """Return the ``usage`` of a Messages API response as a :class:`~agents.brain.Usage`."""
    raw = response.usage
    return Usage(
        input_tokens=getattr(raw, "input_tokens", 0) or 0,
        output_tokens=getattr(raw, "output_tokens", 0) or 0,
        cache_read_input_tokens=getattr(raw, "cache_read_input_tokens", 0) or 0,
        cache_creation_input_tokens=getattr(raw, "cache_creation_input_tokens", 0) or 0,
    )


def spent(usage: Usage) -> int:
    """Tokens one turn counts against the budget: all input (cached or not) and output."""
    return (
        usage.input_tokens
        + usage.output_tokens
        + usage.cache_read_input_tokens
        + usage.cache_creation_input_tokens
    )


def tool_definitions(kind: str) -> list[dict[str, Any]]:
    """Return the tools offered to a call: every read tool, then every terminal tool, in a fixed order.

    The same list for every ``kind`` (it is part of the cached prefix); :data:`agents.tools.CALLS`
    says which terminal tools a kind may call.
    """
    CALLS[kind]  # noqa: B018  (an unknown kind is a KeyError here, before any request)
    return [t.definition() for t in READ_TOOLS] + [t.definition() for t in TERMINAL_TOOLS]


def run_loop(
    client: Any,
    *,
    kind: str,
    model: str,
    system: Sequence[dict[str, Any]],
    first_message: str,
    ctx: ToolContext | None,
    journal: Journal,
    limits: LoopLimits,
    check: Callable[[str, BaseModel], None] | None = None,
    on_progress: Progress | None = None,
) -> LoopOutcome:
    """Run (or resume) one agent loop until a terminal tool answers.

    Args:
        client: an ``anthropic.Anthropic`` client (its own retries apply to each request).
        kind: ``work``, ``review``, ``plan`` or ``answer`` (:data:`agents.tools.CALLS`).
        model: the Claude model.
        system: the system blocks, the last marked with ``cache_control``.
        first_message: the opening user message (instruction and variable context); used only
            when the journal is empty.
        ctx: where the read tools look; None: they answer that there is nothing to read.
        journal: the loop's kept turns (resumed when not empty).
        limits: turns, token budget, output tokens per turn.
        check: extra validation of a terminal answer ``(tool name, value)``; raises
            :class:`InvalidAnswer` with what to fix (sent back to the model).
        on_progress: told about each read tool before it runs.

    Returns:
        How the loop ended (:class:`LoopOutcome`).

    Raises:
        anthropic.APIError: a request failed after the SDK's retries (the caller falls back).
        InvalidAnswer: no valid terminal answer within ``max_turns``.
    """
    reads, terminals = CALLS[kind]
    by_name = {t.name: t for t in reads}
    terminal_by_name = {t.name: t for t in terminals}
    tools = tool_definitions(kind)
    entries = journal.load()
    if not entries:
        first = {"role": "user", "content": [{"type": "text", "text": first_message}]}
        journal.append(first)
        entries = [first]
    outcome = LoopOutcome(status="answered")
    outcome.turns = sum(e["role"] == "assistant" for e in entries)
    outcome.tokens = sum(spent(Usage(**e["usage"])) for e in entries if e.get("usage"))
    while True:
        last = entries[-1]
        if last["role"] == "assistant":
            answer, results = _settle(
                last["content"], terminal_by_name, by_name, ctx, check, on_progress, outcome
            )
            if answer is not None:
                outcome.tool, outcome.value = answer
                return outcome
            turn = {"role": "user", "content": results}
            journal.append(turn)
            entries.append(turn)
            continue
        if outcome.turns >= limits.max_turns:
            raise InvalidAnswer(f"no valid answer within {limits.max_turns} turns")
        if outcome.tokens >= limits.token_budget:
            outcome.status = "budget"
            return outcome
        final = outcome.turns == limits.max_turns - 1
        choice = {"type": "tool", "name": terminals[0].name} if final else {"type": "any"}
        response = client.messages.create(
            model=model,
            max_tokens=limits.max_output_tokens,
            system=list(system),
            tools=tools,
            tool_choice=choice,
            messages=_with_breakpoint([{"role": e["role"], "content": e["content"]} for e in entries]),
        )
        usage = usage_of(response)
        outcome.usage.append(usage)
        outcome.turns += 1
        outcome.tokens += spent(usage)
        content = [block.model_dump(exclude_none=True) for block in response.content] or [
            {"type": "text", "text": "(no answer)"}
        ]
        if response.stop_reason == "max_tokens":
            content = _cut_off(content)
        turn = {"role": "assistant", "content": content, "usage": usage.model_dump()}
        journal.append(turn)
        entries.append(turn)


def _settle(
    content: list[dict[str, Any]],
    terminals: dict[str, TerminalTool],
    reads: dict[str, Any],
    ctx: ToolContext | None,
    check: Callable[[str, BaseModel], None] | None,
    on_progress: Progress | None,
    outcome: LoopOutcome,
) -> tuple[tuple[str, BaseModel] | None, list[dict[str, Any]]]:
    """Answer an assistant turn: its valid terminal call, else a tool result for every call."""
    calls = [b for b in content if b.get("type") == "tool_use"]
    if not calls:
        names = ", ".join(terminals)
        return None, [{"type": "text", "text": f"Call a tool: read what you need, then one of {names}."}]
    for call in calls:
        if call["name"] in _TERMINAL_NAMES and call["name"] not in terminals:
            allowed = ", ".join(terminals)
            return None, _results(
                calls, call["id"], f"{call['name']} isn't yours to call here: end with {allowed}."
            )
        terminal = terminals.get(call["name"])
        if terminal is None:
            continue
        try:
            value = terminal.model.model_validate(call.get("input") or {})
            if check is not None:
                check(terminal.name, value)
        except (ValidationError, InvalidAnswer) as error:
            problem = str(error)[:MAX_ERROR_DETAIL]
            return None, _results(
                calls, call["id"], f"Invalid {terminal.name}: {problem}\nCall it again, fixed."
            )
        return (terminal.name, value), []
    results = []
    for call in calls:
        tool = reads.get(call["name"])
        if tool is None:
            text, error = f"There is no tool {call['name']!r} here.", True
        elif ctx is None:
            text, error = "Nothing to read here: answer from the context you were given.", True
        else:
            if on_progress is not None:
                on_progress(tool.name, call.get("input") or {})
            outcome.reads.append(tool.name)
            text, error = tool.run(call.get("input") or {}, ctx)
        result = {"type": "tool_result", "tool_use_id": call["id"], "content": text}
        if error:
            result["is_error"] = True
        results.append(result)
    return None, results


_TERMINAL_NAMES = frozenset(t.name for t in TERMINAL_TOOLS)


def _results(calls: list[dict[str, Any]], failed_id: str, problem: str) -> list[dict[str, Any]]:
    """Tool results for a turn whose terminal call was invalid: the problem, and "not run" for the rest."""
    return [
        {
            "type": "tool_result",
            "tool_use_id": call["id"],
            "content": problem if call["id"] == failed_id else "Not run: fix the invalid call first.",
            "is_error": True,
        }
        for call in calls
    ]


def _cut_off(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An answer cut at max_tokens: its tool calls are incomplete, so they become a note."""
    kept = [b for b in content if b.get("type") != "tool_use"]
    return kept + [
        {"type": "text", "text": "(My answer was cut off at max_tokens; I will answer more briefly.)"}
    ]


def _with_breakpoint(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark the conversation's last block for caching, so the next turn reads this one from the cache."""
    messages = copy.deepcopy(messages)
    last = messages[-1]
    if isinstance(last["content"], str):
        last["content"] = [{"type": "text", "text": last["content"]}]
    if last["content"]:
        last["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return messages


def pending_call(journal: Journal, tool: str) -> str | None:
    """Return the id of the loop's last call of ``tool`` when it still waits for its result, else None."""
    entries = journal.load()
    if not entries or entries[-1]["role"] != "assistant":
        return None
    for block in entries[-1]["content"]:
        if block.get("type") == "tool_use" and block.get("name") == tool:
            return block["id"]
    return None


def give_result(journal: Journal, tool: str, text: str) -> bool:
    """Answer a loop's pending terminal call (a question's answer, an escalation's decision).

    The result joins the conversation; the next run of the loop goes on from it.

    Returns:
        False when no call of ``tool`` waits for a result (answered already, or none made).
    """
    entries = journal.load()
    waiting = pending_call(journal, tool)
    if waiting is None:
        return False
    calls = [b for b in entries[-1]["content"] if b.get("type") == "tool_use"]
    journal.append(
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": call["id"],
                    "content": text if call["id"] == waiting else "Not run.",
                }
                for call in calls
            ],
        }
    )
    return True
