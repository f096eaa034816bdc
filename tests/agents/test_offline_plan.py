"""The offline planner on the seeds' real requests, and on odd input."""

from __future__ import annotations

import pytest

from agents.brain import PlanContext
from agents.offline import OfflineBrain, build_plan, imperative_title
from agents.roster import DEFAULT_ROSTER
from agents.triage import parse_request
from maestro.plans import MAX_PLAN_TASKS, Plan, critical_path, validate_plan
from sandbox.examples import ORDER_MANAGEMENT

SEED_002_REQUEST = ORDER_MANAGEMENT  # seed 002's request, verbatim

# Seed 001, Phase 1 (lines 15–25), verbatim.
SEED_001_PHASE_1 = """\
### Phase 1: Foundation
**Target**: Sprint 1–2 | **Gate Criteria**: All shared packages stable, product service complete, \
user service auth working, Docker Compose brings up the full local stack.

| Milestone | Services / Artifacts | Dependencies |
|---|---|---|
| M1.1 — Shared packages | `pkg/*` (logger, errors, database, kafka, config, health, middleware, \
validator, pagination) | None |
| M1.2 — Product service | `services/product` full implementation + tests | M1.1 |
| M1.3 — User service | `services/user` registration, JWT, profile | M1.1 |
| M1.4 — Gateway | `services/gateway` routing, JWT validation | M1.3 |
| M1.5 — Database migrations | golang-migrate tooling, all Phase 1 schemas | M1.2, M1.3 |
| M1.6 — Local dev stack | Docker Compose, all infra services (PG, Redis, Kafka, ES) | M1.2–M1.5 |
"""

# Seed 003, Phase 1 tracks (lines 73–82), verbatim.
SEED_003_PHASE_1 = """\
#### Phase 1 (Weeks 1-6): Foundation
**Parallel tracks:**
- Track A: Session State Service (Go-Backend-Agent)
- Track B: Client State Manager (TypeScript-Frontend-Agent-Core)
- Track C: Infrastructure setup (DevOps-Agent)
- Track D: Redis/PostgreSQL setup (Data-Engineer-Agent)

**Integration points:**
- Week 2: API contract freeze (OpenAPI/WebSocket protocol)
- Week 4: Client-server integration
- Week 6: Performance testing + admin dashboard
"""

# Seed 000, "Five-Phase Roadmap", Phase 1, verbatim.
SEED_000_PHASE_1 = """\
### Phase 1: Foundation (Sprint 1-2)
- Shared packages stable: `pkg/logger`, `pkg/errors`, `pkg/database`, `pkg/kafka`, `pkg/config`, \
`pkg/health`, `pkg/middleware`, `pkg/validator`, `pkg/pagination`
- Product service fully implemented (reference implementation)
- User service: registration, JWT auth, profile
- Gateway: routing, JWT validation middleware
- Docker Compose for full local development stack
- Database migrations tooling (golang-migrate)
"""


def by_requirement(plan: Plan, fragment: str) -> list:
    return [t for t in plan.tasks if t.requirement and fragment in t.requirement]


def only(plan: Plan, fragment: str):
    found = by_requirement(plan, fragment)
    assert len(found) == 1, [t.title for t in found]
    return found[0]


@pytest.fixture(scope="module")
def seed_002_plan() -> Plan:
    return build_plan(SEED_002_REQUEST)


def test_seed_002_is_a_backend_feature_with_a_valid_dag(seed_002_plan):
    plan = seed_002_plan
    assert plan.issue_type == "backend-feature"
    assert plan.workflow.startswith("backend-feature: DESIGN → IMPLEMENT → REVIEW → APPROVE")
    assert plan.reviewer == "code-reviewer"
    assert "backend-feature" in plan.rationale and "7 things to build" in plan.rationale
    assert plan.brief.startswith("E-Commerce Order Management System: Enable customers to place orders")
    assert len(plan.brief) <= 300
    batches = validate_plan(plan)
    assert sum(len(b) for b in batches) == len(plan.tasks)
    assert [t.ref for t in plan.tasks] == [f"P{n}" for n in range(1, len(plan.tasks) + 1)]


def test_seed_002_follows_the_backend_feature_workflow(seed_002_plan):
    plan = seed_002_plan
    batches = validate_plan(plan)
    tasks = {t.ref: t for t in plan.tasks}
    assert [tasks[r].role for r in batches[0]] == ["backend-architect"]
    architecture = tasks[batches[0][0]]
    database = [t for t in plan.tasks if t.role == "database-architect"]
    assert len(database) == 1, "orders change the data model"
    assert database[0].depends_on == [architecture.ref]
    assert "Entities suggested by the request: orders, line_items" in database[0].description

    requirements = parse_request(SEED_002_REQUEST).requirements
    assert len(requirements) == 7
    for requirement in requirements:
        implementations = by_requirement(plan, requirement.text)
        assert implementations, f"no task for {requirement.text!r}"
        for task in implementations:
            assert database[0].ref in task.depends_on
    assert only(plan, "Admin dashboard").role == "frontend"
    assert only(plan, "Email notifications").role == "backend"
    assert only(plan, "create, modify, and cancel").title == "Let users create, modify, and cancel orders"
    assert (
        only(plan, "Inventory must be reserved").title == "Ensure inventory is reserved when order is placed"
    )

    implementation_refs = {t.ref for t in plan.tasks if t.requirement}
    qa = [t for t in plan.tasks if t.role == "qa"]
    assert len(qa) == 1 and set(qa[0].depends_on) == implementation_refs
    for criterion in [
        "95% order success rate",
        "< 2 second order placement time",
        "Automated email notifications",
    ]:
        assert criterion in qa[0].acceptance_criteria

    security = [t for t in plan.tasks if t.role == "security"]
    assert len(security) == 1, "payments are touched"
    assert security[0].depends_on == [only(plan, "Payment processing").ref]
    assert [t.role for t in plan.tasks].count("context-manager") == 1, "7 requirements is a large request"


def test_seed_002_runs_work_in_parallel_and_starts_with_the_architecture(seed_002_plan):
    plan = seed_002_plan
    batches = validate_plan(plan)
    assert max(len(b) for b in batches) >= 7
    path = critical_path(
        {t.ref: t.depends_on for t in plan.tasks}, {t.ref: t.estimate_days for t in plan.tasks}
    )
    tasks = {t.ref: t for t in plan.tasks}
    assert tasks[path[0]].role == "backend-architect"
    assert all(tasks[ref].priority.value in ("high", "critical") for ref in path)
    assert only(plan, "Payment processing").priority.value == "high"
    assert only(plan, "Orders contain").priority.value == "medium"


def test_every_task_is_a_full_task_assignment(seed_002_plan):
    for task in seed_002_plan.tasks:
        assert 3 <= len(task.title) <= 140 and task.title[0].isupper(), task.title
        assert 2 <= task.description.count(". ") + 1 <= 5, task.description
        assert 3 <= len(task.acceptance_criteria) <= 10, (task.title, task.acceptance_criteria)
        assert len(set(task.acceptance_criteria)) == len(task.acceptance_criteria)
        assert task.expected_outputs
        assert 1 <= task.estimate_days <= 30
    implementation = only(seed_002_plan, "create, modify, and cancel")
    assert implementation.acceptance_criteria[0] == "Users can create, modify, and cancel orders"
    assert "Tests written and passing" in implementation.acceptance_criteria
    status = only(seed_002_plan, "Order status tracking")
    assert "Handles each of: pending, confirmed, shipped, delivered, cancelled" in status.acceptance_criteria


def test_seed_001_milestone_dependencies_are_mirrored():
    plan = build_plan(SEED_001_PHASE_1)
    validate_plan(plan)
    assert plan.issue_type == "backend-feature"
    ref = {
        label: only(plan, text).ref
        for label, text in [
            ("M1.1", "Shared packages"),
            ("M1.2", "Product service"),
            ("M1.3", "User service"),
            ("M1.4", "Gateway"),
            ("M1.5", "Database migrations"),
            ("M1.6", "Local dev stack"),
        ]
    }
    tasks = {t.ref: t for t in plan.tasks}
    design = {t.ref for t in plan.tasks if t.role in ("backend-architect", "database-architect")}

    def milestone_deps(label: str) -> set[str]:
        return set(tasks[ref[label]].depends_on) - design

    assert milestone_deps("M1.1") == set()
    assert milestone_deps("M1.2") == {ref["M1.1"]}
    assert milestone_deps("M1.3") == {ref["M1.1"]}
    assert milestone_deps("M1.4") == {ref["M1.3"]}
    assert milestone_deps("M1.5") == {ref["M1.2"], ref["M1.3"]}
    assert milestone_deps("M1.6") == {ref["M1.2"], ref["M1.3"], ref["M1.4"], ref["M1.5"]}
    assert tasks[ref["M1.6"]].role == "devops"
    assert tasks[ref["M1.4"]].title.endswith("(M1.4)")
    qa = next(t for t in plan.tasks if t.role == "qa")
    assert "Docker Compose brings up the full local stack" in qa.acceptance_criteria


def test_seed_003_tracks_are_four_parallel_implementations():
    plan = build_plan(SEED_003_PHASE_1)
    batches = validate_plan(plan)
    tracks = [t for t in plan.tasks if t.requirement]
    assert len(tracks) == 4
    assert [t.title[-9:] for t in tracks] == ["(Track A)", "(Track B)", "(Track C)", "(Track D)"]
    assert [t.role for t in tracks] == ["backend", "frontend", "devops", "backend"]
    assert any(set(batch) == {t.ref for t in tracks} for batch in batches)
    assert not any("Week 2" in (t.requirement or "") for t in plan.tasks), "integration points are notes"
    architecture = next(t for t in plan.tasks if t.role == "backend-architect")
    assert "API contract freeze" in architecture.description


def test_seed_000_phase_list():
    plan = build_plan(SEED_000_PHASE_1)
    validate_plan(plan)
    assert plan.issue_type == "backend-feature"
    assert plan.brief.startswith("Phase 1: Foundation (Sprint 1-2)")
    implementations = [t for t in plan.tasks if t.requirement]
    assert len(implementations) == 6
    assert only(plan, "Docker Compose").role == "devops"
    assert only(plan, "Product service").title == "Fully implement product service (reference implementation)"
    assert only(plan, "Gateway").title.startswith("Implement gateway: routing")
    assert any(t.role == "security" for t in plan.tasks), "JWT auth and registration are sensitive"
    assert any(t.role == "database-architect" for t in plan.tasks)


def test_small_requests_follow_their_own_workflow():
    devops = build_plan("Our CircleCI pipeline is failing on the staging deployment")
    assert devops.issue_type == "devops"
    assert [t.role for t in devops.tasks] == ["backend-architect", "devops", "qa"]
    assert devops.tasks[1].title == "Fix: our CircleCI pipeline is failing on the staging deployment"
    assert (
        devops.tasks[0].title
        == "Assess service impact of “Our CircleCI pipeline is failing on the staging deployment”"
    )

    incident = build_plan("Checkout API returns 500 errors since this morning's deploy; error rate spiked")
    assert incident.issue_type == "production-error"
    assert [t.role for t in incident.tasks] == [
        "error-detective",
        "backend-architect",
        "backend",
        "error-detective",
    ]
    assert incident.tasks[0].priority.value == "critical"

    database_error = build_plan("The app crashes with a deadlock exception in the orders database")
    assert [t.role for t in database_error.tasks][:2] == ["error-detective", "database-architect"]

    research = build_plan("Research which library we should use for PDF generation")
    assert research.issue_type == "research"
    assert [t.role for t in research.tasks] == ["search-specialist", "backend-architect", "context-manager"]

    security = build_plan("Pentest found an XSS vulnerability in the comment form (CVE-2024-1234)")
    assert security.issue_type == "security" and security.reviewer == "security"
    assert [t.role for t in security.tasks] == [
        "security",
        "search-specialist",
        "backend-architect",
        "backend",
        "devops",
    ]

    mcp = build_plan("Set up an MCP server so agents can read our Jira tickets")
    assert mcp.issue_type == "integration"
    assert any(t.title.startswith("Create the MCP server configuration") for t in mcp.tasks)


def test_a_requirement_asking_for_api_and_ui_gets_two_tasks():
    plan = build_plan(
        "- Customers see their order history on a page, served by a new API endpoint\n- Export invoices"
    )
    history = by_requirement(plan, "order history")
    assert [t.role for t in history] == ["backend", "frontend"]
    assert history[1].depends_on[-1] == history[0].ref
    assert history[0].title.endswith("— API") and history[1].title.endswith("— UI")


def test_dependency_cycles_in_the_request_are_broken():
    plan = build_plan("- R1: build A (depends on R2)\n- R2: build B (depends on R1)\n- R3: build C after R1")
    validate_plan(plan)
    a, b, c = (only(plan, name) for name in ("build A", "build B", "build C"))
    assert b.ref in a.depends_on and a.ref not in b.depends_on
    assert a.ref in c.depends_on


def test_optional_requirements_are_low_priority():
    plan = build_plan(
        "Requirements:\n- Users can log in\n- Users can reset a password\n\nNice to have:\n- Dark mode"
    )
    assert only(plan, "Dark mode").priority.value == "low"
    assert only(plan, "log in").priority.value != "low"


@pytest.mark.parametrize(
    "request_text",
    [
        "",
        "   \n\t ",
        "x",
        "Fix it.",
        "Add CSV export.",
        "<!channel> please build a login page with <https://example.com|this design> for <@U123>",
        "Ünïcödé 🚀 — créer un tableau de bord pour les commandes. 日本語のテキスト。",
        "\n".join(f"- Requirement {i}: users can do thing {i}" for i in range(40)),
        "| a | b |\n|---|---|\n| | |\n",
        "Requirements:\n\nSuccess Criteria:\n- fast",
        "- " + "very long requirement " * 200,
        "### Title only",
        "- M1 — A | M2 — B (depends on M1–M9)\n- M2: thing (after M1.0–M1.99)",
    ],
)
def test_odd_input_always_gives_a_valid_plan(request_text):
    plan = build_plan(request_text)
    validate_plan(plan)
    assert 1 <= len(plan.tasks) <= MAX_PLAN_TASKS
    assert not plan.rationale.startswith("Fallback"), plan.rationale
    assert "<!channel>" not in plan.model_dump_json()
    assert any(t.requirement for t in plan.tasks)


def test_forty_bullets_are_capped():
    plan = build_plan("\n".join(f"- Users can do thing {i}" for i in range(40)))
    assert len([t for t in plan.tasks if t.requirement]) == 25
    assert plan.not_planned.startswith("It covers the first 25 of the request's 40 requirements")
    assert "the other 15, from the 26th on, are not planned" in plan.not_planned
    assert "left out" not in plan.rationale and "40" not in plan.rationale  # said once, not in the paragraph


def test_a_plan_that_covers_everything_says_nothing_is_left_out():
    assert build_plan("\n".join(f"- Users can do thing {i}" for i in range(5))).not_planned == ""


def test_an_empty_request_asks_for_clarification():
    plan = build_plan("  ")
    assert plan.brief == "Untitled request"
    assert any(t.title.startswith("Clarify what is being asked") for t in plan.tasks)


def test_imperative_titles():
    assert imperative_title("Users can create orders") == "Let users create orders"
    assert imperative_title("Orders contain line items") == "Implement orders that contain line items"
    assert (
        imperative_title("Payment processing integration required")
        == "Implement payment processing integration"
    )
    assert imperative_title("Infrastructure setup (DevOps-Agent)", "Set up") == "Set up infrastructure"
    assert (
        imperative_title("Shared packages stable: `pkg/logger`")
        == "Make shared packages stable: `pkg/logger`"
    )
    assert imperative_title("We need to export orders as CSV") == "Export orders as CSV"
    assert imperative_title("Emails should go out within 5 minutes") == "Make emails go out within 5 minutes"
    assert imperative_title("Admin dashboard", "Build") == "Build admin dashboard"


def test_offline_brain_plan_method():
    master = next(a for a in DEFAULT_ROSTER if a.id == "master")
    result = OfflineBrain().plan(PlanContext(request=SEED_002_REQUEST, requested_by="U1"), master)
    assert result.brain == "offline" and result.usage == [] and result.fallback_reason is None
    assert result.value == build_plan(SEED_002_REQUEST), "deterministic"
