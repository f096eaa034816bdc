"""The offline planner on the seeds' real requests, and on odd input."""

from __future__ import annotations

import pytest

from agents.brain import PlanContext
from agents.offline import OfflineBrain, build_plan, imperative_title
from agents.roster import DEFAULT_ROSTER
from maestro.plans import MAX_PLAN_TASKS, Plan, validate_plan
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


def covering(plan: Plan, fragment: str) -> list:
    ids = {r.id for r in plan.requirements if fragment in r.text}
    return [t for t in plan.tasks if ids & set(t.covers)]


def waits_for(plan: Plan, later, earlier) -> bool:
    """``later`` waits (directly or not) for ``earlier``."""
    by_ref = {t.ref: t for t in plan.tasks}
    seen, stack = set(), list(later.depends_on)
    while stack:
        ref = stack.pop()
        if ref == earlier.ref:
            return True
        if ref not in seen:
            seen.add(ref)
            stack.extend(by_ref[ref].depends_on)
    return False


@pytest.fixture(scope="module")
def seed_002_plan() -> Plan:
    return build_plan(SEED_002_REQUEST)


def test_seed_002_keeps_its_12_task_6_batch_shape(seed_002_plan):
    plan = seed_002_plan
    assert plan.issue_type == "backend-feature" and plan.confidence == "high"
    assert plan.workflow.startswith("backend-feature: DESIGN → IMPLEMENT → REVIEW → APPROVE")
    assert plan.reviewer == "code-reviewer"
    assert "7 things to build" in plan.type_reason and "\n" not in plan.type_reason
    assert plan.brief.startswith("E-Commerce Order Management System: Enable customers to place orders")
    batches = validate_plan(plan)
    assert len(plan.tasks) == 12 and len(batches) == 6
    assert [t.ref for t in plan.tasks] == [f"P{n}" for n in range(1, 13)]
    assert [ref for batch in batches for ref in batch] == [t.ref for t in plan.tasks], "numbered in run order"


def test_seed_002_traces_every_requirement_to_a_task(seed_002_plan):
    plan = seed_002_plan
    kinds = [(r.id, r.kind) for r in plan.requirements]
    assert kinds[:7] == [(f"R{n}", "functional") for n in range(1, 8)]
    assert kinds[7:] == [(f"A{n}", "acceptance") for n in range(1, 5)]
    assert plan.requirements[0].source == "Requirements, item 1"
    assert plan.requirements[7].source == "Success Criteria, item 1"
    assert all(covering(plan, r.text) for r in plan.requirements), "validate_plan requires it"
    load = covering(plan, "< 2 second order placement time")
    assert [t.role for t in load] == ["qa"] and load[0].title.startswith("Load-test")


def test_seed_002_designs_then_builds_in_data_flow_order(seed_002_plan):
    plan = seed_002_plan
    batches = validate_plan(plan)
    tasks = {t.ref: t for t in plan.tasks}
    assert [tasks[r].role for r in batches[0]] == ["backend-architect"]
    schema = only(plan, "Orders contain")
    assert schema.role == "database-architect" and schema.kind == "code"
    assert (
        schema.title == "Create the database schema for orders and line items (with products and quantities)"
    )
    create = only(plan, "create, modify, and cancel")
    assert waits_for(plan, create, schema), "orders are stored before they are created"
    assert waits_for(plan, only(plan, "Inventory must be reserved"), create), "create before process"
    assert waits_for(plan, only(plan, "Email notifications"), only(plan, "Order status tracking"))
    dashboard = only(plan, "Admin dashboard")
    assert dashboard.role == "frontend" and waits_for(plan, dashboard, create), "report after create"
    security = [t for t in plan.tasks if t.role == "security"]
    assert len(security) == 1 and security[0].depends_on == [only(plan, "Payment processing").ref]
    assert [t.role for t in plan.tasks].count("context-manager") == 1, "7 requirements is a large request"


def test_seed_002_titles_read_like_an_engineer_s(seed_002_plan):
    assert [t.title for t in seed_002_plan.tasks if t.requirement] == [
        "Create the database schema for orders and line items (with products and quantities)",
        "Let users create, modify, and cancel orders",
        "Integrate payment processing",
        "Reserve inventory when order is placed",
        "Track order status",
        "Send email notifications on status changes",
        "Build the admin dashboard for order management",
    ]
    status = only(seed_002_plan, "Order status tracking")
    assert "Covers each of: pending, confirmed, shipped, delivered, cancelled" in status.acceptance_criteria


def test_every_task_is_a_full_task_assignment(seed_002_plan):
    for task in seed_002_plan.tasks:
        assert 3 <= len(task.title) <= 140 and task.title[0].isupper(), task.title
        assert task.description, task.title
        assert 1 <= len(task.acceptance_criteria) <= 12, (task.title, task.acceptance_criteria)
        assert len(set(task.acceptance_criteria)) == len(task.acceptance_criteria)
        assert task.expected_outputs
        assert 1 <= task.estimate_days <= 30
    assert "Entities suggested" not in seed_002_plan.model_dump_json(), "no invented entities"


def test_seed_001_milestone_dependencies_are_mirrored():
    plan = build_plan(SEED_001_PHASE_1)
    validate_plan(plan)
    assert plan.issue_type in ("backend-feature", "project")
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
    assert milestone_deps("M1.6") == {ref["M1.4"], ref["M1.5"]}, "M1.2 and M1.3 come through M1.5"
    gate = {r.text for r in plan.requirements if r.kind == "acceptance"}
    assert "Docker Compose brings up the full local stack" in gate


def test_seed_003_tracks_are_four_parallel_implementations():
    plan = build_plan(SEED_003_PHASE_1)
    batches = validate_plan(plan)
    tracks = [t for t in plan.tasks if t.requirement]
    assert len(tracks) == 4
    assert [t.role for t in tracks] == ["backend", "frontend", "devops", "backend"]
    assert any(set(batch) == {t.ref for t in tracks} for batch in batches)
    assert not any("Week 2" in (t.requirement or "") for t in plan.tasks), "integration points are notes"


def test_seed_000_phase_list():
    plan = build_plan(SEED_000_PHASE_1)
    validate_plan(plan)
    assert plan.issue_type == "backend-feature"
    assert plan.brief.startswith("Phase 1: Foundation (Sprint 1-2)")
    implementations = [t for t in plan.tasks if t.requirement]
    assert len(implementations) == 6
    assert only(plan, "Docker Compose").role == "devops"
    assert only(plan, "Shared packages").title == "Make shared packages stable"
    assert only(plan, "Gateway").title.startswith("Implement the gateway")
    assert any(t.role == "security" for t in plan.tasks), "JWT auth and registration are sensitive"


def test_small_requests_follow_their_own_workflow():
    devops = build_plan("Our CircleCI pipeline is failing on the staging deployment")
    assert devops.issue_type == "devops"
    assert [t.role for t in devops.tasks] == ["devops", "qa", "devops"]
    assert devops.tasks[0].title == "Fix our CircleCI pipeline failing on the staging deployment"
    assert any("infrastructure as code" in c for c in devops.tasks[0].acceptance_criteria)

    incident = build_plan("Checkout API returns 500 errors since this morning's deploy; error rate spiked")
    assert incident.issue_type == "production-error"
    steps = [t.role for t in incident.tasks]
    assert steps == [
        "devops",
        "error-detective",
        "backend-architect",
        "backend",
        "error-detective",
        "error-detective",
    ]
    assert incident.tasks[0].title.startswith("Contain") and incident.tasks[0].priority.value == "critical"
    assert incident.tasks[-1].title.startswith("Write the post-mortem")
    assert [t.title.startswith("Fix") for t in incident.tasks].count(True) == 1, (
        "one fix for the confirmed cause"
    )

    database_error = build_plan("The app crashes with a deadlock exception in the orders database")
    assert [t.role for t in database_error.tasks][1:3] == ["error-detective", "database-architect"]

    research = build_plan("Research which library we should use for PDF generation")
    assert research.issue_type == "research"
    assert [t.role for t in research.tasks] == ["search-specialist", "backend-architect", "context-manager"]

    security = build_plan("Pentest found an XSS vulnerability in the comment form (CVE-2024-1234)")
    assert security.issue_type == "security" and security.reviewer == "security"
    titles = [t.title for t in security.tasks]
    assert titles[0].startswith("Reproduce") and titles[-1].startswith("Ship a patched release")
    assert any(t.startswith("Add regression tests") for t in titles)
    assert not any("CVE-2024-1234" in c for t in security.tasks for c in t.acceptance_criteria), (
        "the vulnerability is not a criterion"
    )

    mcp = build_plan("Set up an MCP server so agents can read our Jira tickets")
    assert mcp.issue_type == "integration"


def test_a_requirement_asking_for_api_and_ui_gets_two_tasks():
    plan = build_plan(
        "- Customers see their order history on a page, served by a new API endpoint\n- Export invoices"
    )
    history = by_requirement(plan, "order history")
    assert [t.role for t in history] == ["backend", "frontend"]
    assert history[1].depends_on == [history[0].ref]
    assert history[0].title.endswith("— API") and history[1].title.endswith("— UI")


def test_dependency_cycles_in_the_request_are_broken():
    plan = build_plan("- R1: build A (depends on R2)\n- R2: build B (depends on R1)\n- R3: build C after R1")
    validate_plan(plan)
    a, b, c = (only(plan, name) for name in ("build A", "build B", "build C"))
    assert (b.ref in a.depends_on) != (a.ref in b.depends_on)
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
    assert any(t.covers for t in plan.tasks)


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
    assert imperative_title("Payment processing integration required") == "Integrate payment processing"
    assert (
        imperative_title("Inventory must be reserved when order is placed")
        == "Reserve inventory when order is placed"
    )
    assert imperative_title("Order status tracking (pending, confirmed, shipped)") == "Track order status"
    assert (
        imperative_title("Email notifications on status changes")
        == "Send email notifications on status changes"
    )
    assert imperative_title("We need to export orders as CSV") == "Export orders as CSV"
    assert imperative_title("Emails should go out within 5 minutes") == "Make emails go out within 5 minutes"
    assert imperative_title("Admin dashboard", verb="Build") == "Build the admin dashboard"
    assert (
        imperative_title("Shared packages stable: `pkg/logger`")
        == "Make shared packages stable: `pkg/logger`"
    )


@pytest.mark.parametrize(
    ("requirement", "title"),
    [
        ("Every return gets an RMA number", "Make sure every return gets an RMA number"),
        (
            "Refunds are issued once the warehouse has inspected the goods",
            "Issue refunds once the warehouse has inspected the goods",
        ),
        (
            "Production outage after we deployed v1.5.1 of the scanner API",
            "Resolve the production outage after we deployed v1.5.1 of the scanner API",
        ),
        (
            "upstream bodies no longer echoed back to the caller",
            "Stop echoing upstream bodies back to the caller",
        ),
        (
            "CalendarSyncService: polls every 3-5 min while online",
            "Build CalendarSyncService that polls every 3-5 min while online",
        ),
        (
            "Frontend: a workspace context-menu item plus an export modal",
            "Build a workspace context-menu item plus an export modal",
        ),
        ("CI pipeline deploys every merge to staging", "Make the CI pipeline deploy every merge to staging"),
    ],
)
def test_titles_never_glue_a_verb_onto_a_sentence(requirement, title):
    assert imperative_title(requirement) == title


def test_offline_brain_plan_method():
    master = next(a for a in DEFAULT_ROSTER if a.id == "master")
    result = OfflineBrain().plan(PlanContext(request=SEED_002_REQUEST, requested_by="U1"), master)
    assert result.brain == "offline" and result.usage == [] and result.fallback_reason is None
    assert result.value == build_plan(SEED_002_REQUEST), "deterministic"


def test_a_person_s_type_is_followed():
    master = next(a for a in DEFAULT_ROSTER if a.id == "master")
    ctx = PlanContext(request="Add a dark mode toggle to the settings page", issue_type="security")
    plan = OfflineBrain().plan(ctx, master).value
    assert plan.issue_type == "security" and plan.confidence == "high"
    assert plan.type_reason.startswith("Chosen by a person; the triage read it as frontend-feature")
    assert plan.tasks[0].title.startswith("Reproduce")


def test_no_api_and_ui_split_when_the_request_has_its_own_ui_requirement():
    plan = build_plan(
        "Requirements:\n"
        "- Add a feature flag; while it is off the new endpoint and the menu entry in the UI are hidden\n"
        "- New endpoint ExportView (POST) that starts the export job\n"
        "- Frontend: a menu item plus an export modal"
    )
    assert not any(t.title.endswith(("— API", "— UI")) for t in plan.tasks)
    ui = only(plan, "Frontend: a menu item")
    assert ui.role == "frontend" and waits_for(plan, ui, only(plan, "New endpoint ExportView"))
