"""Plan quality: the offline Master's plans for seed 002 and the visible requests, checked mechanically.

Run: ``.venv/bin/python bench/plan_quality.py`` (``--detail`` prints each failing check's reason,
``--plans`` the plans). It plans seed 002's request (``sandbox.examples.ORDER_MANAGEMENT``) and
every ``*.txt`` in ``../shared/requests/`` (next to the repository), and prints one row per request:

- ``type``: the issue type is the one expected (the map below is the bench's data, not the planner's);
- ``cover``: every functional and acceptance requirement has a task (``validate_plan`` passes);
- ``scope``: no criterion or title takes on an out-of-scope line, and none restates the reported
  bug (a sentence of the request's context: background, symptoms, what happened);
- ``titles``: no title glues a verb onto a sentence ("Implement every return gets an RMA number");
- ``names``: every code-like name in titles, criteria and descriptions (``CamelCase``,
  ``snake_case``, dotted, backticked, ``#123``) appears in the request;
- ``order``: the orders the requests' README states hold (encoded below as checks);
- ``width``: most tasks in one batch, and whether it fits (≥ 2 for plans of 6+ tasks; 1 for an
  ambiguous request, whose discovery is the only thing that can start);
- ``msgs``: messages in the plan's thread before work starts (the plan, then one per batch),
  from the builders the job posts with; at most 15.

Exit status 1 when any check fails. Timings are not measured here.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agents.planner import build_plan
from agents.triage import parse_request
from maestro.plans import Plan, PlannedTask, validate_plan
from maestro.team_cards import build_plan_draft_blocks, plan_thread_messages
from sandbox.examples import ORDER_MANAGEMENT

REQUESTS = Path(__file__).resolve().parents[2] / "shared" / "requests"
"""Where the visible requests live (``../shared/requests`` next to the repository)."""

MAX_THREAD_MESSAGES = 15
"""Most messages a plan's thread may hold before work starts."""

EXPECTED_TYPES = {
    "seed-002": "backend-feature",
    "backend-workspace-export.txt": "backend-feature",
    "frontend-table-sort-filter.txt": "frontend-feature",
    "incident-message-delivery-outage.txt": "production-error",
    "security-ssrf-webhook-oidc.txt": "security",
    "db-n-plus-one-plants-list.txt": "database-performance",
    "migration-bank-config-backfill.txt": "data-migration",
    "devops-zero-downtime-deploy.txt": "devops",
    "integration-google-calendar-sync.txt": "integration",
    "project-api-v1-sunset.txt": "project",
    "ambiguous-reorganize-dashboards.txt": "research",
}
"""The type each request should be triaged as (seed 002 is a backend feature; the rest per the README)."""

AMBIGUOUS = {"ambiguous-reorganize-dashboards.txt"}
"""Requests that must start with discovery alone."""


# --- helpers over a plan ---------------------------------------------------------------------


@dataclass
class Ctx:
    """A plan and what the checks need about it."""

    name: str
    request: str
    plan: Plan
    batches: list[list[str]]
    by_ref: dict[str, PlannedTask] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_ref = {t.ref: t for t in self.plan.tasks}

    def tasks(self, pattern: str, *, where: str = "title") -> list[PlannedTask]:
        """Tasks whose title (or ``all``: title, criteria, requirement) matches ``pattern``."""
        regex = re.compile(pattern, re.I)
        found = []
        for task in self.plan.tasks:
            text = (
                task.title
                if where == "title"
                else " ".join([task.title, *task.acceptance_criteria, task.requirement or ""])
            )
            if regex.search(text):
                found.append(task)
        return found

    def covering(self, pattern: str) -> list[PlannedTask]:
        """Tasks covering a requirement whose text matches ``pattern``."""
        regex = re.compile(pattern, re.I)
        ids = {r.id for r in self.plan.requirements if regex.search(r.text)}
        return [t for t in self.plan.tasks if ids & set(t.covers)]

    def ancestors(self, ref: str) -> set[str]:
        """Every ref this task waits for, directly or not."""
        seen: set[str] = set()
        stack = list(self.by_ref[ref].depends_on)
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(self.by_ref[node].depends_on)
        return seen

    def batch_of(self, ref: str) -> int:
        return next(i for i, b in enumerate(self.batches, 1) if ref in b)

    def criteria(self, tasks: Sequence[PlannedTask] | None = None) -> list[str]:
        return [c for t in (tasks if tasks is not None else self.plan.tasks) for c in t.acceptance_criteria]


def before(first: Sequence[PlannedTask], then: Sequence[PlannedTask], ctx: Ctx) -> bool:
    """Every task of ``then`` waits (transitively) for some task of ``first``; both exist."""
    if not first or not then:
        return False
    refs = {t.ref for t in first}
    return all(refs & ctx.ancestors(t.ref) for t in then)


def has(texts: Sequence[str], *patterns: str) -> bool:
    """Every pattern matches some text."""
    return all(any(re.search(p, t, re.I) for t in texts) for p in patterns)


Check = Callable[[Ctx], bool]


ORDERS: dict[str, list[tuple[str, Check]]] = {
    "seed-002": [
        ("12 tasks in 6 batches", lambda c: len(c.plan.tasks) == 12 and len(c.batches) == 6),
        (
            "schema before creating orders",
            lambda c: before(c.covering(r"contain line items"), c.covering(r"create, modify"), c),
        ),
        (
            "creating orders before reserving inventory",
            lambda c: before(c.covering(r"create, modify"), c.covering(r"inventory must be reserved"), c),
        ),
        (
            "status tracking before its notifications",
            lambda c: before(c.covering(r"status tracking"), c.covering(r"notifications on status"), c),
        ),
        (
            "orders before the admin dashboard",
            lambda c: before(c.covering(r"create, modify"), c.covering(r"admin dashboard"), c),
        ),
    ],
    "backend-workspace-export.txt": [
        (
            "flag and config option before the ActionType",
            lambda c: (
                before(c.covering(r"feature flag"), c.covering(r"ActionType that writes"), c)
                and before(c.covering(r"structure only"), c.covering(r"ActionType that writes"), c)
            ),
        ),
        (
            "ActionType before the JobType",
            lambda c: before(c.covering(r"ActionType that writes"), c.covering(r"JobType"), c),
        ),
        (
            "JobType before the 202 endpoint",
            lambda c: before(c.covering(r"JobType"), c.covering(r"AsyncExportApplicationsView"), c),
        ),
        (
            "endpoint before the UI",
            lambda c: before(c.covering(r"AsyncExportApplicationsView"), c.covering(r"context-menu"), c),
        ),
        (
            "tests cover REPEATABLE READ, before_delete, structure-only, the flag",
            lambda c: has(
                c.criteria(c.tasks(r"\btest")),
                r"REPEATABLE READ",
                r"before_delete",
                r"structure",
                r"flag (?:is )?off",
            ),
        ),
        ("import side stays out", lambda c: not c.tasks(r"\bimport side\b", where="all")),
    ],
    "frontend-table-sort-filter.txt": [
        (
            "shared components once, then one task per table",
            lambda c: all(
                before(c.tasks(r"shared"), c.tasks(name), c)
                for name in ("DocumentTable", "ReportTable", "UploadDocumentTable")
            ),
        ),
        (
            "client-side or API settled or asked first",
            lambda c: (
                any(re.search(r"client-side|through the api", q, re.I) for q in c.plan.open_questions)
                and before(c.tasks(r"client-side"), c.tasks(r"shared"), c)
            ),
        ),
        (
            "tests for each filter type and the 3-state sort",
            lambda c: has(
                c.criteria(c.tasks(r"\btest")),
                r"\btext\b",
                r"\bdate\b",
                r"\bnumber\b",
                r"\benum\b",
                r"unsorted.*ascending.*descending",
            ),
        ),
    ],
    "incident-message-delivery-outage.txt": [
        (
            "owners and due dates kept",
            lambda c: all(
                t.owner and t.due
                for t in c.covering(
                    r"^(?:check|team training|send cloud|monitor ecto|delete the legacy|investigate|alert"
                    r" when)"
                )
            ),
        ),
        (
            "detection and alerting first",
            lambda c: all(c.batch_of(t.ref) == 1 for t in c.covering(r"alerts? to the ops|^alert when")),
        ),
        (
            "the simulated 10x page is the pass check",
            lambda c: has(c.criteria(c.covering(r"^alert when")), r"simulated 10x"),
        ),
        ("action 6: investigate, then fix", lambda c: before(c.tasks(r"^investigate"), c.tasks(r"^fix"), c)),
        (
            "three faults, three threads",
            lambda c: len({t.ref for t in c.covering(r"gupshup_inbound|ImportWorker|Oban")}) >= 3,
        ),
        (
            "post-mortem after the fixes",
            lambda c: before(c.tasks(r"^fix|^delete|^verify"), c.tasks(r"post-mortem"), c),
        ),
        ("asks for items 8-12", lambda c: any(re.search(r"8-12", q) for q in c.plan.open_questions)),
    ],
    "security-ssrf-webhook-oidc.txt": [
        (
            "confirm both repros and rate first",
            lambda c: (
                bool(c.tasks(r"reproduce.*rate"))
                and all(c.batch_of(t.ref) == 1 for t in c.tasks(r"reproduce"))
            ),
        ),
        (
            "one shared guard before both paths",
            lambda c: (
                len(c.tasks(r"guard that")) == 1
                and before(c.tasks(r"guard that"), c.tasks(r"webhook test"), c)
                and before(c.tasks(r"guard that"), c.tasks(r"OIDC"), c)
            ),
        ),
        (
            "guard blocks each range, redirects, DNS rebinding",
            lambda c: has(
                c.criteria(c.tasks(r"guard that")),
                r"loopback",
                r"private",
                r"link-local",
                r"metadata",
                r"redirect",
                r"rebinding",
            ),
        ),
        ("upstream bodies no longer echoed", lambda c: bool(c.covering(r"no longer echoed"))),
        (
            "regression tests per blocked range, after the fix",
            lambda c: (
                before(c.tasks(r"guard that"), c.tasks(r"regression tests"), c)
                and has(c.criteria(c.tasks(r"regression tests")), r"loopback")
            ),
        ),
        (
            "security review gate before release",
            lambda c: (
                c.plan.reviewer == "security"
                and before(c.tasks(r"security review gate"), c.tasks(r"release"), c)
            ),
        ),
        (
            "patched release with advisory, after the tests",
            lambda c: before(c.tasks(r"regression tests"), c.tasks(r"release.*advisory"), c),
        ),
        ("sweep for other server-side fetches", lambda c: bool(c.tasks(r"sweep.*server-side fetch"))),
    ],
    "db-n-plus-one-plants-list.txt": [
        (
            "baseline query count first",
            lambda c: any(c.batch_of(t.ref) == 1 for t in c.tasks(r"baseline query count")),
        ),
        (
            "the preload fix waits for #280",
            lambda c: any("#280" in w for t in c.covering(r"^preload") for w in t.waits_for),
        ),
        (
            "query-count regression spec after the fix",
            lambda c: before(c.covering(r"^preload"), c.covering(r"query-count assertion"), c),
        ),
        (
            "sibling endpoints audited separately",
            lambda c: (
                bool(c.covering(r"other api collection"))
                and not set(t.ref for t in c.covering(r"other api collection"))
                & set(t.ref for t in c.covering(r"^preload"))
            ),
        ),
        (
            "checked after deploy with production data or Sentry",
            lambda c: before(c.covering(r"^preload"), c.tasks(r"after deploy.*(?:production|sentry)"), c),
        ),
        ("no schema change", lambda c: not c.tasks(r"schema|migration|index")),
    ],
    "migration-bank-config-backfill.txt": [
        (
            "inventory and count before the migration",
            lambda c: before(c.tasks(r"inventory.*count"), c.covering(r"forward migration"), c),
        ),
        (
            "idempotent, per schema, non-overwriting, every field",
            lambda c: has(
                c.criteria(c.covering(r"forward migration")),
                r"more than once",
                r"each tenant schema",
                r"never overwrites",
                r"every field of BankConfigOverride",
            ),
        ),
        (
            "tests re-runs and keys set after the upgrade",
            lambda c: has(c.criteria(c.tasks(r"^test")), r"twice|re-?run", r"after the upgrade"),
        ),
        ("release and upgrade note", lambda c: bool(c.tasks(r"release.*note|upgrade note"))),
        (
            "asks about users whose legacy columns are gone",
            lambda c: any(re.search(r"already gone|backup", q, re.I) for q in c.plan.open_questions),
        ),
    ],
    "devops-zero-downtime-deploy.txt": [
        (
            "diagnose before changing config",
            lambda c: before(c.tasks(r"^find out why"), c.covering(r"keeps serving"), c),
        ),
        (
            "desiredCount=2 is a person's decision",
            lambda c: any("desiredCount=2" in q for q in c.plan.open_questions),
        ),
        (
            "change in infrastructure as code, reviewed",
            lambda c: has(c.criteria(c.covering(r"keeps serving")), r"infrastructure as code.*review"),
        ),
        (
            "timed probe across a real deploy is the final gate",
            lambda c: (
                before(c.covering(r"keeps serving"), c.covering(r"timed probe"), c)
                and has(c.criteria(c.covering(r"timed probe")), r"non-200")
            ),
        ),
        ("rollback note", lambda c: bool(c.tasks(r"rollback"))),
    ],
    "integration-google-calendar-sync.txt": [
        (
            "OAuth and token storage first, with a security review",
            lambda c: (
                before(c.covering(r"OAuth inside"), c.tasks(r"review the security"), c)
                and not (
                    c.ancestors(c.covering(r"OAuth inside")[0].ref) - {t.ref for t in c.tasks(r"^design")}
                )
            ),
        ),
        (
            "adapter before the sync service",
            lambda c: before(c.covering(r"Google adapter"), c.covering(r"CalendarSyncService"), c),
        ),
        (
            "conflicts after incremental sync",
            lambda c: before(c.covering(r"CalendarSyncService"), c.covering(r"^conflict handling"), c),
        ),
        ("expired sync token: full resync", lambda c: has(c.criteria(), r"expired sync token.*full resync")),
        ("accounts isolated", lambda c: has(c.criteria(), r"one account.*other accounts")),
        (
            "Settings UI after the backend",
            lambda c: before(c.covering(r"CalendarSyncService"), c.covering(r"^settings"), c),
        ),
        ("tested against a real Google test account", lambda c: bool(c.tasks(r"real Google test account"))),
        (
            "consent screen and quota as an external dependency",
            lambda c: (
                any("consent screen" in w for t in c.plan.tasks for w in t.waits_for)
                or any("consent screen" in a for a in c.plan.assumptions)
            ),
        ),
    ],
    "project-api-v1-sunset.txt": [
        (
            "two milestones with their targets",
            lambda c: (
                {t.milestone.split(":")[0] for t in c.plan.tasks if t.milestone} == {"Phase 1", "Phase 2"}
                and all(t.due for t in c.plan.tasks if t.milestone)
            ),
        ),
        (
            "Phase 2 gated on Phase 1 and its announcement",
            lambda c: (
                before(
                    c.covering(r"Announce the default switch"),
                    [t for t in c.plan.tasks if t.milestone.startswith("Phase 2") and not t.depends_on == []],
                    c,
                )
                and all(t.depends_on for t in c.plan.tasks if t.milestone.startswith("Phase 2"))
            ),
        ),
        (
            "reconciler before the default switch",
            lambda c: before(c.covering(r"ror-reconciler"), c.covering(r"no explicit version"), c),
        ),
        (
            "dump indexing before the v2-only dump",
            lambda c: before(c.covering(r"data-dump indexing"), c.tasks(r"data dump"), c),
        ),
        ("communication tasks", lambda c: len(c.tasks(r"^announce")) >= 2),
        (
            "risk of clients on v1, measured before the 410",
            lambda c: (
                bool(c.plan.risks) and before(c.tasks(r"remaining v1 traffic"), c.covering(r"410 Gone"), c)
            ),
        ),
        (
            "cleanup of code, data dump and docs apart",
            lambda c: all(c.tasks(p) for p in (r"code paths", r"data dump", r"documentation")),
        ),
    ],
    "ambiguous-reorganize-dashboards.txt": [
        (
            "questions first, not dashboards",
            lambda c: (
                len(c.plan.open_questions) >= 3
                and has(
                    c.plan.open_questions,
                    r"who|persona",
                    r"in scope",
                    r"Engineering Overview",
                    r"judge|success",
                )
            ),
        ),
        (
            "discovery is the only unblocked step",
            lambda c: (
                len(c.batches[0]) == 1
                and all(
                    c.batches[0][0] in c.ancestors(t.ref) for t in c.plan.tasks if t.ref != c.batches[0][0]
                )
            ),
        ),
    ],
}
"""The orders and contents the README says a good plan has, per request, as checks."""


# --- the generic checks ----------------------------------------------------------------------

_GLUE_RE = re.compile(r"\b(?:is|are|was|were|gets|get|has|have|had|can|must|should|will|would|does|did)\b")
_CLAUSE_VERBS = ("ensure", "check", "verify", "confirm", "make sure", "find out", "decide", "let", "make")
_RELATIVE = re.compile(
    r"\b(?:that|which|who|when|whether|if|so|where|why|how|until|while|because|once|before|after)\b"
)


def glued(title: str) -> bool:
    """True when a title glues a verb onto a sentence: a finite verb after it with no clause word before."""
    low = title.lower()
    if low.startswith(_CLAUSE_VERBS):
        return False
    if low.startswith("fix:"):
        return True
    body = low.split(":", 1)[0]
    pronoun = re.search(r"\b(?:we|they|i|you)\b", body)
    if pronoun and not _RELATIVE.search(body[: pronoun.start()]):
        return True
    for match in _GLUE_RE.finditer(body):
        before_it = body[: match.start()]
        if not _RELATIVE.search(before_it):
            return True
    return False


_NAME_RE = re.compile(
    r"`([^`]{2,60})`|\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b|"
    r"(#\d+)|\b([A-Za-z][\w-]*(?:\.[A-Za-z_][\w-]*)+)\b"
)
_KNOWN_NAMES = {"e.g", "i.e", "OpenAPI", "CVSS", "OWASP"}


def invented_names(ctx: Ctx) -> list[str]:
    """Code-like names the plan uses that the request never mentions."""
    request = ctx.request.lower()
    found = []
    for task in ctx.plan.tasks:
        for text in [task.title, task.description, *task.acceptance_criteria]:
            for match in _NAME_RE.finditer(text):
                name = next(g for g in match.groups() if g)
                if name in _KNOWN_NAMES or re.fullmatch(r"P\d+", name):
                    continue
                if name.lower() not in request:
                    found.append(name)
    return sorted(set(found))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9_-]{2,}", text.lower())}


_INVESTIGATION_RE = re.compile(r"^(?:reproduce|investigate|find out|diagnose|record the baseline)\b", re.I)


def scope_problems(ctx: Ctx) -> list[str]:
    """Criteria or titles taking on an out-of-scope line, or restating the reported bug.

    A restated bug is a criterion or title whose words (4 or more) come at 80 % from one sentence
    of the request's context (background, symptoms, what happened) and not from any of its
    requirements; tasks that reproduce or investigate the report may name it.
    """
    parsed = parse_request(ctx.request)
    problems = []
    texts = [
        (t.ref, x)
        for t in ctx.plan.tasks
        if not _INVESTIGATION_RE.match(t.title)
        for x in [t.title, *t.acceptance_criteria]
    ]
    for statement in parsed.out_of_scope:
        core = _words(re.sub(r"\([^)]*\)", "", statement.text)) - {"the", "side", "own"}
        for ref, text in texts:
            if core and core <= _words(text):
                problems.append(f"{ref} takes on out-of-scope “{statement.text}”")
    asks = [r.text for r in parsed.requirements] + [s.text for s in [*parsed.acceptance, *parsed.constraints]]
    bug = [s for line in parsed.context for s in re.split(r"(?<=[.;])\s+", line) if len(_words(s)) >= 4]
    for ref, text in texts:
        words = _words(text)
        if len(words) < 4:
            continue
        if any(len(words & _words(ask)) >= 0.8 * len(words) for ask in asks):
            continue  # it says what the request asks, in its words
        for sentence in bug:
            if len(words & _words(sentence)) >= 0.8 * len(words):
                problems.append(f"{ref} restates the report: “{text[:80]}”")
                break
    return problems


@dataclass
class Row:
    """One request's results."""

    name: str
    tasks: int
    batches: int
    width: int
    messages: int
    checks: dict[str, bool]
    reasons: list[str]


def evaluate(name: str, request: str) -> Row:
    """Plan one request and run every check on it."""
    plan = build_plan(request)
    reasons: list[str] = []
    try:
        batches = validate_plan(plan)
        covered = True
    except ValueError as error:
        batches, covered = [], False
        reasons.append(f"cover: {error}")
    ctx = Ctx(name, request, plan, batches)
    expected = EXPECTED_TYPES.get(name)
    type_ok = expected is None or plan.issue_type == expected
    if not type_ok:
        reasons.append(f"type: {plan.issue_type}, expected {expected}")
    scope = scope_problems(ctx)
    reasons += [f"scope: {p}" for p in scope]
    glue = [t.title for t in plan.tasks if glued(t.title)]
    reasons += [f"titles: “{g}”" for g in glue]
    names = invented_names(ctx)
    reasons += [f"names: {n}" for n in names]
    order_results = [(label, bool(_safe(check, ctx))) for label, check in ORDERS.get(name, [])]
    reasons += [f"order: {label}" for label, ok in order_results if not ok]
    width = max((len(b) for b in batches), default=0)
    if name in AMBIGUOUS:
        width_ok = bool(batches) and len(batches[0]) == 1
    else:
        width_ok = len(plan.tasks) < 6 or width >= 2
    if not width_ok:
        reasons.append(f"width: {width} in the widest batch")
    thread = plan_thread_messages(plan, plan_id="0" * 32)
    build_plan_draft_blocks(plan, plan_id="0" * 32, requested_by="U0", note="")  # must build
    messages = 1 + len(thread)
    if messages > MAX_THREAD_MESSAGES:
        reasons.append(f"msgs: {messages}")
    checks = {
        "type": type_ok,
        "cover": covered,
        "scope": not scope,
        "titles": not glue,
        "names": not names,
        "order": all(ok for _, ok in order_results),
        "width": width_ok,
        "msgs": messages <= MAX_THREAD_MESSAGES,
    }
    passed = sum(ok for _, ok in order_results)
    checks_label = f"{passed}/{len(order_results)}" if order_results else "-"
    row = Row(name, len(plan.tasks), len(batches), width, messages, checks, reasons)
    row.checks["_order_label"] = checks_label  # type: ignore[assignment]
    return row


def _safe(check: Check, ctx: Ctx) -> bool:
    try:
        return check(ctx)
    except (IndexError, KeyError, StopIteration):
        return False


def requests(folder: Path = REQUESTS) -> list[tuple[str, str]]:
    """Seed 002's request, then every visible request (none when the folder is absent)."""
    found = [("seed-002", ORDER_MANAGEMENT)]
    if folder.is_dir():
        found += [(p.name, p.read_text()) for p in sorted(folder.glob("*.txt"))]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 1 when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="print why each failing check failed")
    parser.add_argument("--plans", action="store_true", help="print each plan's tasks")
    parser.add_argument(
        "--requests", type=Path, default=REQUESTS, help=f"folder of *.txt requests (default {REQUESTS})"
    )
    args = parser.parse_args(argv)
    if not args.requests.is_dir():
        print(f"{args.requests} is absent: checking seed 002 only (the visible requests live there).")
    found = requests(args.requests)
    rows = [evaluate(name, text) for name, text in found]
    columns = ["type", "cover", "scope", "titles", "names", "order", "width", "msgs"]
    print(f"{'request':40} {'tasks':>5} {'batch':>5}  " + "  ".join(f"{c:>6}" for c in columns))
    failed = 0
    for row in rows:
        cells = []
        for column in columns:
            ok = row.checks[column]
            text = {
                "order": row.checks["_order_label"],
                "width": str(row.width),
                "msgs": str(row.messages),
            }.get(column, "ok")
            cells.append(
                f"{(text if ok else 'FAIL ' + text if column in ('order', 'width', 'msgs') else 'FAIL'):>6}"
            )
            failed += not ok
        print(f"{row.name[:40]:40} {row.tasks:>5} {row.batches:>5}  " + "  ".join(cells))
        if args.detail:
            for reason in row.reasons:
                print(f"    - {reason}")
        if args.plans:
            plan = build_plan(dict(found)[row.name])
            for task in plan.tasks:
                print(
                    f"      {task.ref:4} {task.role:18} {task.title}  ← {', '.join(task.depends_on) or '-'}"
                )
    total = len(rows) * len(columns)
    print(f"\n{total - failed}/{total} checks pass over {len(rows)} requests.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
