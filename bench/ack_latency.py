"""Ack latency of ``/task new``: ``maestro web`` against a bare Bolt app (the floor).

Starts both as processes on this machine (``maestro web`` on an embedded Redis in a temp dir,
in sandbox mode), fires N signed ``/task new`` commands with C at a time at each, and prints
p50 / p99 / max of the time from sending to the HTTP answer (what Slack measures against its
3-second window; our budget is 100 ms p99).

Usage: ``.venv/bin/python bench/ack_latency.py [-n 500] [-c 20]``
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from maestro.redis_conn import stop_embedded
from sandbox import SandboxServer, SlackSender

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def fire(url: str, n: int, concurrency: int) -> list[float]:
    sender = SlackSender(url)
    warm = [sender.command("/task", f"new Warm-up {i}") for i in range(20)]
    assert all(s.status == 200 for s in warm), warm[0].body

    def one(i: int) -> float:
        sent = sender.command("/task", f"new Benchmark task {i} --agent backend --priority high")
        if sent.status != 200:
            raise RuntimeError(f"HTTP {sent.status}: {sent.body[:200]}")
        return sent.elapsed * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(n)))


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return (
        f"{name:<22} n={len(samples):<5} p50={statistics.median(ordered):7.1f} ms  "
        f"p99={p99:7.1f} ms  max={ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=500, help="commands per app (default 500)")
    parser.add_argument("-c", type=int, default=20, help="concurrent requests (default 20)")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="maestro-bench-"))
    slack = SandboxServer().start()  # auth.test at start-up only; /task new calls no Web API in the listener
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_", "MAESTRO_"))}
    maestro_port, bare_port = free_port(), free_port()
    env.update(
        MAESTRO_DATA_DIR=str(data_dir),
        PORT=str(maestro_port),
        MAESTRO_LOG_LEVEL="WARNING",
        SLACK_API_URL=slack.api_url,
    )
    children = [
        subprocess.Popen([sys.executable, "-m", "bot.cli", "web"], env=env, cwd=ROOT),
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_app.py"), str(bare_port), slack.api_url],
            env=env,
            cwd=ROOT,
        ),
    ]
    try:
        wait_up(f"http://127.0.0.1:{maestro_port}/healthz")
        wait_up(f"http://127.0.0.1:{bare_port}/slack/events")
        print(f"/task new, {args.n} signed commands, {args.c} concurrent, on {os.cpu_count()} cores")
        bare = fire(f"http://127.0.0.1:{bare_port}", args.n, args.c)
        maestro = fire(f"http://127.0.0.1:{maestro_port}", args.n, args.c)
        print(summary("bare Bolt (floor)", bare))
        print(summary("maestro web", maestro))
        print(f"maestro over the floor: p50 +{statistics.median(maestro) - statistics.median(bare):.1f} ms")
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=10)
        stop_embedded(data_dir)
        slack.stop()


if __name__ == "__main__":
    main()
