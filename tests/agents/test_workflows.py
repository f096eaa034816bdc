"""Seed 004's workflows as data."""

from __future__ import annotations

import pytest

from agents.roster import DEFAULT_ROSTER
from agents.workflows import CONDITION_TEXT, CONTEXT_SAVE, WORKFLOWS, workflow_for
from maestro.models import AGENT_ROLES
from maestro.plans import ISSUE_TYPES


def names(issue_type: str) -> list[str]:
    return [step.name for step in workflow_for(issue_type).steps]


def roles(issue_type: str) -> list[str]:
    return [step.role for step in workflow_for(issue_type).steps]


def test_every_issue_type_has_a_workflow_with_known_roles():
    assert set(WORKFLOWS) == set(ISSUE_TYPES)
    reviewers = {a.id for a in DEFAULT_ROSTER if "review" in a.produces}
    for issue_type in ISSUE_TYPES:
        workflow = workflow_for(issue_type)
        assert workflow.issue_type == issue_type
        assert workflow.reviewer in reviewers
        assert all(step.role in AGENT_ROLES for step in workflow.steps)
        assert len(workflow.steps_of("implement")) == 1
        assert workflow.steps[0].name == "TRIAGE" and workflow.steps[0].kind == "gate"
        assert "REVIEW" in names(issue_type)
        assert " → " in workflow.pattern and len(f"{workflow.name}: {workflow.pattern}") <= 200
        assert sum(step.carries_success_criteria for step in workflow.steps) == 1


def test_backend_feature_is_seed_004_workflow_2():
    workflow = workflow_for("backend-feature")
    assert workflow.pattern == "DESIGN → IMPLEMENT → REVIEW → APPROVE"
    assert names("backend-feature") == [
        "TRIAGE",
        "ARCHITECTURE",
        "DATABASE DESIGN",
        "IMPLEMENTATION",
        "REVIEW",
        "SECURITY REVIEW",
        "TEST PLAN",
        "CONTEXT SAVE",
    ]
    database = workflow.steps[2]
    assert (database.role, database.condition, database.seed_role) == (
        "database-architect",
        "data-model-changes",
        "database-architect",
    )
    implement = workflow.steps_of("implement")[0]
    assert implement.role == "backend" and implement.seed_role == "principal-software-engineer"
    assert {"frontend", "devops", "qa", "security"} <= set(implement.specialists)
    assert workflow.steps[-1] is CONTEXT_SAVE and CONTEXT_SAVE.condition == "large-request"
    assert [s.name for s in workflow.steps if s.added] == ["SECURITY REVIEW", "TEST PLAN"]


def test_seed_roles_are_mapped_onto_the_roster():
    devops = workflow_for("devops")
    assert devops.name == "devops-pipeline"
    assert roles("devops")[:3] == ["master", "backend-architect", "devops"]
    assert devops.steps[2].seed_role == "devops-engineer"
    assert devops.steps[1].condition == "services-affected"

    database = workflow_for("database-performance")
    assert database.pattern == "INVESTIGATE → DIAGNOSE → FIX → VALIDATE"
    investigate, _review, implement = database.steps[1], database.steps[2], database.steps_of("implement")[0]
    assert (investigate.role, investigate.seed_role) == ("database-architect", "database-optimization")
    assert (implement.role, implement.seed_role) == ("backend", "database-optimization")

    errors = workflow_for("production-error")
    assert errors.name == "error-investigation"
    assert names("production-error") == ["TRIAGE", "DETECT", "ANALYZE", "FIX", "REVIEW", "MONITOR"]
    assert (
        roles("production-error")[1] == "error-detective"
        and roles("production-error")[-1] == "error-detective"
    )

    integration = workflow_for("integration")
    mcp = next(s for s in integration.steps if s.name == "MCP CREATION")
    assert (mcp.role, mcp.seed_role, mcp.condition) == ("backend", "mcp-expert", "mcp-needed")
    assert roles("integration")[1] == "search-specialist"


def test_security_is_reviewed_by_security():
    workflow = workflow_for("security")
    assert workflow.reviewer == "security"
    assert names("security") == [
        "TRIAGE",
        "ASSESS",
        "RESEARCH",
        "ARCHITECTURE",
        "IMPLEMENTATION",
        "REVIEW",
        "VALIDATION",
    ]
    assert workflow.steps[2].condition == "unknown-vulnerability"
    assert workflow.steps[-1].role == "devops"
    assert all(w.reviewer == "code-reviewer" for t, w in WORKFLOWS.items() if t != "security")


def test_research_follows_pattern_3():
    workflow = workflow_for("research")
    assert [s.kind for s in workflow.steps_of("implement")] == ["implement"]
    assert workflow.steps_of("implement")[0].role == "search-specialist"
    assert [s.role for s in workflow.steps_of("after")] == ["backend-architect", "context-manager"]


def test_describe_names_roles_and_conditions():
    text = workflow_for("backend-feature").describe()
    assert text.startswith("TRIAGE (master) → ARCHITECTURE (backend-architect) → DATABASE DESIGN")
    assert f"[{CONDITION_TEXT['data-model-changes']}]" in text


def test_unknown_issue_type():
    with pytest.raises(KeyError, match="issue types: backend-feature"):
        workflow_for("marketing")
