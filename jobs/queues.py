"""Queue names, retry policy and the one enqueue helper every producer uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from redis import Redis
from rq import Queue
from rq.job import Job, Retry

from maestro.settings import Settings

HIGH = "high"
"""Queue for what a person is waiting on: task commands and button presses."""
DEFAULT = "default"
"""Queue for follow-ups: card refreshes, thread notes."""
LOW = "low"
"""Queue for reports and housekeeping."""
QUEUE_NAMES: tuple[str, ...] = (HIGH, DEFAULT, LOW)
"""Queues in priority order, as workers listen to them."""

DEFAULT_RETRY_INTERVALS = (2, 10, 30)
"""Seconds between attempts of a failing job (needs workers started with the scheduler)."""

DEFAULT_JOB_TIMEOUT = 120
"""Seconds a job may run before RQ kills it."""

DEFAULT_FAILURE_TTL = 30 * 24 * 3600
"""Seconds a failed job stays in RQ's failed registry for inspection."""

DEFAULT_RESULT_TTL = 600
"""Seconds a finished job's result is kept."""

_JOB_ID_RE = re.compile(r"[^A-Za-z0-9_-]")


def job_id_for(*parts: str) -> str:
    """Return an RQ job id from a dedupe key's parts (letters, digits, ``_`` and ``-`` only)."""
    return _JOB_ID_RE.sub("_", "-".join(parts))[:200]


def model_job_timeout(settings: Settings) -> int:
    """Seconds a job that asks a model may run, so the offline fallback happens before RQ kills it.

    Two calls (the answer and its repair), each with the SDK's retries, and the rest of the job.
    """
    per_call = settings.maestro_claude_timeout * (settings.maestro_claude_max_retries + 1) + 10
    return int(max(DEFAULT_JOB_TIMEOUT, 2 * per_call + 60))


def requester_meta(
    team_id: str, channel_id: str, user_id: str, response_url: str | None = None
) -> dict[str, Any]:
    """Return the ``meta`` a job needs to tell its requester when it fails for good."""
    return {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "response_url": response_url}


def enqueue(
    redis: Redis,
    func: Callable[..., Any],
    *args: Any,
    queue: str = DEFAULT,
    job_id: str | None = None,
    meta: dict[str, Any] | None = None,
    timeout: int = DEFAULT_JOB_TIMEOUT,
    **kwargs: Any,
) -> Job:
    """Enqueue ``func(*args, **kwargs)`` with Maestro's retry policy.

    Args:
        redis: the connection the queues live on.
        func: an importable, module-level job function.
        *args: its positional arguments (serialisable: ids and JSON, never clients).
        queue: one of :data:`QUEUE_NAMES`.
        job_id: a deterministic id (from :func:`job_id_for`) so a duplicate enqueue is visible.
        meta: stored on the job; ``response_url``, ``channel_id``, ``user_id``, ``team_id`` are
            used to tell the requester when the job fails for good.
        timeout: seconds the job may run (see :func:`model_job_timeout` for jobs that ask a model).
        **kwargs: further ``Queue.enqueue`` options (e.g. ``depends_on``).

    Returns:
        The enqueued job.
    """
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")
    return Queue(queue, connection=redis).enqueue(
        func,
        *args,
        job_id=job_id,
        meta=meta or {},
        retry=Retry(max=len(DEFAULT_RETRY_INTERVALS), interval=list(DEFAULT_RETRY_INTERVALS)),
        job_timeout=timeout,
        failure_ttl=DEFAULT_FAILURE_TTL,
        result_ttl=DEFAULT_RESULT_TTL,
        **kwargs,
    )
