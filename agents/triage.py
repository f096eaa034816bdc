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
from dataclasses import dataclass
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

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
    """

    model_config = ConfigDict(frozen=True)

    label: str
    text: str
    depends_on_labels: list[str] = Field(default_factory=list)
    details: list[str] = Field(default_factory=list)
    optional: bool = False
    explicit_label: bool = False


class ParsedRequest(BaseModel):
    """A request as Maestro read it.

    Attributes:
        text: the cleaned request (Slack special mentions removed, links reduced to their label).
        title: from ``Feature Name:``/``Title:``, the first heading, or the first line.
        objective: from ``Business Objective:``/``Objective:``/``Goal:``, else empty.
        requirements: at most :data:`MAX_REQUIREMENTS`, in the request's order.
        success_criteria: from a "Success Criteria" (or acceptance/gate criteria) section.
        notes: lines under headings that are not requirements (integration points, constraints …).
        title_source: where the title came from: a ``Title:``-like key, a heading, a short first
            line, the first sentence of the text, or nowhere (``Untitled request``).
        dropped: how many requirements were cut by the cap.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    title: str
    title_source: Literal["key", "heading", "line", "sentence", "none"] = "key"
    objective: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    success_criteria: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    dropped: int = 0


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


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:—-") + "…"


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

_TITLE_KEYS = ("feature name", "feature", "title", "name", "project", "epic", "request")
_OBJECTIVE_KEYS = ("business objective", "objective", "goal", "goals", "purpose", "why", "problem", "summary")
_SUCCESS_HEADINGS = (
    "success criteria",
    "acceptance criteria",
    "definition of done",
    "done when",
    "gate criteria",
    "exit criteria",
    "success metrics",
    "kpis",
    "metrics",
)
_NOTE_HEADINGS = (
    "integration points",
    "checkpoints",
    "timeline",
    "notes",
    "note",
    "context",
    "background",
    "assumptions",
    "constraints",
    "risks",
    "open questions",
    "questions",
    "out of scope",
    "non-goals",
    "non goals",
    "references",
    "links",
    "stakeholders",
    "team",
)
_OPTIONAL_HEADINGS = ("nice to have", "nice-to-have", "optional", "stretch", "could have", "later")
_REQUIREMENT_HEADINGS = (
    "requirements",
    "requirement",
    "functional requirements",
    "features",
    "scope",
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
)
_OPTIONAL_RE = re.compile(
    r"\b(nice[- ]to[- ]have|optional(ly)?|stretch goal|if time permits|could have)\b", re.I
)


def _heading_kind(heading: str) -> str:
    name = _tidy(heading).rstrip(":").strip().lower()
    if any(name.startswith(h) for h in _SUCCESS_HEADINGS):
        return "success"
    if any(name.startswith(h) for h in _OPTIONAL_HEADINGS):
        return "optional"
    if any(name.startswith(h) for h in _NOTE_HEADINGS):
        return "notes"
    if any(name.startswith(h) for h in _REQUIREMENT_HEADINGS):
        return "requirements"
    return "generic"


def _split_criteria(value: str) -> list[str]:
    parts = re.split(r"\s*;\s*", value) if ";" in value else re.split(r",\s+(?![^()]*\))", value)
    return [p for p in (_tidy(part) for part in parts) if len(p) >= 2]


@dataclass
class _RawRequirement:
    text: str
    label: str | None = None
    depends: tuple[str, ...] = ()
    details: list[str] | None = None
    optional: bool = False


def _raw_requirement(body: str, *, optional: bool, depends: Sequence[str] = ()) -> _RawRequirement | None:
    body = _CHECKBOX_RE.sub("", _tidy(body))
    label = None
    match = _TRACK_RE.match(body) or _LEADING_LABEL_RE.match(body)
    if match:
        label = re.sub(r"\s+", " ", match.group("label"))
        body = match.group("rest")
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


def _sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        pieces.extend(re.split(r"(?<=[.!?])\s+(?=[\"'“(\[A-Z0-9])", line))
    return [s for s in (_tidy(p) for p in pieces) if len(s) >= 3]


def parse_request(text: str) -> ParsedRequest:
    """Parse a free-form request into title, objective, requirements and success criteria.

    Recognises ``Key: value`` lines (``Feature Name``, ``Business Objective``, ``Success Criteria``),
    headings (``# …``, ``**…**``, ``Requirements:``), bullets (``•``, ``-``, ``*``, ``1.``, ``1)``),
    markdown tables (a column named like "Dependencies" gives each row's dependencies), ``Track X: …``
    lines and inline ``(depends on R1)`` notes. With no list at all, each sentence that asks for
    something becomes a requirement; failing that, the whole text is one.

    Args:
        text: the request as typed in Slack (may hold mrkdwn, links and mentions).

    Returns:
        The parsed request; requirements capped at :data:`MAX_REQUIREMENTS`.
    """
    cleaned = clean_text(text)
    title = ""
    objective = ""
    first_heading = ""
    section = "top"
    raws: list[_RawRequirement] = []
    success: list[str] = []
    notes: list[str] = []
    prose: list[str] = []
    prose_raw: list[str] = []
    table: list[str] = []
    list_indent: int | None = None

    def flush_table() -> None:
        nonlocal table
        if not table:
            return
        if section == "success":
            success.extend(_tidy(" ".join(row.strip("| ").split("|"))) for row in table)
        elif section == "notes":
            notes.extend(_tidy(" ".join(row.strip("| ").split("|"))) for row in table)
        else:
            raws.extend(_table_requirements(table, optional=section == "optional"))
        table = []

    def set_section(heading: str) -> None:
        nonlocal section, list_indent, first_heading
        section = _heading_kind(heading)
        list_indent = None
        if not first_heading and section == "generic":
            first_heading = _tidy(heading).rstrip(":")

    def key_value(line: str) -> bool:
        nonlocal title, objective
        handled = False
        for segment in re.split(r"\s+\|\s+", _tidy(line)):
            match = re.match(r"^([A-Za-z][A-Za-z /-]{1,30}?)\s*:\s+(.+)$", segment)
            if not match:
                continue
            key, value = match.group(1).strip().lower(), _tidy(match.group(2))
            if key in _TITLE_KEYS and not title:
                title, handled = value, True
            elif key in _OBJECTIVE_KEYS and not objective:
                objective, handled = value, True
            elif _heading_kind(key) == "success":
                success.extend(_split_criteria(value))
                handled = True
            elif key in ("target", "sprint", "deadline", "due", "owner", "priority", "status"):
                notes.append(f"{match.group(1).strip()}: {value}")
                handled = True
        return handled

    for line in cleaned.split("\n"):
        if _TABLE_ROW_RE.match(line):
            table.append(line)
            continue
        flush_table()
        if not line.strip():
            continue
        heading = _HEADING_RE.match(line) or _BOLD_LINE_RE.match(line)
        if heading:
            text_of = heading.group("text")
            if not key_value(text_of):
                set_section(text_of)
            continue
        bullet = _BULLET_RE.match(line)
        if bullet:
            indent = len(bullet.group("indent").expandtabs(4))
            body = bullet.group("body")
            if list_indent is None:
                list_indent = indent
            if indent > list_indent + 1 and section not in ("success", "notes") and raws:
                detail = _tidy(_CHECKBOX_RE.sub("", body))
                if detail and raws[-1].details is not None and len(raws[-1].details) < 8:
                    raws[-1].details.append(detail)
                continue
            if section == "success":
                success.append(_tidy(_CHECKBOX_RE.sub("", body)))
            elif section == "notes":
                notes.append(_tidy(body))
            else:
                raw = _raw_requirement(body, optional=section == "optional")
                if raw:
                    raws.append(raw)
            continue
        stripped = _tidy(line)
        if _TRACK_RE.match(stripped) and section not in ("success", "notes"):
            raw = _raw_requirement(stripped, optional=section == "optional")
            if raw:
                raws.append(raw)
            continue
        if key_value(line):
            continue
        if stripped.endswith(":") and len(stripped.split()) <= 6:
            set_section(stripped)
            continue
        if section == "success":
            success.extend(_split_criteria(stripped) if stripped.count(",") >= 2 else [stripped])
        elif section == "notes":
            notes.append(stripped)
        elif section in ("requirements", "optional"):
            raw = _raw_requirement(stripped, optional=section == "optional")
            if raw:
                raws.append(raw)
        else:
            prose.append(stripped)
            prose_raw.append(line.strip())
    flush_table()

    title_source = "key" if title else ""
    if not title and first_heading:
        title, title_source = first_heading, "heading"
    title_line = (
        not title
        and len(prose) > 1
        and len(prose[0]) <= 100
        and not prose_raw[0].rstrip("*_ ").endswith((".", "!", "?"))
    )
    if title_line:
        title, title_source = prose[0], "line"
    if not raws:
        sentences = _sentences("\n".join(prose[1:] if title_line else prose))
        wanted = [s for s in sentences if states_something_to_build(s)]
        if wanted:
            raws = [r for r in (_raw_requirement(s, optional=False) for s in wanted) if r]
        elif sentences:
            whole = " ".join(prose[1:] if title_line else prose)
            raws = [r for r in [_raw_requirement(whole, optional=False)] if r]
        elif objective:
            raws = [r for r in [_raw_requirement(objective, optional=False)] if r]
    if not title and prose:
        first = _sentences(prose[0])
        title, title_source = (first[0] if first else prose[0]), "sentence"
    if not title and raws:
        title, title_source = raws[0].text, "sentence"
    title = _cut(re.sub(r"^(?:please|pls|kindly)\s+", "", _tidy(title).rstrip(":"), flags=re.I), 120)
    if not title:
        title, title_source = "Untitled request", "none"

    requirements = _number(raws)
    dropped = max(0, len(requirements) - MAX_REQUIREMENTS)
    return ParsedRequest(
        text=cleaned,
        title=title,
        title_source=title_source,
        objective=_cut(objective, 600),
        requirements=requirements[:MAX_REQUIREMENTS],
        success_criteria=[c for c in dict.fromkeys(success) if c][:MAX_SUCCESS_CRITERIA],
        notes=[n for n in notes if n][:20],
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
        (r"\balerts? (?:fired|firing|went off)\b", 3),
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
        (r"\bslow (?:sql )?quer(?:y|ies)\b|\bquer(?:y|ies) (?:is|are) slow\b", 4),
        (r"\bindex(?:es|ing)?\b|\bindices\b", 2),
        (r"\bEXPLAIN(?: ANALYZE)?\b", 3, True),
        (r"\bquery plans?\b", 3),
        (r"\b(?:latency|performance) of (?:the )?quer(?:y|ies)\b|\bquery (?:latency|performance|time)\b", 4),
        (r"\bfull table scans?\b|\bseq(?:uential)? scans?\b", 3),
        (r"\bN\+1\b", 3),
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
        (r"\bterraform\b", 3),
        (r"\bdocker(?:file)?\b", 2),
        (r"\bhelm\b", 3),
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
        (r"\bXSS\b|\bcross-site scripting\b", 3),
        (r"\binjection\b", 3),
        (r"\bpen ?tests?\b|\bpenetration test", 3),
        (r"\bsecurity audit\b|\baudit findings?\b", 3),
        (r"\bCSRF\b|\bSSRF\b|\bRCE\b", 3),
        (r"\bOWASP\b", 2),
        (r"\b(?:exposed|leaked) (?:secrets?|credentials|keys?|tokens?)\b", 3),
        (r"\bexploit\w*\b", 3),
        (r"\bsecurity\b", 1),
    ),
    "integration": _signals(
        (r"\bintegrat(?:e|ion|ing) with\b", 3),
        (r"\bwebhooks?\b", 2),
        (r"\bthird[- ]party (?:api|service)s?\b|\bexternal (?:api|service)s?\b", 3),
        (r"\bMCP\b", 3, True),
        (r"\bconnect (?:to|with)\b|\bsync (?:with|to|from)\b", 2),
        (r"\bintegration\b", 1),
        (r"\boauth app\b|\bapi keys? from\b", 1),
    ),
    "research": _signals(
        (r"\bresearch\b", 3),
        (r"\bevaluat(?:e|ing|ion)\b", 2),
        (r"\bcompare (?:options|alternatives|approaches)\b|\bcompare\b", 2),
        (r"\bwhich (?:library|libraries|framework|tool|database|db|service|provider|vendor)\b", 3),
        (r"\bpros and cons\b|\btrade-?offs?\b", 2),
        (r"\bshould we use\b|\bwhat(?:'s| is) the best\b", 3),
        (r"\balternatives\b|\boptions for\b", 2),
        (r"\brecommend(?:ation)?\b", 1),
        (r"\bproof of concept\b|\bspike on\b", 2),
    ),
    "backend-feature": _signals(
        (r"\bfeature(?: name| request)?\b", 2),
        (r"\bendpoints?\b", 2),
        (r"\b(?:users?|customers?|admins?) (?:can|should be able to|must be able to)\b", 2),
        (r"\bAPI\b", 1),
        (r"\b(?:add|build|create|implement|support)\b", 1),
        (r"\bnew\b", 1),
    ),
}
"""Per issue type: weighted patterns; a pattern counts once however often it occurs."""

_TRIAGE_ORDER = (
    "production-error",
    "security",
    "database-performance",
    "devops",
    "integration",
    "research",
    "backend-feature",
)
"""Tie-break order: the more urgent type wins a tie."""

assert set(_TRIAGE_ORDER) == set(ISSUE_TYPES) == set(TRIAGE_SIGNALS)


def _score(text: str) -> dict[str, tuple[float, list[tuple[float, str]]]]:
    scores: dict[str, tuple[float, list[tuple[float, str]]]] = {}
    for issue_type, signals in TRIAGE_SIGNALS.items():
        total = 0.0
        hits: list[tuple[float, str]] = []
        for signal in signals:
            match = signal.pattern.search(text)
            if match:
                total += signal.weight
                hits.append((signal.weight, match.group(0)))
        scores[issue_type] = (total, hits)
    return scores


def _quote_words(hits: Sequence[tuple[float, str]], limit: int = 4) -> str:
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


def triage(parsed: ParsedRequest | str) -> tuple[IssueType, str]:
    """Classify a request into one of seed 004's issue types.

    Each type has weighted keyword patterns (:data:`TRIAGE_SIGNALS`). A request that lists three or
    more buildable requirements also scores :data:`FEATURE_REQUIREMENT_WEIGHT` per such requirement
    for backend-feature, so a feature request that mentions "payment processing integration" stays a
    feature. Ties go to the more urgent type; with no signal at all it is a backend feature.

    Args:
        parsed: the parsed request, or its raw text.

    Returns:
        The issue type, and one sentence naming the words that decided it.
    """
    if isinstance(parsed, str):
        parsed = parse_request(parsed)
    text = parsed.text
    scores = _score(text)
    buildable = [
        r
        for r in parsed.requirements
        if roles_for(r.text) == "frontend"
        or (roles_for(r.text) == "backend" and states_something_to_build(r.text))
    ]
    bonus = FEATURE_REQUIREMENT_WEIGHT * len(buildable) if len(parsed.requirements) >= 3 else 0.0
    feature_total, feature_hits = scores["backend-feature"]
    scores["backend-feature"] = (feature_total + bonus, feature_hits)

    best = min(_TRIAGE_ORDER, key=lambda t: (-scores[t][0], _TRIAGE_ORDER.index(t)))
    total, hits = scores[best]
    if total < 2 or best == "backend-feature":
        best = "backend-feature"
        total, hits = scores[best]
        if bonus:
            words = _quote_words(hits, 2)
            also = f" and mentions {words}" if words else ""
            reason = (
                f"Triaged as backend-feature: it lists {len(buildable)} things to build "
                f"(e.g. “{_cut(buildable[0].text, 60)}”){also}."
            )
        elif hits:
            reason = f"Triaged as backend-feature: it asks to build something ({_quote_words(hits)})."
        else:
            reason = "Triaged as backend-feature: no signal of an error, outage, infrastructure or research."
        runner_up = max(
            (t for t in _TRIAGE_ORDER if t != "backend-feature"),
            key=lambda t: (scores[t][0], -_TRIAGE_ORDER.index(t)),
        )
        if scores[runner_up][0] >= 2:
            reason = (
                reason[:-1]
                + f", which outweighs {runner_up} words ({_quote_words(scores[runner_up][1], 2)})."
            )
        return "backend-feature", reason
    return cast(IssueType, best), f"Triaged as {best} because the request mentions {_quote_words(hits)}."


# --- roles and data model --------------------------------------------------------------------

ROLE_SIGNALS: dict[str, tuple[_Signal, ...]] = {
    "frontend": _signals(
        (r"\bUI\b|\bUX\b", 3, True),
        (r"\bdashboards?\b", 3),
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
