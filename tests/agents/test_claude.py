"""The Claude brain against a local stub of the Messages API."""

from __future__ import annotations

import json

import pytest

from agents.brain import PlanContext, ReviewContext, WorkContext
from agents.claude import ClaudeBrain
from agents.offline import OfflineBrain
from agents.roster import find_agent, roster_for
from maestro.models import Assignee, Task
from maestro.plans import Deliverable, Plan
from maestro.settings import build_settings
from sandbox.anthropic_stub import AnthropicStub
from sandbox.claude_responder import offline_responder
from sandbox.examples import ORDER_MANAGEMENT

ROSTER = roster_for([])
MASTER = find_agent(ROSTER, "master")

GOOD_PLAN = {
    "brief": "Password reset by email",
    "issue_type": "backend-feature",
    "workflow": "DESIGN → IMPLEMENT → REVIEW",
    "requirements": [
        {
            "id": "R1",
            "text": "Customers reset their password by email",
            "source": "Request",
            "kind": "functional",
        }
    ],
    "tasks": [
        {"ref": "P1", "title": "Design the reset flow", "role": "backend-architect"},
        {
            "ref": "P2",
            "title": "Build the reset endpoint",
            "role": "backend",
            "depends_on": ["P1"],
            "covers": ["R1"],
        },
    ],
}


@pytest.fixture
def stub():
    with AnthropicStub() as server:
        yield server


def brain(stub, **settings) -> ClaudeBrain:
    values = {
        "anthropic_api_key": "sk-ant-test",
        "anthropic_base_url": stub.base_url,
        "maestro_claude_timeout": 5,
        "maestro_claude_max_retries": 0,
        **settings,
    }
    return ClaudeBrain(build_settings(**values), OfflineBrain())


def plan(b: ClaudeBrain, request: str = "Let customers reset their password by email"):
    return b.plan(PlanContext(request=request, requested_by="U0ALICE"), MASTER)


def test_request_has_one_forced_tool_from_the_schema_cached_system_and_tier_model(stub):
    stub.queue_tool_use(None, GOOD_PLAN)
    result = plan(brain(stub, maestro_model_sonnet="claude-sonnet-test"))
    assert result.brain == "claude" and result.fallback_reason is None
    body = stub.requests_for()[0].body
    assert [t["name"] for t in body["tools"]] == ["submit_plan"]
    assert body["tools"][0]["input_schema"] == Plan.model_json_schema()
    assert "Triage" in body["tools"][0]["description"]
    assert body["tool_choice"] == {"type": "tool", "name": "submit_plan"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["system"][0]["text"] == MASTER.system_prompt
    assert body["model"] == "claude-sonnet-test" and body["model"] == result.model
    assert (
        "<context>" in body["messages"][0]["content"]
        and "reset their password" in body["messages"][0]["content"]
    )


def test_opus_tier_agent_uses_the_opus_model(stub):
    architect = find_agent(ROSTER, "database-architect")
    task = Task(
        key="T-1",
        team_id="T",
        channel_id="C",
        title="Design the schema",
        created_by="U1",
        assignee=Assignee(kind="agent", id="database-architect"),
    )
    stub.queue_tool_use(None, {"summary": "Schema", "body": "Tables: orders, line_items."})
    result = brain(stub, maestro_model_opus="claude-opus-test").work(WorkContext(agent=architect, task=task))
    assert result.model == "claude-opus-test" and stub.requests_for()[0].body["model"] == "claude-opus-test"
    assert (
        architect.system_prompt not in stub.requests_for()[0].body["messages"][0]["content"]
    )  # only in system
    assert stub.requests_for()[0].body["tools"][0]["name"] == "submit_deliverable"


def test_tool_use_answer_is_parsed_and_usage_reported(stub):
    stub.queue_tool_use(
        None,
        GOOD_PLAN,
        usage={
            "input_tokens": 1200,
            "output_tokens": 300,
            "cache_read_input_tokens": 900,
            "cache_creation_input_tokens": 0,
        },
    )
    result = plan(brain(stub))
    assert [t.ref for t in result.value.tasks] == ["P1", "P2"]
    assert result.usage[0].input_tokens == 1200 and result.usage[0].cache_read_input_tokens == 900


def test_invalid_answer_gets_one_repair_round(stub):
    stub.queue_tool_use(None, {**GOOD_PLAN, "tasks": [{"ref": "X1", "title": "?", "role": "wizard"}]})
    stub.queue_tool_use(None, GOOD_PLAN)
    result = plan(brain(stub))
    assert result.brain == "claude" and len(result.usage) == 2
    repair = stub.requests_for()[1].body["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    tool_result = repair[2]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["is_error"] is True
    assert tool_result["tool_use_id"] == repair[1]["content"][0]["id"]
    assert "wizard" in tool_result["content"] and "submit_plan" in tool_result["content"]


def test_a_plan_with_a_cycle_is_repaired_then_falls_back(stub):
    cyclic = {
        **GOOD_PLAN,
        "tasks": [
            {"ref": "P1", "title": "Design it", "role": "backend-architect", "depends_on": ["P2"]},
            {"ref": "P2", "title": "Build it", "role": "backend", "depends_on": ["P1"]},
        ],
    }
    stub.queue_tool_use(None, cyclic)
    stub.queue_tool_use(None, cyclic)
    result = plan(brain(stub))
    assert "P1 → P2 → P1" in stub.requests_for()[1].body["messages"][2]["content"][0]["content"]
    assert result.brain == "offline" and result.fallback_reason == "Claude's answer didn't validate, twice"
    assert len(result.usage) == 2  # both calls are still counted


def test_a_plan_leaving_a_requirement_uncovered_is_repaired(stub):
    uncovered = {
        **GOOD_PLAN,
        "requirements": [
            *GOOD_PLAN["requirements"],
            {"id": "A1", "text": "The reset link expires after an hour", "kind": "acceptance"},
            {"id": "X1", "text": "SMS reset", "kind": "out_of_scope"},
        ],
    }
    stub.queue_tool_use(None, uncovered)
    fixed = {
        **uncovered,
        "tasks": [
            *GOOD_PLAN["tasks"],
            {
                "ref": "P3",
                "title": "Test the reset link",
                "role": "qa",
                "depends_on": ["P2"],
                "covers": ["A1"],
            },
        ],
    }
    stub.queue_tool_use(None, fixed)
    result = plan(brain(stub))
    repair = stub.requests_for()[1].body["messages"][2]["content"][0]["content"]
    assert "no task covers A1 (acceptance: “The reset link expires after an hour”)" in repair
    assert "X1" not in repair  # out of scope needs no task
    assert result.brain == "claude" and [t.ref for t in result.value.tasks] == ["P1", "P2", "P3"]


def test_a_plan_taking_on_an_out_of_scope_line_is_repaired(stub):
    taken = {
        **GOOD_PLAN,
        "requirements": [
            *GOOD_PLAN["requirements"],
            {"id": "X1", "text": "SMS reset", "kind": "out_of_scope"},
        ],
        "tasks": [
            *GOOD_PLAN["tasks"],
            {"ref": "P3", "title": "Build SMS reset", "role": "backend", "covers": ["X1"]},
        ],
    }
    stub.queue_tool_use(None, taken)
    stub.queue_tool_use(None, GOOD_PLAN)
    result = plan(brain(stub))
    assert "P3 covers X1 (“SMS reset”), which the request puts out of scope" in json.dumps(
        stub.requests_for()[1].body["messages"], ensure_ascii=False
    )
    assert result.brain == "claude"


def test_a_text_answer_and_a_cut_off_answer_are_invalid(stub):
    stub.queue_text("Sure! Here is a plan: …")
    stub.queue_max_tokens({"brief": "Pass"})
    result = plan(brain(stub))
    assert result.brain == "offline"
    assert "no call of the tool" in json.dumps(stub.requests_for()[1].body["messages"])


def test_overloaded_after_the_sdk_retries_falls_back_and_says_why(stub):
    for _ in range(3):
        stub.queue_error(529, "overloaded_error", retry_after=0.01)
    result = plan(brain(stub, maestro_claude_max_retries=2))
    assert len(stub.requests_for()) == 3  # the SDK retried twice
    assert result.brain == "offline" and result.fallback_reason == "Claude was overloaded (529)"
    assert result.value.tasks  # the offline brain's plan


def test_timeout_falls_back(stub):
    stub.queue_delay(2)
    result = plan(brain(stub, maestro_claude_timeout=0.5))
    assert result.brain == "offline" and result.fallback_reason == "Claude didn't answer within 0.5 s"


def test_refused_request_falls_back(stub):
    stub.queue_error(401, "authentication_error")
    assert plan(brain(stub)).fallback_reason == "Claude refused the request (401)"


def test_review_and_reply_tools(stub):
    reviewer = find_agent(ROSTER, "code-reviewer")
    task = Task(key="T-2", team_id="T", channel_id="C", title="Build it", created_by="U1")
    stub.queue_tool_use(None, {"verdict": "REJECTED", "summary": "No tests", "must_fix": ["Add tests"]})
    verdict = brain(stub).review(
        ReviewContext(reviewer=reviewer, task=task, deliverable=Deliverable(summary="Code", body="..."))
    )
    assert verdict.value.verdict == "REJECTED" and verdict.value.must_fix == ["Add tests"]
    assert stub.requests_for()[0].body["tool_choice"]["name"] == "submit_review"


def test_offline_responder_gives_a_realistic_plan_through_the_claude_path(stub):
    stub.responder = offline_responder
    result = plan(brain(stub), ORDER_MANAGEMENT)
    assert result.brain == "claude" and len(result.value.tasks) == 12
    assert {r.id for r in result.value.requirements} >= {"R1", "R7", "A1", "A4"}
