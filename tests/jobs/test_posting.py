"""Posting once when a run was cut off: a made post is adopted, a claim the same job left is taken back."""

from __future__ import annotations

from rq import Queue
from rq.job import Job, JobStatus

from jobs.commands import run_task_command
from jobs.posting import POST_EVENT_TYPE, post_once
from jobs.queues import HIGH, enqueue, job_id_for
from maestro.commands import TaskCommand
from maestro.store import TaskStore

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def cut_off_after_slack_answered(runtime, store: TaskStore, claim: str, **message) -> str:
    """What a run cut off between Slack's answer and its confirmation leaves: a pending claim, a post."""
    assert store.claim_post(claim, owner="job-that-was-cut-off")
    metadata = {"event_type": POST_EVENT_TYPE, "event_payload": {"claim": claim}}
    return runtime.slack.chat_postMessage(metadata=metadata, **message)["ts"]


def test_a_channel_post_whose_confirmation_was_lost_is_adopted_not_made_twice(runtime, sandbox, redis):
    store = TaskStore(redis, TEAM)
    sandbox.workspace.add_user_message(CHANNEL, "U0BOB", "someone talks meanwhile")
    made = cut_off_after_slack_answered(runtime, store, "note:1", channel=CHANNEL, text="T-1 is done")
    assert post_once(runtime, store, "note:1", channel=CHANNEL, text="T-1 is done") == made
    assert store.posted_ts("note:1") == made
    assert [m["text"] for m in sandbox.workspace.messages(CHANNEL)].count("T-1 is done") == 1


def test_a_thread_post_whose_confirmation_was_lost_is_adopted(runtime, sandbox, redis):
    store = TaskStore(redis, TEAM)
    root = runtime.slack.chat_postMessage(channel=CHANNEL, text="card")["ts"]
    made = cut_off_after_slack_answered(
        runtime, store, "note:2", channel=CHANNEL, thread_ts=root, text="moved"
    )
    assert post_once(runtime, store, "note:2", channel=CHANNEL, thread_ts=root, text="moved") == made
    assert len(sandbox.workspace.thread(CHANNEL, root)) == 2


def test_a_pending_claim_of_another_run_with_no_post_yet_is_left_to_it(runtime, sandbox, redis):
    store = TaskStore(redis, TEAM)
    assert store.claim_post("note:3", owner="another-job")
    assert post_once(runtime, store, "note:3", channel=CHANNEL, text="not yet") is None
    assert sandbox.workspace.messages(CHANNEL) == []


def test_history_only_shows_metadata_when_asked_as_slack_does(runtime, sandbox):
    runtime.slack.chat_postMessage(
        channel=CHANNEL, text="x", metadata={"event_type": "e", "event_payload": {}}
    )
    assert "metadata" not in runtime.slack.conversations_history(channel=CHANNEL)["messages"][0]
    assert runtime.slack.conversations_history(channel=CHANNEL, include_all_metadata=True)["messages"][0][
        "metadata"
    ] == {"event_type": "e", "event_payload": {}}


def test_a_retry_takes_back_the_claim_and_card_lock_its_cut_off_attempt_left(
    runtime, sandbox, redis, run_jobs
):
    """A job cut off after claiming its card (and its card lock) but before posting it: its retry posts."""
    sandbox.workspace.fail_next(
        "chat.postMessage", status=503, error="service_unavailable", retry_after=None, times=3
    )
    job = enqueue(
        redis,
        run_task_command,
        TEAM,
        CHANNEL,
        "U0ALICE",
        TaskCommand(verb="new", title="Post me once").model_dump(mode="json"),
        "src-cut",
        queue=HIGH,
        job_id=job_id_for("task", TEAM, "src-cut"),
    )
    run_jobs()
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.SCHEDULED  # for RQ's Retry
    store = TaskStore(redis, TEAM)
    task = store.get(CHANNEL, "T-1")
    assert task.message_ts is None  # the task exists; its card wasn't posted
    # what the cut-off attempt left: its claim and its card lock, both with a lease of minutes
    assert store.claim_post(f"card:{task.id}", owner=job.id)
    redis.set(f"maestro:{TEAM}:cardlock:{task.id}", job.id, px=120_000)
    Queue(HIGH, connection=redis).enqueue_job(Job.fetch(job.id, connection=redis))  # its retry
    assert run_jobs() == 0
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.FINISHED
    posted = [m for m in sandbox.workspace.messages(CHANNEL) if m.get("blocks")]
    assert len(posted) == 1 and store.get(CHANNEL, "T-1").message_ts == posted[0]["ts"]
