"""``maestro worker``: RQ workers on the ``high``, ``default`` and ``low`` queues, that outlive their Redis.

:class:`MaestroWorker` is RQ's forking worker with what Maestro needs so that nothing is lost:

- it closes a job's inbox record (:mod:`jobs.inbox`) in the transaction that ends the job;
- it looks at its scheduler (RQ's ``Retry`` intervals and scheduled jobs) every
  :data:`DEFAULT_WAKE_INTERVAL` seconds and restarts it when it died (a Redis outage kills it),
  instead of at RQ's 10-minute maintenance;
- when Redis goes away while a job runs, it waits for Redis and, if the job's end could not be
  recorded, fails it through RQ so that ``Retry`` runs it again;
- a running job's heartbeat outlives it by :data:`DEFAULT_HEARTBEAT_MARGIN` seconds (RQ: 60), so a
  job whose worker was killed is handed back to ``Retry`` sooner (by RQ's clean-up, which the
  clock runs each minute: :func:`jobs.housekeeping.sweep_inbox`);
- it leaves its pubsub channel without waiting up to a minute for redis-py's thread
  (:class:`QuickUnsubscribe`), so a stop is quick.

:func:`run_worker` starts a new worker when RQ's loop ends on an error (Redis away between jobs)
rather than letting the process exit.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.job_lifecycle import call_exception_handlers
from rq.scheduler import RQScheduler
from rq.utils import now

from jobs import inbox
from jobs.failures import notify_final_failure
from jobs.queues import QUEUE_NAMES
from jobs.runtime import Runtime, set_runtime
from jobs.slack import SetupError

logger = logging.getLogger("maestro.worker")


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


REDIS_AWAY = (RedisConnectionError, RedisTimeoutError)
"""The errors that mean Redis can't be reached (redis-py has already retried)."""

DEFAULT_WAKE_INTERVAL = 5
"""Seconds an idle worker blocks waiting for a job before it looks at its scheduler again."""

DEFAULT_JOB_MONITORING_INTERVAL = 10
"""Seconds between the heartbeats of a running job (RQ: 30)."""

DEFAULT_HEARTBEAT_MARGIN = 30
"""Seconds after a running job's last heartbeat that RQ takes it as abandoned (RQ: 60)."""

DEFAULT_REDIS_WAIT = 5.0
"""Seconds between attempts to reach Redis while it is away, at most."""

DEFAULT_RESTART_BACKOFF = 30.0
"""Seconds, at most, before a worker whose loop ended on an error starts again."""

_ENDED = frozenset({JobStatus.FINISHED, JobStatus.STOPPED, JobStatus.CANCELED})


def wait_for_redis(redis: Redis, *, wait: float = DEFAULT_REDIS_WAIT) -> None:
    """Return once Redis answers a ``PING``; while it doesn't, log once and retry with a back-off."""
    delay, told = 0.2, False
    while True:
        try:
            redis.ping()
        except REDIS_AWAY as error:
            if not told:
                logger.warning("Redis is away (%s); waiting for it", error)
                told = True
            time.sleep(delay)
            delay = min(delay * 2, wait)
            continue
        if told:
            logger.warning("Redis is back")
        return


class QuickUnsubscribe:
    """A worker mixin: leave the pubsub channel as RQ does, waiting at most a second for its thread.

    RQ unsubscribes, then joins the pubsub thread, which redis-py 8 may keep for up to 60 s (it
    waits that long for a subscription): a stop or a burst run would take a minute at times.
    """

    pubsub: Any
    pubsub_thread: Any

    def unsubscribe(self) -> None:
        """Unsubscribe, stop the pubsub thread (waiting 1 s at most) and close the connection."""
        if self.pubsub_thread is not None:
            self.pubsub.unsubscribe()
            self.pubsub_thread.stop(timeout=1)
            self.pubsub.close()


class MaestroWorker(SetupErrorsOnce, QuickUnsubscribe, Worker):
    """RQ's forking worker that keeps its scheduler alive and outlives Redis outages (see the module doc).

    Args:
        *args: :class:`rq.Worker`'s arguments (the queues first).
        scheduler_name: the name of the RQ scheduler this worker runs; kept by the process across
            worker restarts, so it takes back its own scheduler locks at once after an outage.
        **kwargs: :class:`rq.Worker`'s keyword arguments.
    """

    max_connection_wait_time = DEFAULT_REDIS_WAIT

    def __init__(self, *args: Any, scheduler_name: str | None = None, **kwargs: Any):
        kwargs.setdefault("job_monitoring_interval", DEFAULT_JOB_MONITORING_INTERVAL)
        super().__init__(*args, **kwargs)
        self.scheduler_name = scheduler_name or uuid.uuid4().hex
        self.stop_asked = False
        self._execution: Execution | None = None
        self._next_scheduler_look = 0.0

    @property
    def dequeue_timeout(self) -> int:
        """Seconds of each blocking wait for a job (short, so the scheduler is looked at often)."""
        return DEFAULT_WAKE_INTERVAL

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """Seconds a running job's heartbeat lasts: to the next one, plus :data:`DEFAULT_HEARTBEAT_MARGIN`."""
        until_next = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            until_next = int(min(job.timeout - working_time, until_next))
        return until_next + DEFAULT_HEARTBEAT_MARGIN

    def request_stop(self, signum: Any, frame: Any) -> None:
        """Remember that a stop was asked (SIGTERM, SIGINT), then stop as RQ does."""
        self.stop_asked = True
        super().request_stop(signum, frame)

    # -- the scheduler ------------------------------------------------------------------------
    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """Start RQ's scheduler as RQ does, under this worker's :attr:`scheduler_name`."""
        self.scheduler = RQScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
            name=self.scheduler_name,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def _scheduler_due(self) -> bool:
        """True when this worker's scheduler isn't running and it is time to look again."""
        if self.scheduler is None or time.monotonic() < self._next_scheduler_look:
            return False
        process = self.scheduler._process
        return process is None or not process.is_alive()

    def _restart_scheduler(self) -> None:
        """Take the scheduler locks (ours, or expired ones) and start the scheduler; log when it starts."""
        self._next_scheduler_look = time.monotonic() + DEFAULT_WAKE_INTERVAL
        assert self.scheduler is not None
        died = self.scheduler._process is not None
        self.scheduler.acquire_locks(auto_start=True)
        process = self.scheduler._process
        if process is not None and process.is_alive():
            logger.warning(
                "scheduler %s",
                "restarted (it had died)" if died else "started (took over the locks)",
                extra={"worker": self.name, "outcome": "scheduler-restarted"},
            )

    @property
    def should_run_maintenance_tasks(self) -> bool:
        """True when RQ's maintenance is due, or the scheduler is down."""
        return self._scheduler_due() or super().should_run_maintenance_tasks

    def run_maintenance_tasks(self) -> None:
        """Restart a dead scheduler; run RQ's maintenance when it is due."""
        if self._scheduler_due():
            self._restart_scheduler()
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()

    def maintain_heartbeats(self, job: Job, execution: Execution) -> None:
        """Keep a running job's heartbeat, and look at the scheduler meanwhile."""
        super().maintain_heartbeats(job, execution)
        if self._scheduler_due():
            self._restart_scheduler()

    # -- ending jobs --------------------------------------------------------------------------
    def cleanup_execution(self, job: Job, pipeline: Any, execution: Execution | None = None) -> None:
        """Clean up as RQ does; in the same transaction, close the inbox record of a job that has ended."""
        super().cleanup_execution(job, pipeline, execution)
        status = job.get_status(refresh=False)
        if status in _ENDED or (status == JobStatus.FAILED and not job.should_retry):
            inbox.close(pipeline, job.id)

    def prepare_execution(self, job: Job) -> Execution:
        """Register the job's execution as RQ does, and remember it (see :meth:`execute_job`)."""
        self._execution = super().prepare_execution(job)
        return self._execution

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job in a work horse; if Redis went away meanwhile, wait for it and settle the job."""
        try:
            super().execute_job(job, queue)
        except REDIS_AWAY as error:
            logger.warning("Redis went away while a job ran: %s", error, extra={"job_id": job.id})
            if self.horse_pid:
                self.wait_for_horse()  # the horse's own job timeout bounds this
                self._horse_pid = 0
        execution, self._execution = self._execution, None
        if execution is not None:
            self._settle(job, queue, execution)

    def _settle(self, job: Job, queue: Queue, execution: Execution) -> None:
        """Fail ``job`` through RQ (so ``Retry`` runs it again) if its end was not recorded.

        The horse removes its execution from the started registry in the transaction that
        records the job's end; an execution still there after the horse exited means Redis was
        away when the job ended.
        """
        while True:
            try:
                if self.connection.zscore(queue.started_job_registry.key, execution.composite_key) is None:
                    return
                break
            except REDIS_AWAY:
                wait_for_redis(self.connection)
        job.ended_at = now()
        error = RedisConnectionError("Redis went away while the job ran; its end was not recorded")
        logger.warning("job interrupted by a Redis outage; retrying it", extra={"job_id": job.id})
        self.handle_exception(job, type(error), error, None)
        self.handle_job_failure(job, queue, exc_string=str(error), execution=execution)


def build_worker(
    runtime: Runtime,
    *,
    name: str | None = None,
    worker_class: type[Worker] = MaestroWorker,
    scheduler_name: str | None = None,
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
    options: dict[str, Any] = (
        {"scheduler_name": scheduler_name} if issubclass(worker_class, MaestroWorker) else {}
    )
    return worker_class(
        list(QUEUE_NAMES),
        connection=runtime.redis,
        name=name,
        exception_handlers=[notify_final_failure],
        **options,
    )


def _let_go(worker: Worker) -> None:
    """Stop what a worker left running when its loop ended on an error (its scheduler, its pubsub thread)."""
    scheduler = worker.scheduler
    if scheduler is not None and scheduler._process is not None and scheduler._process.is_alive():
        worker.stop_scheduler()
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop(timeout=1)


def run_worker(runtime: Runtime, *, burst: bool = False) -> bool:
    """Run a worker until stopped (or, with ``burst``, until the queues are empty).

    The worker runs RQ's scheduler too, so ``Retry`` intervals and scheduled jobs happen. When
    RQ's loop ends on an error rather than a stop (Redis away between jobs), a new worker starts
    once Redis answers, after a back-off (1 s, doubling, at most :data:`DEFAULT_RESTART_BACKOFF`).
    Returns True when it ran at least one job.
    """
    scheduler_name = uuid.uuid4().hex
    worked, backoff = False, 1.0
    while True:
        worker = build_worker(runtime, scheduler_name=scheduler_name)
        started = time.monotonic()
        try:
            worked = (
                worker.work(
                    burst=burst, with_scheduler=True, logging_level=runtime.settings.maestro_log_level
                )
                or worked
            )
        except REDIS_AWAY as error:
            logger.warning("the worker's loop ended: Redis is away (%s)", error)
        stopping = burst or getattr(worker, "stop_asked", True)
        if stopping:
            return worked
        _let_go(worker)
        if time.monotonic() - started > 60:
            backoff = 1.0
        logger.warning("the worker's loop ended on an error; starting again in %.0f s", backoff)
        try:
            time.sleep(backoff)
            wait_for_redis(runtime.redis)
        except StopRequested:
            return worked
        backoff = min(backoff * 2, DEFAULT_RESTART_BACKOFF)
