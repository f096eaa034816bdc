"""End to end: ``maestro web`` and ``maestro worker`` as processes, pointed at the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from redis import Redis

from maestro.cards import ACTION_DONE, ACTION_START
from maestro.redis_conn import socket_path, stop_embedded
from maestro.settings import SANDBOX_BOT_TOKEN
from sandbox import SandboxServer, SlackSender
from tests.e2e.harness import free_port

pytestmark = pytest.mark.e2e

CHANNEL = "C0PROJECT"


def card(sandbox: SandboxServer, key: str, timeout: float = 15) -> dict:
    return sandbox.workspace.wait_for(
        lambda: next(
            (
                m
                for m in sandbox.workspace.messages(CHANNEL)
                if m.get("blocks") and m["text"].startswith(f"{key}:")
            ),
            None,
        ),
        timeout=timeout,
    )


def status_of(message: dict) -> str:
    return next(f["text"] for f in message["blocks"][1]["fields"] if f["text"].startswith("*Status*"))


def test_task_round_trip_through_web_and_worker_processes(processes, redis_url, sandbox, redis):
    port = free_port()
    group = processes(
        REDIS_URL=redis_url, SLACK_API_URL=sandbox.api_url, PORT=str(port), MAESTRO_LOG_FORMAT="json"
    )
    group.start("web")
    group.start("worker")
    url = f"http://127.0.0.1:{port}"
    group.wait_healthy(url)
    sender = SlackSender(url, server=sandbox)

    sent = sender.command("/task", "new Write the login API --owner <@U0BOB|bob>")
    assert sent.status == 200, sent.body
    posted = card(sandbox, "T-1")
    assert posted["blocks"][0]["text"]["text"] == "T-1 · Write the login API"

    assert sender.press(posted, ACTION_START, channel_id=CHANNEL).status == 200
    sandbox.workspace.wait_for(lambda: "In progress" in status_of(card(sandbox, "T-1")))
    assert sender.press(card(sandbox, "T-1"), ACTION_DONE, channel_id=CHANNEL).status == 200
    sandbox.workspace.wait_for(lambda: "Completed" in status_of(card(sandbox, "T-1")))
    thread = sandbox.workspace.wait_for(
        lambda: (t := sandbox.workspace.thread(CHANNEL, posted["ts"])) and len(t) == 3 and t
    )
    assert [m["text"] for m in thread[1:]] == [
        "<@U0ALICE> moved T-1 from Assigned to *In progress*.",
        "<@U0ALICE> moved T-1 from In progress to *Completed*.",
    ]
    assert len([m for m in sandbox.workspace.messages(CHANNEL) if m.get("blocks")]) == 1

    group.stop()
    lines = [json.loads(line) for line in group.logs().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["message"] == "request" and line.get("command") == "task new"]
    assert requests and {"team", "channel", "duration_ms", "job_id", "command"} <= set(requests[0])
    jobs = [line for line in lines if line["message"] == "job run_task_command"]
    assert len(jobs) == 3 and all(
        {"job_id", "duration_ms", "task_key", "team", "channel"} <= set(j) for j in jobs
    )
    assert SANDBOX_BOT_TOKEN not in group.logs()


def test_separate_processes_share_one_embedded_redis_and_lose_nothing_on_restart(
    processes, tmp_path, sandbox
):
    data_dir = tmp_path / "data"
    port = free_port()
    env = {"MAESTRO_DATA_DIR": str(data_dir), "SLACK_API_URL": sandbox.api_url, "PORT": str(port)}
    url = f"http://127.0.0.1:{port}"
    try:
        group = processes(**env)
        group.start("web")
        group.start("worker")
        group.wait_healthy(url)
        SlackSender(url, server=sandbox).command("/task", "new Survive a restart")
        card(sandbox, "T-1")
        group.stop()
        assert stop_embedded(data_dir)  # everything down, the server included
        assert (data_dir / "appendonly.aof").exists()

        again = processes(**env)
        again.start("web")
        again.wait_healthy(url)
        listing = SlackSender(url, server=sandbox).command("/task", "list")
        assert "Survive a restart" in listing.body
        client = Redis(unix_socket_path=str(socket_path(data_dir)))
        assert client.ping()
    finally:
        stop_embedded(data_dir)


def test_bad_configuration_stops_the_process_naming_the_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_", "MAESTRO_"))}
    env.update(SLACK_BOT_TOKEN="not-a-token", SLACK_SIGNING_SECRET="x")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "web"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "xoxb-" in result.stderr
    env.update(SLACK_BOT_TOKEN="xoxb-1", REDIS_URL="redis://127.0.0.1:1/0")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "worker"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "REDIS_URL does not answer" in result.stderr
