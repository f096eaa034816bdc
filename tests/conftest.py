"""Shared fixtures: a clean environment, a real Redis, the Slack sandbox, an in-process web app."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from redis import Redis

from maestro.redis_conn import ensure_embedded, stop_embedded

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
