"""The close job is idempotent: a re-run changes nothing, posts nothing and enqueues no second report."""

from __future__ import annotations

from datetime import date

from rq import Queue

from jobs.sprints import close_sprint, sprint_report_job_id
from maestro.sprint_store import SprintStore
from maestro.store import NewTask, TaskStore

TEAM, CHANNEL, ALICE = "T0SANDBOX", "C0PROJECT", "U0ALICE"


def test_a_close_job_run_twice_closes_posts_and_enqueues_once(runtime, sandbox, redis):
    TaskStore(redis, TEAM).create_task(CHANNEL, NewTask(title="x"), actor=ALICE, source="n")
    store = SprintStore(redis, TEAM)
    sprint = store.start(CHANNEL, "", actor=ALICE, today=date(2026, 11, 23))
    store.add_tasks(CHANNEL, ["T-1"], actor=ALICE, source="a")

    assert close_sprint(TEAM, CHANNEL, ALICE, "next", "req-1") == sprint.id
    assert close_sprint(TEAM, CHANNEL, ALICE, "next", "req-1") == sprint.id  # RQ's retry after a crash
    posts = [m["text"] for m in sandbox.workspace.messages(CHANNEL)]
    assert len(posts) == 2 and "closed: 0/1 done; 1 moved to *Sprint 2*" in posts[0] and "Retro" in posts[1]
    assert Queue("low", connection=redis).job_ids == [sprint_report_job_id(TEAM, CHANNEL, sprint.id)]
    assert len(store.list(CHANNEL)) == 2 and store.get(CHANNEL, sprint.id).retro_ts is not None

    assert close_sprint(TEAM, CHANNEL, ALICE, "next", "req-2", sprint_id=sprint.id) is None  # a second close
    (refusal,) = sandbox.workspace.ephemerals(CHANNEL, ALICE)
    assert "already closed" in refusal["text"] and len(sandbox.workspace.messages(CHANNEL)) == 2
