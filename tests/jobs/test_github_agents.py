"""An agent working a task reads a file of the linked repository through its tools (the Anthropic
stub as Claude, the GitHub emulator as GitHub)."""

from __future__ import annotations

import json

import pytest
from rq import Queue
from rq.registry import DeferredJobRegistry

from jobs.queues import QUEUE_NAMES
from maestro.settings import build_settings
from sandbox.anthropic_stub import CALL_TOOL, AnthropicStub
from sandbox.claude_responder import offline_responder, terminal_of
from sandbox.github import SANDBOX_GITHUB_TOKEN, SANDBOX_WEBHOOK_SECRET, GitHubEmulator

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


@pytest.fixture
def github():
    with GitHubEmulator("acme/shop") as emulator:
        emulator.repo.files["src/reset.py"] = "RESET_LINK_MINUTES = 30\n"
        yield emulator


@pytest.fixture
def stub():
    with AnthropicStub(responder=offline_responder) as server:
        yield server


@pytest.fixture
def settings(redis_url, sandbox, stub, github, tmp_path, monkeypatch):
    monkeypatch.setenv("MAESTRO_GITHUB_TOKEN", SANDBOX_GITHUB_TOKEN)
    monkeypatch.setenv("MAESTRO_GITHUB_API_URL", github.api_url)
    return build_settings(
        redis_url=redis_url,
        slack_api_url=sandbox.api_url,
        maestro_data_dir=tmp_path,
        anthropic_api_key="sk-ant-test",
        anthropic_base_url=stub.base_url,
        maestro_claude_max_retries=0,
        maestro_github_token=SANDBOX_GITHUB_TOKEN,
        maestro_github_webhook_secret=SANDBOX_WEBHOOK_SECRET,
        maestro_github_api_url=github.api_url,
    )


def drain(run_jobs, redis, rounds=40):
    for _ in range(rounds):
        run_jobs()
        if not sum(
            Queue(n, connection=redis).count + DeferredJobRegistry(n, connection=redis).count
            for n in QUEUE_NAMES
        ):
            return
    raise AssertionError("jobs kept coming")


def test_an_agent_reads_a_file_of_the_linked_repository(stub, github, sender, redis, run_jobs):
    def read_the_code_first(body):
        if terminal_of(body) == "submit_deliverable" and len(body["messages"]) == 1:
            return {CALL_TOOL: "read_repo_file", "path": "src/reset.py"}
        return offline_responder(body)

    stub.responder = read_the_code_first
    sender.command("/maestro", "github connect acme/shop")
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    work = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"]
    results = [
        b
        for r in work
        for m in r.body["messages"]
        if isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    ]
    assert any("RESET_LINK_MINUTES = 30" in json.dumps(b) for b in results)
    assert ("GET", "/repos/acme/shop/contents/src/reset.py") in github.requests
