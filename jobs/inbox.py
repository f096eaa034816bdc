"""The inbox: every enqueued job is tracked until it has run, and enqueued again if a dead worker dropped it.

With more than one queue RQ dequeues with a plain ``BLPOP``: a job popped by a worker that is
killed before it registers the job as started is in no queue and no registry, and RQ's own
clean-up (which only looks at started jobs) never sees it again. So every job is recorded in the
MULTI/EXEC that enqueues it (:func:`jobs.queues.enqueue`), and its record is closed in the
transaction that marks it finished or failed for good (:class:`jobs.worker.MaestroWorker`), or
by a look that finds it so. A look (:func:`look`: the clock's sweep each minute, or Slack's retry
of the request) re-enqueues a job that is in no queue or registry and not finished, once it has
been seen so for ``grace`` seconds, under its own id, so it runs once.

Keys (RQ's keys are global, so these are too):

- :data:`DUE_KEY` — sorted set of job ids, scored by when the job was enqueued or last looked at
  (epoch seconds); a sweep looks at those older than ``grace``.
- :data:`LOST_KEY` — hash: job id → when a look first found it in no queue or registry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import WatchError
from rq import Queue
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import DeferredJobRegistry, ReadyJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.utils import parse_composite_key

logger = logging.getLogger(__name__)

DUE_KEY = "maestro:inbox:due"
"""Sorted set: every job not yet known to have run, scored by when it was enqueued or last looked at."""

LOST_KEY = "maestro:inbox:lost"
"""Hash: job id → epoch seconds when a look first found the job in no queue or registry."""

DEFAULT_SWEEP_BATCH = 1000
"""Records one sweep looks at, at most (the rest wait for the next sweep)."""

_ENDED = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})


@dataclass
class Look:
    """What a look at some jobs found (job ids in each list).

    Attributes:
        ended: finished, failed for good, stopped, or expired: their records are closed.
        alive: waiting in a queue, running, or scheduled (a retry) or deferred: left alone.
        lost: in no queue or registry, for less than ``grace`` so far: looked at again later.
        revived: lost for ``grace`` or more: enqueued again, under the same id.
    """

    ended: list[str] = field(default_factory=list)
    alive: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)


def record(pipe: Pipeline | Redis, job_id: str, now: float | None = None) -> None:
    """Queue (in the enqueue's MULTI) the inbox record of a job just enqueued; or write it, given a client."""
    pipe.zadd(DUE_KEY, {job_id: time.time() if now is None else now})


def close(pipe: Pipeline, job_id: str) -> None:
    """Queue (in the transaction that ends the job) the removal of its inbox record."""
    pipe.zrem(DUE_KEY, job_id)
    pipe.hdel(LOST_KEY, job_id)


def pending(redis: Redis) -> int:
    """Return how many jobs the inbox tracks (enqueued and not yet known to have run)."""
    return int(redis.zcard(DUE_KEY))


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _placed(redis: Redis, found: dict[str, str]) -> set[str]:
    """Return the ids among ``found`` (job id → its queue) that RQ holds somewhere: one round trip."""
    registries = (ScheduledJobRegistry, DeferredJobRegistry, ReadyJobRegistry)
    origins = sorted(set(found.values()))
    with redis.pipeline(transaction=False) as pipe:
        for origin in origins:
            pipe.zrange(StartedJobRegistry(origin, connection=redis).key, 0, -1)
        for job_id, origin in found.items():
            queue_key = Queue(origin, connection=redis).key
            pipe.lpos(queue_key, job_id)
            pipe.lpos(IntermediateQueue.get_intermediate_queue_key(queue_key), job_id)
            for registry in registries:
                pipe.zscore(registry(origin, connection=redis).key, job_id)
        replies = pipe.execute()
    started = [entry for entries in replies[: len(origins)] for entry in entries]
    running = {parse_composite_key(_text(entry) or "")[0] for entry in started}
    per_job = 2 + len(registries)
    places = replies[len(origins) :]
    return {
        job_id
        for i, job_id in enumerate(found)
        if job_id in running or any(place is not None for place in places[i * per_job : (i + 1) * per_job])
    }


def look(redis: Redis, job_ids: Sequence[str], *, grace: int, now: float | None = None) -> Look:
    """Look at jobs of the inbox: close the ended, and enqueue again those lost for ``grace`` seconds.

    At most five round trips whatever the number of jobs: their status and queue; where RQ holds
    them (queue, intermediate queue, started, scheduled, deferred and ready registries); and, when
    some are to be revived, a WATCH of their records, their fetch and one MULTI/EXEC. A job that
    changed in between (a worker took it, someone enqueued it) is left for the next look.

    Args:
        redis: the queues' connection.
        job_ids: RQ job ids.
        grace: seconds a job must have been seen lost before it is enqueued again (0: now).
        now: epoch seconds (tests); the current time when None.

    Returns:
        What was found, per job.
    """
    now = time.time() if now is None else now
    result = Look()
    job_ids = list(dict.fromkeys(job_ids))
    if not job_ids:
        return result
    with redis.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hmget(Job.key_for(job_id), "status", "origin")
        pipe.hmget(LOST_KEY, job_ids)
        *states, marks = pipe.execute()
    found: dict[str, str] = {}  # job id → its queue, for the jobs that haven't ended
    statuses: dict[str, str] = {}
    for job_id, (status, origin) in zip(job_ids, states, strict=True):
        status, origin = _text(status), _text(origin)
        if status is None or status in _ENDED or not origin:
            result.ended.append(job_id)
        else:
            found[job_id], statuses[job_id] = origin, status
    placed = _placed(redis, found) if found else set()
    lost_since = {job_id: float(m) for job_id, m in zip(job_ids, marks, strict=True) if m is not None}
    overdue = []
    for job_id in found:
        if job_id in placed:
            result.alive.append(job_id)
        elif now - lost_since.setdefault(job_id, now) >= grace:
            overdue.append(job_id)
        else:
            result.lost.append(job_id)
    if overdue:
        result.revived = _revive(redis, overdue, statuses, now)
        result.lost += [job_id for job_id in overdue if job_id not in result.revived]  # changed: look again
    _write(redis, result, lost_since, now)
    return result


def _revive(redis: Redis, job_ids: list[str], statuses: dict[str, str], now: float) -> list[str]:
    """Enqueue ``job_ids`` again at the front of their queues, unless one changed since it was looked at."""
    with redis.pipeline() as pipe:
        try:
            pipe.watch(*[Job.key_for(job_id) for job_id in job_ids])
            jobs = Job.fetch_many(job_ids, connection=redis)
            revived = [
                job
                for job in jobs
                if job is not None and job.get_status(refresh=False) == statuses[job.id] and job.origin
            ]
            pipe.multi()
            for job in revived:
                job.set_status(JobStatus.QUEUED, pipeline=pipe)  # a lost DEFERRED job is queued too
                Queue(job.origin, connection=redis).enqueue_job(job, pipeline=pipe, at_front=True)
                record(pipe, job.id, now)
                pipe.hdel(LOST_KEY, job.id)
            pipe.execute()
        except WatchError:
            logger.info("inbox: jobs changed while being revived; next look", extra={"jobs": len(job_ids)})
            return []
    for job in revived:
        logger.warning(
            "inbox: job was in no queue or registry; enqueued it again",
            extra={"job_id": job.id, "queue": job.origin, "outcome": "revived"},
        )
    return [job.id for job in revived]


def _write(redis: Redis, result: Look, lost_since: dict[str, float], now: float) -> None:
    with redis.pipeline(transaction=False) as pipe:
        for job_id in result.ended:
            close(pipe, job_id)
        for job_id in result.alive:  # XX: not again if the job ended meanwhile and its record was closed
            pipe.zadd(DUE_KEY, {job_id: now}, xx=True)
            pipe.hdel(LOST_KEY, job_id)
        for job_id in result.lost:
            pipe.zadd(DUE_KEY, {job_id: now}, xx=True)
            pipe.hset(LOST_KEY, job_id, lost_since[job_id])
        pipe.execute()


def sweep(redis: Redis, *, grace: int, now: float | None = None, batch: int = DEFAULT_SWEEP_BATCH) -> Look:
    """Look at the inbox records not looked at for ``grace`` seconds (at most ``batch`` of them).

    One round trip to read them, then :func:`look` (at most five).

    Args:
        redis: the queues' connection.
        grace: seconds (see :func:`look`).
        now: epoch seconds (tests); the current time when None.
        batch: records looked at, at most; the oldest first.

    Returns:
        What was found.
    """
    now = time.time() if now is None else now
    due = redis.zrangebyscore(DUE_KEY, "-inf", now - grace, start=0, num=batch)
    return look(redis, [_text(job_id) or "" for job_id in due], grace=grace, now=now)
