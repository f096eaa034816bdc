"""Standup and status report: build time and Redis round trips for boards of 100, 1,000 and 10,000 tasks.

For each size, a project is loaded through the stores' public methods (tasks created in batches,
a sprint holding a third of them, 8 milestones, statuses moved with the status machine, 20 risks,
5 open escalations, 3 standup notes), then the two reads that the clock's posts make are timed:

- **standup**: :func:`maestro.standup_report.build_standup` (read + compute) and
  :func:`maestro.standup_cards.build_standup_messages` (render);
- **status report**: :func:`maestro.report_data.read_status_report` (read + compute) and
  :func:`maestro.report_cards.build_status_report_messages` (render).

Round trips are counted at the socket: one per command sent, one per pipeline/MULTI sent. The
target: they do not grow with the board. Time is the median of ``--repeat`` runs, on whatever
this machine is doing; compare sizes with each other, not with another machine.

Usage: ``.venv/bin/python bench/tpm_reports.py [--sizes 100 1000 10000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis import ConnectionPool, Redis, UnixDomainSocketConnection
from redis.connection import Connection

from maestro.escalations import EscalationRecord, EscalationStore
from maestro.models import TaskStatus
from maestro.plans import EscalationOption
from maestro.redis_conn import ensure_embedded, stop_embedded
from maestro.report_cards import build_status_report_messages
from maestro.report_data import read_status_report
from maestro.risk_store import RiskStore
from maestro.sprint_store import SprintStore
from maestro.standup_cards import build_standup_messages
from maestro.standup_report import build_standup
from maestro.standup_store import StandupStore
from maestro.store import NewTask, TaskStore
from sandbox.boards import generated_board

TEAM, CHANNEL, ALICE = "T0BENCH", "C0BENCH", "U0ALICE"
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
SENT = {"count": 0}


class CountingUnix(UnixDomainSocketConnection):
    def send_packed_command(self, command, check_health=True):
        SENT["count"] += 1
        return super().send_packed_command(command, check_health)


class CountingTcp(Connection):
    def send_packed_command(self, command, check_health=True):
        SENT["count"] += 1
        return super().send_packed_command(command, check_health)


def connect(url: str) -> Redis:
    if url.startswith("unix://"):
        pool = ConnectionPool(connection_class=CountingUnix, path=url.removeprefix("unix://"))
    else:
        pool = ConnectionPool.from_url(url)
        pool.connection_class = CountingTcp
    return Redis(connection_pool=pool)


# How to reach each status from ASSIGNED with the status machine.
_PATHS = {
    TaskStatus.ASSIGNED: [],
    TaskStatus.IN_PROGRESS: ["start", "progress"],
    TaskStatus.REVIEW: ["start", "review"],
    TaskStatus.COMPLETED: ["start", "review", "done"],
    TaskStatus.BLOCKED: ["start", "block"],
}


def load(redis: Redis, size: int) -> None:
    """Load a board of ``size`` tasks through the public store methods."""
    redis.flushdb()
    tasks, sprints, risks = TaskStore(redis, TEAM), SprintStore(redis, TEAM), RiskStore(redis, TEAM)
    tasks.ensure_project(CHANNEL, created_by=ALICE)
    sprint = sprints.start(
        CHANNEL, "Sprint 7", days=14, goal="Checkout", actor=ALICE, today=NOW.date() - timedelta(days=5)
    )
    plan, milestones = generated_board(size, team_id=TEAM, channel_id=CHANNEL, now=NOW, sprint_id=sprint.id)
    for stone in milestones:
        sprints.add_milestone(
            CHANNEL,
            stone.key,
            stone.title,
            depends_on=stone.depends_on,
            gates=stone.gates,
            due=stone.due,
            actor=ALICE,
        )
    for start in range(0, size, 500):
        chunk = plan[start : start + 500]
        keys = tasks.reserve_keys(CHANNEL, len(chunk))
        items = [
            (
                key,
                NewTask(
                    title=t.title,
                    assignee=t.assignee,
                    priority=t.priority,
                    depends_on=tuple(t.depends_on),
                    estimate_days=t.estimate_days,
                ),
            )
            for key, t in zip(keys, chunk, strict=True)
        ]
        tasks.create_batch(CHANNEL, items, actor=ALICE, source=f"bench-{start}")
    for stone in milestones:
        keys = [t.key for t in plan if t.milestone == stone.key]
        for start in range(0, len(keys), 100):
            sprints.attach(
                CHANNEL, stone.key, keys[start : start + 100], actor=ALICE, source=f"m-{stone.key}-{start}"
            )
    in_sprint = [t.key for t in plan if t.sprint]
    for start in range(0, len(in_sprint), 100):
        sprints.add_tasks(CHANNEL, in_sprint[start : start + 100], actor=ALICE, source=f"s-{start}")
    for task in plan:
        for step in _PATHS[task.status]:
            tasks.apply(
                CHANNEL,
                task.key,
                step,
                actor=ALICE,
                source=f"{task.key}-{step}",
                percent=task.percent or 50,
                reason=task.blocked_reason,
                now=task.completed_at or NOW - timedelta(hours=30),
            )
    for n in range(20):
        risks.add(
            CHANNEL,
            description=f"Risk {n} & <!channel>",
            probability=("low", "medium", "high")[n % 3],
            impact=("low", "medium", "high", "critical")[n % 4],
            owner="backend",
            actor=ALICE,
            source=f"r{n}",
        )
    escalations = EscalationStore(redis, TEAM)
    for n in range(5):
        escalations.raise_escalation(
            EscalationRecord(
                team_id=TEAM,
                channel_id=CHANNEL,
                issue=f"Decide {n}",
                options=[EscalationOption(label="A", tradeoff="fast")],
                raised_by=ALICE,
                blocking=[f"T-{n + 1}"],
                deciders=[ALICE],
            ),
            source=f"e{n}",
        )
    standups = StandupStore(redis, TEAM)
    for user in ("U0ALICE", "U0BOB", "U0CAROL"):
        standups.save_note(
            CHANNEL, user, NOW.date(), {"yesterday": "Reviewed PRs", "today": "Checkout", "blockers": ""}
        )


def measure(fn, repeat: int) -> tuple[float, int, float]:
    """Return (median ms, round trips of one run, peak MiB of one run)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    SENT["count"] = 0
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), SENT["count"], peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="maestro-bench-"))
    url = os.environ.get("MAESTRO_BENCH_REDIS_URL")
    if not url:
        sock, _ = ensure_embedded(data_dir)
        url = f"unix://{sock}"
    redis = connect(url)
    try:
        print(
            f"{'tasks':>6} | {'what':<14} | {'median ms':>9} | {'round trips':>11} | "
            f"{'peak MiB':>8} | messages"
        )
        print("-" * 72)
        for size in args.sizes:
            started = time.perf_counter()
            load(redis, size)
            loaded = time.perf_counter() - started

            def standup():
                return build_standup_messages(build_standup(redis, TEAM, CHANNEL, NOW.date(), now=NOW))

            def status():
                return build_status_report_messages(read_status_report(redis, TEAM, CHANNEL, now=NOW))

            for name, fn in (("standup", standup), ("status report", status)):
                ms, trips, peak = measure(fn, args.repeat)
                messages = fn()
                blocks = max(len(m["blocks"]) for m in messages)
                print(
                    f"{size:>6} | {name:<14} | {ms:>9.1f} | {trips:>11} | {peak:>8.1f} | "
                    f"{len(messages)} (≤{blocks} blocks)"
                )
            print(f"{'':>6}   (loading the board took {loaded:.1f} s)")
    finally:
        redis.close()
        stop_embedded(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
