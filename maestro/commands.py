"""Parsed commands: what a person asked for, as data a job can carry (JSON-serialisable)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from maestro.models import Assignee, Priority
from maestro.store import NewTask

TaskVerb = Literal[
    "new",
    "list",
    "show",
    "start",
    "progress",
    "review",
    "done",
    "reject",
    "block",
    "unblock",
    "assign",
    "help",
]
"""The sub-commands of ``/task``."""

STATE_VERBS: frozenset[str] = frozenset(
    {"start", "progress", "review", "done", "reject", "block", "unblock", "assign"}
)
"""Sub-commands that change a task through the status machine."""

ListFilter = Literal["open", "all", "mine", "blocked", "status", "agent", "user"]
"""How ``/task list`` narrows the board."""


class TaskCommand(BaseModel):
    """One ``/task`` command, parsed and validated.

    Attributes:
        verb: the sub-command.
        key: the task key (``T-3``) for verbs that name a task.
        list_filter, list_value: for ``list``: e.g. ``("status", "REVIEW")``, ``("agent", "backend")``.
    """

    verb: TaskVerb
    key: str | None = None
    title: str | None = None
    description: str = ""
    assignee: Assignee | None = None
    priority: Priority | None = None
    depends_on: list[str] = Field(default_factory=list)
    due: date | None = None
    acceptance_criteria: list[str] = Field(default_factory=list)
    percent: int | None = None
    reason: str | None = None
    list_filter: ListFilter = "open"
    list_value: str | None = None

    def new_task(self) -> NewTask:
        """Return the :class:`~maestro.store.NewTask` a ``new`` command asks for."""
        assert self.verb == "new" and self.title
        return NewTask(
            title=self.title,
            description=self.description,
            assignee=self.assignee,
            priority=self.priority or Priority.MEDIUM,
            depends_on=tuple(self.depends_on),
            due=self.due,
            acceptance_criteria=tuple(self.acceptance_criteria),
        )
