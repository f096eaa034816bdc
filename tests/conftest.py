"""Shared fixtures: a clean environment, a real Redis, the Slack sandbox, an in-process web app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from bot.app import create_app
from bot.web import build_wsgi_app
from jobs.failures import notify_final_failure
from jobs.queues import QUEUE_NAMES
from jobs.runtime import Runtime, build_runtime, set_runtime
from maestro.redis_conn import ensure_embedded, stop_embedded
from maestro.settings import Settings, build_settings
from sandbox import SandboxServer, SlackSender
from tests.rq_worker import InProcessWorker

_CLEARED_PREFIXES = ("SLACK_", "ANTHROPIC_", "REDIS_", "MAESTRO_", "PORT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches a real Slack, Anthropic or Redis through the developer's environment."""
    for name in list(os.environ):
        if name.startswith(_CLEARED_PREFIXES) and name != "MAESTRO_TEST_REDIS_URL":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis for the whole run: ``MAESTRO_TEST_REDIS_URL`` (it is flushed!) or an embedded one."""
    given = os.environ.get("MAESTRO_TEST_REDIS_URL")
    if given:
        yield given
        return
    data_dir = Path(tempfile.mkdtemp(prefix="maestro-test-"))
    sock, _ = ensure_embedded(data_dir)
    yield f"unix://{sock}"
    stop_embedded(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def redis(redis_url: str) -> Redis:
    """A client on the test Redis, flushed before the test."""
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def sandbox() -> SandboxServer:
    """A fresh local Slack sandbox (Web API emulator) on a free loopback port."""
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(redis_url: str, sandbox: SandboxServer, tmp_path: Path) -> Settings:
    """Sandbox-mode settings pointing at the test Redis and the sandbox."""
    return build_settings(
        redis_url=redis_url, slack_api_url=sandbox.api_url, maestro_data_dir=tmp_path / "data"
    )


@pytest.fixture
def runtime(settings: Settings, redis: Redis) -> Runtime:
    """The runtime jobs use in this process, installed for the test."""
    runtime = build_runtime(settings, redis)
    set_runtime(runtime)
    yield runtime
    set_runtime(None)


@pytest.fixture
def web_url(settings: Settings, redis: Redis, runtime: Runtime) -> str:
    """``maestro web``'s WSGI app served in this process on a free port; yields its root URL."""
    import waitress

    server = waitress.create_server(
        build_wsgi_app(create_app(settings, redis=redis), redis), host="127.0.0.1", port=0, threads=8
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture
def sender(web_url: str, sandbox: SandboxServer) -> SlackSender:
    """Sends signed Slack requests to the in-process web app."""
    return SlackSender(web_url, server=sandbox)


@pytest.fixture
def run_jobs(runtime: Runtime):
    """Run every queued job in this process until the queues are empty.

    Returns how many jobs raised: those that failed for good and those waiting for a retry.
    """

    def failing() -> int:
        return sum(
            FailedJobRegistry(name, connection=runtime.redis).count
            + ScheduledJobRegistry(name, connection=runtime.redis).count
            for name in QUEUE_NAMES
        )

    def run() -> int:
        before = failing()
        worker = InProcessWorker(
            list(QUEUE_NAMES), connection=runtime.redis, exception_handlers=[notify_final_failure]
        )
        worker.work(burst=True)
        return failing() - before

    return run


@pytest.fixture
def pop_like_a_dead_worker(redis: Redis):
    """Do what a worker's ``BLPOP`` does server-side before the worker is killed; return the job id.

    The job leaves its queue and is in no registry: what RQ's multi-queue dequeue leaves behind.
    """

    def pop() -> str:
        _, job_id = redis.blpop([Queue(name, connection=redis).key for name in QUEUE_NAMES], timeout=1)
        return job_id.decode()

    return pop


@pytest.fixture
def burst_worker(settings: Settings):
    """Run ``maestro worker --burst`` as a process (forking, as deployed) until the queues are empty.

    Jobs that must run in a forked work horse run there, never in a fork of this (threaded) test
    process. Returns the worker's log.
    """

    def run() -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED_PREFIXES)}
        env.update(
            REDIS_URL=settings.redis_url or "", SLACK_API_URL=settings.api_url, MAESTRO_LOG_LEVEL="INFO"
        )
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "worker", "--burst"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stderr

    return run
