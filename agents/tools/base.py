"""What every agent tool shares: its definition for the Messages API, its context, its size limit.

A **read tool** looks at Maestro's own data and returns compact JSON; it never changes anything.
A **terminal tool** ends the loop with a model (a deliverable, a question, an escalation, a
review, a plan, a reply) that the job applies: an agent never changes state itself (design.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel
from redis import Redis

MAX_RESULT_CHARS = 6000
"""Characters of one read tool's result; past it the JSON is cut and says so."""


@dataclass(frozen=True)
class ToolContext:
    """Where a loop's read tools look: one team's project, and the task or thread at hand.

    Attributes:
        redis: the store's client (read only: tools call only the stores' read methods).
        team_id: the Slack team.
        channel_id: the project.
        task_id: the task the loop is about, if any.
        thread_ts: the Slack thread the loop answers in, if any.
        user_id: who asked (a Slack user id), for answers to a person; None for jobs.
    """

    redis: Redis
    team_id: str
    channel_id: str
    task_id: str | None = None
    thread_ts: str | None = None
    user_id: str | None = None


class NoInput(BaseModel):
    """A tool that takes no arguments."""


class ReadTool:
    """A read-only tool. Subclasses set ``name``, ``description``, ``input_model`` and ``read``."""

    name: ClassVar[str]
    description: ClassVar[str]
    input_model: ClassVar[type[BaseModel]] = NoInput

    def definition(self) -> dict[str, Any]:
        """Return the tool for the Messages API (name, description, input JSON schema)."""
        return {
            "name": self.name,
            "description": " ".join(self.description.split()),
            "input_schema": self.input_model.model_json_schema(),
        }

    def read(self, args: BaseModel, ctx: ToolContext) -> Any:
        """Return JSON-serialisable data (dicts, lists, strings); never change anything."""
        raise NotImplementedError

    def run(self, raw_input: dict[str, Any], ctx: ToolContext) -> tuple[str, bool]:
        """Validate the model's input, read, and return ``(compact JSON cut to size, is_error)``."""
        try:
            args = self.input_model.model_validate(raw_input or {})
        except ValueError as error:
            return f"Invalid input for {self.name}: {str(error)[:500]}", True
        try:
            data = self.read(args, ctx)
        except LookupError as error:
            return str(error), True
        return cut_json(data), False


class TerminalTool:
    """A tool that ends the loop: its input, validated as ``model``, is the loop's answer."""

    def __init__(self, name: str, model: type[BaseModel], description: str | None = None):
        self.name = name
        self.model = model
        self.description = " ".join((description or model.__doc__ or model.__name__).split())

    def definition(self) -> dict[str, Any]:
        """Return the tool for the Messages API (name, the model's docstring, its JSON schema)."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.model.model_json_schema(),
        }


def cut_json(data: Any, limit: int = MAX_RESULT_CHARS) -> str:
    """Return compact JSON of ``data``; past ``limit`` characters, cut with a note saying how much."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) <= limit:
        return text
    return text[: limit - 80] + f"…[cut: {len(text) - limit + 80} more characters; ask for less]"
