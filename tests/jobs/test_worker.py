"""The worker: its scheduler comes back when it dies, and a job whose end wasn't recorded is retried."""

from __future__ import annotations

import os
import signal

from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler

from jobs import inbox
from jobs.queues import HIGH, enqueue
from jobs.worker import MaestroWorker, build_worker


def test_a_dead_scheduler_is_restarted_at_the_next_look_not_at_the_ten_minute_maintenance(redis, runtime):
    worker = build_worker(runtime)
    worker._start_scheduler()  # what work(with_scheduler=True) does
    try:
        first = worker.scheduler._process
        assert first.is_alive()
        worker.run_maintenance_tasks()  # RQ's first maintenance: cleans registries, sets last_cleaned_at
        assert not worker.should_run_maintenance_tasks  # the next one is ten minutes away
        os.kill(first.pid, signal.SIGKILL)  # e.g. a Redis outage kills it (rq.scheduler … ConnectionError)
        first.join()
        assert worker.should_run_maintenance_tasks
        worker.run_maintenance_tasks()
        second = worker.scheduler._process
        assert second.pid != first.pid and second.is_alive()
        # it took back its own lock at once (the dead one's lock lasts another minute)
        assert redis.get(RQScheduler.get_locking_key(HIGH)).decode() == worker.scheduler_name
    finally:
        worker.stop_scheduler()


def test_a_job_whose_end_could_not_be_recorded_is_retried_not_left_started(redis, runtime, caplog):
    """A horse that exits without recording the job's end (as when Redis is away) leaves it for Retry."""
    job = enqueue(redis, os._exit, 0, queue=HIGH)  # the horse ends at once, recording nothing
    MaestroWorker([HIGH], connection=redis).work(burst=True)
    assert "job interrupted by a Redis outage; retrying it" in caplog.messages
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 2  # Retry runs it again
    assert StartedJobRegistry(HIGH, connection=redis).get_job_ids() == []
    assert redis.zscore(inbox.DUE_KEY, job.id) is not None  # not done yet
    assert Queue(HIGH, connection=redis).count == 0
