"""RQ exception handler: tell the requester when a job has failed for good, or can't work at all."""

from __future__ import annotations

import logging
from types import TracebackType

from rq.job import Job

from jobs.replies import tell_requester
from jobs.runtime import get_runtime
from jobs.slack import NotInstalledError, SetupError, log_setup_error

logger = logging.getLogger(__name__)


def notify_final_failure(
    job: Job, exc_type: type[BaseException], exc_value: BaseException, traceback: TracebackType | None
) -> bool:
    """Tell the requester (ephemeral) when ``job`` will not be retried again; keep RQ's handling.

    A :class:`~jobs.slack.SetupError` (a scope missing from the app, a bad or revoked token) is
    never retried — every retry would be refused the same way: it is logged once with its fix
    and the requester is told, in one line, what an admin must do.

    The job stays in RQ's failed registry for inspection (``rq info``, ``FailedJobRegistry``).
    ``job.meta`` must carry ``channel_id`` and ``user_id`` (and ``response_url`` when there is one).

    Returns:
        True, so RQ's own handlers run next.
    """
    if isinstance(exc_value, NotInstalledError):  # uninstalled since it was enqueued: nobody to tell
        job.retries_left = 0
        logger.info("job dropped: %s", exc_value, extra={"job_id": job.id, "outcome": "not installed"})
        return True
    setup = SetupError.from_api_error(exc_value)
    if setup is not None:
        job.retries_left = 0  # read by RQ right after this handler: the job fails for good now
        runtime = get_runtime()
        log_setup_error(setup, runtime.redis)
        _tell(job, setup.told())
        return True
    if job.should_retry:
        return True
    _tell(
        job,
        ":warning: Sorry, that didn't go through and I've stopped retrying. "
        f"Nothing was posted twice. Reference: `{job.id}`.",
    )
    logger.error(
        "job failed for good: %s: %s",
        exc_type.__name__,
        exc_value,
        extra={"job_id": job.id, "outcome": "failed"},
    )
    return True


def _tell(job: Job, text: str) -> None:
    """Tell the job's requester ``text`` ephemerally, when the job knows who asked."""
    meta = job.meta or {}
    if meta.get("channel_id") and meta.get("user_id"):
        try:
            runtime = get_runtime(meta.get("team_id"))
        except NotInstalledError:
            return
        tell_requester(
            runtime,
            text=text,
            channel_id=meta["channel_id"],
            user_id=meta["user_id"],
            response_url=meta.get("response_url"),
        )
