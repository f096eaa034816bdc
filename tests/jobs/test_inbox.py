"""The inbox: every job is tracked until it has run; one a dead worker dropped is enqueued again."""

from __future__ import annotations

import time

import pytest
from rq import Queue, SimpleWorker
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from jobs import inbox
from jobs.commands import run_task_command
from jobs.housekeeping import sweep_inbox
from jobs.queues import HIGH, enqueue, job_id_for
from jobs.schedules import schedules
from maestro.commands import TaskCommand
from maestro.store import TaskStore

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def new_task(redis, title: str = "Survive a kill", source: str = "src-1"):
    return enqueue(
        redis,
        run_task_command,
        TEAM,
        CHANNEL,
        "U0ALICE",
        TaskCommand(verb="new", title=title).model_dump(mode="json"),
        source,
        queue=HIGH,
        job_id=job_id_for("task", TEAM, source),
    )


def cards(sandbox) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if m.get("blocks")]


def test_a_job_is_enqueued_with_its_inbox_record_in_one_transaction(redis):
    job = new_task(redis)
    assert Queue(HIGH, connection=redis).job_ids == [job.id]
    assert redis.zscore(inbox.DUE_KEY, job.id) is not None
    with redis.monitor() as monitor:
        new_task(redis, source="src-2")
        seen = []
        for _ in range(40):
            command = monitor.next_command()["command"]
            seen.append(command.split()[0].upper())
            if seen[-1] == "EXEC":
                break
    # one MULTI/EXEC holds the job, its queue push and its inbox record
    body = seen[seen.index("MULTI") :]
    assert {"HSET", "RPUSH", "ZADD"} <= set(body) and body[-1] == "EXEC"


def test_a_job_popped_by_a_killed_worker_is_enqueued_again_once_after_the_grace(
    pop_like_a_dead_worker, redis, runtime, sandbox, run_jobs
):
    job = new_task(redis)
    assert pop_like_a_dead_worker() == job.id  # in no queue and no registry now
    now = time.time()
    first = inbox.sweep(redis, grace=30, now=now + 31)
    assert first.lost == [job.id] and first.revived == []  # seen lost: looked at again after the grace
    assert inbox.sweep(redis, grace=30, now=now + 40).lost == []  # not due yet
    second = inbox.sweep(redis, grace=30, now=now + 62)
    assert second.revived == [job.id]
    assert Queue(HIGH, connection=redis).job_ids == [job.id]  # under its own id, once
    assert inbox.sweep(redis, grace=30, now=now + 100).alive == [job.id]  # queued: left alone
    assert Queue(HIGH, connection=redis).job_ids == [job.id]
    assert run_jobs() == 0
    assert len(cards(sandbox)) == 1 and TaskStore(redis, TEAM).get(CHANNEL, "T-1").title == "Survive a kill"
    assert inbox.sweep(redis, grace=30, now=now + 200).ended == [job.id]
    assert inbox.pending(redis) == 0


def test_the_sweep_leaves_queued_running_and_retrying_jobs_alone(redis, runtime):
    queued, running, retrying = (new_task(redis, source=f"src-{i}") for i in range(3))
    Queue(HIGH, connection=redis).remove(running.id)
    worker = SimpleWorker([HIGH], connection=redis)
    execution = worker.prepare_execution(running)  # what a worker does right after BLPOP
    Queue(HIGH, connection=redis).remove(retrying.id)
    retrying.retries_left = 2
    with redis.pipeline() as pipe:
        retrying.retry(Queue(HIGH, connection=redis), pipe)  # a failed attempt: scheduled in 2 s
        pipe.execute()
    found = inbox.sweep(redis, grace=0, now=time.time() + 3600)
    assert sorted(found.alive) == sorted([queued.id, running.id, retrying.id]) and found.revived == []
    assert execution.composite_key.encode() in redis.zrange(
        StartedJobRegistry(HIGH, connection=redis).key, 0, -1
    )


def test_a_worker_closes_the_record_in_the_transaction_that_ends_the_job(redis, sandbox, burst_worker):
    job = new_task(redis)
    burst_worker()
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.FINISHED
    assert redis.zscore(inbox.DUE_KEY, job.id) is None


def test_a_failed_attempt_keeps_the_record_until_the_job_fails_for_good(redis, sandbox, burst_worker):
    sandbox.workspace.fail_next("conversations.info", status=503, error="service_unavailable", times=50)
    job = new_task(redis)
    burst_worker()
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == JobStatus.SCHEDULED and redis.zscore(inbox.DUE_KEY, job.id) is not None
    job.retries_left = 0
    job.save()
    Queue(HIGH, connection=redis).enqueue_job(job)
    burst_worker()
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.FAILED
    assert redis.zscore(inbox.DUE_KEY, job.id) is None


def test_the_clock_sweeps_each_minute_in_its_own_process_one_clock_at_a_time(
    pop_like_a_dead_worker, redis, runtime, sandbox, run_jobs
):
    sweep = next(s for s in schedules() if s.id == "inbox-sweep")
    assert sweep.in_clock and sweep.period == 60 and sweep.job is sweep_inbox
    job = new_task(redis)
    pop_like_a_dead_worker()
    quick = runtime.settings.model_copy(update={"maestro_inbox_grace": 0})
    runtime.settings = quick
    redis.set("maestro:inbox:sweeping", "1")  # another clock is sweeping
    assert sweep_inbox(runtime) is None and Queue(HIGH, connection=redis).count == 0
    redis.delete("maestro:inbox:sweeping")
    assert sweep_inbox(runtime).revived == [job.id]
    run_jobs()
    assert len(cards(sandbox)) == 1


def test_a_unique_job_is_recorded_too_and_a_duplicate_changes_nothing(redis):
    """RQ enqueues ``unique`` jobs with its own Lua script: the record is written just before it."""
    job = enqueue(redis, run_task_command, TEAM, queue=HIGH, job_id="clock-standup-1", unique=True)
    assert redis.zscore(inbox.DUE_KEY, job.id) is not None
    with pytest.raises(DuplicateJobError):
        enqueue(redis, run_task_command, TEAM, queue=HIGH, job_id="clock-standup-1", unique=True)
    assert Queue(HIGH, connection=redis).job_ids == [job.id] and inbox.pending(redis) == 1
