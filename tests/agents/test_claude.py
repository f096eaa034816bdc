"""The Claude brain's agent loop against a local stub of the Messages API."""

from __future__ import annotations

import json

import pytest

from agents.brain import PlanContext, ReviewContext, WorkContext
from agents.claude import ClaudeBrain
from agents.loop import MemoryJournal, Session, give_result, pending_call
from agents.offline import OfflineBrain
from agents.roster import find_agent, roster_for
from agents.tools import READ_TOOLS, TERMINAL_TOOLS
from maestro.models import Assignee, Task
from maestro.plans import Deliverable, Plan, Question
from maestro.settings import build_settings
from sandbox.anthropic_stub import AnthropicStub
from sandbox.claude_responder import offline_responder
from sandbox.examples import ORDER_MANAGEMENT

ROSTER = roster_for([])
MASTER = find_agent(ROSTER, "master")
BACKEND = find_agent(ROSTER, "backend")

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
DELIVERABLE = {"summary": "The reset endpoint, designed.", "body": "POST /reset sends one email."}
TASK = Task(
    key="T-2",
    team_id="T",
    channel_id="C",
    title="Build the reset endpoint",
    created_by="U1",
    assignee=Assignee(kind="agent", id="backend"),
)


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


def work(b: ClaudeBrain, session: Session | None = None):
    return b.work(WorkContext(agent=BACKEND, task=TASK), session)


def names(body) -> list[str]:
    return [t["name"] for t in body["tools"]]


def test_each_turn_offers_the_read_tools_then_the_terminal_ones_with_a_stable_cached_prefix(stub):
    stub.queue_tool_use("read_task", {})
    stub.queue_tool_use("submit_deliverable", DELIVERABLE)
    result = work(brain(stub, maestro_model_sonnet="claude-sonnet-test"))
    assert result.brain == "claude" and result.value.summary == DELIVERABLE["summary"]
    first, second = (r.body for r in stub.requests_for())
    assert names(first) == [t.name for t in READ_TOOLS] + [t.name for t in TERMINAL_TOOLS]
    assert first["tool_choice"] == {"type": "any"} and first["model"] == "claude-sonnet-test"
    assert first["tools"] == second["tools"] and first["system"] == second["system"]  # byte-stable prefix
    # breakpoints: tools + team preamble (the same for every agent and call), then the role prompt
    assert [b.get("cache_control") for b in first["system"]] == [{"type": "ephemeral"}] * 2
    assert first["max_tokens"] == 8000  # a work turn's output limit
    # the conversation's last block is a breakpoint too: each turn reads the earlier ones from the cache
    assert second["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][2]["content"][0]["is_error"] is True  # no data to read without a session
    assert "read_dependency_work" in second["messages"][0]["content"][0]["text"]  # told to read first


def test_plans_have_a_larger_output_limit_and_the_opus_tier_its_model(stub):
    stub.queue_tool_use("submit_plan", GOOD_PLAN)
    assert plan(brain(stub)).brain == "claude"
    assert stub.requests_for()[0].body["max_tokens"] == 16000
    architect = find_agent(ROSTER, "database-architect")
    stub.queue_tool_use("submit_deliverable", DELIVERABLE)
    result = brain(stub, maestro_model_opus="claude-opus-test").work(WorkContext(agent=architect, task=TASK))
    assert result.model == "claude-opus-test" and stub.requests_for()[-1].body["model"] == "claude-opus-test"


def test_an_invalid_terminal_answer_goes_back_as_an_error_and_is_fixed(stub):
    stub.queue_tool_use(
        "submit_plan", {**GOOD_PLAN, "tasks": [{"ref": "X1", "title": "?", "role": "wizard"}]}
    )
    stub.queue_tool_use("submit_plan", GOOD_PLAN)
    result = plan(brain(stub))
    assert result.brain == "claude" and [t.ref for t in result.value.tasks] == ["P1", "P2"]
    assert len(result.usage) == 2
    repair = stub.requests_for()[1].body["messages"]
    tool_result = repair[2]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["is_error"] is True
    assert tool_result["tool_use_id"] == repair[1]["content"][0]["id"]
    assert "wizard" in tool_result["content"] and "submit_plan" in tool_result["content"]


def test_a_loop_that_never_validates_falls_back_after_its_turns(stub):
    cyclic = {
        **GOOD_PLAN,
        "tasks": [
            {"ref": "P1", "title": "Design it", "role": "backend-architect", "depends_on": ["P2"]},
            {"ref": "P2", "title": "Build it", "role": "backend", "depends_on": ["P1"]},
        ],
    }
    for _ in range(3):
        stub.queue_tool_use("submit_plan", cyclic)
    result = plan(brain(stub, maestro_agent_max_turns=3))
    assert "P1 → P2 → P1" in json.dumps(stub.requests_for()[1].body["messages"][2], ensure_ascii=False)
    assert stub.requests_for()[2].body["tool_choice"] == {"type": "tool", "name": "submit_plan"}  # last turn
    assert (
        result.brain == "offline"
        and result.fallback_reason == "Claude's answer didn't validate within 3 turns"
    )


def test_a_plan_leaving_a_requirement_uncovered_is_repaired(stub):
    uncovered = {
        **GOOD_PLAN,
        "requirements": [
            *GOOD_PLAN["requirements"],
            {"id": "A1", "text": "The reset link expires after an hour", "kind": "acceptance"},
            {"id": "X1", "text": "SMS reset", "kind": "out_of_scope"},
        ],
    }
    stub.queue_tool_use("submit_plan", uncovered)
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
    stub.queue_tool_use("submit_plan", fixed)
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
    stub.queue_tool_use("submit_plan", taken)
    stub.queue_tool_use("submit_plan", GOOD_PLAN)
    result = plan(brain(stub))
    assert "P3 covers X1 (“SMS reset”), which the request puts out of scope" in json.dumps(
        stub.requests_for()[1].body["messages"], ensure_ascii=False
    )
    assert result.brain == "claude"


def test_a_text_answer_and_a_cut_off_answer_get_another_turn(stub):
    stub.queue_text("Sure! Here is a plan: …")
    stub.queue_max_tokens({"brief": "Pass"})
    stub.queue_tool_use("submit_plan", GOOD_PLAN)
    result = plan(brain(stub))
    assert result.brain == "claude"
    bodies = [r.body for r in stub.requests_for()]
    assert "Call a tool" in json.dumps(bodies[1]["messages"][-1])
    assert "cut off at max_tokens" in json.dumps(bodies[2]["messages"][-2])


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


def test_the_token_budget_stops_the_loop_and_says_so(stub):
    for _ in range(5):
        stub.queue_tool_use(
            "read_task",
            {},
            usage={
                "input_tokens": 1500,
                "output_tokens": 100,
                "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 0,
            },
        )
    result = work(brain(stub, maestro_agent_token_budget=3000))
    assert len(stub.requests_for()) == 2  # 3,200 tokens after two turns: no third
    assert result.brain == "offline"
    assert (
        result.fallback_reason
        == "Backend Engineer spent this loop's token budget (3,000 tokens) after 2 turns"
    )
    assert [u.input_tokens for u in result.usage] == [1500, 1500]  # the turns paid for are counted


def test_a_killed_loop_resumes_from_its_kept_turns_without_asking_again(stub):
    journal = MemoryJournal()
    stub.queue_tool_use("read_task", {})
    stub.queue_error(529)  # the process "dies" on the second turn
    first = work(brain(stub), Session(journal=journal))
    assert first.brain == "offline" and len(journal.entries) == 3  # asked, answered, the tool's result
    stub.clear()
    stub.queue_tool_use("submit_deliverable", DELIVERABLE)
    again = work(brain(stub), Session(journal=journal))
    assert again.brain == "claude" and len(stub.requests_for()) == 1  # only the missing turn
    assert [m["role"] for m in stub.requests_for()[0].body["messages"]] == ["user", "assistant", "user"]


def test_a_question_waits_for_its_answer_then_the_loop_goes_on(stub):
    journal = MemoryJournal()
    stub.queue_tool_use(
        "ask_question", {"question": "Email or SMS for the reset link?", "why": "It sets the API"}
    )
    asked = work(brain(stub), Session(journal=journal))
    assert isinstance(asked.value, Question) and asked.value.question.startswith("Email or SMS")
    assert pending_call(journal, "ask_question") is not None
    again = work(brain(stub), Session(journal=journal))  # nobody answered yet: the same question
    assert isinstance(again.value, Question) and len(stub.requests_for()) == 1
    assert give_result(journal, "ask_question", "<@U1> answered: email") is True
    assert give_result(journal, "ask_question", "twice") is False
    stub.queue_tool_use("submit_deliverable", DELIVERABLE)
    done = work(brain(stub), Session(journal=journal))
    assert isinstance(done.value, Deliverable)
    assert "answered: email" in json.dumps(stub.requests_for()[-1].body["messages"][-1])


def test_a_review_must_go_through_each_criterion(stub):
    reviewer = find_agent(ROSTER, "code-reviewer")
    task = TASK.model_copy(update={"acceptance_criteria": ["Sends one email"]})
    ctx = ReviewContext(reviewer=reviewer, task=task, deliverable=Deliverable(summary="Code", body="..."))
    stub.queue_tool_use("submit_review", {"verdict": "APPROVED", "summary": "Fine by me."})
    stub.queue_tool_use(
        "submit_review",
        {
            "verdict": "APPROVED",
            "summary": "Checked.",
            "findings": [{"criterion": "Sends one email", "status": "met", "reason": "“one email”"}],
        },
    )
    verdict = brain(stub).review(ctx)
    assert verdict.brain == "claude" and verdict.value.findings[0].status == "met"
    assert "one finding per acceptance criterion" in json.dumps(stub.requests_for()[1].body["messages"][-1])
    assert names(stub.requests_for()[0].body) == names(stub.requests_for()[1].body)


def test_every_call_offers_the_same_tools_and_refuses_a_terminal_tool_not_its_own(stub):
    stub.queue_tool_use("submit_plan", GOOD_PLAN)  # a worker may not submit a plan
    stub.queue_tool_use("submit_deliverable", DELIVERABLE)
    result = work(brain(stub))
    assert result.brain == "claude" and result.value.summary == DELIVERABLE["summary"]
    refusal = stub.requests_for()[1].body["messages"][-1]["content"][0]
    assert refusal["is_error"] and "submit_plan isn't yours to call here" in refusal["content"]
    stub.queue_tool_use("submit_plan", GOOD_PLAN)
    plan(brain(stub))
    assert names(stub.requests_for()[-1].body) == names(stub.requests_for()[0].body)


def test_offline_responder_reads_then_plans_through_the_claude_path(stub):
    stub.responder = offline_responder
    result = plan(brain(stub), ORDER_MANAGEMENT)
    assert result.brain == "claude" and len(result.value.tasks) == 12
    assert {r.id for r in result.value.requirements} >= {"R1", "R7", "A1", "A4"}
    assert [r.body["messages"][-1]["role"] for r in stub.requests_for()] == ["user", "user"]
    assert isinstance(result.value, Plan)
