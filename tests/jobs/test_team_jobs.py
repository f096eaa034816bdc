"""The team's jobs on a real Redis, the sandbox and the Anthropic stub."""

from __future__ import annotations

import json

import pytest
from rq import Queue

from jobs.brains import think
from jobs.queues import QUEUE_NAMES
from jobs.team import MAX_REJECTIONS
from maestro.models import TaskStatus, utcnow
from maestro.settings import build_settings
from maestro.store import TaskStore
from maestro.usage import UsageStore
from sandbox.anthropic_stub import AnthropicStub
from sandbox.claude_responder import offline_responder

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


@pytest.fixture
def stub():
    with AnthropicStub(responder=offline_responder) as server:
        yield server


@pytest.fixture
def claude_settings(redis_url, sandbox, stub, tmp_path):
    """Settings with the Claude brain on, pointed at the stub (used by every fixture below)."""
    return build_settings(
        redis_url=redis_url,
        slack_api_url=sandbox.api_url,
        maestro_data_dir=tmp_path,
        anthropic_api_key="sk-ant-test",
        anthropic_base_url=stub.base_url,
        maestro_claude_max_retries=0,
    )


@pytest.fixture
def settings(request, redis_url, sandbox, tmp_path):
    """Claude-enabled settings for tests that ask for ``stub``; the default ones otherwise."""
    if "stub" in request.fixturenames:
        return request.getfixturevalue("claude_settings")
    return build_settings(redis_url=redis_url, slack_api_url=sandbox.api_url, maestro_data_dir=tmp_path)


def drain(run_jobs, redis, rounds=30):
    for _ in range(rounds):
        run_jobs()
        if sum(Queue(n, connection=redis).count for n in QUEUE_NAMES) == 0:
            return
    raise AssertionError("jobs kept coming")


def test_three_rejections_block_the_task_with_the_reason(stub, sender, sandbox, redis, run_jobs):
    def reviewer_rejects(body):
        if body["tool_choice"]["name"] == "submit_review":
            return {
                "verdict": "REJECTED",
                "summary": "Missing tests",
                "must_fix": ["Add tests for the error paths"],
            }
        return offline_responder(body)

    stub.responder = reviewer_rejects
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status is TaskStatus.BLOCKED and task.review_rejections == MAX_REJECTIONS
    assert (
        "Rejected 3 times in review" in task.blocked_reason
        and "Add tests for the error paths" in task.blocked_reason
    )
    thread = [m["text"] for m in sandbox.workspace.thread(CHANNEL, task.message_ts)]
    assert sum("delivered" in t for t in thread) == 3 and sum("REJECTED" in t for t in thread) == 3
    # every attempt after the first got the reviewer's must-fix items as context
    work_requests = [
        r.body for r in stub.requests_for() if r.body["tool_choice"]["name"] == "submit_deliverable"
    ]
    assert len(work_requests) == 3
    assert "Add tests for the error paths" not in json.dumps(work_requests[0]["messages"])
    assert "Add tests for the error paths" in json.dumps(work_requests[1]["messages"])


def test_claude_usage_is_recorded_per_agent(stub, sender, redis, run_jobs):
    sender.command("/task", "new Design the schema --agent database-architect")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    rows = {row.agent: row for row in UsageStore(redis, TEAM).summary(CHANNEL, utcnow())["all"]}
    assert set(rows) == {"database-architect", "code-reviewer"}
    assert rows["database-architect"].input > 0 and rows["database-architect"].cost_cents > 0


def test_past_the_budget_claude_is_not_called_and_the_post_says_so(stub, sender, sandbox, redis, run_jobs):
    UsageStore(redis, TEAM).set_budget(CHANNEL, 1000)
    UsageStore(redis, TEAM).record(CHANNEL, "backend", "sonnet", {"input": 1000}, utcnow())
    sender.command("/task", "new Build it --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    assert stub.requests_for() == []
    card = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    thread = json.dumps(sandbox.workspace.thread(CHANNEL, card.message_ts))
    assert "Claude wasn't asked" in thread and "budget of 1,000 tokens is used up" in thread


def test_think_without_a_key_uses_the_offline_brain(runtime, redis):
    from agents.brain import PlanContext
    from agents.roster import find_agent, roster_for

    master = find_agent(roster_for([]), "master")
    result = think(
        runtime,
        TEAM,
        CHANNEL,
        master,
        lambda b: b.plan(PlanContext(request="Add a dark mode toggle"), master),
    )
    assert result.brain == "offline" and result.usage == []
