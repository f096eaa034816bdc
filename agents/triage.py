"""Reading a request: parse it into requirements, triage it into an issue type, pick roles.

Pure functions, no network: the offline brain plans with them, and the Claude brain can show
their result to the model as a first reading. The issue types and their triggers come from seed
004 ("Issue-Specific Workflows"); the request formats recognised come from the seeds' examples:
seed 002's feature request (``Feature Name:``, ``Business Objective:``, ``Requirements:``,
``Success Criteria:`` with ``•`` bullets), seed 001's milestone tables with a Dependencies column,
seed 003's ``Track A: …`` lines and seed 000's phase lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from agents.wording import IMPERATIVE_VERBS
from agents.wording import cut as _cut
from maestro.plans import ISSUE_TYPES, IssueType

MAX_REQUIREMENTS = 25
"""Most requirements one request yields; the rest are dropped (and said so in the plan)."""

MAX_SUCCESS_CRITERIA = 10
"""Most success criteria kept from one request."""

MAX_REQUIREMENT_CHARS = 500
"""Longest requirement text kept; longer ones are cut with an ellipsis."""

FEATURE_REQUIREMENT_WEIGHT = 2.0
"""Triage score each buildable requirement adds to backend-feature when a request lists three or more."""


class Requirement(BaseModel):
    """One thing the request asks for.

    Attributes:
        label: the request's own id for it (``R1``, ``M1.2``, ``Track A``); ``R<n>`` when it gives none.
        text: what is asked, without the label or dependency notes.
        depends_on_labels: labels of requirements that must be done first (ranges expanded).
        details: sub-bullets under it, each a more specific ask.
        optional: marked nice-to-have / optional / stretch.
        explicit_label: the label came from the text rather than being numbered by us.
        source: where in the request it is (``Requirements #3``, ``Scope #1``, ``Request``).
        owner: a person or team named after it (``platform lead, 2026-09-30``), as written.
        due: the date named after it.
        phase: the phase or milestone heading it is under (``Phase 1: … (target July 2025)``),
            when the request has two or more.
        done_when: its own ``Done when …`` checks.
        position: its place among all the request's items (requirements, checks, constraints).
    """

    model_config = ConfigDict(frozen=True)

    label: str
    text: str
    depends_on_labels: list[str] = Field(default_factory=list)
    details: list[str] = Field(default_factory=list)
    optional: bool = False
    explicit_label: bool = False
    source: str = ""
    owner: str = ""
    due: date | None = None
    phase: str = ""
    done_when: list[str] = Field(default_factory=list)
    position: int = 0


class Statement(BaseModel):
    """An acceptance check, a constraint or an out-of-scope line, with where it came from."""

    model_config = ConfigDict(frozen=True)

    text: str
    source: str = ""
    position: int = 0


class ParsedRequest(BaseModel):
    """A request as Maestro read it.

    Attributes:
        text: the cleaned request (Slack special mentions removed, links reduced to their label).
        title: from ``Feature Name:``/``Title:``, the first heading, or the first line.
        title_label: the ``Label:`` in front of the title line (``Backend``, ``SECURITY``, ``Epic``), or "".
        objective: from ``Business Objective:``/``Objective:``/``Goal:``/``Why:``, else empty.
        requirements: at most :data:`MAX_REQUIREMENTS`, in the request's order.
        success_criteria: the texts of :attr:`acceptance` (kept for older callers).
        acceptance: from a "Success Criteria" / "Acceptance" / "Done when" section or line.
        constraints: from a "Constraints" section or line.
        out_of_scope: from an "Out of scope" / "Non-goals" section or line.
        context: background, what happened, symptoms, evidence: what is, not what is asked.
        notes: lines under other headings (integration points, risks …).
        missing: lines saying part of the request is elsewhere ("items 8-12 are in the report").
        variants: named variants of the problem (``Path 1: webhook test`` gives "webhook test").
        structured: the requirements came from a list or section (not guessed from prose).
        title_source: where the title came from: a ``Title:``-like key, a heading, a short first
            line, the first sentence of the text, or nowhere (``Untitled request``).
        dropped: how many requirements were cut by the cap.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    title: str
    title_source: Literal["key", "heading", "line", "sentence", "none"] = "key"
    title_label: str = ""
    objective: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    success_criteria: list[str] = Field(default_factory=list)
    acceptance: list[Statement] = Field(default_factory=list)
    constraints: list[Statement] = Field(default_factory=list)
    out_of_scope: list[Statement] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    variants: list[str] = Field(default_factory=list)
    structured: bool = True
    dropped: int = 0

    def description(self) -> str:
        """Return what triage reads: title, objective, context and asks — never acceptance or out of scope."""
        parts = [self.title, self.objective, *self.context, *(r.text for r in self.requirements)]
        parts += [d for r in self.requirements for d in r.details]
        parts += [c.text for c in self.constraints]
        return "\n".join(p for p in parts if p)


# --- cleaning -------------------------------------------------------------------------------

_SPECIAL_MENTION_RE = re.compile(r"<!(?:channel|here|everyone|subteam\^[A-Za-z0-9]+)(?:\|[^>]*)?>")
_LINK_RE = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]+))?>")
_USER_MENTION_RE = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_MENTION_RE = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1")


def clean_text(text: str) -> str:
    """Return ``text`` without Slack's control sequences: special mentions go, links keep their label."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = _SPECIAL_MENTION_RE.sub("", text)
    text = _LINK_RE.sub(lambda m: m.group(2) or m.group(1), text)
    text = _USER_MENTION_RE.sub(lambda m: "@" + m.group(1), text)
    text = _CHANNEL_MENTION_RE.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    return text.strip()


def _tidy(text: str) -> str:
    text = _EMPHASIS_RE.sub(r"\2", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.rstrip(" .;,")


# --- labels and dependencies -------------------------------------------------------------------

_LABEL = r"(?:(?:Track|Phase|Milestone|Story|Epic|Step)\s+[A-Z0-9]+(?:\.\d+)*|[A-Z]{1,4}-?\d+(?:\.\d+)*)"
_LABEL_RE = re.compile(rf"\b{_LABEL}\b")
_RANGE_RE = re.compile(rf"\b({_LABEL})\s*(?:–|—|-|\bto\b|\.\.)\s*({_LABEL})\b")
_LEADING_LABEL_RE = re.compile(rf"^(?P<label>{_LABEL})\s*(?:[:—–.)]|\s-\s)\s*(?P<rest>.+)$")
_DEPENDS_CLAUSE_RE = re.compile(
    rf"[\s,;(]*\b(?:depends on|after|blocked by|requires|needs|dependencies)\s*:?\s*"
    rf"(?P<labels>{_LABEL}(?:\s*(?:,|and|&|–|—|-|to|\.\.)\s*{_LABEL})*)\s*\)?",
    re.IGNORECASE,
)
_NO_DEPENDENCY = {"", "none", "—", "–", "-", "n/a", "na", "nothing", "no"}


def _split_label(label: str) -> tuple[str, list[str]]:
    match = re.match(r"^(.*?)(\d+(?:\.\d+)*|[A-Z])$", label)
    if not match:
        return label, []
    return match.group(1), match.group(2).split(".")


def expand_labels(text: str) -> list[str]:
    """Return the requirement labels named in ``text``, with ranges expanded.

    ``"M1.2–M1.5"`` gives ``M1.2, M1.3, M1.4, M1.5``; ``"Track A-Track C"`` gives tracks A to C;
    ``"None"`` and ``"—"`` give nothing. Parenthesised remarks (``M1.2 (product events)``) are ignored.
    """
    text = re.sub(r"\([^)]*\)", " ", text or "")
    if text.strip().lower() in _NO_DEPENDENCY:
        return []
    labels: list[str] = []

    def expand(match: re.Match[str]) -> str:
        first, last = match.group(1), match.group(2)
        prefix_a, parts_a = _split_label(first)
        prefix_b, parts_b = _split_label(last)
        if prefix_a == prefix_b and len(parts_a) == len(parts_b) and parts_a[:-1] == parts_b[:-1]:
            a, b = parts_a[-1], parts_b[-1]
            stem = prefix_a + "".join(p + "." for p in parts_a[:-1])
            if a.isdigit() and b.isdigit() and 0 <= int(b) - int(a) <= 50:
                labels.extend(f"{stem}{n}" for n in range(int(a), int(b) + 1))
                return " "
            if len(a) == len(b) == 1 and a.isalpha() and b.isalpha() and a <= b:
                labels.extend(f"{stem}{chr(c)}" for c in range(ord(a), ord(b) + 1))
                return " "
        labels.extend([first, last])
        return " "

    text = _RANGE_RE.sub(expand, text)
    labels.extend(_LABEL_RE.findall(text))
    seen: list[str] = []
    for label in labels:
        label = re.sub(r"\s+", " ", label)
        if label not in seen:
            seen.append(label)
    return seen


def _take_dependencies(text: str) -> tuple[str, list[str]]:
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.extend(expand_labels(match.group("labels")))
        return ""

    stripped = _DEPENDS_CLAUSE_RE.sub(take, text)
    stripped = re.sub(r"\(\s*\)", "", stripped)
    return (_tidy(stripped) or _tidy(text)), found


# --- line structure ----------------------------------------------------------------------------

_BULLET_RE = re.compile(r"^(?P<indent>\s*)(?:[•\-*–·▪◦‣+]|\d{1,3}[.)]|[a-zA-Z][.)])\s+(?P<body>.*\S)\s*$")
_CHECKBOX_RE = re.compile(r"^\[[ xX~!R]?\]\s*")
_HEADING_RE = re.compile(r"^\s*#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_BOLD_LINE_RE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_]+?)(?:\*\*|__)\s*:?\s*$")
_TABLE_ROW_RE = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEPARATOR_RE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$")
_TRACK_RE = re.compile(r"^(?P<label>Track\s+[A-Z0-9]+)\s*[:—–-]\s*(?P<rest>.+)$")

_TITLE_KEYS = ("feature name", "feature", "title", "name", "project", "request")
_OBJECTIVE_KEYS = ("business objective", "objective", "goal", "goals", "purpose", "why", "problem", "summary")
_SUCCESS_HEADINGS = (
    "success criteria",
    "acceptance criteria",
    "acceptance",
    "definition of done",
    "done when",
    "gate criteria",
    "exit criteria",
    "success metrics",
    "kpis",
    "metrics",
)
_CONSTRAINT_HEADINGS = ("constraints", "constraint", "non-functional", "nonfunctional", "rules", "limits")
_OUT_OF_SCOPE_HEADINGS = (
    "out of scope",
    "out-of-scope",
    "non-goals",
    "non goals",
    "not in scope",
    "excluded",
)
_CONTEXT_HEADINGS = (
    "context",
    "background",
    "area",
    "impact",
    "who can exploit",
    "who is affected",
    "affected",
    "what broke",
    "what happened",
    "what we saw",
    "cause",
    "root cause",
    "setup",
    "set-up",
    "symptoms",
    "concrete case",
    "example",
    "evidence",
    "production evidence",
    "reported",
    "observed",
    "seen",
    "later measurement",
    "measurement",
    "current state",
    "current behaviour",
    "current behavior",
    "today",
    "details",
    "tables involved",
    "involved",
    "timeline of events",
)
_NOTE_HEADINGS = (
    "integration points",
    "checkpoints",
    "timeline",
    "notes",
    "note",
    "assumptions",
    "risks",
    "open questions",
    "questions",
    "references",
    "links",
    "stakeholders",
    "team",
)
_OPTIONAL_HEADINGS = ("nice to have", "nice-to-have", "optional", "stretch", "could have")
_REQUIREMENT_HEADINGS = (
    "requirements",
    "requirement",
    "functional requirements",
    "features",
    "scope",
    "needed",
    "needs",
    "ask",
    "asks",
    "what to build",
    "what we need",
    "deliverables",
    "user stories",
    "stories",
    "tasks",
    "parallel tracks",
    "tracks",
    "must have",
    "should have",
    "work items",
    "todo",
    "to do",
    "changes",
    "action items",
    "corrective actions",
    "follow-ups",
    "follow ups",
)
_PHASE_KEY_RE = re.compile(r"^(?:phase|milestone|stage|wave|step)\s+[A-Z0-9]+(?:\.\d+)?$", re.I)
_VARIANT_KEY_RE = re.compile(r"^(?:path|vector|variant|case|scenario|attack)\s+[A-Z0-9]+$", re.I)
_OPTIONAL_RE = re.compile(
    r"\b(nice[- ]to[- ]have|optional(ly)?|stretch goal|if time permits|could have)\b", re.I
)
_MISSING_RE = re.compile(
    r"\b(?:not (?:copied|included|listed|attached|pasted|shared|written up)(?: here)?(?: yet)?|"
    r"(?:are|is) (?:only )?in the [\w -]{0,30}(?:report|doc|document|ticket|spreadsheet)|"
    r"to follow|TBD|to be (?:added|confirmed|decided))\b",
    re.I,
)
_DONE_WHEN_RE = re.compile(r"^(?:done when|definition of done|it is done when|this is done when)\b", re.I)
_OWNER_DUE_RE = re.compile(
    r"^(?P<text>.+?[.!?])\s+(?P<owner>[A-Za-z][\w .&/'-]{1,40}?),\s*(?P<due>\d{4}-\d{2}-\d{2})\.?$"
)
_KEY_VALUE_RE = re.compile(r"^([A-Za-z][A-Za-z0-9 /'-]{0,30}?)\s*(?:\([^)]{0,60}\))?\s*:\s+(.+)$")
_TITLE_LABEL_RE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z0-9 ./+-]{0,24}?)\s*:\s+(?P<rest>\S.*)$")


def _heading_name(heading: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", _tidy(heading))
    return re.sub(r"\s+", " ", name).rstrip(":").strip().lower()


def _heading_kind(heading: str) -> str:
    name = _heading_name(heading)

    def starts(options: Sequence[str]) -> bool:
        return any(name == h or name.startswith(h + " ") or name.startswith(h + ",") for h in options)

    if starts(_SUCCESS_HEADINGS):
        return "success"
    if starts(_OUT_OF_SCOPE_HEADINGS):
        return "out_of_scope"
    if starts(_CONSTRAINT_HEADINGS):
        return "constraints"
    if starts(_OPTIONAL_HEADINGS) or name == "later":
        return "optional"
    if _VARIANT_KEY_RE.match(name) or starts(_CONTEXT_HEADINGS):
        return "context"
    if starts(_NOTE_HEADINGS):
        return "notes"
    if _PHASE_KEY_RE.match(name.split(":")[0].strip()):
        return "phase"
    if starts(_REQUIREMENT_HEADINGS):
        return "requirements"
    return "generic"


def _split_criteria(value: str) -> list[str]:
    parts = re.split(r"\s*;\s*", value) if ";" in value else re.split(r",\s+(?![^()]*\))", value)
    return [p for p in (_tidy(part) for part in parts) if len(p) >= 2]


def split_list(value: str) -> list[str]:
    """Split ``a, b, c, and d`` into its items when it is a list of three or more; else ``[value]``."""
    parts = [p.strip() for p in re.split(r",\s+(?![^()]*\))", value)]
    if len(parts) >= 3 and re.match(r"(?:and|or)\s", parts[-1]):
        parts[-1] = re.sub(r"^(?:and|or)\s+", "", parts[-1])
        return [_tidy(p) for p in parts if len(_tidy(p)) >= 3]
    return [_tidy(value)]


def _split_checks(value: str) -> list[str]:
    """Split an acceptance line into its checks: ``a; b`` gives two when both are clauses of 4+ words."""
    parts = [_tidy(p) for p in re.split(r"\s*;\s*", value)]
    if len(parts) > 1 and all(len(p.split()) >= 4 for p in parts):
        return [p[:1].upper() + p[1:] for p in parts]
    return [_tidy(value)]


@dataclass
class _RawRequirement:
    text: str
    label: str | None = None
    depends: tuple[str, ...] = ()
    details: list[str] | None = None
    optional: bool = False
    source: str = ""
    owner: str = ""
    due: date | None = None
    phase: str = ""
    done_when: tuple[str, ...] = ()
    position: int = 0


def _raw_requirement(body: str, *, optional: bool, depends: Sequence[str] = ()) -> _RawRequirement | None:
    body = _CHECKBOX_RE.sub("", _tidy(body))
    label = None
    match = _TRACK_RE.match(body) or _LEADING_LABEL_RE.match(body)
    if match:
        label = re.sub(r"\s+", " ", match.group("label"))
        body = match.group("rest")
    owner, due = "", None
    found = _OWNER_DUE_RE.match(body)
    if found:
        try:
            due = date.fromisoformat(found.group("due"))
            owner = found.group("owner").strip()
            body = found.group("text")
        except ValueError:
            pass
    done_when: list[str] = []
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", body):
        if _DONE_WHEN_RE.match(sentence.strip()):
            done_when.append(_tidy(sentence))
        else:
            kept.append(sentence)
    body = " ".join(kept) or body
    text, inline = _take_dependencies(body)
    text = _tidy(text)
    if len(text) < 2 or not re.search(r"\w", text):
        return None
    return _RawRequirement(
        text=_cut(text, MAX_REQUIREMENT_CHARS),
        label=label,
        depends=tuple(dict.fromkeys([*depends, *inline])),
        details=[],
        optional=optional or bool(_OPTIONAL_RE.search(text)),
        owner=owner,
        due=due,
        done_when=tuple(done_when),
    )


def _table_requirements(rows: list[str], *, optional: bool) -> list[_RawRequirement]:
    def cells(row: str) -> list[str]:
        inner = row.strip()
        inner = inner[1:] if inner.startswith("|") else inner
        inner = inner[:-1] if inner.endswith("|") else inner
        return [_tidy(cell) for cell in inner.split("|")]

    header: list[str] | None = None
    data = rows
    if len(rows) >= 2 and _TABLE_SEPARATOR_RE.match(rows[1]):
        header, data = cells(rows[0]), rows[2:]
    dep_col = None
    if header:
        for index, name in enumerate(header):
            if re.search(r"depend|blocked by|prereq|requires|after", name, re.I):
                dep_col = index
                break
    found: list[_RawRequirement] = []
    for row in data:
        if _TABLE_SEPARATOR_RE.match(row):
            continue
        values = cells(row)
        if not any(values):
            continue
        depends = expand_labels(values[dep_col]) if dep_col is not None and dep_col < len(values) else []
        others = [v for i, v in enumerate(values) if i != dep_col and v]
        if not others:
            continue
        first, rest = others[0], others[1:]
        match = _LEADING_LABEL_RE.match(first)
        label_only = re.fullmatch(_LABEL, first)
        if label_only and rest:
            body = f"{first}: {rest[0]}" + (f" — {'; '.join(rest[1:])}" if rest[1:] else "")
        elif match and rest:
            body = f"{first}: {'; '.join(rest)}"
        elif rest:
            body = f"{first}: {'; '.join(rest)}"
        else:
            body = first
        raw = _raw_requirement(body, optional=optional, depends=depends)
        if raw:
            found.append(raw)
    return found


_BUILD_RE = re.compile(
    r"\b(add|build|create|implement|support|allow|enable|let|provide|expose|make|need|needs|want|should|"
    r"must|shall|can|will|set ?up|setup|integrate|migrate|introduce|track|send|show|display|store|export|"
    r"import|generate|notify|fix|replace|refactor|automate|deploy|configure|upgrade|write|design|"
    r"service|endpoint|api|dashboard|page|screen|form|ui|notifications?|tracking|management|integration|"
    r"workflow|report|search|login|registration|auth|profile|gateway|migrations?|manager|packages?|"
    r"library|tool(ing)?|feature|stack|engine|contains?|includes?)\b",
    re.IGNORECASE,
)


def states_something_to_build(sentence: str) -> bool:
    """Return True when a sentence asks for something to be built or changed (loose keyword test)."""
    return bool(_BUILD_RE.search(sentence))


_ASK_VERBS = IMPERATIVE_VERBS | {"let", "please"}
"""Verbs an ask starts with (the ones a title may start with)."""
_ASK_RE = re.compile(
    r"\b(?:should|must|shall|need(?:s)? to|have to|has to|want(?:s)? to|would (?:like|rather|prefer)|"
    r"(?:can|could) (?:we|you) |please|be able to|as an? \w+,? i (?:want|would|need))\b",
    re.I,
)


def asks_for_something(sentence: str) -> bool:
    """Return True when a sentence is an ask (imperative, "should", "we need", "as a user I want" …).

    Descriptions of what is (``the dashboards are hard to read``) are context, not asks.
    """
    first = re.split(r"[\s:,]", sentence.strip(), maxsplit=1)[0].lower()
    return first in _ASK_VERBS or bool(_ASK_RE.search(sentence))


def _sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        pieces.extend(re.split(r"(?<=[.!?])\s+(?=[\"'“(\[A-Z0-9])", line))
    return [s for s in (_tidy(p) for p in pieces) if len(s) >= 3]


@dataclass
class _Reader:
    """The state of :func:`parse_request` while it reads a request line by line."""

    title: str = ""
    title_source: str = ""
    title_label: str = ""
    objective: str = ""
    first_heading: str = ""
    section: str = "top"
    section_name: str = ""
    inline: bool = False
    phase: str = ""
    item: int = 0
    position: int = 0
    list_indent: int | None = None
    raws: list[_RawRequirement] = field(default_factory=list)
    success: list[Statement] = field(default_factory=list)
    constraints: list[Statement] = field(default_factory=list)
    out_of_scope: list[Statement] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    prose_raw: list[str] = field(default_factory=list)
    phases: set[str] = field(default_factory=set)
    table: list[str] = field(default_factory=list)

    def next_position(self) -> int:
        self.position += 1
        return self.position

    def source(self) -> str:
        self.item += 1
        name = self.section_name or {"top": "Request", "generic": "Request"}.get(self.section, self.section)
        return _cut(f"{name}, item {self.item}", 80)

    def set_section(self, heading: str, kind: str | None = None) -> None:
        self.section = kind or _heading_kind(heading)
        self.section_name = _cut(_tidy(re.sub(r"\([^)]*\)", "", heading)).rstrip(":").strip(), 40)
        self.item = 0
        self.list_indent = None
        self.inline = False
        if self.section == "phase":
            self.phase = _tidy(heading).rstrip(":")
            self.phases.add(self.phase)
        elif self.section in ("requirements", "generic", "optional"):
            self.phase = self.phase if self.section != "generic" else ""
        if not self.first_heading and self.section in ("generic", "phase"):
            self.first_heading = _tidy(heading).rstrip(":")

    def add_requirement(self, body: str, *, optional: bool = False) -> None:
        raw = _raw_requirement(body, optional=optional or self.section == "optional")
        if raw:
            raw.source, raw.phase, raw.position = self.source(), self.phase, self.next_position()
            self.raws.append(raw)

    def add_statement(self, kind: str, text: str) -> None:
        text = _tidy(text)
        if len(text) < 2:
            return
        target = {"success": self.success, "constraints": self.constraints, "out_of_scope": self.out_of_scope}
        for part in _split_checks(text) if kind == "success" else [text]:
            target[kind].append(
                Statement(text=_cut(part, 500), source=self.source(), position=self.next_position())
            )

    def add_line(self, text: str, raw_line: str) -> None:
        """A line that is neither a heading nor a bullet, in the current section."""
        if _MISSING_RE.search(text) and self.section not in ("success", "out_of_scope"):
            self.missing.append(text)
        elif _DONE_WHEN_RE.match(text):
            self.set_section("Done when", "success")
            self.add_statement("success", text)
        elif self.section == "context" and self.inline:
            self.prose.append(text)  # a "Key: value" line's section holds its bullets, not the prose after it
            self.prose_raw.append(raw_line.strip())
        elif self.section == "success":
            for part in _split_criteria(text) if text.count(",") >= 2 else [text]:
                self.add_statement("success", part)
        elif self.section in ("constraints", "out_of_scope"):
            for sentence in _sentences(text) or [text]:
                self.add_statement(self.section, sentence)
        elif self.section == "context":
            self.context.append(text)
        elif self.section == "notes":
            self.notes.append(text)
        elif self.section in ("requirements", "optional", "phase"):
            self.add_requirement(text)
        else:
            self.prose.append(text)
            self.prose_raw.append(raw_line.strip())

    def key_value(self, line: str, *, first: bool = False) -> bool:
        """Handle a ``Key: value`` line (or ``A: x | B: y`` segments); False when the line is not one."""
        segments = re.split(r"\s+\|\s+", _tidy(line))
        if len(segments) > 1 and all(_KEY_VALUE_RE.match(seg) for seg in segments):
            handled = [self._key_value(seg, first=first) for seg in segments]
            return any(handled)
        return self._key_value(line, first=first)

    def _key_value(self, line: str, *, first: bool = False) -> bool:
        match = _KEY_VALUE_RE.match(_tidy(line))
        if not match:
            return False
        key, value = _heading_name(match.group(1)), _tidy(match.group(2))
        kind = _heading_kind(match.group(1))
        if key in _TITLE_KEYS and not self.title:
            self.title, self.title_source = value, "key"
            return True
        if key in _OBJECTIVE_KEYS and not self.objective:
            self.objective = value
            self.set_section(match.group(1), "context")
            self.inline = True
            return True
        if key in ("target", "sprint", "deadline", "due", "owner", "priority", "status"):
            self.notes.append(f"{match.group(1).strip()}: {value}")
            return True
        if first and kind in ("generic", "phase"):
            return False  # the first line is the title: "SECURITY: two SSRF paths …"
        if kind in ("success", "constraints", "out_of_scope"):
            kept = (self.section, self.section_name, self.item, self.phase, self.list_indent, self.inline)
            self.set_section(match.group(1))
            if kind == "success":
                for part in _split_criteria(value) if value.count(",") >= 2 and ";" not in value else [value]:
                    self.add_statement("success", part)
            else:
                for sentence in _sentences(value) or [value]:
                    self.add_statement(kind, sentence)
            if kept[0] not in ("top", "context"):  # a one-line "Acceptance: …" inside another section
                self.section, self.section_name, self.item, self.phase, self.list_indent, self.inline = kept
            return True
        if kind == "context":
            if _VARIANT_KEY_RE.match(key):
                self.variants.append(value)
            self.set_section(match.group(1), "context")
            self.inline = True
            self.context.append(f"{match.group(1).strip()}: {value}")
            return True
        if kind == "notes":
            self.set_section(match.group(1))
            self.notes.append(value)
            return True
        if kind == "phase":
            self.set_section(_tidy(line))
            return True
        if kind in ("requirements", "optional"):
            self.set_section(match.group(1))
            for item in split_list(value):
                self.add_requirement(item)
            return True
        if len(key.split()) > 3 or re.search(r"\b(?:is|are|was|were|has|have|does|do|can|will)\b|/", key):
            return False  # "The /api/orders list is slow: …" is a sentence, not a key
        if self.section in ("requirements", "generic", "phase", "optional") and self.raws:
            phase = self.phase
            self.set_section(match.group(1), "generic")  # "Pagination: on all three tables …" among asks
            self.phase = phase
            self.add_requirement(_tidy(line))
            return True
        if self.section in ("context", "top"):
            self.context.append(_tidy(line))
            self.section, self.inline = "context", True
            return True
        return False


def _first_line_title(reader: _Reader, line: str) -> None:
    """Take the request's first line as its title (a label like ``Backend:`` kept apart)."""
    stripped = _tidy(line)
    label = _TITLE_LABEL_RE.match(stripped)
    if label and len(label.group("label").split()) <= 3:
        reader.title_label = label.group("label").strip()
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", line.strip())
    reader.title, reader.title_source = _tidy(sentences[0]), "line"
    for rest in sentences[1:]:
        if _tidy(rest):
            reader.context.append(_tidy(rest))


def parse_request(text: str) -> ParsedRequest:
    """Parse a free-form request into its title, requirements, acceptance checks, constraints and context.

    Recognises ``Key: value`` lines (``Feature Name``, ``Business Objective``, ``Context``,
    ``Needed``, ``Constraints``, ``Out of scope``, ``Phase 1``), headings (``# …``, ``**…**``,
    ``Requirements:``), bullets (``•``, ``-``, ``*``, ``1.``, ``1)``), markdown tables (a column
    named like "Dependencies" gives each row's dependencies), ``Track X: …`` lines, inline
    ``(depends on R1)`` notes, ``owner, YYYY-MM-DD`` after an action item and ``Done when …``
    checks. The first line of a multi-line request is its title; a ``Label:`` in front of it
    (``Backend:``, ``SECURITY:``) is kept as :attr:`ParsedRequest.title_label`. Background,
    symptoms and what happened are context, never requirements. With no list of asks, each
    sentence that asks for something becomes a requirement; failing that, the whole text is one.

    Args:
        text: the request as typed in Slack (may hold mrkdwn, links and mentions).

    Returns:
        The parsed request; requirements capped at :data:`MAX_REQUIREMENTS`.
    """
    cleaned = clean_text(text)
    reader = _Reader()
    lines = cleaned.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    first_index = content[0] if len(content) > 1 else None

    def flush_table() -> None:
        if not reader.table:
            return
        rows = reader.table
        reader.table = []
        if reader.section == "success":
            for row in rows:
                reader.add_statement("success", " ".join(row.strip("| ").split("|")))
        elif reader.section in ("notes", "context", "constraints", "out_of_scope"):
            reader.notes.extend(_tidy(" ".join(row.strip("| ").split("|"))) for row in rows)
        else:
            for raw in _table_requirements(rows, optional=reader.section == "optional"):
                raw.source, raw.position = reader.source(), reader.next_position()
                reader.raws.append(raw)

    for index, line in enumerate(lines):
        if _TABLE_ROW_RE.match(line):
            reader.table.append(line)
            continue
        flush_table()
        if not line.strip():
            continue
        heading = _HEADING_RE.match(line) or _BOLD_LINE_RE.match(line)
        if heading:
            text_of = heading.group("text")
            if not reader.key_value(text_of):
                reader.set_section(text_of)
            continue
        bullet = _BULLET_RE.match(line)
        if bullet:
            indent = len(bullet.group("indent").expandtabs(4))
            body = bullet.group("body")
            if reader.list_indent is None:
                reader.list_indent = indent
            deeper = indent > reader.list_indent + 1
            if deeper and reader.section not in ("success", "notes", "context") and reader.raws:
                detail = _tidy(_CHECKBOX_RE.sub("", body))
                if detail and reader.raws[-1].details is not None and len(reader.raws[-1].details) < 8:
                    reader.raws[-1].details.append(detail)
                continue
            body = _tidy(_CHECKBOX_RE.sub("", body))
            if reader.section == "success":
                reader.add_statement("success", body)
            elif reader.section in ("constraints", "out_of_scope"):
                reader.add_statement(reader.section, body)
            elif reader.section == "context":
                reader.context.append(body)
            elif reader.section == "notes":
                reader.notes.append(body)
            elif _MISSING_RE.search(body):
                reader.missing.append(body)
            else:
                reader.add_requirement(body)
            continue
        stripped = _tidy(line)
        if _TRACK_RE.match(stripped) and reader.section not in ("success", "notes", "context"):
            reader.add_requirement(stripped)
            continue
        if index == first_index and not reader.title:
            if reader.key_value(line, first=True):
                continue
            if stripped.endswith(":") and _heading_kind(stripped) not in ("generic", "phase"):
                reader.set_section(stripped)
                continue
            _first_line_title(reader, line)
            continue
        if reader.key_value(line):
            continue
        bare = re.sub(r"\([^)]*\)", "", stripped).strip()
        if stripped.endswith(":") and len(bare.split()) <= 6:
            reader.set_section(stripped)
            continue
        reader.add_line(stripped, line)
    flush_table()
    return _finish_parse(cleaned, reader)


def _finish_parse(cleaned: str, reader: _Reader) -> ParsedRequest:
    title, title_source = reader.title, reader.title_source
    if not title and reader.first_heading:
        title, title_source = reader.first_heading, "heading"
    prose, prose_raw = reader.prose, reader.prose_raw
    title_line = (
        not title
        and len(prose) > 1
        and len(prose[0]) <= 100
        and not prose_raw[0].rstrip("*_ ").endswith((".", "!", "?"))
    )
    if title_line:
        title, title_source = prose[0], "line"
        prose = prose[1:]
    raws = reader.raws
    structured = bool(raws)
    context = list(reader.context)
    if not raws:
        sentences = _sentences("\n".join(prose))
        wanted = []
        for sentence in sentences:
            if asks_for_something(sentence):
                items = split_list(re.sub(r"^(?:please|pls|kindly)\s+", "", sentence, flags=re.I))
                imperative = all(i.split(" ", 1)[0].lower() in _ASK_VERBS for i in items)
                wanted += items if len(items) > 1 and imperative else [sentence]
        if not wanted and title_source == "line" and not _sentences(title)[1:]:
            context += sentences  # a report under a title: the title says what it is about
            raws = [r for r in [_raw_requirement(title, optional=False)] if r]
            for raw in raws:
                raw.source = "Title"
            sentences = []
        elif not wanted and not reader.context:
            wanted = [s for s in sentences if states_something_to_build(s)]
        if wanted:
            for sentence in wanted:
                raw = _raw_requirement(sentence, optional=False)
                if raw:
                    raw.source, raw.position = "Request", 0
                    raws.append(raw)
            context += [s for s in sentences if s not in wanted]
        elif sentences and not raws:
            raws = [r for r in [_raw_requirement(" ".join(prose), optional=False)] if r]
            for raw in raws:
                raw.source = "Request"
        elif reader.objective and not raws:
            raws = [r for r in [_raw_requirement(reader.objective, optional=False)] if r]
            for raw in raws:
                raw.source = "Objective"
        elif title and asks_for_something(title) and not raws:
            raws = [r for r in [_raw_requirement(title, optional=False)] if r]
            for raw in raws:
                raw.source = "Title"
    else:
        context += prose
    if not title and prose:
        first = _sentences(prose[0])
        title, title_source = (first[0] if first else prose[0]), "sentence"
    if not title and raws:
        title, title_source = raws[0].text, "sentence"
    title = _cut(re.sub(r"^(?:please|pls|kindly)\s+", "", _tidy(title).rstrip(":"), flags=re.I), 120)
    if not title:
        title, title_source = "Untitled request", "none"
    if len(reader.phases) < 2:
        for raw in raws:
            raw.phase = ""
    requirements = _number(raws)
    dropped = max(0, len(requirements) - MAX_REQUIREMENTS)
    success = list({s.text: s for s in reader.success}.values())
    return ParsedRequest(
        text=cleaned,
        title=title,
        title_source=title_source,  # type: ignore[arg-type]
        title_label=reader.title_label,
        objective=_cut(reader.objective, 600),
        requirements=requirements[:MAX_REQUIREMENTS],
        success_criteria=[s.text for s in success][:MAX_SUCCESS_CRITERIA],
        acceptance=success[:MAX_SUCCESS_CRITERIA],
        constraints=reader.constraints[:MAX_SUCCESS_CRITERIA],
        out_of_scope=reader.out_of_scope[:MAX_SUCCESS_CRITERIA],
        context=[c for c in context if c][:40],
        notes=[n for n in reader.notes if n][:20],
        missing=reader.missing[:5],
        variants=reader.variants[:8],
        structured=structured,
        dropped=dropped,
    )


def _number(raws: Iterable[_RawRequirement]) -> list[Requirement]:
    unique: list[_RawRequirement] = []
    seen_texts: set[str] = set()
    for raw in raws:
        key = raw.text.casefold()
        if key in seen_texts:
            continue
        seen_texts.add(key)
        unique.append(raw)
    used = {raw.label for raw in unique if raw.label}
    result: list[Requirement] = []
    counter = 0
    for raw in unique:
        label = raw.label
        if not label or label in {r.label for r in result}:
            counter += 1
            while f"R{counter}" in used:
                counter += 1
            label = f"R{counter}"
        result.append(
            Requirement(
                label=label,
                text=raw.text,
                depends_on_labels=[d for d in raw.depends if d != label],
                details=list(raw.details or []),
                optional=raw.optional,
                explicit_label=bool(raw.label) and label == raw.label,
                source=raw.source,
                owner=raw.owner,
                due=raw.due,
                phase=raw.phase,
                done_when=list(raw.done_when),
                position=raw.position,
            )
        )
    return result


# --- triage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Signal:
    pattern: re.Pattern[str]
    weight: float


def _signals(*entries: tuple[str, float] | tuple[str, float, bool]) -> tuple[_Signal, ...]:
    built = []
    for entry in entries:
        regex, weight = entry[0], entry[1]
        case_sensitive = len(entry) > 2 and entry[2]
        flags = 0 if case_sensitive else re.IGNORECASE
        built.append(_Signal(re.compile(regex, flags), weight))
    return tuple(built)


TRIAGE_SIGNALS: dict[str, tuple[_Signal, ...]] = {
    "production-error": _signals(
        (r"\b5\d\d (?:errors?|responses?|status)\b|\b5xx\b|\bHTTP 5\d\d\b", 4),
        (r"\bexceptions?\b", 3),
        (r"\bstack ?traces?\b|\btracebacks?\b", 3),
        (r"\bspik(?:e|es|ed|ing)\b", 2),
        (r"\boutages?\b", 4),
        (r"\bcrash(?:es|ed|ing)?\b", 3),
        (r"\berror rates?\b", 3),
        (r"\b(?:is|went|are|was) down\b|\bsite down\b", 3),
        (r"\bincidents?\b", 3),
        (r"\bpost-?mortem\b|\bcorrective actions?\b|\bstop-?gaps?\b", 4),
        (r"\bP[01]\b|\bSEV ?[12]\b", 3, True),
        (r"\balerts? (?:fired|firing|went off)\b|\bnothing alerted\b", 3),
        (r"\bin production\b|\bprod\b", 1),
        (r"\bcustomers? (?:report|are reporting|complain)", 2),
        (r"\bbug\b", 2),
        (r"\bbroken\b|\bnot working\b|\bstopped working\b", 2),
        (r"\bregression\b", 1),
        (r"\b(?:errors?|failures?)\b", 1),
        (r"\bpanic\b|\bsegfault\b|\bOOM\b|\bout of memory\b", 3),
        (r"\btimeouts?\b|\btimed out\b", 1),
    ),
    "database-performance": _signals(
        (r"\bslow (?:sql |db |database )?quer(?:y|ies)\b|\bquer(?:y|ies) (?:is|are) slow\b", 4),
        (r"\bindex(?:es|ing)?\b|\bindices\b", 2),
        (r"\bEXPLAIN(?: ANALYZE)?\b", 3, True),
        (r"\bquery plans?\b", 3),
        (
            r"\b(?:latency|performance) of (?:the )?quer(?:y|ies)\b|\bquery (?:latency|performance|time|"
            r"count)\b",
            4,
        ),
        (r"\bfull table scans?\b|\bseq(?:uential)? scans?\b", 3),
        (r"\bN\+1\b", 5),
        (r"\bpreload\w*\b|\beager[- ]load\w*\b|\bincludes\(", 2),
        (r"\bdeadlocks?\b|\block contention\b", 2),
        (r"\bconnection pool\b", 2),
        (r"\b(?:database|db) (?:is )?(?:slow|overloaded|cpu)\b|\bslow (?:database|db)\b", 4),
        (r"\bvacuum\b|\bbloat\b", 2),
        (r"\bp9[59]\b", 1),
        (r"\bslow\b", 1),
        (r"\bhigh load\b", 2),
        (r"\boptimi[sz]e (?:the )?(?:sql |db |database )?quer", 3),
    ),
    "devops": _signals(
        (r"\bCI\b", 3, True),
        (r"\bCI/CD\b|\bCD pipeline\b", 3),
        (r"\bpipelines?\b", 2),
        (r"\bdeploy(?:s|ed|ing|ments?)?\b", 2),
        (r"\bkubernetes\b|\bk8s\b", 3),
        (r"\bterraform\b|\bcloudformation\b|\bpulumi\b", 3),
        (r"\bdocker(?:file)?\b", 2),
        (r"\bhelm\b", 3),
        (r"\bECS\b|\bFargate\b|\bALB\b|\bELB\b", 3, True),
        (r"\bload balancer\b|\btarget groups?\b|\bhealth[- ]checks?\b|\bdesiredCount\b", 2),
        (r"\bcircleci\b|\bgithub actions\b|\bgitlab ci\b|\bjenkins\b", 3),
        (r"\bstaging\b", 1),
        (r"\binfrastructure\b|\binfra\b", 2),
        (r"\bbuilds? (?:is |are )?fail", 2),
        (r"\bautoscal\w*\b|\bscaling\b", 2),
        (r"\bmonitoring\b|\bobservability\b", 1),
        (r"\brollouts?\b|\brollbacks?\b", 2),
        (r"\bcontainers?\b", 1),
        (r"\bdevops\b", 2),
    ),
    "security": _signals(
        (r"\bCVE(?:-\d{4}-\d+)?\b", 4),
        (r"\bvulnerabilit(?:y|ies)\b|\bvulnerable\b", 3),
        (r"\bXSS\b|\bcross-site scripting\b", 4),
        (r"\binjection\b", 3),
        (r"\bpen ?tests?\b|\bpenetration test", 3),
        (r"\bsecurity audit\b|\baudit findings?\b", 3),
        (r"\bCSRF\b|\bSSRF\b|\bRCE\b|\bIDOR\b", 4),
        (r"\bOWASP\b", 2),
        (r"\b(?:exposed|leaked) (?:secrets?|credentials|keys?|tokens?)\b", 3),
        (r"\bexploit\w*\b|\battackers?\b", 3),
        (r"\breported (?:to us )?privately\b|\bresponsible disclosure\b|\bsecurity advisory\b", 3),
        (r"\bprivilege escalation\b|\bauth(?:entication|orization)? bypass\b", 3),
        (r"\bsecurity\b", 1),
    ),
    "integration": _signals(
        (r"\bintegrat(?:e|ion|ing) with\b", 3),
        (r"\bwebhooks?\b", 1),
        (r"\bthird[- ]party (?:api|service)s?\b|\bexternal (?:api|service)s?\b", 3),
        (r"\bMCP\b", 3, True),
        (r"\bconnect (?:to|with)\b|\bsync(?:s|ing|hroni[sz]e)? (?:with|to|from)\b|\btwo-way sync\b", 3),
        (r"\bOAuth\b", 2),
        (r"\bprovider adapter\b|\b(?:provider|adapter) interface\b|\bproviders?\b", 1),
        (
            r"\bGoogle\b|\bSalesforce\b|\bStripe\b|\bSlack\b|\bGitHub\b|\bJira\b|\bOutlook\b|\bZapier\b",
            1,
            True,
        ),
        (r"\bintegration\b", 1),
        (r"\boauth app\b|\bapi keys? from\b", 1),
    ),
    "data-migration": _signals(
        (r"\bbackfill\w*\b", 5),
        (r"\bdata (?:fix|migration|repair|loss)\b", 4),
        (r"\b(?:forward|data|schema) migration\b|\bmigration (?:that )?cop(?:y|ies)\b", 3),
        (r"\blegacy (?:columns?|fields?|tables?|values?|data)\b", 3),
        (r"\bsilently dropped\b|\b(?:lost|dropped|missing) (?:data|values|config|records|rows)\b", 3),
        (r"\bcop(?:y|ies|ying) (?:over |the )?(?:values|data|rows|records)\b", 2),
        (r"\bper[- ]tenant\b|\btenant schemas?\b", 1),
        (r"\b(?:import|migrate) (?:the )?(?:existing|old|historical) (?:data|records|rows)\b", 3),
        (r"\bETL\b", 2, True),
        (r"\bdowngrade\b|\bidempotent\b|\bsafe to (?:re-?)?run\b", 1),
    ),
    "frontend-feature": _signals(
        (r"\bUI\b|\bUX\b", 2, True),
        (r"\bfront-?end\b|\bweb UI\b|\buser interface\b", 3),
        (r"\bReact\b|\bVue\b|\bSvelte\b|\bAngular\b|\bNext\.js\b|\bTailwind\b|\bCSS\b", 3, True),
        (r"\bcomponents?\b", 1),
        (r"\b(?:column )?headers?\b|\bdropdowns?\b|\bpopovers?\b|\bmodals?\b|\btooltips?\b|\bbuttons?\b", 1),
        (r"\bdark mode\b|\blight mode\b|\bthemes?\b|\btoggle\b", 3),
        (r"\bpages?\b|\bscreens?\b|\btables?\b", 1),
        (r"\bsort(?:ing|able)?\b|\bfilter(?:ing|s)?\b|\bpaginat\w*\b", 1),
        (r"\baccessib\w*\b|\bWCAG\b|\bresponsive\b", 2),
        (r"\bclick(?:ing|s)?\b|\bhover\w*\b|\bdrag\w*\b", 1),
    ),
    "research": _signals(
        (r"\bresearch\b", 3),
        (r"\bevaluat(?:e|ing|ion)\b", 2),
        (r"\bcompare (?:options|alternatives|approaches)\b|\bcompare\b", 2),
        (r"\bwhich (?:library|libraries|framework|tool|database|db|service|provider|vendor)\b", 3),
        (r"\bpros and cons\b", 2),
        (r"\bshould we use\b|\bwhat(?:'s| is) the best\b", 3),
        (r"\balternatives\b|\boptions for\b", 2),
        (r"\brecommend(?:ation)?\b", 1),
        (r"\bproof of concept\b|\bspike on\b", 2),
    ),
    "project": _signals(
        (r"\bepic\b|\broadmap\b|\binitiative\b", 3),
        (r"\bphases?\s+[0-9A-Z]\b", 2),
        (
            r"\btwo phases\b|\bmulti-?(?:week|month|quarter|phase)\b|\bseveral (?:phases|milestones|"
            r"quarters)\b",
            3,
        ),
        (r"\bmilestones?\b", 1),
        (r"\bsunset\w*\b|\bretir(?:e|ing|ement)\b|\bdeprecat\w*\b|\bend(?:-of-life| of life)\b", 2),
        (r"\bby (?:the )?end of (?:\d{4}|Q[1-4]|the year)\b|\btarget (?:\w+ )?\d{4}\b", 2),
        (r"\bannounce\w*\b|\bcommunicat\w*\b", 1),
    ),
    "backend-feature": _signals(
        (r"\bfeature(?: name| request| flag)?\b", 2),
        (r"\bendpoints?\b", 2),
        (r"\b(?:users?|customers?|admins?) (?:can|should be able to|must be able to)\b", 2),
        (r"\bAPI\b", 1),
        (r"\bback-?end\b", 3),
        (r"\bjobs?\b|\bworkers?\b|\bservices?\b", 1),
        (r"\b(?:add|build|create|implement|support)\b", 1),
        (r"\bnew\b", 1),
    ),
}
"""Per issue type: weighted patterns; a pattern counts once however often it occurs (twice in the title)."""

TITLE_LABELS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), issue_type)
    for pattern, issue_type in (
        (r"^(?:back-?end|api|server)\b", "backend-feature"),
        (r"^(?:front-?end|ui|ux|web|design)\b", "frontend-feature"),
        (r"^(?:infra|infrastructure|devops|ci|cd|ci/cd|ops|deploy\w*|platform)\b", "devops"),
        (r"^(?:perf|performance|db|database|slow)\b", "database-performance"),
        (r"^(?:security|sec|vuln\w*|cve)\b", "security"),
        (r"^(?:incident|outage|p[01]|sev ?[12]|post-?mortem|hotfix)\b", "production-error"),
        (r"^(?:data fix|data|migration|backfill|data migration)\b", "data-migration"),
        (r"^(?:epic|project|roadmap|initiative|programme|program)\b", "project"),
        (r"^(?:integration|sync)\b", "integration"),
        (r"^(?:research|spike|rfc|investigation)\b", "research"),
    )
)
"""A title's leading label (``Backend:``, ``SECURITY:``, ``Data fix:``) and the type it names."""

TITLE_LABEL_WEIGHT = 8.0
"""Triage score a matching title label adds: people label their tickets deliberately."""

TITLE_WEIGHT = 2.0
"""How much more a signal counts when it is in the title."""

_TRIAGE_ORDER = (
    "security",
    "production-error",
    "data-migration",
    "database-performance",
    "devops",
    "integration",
    "project",
    "research",
    "frontend-feature",
    "backend-feature",
)
"""Tie-break order: the more urgent type wins a tie."""

assert set(_TRIAGE_ORDER) == set(ISSUE_TYPES) == set(TRIAGE_SIGNALS)

_VAGUE_RE = re.compile(
    r"\b(re-?organi[sz]e\w*|restructur\w*|rethink\w*|revamp\w*|overhaul\w*|rework\w*|clean(?:ing)? up|"
    r"hard to (?:read|use|follow|understand|find)|confusing|not obvious|unclear|messy|would rather|"
    r"make (?:it|them|this) (?:better|nicer|easier)|improve\w*|simplif\w*)\b",
    re.I,
)


@dataclass(frozen=True)
class Triage:
    """How a request was triaged.

    Attributes:
        issue_type: one of :data:`maestro.plans.ISSUE_TYPES`.
        reason: why, in one line, quoting the words that decided it.
        confidence: ``high``, ``medium`` or ``low``: how far the type is ahead of the next one.
        ambiguous: the request names no concrete deliverable (no list of asks, no acceptance,
            vague wording): a plan starts with discovery.
        scores: every type's score.
    """

    issue_type: IssueType
    reason: str
    confidence: Literal["high", "medium", "low"]
    ambiguous: bool
    scores: dict[str, float]


def _score(title: str, text: str) -> dict[str, tuple[float, list[tuple[float, str]]]]:
    scores: dict[str, tuple[float, list[tuple[float, str]]]] = {}
    for issue_type, signals in TRIAGE_SIGNALS.items():
        total = 0.0
        hits: list[tuple[float, str]] = []
        for signal in signals:
            match = signal.pattern.search(title)
            weight = signal.weight * TITLE_WEIGHT if match else signal.weight
            match = match or signal.pattern.search(text)
            if match:
                total += weight
                hits.append((weight, match.group(0)))
        scores[issue_type] = (total, hits)
    return scores


def _quote_words(hits: Sequence[tuple[float, str]], limit: int = 3) -> str:
    words: list[str] = []
    for _, word in sorted(hits, key=lambda h: -h[0]):
        word = re.sub(r"\s+", " ", word.strip())
        if word.lower() not in {w.lower() for w in words}:
            words.append(word)
        if len(words) == limit:
            break
    quoted = [f"“{w}”" for w in words]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def is_ambiguous(parsed: ParsedRequest) -> bool:
    """True when a request names no concrete deliverable.

    That is: no list of asks, no acceptance check, and vague wording ("re-organize", "hard to
    read", "would rather").
    """
    if parsed.structured or parsed.acceptance:
        return False
    asks = " ".join([parsed.title, *(r.text for r in parsed.requirements)])
    return bool(_VAGUE_RE.search(asks) or _VAGUE_RE.search(" ".join(parsed.context)))


def triage_request(parsed: ParsedRequest | str) -> Triage:
    """Classify a request into one of :data:`maestro.plans.ISSUE_TYPES`, from its title and description.

    The signals (:data:`TRIAGE_SIGNALS`) are read in the title (they count
    :data:`TITLE_WEIGHT` times) and the description (:meth:`ParsedRequest.description`: context
    and asks) — never in acceptance criteria or out-of-scope lines, which name what must not
    happen. A title label (``Infra:``, ``SECURITY:``) adds :data:`TITLE_LABEL_WEIGHT` to its type.
    A request listing three or more things to build leans to a feature (frontend when most are
    UI). An ambiguous request (:func:`is_ambiguous`) with no strong problem signal is research.
    Ties go to the more urgent type; with no signal at all it is a backend feature.

    Args:
        parsed: the parsed request, or its raw text.
    """
    if isinstance(parsed, str):
        parsed = parse_request(parsed)
    title = parsed.title
    scores = _score(title, parsed.description())
    label = parsed.title_label
    labelled = ""
    if label:
        for pattern, issue_type in TITLE_LABELS:
            if pattern.search(label):
                total, hits = scores[issue_type]
                scores[issue_type] = (total + TITLE_LABEL_WEIGHT, hits)
                labelled = issue_type
                break
    front = [r for r in parsed.requirements if roles_for(r.text) == "frontend"]
    buildable = [
        r
        for r in parsed.requirements
        if r in front or (roles_for(r.text) == "backend" and states_something_to_build(r.text))
    ]
    bonus = FEATURE_REQUIREMENT_WEIGHT * len(buildable) if len(parsed.requirements) >= 3 else 0.0
    feature = (
        "frontend-feature" if len(front) * 3 >= len(parsed.requirements) * 2 and front else "backend-feature"
    )
    total, hits = scores[feature]
    scores[feature] = (total + bonus, hits)
    ambiguous = is_ambiguous(parsed)
    order = sorted(_TRIAGE_ORDER, key=lambda t: (-scores[t][0], _TRIAGE_ORDER.index(t)))
    best, runner_up = order[0], order[1]
    total, hits = scores[best]
    problem = best in ("security", "production-error", "database-performance", "devops", "data-migration")
    if ambiguous and not (problem and total >= 6):
        words = _quote_words([(1.0, m.group(0)) for m in _VAGUE_RE.finditer(parsed.text)], 2)
        reason = f"Triaged as research: it asks for {words or 'a change'} without naming what to build."
        return Triage("research", reason, "low", True, {t: s for t, (s, _) in scores.items()})
    if total < 2:
        reason = "Triaged as backend-feature: no signal of an error, outage, infrastructure or research."
        return Triage("backend-feature", reason, "low", ambiguous, {t: s for t, (s, _) in scores.items()})
    parts = []
    if labelled == best:
        parts.append(f"the title is labelled “{label}”")
    if best in ("backend-feature", "frontend-feature") and bonus:
        parts.append(f"it lists {len(buildable)} things to build")
    words = _quote_words([h for h in hits if h[1].lower() != label.lower()], 3)
    if words:
        parts.append(f"it mentions {words}")
    reason = (
        f"Triaged as {best}: "
        + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
        + "."
    )
    second = scores[runner_up][0]
    if total >= 2 * max(second, 1) and total >= 6:
        confidence = "high"
    elif total - second >= 3:
        confidence = "medium"
    else:
        confidence = "low"
    if second >= 2 and confidence != "high":
        reason = reason[:-1] + f", over {runner_up} ({_quote_words(scores[runner_up][1], 2)})."
    return Triage(
        cast(IssueType, best),
        _cut(reason, 200),
        confidence,
        ambiguous,
        {t: s for t, (s, _) in scores.items()},
    )


def triage(parsed: ParsedRequest | str) -> tuple[IssueType, str]:
    """Return ``(issue type, reason)`` of :func:`triage_request`."""
    result = triage_request(parsed)
    return result.issue_type, result.reason


# --- roles and data model --------------------------------------------------------------------

ROLE_SIGNALS: dict[str, tuple[_Signal, ...]] = {
    "frontend": _signals(
        (r"\bUI\b|\bUX\b", 3, True),
        (r"\bdashboards?\b", 3),
        (
            r"\bsettings\s*(?:->|→)|\bsettings (?:page|screen|ui)\b|\b(?:admin|user) (?:panel|menu)\b|"
            r"\bpanels?\b",
            3,
        ),
        (r"\bdark mode\b|\blight mode\b|\bthemes?\b|\btoggle\b", 3),
        (r"\bpages?\b|\bscreens?\b|\bviews?\b", 2),
        (r"\bfront-?end\b", 3),
        (r"\bforms?\b|\bbuttons?\b|\bmodals?\b|\bcomponents?\b", 1),
        (r"\breact\b|\bnext\.js\b|\bvue\b|\bangular\b|\bsvelte\b|\btailwind\b|\bcss\b", 3),
        (r"\bstorefront\b|\bweb app\b|\bmobile app\b|\bclient[- ]side\b|\bclient state\b", 3),
        (r"\baccessib\w*\b|\bWCAG\b|\bcore web vitals\b", 3),
        (r"\buser interface\b", 3),
    ),
    "devops": _signals(
        (r"\bpipelines?\b", 3),
        (r"\bdeploy\w*\b", 3),
        (r"\bdocker\w*\b|\bcompose\b", 3),
        (r"\bkubernetes\b|\bk8s\b|\bhelm\b|\bterraform\b|\bkustomize\b", 3),
        (r"\binfrastructure\b|\binfra\b", 3),
        (r"\bmonitoring\b|\bobservability\b|\balerting\b", 3),
        (r"\bprometheus\b|\bgrafana\b|\bjaeger\b|\bdatadog\b|\bsentry\b", 3),
        (r"\bCI\b|\bCI/CD\b|\bgithub actions\b|\bcircleci\b", 3, False),
        (r"\bdevops\b", 3),
        (r"\bCDN\b|\bcloudflare\b|\bSTUN\b|\bTURN\b", 2),
        (r"\bdev stack\b|\blocal stack\b|\bhosting\b|\bstaging\b", 2),
    ),
    "qa": _signals(
        (r"\btest plans?\b|\btest suites?\b|\btest coverage\b", 3),
        (r"\b(?:integration|end-to-end|e2e|load|performance|regression|acceptance|smoke) tests?\b", 3),
        (r"\b(?:integration|end-to-end|e2e|load|performance|regression) testing\b", 3),
        (r"\bcoverage\b", 2),
        (r"\bQA\b", 3, True),
        (r"\btests?\b|\btesting\b", 1),
    ),
    "security": _signals(
        (r"\bharden\w*\b", 3),
        (r"\bsecurity (?:audit|review)\b|\bthreat model\w*\b|\bpen(?:etration)? ?test\w*\b", 3),
        (r"\baudit\b", 2),
        (r"\bOWASP\b|\bvulnerabilit\w*\b|\bCVE\b", 3),
        (r"\bsecrets? management\b|\bencryption at rest\b|\bCSP\b", 2),
    ),
    "backend": _signals(
        (r"\bback-?end\b", 3),
        (r"\bendpoints?\b|\bAPIs?\b|\bREST\b|\bgRPC\b", 2),
        (r"\bservices?\b", 1),
        (r"\baudit (?:log|trail)s?\b", 3),
        (r"\bimplementation\b", 1),
    ),
}
"""Per implementer role: weighted patterns over a requirement's text (backend wins ties)."""

_ROLE_ORDER = ("backend", "frontend", "devops", "qa", "security")


def role_scores(requirement_text: str) -> dict[str, float]:
    """Return each implementer role's keyword score for a requirement (see :data:`ROLE_SIGNALS`)."""
    return {
        role: sum(s.weight for s in signals if s.pattern.search(requirement_text))
        for role, signals in ROLE_SIGNALS.items()
    }


def roles_for(requirement_text: str) -> str:
    """Return the implementer role for a requirement, by keywords.

    UI/dashboard/page/frontend → ``frontend``; pipeline/deploy/Docker/Compose/Kubernetes/
    infrastructure/monitoring → ``devops``; tests/coverage → ``qa``; hardening/audit → ``security``;
    anything else → ``backend``.
    """
    scores = role_scores(requirement_text)
    best = min(_ROLE_ORDER, key=lambda r: (-scores[r], _ROLE_ORDER.index(r)))
    return best if scores[best] > 0 else "backend"


_DATA_MODEL_RE = re.compile(
    r"\b(orders?|schemas?|tables?|columns?|stores?|stored|storing|persist\w*|databases?|db|migrations?|"
    r"contains?|entit(?:y|ies)|data ?model\w*|records?|history|postgres\w*|mysql|sqlite|redis|mongo\w*|"
    r"sql|crud|fields?|saved?|saving|inventory|line items?|relationships?|foreign keys?|"
    r"partition\w*|reservations?|status tracking|profiles?|accounts?)\b",
    re.IGNORECASE,
)


def data_model_words(parsed: ParsedRequest | str) -> list[str]:
    """Return the words of a request that suggest its data model changes (first occurrence each)."""
    text = parsed if isinstance(parsed, str) else parsed.text
    words: list[str] = []
    seen: set[str] = set()
    for match in _DATA_MODEL_RE.finditer(text):
        word = match.group(0).lower()
        stem = word[:-1] if word.endswith("s") else word
        if stem not in seen:
            seen.add(stem)
            words.append(word)
    return words


def changes_data_model(parsed: ParsedRequest | str) -> bool:
    """Return True when the request talks about stored data (orders, schema, tables, "contain" …)."""
    return bool(data_model_words(parsed))


_SENSITIVE_RE = re.compile(
    r"\b(payments?|billing|credit cards?|card details|checkout|stripe|invoices?|refunds?|"
    r"auth\w*|log ?in|sign ?in|passwords?|JWT|access tokens?|oauth|sso|registration|"
    r"personal data|PII|GDPR|email address\w*|phone numbers?|addresses|profiles?|secrets?|permissions?)\b",
    re.IGNORECASE,
)


def sensitive_words(text: str) -> list[str]:
    """Return words of ``text`` that touch payments, authentication or personal data."""
    words: list[str] = []
    for match in _SENSITIVE_RE.finditer(text):
        if match.group(0).lower() not in {w.lower() for w in words}:
            words.append(match.group(0))
    return words


_ENTITY_STOP = frozenset(
    """
    requirements changes criteria notifications updates details others options tests services endpoints apis
    contracts boundaries specs errors steps packages tools queries seconds minutes hours days weeks months
    times rates points things tracks milestones phases sprints schemas migrations tables indexes columns
    fields records systems quantities stores statuses levels flows events emails messages alerts metrics logs
    pages screens dashboards views forms buttons components modules layers files docs issues tasks agents
    teams workers pipelines builds deployments environments configs settings patterns features integrations
    contains supports uses needs includes works runs allows makes gets sends shows lists does goes lets takes
    gives brings returns creates deletes tracks reads writes exists remains requires means becomes seems looks
    handles manages emits publishes receives processes places cancels modifies reserves always sometimes
    perhaps unless across towards besides yes this thus plus less whereas
    """.split()
)
_ENTITY_COMPOUNDS = re.compile(
    r"\b(line|order|cart|user|product|payment|audit|api|stock|price|shipping|billing|session|access)\s+"
    r"(items|accounts|logs|keys|methods|levels|addresses|entries|lines|tokens|rules|reservations)\b"
)


def guess_entities(text: str, limit: int = 5) -> list[str]:
    """Return likely data entities of a text as snake_case plural nouns, most mentioned first.

    A loose heuristic for offline templates (``orders``, ``line_items``, ``products``): plural
    nouns minus common non-entities and third-person verbs.
    """
    lowered = (text or "").lower()
    counts: dict[str, int] = {}
    order: list[str] = []

    def add(word: str) -> None:
        if word not in counts:
            order.append(word)
            counts[word] = 0
        counts[word] += 1

    for match in _ENTITY_COMPOUNDS.finditer(lowered):
        add(f"{match.group(1)}_{match.group(2)}")
    lowered = _ENTITY_COMPOUNDS.sub(" ", lowered)
    for word in re.findall(r"\b[a-z][a-z]{2,}s\b", lowered):
        if word in _ENTITY_STOP or word.endswith(("ss", "us", "is", "ics", "ous")):
            continue
        add(word)
    ranked = sorted(order, key=lambda w: (-counts[w], order.index(w)))
    return ranked[:limit]
