"""The agent loop's tools: read tools over Maestro's data, then one terminal tool.

Each read tool is a module of its own; the lists here fix their order, so that the tools part of
the cached prompt prefix is byte-stable (tools come first in Anthropic's cache order).
"""

from __future__ import annotations

from agents.tools.base import ReadTool, TerminalTool, ToolContext
from agents.tools.list_repo_directory import ListRepoDirectory
from agents.tools.read_dependency_work import ReadDependencyWork
from agents.tools.read_escalations import ReadEscalations
from agents.tools.read_repo_file import ReadRepoFile
from agents.tools.read_request import ReadRequest
from agents.tools.read_risks import ReadRisks
from agents.tools.read_sprint import ReadSprint
from agents.tools.read_task import ReadTask
from agents.tools.read_thread import ReadThread
from agents.tools.search_board import SearchBoard
from maestro.plans import AgentReply, Deliverable, Escalation, Plan, Question, ReviewVerdict

READ_TOOLS: tuple[ReadTool, ...] = (
    ReadRequest(),
    ReadTask(),
    ReadDependencyWork(),
    ReadThread(),
    SearchBoard(),
    ReadSprint(),
    ReadRisks(),
    ReadEscalations(),
    ReadRepoFile(),
    ListRepoDirectory(),
)
"""Every read tool, in the fixed order they are offered."""

SUBMIT_DELIVERABLE = TerminalTool("submit_deliverable", Deliverable)
ASK_QUESTION = TerminalTool("ask_question", Question)
RAISE_ESCALATION = TerminalTool(
    "raise_escalation",
    Escalation,
    "Ask a person to decide what only a human can (seed 004's escalation): conflicting requirements, "
    "a security-versus-speed trade-off, a breaking change, work out of scope. Give the issue, the "
    "workflow stage, two or more options with their trade-offs, your recommendation, and the task "
    "keys it blocks. The task waits for the decision, which comes back to you as this tool's result.",
)
SUBMIT_REVIEW = TerminalTool("submit_review", ReviewVerdict)
SUBMIT_PLAN = TerminalTool("submit_plan", Plan)
SUBMIT_REPLY = TerminalTool("submit_reply", AgentReply)

TERMINAL_TOOLS: tuple[TerminalTool, ...] = (
    SUBMIT_DELIVERABLE,
    ASK_QUESTION,
    RAISE_ESCALATION,
    SUBMIT_REVIEW,
    SUBMIT_PLAN,
    SUBMIT_REPLY,
)
"""Every terminal tool, in the fixed order they are offered."""

CALLS: dict[str, tuple[tuple[ReadTool, ...], tuple[TerminalTool, ...]]] = {
    "work": (READ_TOOLS, (SUBMIT_DELIVERABLE, ASK_QUESTION, RAISE_ESCALATION)),
    "review": (READ_TOOLS, (SUBMIT_REVIEW,)),
    "plan": (READ_TOOLS, (SUBMIT_PLAN,)),
    "answer": (READ_TOOLS, (SUBMIT_REPLY,)),
}
"""Per kind of call: the read tools and the terminal tools it may call (the first is forced on
the last turn). Every call is *offered* all tools in one fixed order, so the cached prefix (tools,
then the team preamble) is the same bytes for every agent and kind of call; a terminal tool the
call may not use is answered with an error naming the ones it may."""

__all__ = ["CALLS", "READ_TOOLS", "TERMINAL_TOOLS", "ReadTool", "TerminalTool", "ToolContext"]
