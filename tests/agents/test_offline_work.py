"""The offline brain's drafts, and its review gate as a checklist for a person (never a verdict)."""

from __future__ import annotations

import pytest

from agents.brain import DependencyWork, ReviewContext, WorkContext
from agents.offline import OFFLINE_NOTICE, OfflineBrain, build_plan, find_secrets, gate_checklist
from agents.roster import DEFAULT_ROSTER
from maestro.models import Assignee, Task
from maestro.plans import Deliverable, FileSnippet, GateChecklist, PlannedTask

ROSTER = {agent.id: agent for agent in DEFAULT_ROSTER}
REQUEST = """\
Feature Name: Order Management
Requirements:
- Users can create, modify, and cancel orders
- Payment processing integration required
- Order status tracking (pending, shipped, delivered)
- Admin dashboard for order management
- CI pipeline deploys every merge to staging
- Email notifications on status changes
Success Criteria:
- 95% order success rate
"""
PLAN = build_plan(REQUEST)
BRAIN = OfflineBrain()


def as_task(planned: PlannedTask, number: int = 7) -> Task:
    return Task(
        key=f"T-{number}",
        team_id="T1",
        channel_id="C1",
        title=planned.title,
        description=planned.description,
        assignee=Assignee(kind="agent", id=planned.role),
        priority=planned.priority,
        acceptance_criteria=planned.acceptance_criteria,
        expected_outputs=planned.expected_outputs,
        depends_on=["T-1"] if planned.depends_on else [],
        created_by="U1",
    )


def task_for(role: str) -> Task:
    return as_task(next(t for t in PLAN.tasks if t.role == role))


def work(task: Task, **kwargs) -> Deliverable:
    role = task.assignee.id
    result = BRAIN.work(WorkContext(agent=ROSTER[role], task=task, plan_brief=PLAN.brief, **kwargs))
    assert result.brain == "offline"
    return result.value


def review(task: Task, deliverable: Deliverable, attempt: int = 1):
    result = BRAIN.review(
        ReviewContext(reviewer=ROSTER["code-reviewer"], task=task, deliverable=deliverable, attempt=attempt)
    )
    assert result.brain == "offline"
    return result.value


def test_the_plan_has_every_kind_of_task():
    assert {t.role for t in PLAN.tasks} >= {
        "backend-architect",
        "database-architect",
        "backend",
        "frontend",
        "devops",
        "qa",
        "security",
    }


@pytest.mark.parametrize("planned", PLAN.tasks, ids=lambda t: f"{t.ref}-{t.role}")
def test_every_deliverable_is_a_labelled_draft_that_ticks_nothing(planned):
    task = as_task(planned)
    deliverable = work(task)
    assert deliverable.body.splitlines()[0] == OFFLINE_NOTICE
    assert "DRAFT" in OFFLINE_NOTICE and "not written by a model" in OFFLINE_NOTICE
    assert deliverable.criteria_met == [], "nobody checked the criteria: the draft claims none"
    assert "[x]" not in deliverable.body
    for criterion in task.acceptance_criteria:
        assert f"[ ] {criterion}" in deliverable.body
    assert deliverable.summary.startswith("Draft ") and task.key in deliverable.summary
    assert len(deliverable.body) <= 8000
    checklist = review(task, deliverable)
    assert isinstance(checklist, GateChecklist), "the offline brain never gives a verdict"
    assert checklist.items[: len(task.acceptance_criteria)] == task.acceptance_criteria
    assert checklist.flags == []


def test_deliverables_differ_by_role():
    bodies = {}
    for role, heading, snippet in [
        ("backend-architect", "*API contract*", "docs/api/openapi.yaml"),
        ("database-architect", "*Migration plan*", "migrations/"),
        ("backend", "*Validation, error handling and logging*", None),
        ("frontend", "*Accessibility and performance*", None),
        ("devops", "*Rollout and rollback*", ".github/workflows/ci.yml"),
        ("qa", "*Acceptance criteria mapping*", None),
        ("security", "*OWASP Top 10 checklist*", None),
        ("context-manager", "*Decision record*", None),
    ]:
        deliverable = work(task_for(role))
        assert heading in deliverable.body, role
        names = [f.name for f in deliverable.files]
        if snippet:
            assert names and names[0].startswith(snippet), (role, names)
        else:
            assert names == [], role
        bodies[role] = deliverable.body
    assert len(set(bodies.values())) == len(bodies)


def test_file_snippets_are_usable_skeletons():
    migration = work(task_for("database-architect")).files[0]
    assert migration.language == "sql"
    assert "CREATE TABLE orders (" in migration.content
    assert "-- migrate:down" in migration.content and "DROP TABLE IF EXISTS orders;" in migration.content
    openapi = work(task_for("backend-architect")).files[0]
    assert openapi.content.startswith("openapi: 3.0.3") and "/v1/orders/{id}:" in openapi.content
    assert "Create an order" in openapi.content
    ci = work(task_for("devops")).files[0]
    assert "${{ secrets.DEPLOY_TOKEN }}" in ci.content and "rollback" in ci.content
    for snippet in (migration, openapi, ci):
        assert find_secrets(snippet.content) == []


def test_dependencies_summaries_are_used():
    dependency = DependencyWork(
        key="T-1", title="Design API", role="backend-architect", summary="Contract: POST /v1/orders."
    )
    deliverable = work(task_for("backend"), dependencies=[dependency])
    assert "T-1 Design API (backend-architect): Contract: POST /v1/orders." in deliverable.body
    assert not any("were not available" in q for q in deliverable.open_questions)
    missing = work(task_for("backend"))
    assert any("T-1 were not available" in q for q in missing.open_questions)


def test_attempt_two_addresses_each_review_item():
    task = task_for("backend")
    feedback = [
        "Remove a hard-coded credential from config.yml (`passwo…`)",
        f"Cover acceptance criterion “{task.acceptance_criteria[0]}”: it is neither met nor addressed",
        "Add tests for the new functionality: the deliverable names none",
    ]
    first = work(task, review_feedback=feedback, attempt=1)
    assert "Review feedback addressed" not in first.body, "attempt 1 has no feedback to address"
    second = work(task, review_feedback=feedback, attempt=2)
    assert "*Review feedback addressed (attempt 2)*" in second.body
    for item in feedback:
        assert f"Must fix: {item} →" in second.body
    assert "read from the environment" in second.body
    assert "answers 3 review items" in second.summary
    assert review(task, second, attempt=2).flags == []


def test_checklist_flags_a_criterion_the_work_never_mentions():
    task = task_for("backend")
    deliverable = work(task)
    dropped = task.acceptance_criteria[1]
    broken = deliverable.model_copy(update={"body": deliverable.body.replace(dropped, "(left out)")})
    checklist = review(task, broken)
    assert checklist.flags == [f"The work never mentions criterion “{dropped}”"]
    assert dropped in checklist.items, "the person still checks every criterion"


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("DB_URL=postgres://app@db/app\npassword=hunter2hunter2\n", "a hard-coded credential"),
        ("aws:\n  key_id: AKIAIOSFODNN7EXAMPLE\n", "an AWS access key"),
        ("SLACK_BOT_TOKEN: xoxb-1234567890-abcdefghij\n", "a Slack token"),
        ('client = Anthropic(api_key_value="sk-ant-abcdefghijklmnop")\n', "an API key (sk-…)"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", "a private key"),
    ],
)
def test_checklist_flags_secret_looking_strings(content, what):
    task = task_for("devops")
    deliverable = work(task)
    leaky = deliverable.model_copy(update={"files": [FileSnippet(name="deploy/config.yml", content=content)]})
    checklist = review(task, leaky)
    assert any(item.startswith(f"deploy/config.yml holds {what}") for item in checklist.flags), (
        checklist.flags
    )
    dumped = checklist.model_dump_json()
    assert "hunter2hunter2" not in dumped and "abcdefghijklmnop" not in dumped


def test_checklist_flags_a_secret_in_the_body():
    task = task_for("backend")
    deliverable = work(task)
    leaky = deliverable.model_copy(update={"body": deliverable.body + "\nUse api_key=live1234abcd for now."})
    assert any(item.startswith("The body holds") for item in review(task, leaky).flags)


@pytest.mark.parametrize(
    "content",
    [
        "env:\n  DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n",
        "environment:\n  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n",
        "password: <set in the secret store>\n",
        "# never log a password or token\n",
    ],
)
def test_references_to_secrets_are_not_secrets(content):
    assert find_secrets(content) == []


def test_checklist_flags_other_must_pass_failures():
    task = task_for("backend")
    deliverable = work(task)
    sql = FileSnippet(name="repo.py", content='cursor.execute(f"SELECT * FROM orders WHERE id = {order_id}")')
    drop = FileSnippet(name="migrations/002.sql", content="ALTER TABLE orders DROP COLUMN note;")
    flags = review(task, deliverable.model_copy(update={"files": [sql, drop]})).flags
    assert "repo.py builds SQL from strings (injection risk)" in flags
    assert "migrations/002.sql drops data with no down or rollback step" in flags

    no_tests = Deliverable(summary="Did it.", body="Implemented the thing as asked.")
    assert "Implementation work that names no tests" in review(task, no_tests).flags


def test_gate_checklist_is_pure_and_deterministic():
    task = task_for("qa")
    deliverable = work(task)
    assert gate_checklist(task, deliverable) == gate_checklist(task, deliverable)
    assert work(task) == work(task)
