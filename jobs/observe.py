"""One log line per job: team, channel, command or action, task key, job id, duration."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rq import get_current_job

from jobs.slack import SetupError
from maestro import metrics

logger = logging.getLogger("maestro.jobs")


@contextmanager
def job_log(name: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Log one line when the block ends: ``name``, ``fields``, ``job_id``, ``duration_ms``, ``outcome``.

    ``outcome`` is ``ok``, ``error``, ``setup_error`` (Slack says Maestro isn't set up right) or
    what the job set.

    Yields:
        The fields dict; the job may add to it (e.g. ``task_key`` once known).
    """
    job = get_current_job()
    fields = {"job_id": job.id if job else None, **fields}
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield fields
    except Exception as error:
        outcome = "setup_error" if SetupError.from_api_error(error) else "error"
        raise
    finally:
        elapsed = time.perf_counter() - started
        fields["duration_ms"] = round(elapsed * 1000, 1)
        fields.setdefault("outcome", outcome)
        logger.info("job %s", name, extra=fields)
        queue = job.origin if job else "inline"
        metrics.JOBS.labels(queue, name, outcome).inc()  # ok / error / setup_error, not the job's own words
        metrics.JOB_SECONDS.labels(queue, name).observe(elapsed)
