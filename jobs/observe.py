"""One log line per job: team, channel, command or action, task key, job id, duration."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rq import get_current_job

logger = logging.getLogger("maestro.jobs")


@contextmanager
def job_log(name: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Log one line when the block ends: ``name``, ``fields``, ``job_id``, ``duration_ms``, ``outcome``.

    Yields:
        The fields dict; the job may add to it (e.g. ``task_key`` once known).
    """
    job = get_current_job()
    fields = {"job_id": job.id if job else None, **fields}
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield fields
    except Exception:
        outcome = "error"
        raise
    finally:
        fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        fields.setdefault("outcome", outcome)
        logger.info("job %s", name, extra=fields)
