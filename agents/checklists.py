"""Per-role checklists: what each agent's deliverable covers, as templates the offline brain fills.

A checklist names the deliverable a role produces, the standard acceptance criteria the Master
adds to that role's tasks (seed 000's "Tests written and passing" …), its expected outputs, and the
sections of its deliverable. :func:`render_body` fills one from a task; :func:`snippet_for` gives
the file skeleton a role attaches (an SQL migration, an OpenAPI stub, a CI workflow).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.triage import guess_entities
from maestro.plans import FileSnippet

MAX_BODY_CHARS = 7900
"""Longest body :func:`render_body` returns (the Deliverable model allows 8000)."""


@dataclass(frozen=True)
class RoleChecklist:
    """What one role delivers.

    Attributes:
        role: the roster role id.
        deliverable: the name of what it produces ("Design spec", "Test plan" …).
        verb: how an implementation task of this role starts ("Implement", "Build", "Set up" …).
        focus: one sentence on what the role must take care of, for task descriptions.
        standard_criteria: acceptance criteria every task of the role gets.
        expected_outputs: what every task of the role produces.
        sections: headings with their checklist items; ``{subject}`` and ``{entities}`` are filled.
        open_questions: what the role usually has to ask.
    """

    role: str
    deliverable: str
    verb: str
    focus: str
    standard_criteria: tuple[str, ...]
    expected_outputs: tuple[str, ...]
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    open_questions: tuple[str, ...] = ()


CHECKLISTS: dict[str, RoleChecklist] = {
    "backend-architect": RoleChecklist(
        role="backend-architect",
        deliverable="Design spec",
        verb="Design",
        focus="Keep the contract RESTful, consistent with existing patterns, simple to build in parallel.",
        standard_criteria=(
            "API contract defines endpoints, payloads and error responses for every requirement",
            "Service boundaries and data flow are documented",
            "Open decisions are listed with a recommendation",
        ),
        expected_outputs=("API specs (OpenAPI)", "Service boundaries diagram", "Data flow"),
        sections=(
            (
                "API contract",
                (
                    "Resources: {entities}; each with list/create/read/update endpoints under `/v1`",
                    "Request and response schemas for each endpoint; one error format (`code`, `message`)",
                    "Pagination on list endpoints; idempotency key on create endpoints",
                    "Validation rules for every external input (types, ranges, required fields)",
                ),
            ),
            (
                "Service boundaries",
                (
                    "One owning module or service per resource; no shared tables across boundaries",
                    "Cross-boundary calls go through the contract; state changes publish an event",
                ),
            ),
            (
                "Data flow",
                (
                    "Request → validation → service → repository → event → response",
                    "Failure at any step returns the error format and leaves no partial state",
                ),
            ),
        ),
        open_questions=(
            "Which existing module owns each resource?",
            "Synchronous calls or events between the parts of {subject}?",
        ),
    ),
    "database-architect": RoleChecklist(
        role="database-architect",
        deliverable="Data model and migration plan",
        verb="Design",
        focus="Keep the schema normalised, indexed for its main queries, and every migration reversible.",
        standard_criteria=(
            "Entities, keys and relationships are defined",
            "Migration plan is reversible and backward compatible",
            "Indexes for the main queries are listed",
        ),
        expected_outputs=("Schema changes", "Migration files with up and down steps", "Migration plan"),
        sections=(
            (
                "Entities",
                (
                    "Tables: {entities}; uuid primary keys, `created_at`/`updated_at` on each",
                    "Foreign keys with explicit ON DELETE behaviour; NOT NULL where the domain requires it",
                    "Money as integer minor units; enums as check constraints or lookup tables",
                ),
            ),
            (
                "Migration plan",
                (
                    "Expand → migrate → contract: additive changes first, drops only in a later release",
                    "Each migration has a down step; run both on a copy of production data first",
                    "Backfills run in batches, outside the migration transaction",
                ),
            ),
            (
                "Indexes",
                (
                    "An index on every foreign key",
                    "Composite indexes for the list queries (filter columns first, then sort column)",
                    "Unique constraints for natural keys",
                ),
            ),
            (
                "Backward compatibility",
                (
                    "The current code keeps working after every migration step",
                    "No column is renamed in place: add, dual-write, switch reads, then drop",
                ),
            ),
        ),
        open_questions=("Expected row counts and growth per month for {entities}?",),
    ),
    "backend": RoleChecklist(
        role="backend",
        deliverable="Implementation plan",
        verb="Implement",
        focus="Validate inputs, handle errors, log each operation and cover it with tests.",
        standard_criteria=(
            "Tests written and passing",
            "All external inputs validated; errors return clear messages",
            "Structured logging on each operation, no secrets or personal data in logs",
        ),
        expected_outputs=("Code changes", "Unit and integration tests"),
        sections=(
            (
                "Implementation plan",
                (
                    "Follow the API contract and data model from the design tasks",
                    "Service layer holds the business rules; handlers only parse, call and render",
                    "Each state change runs in one transaction and publishes its event after commit",
                ),
            ),
            (
                "Validation, error handling and logging",
                (
                    "Validate every external input at the boundary; reject with a clear error",
                    "Map domain errors to status codes; never leak internal errors",
                    "Structured logs with the request id; no secrets or personal data",
                ),
            ),
            (
                "Tests",
                (
                    "Unit tests for each business rule, including failure paths",
                    "One integration test per endpoint against a real database",
                ),
            ),
        ),
        open_questions=("Anything in the contract that doesn't fit the existing code?",),
    ),
    "frontend": RoleChecklist(
        role="frontend",
        deliverable="UI implementation plan",
        verb="Build",
        focus="Build against the agreed API contract, accessible and fast, with component tests.",
        standard_criteria=(
            "Component tests written and passing",
            "Loading, empty and error states are handled",
            "Keyboard and screen-reader accessible (WCAG 2.1 AA)",
        ),
        expected_outputs=("UI components and pages", "Component tests"),
        sections=(
            (
                "Implementation plan",
                (
                    "Pages and components for {subject}, wired to the API contract",
                    "Client-side validation mirrors the API's rules; the API stays the authority",
                ),
            ),
            (
                "States",
                ("Loading, empty and error states for every view", "Optimistic updates roll back on error"),
            ),
            (
                "Accessibility and performance",
                ("Labels, focus order and contrast checked", "No layout shift; lists paginate"),
            ),
            ("Tests", ("Component tests for each state", "One end-to-end test of the main flow")),
        ),
        open_questions=("Is there a design mock-up to follow?",),
    ),
    "devops": RoleChecklist(
        role="devops",
        deliverable="Pipeline and infrastructure change",
        verb="Set up",
        focus="Configs must validate, secrets come from the environment, every rollout can be rolled back.",
        standard_criteria=(
            "Configs validate (lint or dry run) in CI",
            "No secrets in files; secrets come from the environment or a secret store",
            "Rollout and rollback steps are documented and rehearsed",
        ),
        expected_outputs=("CI/CD and infrastructure config files", "Rollout and rollback notes"),
        sections=(
            (
                "Pipeline steps",
                (
                    "Lint → test → build image (tagged with the commit) → deploy to staging → smoke test",
                    "Production deploy needs a manual approval and uses the same image tag",
                ),
            ),
            (
                "Infrastructure and config files",
                (
                    "Infrastructure as code for every resource; no manual changes",
                    "Secrets injected from the secret store at deploy time",
                ),
            ),
            (
                "Rollout and rollback",
                (
                    "Rolling or blue/green rollout with health checks",
                    "Rollback: redeploy the previous image tag; rehearsed in staging",
                ),
            ),
        ),
        open_questions=("Which environments exist today, and who approves production deploys?",),
    ),
    "qa": RoleChecklist(
        role="qa",
        deliverable="Test plan",
        verb="Test",
        focus="Prove every acceptance criterion with a test, failure paths included.",
        standard_criteria=(
            "Each acceptance criterion maps to at least one test",
            "Happy path and failure paths are covered",
            "Tests run in CI and pass",
        ),
        expected_outputs=("Test plan", "Automated tests"),
        sections=(
            (
                "Test plan",
                (
                    "Happy path: the main flow of {subject} end to end",
                    "Failure paths: invalid input, missing resource, dependency down, timeout",
                    "Edge cases: empty lists, limits, concurrent updates",
                ),
            ),
            ("Environments", ("Unit and integration tests in CI", "End-to-end run against staging")),
        ),
        open_questions=("Which success criteria need production-like data or load to measure?",),
    ),
    "security": RoleChecklist(
        role="security",
        deliverable="Threat model and security review",
        verb="Harden",
        focus="Assess the attack surface and check the OWASP Top 10, secrets handling and input validation.",
        standard_criteria=(
            "Threat model covers the changed attack surface",
            "OWASP Top 10 checklist completed",
            "No exposed secrets or credentials",
        ),
        expected_outputs=("Threat model", "OWASP Top 10 checklist", "Findings with fixes"),
        sections=(
            (
                "Threat model",
                (
                    "Assets: {entities}; actors: anonymous user, signed-in user, admin, third parties",
                    "Spoofing: authentication on every protected route",
                    "Tampering: server-side validation; signed webhooks",
                    "Information disclosure: no personal data in logs or errors",
                    "Denial of service: rate limits and timeouts on external calls",
                ),
            ),
            (
                "OWASP Top 10 checklist",
                (
                    "A01 access control · A02 crypto (TLS, hashing) · A03 injection (parameterised queries)",
                    "A05 misconfiguration · A07 authentication · A09 logging and monitoring",
                ),
            ),
            ("Secrets", ("Secrets from the environment or a secret store; rotation documented",)),
        ),
        open_questions=("Which data is personal data under the applicable regulation?",),
    ),
    "error-detective": RoleChecklist(
        role="error-detective",
        deliverable="Investigation report",
        verb="Investigate",
        focus="Build the error timeline, correlate it with deployments, state a hypothesis with evidence.",
        standard_criteria=(
            "Error timeline with first occurrence and affected components",
            "Root-cause hypothesis with the evidence for it",
            "Monitoring query that shows whether the error recurs",
        ),
        expected_outputs=("Error timeline", "Hypothesis", "Monitoring queries"),
        sections=(
            (
                "Timeline",
                (
                    "First and last occurrence, rate per minute, affected endpoints",
                    "Deployments, config changes and traffic changes in the window",
                ),
            ),
            ("Hypothesis", ("Most likely cause, and what would disprove it",)),
            (
                "Evidence to collect",
                (
                    "Stack traces grouped by signature",
                    "Logs around the first occurrence, by request id",
                    "Metrics: error rate, latency, saturation of the dependencies",
                ),
            ),
            ("Monitoring", ("Alert on the error rate returning above baseline",)),
        ),
        open_questions=("Can we get read access to the production logs for the window?",),
    ),
    "search-specialist": RoleChecklist(
        role="search-specialist",
        deliverable="Options comparison",
        verb="Research",
        focus="Compare the options with sources, separating facts from opinion.",
        standard_criteria=(
            "At least three options compared in a table",
            "Sources cited for each claim",
            "Recommendation with its trade-offs",
        ),
        expected_outputs=("Options table", "Recommendation", "Sources"),
        sections=(
            (
                "Options",
                (
                    "| option | fit | cost | maturity | risk | source |",
                    "| --- | --- | --- | --- | --- | --- |",
                    "| (option A) | | | | | |",
                    "| (option B) | | | | | |",
                    "| (option C) | | | | | |",
                ),
            ),
            ("Sources to check", ("Official documentation", "Changelog and issue tracker", "Licence")),
        ),
        open_questions=("Any option ruled out already (licence, cost, vendor)?",),
    ),
    "context-manager": RoleChecklist(
        role="context-manager",
        deliverable="Decision record",
        verb="Record",
        focus="Record the decisions, constraints and progress so the next session starts informed.",
        standard_criteria=(
            "Decisions recorded with context, options and consequences",
            "Open questions and next steps listed",
        ),
        expected_outputs=("Decision record", "Handoff note"),
        sections=(
            (
                "Decision record",
                (
                    "Context: what {subject} needed and the constraints",
                    "Decision: what was chosen, by whom, when",
                    "Options considered, and why the others were not chosen",
                    "Consequences: what becomes easier, what becomes harder",
                ),
            ),
            ("Handoff", ("What is done, what is in progress, what is next",)),
        ),
    ),
    "code-reviewer": RoleChecklist(
        role="code-reviewer",
        deliverable="Review notes",
        verb="Review",
        focus="Apply the review gate: MUST PASS items reject, SHOULD PASS items are remarks.",
        standard_criteria=("Every MUST PASS item of the review gate checked",),
        expected_outputs=("Review notes",),
        sections=(
            (
                "MUST PASS",
                (
                    "No exposed secrets or credentials",
                    "Input validation on all external inputs",
                    "Proper error handling",
                    "No SQL injection, XSS or other OWASP Top 10 vulnerability",
                    "Tests exist for new functionality",
                ),
            ),
            ("SHOULD PASS", ("Readable, well named", "No needless duplication", "Performance considered")),
        ),
    ),
    "master": RoleChecklist(
        role="master",
        deliverable="Summary",
        verb="Coordinate",
        focus="Summarise the work for the humans and say what needs their decision.",
        standard_criteria=("Summary states what changed, what is left and what needs a decision",),
        expected_outputs=("Summary",),
        sections=(("Summary", ("What changed", "What is left", "What needs a human decision")),),
    ),
    "tpm": RoleChecklist(
        role="tpm",
        deliverable="Status summary",
        verb="Track",
        focus="Report status with the red/amber/green rule and escalate slips early.",
        standard_criteria=("Status, risks and blockers listed with owners",),
        expected_outputs=("Status summary",),
        sections=(
            ("Status", ("Milestones and their RAG status", "Risks and blockers with owners", "Next steps")),
        ),
    ),
}
"""Role id → checklist; every role of :data:`maestro.models.AGENT_ROLES` has one."""


def checklist_for(role: str) -> RoleChecklist:
    """Return the checklist of a role, or the backend one for a role without its own."""
    return CHECKLISTS.get(role, CHECKLISTS["backend"])


def _fill(item: str, subject: str, entities: Sequence[str]) -> str:
    return item.replace("{subject}", subject).replace(
        "{entities}", ", ".join(entities) or "the resources named"
    )


def entities_of(text: str) -> list[str]:
    """Return the entities named in an ``Entities: a, b, c.`` sentence of ``text``, else guessed ones."""
    match = re.search(r"Entities(?: suggested by the request)?: ([^.\n]+)", text or "")
    if match:
        names = [re.sub(r"\W+", "_", n.strip().lower()).strip("_") for n in match.group(1).split(",")]
        return [n for n in names if n][:5]
    return guess_entities(text)


@dataclass(frozen=True)
class DependencyNote:
    """A dependency's deliverable, as the body cites it."""

    key: str
    title: str
    role: str
    summary: str


def _feedback_action(item: str, role: str) -> str:
    lowered = item.lower()
    if re.search(r"secret|credential|password|token|key", lowered):
        return "removed the literal value; it is read from the environment and the file holds a placeholder"
    if re.search(r"criteri|cover", lowered):
        return "covered explicitly under *Acceptance criteria* below"
    if "test" in lowered:
        return "added tests for the happy path and the failure paths (see *Tests* / *Test plan*)"
    if re.search(r"validat|input", lowered):
        return "every external input is validated at the boundary (see *Validation*)"
    if re.search(r"error|exception|handl", lowered):
        return (
            "errors are mapped to clear responses and logged (see *Validation, error handling and logging*)"
        )
    if re.search(r"migrat|breaking|backward|rollback", lowered):
        return "added a reversible migration path (down step, expand → migrate → contract)"
    if re.search(r"inject|xss|owasp|sql", lowered):
        return "queries are parameterised and output is escaped; OWASP items re-checked"
    return f"addressed in the sections below ({checklist_for(role).deliverable.lower()} updated)"


def render_body(
    *,
    role: str,
    notice: str,
    key: str,
    title: str,
    description: str,
    criteria: Sequence[str],
    outputs: Sequence[str],
    dependencies: Sequence[DependencyNote] = (),
    feedback: Sequence[str] = (),
    attempt: int = 1,
    plan_brief: str | None = None,
) -> str:
    """Fill a role's checklist from a task: the deliverable's body in Slack mrkdwn.

    Args:
        role: the role working the task (its checklist is used).
        notice: the first line, saying plainly who wrote the body.
        key: the task's key (``T-3``).
        title: the task's title.
        description: the task's description.
        criteria: the task's acceptance criteria; each is listed in the body.
        outputs: the task's expected outputs.
        dependencies: deliverables of the tasks this one depends on.
        feedback: must-fix items of the last review; each gets an explicit answer when ``attempt > 1``.
        attempt: 1 for the first try.
        plan_brief: the plan's brief, for context.

    Returns:
        At most :data:`MAX_BODY_CHARS` characters; the acceptance criteria section is always kept whole.
    """
    checklist = checklist_for(role)
    subject = _subject_of(title)
    entities = entities_of(f"{title}. {description}. {' '.join(criteria)}")
    head = [notice, "", f"*{checklist.deliverable}: {key} — {title}* ({role}, attempt {attempt})"]
    if description:
        head.append(description)
    if plan_brief:
        head.append(f"Plan: {plan_brief}")
    blocks: list[list[str]] = [head]
    if attempt > 1 and feedback:
        lines = [f"*Review feedback addressed (attempt {attempt})*"]
        lines += [f"• Must fix: {item} → {_feedback_action(item, role)}." for item in feedback]
        blocks.append(lines)
    elif attempt > 1:
        blocks.append(
            [f"*Attempt {attempt}*", "• The last review gave no must-fix items; the checklist is re-run."]
        )
    if dependencies:
        lines = ["*Inputs from dependencies*"]
        for dep in list(dependencies)[:8]:
            lines.append(f"• {dep.key} {dep.title} ({dep.role}): {_short(dep.summary, 240)}")
        lines.append("• This work follows those deliverables; where they disagree, the earlier design wins.")
        blocks.append(lines)
    for heading, items in checklist.sections:
        blocks.append([f"*{heading}*", *(f"• {_fill(item, subject, entities)}" for item in items)])
    if role in ("backend", "frontend", "devops") and criteria:
        proof = "verify it in staging" if role == "devops" else "prove it with a test"
        steps = [f"{n}. {c} — build it, then {proof}" for n, c in enumerate(criteria, 1)]
        blocks.append(["*Steps for this task*", *steps])
    if role == "qa" and criteria:
        lines = ["*Acceptance criteria mapping*", "| criterion | test |", "| --- | --- |"]
        lines += [f"| {c} | test_{_slug(c, 40)} (happy + failure path) |" for c in criteria]
        blocks.append(lines)
    criteria_block = ["*Acceptance criteria — for the reviewer to check; nothing here is verified*"]
    criteria_block += [f"• [ ] {c} — addressed in the sections above" for c in criteria] or ["• (none given)"]
    for item in feedback:
        for quoted in re.findall(r"“([^”]{3,})”", item):
            if quoted not in criteria:
                criteria_block.append(f"• [ ] {quoted} — raised in review")
    tail = [criteria_block]
    if outputs:
        tail.append(["*Expected outputs*", *(f"• {o}" for o in outputs)])
    tail.append(
        [
            "*Assumptions*",
            "• Written from the task alone: nothing here was checked against your codebase.",
            "• Names, paths and numbers are placeholders to confirm.",
        ]
    )
    body = "\n\n".join("\n".join(block) for block in [*blocks, *tail])
    while len(body) > MAX_BODY_CHARS and len(blocks) > 1:
        blocks.pop()
        body = "\n\n".join("\n".join(block) for block in [*blocks, *tail])
    return body[:MAX_BODY_CHARS]


def open_questions_for(role: str, title: str, description: str = "") -> list[str]:
    """Return the role's usual open questions, filled for the task."""
    subject = _subject_of(title)
    entities = entities_of(f"{title}. {description}")
    return [_fill(q, subject, entities) for q in checklist_for(role).open_questions]


def _subject_of(title: str) -> str:
    match = re.search(r"\bfor (.+)$", title)
    return (match.group(1) if match else title).strip() or title


def _short(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug[:limit].rstrip("_") or "item"


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def snippet_for(role: str, *, key: str, title: str, text: str) -> FileSnippet | None:
    """Return the file skeleton a role attaches to its deliverable, or ``None``.

    ``database-architect`` gets an SQL migration, ``backend-architect`` an OpenAPI stub and
    ``devops`` a Compose file (when the task is about the local stack) or a CI workflow. Secrets
    appear only as references to the environment.

    Args:
        role: the role working the task.
        key: the task key, used in the file name.
        title: the task title.
        text: the task's title, description and criteria, to guess entity names from.
    """
    entities = entities_of(text) or ["records"]
    subject = _subject_of(title)
    if role == "database-architect":
        return FileSnippet(
            name=f"migrations/{_slug(key, 10)}_{_slug(subject, 40)}.sql",
            language="sql",
            content=_migration(entities),
        )
    if role == "backend-architect":
        return FileSnippet(name="docs/api/openapi.yaml", language="yaml", content=_openapi(subject, entities))
    if role == "devops" and re.search(r"\bcompose\b|local (?:dev(?:elopment)? )?stack", text, re.I):
        return FileSnippet(name="docker-compose.yml", language="yaml", content=_compose(entities))
    if role == "devops":
        return FileSnippet(name=".github/workflows/ci.yml", language="yaml", content=_ci_workflow())
    return None


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _compose(entities: Sequence[str]) -> str:
    return (
        "# Offline skeleton: values come from .env, never from this file.\n"
        "services:\n"
        "  app:\n"
        "    build: .\n"
        "    env_file: .env\n"
        '    ports: ["8080:8080"]\n'
        "    depends_on: [db, redis]\n"
        '    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:8080/health"], interval: 10s}\n'
        "  db:\n"
        "    image: postgres:16\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
        "    volumes: [db-data:/var/lib/postgresql/data]\n"
        "  redis:\n"
        "    image: redis:7\n"
        "volumes:\n"
        "  db-data:\n"
    )


def _migration(entities: Sequence[str]) -> str:
    parent = entities[0]
    lines = [
        "-- Offline skeleton: fill the columns from the API contract before running.",
        "-- migrate:up",
    ]
    for index, table in enumerate(entities[:4]):
        columns = ["    id          uuid PRIMARY KEY"]
        child = index and (table == "line_items" or table.startswith(_singular(parent) + "_"))
        if child:
            columns.append(
                f"    {_singular(parent)}_id uuid NOT NULL REFERENCES {parent} (id) ON DELETE CASCADE"
            )
        columns += [
            "    created_at  timestamptz NOT NULL DEFAULT now()",
            "    updated_at  timestamptz NOT NULL DEFAULT now()",
        ]
        lines.append(f"CREATE TABLE {table} (")
        lines.append(",\n".join(columns))
        lines.append("    -- TODO: domain columns and foreign keys from the data model")
        lines.append(");")
        lines.append(f"CREATE INDEX {table}_created_at_idx ON {table} (created_at);")
        if child:
            lines.append(
                f"CREATE INDEX {table}_{_singular(parent)}_id_idx ON {table} ({_singular(parent)}_id);"
            )
        lines.append("")
    lines.append("-- migrate:down")
    lines += [f"DROP TABLE IF EXISTS {table};" for table in reversed(entities[:4])]
    return "\n".join(lines) + "\n"


def _openapi(subject: str, entities: Sequence[str]) -> str:
    ok = "{'200': {description: OK}}"
    lines = [
        "openapi: 3.0.3",
        "info:",
        f"  title: {json.dumps(subject + ' API', ensure_ascii=False)}",
        "  version: 0.1.0",
        "paths:",
    ]
    for name in entities[:4]:
        path = name.replace("_", "-")
        one = _article(_singular(name).replace("_", " "))
        lines += [
            f"  /v1/{path}:",
            f"    get: {{summary: List {name.replace('_', ' ')}, responses: {ok}}}",
            f"    post: {{summary: Create {one}, responses: {{'201': {{description: Created}}, "
            "'422': {$ref: '#/components/responses/Invalid'}}}",
            f"  /v1/{path}/{{id}}:",
            f"    get: {{summary: Read {one}, responses: {{'200': {{description: OK}}, "
            "'404': {description: Not found}}}",
            f"    patch: {{summary: Update {one}, responses: {ok}}}",
        ]
    lines += [
        "components:",
        "  responses:",
        "    Invalid: {description: Validation failed, content: {application/json: "
        "{schema: {$ref: '#/components/schemas/Error'}}}}",
        "  schemas:",
        "    Error: {type: object, required: [code, message], properties: "
        "{code: {type: string}, message: {type: string}}}",
    ]
    return "\n".join(lines) + "\n"


def _ci_workflow() -> str:
    return (
        "# Offline skeleton: adapt the make targets to the project.\n"
        "name: ci\n"
        "on:\n"
        "  push: {branches: [main]}\n"
        "  pull_request:\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - name: Lint and validate configs\n"
        "        run: make lint\n"
        "      - name: Test\n"
        "        run: make test\n"
        "  deploy-staging:\n"
        "    needs: test\n"
        "    if: github.ref == 'refs/heads/main'\n"
        "    environment: staging\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - name: Deploy the image tagged with the commit\n"
        "        run: make deploy ENV=staging IMAGE_TAG=${{ github.sha }}\n"
        "        env:\n"
        "          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n"
        "      - name: Smoke test; roll back to the previous tag on failure\n"
        "        run: make smoke ENV=staging || make rollback ENV=staging\n"
    )
