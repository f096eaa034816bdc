"""RQ exception handler: tell the requester when a job has failed for good."""

from __future__ import annotations

import logging
from types import TracebackType

from rq.job import Job

from jobs.replies import tell_requester
from jobs.runtime import get_runtime

logger = logging.getLogger(__name__)


def notify_final_failure(
    job: Job, exc_type: type[BaseException], exc_value: BaseException, traceback: TracebackType | None
) -> bool:
    """Tell the requester (ephemeral) when ``job`` will not be retried again; keep RQ's handling.

    The job stays in RQ's failed registry for inspection (``rq info``, ``FailedJobRegistry``).
    ``job.meta`` must carry ``channel_id`` and ``user_id`` (and ``response_url`` when there is one).

    Returns:
        True, so RQ's own handlers run next.
    """
    if job.should_retry:
        return True
    meta = job.meta or {}
    if meta.get("channel_id") and meta.get("user_id"):
        tell_requester(
            get_runtime(),
            text=(
                ":warning: Sorry, that didn't go through and I've stopped retrying. "
                f"Nothing was posted twice. Reference: `{job.id}`."
            ),
            channel_id=meta["channel_id"],
            user_id=meta["user_id"],
            response_url=meta.get("response_url"),
        )
    logger.error(
        "job failed for good: %s: %s",
        exc_type.__name__,
        exc_value,
        extra={"job_id": job.id, "outcome": "failed"},
    )
    return True
