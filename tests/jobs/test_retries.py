import json
import time

from rq.job import Job, JobStatus
from rq.scheduler import RQScheduler

from jobs.commands import run_task_command
from jobs.queues import HIGH, QUEUE_NAMES, enqueue
from maestro.commands import TaskCommand


def test_lost_connection_is_retried_by_rq_and_posts_once(runtime, sandbox, redis, run_jobs):
    """Slack unreachable for a while: slack_sdk's retries run out, then RQ's Retry takes over."""
    response_url = sandbox.new_response_url("C0PROJECT", "U0ALICE")
    sandbox.workspace.fail_next(
        "chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=3
    )
    job = enqueue(
        redis,
        run_task_command,
        "T0SANDBOX",
        "C0PROJECT",
        "U0ALICE",
        TaskCommand(verb="new", title="Survive an outage").model_dump(mode="json"),
        "src-outage",
        response_url,
        queue=HIGH,
        meta={"channel_id": "C0PROJECT", "user_id": "U0ALICE", "response_url": response_url},
    )
    assert run_jobs() == 1  # it raised, and waits for a retry (not failed for good)
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 2
    assert sandbox.workspace.response_posts() == []  # the requester is not bothered yet
    # RQ's scheduler moves the job back to its queue once the first interval (2 s) has passed.
    scheduler = RQScheduler(list(QUEUE_NAMES), connection=redis)
    scheduler.acquire_locks()
    deadline = time.monotonic() + 15
    while (
        Job.fetch(job.id, connection=redis).get_status() == JobStatus.SCHEDULED
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
        scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.QUEUED
    assert run_jobs() == 0
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.FINISHED
    cards = [m for m in sandbox.workspace.messages("C0PROJECT") if m.get("blocks")]
    assert len(cards) == 1 and "Survive an outage" in json.dumps(cards[0]["blocks"])
