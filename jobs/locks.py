"""A Redis lock a job takes back after it was cut off (Redis went away, its worker died) holding it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import LockError
from redis.lock import Lock
from rq import get_current_job

logger = logging.getLogger(__name__)


@contextmanager
def job_lock(redis: Redis, name: str, *, timeout: float) -> Iterator[None]:
    """Hold the Redis lock ``name`` (redis-py's ``Lock``) for the block, with the job's id as its token.

    An earlier attempt of the same RQ job that was cut off while holding the lock left it behind;
    the retry takes it back at once instead of waiting out ``timeout``. Outside a job the token is
    random (redis-py's default).

    Args:
        redis: the connection.
        name: the lock's key.
        timeout: seconds the lock lasts at most.

    Raises:
        redis.exceptions.LockNotOwnedError: the lock expired while held (as redis-py's ``Lock``).
    """
    job = get_current_job()
    token = job.id.encode() if job is not None else None
    lock = redis.lock(name, timeout=timeout)
    if not (token is not None and redis.get(name) == token and _take_back(lock, token)):
        lock.acquire(token=token)
    try:
        yield
    finally:
        lock.release()


def _take_back(lock: Lock, token: bytes) -> bool:
    """Renew a lock this job's earlier attempt holds; False if it changed hands meanwhile."""
    lock.local.token = token
    try:
        lock.reacquire()
    except LockError:
        lock.local.token = None
        return False
    logger.info("took back a lock an earlier attempt of this job left", extra={"lock": lock.name})
    return True
