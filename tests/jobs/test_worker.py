"""The worker: a job whose end Redis didn't record is retried (its scheduler's restart: tests/e2e)."""

from __future__ import annotations

import os

from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from jobs import inbox
from jobs.queues import HIGH, enqueue


def test_a_job_whose_end_could_not_be_recorded_is_retried_not_left_started(redis, burst_worker):
    """A horse that exits without recording the job's end (as when Redis is away) leaves it for Retry."""
    job = enqueue(redis, os._exit, 0, queue=HIGH)  # the horse ends at once, recording nothing
    log = burst_worker()
    assert "job interrupted by a Redis outage; retrying it" in log
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 2  # Retry runs it again
    assert StartedJobRegistry(HIGH, connection=redis).get_job_ids() == []
    assert redis.zscore(inbox.DUE_KEY, job.id) is not None  # not done yet
    assert Queue(HIGH, connection=redis).count == 0
