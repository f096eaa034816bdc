"""The brain interface: what an agent is asked, and what it answers.

Two implementations: :class:`agents.offline.OfflineBrain` (deterministic, no network, the
default) and :class:`agents.claude.ClaudeBrain` (the Anthropic Messages API with tool use,
falling back to the offline brain). Jobs build the contexts, call a brain, and apply the model
it returns; a brain never touches state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, Field

from agents.roster import Agent
from maestro.models import Task
from maestro.plans import AgentReply, Deliverable, Escalation, GateChecklist, Plan, Question, ReviewVerdict

if TYPE_CHECKING:
    from agents.loop import Session

T = TypeVar("T", bound=BaseModel)


class ThreadMessage(BaseModel):
    """One message of a Slack thread, as kept in Redis for context (``who``: user id or ``agent:<id>``)."""

    who: str
    text: str
    ts: str = ""


class DependencyWork(BaseModel):
    """The deliverable of a task this one depends on."""

    key: str
    title: str
    role: str
    summary: str
    body: str = ""


class PlanContext(BaseModel):
    """What the Master is asked to plan (``issue_type``: the type a person chose with *Re-plan as…*)."""

    request: str = Field(max_length=12000)
    requested_by: str = ""
    issue_type: str | None = Field(default=None, description="Plan it as this issue type: a person chose it.")


class WorkContext(BaseModel):
    """What an agent is given to work a task: the task, the plan, its dependencies' work, the thread.

    With the Claude brain this opens the loop; the agent reads the rest (full deliverables, the
    board, the thread) through its tools.
    """

    agent: Agent
    task: Task
    request: str | None = Field(default=None, description="The request the task's plan came from.")
    plan_brief: str | None = None
    dependencies: list[DependencyWork] = Field(default_factory=list)
    thread: list[ThreadMessage] = Field(default_factory=list)
    review_feedback: list[str] = Field(default_factory=list, description="Must-fix items of the last review.")
    attempt: int = 1


class ReviewContext(BaseModel):
    """What the reviewer is given: the request, the task, its dependencies' work and the deliverable."""

    reviewer: Agent
    task: Task
    deliverable: Deliverable
    request: str | None = None
    dependencies: list[DependencyWork] = Field(default_factory=list)
    attempt: int = 1


class ThreadContext(BaseModel):
    """A question in a thread for an agent: the task or plan it is about, and the thread so far."""

    agent: Agent
    question: str = Field(max_length=4000)
    asked_by: str
    task: Task | None = None
    plan_brief: str | None = None
    thread: list[ThreadMessage] = Field(default_factory=list)


class Usage(BaseModel):
    """Tokens one model call used (the Messages API's ``usage``)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


class BrainResult(BaseModel, Generic[T]):
    """A brain's answer and how it was made.

    Attributes:
        value: the validated model.
        brain: ``offline`` or ``claude``.
        fallback_reason: set when the Claude brain was asked but the offline brain answered;
            said in the post (e.g. "Claude was overloaded (529)").
        usage: tokens used per call, empty for the offline brain.
        model: the Claude model that answered, if any.
    """

    value: T
    brain: Literal["offline", "claude"]
    fallback_reason: str | None = None
    usage: list[Usage] = Field(default_factory=list)
    model: str | None = None


class Brain(Protocol):
    """What every brain can do. Each method returns a validated model; none changes state."""

    name: str

    def plan(self, ctx: PlanContext, agent: Agent, session: Session | None = None) -> BrainResult[Plan]:
        """Triage and decompose a request into a plan (the Master)."""
        ...

    def work(
        self, ctx: WorkContext, session: Session | None = None
    ) -> BrainResult[Deliverable] | BrainResult[Question] | BrainResult[Escalation]:
        """Work a task: the deliverable, or a question for the requester, or an escalation."""
        ...

    def review(
        self, ctx: ReviewContext, session: Session | None = None
    ) -> BrainResult[ReviewVerdict] | BrainResult[GateChecklist]:
        """Review a deliverable by the review gate, with a finding per acceptance criterion.

        A brain that can't review (the offline brain, or a fallback to it) returns the gate as
        a :class:`~maestro.plans.GateChecklist` for a person instead: never a verdict.
        """
        ...

    def answer(self, ctx: ThreadContext, session: Session | None = None) -> BrainResult[AgentReply]:
        """Answer a question in a thread."""
        ...
