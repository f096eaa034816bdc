"""What a job needs at run time, built lazily from settings (never at import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis import Redis
from slack_sdk import WebClient

from jobs.slack import make_web_client
from maestro.redis_conn import connect
from maestro.settings import Settings, build_settings


@dataclass
class Runtime:
    """Settings, the Redis connection and the Slack Web API client of this process.

    ``brain`` is built on first use by :func:`jobs.brains.brain_for`.
    """

    settings: Settings
    redis: Redis
    slack: WebClient
    brain: Any = None


_runtime: Runtime | None = None


def build_runtime(settings: Settings, redis: Redis | None = None) -> Runtime:
    """Return a runtime for ``settings``, connecting to Redis unless ``redis`` is given."""
    return Runtime(settings=settings, redis=redis or connect(settings), slack=make_web_client(settings))


def get_runtime() -> Runtime:
    """Return this process's runtime, building it from the environment on first use."""
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(build_settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Install the runtime jobs use in this process (the worker does it at start; tests too)."""
    global _runtime
    _runtime = runtime
