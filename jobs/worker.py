"""``maestro worker``: RQ workers on the ``high``, ``default`` and ``low`` queues."""

from __future__ import annotations

from rq import Worker

from jobs.failures import notify_final_failure
from jobs.queues import QUEUE_NAMES
from jobs.runtime import Runtime, set_runtime


def build_worker(runtime: Runtime, *, name: str | None = None, worker_class: type[Worker] = Worker) -> Worker:
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
