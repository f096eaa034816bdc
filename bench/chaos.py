"""Chaos: ``/task new`` commands and card presses while worker process groups are SIGKILLed, then Redis.

Each run starts a redis-server with AOF ``appendfsync always`` (``sandbox.redis_server``), the
local Slack sandbox, ``maestro web`` and W ``maestro worker`` processes (each in a process group
of its own). It sends N creates (``/task new Chaos i``) and presses each new card's Start button
(and Done on some, once Start shows), ~P presses in all, while K times a random worker's process
group is SIGKILLed and a new worker started in its place (as a platform restarts it). A request
answered other than 200 is retried as Slack does (``X-Slack-Retry-Num``, up to 3 times); only
requests answered 200 count. The clock's sweep runs in this process every 2 s with
``MAESTRO_INBOX_GRACE=3`` (the clock does it each minute with 30 s), so a run settles in seconds.

When the queues are empty and the inbox holds nothing, every acknowledged request is checked:

- lost: a create with no task or no card, a press whose change is not in the task's history;
- duplicated: two tasks for one create, two cards for one task, a press applied twice, a thread
  note posted twice;
- mismatched: a card whose text isn't its task's (status), a task not linked to its card.

``--redis`` runs the same load once more per run, and SIGKILLs the redis-server in the middle of
it, restarting it 4 s later; it prints the same counts, whether every worker process is still the
one it started with, and how many jobs finished after a retry.

Usage: ``.venv/bin/python bench/chaos.py [--runs 10] [--creates 50] [--presses 60] [--kills 30]
[--workers 2] [--redis]``
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from jobs import inbox
from jobs.housekeeping import sweep_inbox
from jobs.queues import QUEUE_NAMES
from jobs.runtime import build_runtime
from maestro.cards import ACTION_DONE, ACTION_START, card_fallback_text
from maestro.settings import build_settings
from maestro.store import TaskStore
from sandbox import SandboxServer, SlackSender
from sandbox.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
GRACE = 3
SWEEP_EVERY = 2.0
SETTLE_TIMEOUT = 240.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Tally:
    creates: int = 0
    presses: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    unanswered: int = 0

    def line(self) -> str:
        return (
            f"acked {self.creates} creates + {self.presses} presses; lost {len(self.lost)}, "
            f"duplicated {len(self.duplicated)}, mismatched {len(self.mismatched)}"
            + (f" (never answered 200: {self.unanswered})" if self.unanswered else "")
        )


class Cluster:
    """web + W workers (each its own process group) on one redis-server and one sandbox."""

    def __init__(self, workdir: Path, workers: int, *, sweep: bool = True):
        self.workdir = workdir
        self.redis = RedisServer(workdir / "redis").start()
        self.slack = SandboxServer().start()
        self.port = free_port()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "REDIS_", "MAESTRO_", "ANTHROPIC_"))
        }
        self.env.update(
            REDIS_URL=self.redis.url,
            SLACK_API_URL=self.slack.api_url,
            PORT=str(self.port),
            MAESTRO_LOG_LEVEL="WARNING",
            MAESTRO_INBOX_GRACE=str(GRACE),
        )
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.started = 0
        self.web = self._spawn("web")
        self.workers = [self._spawn("worker") for _ in range(workers)]
        self.first_workers = [w.pid for w in self.workers]
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if time.monotonic() > deadline:
                raise SystemExit(f"web never became healthy; see {self.logs}")
            time.sleep(0.1)
        self.sender = SlackSender(url, server=self.slack)
        self.settings = build_settings(
            redis_url=self.redis.url, slack_api_url=self.slack.api_url, maestro_inbox_grace=GRACE
        )
        self.runtime = build_runtime(self.settings)
        self.revived: int | None = 0 if sweep else None  # None: no sweep (the control run)
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, daemon=True)
        if sweep:
            self._sweeper.start()

    def _spawn(self, what: str) -> subprocess.Popen:
        self.started += 1
        log = (self.logs / f"{what}-{self.started}.log").open("w")
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", what],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _sweep(self) -> None:
        while not self._stop.wait(SWEEP_EVERY):
            try:
                found = sweep_inbox(self.runtime)
            except RedisError:
                continue  # Redis is away; next time
            self.revived += len(found.revived) if found else 0

    def logged(self, text: str) -> int:
        """How many times the processes logged ``text``."""
        return sum(log.read_text().count(text) for log in self.logs.iterdir())

    def kill_a_worker(self) -> None:
        slot = random.randrange(len(self.workers))
        os.killpg(self.workers[slot].pid, signal.SIGKILL)
        self.workers[slot].wait()
        self.workers[slot] = self._spawn("worker")

    def settled(self) -> bool:
        redis = self.runtime.redis
        try:
            return (
                all(Queue(q, connection=redis).count == 0 for q in QUEUE_NAMES)
                and all(StartedJobRegistry(q, connection=redis).count == 0 for q in QUEUE_NAMES)
                and inbox.pending(redis) == 0
            )
        except RedisError:
            return False

    def stop(self) -> None:
        self._stop.set()
        for child in [self.web, *self.workers]:
            try:
                os.killpg(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for child in [self.web, *self.workers]:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        self.slack.stop()
        self.redis.stop()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def acked(send) -> bool:
    """Send a request and retry it as Slack does until it is answered 200 (at most 3 retries)."""
    try:
        sent = send()
    except OSError:
        return False
    for num in (1, 2, 3):
        if sent.status == 200:
            return True
        time.sleep(1.0)
        try:
            sent = cluster_sender.retry(sent, num=num, reason="http_error")
        except OSError:
            continue
    return sent.status == 200


cluster_sender: SlackSender  # the current run's sender (used by acked's retries)


def cards_by_key(slack: SandboxServer) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for message in slack.workspace.messages(CHANNEL):
        if message.get("blocks") and message["text"].startswith("T-"):
            found.setdefault(message["text"].split(":")[0], []).append(message)
    return found


def load(cluster: Cluster, creates: int, presses: int, duration: float, tally: Tally) -> dict:
    """Send the creates over ``duration`` s and the presses as cards appear; return what was acked."""
    global cluster_sender
    cluster_sender = cluster.sender
    store = TaskStore(cluster.runtime.redis, TEAM)
    sent_titles: list[str] = []
    press_sources: dict[str, str] = {}  # press source → task key
    started: set[str] = set()
    done: set[str] = set()
    lock = threading.Lock()
    finished = threading.Event()

    def create(i: int) -> None:
        title = f"Chaos {i}"
        if acked(lambda: cluster.sender.command("/task", f"new {title} --owner <@U0BOB|bob>")):
            with lock:
                sent_titles.append(title)
        else:
            with lock:
                tally.unanswered += 1

    def press(message: dict, action: str, key: str) -> None:
        holder: dict = {}

        def send():
            holder["sent"] = cluster.sender.press(message, action, channel_id=CHANNEL)
            return holder["sent"]

        if acked(send):
            payload = holder["sent"].payload
            act = payload["actions"][0]
            source = f"btn-{payload['container']['message_ts']}-{act['action_id']}-{act['action_ts']}"
            with lock:
                press_sources[source] = key
        else:
            with lock:
                tally.unanswered += 1

    def presser(pool: ThreadPoolExecutor) -> None:
        budget, last_press = presses, time.monotonic()
        while budget > 0 and not (finished.is_set() and time.monotonic() - last_press > 10):
            for key, messages in list(cards_by_key(cluster.slack).items()):
                if budget <= 0:
                    break
                if key not in started:
                    started.add(key)
                    pool.submit(press, messages[0], ACTION_START, key)
                elif (
                    key not in done and len(done) < presses - creates and _status(store, key) == "IN_PROGRESS"
                ):
                    done.add(key)
                    pool.submit(press, messages[0], ACTION_DONE, key)
                else:
                    continue
                budget, last_press = budget - 1, time.monotonic()
            time.sleep(0.2)

    with ThreadPoolExecutor(8) as pool:
        pressing = threading.Thread(target=presser, args=(pool,), daemon=True)
        pressing.start()
        creating = []
        for i in range(creates):
            creating.append(pool.submit(create, i))
            time.sleep(duration * 0.8 / creates)
        for future in creating:
            future.result()
        finished.set()  # every create answered: the presser stops once no card is left to press
        pressing.join()
    return {"titles": sent_titles, "presses": press_sources}


def _status(store: TaskStore, key: str) -> str | None:
    try:
        return store.get(CHANNEL, key).status.value
    except Exception:  # noqa: BLE001 - a bench probe: not yet there, or Redis away
        return None


def count(cluster: Cluster, sent: dict, tally: Tally) -> None:
    """Compare what was acknowledged with the store and the channel."""
    store = TaskStore(cluster.runtime.redis, TEAM)
    tasks = store.list_tasks(CHANNEL)
    by_title = Counter(t.title for t in tasks)
    tally.creates += len(sent["titles"])
    tally.presses += len(sent["presses"])
    for title in sent["titles"]:
        if by_title[title] == 0:
            tally.lost.append(f"create {title!r}: no task")
        elif by_title[title] > 1:
            tally.duplicated.append(f"create {title!r}: {by_title[title]} tasks")
    cards = cards_by_key(cluster.slack)
    for task in tasks:
        posted = cards.get(task.key, [])
        if not posted:
            tally.lost.append(f"{task.key}: no card")
            continue
        if len(posted) > 1:
            tally.duplicated.append(f"{task.key}: {len(posted)} cards")
        if task.message_ts != posted[0]["ts"]:
            tally.mismatched.append(f"{task.key}: task not linked to its card")
        if posted[0]["text"] != card_fallback_text(task):
            tally.mismatched.append(f"{task.key}: card says {posted[0]['text']!r}")
        notes = Counter(m["text"] for m in cluster.slack.workspace.thread(CHANNEL, posted[0]["ts"])[1:])
        tally.duplicated += [f"{task.key}: note {n!r} ×{c}" for n, c in notes.items() if c > 1]
    events = {t.key: [e.source for e in store.events(t.id)] for t in tasks}
    for source, key in sent["presses"].items():
        applied = events.get(key, []).count(source)
        if applied == 0:
            tally.lost.append(f"press {source} on {key}")
        elif applied > 1:
            tally.duplicated.append(f"press {source} on {key}: applied {applied}×")


def settle(cluster: Cluster, timeout: float = SETTLE_TIMEOUT) -> bool:
    begun = time.monotonic()
    quiet = 0
    while time.monotonic() < begun + timeout:
        quiet = quiet + 1 if cluster.settled() else 0
        if quiet >= 3:  # three looks in a row, a sweep apart
            print(f"    (settled {time.monotonic() - begun:.0f} s after the load)", flush=True)
            return True
        time.sleep(SWEEP_EVERY)
    return False


def retried_jobs(cluster: Cluster) -> int:
    redis = cluster.runtime.redis
    ids = [k.decode().removeprefix("rq:job:") for k in redis.scan_iter("rq:job:*") if k.count(b":") == 2]
    jobs = [j for j in Job.fetch_many(ids, connection=redis) if j is not None]
    return sum(1 for j in jobs if j.get_status() == JobStatus.FINISHED and (j.retries_left or 0) < 3)


@contextmanager
def running_cluster(args: argparse.Namespace) -> Iterator[Cluster]:
    with tempfile.TemporaryDirectory(prefix="maestro-chaos-") as tmp:
        cluster = Cluster(Path(tmp), args.workers, sweep=not args.no_sweep)
        try:
            yield cluster
        finally:
            cluster.stop()


def finish(cluster: Cluster, sent: dict, tally: Tally, describe: Callable[[], str]) -> None:
    """Wait for the work to settle, count, and print ``describe()`` with the counts and the problems."""
    settled = settle(cluster, 60 if cluster.revived is None else SETTLE_TIMEOUT)
    count(cluster, sent, tally)
    print(describe() + ("" if settled else " — NOT SETTLED (jobs still pending)"), flush=True)
    for problem in (tally.lost + tally.duplicated + tally.mismatched)[:10]:
        print(f"    {problem}", flush=True)


def worker_run(args: argparse.Namespace, number: int) -> Tally:
    tally = Tally()
    with running_cluster(args) as cluster:
        stop = threading.Event()

        def killer() -> None:
            for _ in range(args.kills):
                if stop.wait(args.kill_every):
                    return
                cluster.kill_a_worker()

        killing = threading.Thread(target=killer, daemon=True)
        killing.start()
        sent = load(cluster, args.creates, args.presses, args.kills * args.kill_every, tally)
        killing.join()
        finish(
            cluster,
            sent,
            tally,
            lambda: (
                f"run {number}: workers: {args.kills} SIGKILLs — {tally.line()}; "
                f"re-enqueued by the sweep {'off' if cluster.revived is None else cluster.revived}"
            ),
        )
    return tally


def redis_run(args: argparse.Namespace, number: int) -> Tally:
    tally = Tally()
    with running_cluster(args) as cluster:
        duration = 12.0
        # Slack answers each post and update 0.3 s late, so jobs are mid-flight when Redis dies
        cluster.slack.workspace.delay_next("chat.postMessage", 0.3, times=10_000)
        cluster.slack.workspace.delay_next("chat.update", 0.3, times=10_000)

        def outage() -> None:
            time.sleep(duration / 2)
            cluster.redis.kill()
            time.sleep(args.outage)
            cluster.redis.start()

        cutting = threading.Thread(target=outage, daemon=True)
        cutting.start()
        sent = load(cluster, args.creates // 2, args.presses // 2, duration, tally)
        cutting.join()

        def describe() -> str:
            first = zip(cluster.workers, cluster.first_workers, strict=True)
            alive = sum(1 for worker, pid in first if worker.pid == pid and worker.poll() is None)
            return (
                f"run {number}: redis SIGKILL, {args.outage:.0f} s down, restart — {tally.line()}; "
                f"workers still running {alive}/{len(cluster.workers)}; jobs interrupted and retried "
                f"{cluster.logged('job interrupted by a Redis outage')}, done after a retry "
                f"{retried_jobs(cluster)}; posts adopted {cluster.logged('adopted a post')}; "
                f"re-enqueued by the sweep {'off' if cluster.revived is None else cluster.revived}"
            )

        finish(cluster, sent, tally, describe)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--creates", type=int, default=50)
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--kill-every", type=float, default=0.8, help="seconds between worker kills")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", action="store_true", help="also kill and restart Redis in each run")
    parser.add_argument("--no-workers", action="store_true", help="only the Redis phase")
    parser.add_argument("--outage", type=float, default=6.0, help="seconds Redis stays down")
    parser.add_argument(
        "--no-sweep",
        action="store_true",
        help="control: no inbox sweep (what a killed worker drops stays lost)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # this process sweeps; its log lines aren't the output
    totals = {"workers": Tally(), "redis": Tally()}
    started = time.monotonic()
    for number in range(1, args.runs + 1):
        phases = [] if args.no_workers else [("workers", worker_run)]
        if args.redis or args.no_workers:
            phases.append(("redis", redis_run))
        for name, run in phases:
            begun = time.monotonic()
            tally = run(args, number)
            print(f"    ({name} phase: {time.monotonic() - begun:.0f} s)", flush=True)
            total = totals[name]
            total.creates += tally.creates
            total.presses += tally.presses
            total.lost += tally.lost
            total.duplicated += tally.duplicated
            total.mismatched += tally.mismatched
            total.unanswered += tally.unanswered
    print(f"--- {args.runs} run(s) in {time.monotonic() - started:.0f} s", flush=True)
    for name, total in totals.items():
        if total.creates or total.presses:
            print(f"total ({name}): {total.line()}", flush=True)


if __name__ == "__main__":
    main()
