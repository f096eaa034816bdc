"""End to end through ``maestro web`` and ``maestro worker`` processes: the AI team, on both brains.

Offline, work is a draft a person approves; through Claude, a review with findings completes it.
"""

from __future__ import annotations

import json

import pytest

from maestro.cards import ACTION_APPROVE
from maestro.models import TaskStatus
from maestro.store import TaskStore
from maestro.team_cards import ACTION_CREATE_TASKS, ACTION_START_PLAN
from sandbox import SandboxServer, SlackSender
from sandbox.anthropic_stub import AnthropicStub
from sandbox.claude_responder import offline_responder, terminal_of
from sandbox.examples import ORDER_MANAGEMENT
from tests.e2e.harness import free_port

pytestmark = pytest.mark.e2e

CHANNEL = "C0PROJECT"


def plan_message(sandbox: SandboxServer, prefix: str = "Plan:") -> dict:
    return sandbox.workspace.wait_for(
        lambda: next((m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith(prefix)), None),
        timeout=30,
    )


def create_tasks(sender: SlackSender, sandbox: SandboxServer) -> dict:
    """Press the draft's *Create tasks* and wait for the plan and its six batch messages."""
    sender.press(plan_message(sandbox, "Draft plan:"), ACTION_CREATE_TASKS, channel_id=CHANNEL)
    plan = plan_message(sandbox)
    sandbox.workspace.wait_for(
        lambda: thread_text(sandbox, plan["ts"]).count("Batch 6 of 6") >= 1, timeout=30
    )
    return plan


def thread_text(sandbox: SandboxServer, ts: str) -> str:
    return json.dumps(sandbox.workspace.thread(CHANNEL, ts), ensure_ascii=False)


def review_request(sandbox: SandboxServer, ts: str, key: str) -> dict | None:
    return next(
        (
            m
            for m in sandbox.workspace.thread(CHANNEL, ts)
            if m["text"].startswith(f"{key} needs a person's review")
        ),
        None,
    )


def approvals(sandbox: SandboxServer, ts: str) -> int:
    return sum("— APPROVED" in m["text"] for m in sandbox.workspace.thread(CHANNEL, ts))


def start_team(
    processes, redis_url: str, sandbox: SandboxServer, workers: int = 2, **env: str
) -> SlackSender:
    port = free_port()
    group = processes(REDIS_URL=redis_url, SLACK_API_URL=sandbox.api_url, PORT=str(port), **env)
    group.start("web")
    for _ in range(workers):
        group.start("worker")
    group.wait_healthy(f"http://127.0.0.1:{port}")
    return SlackSender(f"http://127.0.0.1:{port}", server=sandbox)


def test_orchestrate_plans_works_reviews_and_completes_offline(processes, redis_url, sandbox, redis):
    sender = start_team(processes, redis_url, sandbox)
    assert sender.command("/orchestrate", ORDER_MANAGEMENT).status == 200
    draft = plan_message(sandbox, "Draft plan:")
    assert "Offline brain" in json.dumps(draft["blocks"])
    plan = create_tasks(sender, sandbox)
    assert len(sandbox.workspace.thread(CHANNEL, plan["ts"])) == 7  # the plan and one message per batch

    sender.press(plan, ACTION_START_PLAN, channel_id=CHANNEL)
    # offline, T-1's work is a draft: it waits for a person, and nothing completes by itself
    ask = sandbox.workspace.wait_for(lambda: review_request(sandbox, plan["ts"], "T-1"), timeout=60)
    text = thread_text(sandbox, plan["ts"])
    assert "T-1: Backend Architect delivered" in text and "APPROVED" not in text
    assert TaskStore(redis, "T0SANDBOX").get(CHANNEL, "T-1").status is TaskStatus.REVIEW
    # the requester approves: T-1 completes on that evidence; T-2 (its only dependent) starts by itself
    sender.press(ask, ACTION_APPROVE, channel_id=CHANNEL, user_id="U0ALICE")
    sandbox.workspace.wait_for(lambda: review_request(sandbox, plan["ts"], "T-2"), timeout=60)
    text = thread_text(sandbox, plan["ts"])
    assert "T-2: Database Architect delivered" in text and "moved T-2 from Assigned to *In progress*" in text
    assert TaskStore(redis, "T0SANDBOX").get(CHANNEL, "T-1").completion.by == "U0ALICE"

    # a mention in the plan's thread naming a task goes to that task's agent, once despite a retry
    sent = sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": "<@UMAESTRO> T-2 why this schema?",
            "ts": "1795310000.000100",
            "channel": CHANNEL,
            "thread_ts": plan["ts"],
        }
    )
    sender.resend(sent, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    sandbox.workspace.wait_for(
        lambda: "*Database Architect:*" in thread_text(sandbox, plan["ts"]), timeout=30
    )
    assert thread_text(sandbox, plan["ts"]).count("*Database Architect:*") == 1


def test_the_same_flow_runs_through_the_claude_brain(processes, redis_url, sandbox, redis):
    with AnthropicStub(responder=offline_responder) as stub:
        sender = start_team(
            processes, redis_url, sandbox, ANTHROPIC_API_KEY="sk-ant-test", ANTHROPIC_BASE_URL=stub.base_url
        )
        sender.command("/orchestrate", ORDER_MANAGEMENT)
        draft = plan_message(sandbox, "Draft plan:")
        assert "Written by Claude" in json.dumps(draft["blocks"])
        plan = create_tasks(sender, sandbox)
        sender.press(plan_message(sandbox), ACTION_START_PLAN, channel_id=CHANNEL)
        # T-1, a design, is reviewed by a model and approved (code tasks go to a person: no repository)
        sandbox.workspace.wait_for(lambda: approvals(sandbox, plan["ts"]) >= 1, timeout=60)
        tools = [terminal_of(r.body) for r in stub.requests_for()]
        assert {"submit_plan", "submit_deliverable", "submit_review"} <= set(tools)
        assert "Written by Claude (claude-sonnet-5)" in thread_text(sandbox, plan["ts"])
    usage = sender.command("/maestro", "usage")
    assert "master" in usage.body and "backend-architect" in usage.body
