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
from dataclasses import dataclass, field

from agents.brain import BrainResult, PlanContext, ReviewContext, ThreadContext, WorkContext
from agents.checklists import (
    CHECKLISTS,
    DependencyNote,
    checklist_for,
    open_questions_for,
    render_body,
    snippet_for,
)
from agents.roster import Agent
from agents.triage import (
    MAX_REQUIREMENTS,
    ParsedRequest,
    Requirement,
    data_model_words,
    guess_entities,
    parse_request,
    role_scores,
    roles_for,
    sensitive_words,
    triage,
)
from agents.workflows import CONTEXT_SAVE, LARGE_REQUEST, WorkflowStep, workflow_for
from maestro.models import Priority, Task, TaskStatus
from maestro.plans import (
    MAX_PLAN_TASKS,
    AgentReply,
    CycleError,
    Deliverable,
    GateChecklist,
    IssueType,
    Plan,
    PlannedTask,
    critical_path,
    find_cycle,
    validate_plan,
)

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
        """Triage and decompose a request into a plan (see :func:`build_plan`)."""
        return BrainResult[Plan](value=build_plan(ctx.request), brain="offline")

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


@dataclass
class _Draft:
    ref: str
    title: str
    role: str
    kind: str
    step: str
    description: str = ""
    criteria: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    estimate: int = 2
    requirement: Requirement | None = None
    optional: bool = False


_SERVICES_RE = re.compile(
    r"\b(services?|api|contracts?|deploy\w*|staging|production|kubernetes|k8s|helm|compose|gateway|"
    r"terraform|infrastructure)\b",
    re.I,
)
_SCHEMA_RE = re.compile(
    r"\b(index\w*|schema|columns?|partition\w*|denormali[sz]\w*|migrations?|tables?)\b", re.I
)
_UNKNOWN_VULN_RE = re.compile(
    r"\b(CVE|dependenc\w*|librar\w*|packages?|upgrade|unknown|zero-day|advisory|third-party)\b", re.I
)
_MCP_RE = re.compile(r"\bMCP\b")
_DATABASE_ERROR_RE = re.compile(
    r"\b(database|db|quer(?:y|ies)|sql|deadlocks?|migrations?|connection pool|postgres\w*|mysql)\b", re.I
)
_URGENT_RE = re.compile(r"\b(must|required|requires|payments?|security|critical|urgent|asap|blocker)\b", re.I)
_BACKEND_PART_RE = re.compile(r"\b(api|endpoints?|back-?end|services?|persist\w*|stored?|database)\b", re.I)
_EXTERNAL_RE = re.compile(
    r"\b(payments?|integrat\w*|third-party|external|real-time|migrations?|webhooks?)\b", re.I
)
_PROBLEM_RE = re.compile(
    r"\b(fail\w*|broken|errors?|is down|crash\w*|slow|timeouts?|not working|exceptions?|5\d\d|5xx|leak\w*|"
    r"vulnerab\w*|spik\w*|xss|injection|cve)\b",
    re.I,
)
_PROBLEM_TYPES = ("production-error", "devops", "database-performance", "security")


def _quoted(words: Sequence[str], limit: int = 3) -> str:
    picked = [f"“{w}”" for w in list(dict.fromkeys(words))[:limit]]
    if len(picked) <= 1:
        return "".join(picked)
    return ", ".join(picked[:-1]) + " and " + picked[-1]


def _conditions(parsed: ParsedRequest) -> dict[str, tuple[bool, str]]:
    text = parsed.text
    model_words = data_model_words(parsed)
    sensitive = sensitive_words(text)

    def hits(pattern: re.Pattern[str]) -> list[str]:
        return list(dict.fromkeys(m.group(0) for m in pattern.finditer(text)))

    services, schema, vuln, db_err = (
        hits(_SERVICES_RE),
        hits(_SCHEMA_RE),
        hits(_UNKNOWN_VULN_RE),
        hits(_DATABASE_ERROR_RE),
    )
    count = len(parsed.requirements)
    return {
        "data-model-changes": (bool(model_words), f"the request mentions {_quoted(model_words)}"),
        "services-affected": (bool(services), f"the change touches {_quoted(services)}"),
        "schema-changes": (bool(schema), f"the request mentions {_quoted(schema)}"),
        "unknown-vulnerability": (bool(vuln), f"the request mentions {_quoted(vuln)}"),
        "mcp-needed": (bool(_MCP_RE.search(text)), "the request mentions “MCP”"),
        "sensitive-data": (bool(sensitive), f"it touches {_quoted(sensitive)}"),
        "large-request": (count >= LARGE_REQUEST, f"it has {count} requirements"),
        "database-related": (bool(db_err), f"the errors involve {_quoted(db_err)}"),
    }


_IMPERATIVE_VERBS = frozenset(
    """
    add build create implement support enable allow fix integrate migrate write design provide expose make
    update remove deploy move replace refactor introduce send show display store let ensure upgrade rotate
    configure automate document investigate evaluate research compare optimize optimise speed reduce improve
    validate monitor connect sync generate export import delete rename split merge audit harden patch define
    publish notify reserve handle parse enforce limit restrict encrypt backfill clean drop find identify
    determine choose pick select decide set setup run check verify prevent protect block allow convert
    extend replace redesign rewrite track record capture collect calculate compute return accept reject
    schedule retry cache clarify
    """.split()
)
_PROPER_NOUNS = frozenset(
    """
    stripe redis docker kubernetes postgresql postgres github gitlab slack kafka terraform helm react sendgrid
    elasticsearch circleci jenkins aws gcp azure google python go typescript javascript node linux mysql
    mongodb jira salesforce shopify paypal twilio okta auth0 grafana prometheus jaeger nginx vue angular
    django flask fastapi rails openai anthropic claude maestro i sql jwt api
    """.split()
)
_ACTOR = (
    r"(?:the |a |an |our |all |any )?(?:users?|customers?|admins?|administrators?|people|members?|buyers?|"
    r"sellers?|clients?|visitors?|staff|managers?|operators?|developers?|we|you|shoppers?|guests?|"
    r"team members?|merchants?|employees?)"
)
_PARTICIPLES = {
    "implemented": "Implement",
    "built": "Build",
    "added": "Add",
    "created": "Create",
    "supported": "Support",
    "deployed": "Deploy",
    "configured": "Configure",
    "set up": "Set up",
    "integrated": "Integrate",
    "migrated": "Migrate",
    "documented": "Document",
    "tested": "Test",
}


def _lower_first(text: str) -> str:
    words = text.split(" ")
    first = words[0].rstrip(":,;.")
    if not re.fullmatch(r"[A-Z][a-z'’-]*", first) or first.lower() in _PROPER_NOUNS:
        return text
    rest = [w for w in words[1:4] if re.match(r"[A-Za-z]", w)]
    if rest and all(re.fullmatch(r"[A-Z][a-z]+", w) for w in rest):
        return text
    return first.lower() + text[len(first) :]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _cut(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:—-(") + "…"


def _be(subject: str) -> str:
    last = subject.split()[-1].lower() if subject.split() else ""
    return "are" if last.endswith("s") and not last.endswith(("ss", "us", "is")) else "is"


def imperative_title(text: str, verb: str = "Implement", issue_type: str = "backend-feature") -> str:
    """Turn a requirement into an imperative task title (not cut to length).

    ``"Users can create orders"`` → ``"Let users create orders"``; ``"Inventory must be reserved"`` →
    ``"Ensure inventory is reserved"``; ``"Orders contain line items"`` → ``"Implement orders that
    contain line items"``; a noun phrase gets ``verb`` in front; for incident-like issue types a
    problem statement becomes ``"Fix: …"``.
    """
    t = re.sub(r"\s*\([^)]*\bAgent\b[^)]*\)", "", text).strip()
    t = re.sub(r"^(?:please|pls|kindly)\s+", "", t, flags=re.I)
    t = re.sub(r"^(?:we|i)\s+(?:really\s+)?(?:need|want|would like|have)\s+(?:to\s+)?", "", t, flags=re.I)
    t = re.sub(r"\s+(?:is\s+|are\s+)?(?:required|needed|a must)$", "", t, flags=re.I).strip(" .")
    if not t:
        return verb
    first = re.split(r"[\s:,]", t, maxsplit=1)[0].lower()
    if first in _IMPERATIVE_VERBS:
        return _upper_first(t)
    if issue_type in _PROBLEM_TYPES and _PROBLEM_RE.search(t):
        return "Fix: " + _lower_first(t)
    match = re.match(
        rf"^({_ACTOR})\s+(?:can|could|should be able to|must be able to|shall be able to|are able to|"
        rf"will be able to|may|need to|should|must|want to|get to)\s+(.+)$",
        t,
        flags=re.I,
    )
    if match:
        return f"Let {match.group(1).lower()} {match.group(2)}"
    match = re.match(
        r"^(.{2,60}?)\s+(?:must|should|shall|will|needs to|has to|have to)\s+be\s+(.+)$", t, re.I
    )
    if match:
        subject = _lower_first(match.group(1))
        return f"Ensure {subject} {_be(subject)} {match.group(2)}"
    match = re.match(r"^(.{2,60}?)\s+(?:must|should|shall|will|needs to|has to|have to)\s+(.+)$", t, re.I)
    if match:
        return f"Make {_lower_first(match.group(1))} {match.group(2)}"
    match = re.match(rf"^(.{{2,60}}?)\s+(fully\s+)?({'|'.join(_PARTICIPLES)})\b(.*)$", t, re.I)
    if match:
        adverb = "Fully " if match.group(2) else ""
        action = _PARTICIPLES[match.group(3).lower()]
        action = action.lower() if adverb else action
        return f"{adverb}{action} {_lower_first(match.group(1))}{match.group(4)}"
    match = re.match(
        r"^(.{2,60}?)\s+(stable|complete|completed|working|ready|operational|done|in place|available|green|"
        r"passing)\b(.*)$",
        t,
        re.I,
    )
    if match:
        return f"Make {_lower_first(match.group(1))} {match.group(2)}{match.group(3)}"
    match = re.match(r"^(.+?)\s+set-?up$", t, re.I)
    if match:
        return f"Set up {_lower_first(match.group(1))}"
    match = re.match(
        r"^((?:\S+\s+){0,3}?\S+)\s+(contains?|includes?|has|have|holds?|supports?|uses?|shows?|lists?|"
        r"displays?|sends?|tracks?|stores?|keeps?)\s+(.+)$",
        t,
        re.I,
    )
    if match:
        return f"{verb} {_lower_first(match.group(1))} that {match.group(2)} {match.group(3)}"
    return f"{verb} {_lower_first(t)}"


def _title(base: str, suffix: str = "") -> str:
    room = 140 - len(suffix)
    title = _cut(base, room) + suffix
    return title if len(title) >= 3 else f"Task: {title}"


_HEAD_END_RE = re.compile(r"\s(?:on|for|of|with|in|to|at|by|from|when|that|which)\s|[(:,;—–]")


def _statement(text: str) -> str:
    text = re.sub(r"\s*\([^)]*\bAgent\b[^)]*\)", "", text).strip()
    text = re.sub(r"\s+(?:is\s+|are\s+)?(?:required|needed)$", "", text, flags=re.I)
    if re.search(
        r"\b(can|must|should|shall|will|is|are|contains?|includes?|has|have|supports?|sends?|shows?|"
        r"works?|returns?|stores?)\b",
        text,
        re.I,
    ):
        return _cut(_upper_first(text), 220)
    head = _HEAD_END_RE.split(text, maxsplit=1)[0].strip()
    verb = "work" if _be(head) == "are" else "works"
    return _cut(f"{_upper_first(text)} {verb} as specified", 220)


def _requirement_criteria(req: Requirement, labels: dict[str, Requirement]) -> list[str]:
    criteria = [_statement(req.text)]
    enumeration = re.search(r"\(([^()]*,[^()]*)\)", req.text) or re.search(r":\s*([^:]+,[^:]+)$", req.text)
    if enumeration and "Agent" not in enumeration.group(1):
        items = [i.strip(" `") for i in re.split(r",\s*(?:and\s+|or\s+)?", enumeration.group(1)) if i.strip()]
        if len(items) >= 2:
            criteria.append(_cut("Handles each of: " + ", ".join(items), 220))
    else:
        listed = re.search(r"\b(\w+(?:, \w+)+,? (?:and|or) \w+)\b", req.text)
        if listed:
            criteria.append(
                _cut(f"Each of “{listed.group(1)}” works and is tested, including invalid input", 220)
            )
    target = re.search(
        r"[^.;,]*(?:[<>≤≥]=?\s*)?\d+(?:\.\d+)?\s*(?:%|ms|s\b|sec\w*|minutes?|hours?|days?|requests?|rps|users?)"
        r"[^.;,]*",
        req.text,
        re.I,
    )
    if target:
        criteria.append(_cut(f"Meets the stated target: {target.group(0).strip()}", 220))
    criteria += [_cut(_upper_first(d), 220) for d in req.details[:2]]
    for label in req.depends_on_labels:
        if label in labels and len(criteria) < 4:
            criteria.append(_cut(f"Works with {label} ({labels[label].text})", 160))
    return list(dict.fromkeys(criteria))


def _words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words if len(w) > 2)


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return a.strip().lower() == b.strip().lower()
    return wa <= wb or wb <= wa or len(wa & wb) / len(wa | wb) >= 0.6


def _distinct(items: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for item in items:
        if item and not any(_similar(item, k) for k in kept):
            kept.append(item)
    return kept


def _merge_criteria(specific: Sequence[str], standard: Sequence[str], limit: int) -> list[str]:
    keep_specific = _distinct(specific)[: max(1, limit - min(2, len(standard)))]
    return _distinct([*keep_specific, *standard])[:limit]


def _description(*sentences: str) -> str:
    kept = [s.strip() for s in sentences if s and s.strip()]
    text = " ".join(s if s.endswith((".", "!", "?")) else s + "." for s in kept[:4])
    return _cut(text, 2000)


def _implementers(req: Requirement, step: WorkflowStep, room: int) -> list[str]:
    if not step.specialists:
        return [step.role]
    scores = role_scores(req.text)
    both = scores["frontend"] >= 2 and scores["backend"] >= 2 and _BACKEND_PART_RE.search(req.text)
    if both and step.role == "backend" and "frontend" in step.specialists and room > 1:
        return ["backend", "frontend"]
    guess = roles_for(req.text)
    return [guess] if guess in step.specialists else [step.role]


def _estimate(req: Requirement, role: str) -> int:
    base = {"backend": 3, "frontend": 3, "devops": 2, "qa": 2, "security": 2, "search-specialist": 1}.get(
        role, 2
    )
    if len(req.text) > 80 or req.details or re.search(r"\([^)]*,[^)]*\)", req.text):
        base += 1
    if _EXTERNAL_RE.search(req.text):
        base += 1
    return min(base, 10)


def _subject(parsed: ParsedRequest) -> str:
    if parsed.title_source in ("key", "heading", "line"):
        return _cut(parsed.title, 80)
    return f"“{_cut(parsed.title, 70)}”"


def _step_title(step: WorkflowStep, parsed: ParsedRequest) -> str:
    return _title(step.title.replace("{subject}", _subject(parsed)))


def _labels_summary(parsed: ParsedRequest) -> str:
    labels = [r.label for r in parsed.requirements]
    if len(labels) > 8:
        return f"{', '.join(labels[:8])} and {len(labels) - 8} more"
    return ", ".join(labels)


def _covers(parsed: ParsedRequest) -> str:
    if len(parsed.requirements) <= 1:
        return f"It covers {_subject(parsed)}"
    return f"It covers requirements {_labels_summary(parsed)} of {_subject(parsed)}"


def build_plan(request: str) -> Plan:
    """Plan a request offline: parse, triage, and decompose it along its issue type's workflow.

    The workflow's design or investigation steps become one task each; each requirement becomes one
    implementation task (two — API and UI — when it asks for both), depending on the design and on
    the requirements it names as dependencies; then the closing steps (test plan with the request's
    success criteria, security review when payments/auth/personal data are touched, a decision
    record for large requests). Priorities follow the critical path and the request's wording.

    Args:
        request: the request as typed (any text; it need not follow a format).

    Returns:
        A plan that passes :func:`maestro.plans.validate_plan`, with at most
        :data:`maestro.plans.MAX_PLAN_TASKS` tasks. It never raises for odd input: if planning
        fails it logs the error and returns a one-task plan that asks for clarification.
    """
    try:
        plan = _build_plan(parse_request(request))
        validate_plan(plan)
        return plan
    except ValueError:
        logger.exception("offline planning failed; returning a one-task plan")
        return _fallback_plan(request)


def _build_plan(parsed: ParsedRequest) -> Plan:
    issue_type, reason = triage(parsed)
    workflow = workflow_for(issue_type)
    conditions = _conditions(parsed)
    drafts: list[_Draft] = []
    included: list[str] = []

    def new_ref() -> str:
        return f"P{len(drafts) + 1}"

    def holds(step: WorkflowStep) -> bool:
        return step.condition is None or conditions[step.condition][0]

    after_steps = [s for s in workflow.steps_of("after") if holds(s)]
    if conditions["large-request"][0] and not any(s.role == "context-manager" for s in workflow.steps):
        after_steps.append(CONTEXT_SAVE)
    before_steps = [s for s in workflow.steps_of("before") if holds(s)]
    for step in workflow.steps_of("before") + tuple(after_steps):
        if step.condition and holds(step):
            included.append(f"{step.name.lower()} because {conditions[step.condition][1]}")

    # Design / investigation steps, one after the other.
    design_refs: list[str] = []
    for step in before_steps:
        draft = _before_draft(new_ref(), step, parsed, conditions, design_refs[-1:])
        drafts.append(draft)
        design_refs.append(draft.ref)

    # Implementation: one or more tasks per requirement.
    implement = workflow.steps_of("implement")[0]
    labels = {r.label: r for r in parsed.requirements}
    by_label: dict[str, list[str]] = {}
    room = MAX_PLAN_TASKS - len(drafts) - len(after_steps)
    requirements = list(parsed.requirements)[: max(1, room)]
    for index, req in enumerate(requirements):
        still_needed = len(requirements) - index - 1
        roles = _implementers(req, implement, room - still_needed)
        for role in roles:
            draft = _implement_draft(new_ref(), req, role, roles, implement, parsed, issue_type, labels)
            draft.depends_on = list(design_refs[-1:]) if implement.needs == "design" else []
            if by_label.get(req.label):
                draft.depends_on.append(by_label[req.label][-1])
            drafts.append(draft)
            by_label.setdefault(req.label, []).append(draft.ref)
            room -= 1
    if not requirements:
        empty = parsed.title_source == "none"
        fallback = Requirement(label="R1", text=EMPTY_REQUEST if empty else parsed.title)
        draft = _implement_draft(
            new_ref(), fallback, implement.role, [implement.role], implement, parsed, issue_type, labels
        )
        draft.depends_on = list(design_refs[-1:])
        drafts.append(draft)
        by_label["R1"] = [draft.ref]
    implementation_refs = [d.ref for d in drafts if d.kind == "implement"]
    _add_requirement_dependencies(drafts, by_label)

    # Closing steps.
    for step in after_steps:
        if step.needs == "implementations":
            depends = implementation_refs or design_refs[-1:]
        elif step.needs == "sensitive-implementations":
            touched = [d.ref for d in drafts if d.kind == "implement" and sensitive_words(d.requirement.text)]
            depends = touched or implementation_refs
        else:
            waited_for = {dep for d in drafts for dep in d.depends_on}
            depends = [d.ref for d in drafts if d.ref not in waited_for]
        drafts.append(_after_draft(new_ref(), step, parsed, conditions, list(depends)))

    tasks = _finish(drafts, issue_type)
    rationale_parts = [reason, f"Workflow {workflow.name}: {workflow.describe()}."]
    if included:
        rationale_parts.append("Included " + "; ".join(included) + ".")
    rationale_parts.append(f"Reviewer: {workflow.reviewer}.")
    return Plan(
        brief=_brief(parsed),
        issue_type=issue_type,
        workflow=_cut(f"{workflow.name}: {workflow.pattern}", 200),
        rationale=_cut(" ".join(rationale_parts), 1000),
        not_planned=_not_planned(parsed, len(requirements)),
        reviewer=workflow.reviewer,
        tasks=tasks,
    )


def _not_planned(parsed: ParsedRequest, planned: int) -> str:
    """Say how many of the request's requirements the plan leaves out, and why ("" when none)."""
    total = len(parsed.requirements) + parsed.dropped
    if not parsed.requirements or planned >= total:
        return ""
    why = (
        f"a plan takes at most {MAX_REQUIREMENTS} requirements"
        if planned == len(parsed.requirements)
        else f"a plan has at most {MAX_PLAN_TASKS} tasks"
    )
    return (
        f"It covers the first {planned} of the request's {total} requirements ({why}); the other "
        f"{total - planned}, from the {_ordinal(planned + 1)} on, are not planned: send them in another "
        "`/orchestrate`."
    )


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _brief(parsed: ParsedRequest) -> str:
    if parsed.objective:
        brief = f"{parsed.title}: {parsed.objective}"
    elif parsed.requirements and parsed.requirements[0].text != parsed.title:
        count = len(parsed.requirements)
        first = _cut(parsed.requirements[0].text, 80)
        brief = f"{parsed.title}: {count} requirement{'s' if count != 1 else ''}, starting with “{first}”"
    else:
        brief = parsed.title
    brief = _cut(brief, 300)
    return brief if len(brief) >= 3 else "Untitled request"


def _before_draft(
    ref: str,
    step: WorkflowStep,
    parsed: ParsedRequest,
    conditions: dict[str, tuple[bool, str]],
    depends: list[str],
) -> _Draft:
    role = step.role
    # Seed 004's ANALYZE step: "based on error type, route to the appropriate architect".
    if step.name == "ANALYZE" and conditions["database-related"][0]:
        role = "database-architect"
    checklist = checklist_for(role)
    entities = guess_entities(" ".join([parsed.title, *(r.text for r in parsed.requirements)]))
    covers = _covers(parsed)
    why = f"Included because {conditions[step.condition][1]}" if step.condition else ""
    extra = ""
    if role in ("backend-architect", "database-architect") and entities:
        extra = f"Entities suggested by the request: {', '.join(entities)}"
    if role == "backend-architect" and parsed.notes:
        extra = (extra + ". " if extra else "") + "Integration points: " + _cut("; ".join(parsed.notes), 200)
    specific = [*step.pass_criteria]
    if len(parsed.requirements) > 1:
        specific.append(_cut(f"Addresses every requirement: {_labels_summary(parsed)}", 200))
    return _Draft(
        ref=ref,
        title=_step_title(step, parsed),
        role=role,
        kind="before",
        step=step.name,
        description=_description(step.purpose, covers, extra, why or checklist.focus),
        criteria=_merge_criteria(specific, checklist.standard_criteria, MAX_TASK_CRITERIA),
        outputs=_distinct([*step.outputs, *checklist.expected_outputs])[:6],
        depends_on=list(depends),
        estimate=step.estimate_days + (1 if len(parsed.requirements) >= LARGE_REQUEST else 0),
    )


def _implement_draft(
    ref: str,
    req: Requirement,
    role: str,
    roles: Sequence[str],
    step: WorkflowStep,
    parsed: ParsedRequest,
    issue_type: str,
    labels: dict[str, Requirement],
) -> _Draft:
    checklist = checklist_for(role)
    suffix = f" ({req.label})" if req.explicit_label else ""
    if len(roles) > 1:
        suffix = (" — API" if role == "backend" else " — UI") + suffix
    title = _title(imperative_title(req.text, checklist.verb, issue_type), suffix)
    what = f"{step.purpose.rstrip('.')} for {req.label}: “{_cut(req.text, 300)}”"
    if req.details:
        context = "Details: " + _cut("; ".join(req.details), 400)
    elif parsed.objective:
        context = f"It serves {_subject(parsed)}, whose objective is: {_cut(parsed.objective, 220)}"
    else:
        context = f"It is part of {_subject(parsed)}"
    named = [
        f"{label} ({_cut(labels[label].text, 50)})" for label in req.depends_on_labels if label in labels
    ]
    after = ""
    if named:
        after = "It builds on " + ", ".join(named)
    elif step.needs == "design":
        after = "It starts once the design tasks are done and follows their contract"
    specific = [*_requirement_criteria(req, labels)[:3], *step.pass_criteria[:1]]
    outputs = _distinct([*checklist.expected_outputs, *step.outputs])[:6]
    return _Draft(
        ref=ref,
        title=title,
        role=role,
        kind="implement",
        step=step.name,
        description=_description(what, context, after, checklist.focus),
        criteria=_merge_criteria(specific, checklist.standard_criteria, MAX_TASK_CRITERIA),
        outputs=outputs,
        estimate=_estimate(req, role),
        requirement=req,
        optional=req.optional,
    )


def _after_draft(
    ref: str,
    step: WorkflowStep,
    parsed: ParsedRequest,
    conditions: dict[str, tuple[bool, str]],
    depends: list[str],
) -> _Draft:
    checklist = checklist_for(step.role)
    specific = list(step.pass_criteria)
    limit = MAX_TASK_CRITERIA
    sentences = [step.purpose]
    if step.carries_success_criteria:
        specific = [*(_cut(c, 220) for c in parsed.success_criteria), *specific]
        limit = MAX_QA_CRITERIA
        if parsed.success_criteria:
            sentences.append(f"It proves the request's {len(parsed.success_criteria)} success criteria")
    sentences.append(_covers(parsed))
    if step.condition:
        sentences.append(f"Included because {conditions[step.condition][1]}")
    else:
        sentences.append(checklist.focus)
    estimate = step.estimate_days + (
        1 if step.role == "qa" and len(parsed.requirements) >= LARGE_REQUEST else 0
    )
    return _Draft(
        ref=ref,
        title=_step_title(step, parsed),
        role=step.role,
        kind="after",
        step=step.name,
        description=_description(*sentences),
        criteria=_merge_criteria(specific, checklist.standard_criteria, limit),
        outputs=_distinct([*step.outputs, *checklist.expected_outputs])[:6],
        depends_on=depends,
        estimate=estimate,
    )


def _add_requirement_dependencies(drafts: list[_Draft], by_label: dict[str, list[str]]) -> None:
    """Make each implementation wait for the implementations of the requirements it names (no cycles)."""
    graph = {d.ref: list(d.depends_on) for d in drafts}
    first_of = {refs[0]: label for label, refs in by_label.items()}
    for draft in drafts:
        if draft.kind != "implement" or draft.requirement is None or draft.ref not in first_of:
            continue
        for label in draft.requirement.depends_on_labels:
            for dep in by_label.get(label, []):
                if dep == draft.ref or dep in graph[draft.ref]:
                    continue
                graph[draft.ref].append(dep)
                if find_cycle(graph):
                    graph[draft.ref].remove(dep)
                    continue
                draft.depends_on.append(dep)


def _finish(drafts: list[_Draft], issue_type: IssueType) -> list[PlannedTask]:
    graph = {d.ref: d.depends_on for d in drafts}
    try:
        path = set(critical_path(graph, {d.ref: d.estimate for d in drafts}))
    except CycleError:
        path = set()
    tasks = []
    for draft in drafts:
        text = draft.requirement.text if draft.requirement else ""
        if draft.optional:
            priority = Priority.LOW
        elif draft.ref in path and issue_type == "production-error":
            priority = Priority.CRITICAL
        elif draft.ref in path or _URGENT_RE.search(text) or draft.role == "security":
            priority = Priority.HIGH
        else:
            priority = Priority.MEDIUM
        tasks.append(
            PlannedTask(
                ref=draft.ref,
                title=draft.title,
                role=draft.role,
                priority=priority,
                description=draft.description,
                acceptance_criteria=draft.criteria[:12],
                expected_outputs=draft.outputs[:12],
                depends_on=list(dict.fromkeys(draft.depends_on)),
                estimate_days=max(1, min(30, draft.estimate)),
                requirement=text or None,
                kind="code" if draft.kind == "implement" and draft.role in CODE_ROLES else "document",
            )
        )
    return tasks


CODE_ROLES = frozenset({"backend", "frontend", "devops", "database-architect"})
"""Roles whose implementation steps deliver code (a migration, a service, a deploy)."""


def _fallback_plan(request: str) -> Plan:
    title = _cut(re.sub(r"\s+", " ", request or "").strip(), 120) or "Untitled request"
    task = PlannedTask(
        ref="P1",
        title=_title(f"Clarify and scope: {title}"),
        role="backend-architect",
        priority=Priority.MEDIUM,
        description="The offline planner could not decompose this request. Restate it as a list.",
        acceptance_criteria=["Request restated as a list of requirements", "Open questions listed"],
        expected_outputs=["Scoped requirement list"],
    )
    plan = Plan(
        brief=title if len(title) >= 3 else "Untitled request",
        issue_type="backend-feature",
        workflow="backend-feature: DESIGN → IMPLEMENT → REVIEW → APPROVE",
        rationale="Fallback: the offline planner failed on this request; see the logs.",
        tasks=[task],
    )
    validate_plan(plan)
    return plan


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
