"""An agent working a task reads a file of the linked repository through its tools (the Anthropic
stub as Claude, the GitHub emulator as GitHub)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from sandbox.anthropic_stub import CALL_TOOL
from sandbox.claude_responder import offline_responder, terminal_of
from sandbox.github import SANDBOX_GITHUB_TOKEN, SANDBOX_WEBHOOK_SECRET, GitHubEmulator
from tests.rq_worker import drain

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


@pytest.fixture
def github():
    with GitHubEmulator("acme/shop") as emulator:
        emulator.repo.files["src/reset.py"] = "RESET_LINK_MINUTES = 30\n"
        yield emulator


@pytest.fixture
def settings(claude_settings, github, monkeypatch):
    """The jobs' Claude settings (the stub), with GitHub pointed at the emulator."""
    monkeypatch.setenv("MAESTRO_GITHUB_TOKEN", SANDBOX_GITHUB_TOKEN)  # the agents' tools read the environment
    monkeypatch.setenv("MAESTRO_GITHUB_API_URL", github.api_url)
    return claude_settings.model_copy(
        update={
            "maestro_github_token": SecretStr(SANDBOX_GITHUB_TOKEN),
            "maestro_github_webhook_secret": SecretStr(SANDBOX_WEBHOOK_SECRET),
            "maestro_github_api_url": github.api_url,
        }
    )


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
