"""What the web acknowledges reaches its job: recorded before the answer; a retry revives a lost job."""

from __future__ import annotations

import pytest
from rq import Queue
from rq.job import Job

from jobs import inbox
from jobs.queues import DEFAULT, HIGH
from maestro.cards import ACTION_START
from maestro.settings import build_settings
from maestro.store import TaskStore

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


@pytest.fixture
def settings(redis_url, sandbox, tmp_path):
    """No grace: a job seen in no queue or registry is lost (the e2e tests kill a real worker)."""
    return build_settings(
        redis_url=redis_url,
        slack_api_url=sandbox.api_url,
        maestro_data_dir=tmp_path / "data",
        maestro_inbox_grace=0,
    )


def cards(sandbox) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if m.get("blocks")]


def test_a_slack_retry_of_a_command_whose_job_was_lost_gets_it_done_once(
    pop_like_a_dead_worker, sender, sandbox, redis, run_jobs
):
    sent = sender.command("/task", "new Survive a dead worker")
    assert sent.status == 200
    job_id = pop_like_a_dead_worker()
    assert sender.retry(sent).status == 200
    assert Queue(HIGH, connection=redis).job_ids == [job_id]  # enqueued again, under its own id
    assert sender.retry(sent, num=2).status == 200
    assert Queue(HIGH, connection=redis).job_ids == [job_id]  # queued now: the next retry adds nothing
    assert run_jobs() == 0
    assert [c["blocks"][0]["text"]["text"] for c in cards(sandbox)] == ["T-1 · Survive a dead worker"]
    assert sender.retry(sent, num=3).status == 200
    assert (
        run_jobs() == 0 and len(cards(sandbox)) == 1 and len(TaskStore(redis, TEAM).list_tasks(CHANNEL)) == 1
    )


def test_a_slack_retry_of_a_command_still_queued_enqueues_nothing(sender, redis):
    sent = sender.command("/task", "new Wait your turn")
    sender.retry(sent)
    assert Queue(HIGH, connection=redis).count == 1


def test_a_retried_button_press_whose_job_was_lost_is_applied_once(
    pop_like_a_dead_worker, sender, sandbox, redis, run_jobs
):
    sender.command("/task", "new Press me")
    run_jobs()
    sent = sender.press(cards(sandbox)[0], ACTION_START, channel_id=CHANNEL)
    pop_like_a_dead_worker()
    sender.retry(sent)
    assert run_jobs() == 0
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status.value == "IN_PROGRESS"
    assert [e.action for e in TaskStore(redis, TEAM).events(task.id)].count("started") == 1


def test_the_answer_to_an_event_leaves_after_its_job_is_recorded(sender, redis):
    """Bolt used to answer an event before its listener ran: a web killed in between lost it."""
    sent = sender.mention("what is T-1 about?")
    assert sent.status == 200
    (job_id,) = Queue(DEFAULT, connection=redis).job_ids  # already there when the answer arrives
    assert redis.zscore(inbox.DUE_KEY, job_id) is not None
    assert Job.fetch(job_id, connection=redis).func_name == "jobs.threads.answer_in_thread"
