"""What the AI team returns, as pydantic models, and the pure maths of plans.

An agent never changes state: it returns one of these models and the job that called it applies
it. The docstring of each model the Claude brain fills is its tool's description, written for
that reader. Formats follow the seeds: seed 000's Task Assignment, seed 004's workflows, review
gate and escalation, seed 002's parallel batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from maestro.models import AGENT_ROLES, CriterionFinding, Priority, TaskKind

IssueType = Literal[
    "backend-feature",
    "frontend-feature",
    "devops",
    "database-performance",
    "production-error",
    "security",
    "integration",
    "data-migration",
    "research",
    "project",
]
"""Seed 004's issue types, each with its workflow, plus frontend-feature and data-migration.

``research`` is seed 004's pattern 3 (RESEARCH → DESIGN → …) and ``project`` its long-running,
multi-session project (workflow 7)."""

ISSUE_TYPES: tuple[str, ...] = (
    "backend-feature",
    "frontend-feature",
    "devops",
    "database-performance",
    "production-error",
    "security",
    "integration",
    "data-migration",
    "research",
    "project",
)

RequirementKind = Literal["functional", "acceptance", "constraint", "out_of_scope"]
"""What a requirement of a request is: something to build (functional), a check that says it is
done (acceptance), a rule the work must keep (constraint), or something the request excludes."""

COVERED_KINDS: frozenset[str] = frozenset({"functional", "acceptance"})
"""Requirement kinds every plan must give at least one task."""

Confidence = Literal["high", "medium", "low"]
"""How sure the triage is of the issue type."""

MAX_PLAN_TASKS = 40
"""Most tasks one plan may create."""


class PlannedTask(BaseModel):
    """One task of a plan (seed 000's Task Assignment), before it gets a board key.

    ``ref`` is the task's id inside the plan (``P1``, ``P2`` …); ``depends_on`` lists refs of
    tasks of the same plan that must be completed first. ``role`` is the agent that works it.
    """

    ref: str = Field(pattern=r"^P\d{1,3}$", description="Id inside the plan: P1, P2, …")
    title: str = Field(min_length=3, max_length=140, description="Concise task title, imperative.")
    role: str = Field(
        description="Agent role that works the task.", json_schema_extra={"enum": list(AGENT_ROLES)}
    )
    priority: Priority = Priority.MEDIUM
    description: str = Field(default="", max_length=2000, description="2–4 sentences: what to build and why.")
    acceptance_criteria: list[str] = Field(
        default_factory=list, max_length=12, description="Specific, testable criteria, one per item."
    )
    expected_outputs: list[str] = Field(
        default_factory=list, max_length=12, description="Files or artefacts."
    )
    depends_on: list[str] = Field(
        default_factory=list, description="Refs of tasks that must be completed first."
    )
    estimate_days: int = Field(default=2, ge=1, le=30, description="Working days of effort.")
    requirement: str | None = Field(default=None, description="The requirement of the request it serves.")
    kind: TaskKind = Field(
        default="document",
        description="document: a design, API contract, investigation, test plan, threat model, post-mortem, "
        "runbook or review; code: an implementation, migration or deploy.",
    )
    covers: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of the plan's requirements this task delivers or proves (R1, R2 …).",
    )
    owner: str = Field(
        default="", max_length=80, description="A person or team the request names as owning it, as written."
    )
    due: date | None = Field(default=None, description="A due date the request gives for it.")
    milestone: str = Field(
        default="",
        max_length=120,
        description="The request's phase or milestone it belongs to, with its target.",
    )
    waits_for: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="What outside the plan it waits for: another ticket (#280), a vendor set-up, a decision.",
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in AGENT_ROLES:
            raise ValueError(f"unknown role {value!r}; roles: {', '.join(AGENT_ROLES)}")
        return value


class PlanRequirement(BaseModel):
    """One requirement of the request, traced: what it says, where it came from, what kind it is.

    Take requirements only from what the request asks (its requirement, scope, acceptance and
    constraint lines), one per distinct ask, in the request's words; context and symptoms are not
    requirements. ``out_of_scope`` lines are kept so no task takes them on.
    """

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,3}\d{0,3}$", description="R1, R2 … in the request's order.")
    text: str = Field(min_length=1, max_length=500, description="The requirement, in the request's words.")
    source: str = Field(
        default="",
        max_length=80,
        description="Where in the request: a section and item, e.g. 'Requirements #3'.",
    )
    kind: RequirementKind = "functional"


class Plan(BaseModel):
    """The Master's plan for a request: its requirements, its type, and the tasks that cover them.

    List the request's requirements (``functional``, ``acceptance``, ``constraint``,
    ``out_of_scope``) with where each came from. Triage the request into one issue type from its
    title and description (never from its acceptance criteria or out-of-scope lines), say why in
    one line and how sure you are. Follow that type's workflow (seed 004): a feature designs only
    when it needs a new API, schema or integration, then builds in data-flow order (create before
    process before report; UI after the API it calls); an incident contains, investigates, makes
    one fix per confirmed cause, verifies and writes the post-mortem; a security report is
    confirmed and rated, contained, fixed once at the shared cause, covered by regression tests,
    then released with an advisory. An ambiguous request starts with one discovery task (or open
    questions) that everything else depends on. Every functional and acceptance requirement is in
    some task's ``covers``; nothing covers an out-of-scope one. Titles are imperative and specific;
    criteria are testable statements derived from the requirements (never the reported bug
    restated); name only what the request names. Tasks that don't depend on each other run in
    parallel.
    """

    brief: str = Field(min_length=3, max_length=300, description="The request in one or two sentences.")
    issue_type: IssueType
    type_reason: str = Field(
        default="", max_length=200, description="Why this type, in one line, quoting the request's words."
    )
    confidence: Confidence = Field(default="medium", description="How sure the triage is.")
    workflow: str = Field(
        max_length=200, description="The workflow followed, e.g. DESIGN → IMPLEMENT → REVIEW."
    )
    rationale: str = Field(default="", max_length=1000, description="Why this workflow and these steps.")
    not_planned: str = Field(
        default="",
        max_length=300,
        description="When the plan leaves some of the request's requirements out: how many and which, "
        "in one sentence. Empty when it covers them all. Shown at the top of the plan.",
    )
    reviewer: str = Field(
        default="code-reviewer",
        description="Agent role that reviews each deliverable.",
        json_schema_extra={"enum": list(AGENT_ROLES)},
    )
    requirements: list[PlanRequirement] = Field(min_length=1, max_length=60)
    assumptions: list[str] = Field(
        default_factory=list, max_length=10, description="What the plan assumes that the request doesn't say."
    )
    open_questions: list[str] = Field(
        default_factory=list, max_length=10, description="What a person must answer; the plan depends on it."
    )
    risks: list[str] = Field(
        default_factory=list, max_length=10, description="What could go wrong, and which task watches for it."
    )
    tasks: list[PlannedTask] = Field(min_length=1, max_length=MAX_PLAN_TASKS)

    @field_validator("reviewer")
    @classmethod
    def _known_reviewer(cls, value: str) -> str:
        if value not in AGENT_ROLES:
            raise ValueError(f"unknown role {value!r}")
        return value


class FileSnippet(BaseModel):
    """A file the deliverable proposes, shown as a snippet in the thread."""

    name: str = Field(max_length=200, description="Path or file name, e.g. migrations/001_orders.sql.")
    language: str = Field(default="", max_length=30, description="e.g. sql, python, yaml.")
    content: str = Field(max_length=6000)


class Deliverable(BaseModel):
    """An agent's work on a task: what it produced, as text and optionally file snippets.

    Cover every acceptance criterion of the task; say plainly what is assumed or left open.
    """

    summary: str = Field(min_length=3, max_length=500, description="One or two sentences for the thread.")
    body: str = Field(min_length=3, max_length=8000, description="The design, plan, or work, in markdown.")
    files: list[FileSnippet] = Field(default_factory=list, max_length=5)
    criteria_met: list[str] = Field(default_factory=list, description="Acceptance criteria this covers.")
    open_questions: list[str] = Field(default_factory=list, max_length=10)


class ReviewVerdict(BaseModel):
    """The reviewer's verdict on a deliverable, by seed 004's review gate.

    Check every acceptance criterion of the task against the deliverable itself (not against
    what its author claims) and give one finding per criterion, in the task's order: ``met``
    (quote the evidence), ``not_met`` (say what is missing) or ``not_checkable`` (the deliverable
    can't show it, e.g. "tests pass" for a design). REJECTED when any criterion is not met, any
    MUST PASS item fails (no exposed secrets; input validation on external inputs; proper error
    handling; no OWASP Top 10 vulnerability; tests for new functionality) or a rejection trigger
    applies. SHOULD PASS items (readability, duplication, performance, docs) are listed but
    don't reject alone.
    """

    verdict: Literal["APPROVED", "REJECTED"]
    summary: str = Field(min_length=3, max_length=500)
    findings: list[CriterionFinding] = Field(
        default_factory=list, max_length=20, description="One finding per acceptance criterion, in order."
    )
    must_fix: list[str] = Field(default_factory=list, max_length=15, description="Failed MUST PASS items.")
    should_fix: list[str] = Field(default_factory=list, max_length=15, description="SHOULD PASS remarks.")

    @model_validator(mode="after")
    def _consistent(self) -> ReviewVerdict:
        if self.verdict == "APPROVED" and self.must_fix:
            raise ValueError(
                "an APPROVED verdict has no must_fix items; REJECT it or move them to should_fix"
            )
        if self.verdict == "APPROVED" and any(f.status == "not_met" for f in self.findings):
            raise ValueError("an APPROVED verdict has no not_met finding; REJECT it")
        if self.verdict == "REJECTED" and not self.must_fix:
            raise ValueError("a REJECTED verdict lists at least one must_fix item")
        return self

    def check_findings(self, criteria: Sequence[str]) -> None:
        """Check there is one finding per acceptance criterion, in order.

        Raises:
            ValueError: a criterion has no finding, or the findings name other criteria; the
                message lists the criteria to go through.
        """
        if len(self.findings) == len(criteria) and all(
            _same_criterion(f.criterion, c) for f, c in zip(self.findings, criteria, strict=True)
        ):
            return
        wanted = "; ".join(f"{i}. {c}" for i, c in enumerate(criteria, 1)) or "(none)"
        raise ValueError(
            f"give exactly one finding per acceptance criterion, in order ({len(criteria)}): {wanted}"
        )


def _same_criterion(found: str, criterion: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.lower().split())

    return norm(found)[:200] == norm(criterion)[:200]


class GateChecklist(BaseModel):
    """The review gate as a checklist for a person: what to check, never a verdict.

    What the offline brain gives instead of a review (no model read the work): one item per
    acceptance criterion and per MUST PASS check of seed 004's gate, plus the problems its
    deterministic checks found (``flags``: a secret-looking string, string-built SQL, …).
    """

    kind: Literal["checklist"] = "checklist"
    items: list[str] = Field(default_factory=list, max_length=30)
    flags: list[str] = Field(default_factory=list, max_length=15)


class EscalationOption(BaseModel):
    """One option of an escalation, with its trade-off."""

    label: str = Field(min_length=1, max_length=80)
    tradeoff: str = Field(min_length=1, max_length=300)


class Escalation(BaseModel):
    """A decision only a human can make (seed 004's escalation format).

    Escalate for conflicting requirements, security vs. speed trade-offs, breaking changes, 3+
    review rejections, or work out of scope.
    """

    issue: str = Field(min_length=3, max_length=500)
    workflow_stage: str = Field(max_length=100)
    options: list[EscalationOption] = Field(default_factory=list, max_length=5)
    recommendation: str = Field(default="", max_length=500)
    blocking: list[str] = Field(default_factory=list, description="Task keys blocked until it is decided.")


class Question(BaseModel):
    """Ask the person who asked for the work one clarifying question, instead of guessing.

    Ask only when the answer changes the work and nothing you can read says it: the task waits
    in its thread until they answer, and their answer comes back to you as this tool's result.
    """

    question: str = Field(min_length=5, max_length=500, description="One question, answerable in a line.")
    why: str = Field(default="", max_length=300, description="What depends on the answer.")
    options: list[str] = Field(default_factory=list, max_length=5, description="Likely answers, if any.")


class AgentReply(BaseModel):
    """An agent's answer in a Slack thread: short, concrete, about the task or plan at hand."""

    text: str = Field(min_length=1, max_length=3000)
    escalation: Escalation | None = Field(default=None, description="Set only when a human must decide.")


class CycleError(ValueError):
    """Tasks depend on each other in a circle; ``cycle`` lists the refs or keys around it."""

    def __init__(self, cycle: Sequence[str]):
        self.cycle = list(cycle)
        super().__init__("These tasks wait for each other in a circle: " + " → ".join(self.cycle))


def topological_layers(depends_on: dict[str, Sequence[str]]) -> list[list[str]]:
    """Group tasks into parallel batches: each batch depends only on earlier batches.

    Args:
        depends_on: task id → ids it depends on (ids not in the dict are ignored).

    Returns:
        Batches in order; ids within a batch keep the dict's order.

    Raises:
        CycleError: the dependencies have a cycle; its message names it (``P1 → P2 → P1``).
    """
    remaining = {node: [d for d in deps if d in depends_on] for node, deps in depends_on.items()}
    done: set[str] = set()
    layers: list[list[str]] = []
    while remaining:
        layer = [node for node, deps in remaining.items() if all(d in done for d in deps)]
        if not layer:
            raise CycleError(find_cycle(remaining))
        layers.append(layer)
        done.update(layer)
        for node in layer:
            del remaining[node]
    return layers


def find_cycle(depends_on: dict[str, Sequence[str]]) -> list[str]:
    """Return one cycle of the graph as ``[a, b, …, a]``, or ``[]`` when there is none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for dep in depends_on.get(node, ()):
            if dep not in depends_on:
                continue
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in depends_on:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def critical_path(depends_on: dict[str, Sequence[str]], duration: dict[str, int]) -> list[str]:
    """Return the longest chain of dependent tasks by total duration, first task first.

    Args:
        depends_on: task id → ids it depends on (acyclic; see :func:`topological_layers`).
        duration: task id → days (missing ids count 1).
    """
    finish: dict[str, int] = {}
    previous: dict[str, str | None] = {}
    for layer in topological_layers(depends_on):
        for node in layer:
            deps = [d for d in depends_on[node] if d in depends_on]
            before = max(deps, key=lambda d: finish[d], default=None)
            finish[node] = (finish[before] if before else 0) + duration.get(node, 1)
            previous[node] = before
    if not finish:
        return []
    node: str | None = max(finish, key=lambda n: finish[n])
    path: list[str] = []
    while node is not None:
        path.append(node)
        node = previous[node]
    return path[::-1]


class CoverageError(ValueError):
    """A plan leaves a functional or acceptance requirement without a task, or takes on one out of scope.

    The message names each and says what to do.
    """


def coverage(plan: Plan) -> dict[str, list[str]]:
    """Return requirement id → refs of the tasks that cover it (every requirement, maybe none)."""
    covered: dict[str, list[str]] = {r.id: [] for r in plan.requirements}
    for task in plan.tasks:
        for rid in task.covers:
            if rid in covered and task.ref not in covered[rid]:
                covered[rid].append(task.ref)
    return covered


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def validate_plan(plan: Plan) -> list[list[str]]:
    """Check a plan's references and coverage, and return its batches (lists of refs).

    Raises:
        CoverageError: a functional or acceptance requirement has no task covering it, or a task
            covers an out-of-scope one (the message names them).
        ValueError: duplicate refs or requirement ids, a ``depends_on`` naming a ref the plan
            doesn't have, or ``covers`` naming a requirement it doesn't list.
        CycleError: the plan's dependencies have a cycle.
    """
    refs = [t.ref for t in plan.tasks]
    if len(set(refs)) != len(refs):
        raise ValueError(
            "two tasks share a ref: " + ", ".join(sorted({r for r in refs if refs.count(r) > 1}))
        )
    ids = [r.id for r in plan.requirements]
    if len(set(ids)) != len(ids):
        raise ValueError(
            "two requirements share an id: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1}))
        )
    known = set(refs)
    for task in plan.tasks:
        unknown = [d for d in task.depends_on if d not in known]
        if unknown:
            raise ValueError(f"{task.ref} depends on {', '.join(unknown)}, which the plan does not have")
        missing = [c for c in task.covers if c not in ids]
        if missing:
            raise ValueError(
                f"{task.ref} covers {', '.join(missing)}, which the plan's requirements don't list"
            )
    layers = topological_layers({t.ref: t.depends_on for t in plan.tasks})
    by_id = {r.id: r for r in plan.requirements}
    covered = coverage(plan)
    excluded = [
        f"{ref} covers {rid} ({_quote(by_id[rid].text)}), which the request puts out of scope"
        for rid, tasks in covered.items()
        if by_id[rid].kind == "out_of_scope"
        for ref in tasks
    ]
    uncovered = [
        f"{rid} ({by_id[rid].kind}: {_quote(by_id[rid].text)})"
        for rid, tasks in covered.items()
        if by_id[rid].kind in COVERED_KINDS and not tasks
    ]
    if uncovered or excluded:
        problems = []
        if uncovered:
            problems.append(
                "no task covers " + "; ".join(uncovered) + ": add the id to the covers of the task that "
                "delivers it (or proves it, for acceptance), or add a task for it"
            )
        if excluded:
            problems.append("; ".join(excluded) + ": drop it from covers")
        raise CoverageError(". ".join(problems))
    return layers


class PlanEdit(BaseModel):
    """A person's edit of a draft plan (the *Edit* modal): tasks to drop, new titles, new roles.

    Attributes:
        drop: refs of tasks to drop.
        titles: ref → new title.
        roles: ref → new agent role.
    """

    drop: list[str] = Field(default_factory=list)
    titles: dict[str, str] = Field(default_factory=dict)
    roles: dict[str, str] = Field(default_factory=dict)


class PlanEditError(ValueError):
    """An edit that can't be applied; ``field`` is the ref (or ``drop``) it is about, for the modal."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def edit_plan(plan: Plan, edit: PlanEdit) -> Plan:
    """Apply a person's edit to a draft plan (pure).

    A dropped task's dependents wait for what it waited for instead. Titles are trimmed; an
    unchanged title or role is no change.

    Raises:
        PlanEditError: an unknown ref or role, a title shorter than 3 or longer than 140
            characters, dropping every task, or dropping the only task that covers a functional
            or acceptance requirement (the message names it).
    """
    refs = {t.ref for t in plan.tasks}
    for ref in [*edit.drop, *edit.titles, *edit.roles]:
        if ref not in refs:
            raise PlanEditError("drop", f"The plan has no task {ref}.")
    if set(edit.drop) >= refs:
        raise PlanEditError("drop", "Keep at least one task: a plan with none can't be created.")
    dropped = set(edit.drop)
    by_ref = {t.ref: t for t in plan.tasks}

    def inherited(ref: str, seen: frozenset[str] = frozenset()) -> list[str]:
        if ref not in dropped:
            return [ref]
        found: list[str] = []
        for dep in by_ref[ref].depends_on:
            if dep not in seen:
                found += inherited(dep, seen | {ref})
        return found

    tasks = []
    for task in plan.tasks:
        if task.ref in dropped:
            continue
        changes: dict[str, object] = {}
        title = " ".join(edit.titles.get(task.ref, task.title).split())
        if not 3 <= len(title) <= 140:
            raise PlanEditError(task.ref, f"{task.ref}: a title has 3 to 140 characters.")
        if title != task.title:
            changes["title"] = title
        role = edit.roles.get(task.ref, task.role)
        if role not in AGENT_ROLES:
            raise PlanEditError(task.ref, f"{task.ref}: there is no role {role!r}.")
        if role != task.role:
            changes["role"] = role
        depends = [d for dep in task.depends_on for d in inherited(dep)]
        changes["depends_on"] = list(dict.fromkeys(depends))
        tasks.append(task.model_copy(update=changes))
    edited = plan.model_copy(update={"tasks": tasks})
    try:
        validate_plan(edited)
    except CoverageError:
        by_id = {r.id: r for r in plan.requirements}
        alone = [
            (ref, rid)
            for rid, covering in coverage(plan).items()
            if by_id[rid].kind in COVERED_KINDS and covering and set(covering) <= dropped
            for ref in covering[:1]
        ]
        ref, rid = alone[0]
        raise PlanEditError(
            "drop",
            f"{ref} is the only task covering {rid} ({_quote(by_id[rid].text)}): keep it, or rename it"
            " instead.",
        ) from None
    return edited
