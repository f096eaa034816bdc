"""The offline brain: deterministic, no network, the default brain.

It plans by parsing the request (:mod:`agents.triage`), triaging it into seed 004's issue types
and following that type's workflow (:mod:`agents.workflows`); it drafts a task's work by filling
its role's checklist (:mod:`agents.checklists`); instead of a review it gives a person seed 004's
review gate as a checklist, with what its keyword checks flagged; it answers thread questions
from the task's own data. Everything it writes says plainly that no model wrote it, and it never
completes, approves or ticks anything: the board tells the truth.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from agents.brain import BrainResult, PlanContext, ReviewContext, ThreadContext, WorkContext
from agents.checklists import (
    CHECKLISTS,
    DependencyNote,
    checklist_for,
    open_questions_for,
    render_body,
    snippet_for,
)
from agents.planner import build_plan
from agents.roster import Agent
from agents.wording import cut as _cut
from agents.wording import imperative_title
from maestro.models import Task, TaskStatus
from maestro.plans import AgentReply, Deliverable, GateChecklist, Plan

__all__ = [
    "GATE_ITEMS",
    "OFFLINE_NOTICE",
    "OFFLINE_REPLY_NOTE",
    "OfflineBrain",
    "build_deliverable",
    "build_plan",
    "build_reply",
    "find_secrets",
    "gate_checklist",
    "imperative_title",
]

logger = logging.getLogger(__name__)

OFFLINE_NOTICE = (
    "_DRAFT by the offline brain: a checklist filled from the task, not written by a model. "
    "A person reviews it._"
)
"""First line of every offline deliverable."""

OFFLINE_REPLY_NOTE = (
    "_I'm the offline brain: this answer comes from the task's data, not from a model. "
    "With `ANTHROPIC_API_KEY` set, a model would give a fuller answer._"
)
"""Last line of every offline thread reply."""

EMPTY_REQUEST = "Clarify what is being asked (the request was empty)"
"""The one requirement planned for an empty request."""

MAX_TASK_CRITERIA = 6
"""Most acceptance criteria an ordinary planned task gets."""

MAX_QA_CRITERIA = 10
"""Most acceptance criteria the task that carries the request's success criteria gets."""


class OfflineBrain:
    """A brain that needs no network: templates, keyword rules and seed 004's workflows."""

    name = "offline"

    def plan(self, ctx: PlanContext, agent: Agent, session: object = None) -> BrainResult[Plan]:
        """Triage and decompose a request (see :func:`build_plan`), as the type a person chose if any."""
        return BrainResult[Plan](value=build_plan(ctx.request, ctx.issue_type), brain="offline")

    def work(self, ctx: WorkContext, session: object = None) -> BrainResult[Deliverable]:
        """Fill the role's checklist from the task (see :func:`build_deliverable`)."""
        return BrainResult[Deliverable](value=build_deliverable(ctx), brain="offline")

    def review(self, ctx: ReviewContext, session: object = None) -> BrainResult[GateChecklist]:
        """Give a person the review gate as a checklist; never a verdict (see :func:`gate_checklist`)."""
        return BrainResult[GateChecklist](value=gate_checklist(ctx.task, ctx.deliverable), brain="offline")

    def answer(self, ctx: ThreadContext, session: object = None) -> BrainResult[AgentReply]:
        """Answer a thread question from the task's data (see :func:`build_reply`)."""
        return BrainResult[AgentReply](value=build_reply(ctx), brain="offline")


# --- plan -------------------------------------------------------------------------------------
# Planning lives in agents.planner; build_plan is re-exported here for the brain and older callers.


# --- work -------------------------------------------------------------------------------------


def _role_of(ctx: WorkContext) -> str:
    if ctx.agent.id in CHECKLISTS:
        return ctx.agent.id
    assignee = ctx.task.assignee
    if assignee is not None and assignee.kind == "agent" and assignee.id in CHECKLISTS:
        return assignee.id
    return "backend"


def build_deliverable(ctx: WorkContext) -> Deliverable:
    """Draft a task's work offline: the role's checklist filled from the task, its dependencies and feedback.

    A draft for a person, never finished work: the body starts with :data:`OFFLINE_NOTICE`,
    ``criteria_met`` is empty (nothing checked them), the open questions say what it could not
    answer; on ``attempt > 1`` every must-fix item gets an explicit answer.
    """
    task = ctx.task
    role = _role_of(ctx)
    checklist = checklist_for(role)
    dependencies = [
        DependencyNote(key=d.key, title=d.title, role=d.role, summary=d.summary) for d in ctx.dependencies
    ]
    feedback = list(ctx.review_feedback) if ctx.attempt > 1 else []
    body = render_body(
        role=role,
        notice=OFFLINE_NOTICE,
        key=task.key,
        title=task.title,
        description=task.description,
        criteria=task.acceptance_criteria,
        outputs=task.expected_outputs,
        dependencies=dependencies,
        feedback=feedback,
        attempt=ctx.attempt,
        plan_brief=ctx.plan_brief,
    )
    text = " ".join([task.title, task.description, *task.acceptance_criteria])
    snippet = snippet_for(role, key=task.key, title=task.title, text=text)
    questions = open_questions_for(role, task.title, task.description)
    have = {d.key for d in ctx.dependencies}
    missing = [key for key in task.depends_on if key not in have]
    if missing:
        questions.append(
            f"The deliverables of {', '.join(missing)} were not available; is their design settled?"
        )
    parts = [f"Draft {checklist.deliverable.lower()} for {task.key}, filled offline from the task"]
    count = len(task.acceptance_criteria)
    parts.append(
        f"goes through its {count} acceptance criteria for a person to check"
        if count
        else "the task gives no criteria"
    )
    if feedback:
        parts.append(f"answers {len(feedback)} review item{'s' if len(feedback) != 1 else ''}")
    if snippet:
        parts.append(f"attaches {snippet.name}")
    return Deliverable(
        summary=_cut("; ".join(parts) + ".", 500),
        body=body,
        files=[snippet] if snippet else [],
        criteria_met=[],
        open_questions=questions[:10],
    )


# --- review -----------------------------------------------------------------------------------

_CONFIG_SECRET_RE = re.compile(
    r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|token|client[_-]?secret)"
    r"\s*[=:]\s*['\"]?(?![$<{%*])[^\s'\",;]{4,}"
)
_PROSE_SECRET_RE = re.compile(
    r"(?i)\b(?:password|passwd|pwd|api[_-]?key|secret)\s*=\s*['\"]?(?![$<{%*])[^\s'\",;]{4,}"
)
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key", re.compile(r"\bAKIA[0-9A-Z]{12,}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{6,}")),
    ("an API key (sk-…)", re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}")),
)
_SQL_BUILT_RE = re.compile(
    r"execute\(\s*f[\"']|execute\([^)]*[\"']\s*%\s|[\"']\s*(?:SELECT|INSERT|UPDATE|DELETE)\b[^\"']*[\"']\s*\+",
    re.I,
)
_XSS_RE = re.compile(r"\.innerHTML\s*=|dangerouslySetInnerHTML|\beval\(|\|\s*safe\b")
_DROP_RE = re.compile(r"\bDROP\s+(?:TABLE|COLUMN)\b|\bALTER\s+TABLE\b[^;]*\bDROP\b", re.I)
_DOWN_RE = re.compile(r"migrate:down|--\s*down\b|\brollback\b|\bdef downgrade\b", re.I)
_TEST_RE = re.compile(r"\btests?\b|\btesting\b|\bspec\b", re.I)


def _mask(value: str) -> str:
    return value[:6] + "…" if len(value) > 6 else value[:2] + "…"


def find_secrets(text: str, *, config: bool = True) -> list[tuple[str, str]]:
    """Return ``(what, masked excerpt)`` for each secret-looking string in ``text``.

    Args:
        text: file content or prose.
        config: also flag ``key: value`` pairs (files); prose only flags ``key=value``.
    """
    found: list[tuple[str, str]] = []
    assignment = _CONFIG_SECRET_RE if config else _PROSE_SECRET_RE
    for match in assignment.finditer(text or ""):
        found.append(("a hard-coded credential", _mask(match.group(0))))
    for what, pattern in _TOKEN_PATTERNS:
        for match in pattern.finditer(text or ""):
            found.append((what, _mask(match.group(0))))
    return found


def _normal(text: str) -> str:
    return re.sub(r"[^\w%<>=]+", " ", (text or "").lower()).strip()


GATE_ITEMS: tuple[str, ...] = (
    "No secret, token or password in the work (MUST PASS)",
    "External inputs validated (MUST PASS)",
    "Errors handled, none swallowed (MUST PASS)",
    "No OWASP Top 10 vulnerability, e.g. injection or XSS (MUST PASS)",
    "Tests for new functionality (MUST PASS, for code)",
)
"""Seed 004's MUST PASS review gate, as items for a person to check."""


def gate_checklist(task: Task, deliverable: Deliverable) -> GateChecklist:
    """Return seed 004's review gate as a checklist for a person, with what keyword checks flagged.

    Not a verdict: no model read the work. ``items`` are the task's acceptance criteria, then
    :data:`GATE_ITEMS`; ``flags`` are what the deterministic checks found in the deliverable: a
    secret-looking string, string-built SQL, unescaped HTML, a DROP without a down step, no tests
    named in implementation work, criteria the body never mentions.

    Args:
        task: the task the deliverable is for (its acceptance criteria are the bar).
        deliverable: what the agent produced.
    """
    flags: list[str] = []
    text = _normal(deliverable.body + " " + " ".join(f.content for f in deliverable.files))
    flags += [
        f"The work never mentions criterion “{_cut(c, 160)}”"
        for c in task.acceptance_criteria
        if _normal(c) not in text
    ]
    for snippet in deliverable.files:
        for what, excerpt in find_secrets(snippet.content):
            flags.append(f"{snippet.name} holds {what} (`{excerpt}`)")
        if _SQL_BUILT_RE.search(snippet.content):
            flags.append(f"{snippet.name} builds SQL from strings (injection risk)")
        if _XSS_RE.search(snippet.content):
            flags.append(f"{snippet.name} writes raw HTML or uses eval (XSS risk)")
        if _DROP_RE.search(snippet.content) and not _DOWN_RE.search(snippet.content):
            flags.append(f"{snippet.name} drops data with no down or rollback step")
    for what, excerpt in find_secrets(deliverable.body, config=False):
        flags.append(f"The body holds {what} (`{excerpt}`)")
    role = task.assignee.id if task.assignee and task.assignee.kind == "agent" else ""
    if role in ("backend", "frontend") and not _TEST_RE.search(
        deliverable.body + " ".join(f.content for f in deliverable.files)
    ):
        flags.append("Implementation work that names no tests")
    items = [_cut(c, 300) for c in task.acceptance_criteria][:25] + list(GATE_ITEMS)
    return GateChecklist(items=items[:30], flags=[_cut(f, 300) for f in dict.fromkeys(flags)][:15])


# --- answer -----------------------------------------------------------------------------------

_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "status",
        re.compile(
            r"\b(status|progress|how(?:'s| is| are) (?:it|things|that) going|eta|done yet|update|"
            r"where are we|percent|how far|finished)\b",
            re.I,
        ),
    ),
    ("why", re.compile(r"\b(why|reason|purpose|what for)\b", re.I)),
    ("next", re.compile(r"\b(next|then what|after this|what now|plan)\b", re.I)),
    ("who", re.compile(r"\b(who|owner|owns|assigned|responsible)\b", re.I)),
    ("blocked", re.compile(r"\b(block\w*|stuck|waiting|wait|depend\w*)\b", re.I)),
    (
        "criteria",
        re.compile(r"\b(criteria|criterion|acceptance|definition of done|requirements?|scope)\b", re.I),
    ),
    ("hello", re.compile(r"^\s*(hi|hello|hey|yo)\b|\bhelp\b|\bwhat can you\b|\bwho are you\b", re.I)),
)


def _status_text(task: Task) -> str:
    if task.status == TaskStatus.IN_PROGRESS:
        return f"in progress ({task.percent}%)"
    if task.status == TaskStatus.BLOCKED:
        return f"blocked: {task.blocked_reason or 'no reason given'}"
    return {
        TaskStatus.ASSIGNED: "assigned, not started yet",
        TaskStatus.REVIEW: "in review",
        TaskStatus.COMPLETED: "completed",
    }.get(task.status, task.status.value.lower())


def _who(task: Task) -> str:
    if task.assignee is None:
        return "nobody yet"
    if task.assignee.kind == "agent":
        return f"the {task.assignee.id} agent"
    return f"user {task.assignee.id}"


def _criteria_left(task: Task) -> str:
    if not task.acceptance_criteria:
        return "It has no acceptance criteria yet."
    if task.status == TaskStatus.COMPLETED:
        return f"All {len(task.acceptance_criteria)} acceptance criteria were accepted."
    items = "; ".join(_cut(c, 120) for c in task.acceptance_criteria[:6])
    more = f" (and {len(task.acceptance_criteria) - 6} more)" if len(task.acceptance_criteria) > 6 else ""
    return f"Acceptance criteria still to meet: {items}{more}."


def _next_text(task: Task) -> str:
    waits = (
        f" once {', '.join(task.depends_on)} {'is' if len(task.depends_on) == 1 else 'are'} done"
        if (task.depends_on)
        else ""
    )
    return {
        TaskStatus.ASSIGNED: f"Next: I start it{waits}.",
        TaskStatus.IN_PROGRESS: "Next: I finish the deliverable and send it to review.",
        TaskStatus.REVIEW: "Next: the reviewer's verdict; if rejected, I fix each must-fix item.",
        TaskStatus.BLOCKED: f"Next: clear the blocker ({task.blocked_reason or 'no reason given'}); then "
        f"`/task unblock {task.key}` puts it back where it was.",
        TaskStatus.COMPLETED: "Nothing: the task is done.",
    }.get(task.status, "Next: keep going.")


def _blocked_text(task: Task) -> str:
    if task.status == TaskStatus.BLOCKED:
        since = f" since {task.blocked_since:%Y-%m-%d %H:%M} UTC" if task.blocked_since else ""
        return f"Yes, it's blocked{since}: {task.blocked_reason or 'no reason given'}."
    if task.depends_on and task.status == TaskStatus.ASSIGNED:
        return f"It waits for {', '.join(task.depends_on)}; nothing else blocks it."
    return "Nothing blocks it right now."


def build_reply(ctx: ThreadContext) -> AgentReply:
    """Answer a thread question offline, from the task's (or plan's) own data.

    The agent introduces itself, restates its task (key, title, status, criteria left), answers the
    question's topics it recognises (status, why, what's next, who, blocked, criteria) and says it is
    the offline brain.
    """
    agent, task, question = ctx.agent, ctx.task, ctx.question
    lines = [f"I'm {agent.name} ({agent.role}, `{agent.id}`): {agent.specialty.rstrip('.')}."]
    topics = [name for name, pattern in _TOPICS if pattern.search(question)]
    if task is not None:
        lines.append(f"I'm on *{task.key} — {task.title}*, {_status_text(task)}.")
        answers = {
            "status": f"Status: {_status_text(task)}. {_criteria_left(task)}",
            "why": "Why: "
            + (_cut(task.description, 500) if task.description else "the task has no description")
            + (f" It's part of the plan “{_cut(ctx.plan_brief, 200)}”." if ctx.plan_brief else ""),
            "next": _next_text(task),
            "who": f"It's assigned to {_who(task)}; {task.created_by} created it.",
            "blocked": _blocked_text(task),
            "criteria": _criteria_left(task),
            "hello": "Ask me about its status, why it exists, what's next, who owns it or what blocks it.",
        }
        chosen = [answers[t] for t in topics if t != "hello" or len(topics) == 1]
        if not chosen:
            chosen = [
                "Offline I can only answer from the task's data, so here it is:",
                _criteria_left(task),
                _next_text(task),
            ]
        if (
            "status" not in topics
            and "criteria" not in topics
            and chosen
            and _criteria_left(task) not in chosen
        ):
            chosen.append(_criteria_left(task))
        lines += chosen
    elif ctx.plan_brief:
        lines.append(f"This thread is about the plan: {_cut(ctx.plan_brief, 300)}.")
        lines.append(
            "Offline I can't reason about the plan beyond what it says; ask in a task's thread, "
            "or use `/task list` for the board."
        )
    else:
        lines.append(
            "I'm not on a task in this thread. Ask me in a task's thread, or use `/task list` for the board."
        )
    lines.append(OFFLINE_REPLY_NOTE)
    return AgentReply(text=_cut_lines(lines, 3000))


def _cut_lines(lines: Sequence[str], limit: int) -> str:
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    note = "\n" + lines[-1]
    return _cut("\n".join(lines[:-1]), limit - len(note)) + note
