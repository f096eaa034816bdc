"""The AI team end to end: ``/orchestrate`` to plan posted, and a plan's whole run to the last completion.

Runs ``maestro web`` and W ``maestro worker`` processes (embedded Redis in a temp dir, the local
Slack sandbox), sends ``/orchestrate`` with seed 002's request (12 tasks, a batch of 7 in
parallel), presses the draft's Create tasks, then the plan's Start button and waits until every
task is COMPLETED (with the offline brain every draft waits for a person: the bench presses
Approve as the requester at once,
so that run measures the machinery around a person's approvals). Prints the
time to the plan being posted (all cards in its thread) and to the last completion, for 1 and 4
workers, with the offline brain and with the Claude brain pointed at the local Anthropic stub
answering after a fixed latency (a stand-in for a model's think time).

Usage: ``.venv/bin/python bench/team_run.py [--workers 1 4] [--latency-ms 300] [--runs 1]``
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from redis import Redis
from rq import Worker

from maestro.cards import ACTION_APPROVE
from maestro.models import TaskStatus
from maestro.redis_conn import socket_path, stop_embedded
from maestro.store import TaskStore
from maestro.team_cards import ACTION_CREATE_TASKS, ACTION_START_PLAN
from sandbox import SandboxServer, SlackSender
from sandbox.anthropic_stub import AnthropicStub
from sandbox.claude_responder import offline_responder
from sandbox.examples import ORDER_MANAGEMENT

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "C0PROJECT"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def one_run(
    workers: int, latency_ms: int | None, logs: Path | None = None, report=None
) -> tuple[float, float, int]:
    """Run seed 002's plan to its last completion; ``report(store, redis, stub)`` sees the end state."""
    data_dir = Path(tempfile.mkdtemp(prefix="maestro-bench-team-"))
    slack = SandboxServer().start()
    stub = None
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "REDIS_", "MAESTRO_", "ANTHROPIC_"))
    }
    env.update(
        MAESTRO_DATA_DIR=str(data_dir),
        SLACK_API_URL=slack.api_url,
        PORT=str(port),
        MAESTRO_LOG_LEVEL="WARNING",
    )
    if latency_ms is not None:

        def slow_model(body: dict) -> dict | None:
            time.sleep(latency_ms / 1000)
            return offline_responder(body)

        stub = AnthropicStub(responder=slow_model).start()
        env.update(ANTHROPIC_API_KEY="sk-ant-bench", ANTHROPIC_BASE_URL=stub.base_url)
    exe = [sys.executable, "-m", "bot.cli"]
    if logs is not None:
        logs.mkdir(parents=True, exist_ok=True)
        env.update(MAESTRO_LOG_LEVEL="INFO", MAESTRO_LOG_FORMAT="json")

    def out(name: str):
        return (logs / f"{name}.log").open("w") if logs is not None else None

    children = [subprocess.Popen([*exe, "web"], env=env, cwd=ROOT, stderr=out("web"))]
    children += [
        subprocess.Popen([*exe, "worker"], env=env, cwd=ROOT, stderr=out(f"worker-{n}"))
        for n in range(workers)
    ]
    try:
        wait(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), 30, "web")
        redis = Redis(unix_socket_path=str(socket_path(data_dir)))
        wait(lambda: Worker.count(connection=redis) >= workers, 60, "the workers")  # warmed up and listening
        sender = SlackSender(f"http://127.0.0.1:{port}", server=slack)
        ws = slack.workspace
        started = time.perf_counter()
        sender.command("/orchestrate", ORDER_MANAGEMENT)

        def message(prefix: str):
            return next((m for m in ws.messages(CHANNEL) if m["text"].startswith(prefix)), None)

        draft = wait(lambda: message("Draft plan:"), 120, "the draft plan")
        to_plan = time.perf_counter() - started
        sender.press(draft, ACTION_CREATE_TASKS, channel_id=CHANNEL)  # the requester creates the tasks
        plan = wait(lambda: message("Plan:"), 60, "the plan's tasks")
        run_started = time.perf_counter()
        sender.press(plan, ACTION_START_PLAN, channel_id=CHANNEL)
        store = TaskStore(redis, "T0SANDBOX")

        approved: set[str] = set()

        def all_done():
            tasks = store.list_tasks(CHANNEL)
            for task in tasks:  # offline drafts wait for a person: the requester approves at once
                if task.waits_for_person and task.key not in approved and task.message_ts:
                    card = next(
                        (m for m in ws.thread(CHANNEL, plan["ts"]) if m["ts"] == task.message_ts), None
                    )
                    if card is not None:
                        try:
                            sender.press(card, ACTION_APPROVE, channel_id=CHANNEL, user_id="U0ALICE")
                        except LookupError:  # the card isn't redrawn yet: press on the next poll
                            continue
                        approved.add(task.key)
            return tasks and all(t.status is TaskStatus.COMPLETED for t in tasks)

        try:
            wait(all_done, 120, "the last completion")
        except SystemExit:
            _diagnose(store, redis)
            raise
        to_done = time.perf_counter() - run_started
        if report is not None:
            report(store, redis, stub)
        return to_plan, to_done, len(store.list_tasks(CHANNEL))
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:  # a bounded, tolerant shutdown: the bench always finishes
                print(f"  ({' '.join(child.args[-2:])} did not exit within 15 s of SIGTERM; killed)")
                child.kill()
                child.wait()
        stop_embedded(data_dir)
        slack.stop()
        if stub:
            stub.stop()


def _diagnose(store: TaskStore, redis: Redis) -> None:
    from rq import Queue
    from rq.registry import (
        DeferredJobRegistry,
        FailedJobRegistry,
        ReadyJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    for task in store.list_tasks(CHANNEL):
        if task.status is not TaskStatus.COMPLETED:
            print(
                f"  stuck: {task.key} {task.status.value} "
                f"rejections={task.review_rejections} deps={task.depends_on}"
            )
    for name in ("high", "default", "low"):
        counts = {
            "queued": Queue(name, connection=redis).count,
            "deferred": DeferredJobRegistry(name, connection=redis).get_job_ids(),
            "ready": ReadyJobRegistry(name, connection=redis).get_job_ids(),
            "started": StartedJobRegistry(name, connection=redis).get_job_ids(),
            "scheduled": ScheduledJobRegistry(name, connection=redis).get_job_ids(),
            "failed": FailedJobRegistry(name, connection=redis).get_job_ids(),
        }
        print(f"  {name}: {counts}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--latency-ms", type=int, default=300, help="the stub model's think time per answer")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--logs", type=Path, help="write each process's JSON log here (INFO)")
    args = parser.parse_args()
    print(f"seed 002's request (12 tasks), {os.cpu_count()} cores")
    for brain, latency in (
        ("offline brain", None),
        (f"Claude stub, {args.latency_ms} ms/answer", args.latency_ms),
    ):
        for workers in args.workers:
            results = [one_run(workers, latency, args.logs) for _ in range(args.runs)]
            plan = statistics.median(r[0] for r in results)
            done = statistics.median(r[1] for r in results)
            print(
                f"{brain:<28} workers={workers}  /orchestrate→plan posted {plan:6.2f} s   "
                f"start→last completion {done:6.2f} s   ({results[0][2]} tasks)"
            )


if __name__ == "__main__":
    main()
