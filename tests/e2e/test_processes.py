"""End to end: ``maestro web`` and ``maestro worker`` as processes, pointed at the sandbox."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from redis import Redis
from redis.exceptions import RedisError

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
        stop_and_wait(group)
        assert not stop_embedded(data_dir)  # the last process to exit stopped the server
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


SIGNING_SECRET = "8f742231b10e8888abcd99eeefff85a5"  # the shape of Slack's: 32 hexadecimal characters


WORKER_EXIT = 90
"""Seconds a SIGTERMed worker may take to exit: RQ 3.0's command-channel thread, stopped under
redis-py 8.2, can hold the exit for up to 60 s (tests/rq_worker.py drops it for in-process runs)."""


def stop_and_wait(group) -> None:
    """SIGTERM every process of the group and wait until each has exited by itself (never killed)."""
    for child, _ in group.children:
        child.terminate()
    for child, _ in group.children:
        assert child.wait(timeout=WORKER_EXIT) == 0, group.logs()


def clean_env(**env: str) -> dict[str, str]:
    ours = ("SLACK_", "REDIS_", "MAESTRO_", "ANTHROPIC_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(ours)}, **env}


def run_cli(*args: str, env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_bad_configuration_stops_the_process_naming_the_variable(tmp_path, sandbox):
    env = clean_env(SLACK_BOT_TOKEN="not-a-token", SLACK_SIGNING_SECRET=SIGNING_SECRET)
    result = run_cli("web", env=env)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "xoxb-" in result.stderr
    env.update(
        SLACK_BOT_TOKEN=SANDBOX_BOT_TOKEN, SLACK_API_URL=sandbox.api_url, REDIS_URL="redis://127.0.0.1:1/0"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "worker"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "REDIS_URL does not answer" in result.stderr


@pytest.mark.parametrize(
    ("command", "env", "named", "fix"),
    [
        (
            "web",
            {"SLACK_BOT_TOKEN": '"xoxb-1"', "SLACK_SIGNING_SECRET": SIGNING_SECRET},
            "SLACK_BOT_TOKEN",
            "quotes",
        ),
        (
            "worker",
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "xoxb-1"},
            "SLACK_SIGNING_SECRET",
            "Basic",
        ),
        (
            "clock",
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6g7h8i9j0k1l2"},
            "SLACK_SIGNING_SECRET",
            "32 hexadecimal",
        ),
        (
            "up",
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"},
            "SLACK_APP_TOKEN",
            "connections:write",
        ),
        ("web", {"ANTHROPIC_API_KEY": "my-key"}, "ANTHROPIC_API_KEY", "console.anthropic.com"),
    ],
)
def test_a_token_of_the_wrong_shape_is_one_line_with_the_fix(tmp_path, command, env, named, fix):
    data_dir = tmp_path / "data"
    result = run_cli(command, env=clean_env(MAESTRO_DATA_DIR=str(data_dir), **env))
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert named in line and fix in line
    assert not data_dir.exists()  # nothing started: no embedded Redis


@pytest.mark.parametrize("command", ["web", "worker", "clock", "up"])
def test_a_token_slack_refuses_stops_the_process_before_redis_starts(tmp_path, sandbox, command):
    data_dir = tmp_path / "data"
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-not-this-workspaces-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=sandbox.api_url,
        MAESTRO_DATA_DIR=str(data_dir),
        PORT=str(free_port()),
    )
    result = run_cli(command, env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = result.stderr.splitlines()
    assert line.startswith("maestro: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): ")
    assert "Bot User OAuth Token" in line and "OAuth & Permissions" in line
    assert not socket_path(data_dir).exists()


def _embedded_answers(data_dir) -> bool:
    try:
        return bool(Redis(unix_socket_path=str(socket_path(data_dir)), socket_timeout=1).ping())
    except RedisError:
        return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_web_stopping_stops_the_embedded_redis_it_started(processes, tmp_path, sandbox, how):
    data_dir, port = tmp_path / "data", free_port()
    group = processes(MAESTRO_DATA_DIR=str(data_dir), SLACK_API_URL=sandbox.api_url, PORT=str(port))
    web = group.start("web")
    group.wait_healthy(f"http://127.0.0.1:{port}")
    assert _embedded_answers(data_dir)
    web.send_signal(how)
    assert web.wait(timeout=15) in (0, 130)
    assert not _embedded_answers(data_dir) and not socket_path(data_dir).exists()
    assert "Traceback" not in group.logs()


def test_the_embedded_redis_stays_while_another_process_uses_it(processes, tmp_path, sandbox):
    data_dir, port = tmp_path / "data", free_port()
    group = processes(MAESTRO_DATA_DIR=str(data_dir), SLACK_API_URL=sandbox.api_url, PORT=str(port))
    web = group.start("web")
    group.wait_healthy(f"http://127.0.0.1:{port}")
    worker = group.start("worker")
    deadline = time.monotonic() + 30
    while "Listening on" not in group.logs() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Listening on" in group.logs(), group.logs()
    web.terminate()
    assert web.wait(timeout=15) == 0, group.logs()
    assert _embedded_answers(data_dir), group.logs()  # the worker still uses it
    worker.terminate()
    assert worker.wait(timeout=WORKER_EXIT) == 0, group.logs()
    assert not _embedded_answers(data_dir), group.logs()
    assert "Traceback" not in group.logs()


def test_web_failing_at_start_stops_the_embedded_redis(tmp_path, sandbox):
    data_dir = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(MAESTRO_DATA_DIR=str(data_dir), SLACK_API_URL=sandbox.api_url, PORT=str(port))
        result = run_cli("web", env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("maestro:")]
    assert errors == [
        f"maestro: PORT {port}: can't listen there (Address already in use); set PORT to a free port"
    ]
    assert "Traceback" not in result.stderr
    assert (data_dir / "appendonly.aof").exists() and not _embedded_answers(data_dir)
