"""End to end, with kills: a worker killed between dequeue and start, Redis restarted mid-job, a retry."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

from jobs.housekeeping import sweep_inbox
from jobs.queues import HIGH, QUEUE_NAMES
from maestro.store import TaskStore
from sandbox import SandboxServer, SlackSender
from sandbox.redis_server import RedisServer
from tests.e2e.harness import Processes, free_port, until

pytestmark = pytest.mark.e2e

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def cards(sandbox: SandboxServer) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if m.get("blocks")]


def freeze_while_waiting_for_a_job(redis: Redis, worker: subprocess.Popen) -> None:
    """SIGSTOP the worker's process group while its BLPOP is blocked in Redis (it will pop, not run)."""
    until(
        lambda: any(c.get("cmd") == "blpop" and int(c.get("idle", 9)) <= 1 for c in redis.client_list()),
        what="the worker to wait for a job",
    )
    os.killpg(worker.pid, signal.SIGSTOP)


def popped_by_the_frozen_worker(redis: Redis) -> str:
    """The job the frozen worker's BLPOP took: in no queue, still QUEUED, in no registry."""
    (job_id,) = until(lambda: redis.keys("rq:job:task-*"), what="the job")
    job_id = job_id.decode().removeprefix("rq:job:")
    until(lambda: all(Queue(name, connection=redis).count == 0 for name in QUEUE_NAMES), what="the pop")
    assert Job.fetch(job_id, connection=redis).get_status() == JobStatus.QUEUED
    return job_id


def kill_group(child: subprocess.Popen) -> None:
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def web_and_worker(processes, redis_url: str, sandbox: SandboxServer, **env: str):
    port = free_port()
    group: Processes = processes(REDIS_URL=redis_url, SLACK_API_URL=sandbox.api_url, PORT=str(port), **env)
    group.start("web")
    worker = group.start("worker", group=True)
    url = f"http://127.0.0.1:{port}"
    group.wait_healthy(url)
    return group, worker, SlackSender(url, server=sandbox)


def test_a_worker_killed_between_dequeue_and_start_loses_nothing(
    processes, redis_url, sandbox, redis, runtime
):
    group, worker, sender = web_and_worker(processes, redis_url, sandbox)
    freeze_while_waiting_for_a_job(redis, worker)
    assert sender.command("/task", "new Survive a kill").status == 200
    job_id = popped_by_the_frozen_worker(redis)
    kill_group(worker)
    assert StartedJobRegistry(HIGH, connection=redis).get_job_ids() == []
    group.start("worker")
    runtime.settings = runtime.settings.model_copy(update={"maestro_inbox_grace": 0})
    assert sweep_inbox(runtime).revived == [job_id]  # what the clock does each minute
    until(lambda: Job.fetch(job_id, connection=redis).get_status() == JobStatus.FINISHED, what="the job")
    assert sweep_inbox(runtime).revived == []
    assert [c["blocks"][0]["text"]["text"] for c in cards(sandbox)] == ["T-1 · Survive a kill"]
    assert len(TaskStore(redis, TEAM).list_tasks(CHANNEL)) == 1


def test_a_slack_retry_after_a_lost_job_gets_the_work_done_once(processes, redis_url, sandbox, redis):
    group, worker, sender = web_and_worker(processes, redis_url, sandbox, MAESTRO_INBOX_GRACE="0")
    freeze_while_waiting_for_a_job(redis, worker)
    sent = sender.command("/task", "new Survive a kill and a retry")
    job_id = popped_by_the_frozen_worker(redis)
    kill_group(worker)
    group.start("worker")
    assert sender.retry(sent).status == 200  # e.g. the web was slow to answer the first time
    until(lambda: Job.fetch(job_id, connection=redis).get_status() == JobStatus.FINISHED, what="the job")
    assert sender.retry(sent, num=2).status == 200  # done: nothing more
    assert all(Queue(name, connection=redis).count == 0 for name in QUEUE_NAMES)
    assert [c["blocks"][0]["text"]["text"] for c in cards(sandbox)] == ["T-1 · Survive a kill and a retry"]


def test_a_redis_restart_mid_job_ends_with_the_job_done_once_and_the_worker_and_its_retries_alive(
    processes, sandbox, tmp_path
):
    server = RedisServer(tmp_path / "redis").start()
    try:
        group, worker, sender = web_and_worker(processes, server.url, sandbox)
        until(lambda: server.client().get(RQScheduler.get_locking_key(HIGH)), what="the scheduler")
        sandbox.workspace.delay_next("chat.postMessage", 3)  # the card is posted; Slack's answer is late
        assert sender.command("/task", "new Survive a Redis restart").status == 200
        until(lambda: cards(sandbox), what="the card to be posted")
        server.kill()  # before the worker hears back from Slack
        until(lambda: "Redis is away" in group.log_of(worker), what="the worker to wait for Redis")
        server.start()
        redis = server.client()
        store = TaskStore(redis, TEAM)
        until(lambda: store.get(CHANNEL, "T-1").message_ts, what="the card to be linked to its task")
        assert [c["ts"] for c in cards(sandbox)] == [store.get(CHANNEL, "T-1").message_ts]  # posted once
        assert "adopted a post whose confirmation was lost" in group.log_of(worker)
        # the scheduler is back: a failing job is retried (RQ's Retry, 2 s later) and gets done
        sandbox.workspace.fail_next(
            "chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=3
        )
        assert sender.command("/task", "new Retried after the restart").status == 200
        until(lambda: len(cards(sandbox)) == 2, what="the retried job's card")
        assert worker.poll() is None  # the worker outlived its Redis
        assert len(cards(sandbox)) == 2 and len(store.list_tasks(CHANNEL)) == 2
    finally:
        server.stop()


def test_a_dead_scheduler_is_restarted_within_seconds_not_at_the_ten_minute_maintenance(
    processes, redis_url, sandbox, redis
):
    group = processes(REDIS_URL=redis_url, SLACK_API_URL=sandbox.api_url)
    worker = group.start("worker")
    name = until(lambda: redis.get(RQScheduler.get_locking_key(HIGH)), what="the scheduler").decode()
    first = int(until(lambda: redis.hget(SCHEDULER_KEY_TEMPLATE % name, "pid"), what="its pid"))
    os.kill(first, signal.SIGKILL)  # as a Redis outage kills it (rq.scheduler … ConnectionError)
    until(
        lambda: int(redis.hget(SCHEDULER_KEY_TEMPLATE % name, "pid") or first) != first,
        what="the scheduler to be restarted",
    )
    assert "scheduler restarted (it had died)" in group.log_of(worker)
    assert redis.get(RQScheduler.get_locking_key(HIGH)).decode() == name  # it took back its own locks
    assert worker.poll() is None
