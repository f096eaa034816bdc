"""The offline Master's planning: a request traced into requirements and decomposed like an engineer would.

:func:`build_plan` parses the request (:func:`agents.triage.parse_request`), triages it
(:func:`agents.triage.triage_request`) and follows the recipe of its issue type, the workflows of
seed 004 (:mod:`agents.workflows`) made concrete:

- a feature designs only when it needs a new API, schema or integration, builds in data-flow order
  (configuration and schema before what creates data, creating before processing, processing
  before what reacts or reports, a UI after the API it calls), builds what several targets share
  once and then applies it per target, and proves the acceptance checks in tests;
- an incident contains, investigates, makes one fix per confirmed cause (or one task per corrective
  action, with its owner and date), verifies, and ends with the post-mortem;
- a security report is reproduced and rated, contained, fixed once at the shared cause and then per
  path, covered by regression tests, passed through a security gate, and released with an advisory;
- a database-performance issue measures a baseline first and validates against it after the fix;
- a data migration inventories what is left, migrates idempotently, tests re-runs, rehearses and ships
  an upgrade note;
- devops diagnoses before changing, leaves trade-offs to a person, verifies on a real deploy and keeps
  a rollback note;
- a project keeps its phases as milestones with their targets, gates each phase on the last, and
  orders the steps the request says must come first;
- an ambiguous request starts with discovery, which everything else waits for.

Every task says which requirements it covers; :func:`maestro.plans.validate_plan` refuses a plan
that leaves a functional or acceptance requirement without one. Titles and criteria use only the
request's own names (:mod:`agents.wording`).
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from agents.triage import (
    ParsedRequest,
    Requirement,
    Triage,
    parse_request,
    role_scores,
    roles_for,
    sensitive_words,
    split_list,
    triage_request,
)
from agents.wording import (
    IMPERATIVE_VERBS,
    as_check,
    cut,
    distinct,
    identifiers,
    imperative_title,
    join_words,
    lower_first,
    overlap,
    proper_names,
    salient_words,
    sentences,
    third_person,
    upper_first,
)
from agents.workflows import LARGE_REQUEST, workflow_for
from maestro.models import Priority, TaskKind
from maestro.plans import (
    MAX_PLAN_TASKS,
    CycleError,
    Plan,
    PlannedTask,
    PlanRequirement,
    critical_path,
    find_cycle,
    topological_layers,
    validate_plan,
)

logger = logging.getLogger(__name__)

EMPTY_REQUEST = "Clarify what is being asked (the request was empty)"
"""The one requirement planned for an empty request."""

MAX_TASK_CRITERIA = 8
"""Most acceptance criteria a planned task gets."""

MAX_TEST_CRITERIA = 12
"""Most acceptance criteria a test or verification task gets."""


# --- drafts -------------------------------------------------------------------------------------


@dataclass
class Draft:
    """A task being planned (becomes a :class:`~maestro.plans.PlannedTask`)."""

    ref: str
    title: str
    role: str
    kind: TaskKind
    step: str
    description: str = ""
    criteria: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    estimate: int = 2
    owner: str = ""
    due: date | None = None
    milestone: str = ""
    waits_for: list[str] = field(default_factory=list)
    urgent: bool = False
    optional: bool = False
    requirement: str = ""


@dataclass
class Check:
    """An acceptance check, constraint or out-of-scope line with its plan id."""

    id: str
    text: str
    parent: str = ""


class Planner:
    """Collects a plan's requirements and tasks while a recipe decomposes the request."""

    def __init__(self, parsed: ParsedRequest, triage: Triage):
        self.parsed = parsed
        self.triage = triage
        self.drafts: list[Draft] = []
        self.requirements: list[PlanRequirement] = []
        self.functional: list[Requirement] = list(parsed.requirements)
        self.ids: dict[str, str] = {}
        self.acceptance: list[Check] = []
        self.constraints: list[Check] = []
        self.out_of_scope: list[Check] = []
        self.assumptions: list[str] = []
        self.open_questions: list[str] = []
        self.risks: list[str] = []
        self.notes: list[str] = []
        self._trace()
        self.resolved: dict[str, Requirement] = {r.label: r for r in resolve_references(self.functional)}

    # -- requirements ---------------------------------------------------------------------------
    def _trace(self) -> None:
        items: list[tuple[int, str, str, str, str]] = []  # position, kind, text, source, parent label
        if not self.functional:
            text = EMPTY_REQUEST if self.parsed.title_source == "none" else self.parsed.title
            self.functional = [Requirement(label="R1", text=text, source="Request")]
        for req in self.functional:
            items.append((req.position, "functional", req.text, req.source, req.label))
            for check in req.done_when:
                items.append((req.position, "acceptance", check, req.source, req.label))
        for statement in self.parsed.acceptance:
            items.append((statement.position, "acceptance", statement.text, statement.source, ""))
        for statement in self.parsed.constraints:
            items.append((statement.position, "constraint", statement.text, statement.source, ""))
        for statement in self.parsed.out_of_scope:
            items.append((statement.position, "out_of_scope", statement.text, statement.source, ""))
        prefix = {"functional": "R", "acceptance": "A", "constraint": "C", "out_of_scope": "X"}
        counts = dict.fromkeys(prefix, 0)
        for _, kind, text, source, parent in sorted(items, key=lambda i: i[0]):
            counts[kind] += 1
            rid = f"{prefix[kind]}{counts[kind]}"
            self.requirements.append(
                PlanRequirement(id=rid, text=cut(text, 500), source=cut(source, 80), kind=kind)  # type: ignore[arg-type]
            )
            if kind == "functional":
                self.ids[parent] = rid
            elif kind == "acceptance":
                self.acceptance.append(Check(rid, text, parent))
            elif kind == "constraint":
                self.constraints.append(Check(rid, text))
            else:
                self.out_of_scope.append(Check(rid, text))

    def rid(self, req: Requirement) -> str:
        """The plan id of a functional requirement."""
        return self.ids[req.label]

    # -- tasks ----------------------------------------------------------------------------------
    def add(
        self,
        title: str,
        role: str,
        *,
        kind: TaskKind,
        step: str,
        covers: Iterable[str] = (),
        depends: Iterable[Draft | str] = (),
        criteria: Iterable[str] = (),
        why: Sequence[str] = (),
        outputs: Iterable[str] = (),
        estimate: int = 2,
        **extra: object,
    ) -> Draft:
        """Add a task; ``depends`` takes drafts or refs; ``why`` are sentences of its description."""
        ref = f"P{len(self.drafts) + 1}"
        draft = Draft(
            ref=ref,
            title=cut(title, 140) if len(title) >= 3 else f"Task: {title}",
            role=role,
            kind=kind,
            step=step,
            description=_description(why),
            criteria=distinct(c for c in (_criterion(c) for c in criteria) if c),
            outputs=distinct(outputs),
            depends_on=list(dict.fromkeys(d.ref if isinstance(d, Draft) else d for d in depends)),
            covers=list(dict.fromkeys(covers)),
            estimate=estimate,
        )
        for key, value in extra.items():
            setattr(draft, key, value)
        self.drafts.append(draft)
        return draft

    def roots(self) -> list[Draft]:
        """Tasks that wait for nothing yet."""
        return [d for d in self.drafts if not d.depends_on]

    def sinks(self, among: Iterable[Draft] | None = None) -> list[Draft]:
        """Tasks (of ``among``, default all) nothing else waits for."""
        pool = list(among) if among is not None else self.drafts
        waited = {dep for d in self.drafts for dep in d.depends_on}
        return [d for d in pool if d.ref not in waited]

    # -- checks -----------------------------------------------------------------------------------
    def related_checks(self, text: str, checks: Sequence[Check], *, parent: str = "") -> list[Check]:
        """Checks that name what ``text`` is about (two shared words or a shared identifier)."""
        found = []
        names = {i.lower() for i in identifiers(text)}
        for check in checks:
            if parent and check.parent == parent:
                found.append(check)
                continue
            if check.parent:
                continue
            shared = overlap(text, check.text)
            if len(shared) >= 2 or names & {i.lower() for i in identifiers(check.text)}:
                found.append(check)
        return found

    def subject(self) -> str:
        """The request's subject for titles, as a noun phrase (``the production outage``), or quoted.

        The title's label and trailing remark go; a sentence is cut before its verb or clause
        (``Production outage after we deployed v1.5.1`` → ``the production outage``); a title
        that is an instruction (``Add a dark mode toggle``) is quoted.
        """
        if self.parsed.title_source == "none" or re.fullmatch(
            r"(?:requirements?|scope|tasks|request|todo|to do)", self.parsed.title.strip(" :").lower()
        ):
            return "the request"
        if self.parsed.title_source == "sentence":
            return f"“{cut(self.parsed.title, 60)}”"
        title = re.sub(r"\s*\([^)]*\)\s*$", "", self.parsed.title).strip()
        if self.parsed.title_label and title.lower().startswith(self.parsed.title_label.lower()):
            title = title[len(self.parsed.title_label) :].lstrip(" :")
        first = title.split(" ", 1)[0].lower()
        if first in IMPERATIVE_VERBS or ": " in title:
            return f"“{cut(title, 80)}”"
        clause = re.match(
            r"^(.{3,70}?)\s+(?:is|are|was|were|keeps?|causes?|fails?|failing|after|since|when|because|while|"
            r"that|which|returns?|on (?=every|all|each))\b",
            title,
        )
        if clause and not re.search(r"\b(?:we|they|i|you|it)\b", clause.group(1), re.I):
            title = clause.group(1).rstrip(" ,:;")
        elif re.search(r"\b(?:we|they|i|you)\b|\b(?:is|are|was|were)\b", title, re.I):
            return f"“{cut(title, 80)}”"
        title = cut(title, 80)
        if re.match(r"(?:the|a|an)\b", title, re.I):
            return lower_first(title)
        if re.match(r"[A-Z][a-z]+(?:[- ][A-Z][a-z]*)+", title) and not re.search(r"\b[a-z]", title):
            return title  # a name: "E-Commerce Order Management System"
        return f"the {lower_first(title)}"

    # -- the plan ---------------------------------------------------------------------------------
    def build(self, workflow_name: str, pattern: str, reviewer: str) -> Plan:
        """Return the plan: priorities from the critical path, covers checked, batches valid."""
        self._cover_leftovers()
        self._renumber()
        tasks = _finish(self.drafts, self.triage.issue_type)
        reason = re.sub(r"^Triaged as [\w-]+:\s*", "", self.triage.reason)
        rationale = f"Workflow {workflow_name}: {pattern}. Reviewer: {reviewer}."
        if self.notes:
            rationale += " " + " ".join(self.notes)
        return Plan(
            brief=_brief(self.parsed),
            issue_type=self.triage.issue_type,
            type_reason=cut(upper_first(reason), 200),
            confidence=self.triage.confidence,
            workflow=cut(f"{workflow_name}: {pattern}", 200),
            rationale=cut(rationale, 1000),
            reviewer=reviewer,
            requirements=self.requirements[:60],
            assumptions=[cut(a, 300) for a in distinct(self.assumptions)][:10],
            open_questions=[cut(q, 300) for q in distinct(self.open_questions)][:10],
            risks=[cut(r, 300) for r in distinct(self.risks)][:10],
            tasks=tasks,
        )

    def _cover_leftovers(self) -> None:
        """A functional or acceptance requirement no recipe step took goes to the closest task."""
        covered = {c for d in self.drafts for c in d.covers}
        for req in self.requirements:
            if req.kind not in ("functional", "acceptance") or req.id in covered:
                continue
            target = self._closest(req.text, prefer_tests=req.kind == "acceptance")
            target.covers.append(req.id)
            if req.kind == "acceptance":
                target.criteria.append(_criterion(req.text))

    def _renumber(self) -> None:
        """Number the tasks in the order they can run (batch by batch), so ``P1`` … reads as the plan."""
        graph = {d.ref: d.depends_on for d in self.drafts}
        try:
            layers = topological_layers(graph)
        except CycleError:
            return
        order = [ref for layer in layers for ref in layer]
        new = {old: f"P{n}" for n, old in enumerate(order, 1)}
        by_ref = {d.ref: d for d in self.drafts}
        self.drafts = [by_ref[ref] for ref in order]
        for draft in self.drafts:
            draft.ref = new[draft.ref]
            draft.depends_on = [new[d] for d in draft.depends_on]
            draft.description = re.sub(
                r"\bP\d+\b", lambda m: new.get(m.group(0), m.group(0)), draft.description
            )
            draft.title = re.sub(r"\bP\d+\b", lambda m: new.get(m.group(0), m.group(0)), draft.title)
            draft.criteria = [
                re.sub(r"\bP\d+\b", lambda m: new.get(m.group(0), m.group(0)), c) for c in draft.criteria
            ]
        self.notes = [re.sub(r"\bP\d+\b", lambda m: new.get(m.group(0), m.group(0)), n) for n in self.notes]
        self.risks = [re.sub(r"\bP\d+\b", lambda m: new.get(m.group(0), m.group(0)), r) for r in self.risks]
        self.open_questions = [
            re.sub(r"\bP\d+\b", lambda m: new.get(m.group(0), m.group(0)), q) for q in self.open_questions
        ]

    def _closest(self, text: str, *, prefer_tests: bool) -> Draft:
        pool = [d for d in self.drafts if d.step in ("TEST", "VERIFY", "VALIDATION")] if prefer_tests else []
        pool = pool or self.drafts
        return max(
            pool, key=lambda d: (len(overlap(text, d.title + " " + " ".join(d.criteria))), -len(d.covers))
        )


# --- wording of tasks ------------------------------------------------------------------------


def _criterion(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip().rstrip(".;")
    return cut(upper_first(text), 300) if len(text) >= 3 else ""


def _description(parts: Sequence[str]) -> str:
    kept = [p.strip() for p in parts if p and p.strip()]
    text = " ".join(p if p.endswith((".", "!", "?", "”")) else p + "." for p in kept[:4])
    return cut(text, 2000)


def _quote(text: str, limit: int = 90) -> str:
    return f"“{cut(text, limit)}”"


def _brief(parsed: ParsedRequest) -> str:
    if parsed.objective:
        brief = f"{parsed.title}: {parsed.objective}"
    elif parsed.requirements and parsed.requirements[0].text != parsed.title:
        count = len(parsed.requirements)
        brief = f"{parsed.title} ({count} requirement{'s' if count != 1 else ''})"
    else:
        brief = parsed.title
    brief = cut(brief, 300)
    return brief if len(brief) >= 3 else "Untitled request"


def _head(req: Requirement) -> str:
    """The part of a requirement that says what it is: before ``:`` or its first sentence."""
    first = sentences(req.text)[0] if sentences(req.text) else req.text
    label = re.match(r"^([^:]{2,60}):\s", first)
    if label:
        return re.sub(r"([a-z])([A-Z])", r"\1 \2", label.group(1))
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", first)


def _object_of(sentence: str) -> str:
    """``Add an `x` feature flag`` → ``the `x` feature flag`` (what the sentence makes), or ""."""
    words = sentence.split(" ", 1)
    if len(words) < 2 or words[0].lower() not in ("add", "new", "extend", "build", "create", "introduce"):
        return ""
    obj = re.split(r"\s+(?:that|which|with|to|for|so|in|on)\s+|[.:;,(]", words[1], maxsplit=1)[0]
    obj = re.sub(r"^(?:a|an|the)\s+", "", obj.strip())
    if re.fullmatch(r"`?[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+`?", obj):
        return obj
    return f"the {obj}" if obj else ""


def requirement_checks(req: Requirement, *, subject: str = "") -> list[str]:
    """Testable statements derived from a requirement: its clauses, details and ``Done when`` lines.

    An imperative first sentence becomes a statement of its result (``Preload :a in the scope`` →
    ``:a is preloaded in the scope``; ``… so that requests get v2`` → ``Requests get v2``);
    ``New X that does Y`` gives ``X does Y``; a clause after ``:`` that states behaviour is a check;
    a ``(a, b, c)`` list of three or more becomes "Covers each of: a, b, c"; questions
    (``grace period?``) become things to check; later sentences are checks unless they describe
    today's problem or weigh an alternative (that is a decision for a person). ``it``/``they``
    are replaced by what the first sentence adds.
    """
    parts = sentences(req.text)
    checks: list[str] = []
    if not parts:
        return checks
    ask_index = 0
    body0 = re.sub(r"^[A-Z][\w -]{1,20}:\s+", "", parts[0])
    if not _asks(body0):
        for index, later in enumerate(parts[1:], 1):
            if re.match(
                r"^(?:They|It|This|These)\s+(?:must|should|has to|have to|need to|needs to)\b", later
            ):
                ask_index = index
                subject = (
                    subject
                    or re.split(r"\s+(?:pick|picks|use|uses|is|are|has|have|assume|assumes)\b", body0)[0]
                )
                break
    first = parts[0]
    thing = _object_of(first) or subject
    first_word = first.split(" ", 1)[0].lower()
    clause = re.match(r"^(.{3,80}?):\s+(.+)$", first)
    questions = re.findall(r"([^:?]{3,80})\?", first)
    new_thing = re.match(
        r"^(?:New|Add(?: an?)?)\s+(?:\w+\s+)?`?([A-Z][A-Za-z0-9]+(?:[A-Z][a-z0-9]+)+)`?"
        r"(?:\s*\([^)]*\))?\s+that\s+(.+)$",
        first,
    )
    relative = re.match(r"^.+?\bthat\s+([a-z]+s\b.+)$", first)
    behaviours = split_list(relative.group(1)) if relative else []
    if len(questions) >= 2:
        checks += [f"Checked: {q.strip()}" for q in questions]
    elif len(behaviours) >= 2 and all(re.match(r"[a-z]+s\b", b) for b in behaviours):
        checks += [upper_first(b) for b in behaviours]  # "… that switches X, remembers Y, and follows Z"
    elif new_thing:
        checks.append(f"{new_thing.group(1)} {new_thing.group(2)}")
    elif clause and (
        re.search(r"\b(?:is|are|has|have|can|must|cycles|opens|runs|gets|get)\b|->", clause.group(2))
        or first_word in ("verify", "validate", "prove")
    ):
        checks.append(as_check(clause.group(2)) if clause.group(2)[:1].islower() else clause.group(2))
    elif first_word in IMPERATIVE_CHECKABLE and ask_index == 0:
        checks.append(as_check(re.sub(r"^fix (?:it|this) so (?:that )?", "", first, flags=re.I)))
    elif first_word not in _TITLE_VERBS and re.search(r"\b(?:can|cycles|opens|must|should|is|are)\b", first):
        checks.append(as_check(first))
    enumeration = re.search(r"\(([^()]*,[^()]*,[^()]*)\)", first)
    if enumeration and not re.match(r"(?:e\.g\.|i\.e\.)", enumeration.group(1)):
        items = [i.strip(" `") for i in re.split(r",\s*(?:and\s+|or\s+)?", enumeration.group(1)) if i.strip()]
        if 3 <= len(items) <= 8 and not any("." in i for i in items):
            checks.append("Covers each of: " + ", ".join(items))
    for index, sentence in enumerate(parts[1:], 1):
        if re.match(r"^(?:It|They|This) (?:cannot|can't|doesn't|does not|breaks)\b", sentence):
            continue  # a statement of today's problem, not a check
        if re.search(r"\b(?:alternative|weigh|trade-?off)\b", sentence, re.I):
            continue  # a decision for a person (an open question), not a check
        for clause_text in re.split(r";\s+", sentence):
            text = clause_text.strip()
            if index == ask_index:
                text = re.sub(r"^(?:They|It|This|These)\b", subject or "It", text)
            elif thing:
                text = re.sub(r"\b(?:it|It)\b(?= (?:is|has|must|should|runs|will))", thing, text, count=1)
            if text.split(" ", 1)[0].lower() in IMPERATIVE_VERBS and (subject or thing):
                who = subject or thing
                text = _imperative_to_statement(f"{who} {text[:1].lower()}{text[1:]}", who)
            checks.append(as_check(text[:1].upper() + text[1:]))
    checks += [as_check(d) for d in req.details]
    return distinct(c for c in checks if len(c) > 3)


def _asks(sentence: str) -> bool:
    first_word = sentence.split(" ", 1)[0].lower()
    return first_word in IMPERATIVE_VERBS or bool(
        re.search(r"\b(?:must|should|shall|has to|have to|need to|can)\b", sentence)
    )


def _imperative_to_statement(text: str, subject: str) -> str:
    """``ExportType use the plain base`` → ``ExportType uses the plain base``."""
    rest = text[len(subject) :].strip()
    verb, _, tail = rest.partition(" ")
    return f"{subject} {third_person(verb)} {tail}".strip()


IMPERATIVE_CHECKABLE = frozenset(
    "preload check delete remove send monitor switch change fix verify validate deliver reserve record "
    "move migrate update rename drop block close stop".split()
)
"""First verbs of a requirement whose result is itself the check (``Delete X`` → ``X is deleted``)."""


def fallback_check(req: Requirement) -> str:
    """A check for a requirement nothing more specific can be derived from."""
    first = sentences(req.text)[0] if sentences(req.text) else req.text
    first = re.sub(r"\s+(?:is\s+|are\s+)?(?:required|needed)$", "", first)
    if first.split(" ", 1)[0].lower() in IMPERATIVE_VERBS:
        statement = as_check(first)
        if statement != upper_first(first):
            return statement
        return f"Done and shown to work: {lower_first(first)}"
    return f"{upper_first(first)}: main flow and failure path work and are tested"


_TITLE_VERBS = frozenset(
    {"add", "new", "extend", "build", "create", "preload", "check", "delete", "send", "monitor"}
)


def _phase_due(phase: str) -> date | None:
    """``Phase 1: … (target July 2025)`` → 2025-07-31 (the last day of the target month)."""
    match = re.search(r"\btarget\s+(?:end of\s+)?([A-Z][a-z]+)\s+(\d{4})\b", phase)
    if match:
        month = _MONTHS.get(match.group(1).lower()[:3])
        if month:
            year = int(match.group(2))
            return date(year, month, calendar.monthrange(year, month)[1])
    match = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", phase)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    return None


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


# --- data flow -------------------------------------------------------------------------------

_STAGE_PATTERNS: tuple[tuple[float, re.Pattern[str]], ...] = tuple(
    (stage, re.compile(pattern, re.I))
    for stage, pattern in (
        (
            6,
            r"\b(?:ui|frontend|front-end|pages?|screens?|menus?|modals?|dashboards?|buttons?|panels?|portal)\b|\bsettings\s*(?:->|→)",
        ),
        (5, r"\b(?:notif\w*|e-?mails?|alerts?|sms|announce\w*)\b"),
        (4, r"\b(?:endpoints?|apis?|routes?|ipc|rest|graphql|views?)\b"),
        (3.5, r"\b(?:conflicts?|merg\w*|reconcil\w*|resolv\w*|dedup\w*|last-writer\w*)\b"),
        (
            3,
            r"\b(?:process\w*|reserv\w*|runs?|jobs?|workers?|sync\w*|poll\w*|track\w*|charg\w*|payments?|"
            r"calculat\w*|transform\w*|validat\w*|queue\w*|schedul\w*)\b",
        ),
        (1, r"\b(?:feature flags?|flags?|config\w*|options?|settings?|toggles?)\b"),
        (
            1.5,
            r"\b(?:contains?|schemas?|tables?|columns?|data model|mapping|identity|entit\w*|interfaces?|"
            r"contracts?|migrations?)\b",
        ),
        (
            2,
            r"\b(?:creat\w*|writes?|adds?|plac\w*|submit\w*|import\w*|captur\w*|record\w*|upload\w*|oauth|"
            r"log ?in|sign ?up|connect\w*|adapters?|stor\w*|accounts?|open\w*|gets? an?)\b",
        ),
    )
)
"""Where a requirement sits in the data flow, by what its head names: configuration (1), schema (1.5),
creating data (2), processing (3), reconciling (3.5), exposing (4), reacting (5), showing it (6)."""


_CREATES_RE = re.compile(r"\b(?:creat\w*|open\w*|plac\w*|submit\w*|add\w*|new|import\w*|captur\w*)\b", re.I)
"""A requirement that makes the thing later ones of its stage work on."""


_CUTOVER_RE = re.compile(
    r"^(?:turn off|switch off|shut down|decommission|retire|remove the old|delete the old|cut over|drop"
    r" the old)\b",
    re.I,
)
"""A requirement that retires the old way: it goes last, after everything that replaces it."""


def _main_clause(req: Requirement) -> str:
    """The head without its ``when …``/``once …`` clause (``Reserve stock when …`` → ``Reserve stock``)."""
    return re.split(r"\b(?:when|once|after|if|before|while|whenever)\b", _head(req), maxsplit=1)[0]


def stage_of(req: Requirement) -> float:
    """The data-flow stage of a requirement (see :data:`_STAGE_PATTERNS`); 3 when nothing says."""
    head = _head(req)
    if _role_for(req) == "frontend":
        return 6
    for stage, pattern in _STAGE_PATTERNS:
        if pattern.search(head):
            return stage
    return 3


def flow_dependencies(reqs: Sequence[Requirement]) -> dict[str, list[str]]:
    """Label → labels it waits for, in data-flow order (create before process before report).

    B waits for A when A sits earlier in the data flow (:func:`stage_of`) and they name the same
    thing (a shared word or identifier); every configuration or flag (stage 1) comes before the
    first step that creates data; a UI waits for the API it calls; a processing step that names
    nothing earlier waits for the step just before it in the flow. Labels the request gives
    (``depends on R1``) are kept. Redundant edges are dropped (transitive reduction).
    """
    if sum(bool(r.explicit_label or r.depends_on_labels) for r in reqs) * 2 >= len(reqs) > 0:
        # The request labels its items and says what waits for what (a milestone table, tracks):
        # its own order is the plan's order.
        explicit = {r.label: [d for d in r.depends_on_labels if d in {x.label for x in reqs}] for r in reqs}
        _break_cycles(explicit)
        return _reduce(explicit)
    stages = {r.label: stage_of(r) for r in reqs}
    names = proper_names(". ".join(r.text for r in reqs))
    words = {r.label: salient_words(r.text, names) for r in reqs}
    core = min((s for s in stages.values() if s >= 2), default=None)
    deps: dict[str, list[str]] = {r.label: [d for d in r.depends_on_labels if d in stages] for r in reqs}
    order = [r.label for r in reqs]
    for b in reqs:
        sb = stages[b.label]
        found = list(deps[b.label])
        for a in reqs:
            sa = stages[a.label]
            if a.label == b.label:
                continue
            same_stage_creation = (
                sa == sb
                and order.index(a.label) < order.index(b.label)
                and _CREATES_RE.search(_main_clause(a))
                and not _CREATES_RE.search(_main_clause(b))
                and words[a.label] & words[b.label]
            )
            if sa >= sb and not same_stage_creation:
                continue
            if words[a.label] & words[b.label] or (sa == 1 and sb == core):
                found.append(a.label)
        if sb == 6:
            found += [a.label for a in reqs if stages[a.label] == 4]
        if not found and 3 <= sb <= 4:
            lower = [s for s in set(stages.values()) if 2 <= s < sb]
            if lower:
                nearest = max(lower)
                found = [a.label for a in reqs if stages[a.label] == nearest]
        deps[b.label] = list(dict.fromkeys(found))
    cutovers = [r.label for r in reqs if _CUTOVER_RE.search(r.text)]
    for label in cutovers:
        deps[label] = list(dict.fromkeys([*deps[label], *(r.label for r in reqs if r.label not in cutovers)]))
    _break_cycles(deps)
    return _reduce(deps)


def _break_cycles(deps: dict[str, list[str]]) -> None:
    while True:
        cycle = find_cycle(deps)
        if not cycle:
            return
        deps[cycle[0]].remove(cycle[1])


def _reduce(deps: dict[str, list[str]]) -> dict[str, list[str]]:
    """Drop an edge A → C when A already waits for C through another dependency."""

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        stack = list(deps.get(start, ()))
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(deps.get(node, ()))
        return seen

    reduced = {}
    for node, direct in deps.items():
        indirect = set().union(*(reachable(d) for d in direct)) if direct else set()
        reduced[node] = [d for d in direct if d not in indirect]
    return reduced


# --- recipes -------------------------------------------------------------------------------

_API_RE = re.compile(r"\b(?:endpoints?|api|routes?|ipc|rest|graphql|webhooks?|views?\.py)\b", re.I)
_SCHEMA_CHANGE_RE = re.compile(
    r"\b(?:contains?|new tables?|add (?:a )?columns?|schema|data model|persist\w*|migrations?|"
    r"stored? (?:in|per)|identity mapping|tables? (?:for|of)|(?:open|create|submit|place|record)s? an?"
    r" [\w-]+ (?:request|record|entry)|"
    r"gets? an? [\w-]+ (?:number|id|identifier|code)|creat\w*,? (?:read|modify|update|edit|cancel|delete)|"
    r"crud)\b",
    re.I,
)
_INTEGRATION_RE = re.compile(
    r"\b(?:integrat\w*|oauth|third[- ]party|provider|adapter|webhooks?|sync(?:s|ing)? with)\b", re.I
)
_PERF_TARGET_RE = re.compile(
    r"(?:[<>≤≥]\s*\d|\d+(?:\.\d+)?\s*(?:%|ms\b|s\b|sec\w*|seconds?|rps|req/s))", re.I
)
_COMMS_RE = re.compile(
    r"\b(?:announce\w*|communicat\w*|blog|mailing list|newsletter|notify users|tell users)\b", re.I
)
_DOCS_RE = re.compile(r"\b(?:docs?|documentation|snippets?|examples?|guides?|readme)\b", re.I)
_TEST_RE = re.compile(r"\b(?:tests?|specs?|assertions?)\b", re.I)


def _role_for(req: Requirement, default: str = "backend") -> str:
    if re.match(r"^(?:front-?end|ui)\s*:", req.text, re.I) or re.search(
        r"\bsettings\s*(?:->|→)", req.text, re.I
    ):
        return "frontend"
    role = roles_for(req.text)
    if role == "security" and not re.search(r"\b(?:harden|threat|audit|pen)", req.text, re.I):
        return default
    if role == "backend":
        return default
    return role


def _verb_for_role(role: str) -> str:
    return {"frontend": "Build", "devops": "Set up", "qa": "Test", "security": "Harden"}.get(
        role, "Implement"
    )


def resolve_references(reqs: Sequence[Requirement]) -> list[Requirement]:
    """Replace ``that action`` by the name an earlier requirement gave it (for titles and checks).

    ``New JobType that runs that action`` after ``New ExportWorkspaceApplicationsActionType …``
    reads ``New JobType that runs ExportWorkspaceApplicationsActionType``.
    """
    named: list[str] = []
    resolved = []

    def swap(match: re.Match[str]) -> str:
        noun = match.group(1).lower()
        for name in reversed(named):
            if noun in name.lower() and name.lower() != noun:
                return name
        return match.group(0)

    for req in reqs:
        text = req.text
        text = re.sub(r"\bthat (\w+)\b(?! (?:is|are|was|has|can|must|will|takes|writes|runs))", swap, text)
        resolved.append(req.model_copy(update={"text": text}))
        first = sentences(req.text)[0] if sentences(req.text) else req.text
        named += [n for n in identifiers(first) if re.match(r"[A-Z]", n)]
    return resolved


def _implementation(
    p: Planner, req: Requirement, role: str, *, step: str = "IMPLEMENTATION", **extra: object
) -> Draft:
    rid = p.rid(req)
    original = req.text
    req = p.resolved.get(req.label, req)
    checks = requirement_checks(req)
    related = p.related_checks(req.text, p.acceptance, parent=req.label)
    constraints = p.related_checks(req.text, p.constraints)
    criteria = [*checks, *(c.text for c in related), *(as_check(c.text) for c in constraints)]
    if not checks and not related:
        criteria.insert(0, fallback_check(req))
    elif role in ("backend", "frontend", "devops") and not any(_TEST_RE.search(c) for c in criteria):
        criteria.append("Covered by automated tests")
    why = [f"Delivers {rid} ({req.source}): {_quote(original, 160)}"]
    if req.owner or req.due:
        why.append(
            f"Owner {req.owner or 'not named'}, due {req.due.isoformat() if req.due else 'not set'}, as"
            " agreed"
        )
    return p.add(
        imperative_title(req.text, verb=_verb_for_role(role)),
        role,
        kind="code" if role in ("backend", "frontend", "devops") else "document",
        step=step,
        covers=[rid, *(c.id for c in related), *(c.id for c in constraints)],
        criteria=criteria[:MAX_TASK_CRITERIA],
        why=why,
        outputs=["Code changes with tests"]
        if role in ("backend", "frontend", "devops")
        else ["Written deliverable"],
        estimate=3 if len(checks) > 2 else 2,
        optional=req.optional,
        owner=req.owner,
        due=req.due,
        requirement=original,
        **extra,
    )


def _feature(p: Planner) -> tuple[str, str, str]:
    """Backend, frontend and integration features: design if needed, build in data-flow order, test."""
    issue_type = p.triage.issue_type
    reqs = p.functional
    text = " ".join(r.text for r in reqs)
    needs_api = bool(_API_RE.search(text))
    needs_schema = bool(_SCHEMA_CHANGE_RE.search(text))
    needs_integration = issue_type == "integration" or bool(_INTEGRATION_RE.search(text))
    targets = _targets(p.parsed)
    groups = _groups(reqs)
    design: Draft | None = None
    decisions = _placement_question(p, reqs)
    if decisions:
        design = p.add(
            decisions,
            "backend-architect",
            kind="document",
            step="DESIGN",
            criteria=[
                "Decision written down with its reason, per table or list it affects",
                "If the API does the work: the query parameters and response paging are specified",
                *[
                    f"Starts from what exists: {cut(c, 160)}"
                    for c in p.parsed.context
                    if re.search(r"\boffset\b", c, re.I)
                ][:1],
            ],
            why=[
                "Where sorting, filtering and paging run decides whether API work comes first",
                "The request doesn't say",
            ],
            outputs=["Decision record"],
            estimate=1,
        )
    elif needs_api or needs_schema or needs_integration:
        parts = [
            "API contract" if needs_api else "",
            "data model" if needs_schema else "",
            "integration" if needs_integration else "",
        ]
        design = p.add(
            f"Design the {join_words([x for x in parts if x])} for {p.subject()}",
            "backend-architect",
            kind="document",
            step="DESIGN",
            criteria=[
                *(
                    [f"Data model for {join_words(_created_things(reqs))}"]
                    if needs_schema and _created_things(reqs)
                    else []
                ),
                *(["Every endpoint named with its request, response and error format"] if needs_api else []),
                *(
                    ["Retries, timeouts, rate limits and failure handling of the external service designed"]
                    if needs_integration
                    else []
                ),
                *(["Schema changes and migrations listed, reversible"] if needs_schema else []),
                "Each requirement mapped to the component that delivers it",
            ],
            why=[
                "Designs only what the request needs: "
                + join_words(
                    [
                        w
                        for w, on in (
                            ("a new API", needs_api),
                            ("a new integration", needs_integration),
                            ("schema changes", needs_schema),
                        )
                        if on
                    ]
                ),
            ],
            outputs=["Design spec"],
            estimate=2,
        )
    by_label: dict[str, Draft] = {}
    if targets and groups:
        shared: list[Draft] = []
        for name, members in groups:
            role = (
                "frontend"
                if issue_type == "frontend-feature" or any(_role_for(m) == "frontend" for m in members)
                else "backend"
            )
            criteria = [
                c
                for m in members
                for c in [
                    _criterion(m.text),
                    *(x for x in requirement_checks(m) if x.lower() not in m.text.lower()),
                ]
                if c
            ]
            draft = p.add(
                f"Build the shared {lower_first(name)} {'component' if role == 'frontend' else 'module'}"
                f" once, for every {targets[1]}",
                role,
                kind="code",
                step="IMPLEMENTATION",
                covers=[p.rid(m) for m in members],
                depends=[design] if design else [],
                criteria=[*criteria[: MAX_TASK_CRITERIA - 1], "Unit tests cover each state and input type"],
                why=[
                    f"Delivers {join_words([p.rid(m) for m in members])} ({name}) as one shared piece",
                    f"Every {targets[1]} uses it, so it is built once",
                ],
                outputs=["Shared component with tests"],
                estimate=3,
            )
            shared.append(draft)
            for member in members:
                by_label[member.label] = draft
        rest = [r for r in reqs if r.label not in by_label]
        for req in rest:
            draft = _implementation(
                p, req, _role_for(req, "frontend" if issue_type == "frontend-feature" else "backend")
            )
            draft.depends_on = [design.ref] if design else []
            shared.append(draft)
            by_label[req.label] = draft
        applied = []
        for target in targets[0]:
            applied.append(
                p.add(
                    f"Apply sorting, filtering and paging to {target}"
                    if _is_table_feature(reqs)
                    else f"Apply the shared pieces to {target}",
                    "frontend" if issue_type == "frontend-feature" else "backend",
                    kind="code",
                    step="IMPLEMENTATION",
                    depends=shared,
                    criteria=[
                        f"{target} uses the shared components for every column it shows",
                        f"{target} behaves like the other {targets[1]}s",
                    ],
                    why=[
                        f"{target} is one of the {targets[1]}s the request names",
                        "It reuses the shared components",
                    ],
                    outputs=["Code changes with tests"],
                    estimate=1,
                )
            )
        impl = [*shared, *applied]
    else:
        deps = flow_dependencies(reqs)
        impl = []
        after_api: list[Draft] = []
        schema = None
        if needs_schema and not any(stage_of(r) == 1.5 for r in reqs):
            made = _created_things(reqs)
            schema = p.add(
                "Create the database schema and migrations for"
                f" {join_words(made[:3]) if made else p.subject()}",
                "database-architect",
                kind="code",
                step="DATABASE DESIGN",
                depends=[design] if design else [],
                criteria=[
                    f"Tables for {join_words(made) if made else 'what the requirements create'}, with keys"
                    " and indexes",
                    "Migrations are reversible",
                ],
                why=[
                    "The requirements create data that must be stored",
                    "Everything that writes it waits for the schema",
                ],
                outputs=["Migrations", "Schema notes"],
                estimate=2,
            )
        for req in reqs:
            role = _role_for(req, "frontend" if issue_type == "frontend-feature" else "backend")
            scores = role_scores(req.text)
            both = (
                scores["frontend"] >= 2
                and scores["backend"] >= 2
                and _API_RE.search(req.text)
                and not any(_role_for(other) == "frontend" for other in reqs if other is not req)
            )
            if stage_of(req) == 1.5 and re.search(r"\bcontains?\b", req.text, re.I):
                draft = _schema_task(p, req)
            elif both:
                draft = _implementation(p, req, "backend")
                draft.title = cut(f"{draft.title} — API", 140)
            else:
                draft = _implementation(p, req, role)
            by_label[req.label] = draft
            impl.append(draft)
            if both:
                ui = _implementation(p, req, "frontend")
                ui.title = cut(f"{ui.title} — UI", 140)
                ui.depends_on = [draft.ref]
                impl.append(ui)
                after_api.append(ui)
        for req in reqs:
            waits = [by_label[d].ref for d in deps.get(req.label, []) if d in by_label]
            first = [schema.ref] if schema and stage_of(req) >= 2 else [design.ref] if design else []
            by_label[req.label].depends_on = waits or first
        del after_api
    impl_sinks = p.sinks(impl)
    sensitive = [d for d in impl if sensitive_words(d.title + " " + d.requirement)]
    review = None
    if sensitive:
        words = join_words(
            distinct(w for d in sensitive for w in sensitive_words(d.title + " " + d.requirement))[:3]
        )
        review = p.add(
            f"Review the security of {words} handling",
            "security",
            kind="document",
            step="SECURITY REVIEW",
            depends=sensitive,
            criteria=[
                "Secrets and tokens are never logged and are stored encrypted",
                "Every external input is validated",
                "Threat model covers each sensitive flow",
            ],
            why=[
                f"{join_words([d.ref for d in sensitive])} handle {words}",
                "They get a security review before release",
            ],
            outputs=["Threat model", "Security findings"],
            estimate=1,
        )
    numeric = [c for c in p.acceptance if _PERF_TARGET_RE.search(c.text)]
    functional_checks = [c for c in p.acceptance if c not in numeric]
    load = None
    sinks = impl_sinks
    if numeric:
        load = p.add(
            f"Load-test {p.subject()} against its targets",
            "qa",
            kind="code",
            step="TEST",
            depends=sinks,
            covers=[c.id for c in numeric],
            criteria=[f"Measured under load: {c.text}" for c in numeric],
            why=["The request sets numeric targets", "They are measured, not assumed"],
            outputs=["Load test script", "Results against each target"],
            estimate=2,
        )
    provider = _provider(p.parsed) if issue_type == "integration" else ""
    test_criteria = [c.text for c in functional_checks]
    known = {c.text for c in p.acceptance}
    test_criteria += [
        f"A test shows: {c}"
        for d in impl
        for c in d.criteria
        if c not in known
        and not c.startswith(("Covered by", "Covers each", "Unit tests", "Starts from", "Done and shown"))
        and not c.endswith("are tested")
    ]
    if provider:
        test_criteria.insert(0, f"Runs against a real {provider} test account, not only mocks")
    if issue_type == "integration" and re.search(r"\bsync tokens?\b", " ".join(r.text for r in reqs), re.I):
        test_criteria.insert(1, "An expired sync token falls back to a full resync")
    if re.search(
        r"\b(?:accounts?|tenants?)\b.*\b(?:independent\w*|isolat\w*|separate\w*)\b",
        " ".join(r.text for r in reqs),
        re.I,
    ):
        test_criteria.insert(2, "A failure in one account leaves the other accounts syncing")
    test_criteria = _without_contained(test_criteria)
    tests = p.add(
        f"Test {p.subject()} end to end" + (f" against a real {provider} test account" if provider else ""),
        "qa",
        kind="code",
        step="TEST",
        depends=[*sinks, *([review] if review else [])],
        covers=[c.id for c in functional_checks],
        criteria=distinct(test_criteria)[:MAX_TEST_CRITERIA],
        why=["Proves every acceptance check and each requirement's behaviour", "Failure paths included"],
        outputs=["Automated end-to-end tests", "Test report"],
        estimate=2,
    )
    if provider:
        p.assumptions.append(
            f"{provider} app set-up (OAuth consent screen, credentials, API quota) is done outside the plan"
        )
        for draft in impl:
            if re.search(r"\boauth\b", draft.title + " " + draft.requirement, re.I):
                draft.waits_for.append(f"{provider} OAuth consent screen and API quota set up")
    if len(reqs) >= LARGE_REQUEST:
        p.add(
            f"Record the decisions taken for {p.subject()}",
            "context-manager",
            kind="document",
            step="CONTEXT SAVE",
            depends=impl_sinks,
            criteria=[
                "Each design decision recorded with its reason and alternatives",
                "Recorded where the next session will find it",
            ],
            why=["A request this size spans sessions", "Seed 004's context save keeps its decisions"],
            outputs=["Decision record"],
            estimate=1,
        )
    for check in p.out_of_scope:
        p.assumptions.append(f"Out of scope: {check.text}")
    del load, tests
    workflow = workflow_for(issue_type)
    return workflow.name, workflow.pattern, workflow.reviewer


def _without_contained(items: Sequence[str]) -> list[str]:
    """Drop an item whose text is inside another's (``On all three …`` inside ``Pagination: on all …``)."""

    def core(text: str) -> str:
        return re.sub(r"^a test shows:\s*", "", text.lower()).strip(" .")

    kept = []
    for item in distinct(items):
        if any(core(item) != core(other) and core(item) in core(other) for other in items):
            continue
        kept.append(item)
    return kept


def _created_things(reqs: Sequence[Requirement]) -> list[str]:
    """What the requirements create, in their words (``Users can create … orders`` → ``orders``)."""
    found = []
    for req in reqs:
        match = re.search(
            r"\b(?:creat\w*|modif\w*|cancel\w*|open\w*(?=\s+(?:an?|the)\s)|submit\w*|place\w*|record\w*|store\w*)"
            r"(?:,?\s+(?:and\s+|or\s+)?(?:creat\w*|modif\w*|cancel\w*|updat\w*|delet\w*|edit\w*))*,?\s+"
            r"(?:an?\s+|the\s+|their\s+)?([a-z][a-z -]{2,30}?)(?=\s+(?:with|for|in|on|of|to|by|from|when|"
            r"that)\b|[,.;)]|$)",
            req.text,
            re.I,
        )
        if match and match.group(1).lower() not in ("it", "them", "this"):
            found.append(match.group(1).strip())
    return distinct(found)


def _schema_task(p: Planner, req: Requirement) -> Draft:
    match = re.match(
        r"^(?P<a>.+?)\s+(?:contains?|includes?|has|have|holds?)\s+(?P<b>.+?)(?:\s+with\s+(?P<c>.+))?$",
        req.text,
        re.I,
    )
    if match:
        title = f"Create the database schema for {lower_first(match.group('a'))} and {match.group('b')}"
        if match.group("c"):
            title += f" (with {match.group('c')})"
    else:
        title = imperative_title(req.text, verb="Model")
    return p.add(
        title,
        "database-architect",
        kind="code",
        step="DATABASE DESIGN",
        covers=[p.rid(req)],
        criteria=[
            as_check(req.text),
            "Migrations are reversible",
            "Constraints enforce the relationships the requirement states",
        ],
        why=[
            f"Delivers {p.rid(req)} ({req.source}): {_quote(req.text)}",
            "The rest of the feature stores its data here",
        ],
        outputs=["Migrations", "Schema notes"],
        estimate=2,
        requirement=req.text,
    )


def _targets(parsed: ParsedRequest) -> tuple[list[str], str] | None:
    """The named things a request applies the same change to (``DocumentTable``, ``ReportTable`` …).

    Returns ``(names, kind)`` when the request says "every/all <kind>" and names two or more of
    them in its context (``DocumentTable (Browse): …``), else None.
    """
    text = " ".join([parsed.title, *(r.text for r in parsed.requirements)])
    kind = re.search(
        r"\b(?:every|all(?: \w+)?|each)\s+(table|page|screen|list|form|endpoint|service|view)s?\b", text, re.I
    )
    if not kind:
        return None
    names = []
    for line in parsed.context:
        match = re.match(
            r"^`?([A-Z][A-Za-z0-9]+(?:[A-Z][a-z0-9]+)+|[a-z]+(?:[_./][a-z0-9]+)+)`?\s*[(:—-]", line
        )
        if match:
            names.append(match.group(1))
    return (names, kind.group(1).lower()) if len(names) >= 2 else None


def _groups(reqs: Sequence[Requirement]) -> list[tuple[str, list[Requirement]]]:
    """Requirements under one topic heading (``Sorting``, ``Filtering …``), when there are two or more."""
    groups: dict[str, list[Requirement]] = {}
    for req in reqs:
        name = re.sub(r",? (?:item \d+|#\d+)$", "", req.source)
        name = name.split(",")[0].strip()
        if name.lower() in ("request", "requirements", "scope", "needed", "ask", "what to build", "title"):
            return []
        groups.setdefault(name, []).append(req)
    return list(groups.items()) if len(groups) >= 2 else []


def _is_table_feature(reqs: Sequence[Requirement]) -> bool:
    text = " ".join(r.text for r in reqs)
    return bool(re.search(r"\bsort", text, re.I) and re.search(r"\bfilter", text, re.I))


def _placement_question(p: Planner, reqs: Sequence[Requirement]) -> str:
    """The title of a decision on where sorting, filtering or paging runs (client or API), or ""."""
    text = " ".join([*(r.text for r in reqs), *p.parsed.context])
    if p.triage.issue_type != "frontend-feature" and not re.search(
        r"\b(?:tables?|lists?|grids?) in the (?:ui|app|page)", text, re.I
    ):
        return ""
    if not re.search(r"\b(?:sort\w*|filter\w*|paginat\w*|pag(?:e|es|ing))\b", text, re.I):
        return ""
    if re.search(
        r"\b(?:client[- ]side|server[- ]side|in the browser|through the api|via the api)\b", text, re.I
    ):
        return ""
    offset = any(re.search(r"\boffset\b", c, re.I) for c in p.parsed.context)
    p.open_questions.append(
        "Do sorting and filtering run client-side or through the API?"
        + (" One table already pages by offset through the API." if offset else "")
        + " If the API, its changes come before the UI wiring."
    )
    return "Decide whether sorting, filtering and paging run client-side or through the API"


def _provider(parsed: ParsedRequest) -> str:
    match = re.search(
        r"\b(Google|Microsoft|Apple|Outlook|Stripe|Slack|GitHub|GitLab|Jira|Salesforce|Shopify|Twilio|Zoom|Dropbox|HubSpot)\b",
        parsed.title + " " + " ".join(r.text for r in parsed.requirements),
    )
    return match.group(1) if match else ""


_FAULT_RE = re.compile(
    r"\b(?:exhausted|caused|stalled|broke|failed|overloaded|contention|leak\w*|misconfigured|crash\w*)\b",
    re.I,
)
_DETECT_RE = re.compile(r"\b(?:alert\w*|monitor\w*|pages?|detect\w*|dashboards?|errors? as alerts)\b", re.I)
_INVESTIGATE_RE = re.compile(
    r"^(?:investigate|find out|diagnose|look into|dig into|analy[sz]e|work out)\b", re.I
)
_PEOPLE_RE = re.compile(r"\b(?:training|workshop|onboarding|hiring|review meeting|retro\w*)\b", re.I)
_CHECK_RE = re.compile(r"^(?:check|review|audit|confirm|verify|assess)\b", re.I)


def _incident(p: Planner) -> tuple[str, str, str]:
    """An incident: contain, investigate, one fix per confirmed cause (or action), verify, post-mortem."""
    reqs = p.functional
    context = " ".join(p.parsed.context)
    listed = p.parsed.structured and len(reqs) >= 2
    contained = re.search(
        r"\b(?:stop-?gaps?|mitigat\w*|rolled back|hotfix(?:ed)? already|already shipped)\b", context, re.I
    )
    faults = [c for c in p.parsed.context if _FAULT_RE.search(c)]
    fixes: list[Draft] = []
    investigations: list[Draft] = []
    if contained:
        line = next(
            c
            for c in p.parsed.context
            if re.search(r"stop-?gap|mitigat|rolled back|already shipped", c, re.I)
        )
        p.assumptions.append(f"Containment is in place: {line}")
    if listed:
        for req in reqs:
            fault = _fault_of(req, faults)
            extra = {"owner": req.owner, "due": req.due, "requirement": req.text}
            why = [f"Corrective action {p.rid(req)} ({req.source}): {_quote(req.text, 160)}"]
            if fault:
                why.append(f"Fault it answers: {_quote(fault, 120)}")
            if req.owner or req.due:
                why.append(
                    f"Owner {req.owner or 'not named'}, due {req.due.isoformat() if req.due else 'not set'}"
                )
            related = [c for c in p.acceptance if c.parent == req.label]
            if _INVESTIGATE_RE.match(req.text):
                probe = p.add(
                    imperative_title(req.text),
                    "error-detective",
                    kind="document",
                    step="INVESTIGATE",
                    covers=[p.rid(req)],
                    criteria=[
                        "Root cause stated with the evidence for it",
                        "Fix proposed, or ruled out with the reason",
                    ],
                    why=why,
                    outputs=["Investigation notes"],
                    estimate=2,
                    **extra,
                )
                investigations.append(probe)
                subject = re.sub(
                    r"^(?:investigate|find out|diagnose|look into|dig into|analy[sz]e|work out)\s+",
                    "",
                    probe.title,
                    flags=re.I,
                )
                fixes.append(
                    p.add(
                        f"Fix the confirmed cause of {subject}",
                        "backend",
                        kind="code",
                        step="FIX",
                        depends=[probe],
                        covers=[p.rid(req)],
                        criteria=[
                            "The cause named in the investigation no longer reproduces",
                            "Covered by a regression test",
                        ],
                        why=[
                            f"One fix for the cause {probe.ref} confirms",
                            "If it finds none, this task is closed with that finding",
                        ],
                        outputs=["Code changes with tests"],
                        estimate=2,
                        owner=req.owner,
                        due=req.due,
                    )
                )
                continue
            if _PEOPLE_RE.search(req.text):
                role, kind, step = "tpm", "document", "FIX"
            elif _DETECT_RE.search(req.text):
                role, kind, step = "devops", "code", "DETECT"
            elif _CHECK_RE.match(req.text):
                role, kind, step = "devops", "document", "FIX"
            else:
                role, kind, step = "backend", "code", "FIX"
            draft = p.add(
                imperative_title(req.text),
                role,
                kind=kind,  # type: ignore[arg-type]
                step=step,
                covers=[p.rid(req), *(c.id for c in related)],
                criteria=[
                    *(requirement_checks(req) or [fallback_check(req)]),
                    *(c.text for c in related),
                    *(
                        ["A test alert fires and arrives where the action says"]
                        if step == "DETECT" and not related
                        else []
                    ),
                ],
                why=why,
                outputs=[
                    "Alert rules"
                    if step == "DETECT"
                    else "Code changes with tests"
                    if kind == "code"
                    else "Written findings"
                ],
                estimate=2,
                urgent=step == "DETECT",
                **extra,
            )
            fixes.append(draft)
    else:
        subject = p.subject()
        contain = None
        if not contained:
            contain = p.add(
                f"Contain {subject}: roll back or switch off the failing change",
                "devops",
                kind="code",
                step="CONTAIN",
                criteria=[
                    "Error rate back under its normal level",
                    "What was rolled back or switched off is written in the thread",
                ],
                why=["Users stop being hurt first", "The fix follows once the cause is confirmed"],
                outputs=["Mitigation applied"],
                estimate=1,
                urgent=True,
            )
        probe = p.add(
            f"Investigate the errors behind {subject}",
            "error-detective",
            kind="document",
            step="INVESTIGATE",
            depends=[contain] if contain else [],
            criteria=[
                "Error timeline with the first occurrence",
                "Correlated with recent deployments and changes",
                "Root-cause hypotheses with evidence",
            ],
            why=["Logs and error patterns come before any fix"],
            outputs=["Error timeline", "Hypotheses"],
            estimate=1,
            urgent=True,
        )
        investigations.append(probe)
        analyst = (
            "database-architect"
            if re.search(
                r"\b(?:database|db|quer(?:y|ies)|sql|deadlocks?|postgres\w*|mysql)\b", p.parsed.text, re.I
            )
            else "backend-architect"
        )
        confirm = p.add(
            f"Confirm the root cause of {subject} and choose the fix",
            analyst,
            kind="document",
            step="ANALYZE",
            depends=[probe],
            criteria=["Root cause confirmed with evidence", "One fix approach per confirmed cause"],
            why=["Seed 004 routes the analysis by error type"],
            outputs=["Root cause confirmation", "Fix approach"],
            estimate=1,
            urgent=True,
        )
        for req in reqs:
            draft = p.add(
                f"Fix the confirmed cause of {subject}",
                "backend",
                kind="code",
                step="FIX",
                depends=[confirm],
                covers=[p.rid(req)],
                criteria=["The failure no longer reproduces", "Covered by a regression test"],
                why=[
                    f"Answers {p.rid(req)}: {_quote(req.text)}",
                    "One fix for the confirmed cause; another cause gets its own task",
                ],
                outputs=["Code changes with tests"],
                estimate=2,
                urgent=True,
            )
            fixes.append(draft)
            break
    acceptance = [c for c in p.acceptance]
    verify = p.add(
        "Verify the fixes hold: error rates back at baseline and the alerts page on-call",
        "error-detective",
        kind="document",
        step="VERIFY",
        depends=[d for d in fixes if d.step != "DETECT"] + [d for d in fixes if d.step == "DETECT"],
        covers=[c.id for c in acceptance],
        criteria=[
            *(c.text for c in acceptance),
            "Error rate back within its normal range for a week",
            "Each fix's owner confirms it in the thread",
        ],
        why=["Every corrective action is checked against the incident's own numbers"],
        outputs=["Verification report"],
        estimate=1,
    )
    window = re.search(
        r"\b([A-Z][a-z]{2} \d{1,2}\s*[-–]\s*(?:[A-Z][a-z]{2} )?\d{1,2},? \d{4})\b", p.parsed.title
    )
    p.add(
        "Write the post-mortem and timeline"
        + (f" of the {window.group(1)} outage" if window else f" for {p.subject()}"),
        "error-detective",
        kind="document",
        step="POST-MORTEM",
        depends=[verify, *investigations],
        criteria=[
            "Timeline from the first fault to recovery, with when it was detected and why not sooner",
            "Each fault with its confirmed cause and impact",
            "Every corrective action with its owner, due date and status",
            "Blameless, and shared with the team",
        ],
        why=[
            "The incident's write-up, asked for with the corrective actions"
            if listed
            else "Every incident ends with a post-mortem"
        ],
        outputs=["Post-mortem document"],
        estimate=1,
    )
    for line in p.parsed.missing:
        p.open_questions.append(f"{line}: please paste them so they can be planned rather than guessed")
    for line in p.parsed.context:
        if re.search(r"\b(?:roll(?:ing)? back|revert\w*|disabl\w*|turn\w* off)\b[^.]*\bbut\b", line, re.I):
            p.open_questions.append(
                f"{upper_first(line.rstrip('.'))}: contain that way now, or hold until the fix?"
            )
    if len(faults) >= 2:
        p.notes.append(f"Faults kept as separate threads: {len(faults)} named in the request.")
    workflow = workflow_for("production-error")
    return (
        workflow.name,
        "CONTAIN → INVESTIGATE → FIX (one per cause) → VERIFY → POST-MORTEM",
        workflow.reviewer,
    )


def _fault_of(req: Requirement, faults: Sequence[str]) -> str:
    best = max(faults, key=lambda f: len(overlap(req.text, f)), default="")
    return best if best and overlap(req.text, best) else ""


_VULN_CLASSES: tuple[tuple[re.Pattern[str], dict[str, object]], ...] = (
    (
        re.compile(r"\bSSRF\b|server-side request forgery|internal urls?", re.I),
        {
            "name": "SSRF",
            "guard": "Build one outbound-URL guard that every server-side fetch goes through",
            "criteria": [
                "Resolves the host before connecting and refuses loopback, private, link-local and"
                " cloud-metadata addresses",
                "Re-checks every redirect hop against the same rules",
                "Connects to the address it checked, so DNS rebinding can't swap it",
                "Refuses schemes other than http and https",
            ],
            "tests": [
                "A test per blocked range: loopback, private, link-local, cloud metadata",
                "A redirect to an internal address is refused",
                "A host that re-resolves to an internal address (DNS rebinding) is refused",
            ],
            "sweep": "Sweep the codebase for other server-side fetches of user-supplied URLs",
            "contain": "Limit who can reach the affected endpoints until the patch ships",
        },
    ),
    (
        re.compile(r"\bXSS\b|cross-site scripting", re.I),
        {
            "name": "XSS",
            "guard": "Encode untrusted content in one shared rendering helper",
            "criteria": [
                "Every untrusted value is encoded for its context (HTML, attribute, URL)",
                "Stored content is sanitised on output",
            ],
            "tests": ["A test per injection payload shows it rendered inert"],
            "sweep": "Sweep the templates for other places that render raw user content",
            "contain": "Strip or hide the affected content until the patch ships",
        },
    ),
    (
        re.compile(r"\b(?:SQL )?injection\b", re.I),
        {
            "name": "injection",
            "guard": "Route the affected queries through parameterised statements",
            "criteria": [
                "No query is built from strings with user input",
                "Inputs are validated at the boundary",
            ],
            "tests": ["A test per injection payload shows it treated as data"],
            "sweep": "Sweep the codebase for other string-built queries",
            "contain": "Block the attack pattern at the edge until the patch ships",
        },
    ),
)


def _security(p: Planner) -> tuple[str, str, str]:
    """A vulnerability: reproduce, rate → contain → fix once at the shared cause → tests → gate → release."""
    reqs = p.functional
    text = p.parsed.text
    vuln = next((v for pattern, v in _VULN_CLASSES if pattern.search(text)), None)
    name = str(vuln["name"]) if vuln else "the vulnerability"
    variants = p.parsed.variants
    who = next(
        (c.split(":", 1)[1].strip() for c in p.parsed.context if c.lower().startswith("who can exploit")), ""
    )
    confirm = p.add(
        f"Reproduce {'both' if len(variants) == 2 else 'each'} reported {name} path and rate the severity"
        if len(variants) >= 2
        else f"Reproduce the reported {name} and rate its severity",
        "security",
        kind="document",
        step="ASSESS",
        criteria=[
            *([f"Reproduced: {v}" for v in variants] or ["Reproduced from the report"]),
            "Severity rated (CVSS) with the attack preconditions" + (f": {who}" if who else ""),
            "Affected versions listed",
        ],
        why=["Confirm before changing anything", "The rating sets the release urgency"],
        outputs=["Reproduction notes", "Severity rating"],
        estimate=1,
        urgent=True,
    )
    contain = p.add(
        str(vuln["contain"]) if vuln else "Contain the exposure until the patch ships",
        "security",
        kind="document",
        step="CONTAIN",
        depends=[confirm],
        criteria=[
            "Interim mitigation chosen and applied, or consciously skipped with the reason",
            "Logs checked for past exploitation",
        ],
        why=["Exposure is limited while the fix is built"],
        outputs=["Mitigation note"],
        estimate=1,
        urgent=True,
    )
    close = next(
        (r for r in reqs if re.search(r"\b(?:clos\w*|block\w*|prevent\w*|fix\w*|reject\w*)\b", r.text, re.I)),
        None,
    )
    guard = p.add(
        str(vuln["guard"]) if vuln else "Fix the shared cause once",
        "backend",
        kind="code",
        step="FIX",
        depends=[confirm],
        covers=[p.rid(close)] if close else [],
        criteria=[
            *(vuln["criteria"] if vuln else ["The shared cause is fixed in one place"]),
            "Unit tests cover each rule",
        ],  # type: ignore[list-item]
        why=[
            "Every reported path shares one cause, so it is fixed once"
            if len(variants) >= 2
            else "Fixed at its cause, not per symptom"
        ],
        outputs=["Code changes with tests"],
        estimate=2,
        urgent=True,
    )
    del contain
    per_path = []
    for variant in variants or []:
        per_path.append(
            p.add(
                f"Apply the {'outbound-URL guard' if vuln and vuln['name'] == 'SSRF' else 'shared fix'} to"
                f" the {lower_first(variant)}",
                "backend",
                kind="code",
                step="FIX",
                depends=[guard],
                covers=[p.rid(close)] if close else [],
                criteria=[
                    f"The {lower_first(variant)} goes through the shared fix before any request leaves",
                    "Its reproduction from the report now fails",
                ],
                why=[f"One of the reported paths: {variant}"],
                outputs=["Code changes with tests"],
                estimate=1,
                urgent=True,
            )
        )
    others = []
    for req in reqs:
        if req is close or re.fullmatch(r"(?:add )?(?:regression )?tests?", req.text.strip(), re.I):
            continue
        if re.search(r"\b(?:release|advisory|publish|disclos\w*)\b", req.text, re.I):
            continue
        if re.match(r"^(?:fix|patch|close)\s+(?:it|this|them)\b", req.text, re.I) or req.source in (
            "Title",
            "Request",
        ):
            guard.covers = list(dict.fromkeys([*guard.covers, p.rid(req)]))
            continue
        others.append(_implementation(p, req, "backend", depends=[confirm]))
        others[-1].depends_on = [confirm.ref]
    tests_req = next((r for r in reqs if re.search(r"\btests?\b", r.text, re.I)), None)
    tests = p.add(
        f"Add regression tests for every blocked {name} case" if vuln else "Add regression tests for the fix",
        "qa",
        kind="code",
        step="TEST",
        depends=[*(per_path or [guard]), *others],
        covers=[p.rid(tests_req)] if tests_req else [],
        criteria=[
            *(vuln["tests"] if vuln else []),
            *[f"Each reported path has a test: {v}" for v in variants][:3],
            "Tests run in CI",
        ],  # type: ignore[list-item]
        why=["Each blocked case stays blocked"],
        outputs=["Regression tests"],
        estimate=2,
    )
    sweep = p.add(
        str(vuln["sweep"]) if vuln else "Sweep the codebase for the same weakness elsewhere",
        "security",
        kind="document",
        step="SWEEP",
        depends=[guard],
        criteria=[
            "Every similar call site listed",
            "Each one routed through the fix, or a task opened for it",
        ],
        why=["The same cause may exist beyond the reported paths"],
        outputs=["List of call sites"],
        estimate=1,
    )
    gate = p.add(
        "Pass the patch through the security review gate",
        "security",
        kind="document",
        step="REVIEW",
        depends=[tests, sweep],
        criteria=[
            "OWASP checklist for the vulnerability class passed",
            "Reproductions from the report fail on the patched build",
        ],
        why=["A security fix is reviewed by security before it ships"],
        outputs=["Security review"],
        estimate=1,
    )
    release_req = next((r for r in reqs if re.search(r"\b(?:release|advisory)\b", r.text, re.I)), None)
    asked = release_req is not None and re.match(
        r"^(?:let us know|tell us|decide|check whether|ask)\b", release_req.text, re.I
    )
    if asked:
        p.open_questions.append(
            f"Publish an advisory? The severity rating ({confirm.ref}) decides; the request asks to be told."
        )
    p.add(
        imperative_title(release_req.text)
        if release_req and not asked
        else "Ship a patched release with a security advisory",
        "devops",
        kind="code",
        step="RELEASE",
        depends=[gate],
        covers=[p.rid(release_req)] if release_req else [],
        criteria=[
            "Patched versions published",
            "Advisory names the affected and fixed versions, the severity and credits the reporter",
            "Reporter told before the advisory is public",
        ],
        why=["Users get the fix and know whether they were exposed"],
        outputs=["Release", "Security advisory"],
        estimate=1,
    )
    workflow = workflow_for("security")
    return workflow.name, "ASSESS → CONTAIN → FIX ONCE → TEST → REVIEW → RELEASE", workflow.reviewer


def _database_performance(p: Planner) -> tuple[str, str, str]:
    """Database performance: baseline → (schema review if needed) → fix → regression check → validate."""
    reqs = p.functional
    target = re.search(r"\bon (?:the )?([^():]+?)(?:\s*[(:]|$)", p.parsed.title)
    thing = f"the {target.group(1).strip()}" if target else p.subject()
    n_plus_one = bool(re.search(r"\bN\+1\b", p.parsed.text))
    blocked = [
        m.group(1)
        for c in p.constraints
        for m in re.finditer(r"\bblocked by (#\d+|[A-Z]+-\d+)", c.text, re.I)
    ]
    baseline = p.add(
        f"Record the baseline query count and response time per page of {thing}",
        "database-architect",
        kind="document",
        step="INVESTIGATE",
        criteria=[
            "Queries per request counted for the first, a middle and a deep page",
            "Response times recorded with production-sized data",
            "Bottleneck named with evidence",
        ],
        why=["The fix is judged against these numbers"],
        outputs=["Baseline measurements"],
        estimate=1,
    )
    schema_needed = any(
        re.search(r"\b(?:index\w*|schema|columns?|partition\w*|denormali[sz]\w*)\b", r.text, re.I)
        for r in reqs
    )
    design = baseline
    if schema_needed:
        design = p.add(
            f"Review the schema and indexing strategy for {thing}",
            "database-architect",
            kind="document",
            step="ARCHITECTURE REVIEW",
            depends=[baseline],
            criteria=["Keeps data integrity", "Backward compatible"],
            why=["The asks change the schema"],
            outputs=["Optimisation recommendations"],
            estimate=1,
        )
    fixes, checks, audits = [], [], []
    for req in reqs:
        if _TEST_RE.search(req.text) and re.search(r"\b(?:assert\w*|spec|tests?)\b", req.text, re.I):
            checks.append(req)
        elif re.match(r"^(?:check|audit|review|look at)\b", req.text, re.I):
            audits.append(req)
        else:
            fixes.append(req)
    fix_drafts = []
    for req in fixes:
        draft = _implementation(p, req, "backend")
        if re.match(r"^(?:fix|solve|resolve)\s+(?:it|this|them)\b", req.text, re.I):
            draft.title = (
                f"Remove the N+1 queries from {thing}"
                if n_plus_one
                else f"Speed up the slow queries behind {thing}"
            )
            draft.criteria = [
                c
                for c in draft.criteria
                if not c.startswith(("Done and shown", "It ")) and "stays fixed" not in c
            ]
            if (
                re.search(
                    r"\b(?:stays? fixed|can't come back|cannot come back|doesn't come back|regress\w*)\b",
                    req.text,
                    re.I,
                )
                and not checks
            ):
                spec = p.add(
                    "Add a query-count assertion so the N+1 can't come back"
                    if n_plus_one
                    else "Add a performance regression check",
                    "qa",
                    kind="code",
                    step="TEST",
                    depends=[draft],
                    covers=[p.rid(req)],
                    criteria=[
                        "Fails when the query count per request grows with the page size",
                        "Runs in CI",
                    ],
                    why=["The request asks that the fix stays fixed"],
                    outputs=["Regression test"],
                    estimate=1,
                )
                fix_drafts.append(spec)
        draft.depends_on = [design.ref]
        draft.waits_for = [f"{b} merged first" for b in blocked]
        draft.criteria.insert(0, "Query count per page is constant, not growing with the page size")
        fix_drafts.append(draft)
    for req in checks:
        draft = _implementation(p, req, "qa")
        draft.kind = "code"
        draft.depends_on = [d.ref for d in fix_drafts] or [design.ref]
        fix_drafts.append(draft)
    for req in audits:
        draft = _implementation(p, req, "database-architect", step="AUDIT")
        draft.kind = "document"
        draft.depends_on = [baseline.ref]
        draft.criteria.append("Each endpoint found gets its own fix task")
    closes = [m.group(1) for c in p.constraints for m in re.finditer(r"\bcloses (#\d+)", c.text, re.I)]
    p.add(
        f"Validate {thing} after deploy with production-sized data and Sentry",
        "database-architect",
        kind="document",
        step="VALIDATION",
        depends=fix_drafts or [design],
        covers=[c.id for c in p.acceptance],
        criteria=[
            "Query count and response time compared with the baseline, per page",
            "Sentry shows no new N+1 detections on this action after deploy"
            if re.search(r"\bsentry\b", p.parsed.text, re.I)
            else "Production metrics show the improvement",
            *[c.text for c in p.acceptance],
            *([f"{join_words(closes)} closed with the numbers"] if closes else []),
        ],
        why=["The improvement is measured where it hurt"],
        outputs=["Before/after metrics"],
        estimate=1,
    )
    if blocked:
        p.assumptions.append(f"The fix waits for {join_words(blocked)}, which changes the same code")
    if not schema_needed:
        p.notes.append("No schema change: the asks don't touch the schema.")
    workflow = workflow_for("database-performance")
    return workflow.name, workflow.pattern, workflow.reviewer


def _data_migration(p: Planner) -> tuple[str, str, str]:
    """Data migration: inventory what is left → migrate idempotently → test re-runs → rehearse → note."""
    reqs = p.functional
    text = p.parsed.text
    tenants = re.search(r"\b(?:tenants?|schemas? per|multi-tenant)\b", text, re.I)
    legacy = re.search(r"\blegacy (?:columns?|fields?|tables?|values?)\b", text, re.I)
    assess = p.add(
        "Inventory the legacy data still present and count the affected rows"
        + (" per tenant schema" if tenants else ""),
        "database-architect",
        kind="document",
        step="ASSESS",
        criteria=[
            "Lists which legacy columns and values still exist" + (", per tenant schema" if tenants else ""),
            "Counts the rows the migration would change",
            "Maps each target field to its source",
        ],
        why=["What is left decides what can be restored", "Counted before anything is written"],
        outputs=["Inventory and counts"],
        estimate=1,
    )
    migrations = []
    for req in reqs:
        draft = _implementation(p, req, "backend", step="MIGRATE")
        draft.depends_on = [assess.ref]
        constraint_checks = [
            as_check(_with_subject(sentence, "The migration"))
            for c in p.constraints
            for sentence in sentences(c.text)
        ]
        raw = {c.text for c in p.constraints} | {as_check(c.text) for c in p.constraints}
        draft.criteria = distinct(
            [
                *constraint_checks,
                *(c for c in draft.criteria if c not in raw and not c.endswith("are tested")),
            ]
        )[:MAX_TASK_CRITERIA]
        draft.covers = list(dict.fromkeys([*draft.covers, *(c.id for c in p.constraints)]))
        migrations.append(draft)
    tests = p.add(
        "Test the migration: re-runs, keys set after the upgrade, and missing legacy columns",
        "qa",
        kind="code",
        step="TEST",
        depends=migrations,
        covers=[c.id for c in p.acceptance],
        criteria=[
            "Running it twice leaves the same data as running it once",
            "A key set after the upgrade is never overwritten",
            "A schema without the legacy columns is skipped without error",
            "Null legacy values are not copied",
            *(["Runs against each tenant schema"] if tenants else []),
            *[c.text for c in p.acceptance],
        ],
        why=["The constraints are the risk: each gets a test"],
        outputs=["Migration tests"],
        estimate=2,
    )
    rehearse = p.add(
        "Rehearse the migration on a copy of production data and compare the counts",
        "devops",
        kind="document",
        step="VERIFY",
        depends=[tests],
        criteria=[
            "Rows changed match the inventory's count",
            "Downgrade leaves the data untouched",
            "Run time recorded",
        ],
        why=["A data change is tried on real data before users get it"],
        outputs=["Rehearsal report"],
        estimate=1,
    )
    p.add(
        "Write the release and upgrade note for the fix",
        "tpm",
        kind="document",
        step="RELEASE",
        depends=[rehearse],
        criteria=[
            "Says who was affected and what the upgrade restores",
            "Says what users must re-enter, if anything",
        ],
        why=["The original change shipped with no note; this one ships with one"],
        outputs=["Release note"],
        estimate=1,
    )
    if legacy or re.search(r"\b(?:surviving|still exists?|if present)\b", text, re.I):
        p.open_questions.append(
            "What happens to users whose legacy columns are already gone: restore from a backup, or ask"
            " them to re-enter the settings?"
        )
    workflow = workflow_for("data-migration")
    return workflow.name, workflow.pattern, workflow.reviewer


def _with_subject(text: str, subject: str) -> str:
    """Give a constraint a subject: ``Safe to run twice`` → ``The migration is safe to run twice``."""
    text = re.sub(r"^[A-Z][\w -]{1,20}:\s+", "", text.strip())
    text = re.sub(r"^(?:it|It)\s+", f"{subject} ", text)
    first = text.split(" ", 1)[0].lower()
    if first in ("safe", "idempotent", "reversible", "non-destructive"):
        return f"{subject} is {lower_first(text)}"
    if first in ("cover", "copy", "never", "run", "keep", "skip", "write"):
        verb = text.split(" ", 1)
        rest = verb[1] if len(verb) > 1 else ""
        rest = re.sub(r"\band never (\w+)\b", lambda m: f"and never {third_person(m.group(1))}", rest)
        if first == "never":
            return f"{subject} never {rest}"
        return f"{subject} {third_person(verb[0].lower())} {rest}".strip()
    return text


def _devops(p: Planner) -> tuple[str, str, str]:
    """DevOps: diagnose → (a person weighs trade-offs) → change as code → verify on a deploy → rollback."""
    reqs = p.functional
    diagnose: list[Draft] = []
    changes: list[Draft] = []
    verifies: list[Requirement] = []
    for req in reqs:
        if _INVESTIGATE_RE.match(req.text):
            draft = _implementation(p, req, "devops", step="DIAGNOSE")
            draft.kind = "document"
            draft.criteria = [c for c in draft.criteria if not c.startswith("Covered by")] + [
                "Root cause stated with the evidence that shows it"
            ]
            diagnose.append(draft)
        elif re.match(r"^(?:verify|validate|prove|check that)\b", req.text, re.I):
            verifies.append(req)
    cutover: list[Draft] = []
    for req in reqs:
        if any(req.text == d.requirement for d in diagnose) or req in verifies:
            continue
        draft = _implementation(p, req, "devops")
        draft.depends_on = [d.ref for d in diagnose]
        if _CUTOVER_RE.search(req.text):
            cutover.append(draft)
        draft.criteria = distinct(
            [*draft.criteria, "Changed in infrastructure as code and reviewed, never by hand"]
        )
        alternative = re.search(
            r"\b(?:the (?:blunt )?alternative is|or else|instead,?)\s+([^.;]+)", req.text, re.I
        )
        weigh = re.search(r"\bweigh (?:its|the)? ?(cost|trade-?off)[^.]*", req.text, re.I)
        if alternative or weigh:
            option = alternative.group(1).strip() if alternative else "the alternative"
            p.open_questions.append(
                f"A person decides: fix the cause, or use {option}?"
                f" {upper_first(weigh.group(0)) if weigh else 'Weigh its cost'}."
            )
            draft.waits_for.append(f"Decision on {option}")
        changes.append(draft)
    for draft in cutover:
        draft.depends_on = list(
            dict.fromkeys([*draft.depends_on, *(d.ref for d in changes if d not in cutover)])
        )
    if not verifies and changes:
        p.add(
            "Verify the change on a real run before relying on it",
            "qa",
            kind="document",
            step="VERIFY",
            depends=[d for d in changes if d not in cutover] or changes,
            covers=[c.id for c in p.acceptance],
            criteria=[
                "Checked on a real pipeline run or deploy, not only in review",
                *(c.text for c in p.acceptance),
            ],
            why=["Seed 004's devops workflow validates in staging before approval"],
            outputs=["Verification notes"],
            estimate=1,
        )
    for req in verifies:
        draft = _implementation(p, req, "qa", step="VERIFY")
        draft.kind = "code"
        draft.depends_on = [d.ref for d in changes] or [d.ref for d in diagnose]
        draft.criteria = distinct(
            [
                *requirement_checks(req),
                "Probe timed across a real deploy, every response logged",
                "The probe stays in the pipeline as a deploy gate",
                *(c.text for c in p.acceptance),
            ]
        )
        draft.covers = list(dict.fromkeys([*draft.covers, *(c.id for c in p.acceptance)]))
    p.add(
        "Write the rollback note for the change",
        "devops",
        kind="document",
        step="ROLLBACK",
        depends=changes or diagnose,
        criteria=["Says how to undo the change and how long it takes", "Names who can do it"],
        why=["Every infrastructure change can be undone on a bad night"],
        outputs=["Rollback note"],
        estimate=1,
    )
    workflow = workflow_for("devops")
    return workflow.name, "DIAGNOSE → CHANGE (IaC) → REVIEW → VERIFY", workflow.reviewer


_SPLIT_KINDS = (
    ("code", r"\b(?:code|paths?|routes?|serializers?|endpoints?|handlers?|classes|modules?)\b"),
    ("data", r"\b(?:files?|dumps?|data|datasets?|exports?|buckets?)\b"),
    ("docs", r"\b(?:docs?|documentation|guides?|snippets?|examples?|readme)\b"),
    ("infrastructure", r"\b(?:infrastructure|servers?|services?|instances?|dns|waf|load balancers?)\b"),
)


def _split_items(req: Requirement) -> list[tuple[str, list[str]]]:
    """``Remove everything left over from v1: code paths, …, v1 documentation`` → groups by kind of work."""
    match = re.match(
        r"^(\w+)\b[^:]{0,60}?\b(?:from|of|for|in)\s+(\S+?)\s*:\s*(.+)$",
        sentences(req.text)[0] if sentences(req.text) else "",
    )
    if not match or match.group(1).lower() not in (
        "remove",
        "delete",
        "clean",
        "retire",
        "update",
        "migrate",
        "move",
        "audit",
    ):
        return []
    items = [
        i.strip() for i in re.split(r",\s*(?:and\s+)?|\s+and\s+(?=the\b|v\d)", match.group(3)) if i.strip()
    ]
    if len(items) < 3:
        return []
    groups: dict[str, list[str]] = {}
    for item in items:
        kind = next((k for k, pattern in _SPLIT_KINDS if re.search(pattern, item, re.I)), "other")
        groups.setdefault(kind, []).append(item)
    return list(groups.items()) if len(groups) >= 2 else []


def _project(p: Planner) -> tuple[str, str, str]:
    """A project: phases as milestones with targets, each gated on the last; firsts go first."""
    reqs = p.functional
    phases = list(dict.fromkeys(r.phase for r in reqs)) or [""]
    by_label: dict[str, list[Draft]] = {}
    phase_tasks: dict[str, list[Draft]] = {ph: [] for ph in phases}
    for req in reqs:
        role = "tpm" if _COMMS_RE.search(req.text) else "backend"
        split = _split_items(req)
        verb = (sentences(req.text)[0].split(" ", 1)[0] if req.text else "Remove").capitalize()
        version = re.search(r"\bfrom (\S+?)\s*:", req.text)
        drafts = []
        if split:
            for kind, items in split:
                names = join_words(items)
                drafts.append(
                    p.add(
                        f"{verb} {names}"
                        if len(names) < 90
                        else f"{verb} the {kind} left over"
                        + (f" from {version.group(1)}" if version else ""),
                        "devops" if kind == "infrastructure" else "backend",
                        kind="code",
                        step="CLEANUP",
                        covers=[p.rid(req)],
                        criteria=[f"Gone: {i}" for i in items]
                        + ["Nothing still links to or loads what was removed"],
                        why=[f"Part of {p.rid(req)} ({req.source}), split by kind of work: {kind}"],
                        outputs=["Changes with tests" if kind == "code" else "Change record"],
                        estimate=2,
                        milestone=req.phase,
                        due=_phase_due(req.phase),
                        requirement=req.text,
                    )
                )
        else:
            draft = _implementation(p, req, role, milestone=req.phase)
            draft.due = _phase_due(req.phase)
            if role == "tpm":
                draft.kind = "document"
                draft.criteria = [c for c in draft.criteria if not c.startswith("Covered by")]
            drafts.append(draft)
        by_label[req.label] = drafts
        phase_tasks.setdefault(req.phase, []).extend(drafts)
    labels = {r.label for r in reqs}
    for req in reqs:  # the request's own "depends on" (a milestone table's Dependencies column)
        waits = [d.ref for label in req.depends_on_labels if label in labels for d in by_label[label][-1:]]
        for draft in by_label[req.label]:
            draft.depends_on = list(dict.fromkeys([*draft.depends_on, *waits]))
    _order_by_firsts(p, reqs, by_label)
    breaking = [
        d
        for d in p.drafts
        if re.search(
            r"\b(?:410|gone|shut ?down|turn off|disable|end\w* support)\b",
            d.title + " " + d.requirement,
            re.I,
        )
    ]
    for index, phase in enumerate(phases):
        tasks = phase_tasks.get(phase, [])
        if index > 0:
            previous = p.sinks(phase_tasks.get(phases[index - 1], []))
            comms = [d for d in tasks if d.role == "tpm"]
            if not comms and any(d in breaking for d in tasks):
                goal = phase.split(":", 1)[1].strip() if ":" in phase else phase
                goal = re.sub(r"\s*\(.*", "", goal)
                name = phase.split(":")[0].strip() or "the change"
                comms.append(
                    p.add(
                        f"Announce {name} ({goal}) ahead of its target",
                        "tpm",
                        kind="document",
                        step="COMMUNICATE",
                        depends=previous,
                        criteria=[
                            "Announced on the channels the request names",
                            "Repeats the date and what stops working",
                        ],
                        why=["People hear about a breaking step before it happens"],
                        outputs=["Announcement"],
                        estimate=1,
                        milestone=phase,
                        due=_phase_due(phase),
                    )
                )
                tasks.append(comms[-1])
            for draft in tasks:
                if not draft.depends_on and draft not in comms:
                    draft.depends_on = [d.ref for d in previous]
            for draft in tasks:
                if draft in breaking:
                    draft.depends_on = list(dict.fromkeys([*draft.depends_on, *(c.ref for c in comms)]))
    for draft in breaking:
        old = re.search(r"\b(v\d+)\b", draft.title + " " + draft.requirement)
        monitor = p.add(
            f"Measure the remaining {old.group(1) + ' ' if old else ''}traffic and tell its clients before"
            " the cut-off",
            "devops",
            kind="code",
            step="RISK",
            depends=[d for d in p.drafts if d.milestone == draft.milestone and d.role == "tpm"] or [],
            criteria=[
                "Requests per client measured for two weeks",
                "The largest remaining clients contacted by name",
                "Cut-off goes ahead only when the traffic is what the plan accepts",
            ],
            why=["Clients still on the old version break at the cut-off"],
            outputs=["Traffic report"],
            estimate=1,
            milestone=draft.milestone,
            due=_phase_due(draft.milestone),
        )
        if not monitor.depends_on:
            monitor.depends_on = list(draft.depends_on)
        draft.depends_on = list(dict.fromkeys([*draft.depends_on, monitor.ref]))
        p.risks.append(
            f"Clients still on {old.group(1) if old else 'the old version'} break at the cut-off;"
            f" {monitor.ref} measures the traffic first"
        )
        break
    for phase in phases:
        if phase:
            p.notes.append(f"Milestone: {phase}.")
    workflow = workflow_for("project")
    return workflow.name, workflow.pattern, workflow.reviewer


_BEFORE_RE = re.compile(
    r"\bbefore (?:the |any |a )?(?:first )?(?:such )?(?P<event>[\w -]{3,50}?)\s+(?:ships|lands|goes live|"
    r"flips|happens|starts)\b|"
    r"\bthe day (?:the )?(?P<event2>[\w -]{3,40}?)\s+(?:flips|switches|changes|ships|goes"
    r" live)\b[^.]*\b(?:unless|until)\b[^.]*\bfirst\b",
    re.I,
)


def _order_by_firsts(p: Planner, reqs: Sequence[Requirement], by_label: dict[str, list[Draft]]) -> None:
    """A requirement saying it must happen before an event goes before the tasks that cause it."""
    for req in reqs:
        for match in _BEFORE_RE.finditer(req.text):
            event = match.group("event") or match.group("event2") or ""
            nouns = {w for w in salient_words(event) if w not in ("first", "such")}
            if not nouns:
                continue
            targets = []
            for other in reqs:
                if other is req or _COMMS_RE.search(other.text):
                    continue
                for draft in by_label[other.label]:
                    if nouns & salient_words(draft.title + " " + " ".join(draft.criteria)):
                        targets.append(draft)
            if not targets:
                heading = req.phase.lower()
                if nouns & salient_words(heading):
                    first = next(
                        (
                            o
                            for o in reqs
                            if o.phase == req.phase and o is not req and not _COMMS_RE.search(o.text)
                        ),
                        None,
                    )
                    targets = by_label[first.label] if first else []
            for draft in targets:
                draft.depends_on = list(
                    dict.fromkeys([*draft.depends_on, *(d.ref for d in by_label[req.label])])
                )
                p.notes.append(
                    f"{draft.ref} waits for {by_label[req.label][0].ref}: the request says that comes first."
                )


def _research(p: Planner) -> tuple[str, str, str]:
    """Research, and any ambiguous request: discovery first, and everything else waits for its answers."""
    reqs = p.functional
    ambiguous = p.triage.ambiguous
    title = p.parsed.title
    obj = re.sub(
        r"^(?:re-?organi[sz]e|restructure|rework|revamp|rethink|improve|clean up|simplify|fix)\s+",
        "",
        title,
        flags=re.I,
    )
    obj = obj if obj != title else p.subject()
    if ambiguous:
        named = distinct(
            m.group(0)
            for c in p.parsed.context
            for m in re.finditer(
                r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)+|^[A-Z][a-z]+ [A-Z][a-z]+(?= is| are)", c
            )
        )
        p.open_questions += [
            f"Who uses {obj}, and which questions do they come with?",
            f"Which of {obj} are in scope: all of them, or a first few?",
            *[f"Keep, split or replace {n}?" for n in named[:2]],
            "How will we judge that the new version is better (a user check, usage, fewer questions)?",
        ]
        discovery = p.add(
            f"Run discovery on {obj}: who uses them and which questions they bring",
            "search-specialist",
            kind="document",
            step="DISCOVERY",
            covers=[p.rid(r) for r in reqs],
            criteria=[
                "Each open question of the plan answered, or put to the requester",
                "Personas and their top questions listed",
                "Which of " + obj + " are in scope agreed with the requester",
            ],
            why=[
                "The request says what is wrong, not what to build",
                "Nothing is built until its answers are in",
            ],
            outputs=["Discovery notes", "Answers to the open questions"],
            estimate=2,
        )
        role = roles_for(obj) if roles_for(obj) != "backend" else "backend-architect"
        proposal = p.add(
            f"Propose the new layout of {obj} for the requester to approve",
            role if role in ("frontend", "backend-architect") else "backend-architect",
            kind="document",
            step="DESIGN",
            depends=[discovery],
            criteria=[
                "One proposal per question group, each with the metrics it shows",
                "Approved by the requester before building",
            ],
            why=["Built from the discovery's answers"],
            outputs=["Proposal"],
            estimate=2,
        )
        build = p.add(
            f"Rebuild {obj} to the approved proposal",
            role if role in ("frontend", "devops") else "frontend",
            kind="code",
            step="IMPLEMENTATION",
            depends=[proposal],
            covers=[p.rid(r) for r in reqs],
            criteria=["Matches the approved proposal", "Each view answers the question it was built for"],
            why=["Only after discovery and an approved proposal"],
            outputs=["Changes with review"],
            estimate=3,
        )
        p.add(
            f"Check the new {obj} with the people from discovery",
            "qa",
            kind="document",
            step="VALIDATE",
            depends=[build],
            covers=[c.id for c in p.acceptance],
            criteria=[
                "Each persona finds the answer to their question",
                "Success judged the way the open questions agreed",
            ],
            why=["Judged by the people it was built for"],
            outputs=["Feedback notes"],
            estimate=1,
        )
        return "discovery", "DISCOVER → PROPOSE → BUILD → VALIDATE", "code-reviewer"
    research = []
    for req in reqs:
        draft = _implementation(p, req, "search-specialist", step="RESEARCH")
        draft.kind = "document"
        draft.criteria = [c for c in draft.criteria if not c.startswith("Covered by")] + [
            "At least three options compared, with sources"
        ]
        research.append(draft)
    recommend = p.add(
        f"Recommend an option and outline the design for {p.subject()}",
        "backend-architect",
        kind="document",
        step="DESIGN",
        depends=research,
        covers=[c.id for c in p.acceptance],
        criteria=["Recommendation names its trade-offs", *(c.text for c in p.acceptance)],
        why=["Turns the research into a decision"],
        outputs=["Recommendation", "Design outline"],
        estimate=1,
    )
    p.add(
        f"Record the decision on {p.subject()}",
        "context-manager",
        kind="document",
        step="DECISION RECORD",
        depends=[recommend],
        criteria=["Lists the options weighed and the consequence"],
        why=["The next session finds why this was chosen"],
        outputs=["Decision record"],
        estimate=1,
    )
    workflow = workflow_for("research")
    return workflow.name, workflow.pattern, workflow.reviewer


RECIPES = {
    "backend-feature": _feature,
    "frontend-feature": _feature,
    "integration": _feature,
    "production-error": _incident,
    "security": _security,
    "database-performance": _database_performance,
    "data-migration": _data_migration,
    "devops": _devops,
    "project": _project,
    "research": _research,
}
"""Issue type → the recipe that decomposes it."""


# --- entry point ---------------------------------------------------------------------------


def build_plan(request: str, issue_type: str | None = None) -> Plan:
    """Plan a request offline: trace its requirements, triage it, decompose it by its type's recipe.

    Args:
        request: the request as typed (any text; it need not follow a format).
        issue_type: a type a person chose (*Re-plan as…*); the triage's own reading is then only
            quoted in the reason.

    Returns:
        A plan that passes :func:`maestro.plans.validate_plan`, with at most
        :data:`maestro.plans.MAX_PLAN_TASKS` tasks. It never raises for odd input: if planning
        fails it logs the error and returns a one-task plan that asks for clarification.
    """
    parsed = parse_request(request)
    try:
        triage = triage_request(parsed)
        if issue_type and issue_type != triage.issue_type and issue_type in RECIPES:
            said = re.sub(r"^Triaged as ", "", triage.reason)
            triage = Triage(
                issue_type,  # type: ignore[arg-type]
                cut(f"Chosen by a person; the triage read it as {said}", 200),
                "high",
                triage.ambiguous and issue_type == "research",
                triage.scores,
            )
        planner = Planner(parsed, triage)
        recipe = RECIPES[triage.issue_type]
        if triage.ambiguous and triage.issue_type != "research":
            recipe = _research
        name, pattern, reviewer = recipe(planner)
        _cap(planner)
        plan = planner.build(name, pattern, reviewer)
        if parsed.dropped:  # said once, at the top of the plan, not inside the rationale
            kept, total = len(parsed.requirements), len(parsed.requirements) + parsed.dropped
            plan = plan.model_copy(
                update={
                    "not_planned": cut(
                        f"It covers the first {kept} of the request's {total} requirements (a plan takes "
                        f"at most {kept} requirements); the other {parsed.dropped}, from the "
                        f"{_ordinal(kept + 1)} on, are not planned: send them in another `/orchestrate`.",
                        300,
                    )
                }
            )
        validate_plan(plan)
        return plan
    except (ValueError, KeyError):
        logger.exception("offline planning failed; returning a one-task plan")
        return _fallback_plan(request)


def _ordinal(number: int) -> str:
    """Return the English ordinal of a number: ``26th``, ``21st``, ``22nd``, ``23rd``, ``11th``."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _cap(p: Planner) -> None:
    """Keep a plan within :data:`MAX_PLAN_TASKS` tasks (later ones go; their covers move to the last kept)."""
    if len(p.drafts) <= MAX_PLAN_TASKS:
        return
    kept, dropped = p.drafts[:MAX_PLAN_TASKS], p.drafts[MAX_PLAN_TASKS:]
    refs = {d.ref for d in kept}
    for draft in kept:
        draft.depends_on = [r for r in draft.depends_on if r in refs]
    for draft in dropped:
        kept[-1].covers = list(dict.fromkeys([*kept[-1].covers, *draft.covers]))
    p.notes.append(f"{len(dropped)} more tasks did not fit in {MAX_PLAN_TASKS}.")
    p.drafts = kept


def _finish(drafts: list[Draft], issue_type: str) -> list[PlannedTask]:
    graph = {d.ref: d.depends_on for d in drafts}
    try:
        path = set(critical_path(graph, {d.ref: d.estimate for d in drafts}))
    except CycleError:
        path = set()
    tasks = []
    for draft in drafts:
        if draft.optional:
            priority = Priority.LOW
        elif issue_type in ("production-error", "security") and (draft.urgent or draft.ref in path):
            priority = Priority.CRITICAL if draft.urgent else Priority.HIGH
        elif draft.ref in path or draft.urgent or draft.role == "security":
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
                acceptance_criteria=[cut(c, 300) for c in draft.criteria][:12],
                expected_outputs=draft.outputs[:12],
                depends_on=list(dict.fromkeys(draft.depends_on)),
                estimate_days=max(1, min(30, draft.estimate)),
                requirement=cut(draft.requirement, 500) or None,
                kind=draft.kind,
                covers=list(dict.fromkeys(draft.covers))[:20],
                owner=cut(draft.owner, 80),
                due=draft.due,
                milestone=cut(draft.milestone, 120),
                waits_for=[cut(w, 120) for w in draft.waits_for][:5],
            )
        )
    return tasks


def _fallback_plan(request: str) -> Plan:
    title = cut(re.sub(r"\s+", " ", request or "").strip(), 120) or "Untitled request"
    task = PlannedTask(
        ref="P1",
        title=cut(f"Clarify and scope: {title}", 140),
        role="backend-architect",
        priority=Priority.MEDIUM,
        description="The offline planner could not decompose this request. Restate it as a list.",
        acceptance_criteria=["Request restated as a list of requirements", "Open questions listed"],
        expected_outputs=["Scoped requirement list"],
        covers=["R1"],
    )
    plan = Plan(
        brief=title if len(title) >= 3 else "Untitled request",
        issue_type="research",
        type_reason="Fallback: the offline planner failed on this request; see the logs.",
        confidence="low",
        workflow="research: CLARIFY",
        rationale="Fallback: the offline planner failed on this request; see the logs.",
        requirements=[
            PlanRequirement(
                id="R1", text=title if len(title) >= 2 else "Clarify the request", source="Request"
            )
        ],
        open_questions=["What exactly should be built? A list of requirements helps."],
        tasks=[task],
    )
    validate_plan(plan)
    return plan
