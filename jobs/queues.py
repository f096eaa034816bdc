"""Queue names, retry policy and the one enqueue helper every producer uses.

Every job is enqueued together with its inbox record (:mod:`jobs.inbox`), in one MULTI/EXEC, so
a job a dead worker dropped is found and enqueued again; a Slack request's job id is recorded with
its dedupe marker in the same transaction (:func:`enqueue_once`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from redis import Redis
from redis.exceptions import WatchError
from rq import Queue
from rq.job import Job, Retry

from jobs import inbox
from maestro.settings import Settings
from maestro.store import DEFAULT_SEEN_TTL, TaskStore

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
    request_key: str | None = None,
    **kwargs: Any,
) -> Job:
    """Enqueue ``func(*args, **kwargs)`` with Maestro's retry policy, and its inbox record, in one MULTI/EXEC.

    Args:
        redis: the connection the queues live on.
        func: an importable, module-level job function.
        *args: its positional arguments (serialisable: ids and JSON, never clients).
        queue: one of :data:`QUEUE_NAMES`.
        job_id: a deterministic id (from :func:`job_id_for`) so a duplicate enqueue is visible.
        meta: stored on the job; ``response_url``, ``channel_id``, ``user_id``, ``team_id`` are
            used to tell the requester when the job fails for good.
        timeout: seconds the job may run (see :func:`model_job_timeout` for jobs that ask a model).
        request_key: the dedupe marker of the Slack request that asked for the job; the job id
            is written to it in the same transaction (see :func:`enqueue_once`).
        **kwargs: further ``Queue.enqueue`` options (e.g. ``depends_on``).

    Returns:
        The enqueued job.
    """
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")
    target = Queue(queue, connection=redis)
    options = {
        "job_id": job_id,
        "meta": meta or {},
        "retry": Retry(max=len(DEFAULT_RETRY_INTERVALS), interval=list(DEFAULT_RETRY_INTERVALS)),
        "job_timeout": timeout,
        "failure_ttl": DEFAULT_FAILURE_TTL,
        "result_ttl": DEFAULT_RESULT_TTL,
        **kwargs,
    }
    if kwargs.get("unique") and job_id:
        # RQ enqueues a unique job with a Lua script of its own, outside any pipeline: record it
        # first (a record whose job never came is closed by the next sweep).
        inbox.record(redis, job_id)
        return target.enqueue(func, *args, **options)
    with redis.pipeline() as pipe:
        while True:
            try:
                job = target.enqueue(func, *args, pipeline=pipe, **options)
                inbox.record(pipe, job.id)
                if request_key:
                    pipe.set(request_key, job.id, ex=DEFAULT_SEEN_TTL)
                pipe.execute()
                return job
            except WatchError:  # RQ watches a dependency; it changed meanwhile
                pipe.reset()


class Enqueued(NamedTuple):
    """What :func:`enqueue_once` did: ``outcome`` is ``enqueued``, ``duplicate`` or ``revived``."""

    job: Job | None
    outcome: str


def enqueue_once(
    store: TaskStore, kind: str, source: str, func: Callable[..., Any], *args: Any, grace: int, **options: Any
) -> Enqueued:
    """Enqueue the job of an acknowledged Slack request once, recording its id with the request.

    A repeat of the request (Slack's retry, a double click: the same ``source``) enqueues
    nothing, unless the first one's job was lost — in no queue or registry, for ``grace`` seconds
    (a worker died holding it) — then it is enqueued again under its own id.

    Args:
        store: the team's store (its dedupe markers).
        kind: what the request was (``cmd``, ``btn``, ``view``, ``event``…), for the dedupe key.
        source: Slack's id of the request (trigger id, action ts, event id…).
        func: the job function.
        *args: its arguments.
        grace: seconds (``MAESTRO_INBOX_GRACE``).
        **options: :func:`enqueue`'s options (``queue``, ``job_id``, ``meta``, ``timeout``…).

    Returns:
        The job and what happened; the job is None for a duplicate.
    """
    if store.first_seen(kind, source):
        try:
            job = enqueue(store.redis, func, *args, request_key=store.seen_key(kind, source), **options)
        except BaseException:
            store.forget_seen(kind, source)  # let Slack's retry try again
            raise
        return Enqueued(job, "enqueued")
    job_id = store.seen_job(kind, source)
    if job_id and job_id in inbox.look(store.redis, [job_id], grace=grace).revived:
        return Enqueued(Job(job_id, connection=store.redis), "revived")
    return Enqueued(None, "duplicate")
