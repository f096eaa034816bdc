"""The README's run command: ``maestro up`` on the embedded Redis and the sandbox, driven by its console."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from maestro.redis_conn import socket_path
from tests.e2e.harness import free_port

pytestmark = pytest.mark.e2e

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR) ", re.MULTILINE)


def run_up(cwd: Path, lines: list[str]) -> str:
    """Run ``maestro up`` in ``cwd`` with no credentials, typing ``lines`` into its console; return stdout."""
    ours = ("SLACK_", "REDIS_", "MAESTRO_", "ANTHROPIC_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "up",
        "--port",
        str(free_port()),
        "--sandbox-port",
        str(free_port()),
    ]
    result = subprocess.run(
        command, input="\n".join(lines), env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # the processes' log (rq, waitress, slack_bolt, …) goes to a file, never into the console
    log = cwd / ".maestro" / "maestro.log"
    assert f"The app's log (web, workers, clock, libraries) goes to {log.resolve()}" in result.stdout
    assert not LOG_LINE.search(result.stdout + result.stderr), (result.stdout + result.stderr)[-3000:]
    assert "INFO rq.worker" in log.read_text()
    return result.stdout


def test_up_round_trips_a_task_to_a_card_you_can_press(tmp_path: Path):
    out = run_up(
        tmp_path,
        [
            "/task new Write the login API",
            ":wait 1",
            ":log",
            ":press 1",
            ":wait 2",
            ":thread 1",
            "/task new Design the schema --agent database-architect",
            "/task start T-2",
            ":wait 4",
            ":quit",
        ],
    )
    assert "== T-1 · Write the login API ==" in out
    assert "[1] Start" in out and "[1] Done" in out  # pressed Start: the card now offers Done
    assert "moved T-1 from Assigned to *In progress*" in out
    # a task assigned to an agent is worked as soon as it starts; offline, its draft waits for a person
    assert "T-2 · Database Architect delivered" in out and "APPROVED" not in out
    assert "T-2 is waiting for a person's review" in out
    assert (tmp_path / ".maestro" / "appendonly.aof").exists()
    assert not socket_path(tmp_path / ".maestro").exists()  # the Redis it started is stopped


def test_up_console_runs_the_team_on_a_seed_request(tmp_path: Path):
    out = run_up(
        tmp_path,
        [
            ":example orders",
            ":wait 2",
            ":log",
            ":press 1",  # Create tasks, on the draft
            ":wait 3",
            ":log",
            ":press 1",  # Start batch 1, on the plan
            ":wait 6",
            ":thread 1",
            ":quit",
        ],
    )
    assert "Draft plan: E-Commerce Order Management System" in out and "[1] Create tasks" in out
    assert "Plan: E-Commerce Order Management System" in out and "[1] Start batch 1" in out
    assert "T-1 · Backend Architect delivered" in out and "APPROVED" not in out
    assert "T-1 is waiting for a person's review" in out and "[X]" not in out


def _children(pid: int) -> dict[int, str]:
    """The child processes of ``pid`` (Linux ``/proc``) and their command lines."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                pass
    return found


def test_up_restarts_a_worker_that_dies_and_stops_everything_on_sigterm(tmp_path: Path):
    ours = ("SLACK_", "REDIS_", "MAESTRO_", "ANTHROPIC_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    command = [sys.executable, "-m", "bot.cli", "up", "--no-console", "--workers", "1"]
    command += ["--port", str(free_port()), "--sandbox-port", str(free_port())]
    log = tmp_path / "up.log"
    with log.open("w") as out:
        up = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:

        def logged(text: str) -> bool:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if text in log.read_text():
                    return True
                assert up.poll() is None, log.read_text()
                time.sleep(0.1)
            raise AssertionError(f"{text!r} not in:\n{log.read_text()}")

        logged("maestro: up on the local Slack sandbox")
        (worker,) = [pid for pid, line in _children(up.pid).items() if line.endswith("bot.cli worker ")]
        os.kill(worker, signal.SIGKILL)
        logged("maestro up: worker-1 exited with status -9; restarting it in 1 s")
        logged("maestro up: restarted worker-1")
        workers = [pid for pid, line in _children(up.pid).items() if line.endswith("bot.cli worker ")]
        assert len(workers) == 1 and workers != [worker]
        children = list(_children(up.pid))
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=60) == 0
        assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    finally:
        if up.poll() is None:
            up.kill()
