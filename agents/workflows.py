"""Seed 004's per-issue-type workflows, as data, mapped onto Maestro's roster.

Each workflow is an ordered list of steps. A step is one of:

- ``gate``: done by the app, not a task — TRIAGE (the Master planning), REVIEW (the reviewer runs
  the review gate on every deliverable), APPROVAL (the Master's summary to the humans);
- ``before``: one task for the whole request, before any implementation (design, investigation);
- ``implement``: one or more tasks per requirement;
- ``after``: one task for the whole request, after the implementations (test plan, monitoring,
  decision record).

The planner (:mod:`agents.planner`) follows each type's workflow with a recipe of its own;
these steps are the data it names (workflow name, pattern, reviewer) and the seed's reference.
Seed roles that Maestro's roster lacks are mapped: principal-software-engineer → ``master``,
devops-engineer → ``devops``, database-optimization → ``backend`` when it implements and
``database-architect`` when it investigates, mcp-expert → ``backend``. A step the seed gives to the
Lead as *implementer* goes to ``backend``, since the Master writes no deliverables. Steps marked
``added`` are Maestro's additions to the seed (a QA step that carries the request's success
criteria, a security review when payments, auth or personal data are touched).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from maestro.models import AGENT_ROLES
from maestro.plans import ISSUE_TYPES

StepKind = Literal["gate", "before", "implement", "after"]
"""Where a step sits in the plan (see the module docstring)."""

Condition = Literal[
    "data-model-changes",
    "services-affected",
    "schema-changes",
    "unknown-vulnerability",
    "mcp-needed",
    "sensitive-data",
    "large-request",
]
"""Named conditions a conditional step waits on; the planner decides each from the request."""

Needs = Literal["nothing", "previous", "design", "implementations", "sensitive-implementations", "sinks"]
"""What a step's task depends on: the previous ``before`` step, the last design step, all
implementation tasks, only those touching sensitive data, or every task nothing else waits for."""

CONDITION_TEXT: dict[str, str] = {
    "data-model-changes": "if the data model changes",
    "services-affected": "if the infrastructure change affects services",
    "schema-changes": "if schema changes are needed",
    "unknown-vulnerability": "if the vulnerability is not yet understood",
    "mcp-needed": "if an MCP server is needed",
    "sensitive-data": "if payments, authentication or personal data are touched",
    "large-request": "for complex features (many requirements)",
}
"""How each condition reads in a workflow description."""

LARGE_REQUEST = 6
"""A request with at least this many requirements is "complex": it gets a decision record."""


@dataclass(frozen=True)
class WorkflowStep:
    """One step of a workflow.

    Attributes:
        name: the seed's step name in capitals (ARCHITECTURE, DATABASE DESIGN, IMPLEMENTATION …).
        role: the roster role that does it (for ``implement``: the default implementer).
        kind: ``gate``, ``before``, ``implement`` or ``after``.
        purpose: what the step produces, one line (becomes part of the task's description).
        title: the task title template; ``{subject}`` is the request's title.
        outputs: the seed's outputs, used as the task's expected outputs.
        pass_criteria: the seed's pass criteria, used as acceptance criteria.
        condition: the step runs only when this holds; ``None`` means always.
        needs: what the step's task depends on.
        specialists: implementer roles :func:`agents.triage.roles_for` may pick instead of ``role``
            (``implement`` steps only); empty means always ``role``.
        carries_success_criteria: the request's success criteria go into this step's task.
        seed_role: the role the seed names, before mapping to our roster.
        added: not in seed 004; a Maestro addition.
        estimate_days: working days for a ``before``/``after`` task.
    """

    name: str
    role: str
    kind: StepKind
    purpose: str
    title: str = ""
    outputs: tuple[str, ...] = ()
    pass_criteria: tuple[str, ...] = ()
    condition: Condition | None = None
    needs: Needs = "previous"
    specialists: tuple[str, ...] = ()
    carries_success_criteria: bool = False
    seed_role: str = ""
    added: bool = False
    estimate_days: int = 1


@dataclass(frozen=True)
class Workflow:
    """A seed 004 workflow for one issue type.

    Attributes:
        issue_type: one of :data:`maestro.plans.ISSUE_TYPES`.
        name: the seed's workflow name (``backend-feature``, ``devops-pipeline`` …).
        pattern: the human-readable pattern, e.g. ``DESIGN → IMPLEMENT → REVIEW → APPROVE``.
        trigger: what kind of request it is for (the seed's "Trigger").
        reviewer: the role that runs the review gate on every deliverable of the plan.
        steps: in order.
    """

    issue_type: str
    name: str
    pattern: str
    trigger: str
    reviewer: str
    steps: tuple[WorkflowStep, ...] = field(default_factory=tuple)

    def steps_of(self, kind: StepKind) -> tuple[WorkflowStep, ...]:
        """Return the steps of one kind, in order."""
        return tuple(step for step in self.steps if step.kind == kind)

    def describe(self) -> str:
        """Return the steps as one line, e.g. ``TRIAGE (master) → ARCHITECTURE (backend-architect) → …``."""
        parts = []
        for step in self.steps:
            when = f" [{CONDITION_TEXT[step.condition]}]" if step.condition else ""
            parts.append(f"{step.name} ({step.role}){when}")
        return " → ".join(parts)


_TRIAGE = WorkflowStep(
    name="TRIAGE",
    role="master",
    kind="gate",
    purpose="Classify the request and choose this workflow.",
    seed_role="principal-software-engineer",
)


def _review(focus: str, reviewer: str = "code-reviewer") -> WorkflowStep:
    return WorkflowStep(
        name="REVIEW",
        role=reviewer,
        kind="gate",
        purpose=f"Review every deliverable: {focus}. If rejected, the work goes back with the must-fix list.",
        seed_role="code-reviewer",
    )


_APPROVAL = WorkflowStep(
    name="APPROVAL",
    role="master",
    kind="gate",
    purpose="Summarise the changes for the humans and present the plan to ship them.",
    seed_role="principal-software-engineer",
)

_QA_TEST_PLAN = WorkflowStep(
    name="TEST PLAN",
    role="qa",
    kind="after",
    purpose="Write and run the test plan: happy path, failure paths, and every success criterion.",
    title="Write and run the test plan for {subject}",
    outputs=("Test plan mapping each requirement and success criterion to tests", "Automated tests"),
    pass_criteria=("Each requirement has at least one passing test",),
    needs="implementations",
    carries_success_criteria=True,
    added=True,
    estimate_days=2,
)

_SECURITY_REVIEW = WorkflowStep(
    name="SECURITY REVIEW",
    role="security",
    kind="after",
    purpose="Threat-model the parts that handle payments, authentication or personal data.",
    title="Review the security of {subject}",
    outputs=("Threat model", "OWASP Top 10 checklist"),
    pass_criteria=("No exposed secrets or credentials", "Input validation on all external inputs"),
    condition="sensitive-data",
    needs="sensitive-implementations",
    added=True,
    estimate_days=1,
)

CONTEXT_SAVE = WorkflowStep(
    name="CONTEXT SAVE",
    role="context-manager",
    kind="after",
    purpose="Document the decisions taken, for future sessions (seed 004's long-running-project checkpoint).",
    title="Record the decisions taken for {subject}",
    outputs=("Decision record",),
    pass_criteria=("Decision record saved where the next session will find it",),
    condition="large-request",
    needs="sinks",
    seed_role="context-manager",
    estimate_days=1,
)
"""Backend-feature's step 6; the planner also adds it to any other large request (seed 004's
long-running-project workflow, whose checkpoints it stands for)."""


WORKFLOWS: dict[str, Workflow] = {
    "backend-feature": Workflow(
        issue_type="backend-feature",
        name="backend-feature",
        pattern="DESIGN → IMPLEMENT → REVIEW → APPROVE",
        trigger="New API endpoints, service changes, business logic",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="ARCHITECTURE",
                role="backend-architect",
                kind="before",
                purpose="Design the API contracts, service boundaries and data flow.",
                title="Design API contracts and service boundaries for {subject}",
                outputs=("API specs (OpenAPI)", "Service boundaries diagram", "Data flow"),
                pass_criteria=("API is RESTful, scalable and consistent with existing patterns",),
                needs="nothing",
                seed_role="backend-architect",
                estimate_days=2,
            ),
            WorkflowStep(
                name="DATABASE DESIGN",
                role="database-architect",
                kind="before",
                purpose="Review the data model, migrations and indexes.",
                title="Design the data model and migrations for {subject}",
                outputs=("Schema changes", "Migration plan"),
                pass_criteria=(
                    "Schema is normalised and indexed",
                    "Migrations are backward compatible and reversible",
                ),
                condition="data-model-changes",
                seed_role="database-architect",
                estimate_days=2,
            ),
            WorkflowStep(
                name="IMPLEMENTATION",
                role="backend",
                kind="implement",
                purpose="Write the code following the architects' specs.",
                outputs=("Code changes",),
                needs="design",
                specialists=("frontend", "devops", "qa", "security"),
                seed_role="principal-software-engineer",
            ),
            _review("quality, security, test coverage"),
            _SECURITY_REVIEW,
            _QA_TEST_PLAN,
            CONTEXT_SAVE,
        ),
    ),
    "devops": Workflow(
        issue_type="devops",
        name="devops-pipeline",
        pattern="DESIGN → IMPLEMENT → REVIEW → APPROVE",
        trigger="CI/CD failures, deployment issues, infrastructure changes, scaling needs",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="ARCHITECTURE REVIEW",
                role="backend-architect",
                kind="before",
                purpose="Assess the change's impact on services before touching infrastructure.",
                title="Assess service impact of {subject}",
                outputs=("Architecture impact assessment",),
                pass_criteria=("No breaking changes to service contracts",),
                condition="services-affected",
                needs="nothing",
                seed_role="backend-architect",
                estimate_days=1,
            ),
            WorkflowStep(
                name="IMPLEMENTATION",
                role="devops",
                kind="implement",
                purpose="Implement the CI/CD, Terraform or Kubernetes changes.",
                outputs=("Configuration files", "Scripts", "Documentation"),
                pass_criteria=("All configs valid", "Security best practices followed"),
                needs="design",
                seed_role="devops-engineer",
            ),
            _review("security vulnerabilities, best practices, completeness"),
            WorkflowStep(
                name="VALIDATE",
                role="qa",
                kind="after",
                purpose="Verify the change in staging, including the rollback.",
                title="Verify {subject} in staging",
                outputs=("Staging verification report",),
                pass_criteria=("Pipeline green in staging", "Rollback rehearsed"),
                needs="implementations",
                carries_success_criteria=True,
                added=True,
                estimate_days=1,
            ),
            _APPROVAL,
        ),
    ),
    "database-performance": Workflow(
        issue_type="database-performance",
        name="database-performance",
        pattern="INVESTIGATE → DIAGNOSE → FIX → VALIDATE",
        trigger="Slow queries, high load, scaling concerns",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="INVESTIGATE",
                role="database-architect",
                kind="before",
                purpose="Analyse slow query logs and EXPLAIN plans to find the bottleneck.",
                title="Investigate the database bottleneck behind {subject}",
                outputs=("Performance report", "Bottleneck identification"),
                pass_criteria=("Clear root cause identified",),
                needs="nothing",
                seed_role="database-optimization",
                estimate_days=1,
            ),
            WorkflowStep(
                name="ARCHITECTURE REVIEW",
                role="database-architect",
                kind="before",
                purpose="Review the schema design and indexing strategy.",
                title="Review schema and indexing strategy for {subject}",
                outputs=("Optimisation recommendations",),
                pass_criteria=("Maintains data integrity", "Backward compatible"),
                condition="schema-changes",
                seed_role="database-architect",
                estimate_days=1,
            ),
            WorkflowStep(
                name="IMPLEMENTATION",
                role="backend",
                kind="implement",
                purpose="Create indexes, optimise queries, add caching.",
                outputs=("SQL migrations", "Query rewrites"),
                pass_criteria=("Measurable performance improvement",),
                needs="design",
                seed_role="database-optimization",
            ),
            _review("migrations, no regressions"),
            WorkflowStep(
                name="VALIDATION",
                role="qa",
                kind="after",
                purpose="Run benchmarks and compare before and after.",
                title="Benchmark {subject} before and after",
                outputs=("Performance metrics before/after",),
                pass_criteria=("Before/after benchmark shows the improvement",),
                needs="implementations",
                carries_success_criteria=True,
                seed_role="database-optimization",
                estimate_days=1,
            ),
        ),
    ),
    "production-error": Workflow(
        issue_type="production-error",
        name="error-investigation",
        pattern="INVESTIGATE → DIAGNOSE → FIX → VALIDATE",
        trigger="Error spikes, customer reports, alert fires",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="DETECT",
                role="error-detective",
                kind="before",
                purpose="Parse logs, identify error patterns, correlate with recent deployments.",
                title="Trace the errors behind {subject}",
                outputs=("Error timeline", "Affected components", "Hypothesis"),
                pass_criteria=("Error timeline with first occurrence", "Correlated with recent deployments"),
                needs="nothing",
                seed_role="error-detective",
                estimate_days=1,
            ),
            WorkflowStep(
                name="ANALYZE",
                role="backend-architect",
                kind="before",
                purpose="Confirm the root cause and choose the fix approach.",
                title="Confirm the root cause and fix approach for {subject}",
                outputs=("Root cause confirmation", "Fix approach"),
                pass_criteria=("Root cause confirmed with evidence",),
                seed_role="backend-architect or database-architect",
                estimate_days=1,
            ),
            WorkflowStep(
                name="FIX",
                role="backend",
                kind="implement",
                purpose="Implement the fix.",
                outputs=("Code/config changes",),
                pass_criteria=("The error no longer reproduces",),
                needs="design",
                seed_role="principal-software-engineer",
            ),
            _review("does it fix the issue? any new risks? (fast-track)"),
            WorkflowStep(
                name="MONITOR",
                role="error-detective",
                kind="after",
                purpose="Provide monitoring queries and alerts that verify the fix.",
                title="Monitor the fix for {subject}",
                outputs=("Alerting rules", "Dashboard queries"),
                pass_criteria=("Alert fires if the error returns",),
                needs="implementations",
                carries_success_criteria=True,
                seed_role="error-detective",
                estimate_days=1,
            ),
        ),
    ),
    "security": Workflow(
        issue_type="security",
        name="security-fix",
        pattern="ASSESS → DESIGN → FIX → REVIEW → VALIDATE",
        trigger="Security audit findings, CVE reports, penetration test results",
        reviewer="security",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="ASSESS",
                role="security",
                kind="before",
                purpose="Evaluate severity and attack vectors.",
                title="Assess severity and attack vectors of {subject}",
                outputs=("Risk assessment", "Affected components"),
                pass_criteria=("Severity rated with its attack vectors",),
                needs="nothing",
                seed_role="code-reviewer",
                estimate_days=1,
            ),
            WorkflowStep(
                name="RESEARCH",
                role="search-specialist",
                kind="before",
                purpose="Research the CVE, find patches and best practice.",
                title="Research patches and remediation for {subject}",
                outputs=("Remediation options",),
                pass_criteria=("Remediation options with sources",),
                condition="unknown-vulnerability",
                seed_role="search-specialist",
                estimate_days=1,
            ),
            WorkflowStep(
                name="ARCHITECTURE",
                role="backend-architect",
                kind="before",
                purpose="Design the fix approach and make sure it causes no regressions.",
                title="Specify the fix for {subject}",
                outputs=("Fix specification",),
                pass_criteria=("Fix specified without regressions to contracts",),
                seed_role="backend-architect",
                estimate_days=1,
            ),
            WorkflowStep(
                name="IMPLEMENTATION",
                role="backend",
                kind="implement",
                purpose="Implement the security fix.",
                outputs=("Code changes",),
                needs="design",
                specialists=("frontend", "devops"),
                seed_role="principal-software-engineer",
            ),
            _review("security-focused, OWASP checklist validation", reviewer="security"),
            WorkflowStep(
                name="VALIDATION",
                role="devops",
                kind="after",
                purpose="Update security scanning configs and verify the fix in staging.",
                title="Update security scanning and verify {subject} in staging",
                outputs=("Security scanning config", "Staging verification"),
                pass_criteria=("Scanner reports the vulnerability fixed in staging",),
                needs="implementations",
                carries_success_criteria=True,
                seed_role="devops-engineer",
                estimate_days=1,
            ),
        ),
    ),
    "integration": Workflow(
        issue_type="integration",
        name="integration-setup",
        pattern="RESEARCH → DESIGN → IMPLEMENT → REVIEW",
        trigger="New external service integration, MCP server creation",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="RESEARCH",
                role="search-specialist",
                kind="before",
                purpose="Research the API documentation, auth methods and best practice.",
                title="Research the API and auth methods for {subject}",
                outputs=("Integration requirements", "Auth methods"),
                pass_criteria=("Auth method, rate limits and error model of the external API documented",),
                needs="nothing",
                seed_role="search-specialist",
                estimate_days=1,
            ),
            WorkflowStep(
                name="ARCHITECTURE",
                role="backend-architect",
                kind="before",
                purpose="Design the integration pattern and its error handling.",
                title="Design the integration architecture for {subject}",
                outputs=("Integration architecture",),
                pass_criteria=("Retries, timeouts and rate limiting designed",),
                seed_role="backend-architect",
                estimate_days=2,
            ),
            WorkflowStep(
                name="MCP CREATION",
                role="backend",
                kind="before",
                purpose="Create the MCP server configuration.",
                title="Create the MCP server configuration for {subject}",
                outputs=("MCP JSON config", "Setup docs"),
                pass_criteria=("MCP config validates and its setup is documented",),
                condition="mcp-needed",
                seed_role="mcp-expert",
                estimate_days=1,
            ),
            WorkflowStep(
                name="IMPLEMENTATION",
                role="backend",
                kind="implement",
                purpose="Implement the integration code.",
                outputs=("Service code", "Tests"),
                needs="design",
                specialists=("frontend", "devops"),
                seed_role="principal-software-engineer",
            ),
            _review("security, error handling, rate limiting"),
            _QA_TEST_PLAN,
        ),
    ),
    "frontend-feature": Workflow(
        issue_type="frontend-feature",
        name="frontend-feature",
        pattern="DESIGN (if needed) → BUILD SHARED → APPLY → TEST → REVIEW",
        trigger="New or changed UI: components, pages, tables, themes (Maestro's addition to seed 004)",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="DESIGN",
                role="backend-architect",
                kind="before",
                purpose="Settle what the UI needs from the API (or decide it needs nothing).",
                title="Decide what {subject} needs from the API",
                outputs=("Decision record",),
                pass_criteria=("Decision written down with its reason",),
                condition="services-affected",
                needs="nothing",
                added=True,
                estimate_days=1,
            ),
            WorkflowStep(
                name="IMPLEMENTATION",
                role="frontend",
                kind="implement",
                purpose="Build the shared components once, then apply them where the request says.",
                outputs=("Components with tests",),
                needs="design",
                specialists=("backend", "qa"),
                added=True,
            ),
            _review("accessibility, state handling, test coverage"),
            _QA_TEST_PLAN,
        ),
    ),
    "data-migration": Workflow(
        issue_type="data-migration",
        name="data-migration",
        pattern="ASSESS → MIGRATE → TEST → REHEARSE → RELEASE",
        trigger="Backfills, data fixes, moving data between schemas (Maestro's addition to seed 004)",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="ASSESS",
                role="database-architect",
                kind="before",
                purpose="Inventory the source data still present and count what the migration changes.",
                title="Inventory the data behind {subject}",
                outputs=("Inventory and counts",),
                pass_criteria=("Rows to change counted",),
                needs="nothing",
                seed_role="database-architect",
                added=True,
                estimate_days=1,
            ),
            WorkflowStep(
                name="MIGRATE",
                role="backend",
                kind="implement",
                purpose="Write the migration: idempotent, non-destructive, reversible or a no-op downgrade.",
                outputs=("Migration", "Tests"),
                pass_criteria=("Safe to run more than once",),
                needs="design",
                added=True,
            ),
            _review("idempotence, data safety, downgrade"),
            WorkflowStep(
                name="REHEARSE",
                role="devops",
                kind="after",
                purpose="Run the migration on a copy of production data and compare counts.",
                title="Rehearse {subject} on a copy of production data",
                outputs=("Rehearsal report",),
                pass_criteria=("Counts match the inventory",),
                needs="implementations",
                carries_success_criteria=True,
                added=True,
                estimate_days=1,
            ),
        ),
    ),
    "project": Workflow(
        issue_type="project",
        name="long-running-project",
        pattern="PHASES AS MILESTONES → EACH PHASE GATED ON THE LAST → CHECKPOINTS",
        trigger="Large work spanning several phases or sessions (seed 004's workflow 7)",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="IMPLEMENTATION",
                role="backend",
                kind="implement",
                purpose="Execute each phase's work with the workflow that fits it.",
                outputs=("Changes per phase",),
                needs="nothing",
                specialists=("frontend", "devops", "qa", "security"),
                seed_role="(per task)",
            ),
            _review("per phase"),
            WorkflowStep(
                name="CHECKPOINT",
                role="context-manager",
                kind="after",
                purpose="After each milestone, update the project context and decisions.",
                title="Record the checkpoint for {subject}",
                outputs=("Context update",),
                pass_criteria=("Decisions and progress recorded",),
                needs="sinks",
                carries_success_criteria=True,
                seed_role="context-manager",
                estimate_days=1,
            ),
        ),
    ),
    "research": Workflow(
        issue_type="research",
        name="research",
        pattern="RESEARCH → DESIGN → REVIEW → DECIDE",
        trigger="Questions of which tool, library or approach to use",
        reviewer="code-reviewer",
        steps=(
            _TRIAGE,
            WorkflowStep(
                name="RESEARCH",
                role="search-specialist",
                kind="implement",
                purpose="Research the options, with sources.",
                outputs=("Options table with sources",),
                pass_criteria=("At least three options compared with sources",),
                needs="nothing",
                seed_role="search-specialist",
            ),
            WorkflowStep(
                name="DESIGN",
                role="backend-architect",
                kind="after",
                purpose="Recommend an option and sketch the design that follows from it.",
                title="Recommend an option and outline the design for {subject}",
                outputs=("Recommendation", "Design outline"),
                pass_criteria=("Recommendation names its trade-offs",),
                needs="implementations",
                carries_success_criteria=True,
                seed_role="backend-architect",
                estimate_days=1,
            ),
            _review("sources cited, trade-offs stated"),
            WorkflowStep(
                name="DECISION RECORD",
                role="context-manager",
                kind="after",
                purpose="Record the decision, the options weighed and why.",
                title="Record the decision on {subject}",
                outputs=("Decision record",),
                pass_criteria=("Decision record lists the options weighed and the consequence",),
                needs="sinks",
                seed_role="context-manager",
                estimate_days=1,
            ),
            _APPROVAL,
        ),
    ),
}
"""Issue type → workflow. Research follows seed 004's pattern 3; the rest its numbered workflows."""


def workflow_for(issue_type: str) -> Workflow:
    """Return the workflow of an issue type.

    Raises:
        KeyError: not one of :data:`maestro.plans.ISSUE_TYPES` (the message lists them).
    """
    try:
        return WORKFLOWS[issue_type]
    except KeyError:
        raise KeyError(f"no workflow for {issue_type!r}; issue types: {', '.join(ISSUE_TYPES)}") from None


def _check() -> None:
    assert set(WORKFLOWS) == set(ISSUE_TYPES), "every issue type has a workflow"
    for workflow in WORKFLOWS.values():
        assert workflow.reviewer in ("code-reviewer", "security"), workflow.name
        assert workflow.steps_of("implement"), f"{workflow.name} has an implement step"
        for step in workflow.steps:
            assert step.role in AGENT_ROLES, (workflow.name, step.name, step.role)
            assert all(s in AGENT_ROLES for s in step.specialists)
            assert step.kind == "gate" or "{subject}" in step.title or step.kind == "implement", step.name


_check()
