"""``maestro worker``: RQ workers on the ``high``, ``default`` and ``low`` queues."""

from __future__ import annotations

from rq import Worker
from rq.job import Job
from rq.job_lifecycle import call_exception_handlers

from jobs.failures import notify_final_failure
from jobs.queues import QUEUE_NAMES
from jobs.runtime import Runtime, set_runtime
from jobs.slack import SetupError


class SetupErrorsOnce:
    """Worker mixin: a job refused for a set-up error gets no traceback in the log.

    RQ logs every failed job with its traceback before the exception handlers run; a
    :class:`~jobs.slack.SetupError` (a missing scope, a revoked token) would then fill the log
    with one traceback per job. Its handler, :func:`~jobs.failures.notify_final_failure`, logs it
    once with the fix instead.
    """

    def handle_exception(self, job: Job, *exc_info) -> None:
        """Run the exception handlers; log the traceback (RQ's way) unless it is a set-up error."""
        if SetupError.from_api_error(exc_info[1]) is None:
            super().handle_exception(job, *exc_info)  # type: ignore[misc]
            return
        call_exception_handlers(self._exc_handlers, job, *exc_info)  # type: ignore[attr-defined]


class MaestroWorker(SetupErrorsOnce, Worker):
    """RQ's forking ``Worker``, logging set-up errors once (:class:`SetupErrorsOnce`)."""


def build_worker(
    runtime: Runtime, *, name: str | None = None, worker_class: type[Worker] = MaestroWorker
) -> Worker:
    """Return a worker on every queue, in priority order, with Maestro's failure handler.

    The runtime is installed for the jobs this process (and its forked work horses) run, and the
    brain is built here, once: RQ forks a work horse per job, and a horse that had to import the
    Anthropic SDK itself would pay over a second per job.
    """
    set_runtime(runtime)
    import jobs.commands  # noqa: F401 - loaded before forking, like the brain
    import jobs.home  # noqa: F401
    import jobs.reports  # noqa: F401
    import jobs.standups  # noqa: F401
    import jobs.threads  # noqa: F401
    from jobs.brains import brain_for

    brain_for(runtime)
    return worker_class(
        list(QUEUE_NAMES),
        connection=runtime.redis,
        name=name,
        exception_handlers=[notify_final_failure],
    )


def run_worker(runtime: Runtime, *, burst: bool = False) -> bool:
    """Run a worker until stopped (or, with ``burst``, until the queues are empty).

    The worker runs RQ's scheduler too, so ``Retry`` intervals and scheduled jobs happen.
    Returns True when it ran at least one job.
    """
    worker = build_worker(runtime)
    return worker.work(burst=burst, with_scheduler=True, logging_level=runtime.settings.maestro_log_level)
