"""The team's jobs on a real Redis, the sandbox and the Anthropic stub."""

from __future__ import annotations

import json

from rq import Queue

from jobs.brains import think
from jobs.queues import QUEUE_NAMES
from jobs.team import MAX_REJECTIONS
from maestro.models import TaskStatus, utcnow
from maestro.store import TaskStore
from maestro.usage import UsageStore
from sandbox.anthropic_stub import CALL_TOOL
from sandbox.claude_responder import offline_responder, terminal_of
from tests.evidence import approved_by
from tests.rq_worker import InProcessWorker, drain

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def test_three_rejections_block_the_task_with_the_reason(stub, sender, sandbox, redis, run_jobs):
    def reviewer_rejects(body):
        if terminal_of(body) == "submit_review":
            return {
                CALL_TOOL: "submit_review",
                "verdict": "REJECTED",
                "summary": "Missing tests",
                "must_fix": ["Add tests for the error paths"],
            }
        return offline_responder(body)

    stub.responder = reviewer_rejects
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis, strict=True)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status is TaskStatus.BLOCKED and task.review_rejections == MAX_REJECTIONS
    assert (
        "Rejected 3 times in review" in task.blocked_reason
        and "Add tests for the error paths" in task.blocked_reason
    )
    thread = [m["text"] for m in sandbox.workspace.thread(CHANNEL, task.message_ts)]
    assert sum("delivered" in t for t in thread) == 3 and sum("REJECTED" in t for t in thread) == 3
    # every attempt after the first got the reviewer's must-fix items as context
    work_requests = [  # the first turn of each attempt's loop
        r.body
        for r in stub.requests_for()
        if terminal_of(r.body) == "submit_deliverable" and len(r.body["messages"]) == 1
    ]
    assert len(work_requests) == 3
    assert "Add tests for the error paths" not in json.dumps(work_requests[0]["messages"])
    assert "Add tests for the error paths" in json.dumps(work_requests[1]["messages"])


def test_claude_usage_is_recorded_per_agent(stub, sender, redis, run_jobs):
    sender.command("/task", "new Design the schema --agent database-architect")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis, strict=True)
    rows = {row.agent: row for row in UsageStore(redis, TEAM).summary(CHANNEL, utcnow())["all"]}
    assert set(rows) == {"database-architect", "code-reviewer"}
    assert rows["database-architect"].input > 0 and rows["database-architect"].cost_cents > 0


def test_past_the_budget_claude_is_not_called_and_the_post_says_so(stub, sender, sandbox, redis, run_jobs):
    UsageStore(redis, TEAM).set_budget(CHANNEL, 1000)
    UsageStore(redis, TEAM).record(CHANNEL, "backend", "sonnet", {"input": 1000}, utcnow())
    sender.command("/task", "new Build it --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis, strict=True)
    assert stub.requests_for() == []
    card = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    thread = json.dumps(sandbox.workspace.thread(CHANNEL, card.message_ts))
    assert "Claude wasn't asked" in thread and "budget of 1,000 tokens is used up" in thread


def test_think_without_a_key_uses_the_offline_brain(runtime, redis):
    from agents.brain import PlanContext
    from agents.roster import find_agent, roster_for

    master = find_agent(roster_for([]), "master")
    result = think(
        runtime,
        TEAM,
        CHANNEL,
        master,
        lambda b: b.plan(PlanContext(request="Add a dark mode toggle"), master),
    )
    assert result.brain == "offline" and result.usage == []


# -- resumability: a job that died half-way, re-run by RQ --------------------------------------


def agent_task(sender, run_jobs, title="Build the reset endpoint", role="backend"):
    sender.command("/task", f"new {title} --agent {role}")
    run_jobs()


def test_review_rerun_after_a_crash_starts_the_next_attempt(stub, sender, sandbox, redis, run_jobs):
    from jobs.team import review_task

    stub.responder = lambda body: (
        {CALL_TOOL: "submit_review", "verdict": "REJECTED", "summary": "No tests", "must_fix": ["Add tests"]}
        if terminal_of(body) == "submit_review"
        else offline_responder(body)
    )
    agent_task(sender, run_jobs)
    store = TaskStore(redis, TEAM)
    task = store.get(CHANNEL, "T-1")
    store.apply(CHANNEL, "T-1", "start", actor="U0ALICE", source="manual-start")
    store.apply(CHANNEL, "T-1", "review", actor="agent:backend", source=f"work-{task.id}-1")
    # the first run of the review applied the rejection, then its worker died
    store.apply(
        CHANNEL,
        "T-1",
        "reject",
        actor="agent:code-reviewer",
        source=f"review-{task.id}-1",
        reason="Add tests",
    )
    assert review_task(TEAM, CHANNEL, task.id, 1) == "REJECTED"  # the re-run
    assert sum(Queue(n, connection=redis).count for n in QUEUE_NAMES) == 1  # attempt 2's work job
    assert stub.requests_for() == []  # the crashed run's verdict was applied; nobody asked again
    drain(run_jobs, redis, strict=True)
    work_requests = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"]
    assert '"attempt": 2' in work_requests[0].body["messages"][0]["content"][0]["text"]
    assert store.get(CHANNEL, "T-1").status is TaskStatus.BLOCKED  # attempts 2 and 3 were rejected too


def test_blocked_mid_work_then_unblocked_runs_the_agent_again(sender, sandbox, redis, run_jobs):
    agent_task(sender, run_jobs)
    sender.command("/task", "start T-1")
    store = TaskStore(redis, TEAM)
    sender.command("/task", "block T-1 waiting for the contract")
    InProcessWorker(["high"], connection=redis).work(
        burst=True
    )  # start and block apply before the agent runs
    assert store.get(CHANNEL, "T-1").status is TaskStatus.BLOCKED
    run_jobs()  # the agent's jobs find the task blocked and do nothing
    assert store.get(CHANNEL, "T-1").status is TaskStatus.BLOCKED
    sender.command("/task", "unblock T-1")
    drain(run_jobs, redis, strict=True)
    task = store.get(CHANNEL, "T-1")  # the agent worked it: offline, a draft waiting for a person
    assert task.status is TaskStatus.REVIEW and task.waits_for_person


def test_a_work_job_that_failed_for_good_runs_again_when_the_task_is_restarted(
    sender, sandbox, redis, run_jobs
):
    from rq.job import Job

    from jobs.queues import job_id_for

    agent_task(sender, run_jobs)
    sender.command("/task", "start T-1")
    InProcessWorker(["high"], connection=redis).work(burst=True)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    work = Job.fetch(job_id_for("work", TEAM, task.id, "1"), connection=redis)
    work.retries_left = 0
    work.save()
    sandbox.workspace.fail_next(
        "chat.postMessage", status=500, error="internal_error", retry_after=None, times=10
    )
    assert run_jobs() == 1  # the work job failed for good
    while sandbox.workspace.take_fault("chat.postMessage"):
        pass
    sender.command("/task", "block T-1 Slack was down")
    run_jobs()
    sender.command("/task", "unblock T-1")
    drain(run_jobs, redis, strict=True)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")  # worked again: a draft waiting for a person
    assert task.status is TaskStatus.REVIEW and task.waits_for_person


def test_two_dependencies_completing_at_once_start_the_dependent_once(runtime, sandbox, redis):
    import threading

    from jobs.team import start_ready_dependents
    from maestro.models import Assignee
    from maestro.store import NewTask

    store = TaskStore(redis, TEAM)
    for title in ("a", "b"):
        store.create_task(CHANNEL, NewTask(title=title), actor="U0ALICE", source=f"s-{title}")
    store.create_task(
        CHANNEL,
        NewTask(title="c", assignee=Assignee(kind="agent", id="qa"), depends_on=("T-1", "T-2")),
        actor="U0ALICE",
        source="s-c",
    )
    for key in ("T-1", "T-2"):
        store.apply(CHANNEL, key, "start", actor="U0ALICE", source=f"start-{key}")
        store.apply(
            CHANNEL, key, "done", actor="U0ALICE", evidence=approved_by("U0ALICE"), source=f"done-{key}"
        )
    done = [store.get(CHANNEL, "T-1"), store.get(CHANNEL, "T-2")]
    started: list[list[str]] = []
    threads = [
        threading.Thread(
            target=lambda t=t: started.append(start_ready_dependents(runtime, TaskStore(redis, TEAM), t))
        )
        for t in done
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sum(started, [])) == ["T-3"]
    assert Queue("default", connection=redis).count == 1  # one work job
    assert store.get(CHANNEL, "T-3").status is TaskStatus.IN_PROGRESS


def test_agent_names_are_escaped_in_posts(sender, sandbox, redis, run_jobs):
    sender.command("/agents", "rename backend <!channel> team")
    agent_task(sender, run_jobs)
    sender.command("/task", "start T-1")
    drain(run_jobs, redis, strict=True)
    thread = json.dumps(
        sandbox.workspace.thread(CHANNEL, TaskStore(redis, TEAM).get(CHANNEL, "T-1").message_ts)
    )
    assert "<!channel>" not in thread and "&lt;!channel&gt; team" in thread


def test_a_disabled_agent_does_not_work_the_task_it_is_left_to_a_person(sender, sandbox, redis, run_jobs):
    from jobs.team import run_agent_on_task

    agent_task(sender, run_jobs)  # planned while the agent was enabled
    sender.command("/agents", "disable backend")
    sender.command("/task", "start T-1")
    drain(run_jobs, redis, strict=True)
    store = TaskStore(redis, TEAM)
    task = store.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.IN_PROGRESS  # not BLOCKED: a person has it now
    assert task.assignee.kind == "user" and task.assignee.id == "U0ALICE"  # who created it
    assert run_agent_on_task(TEAM, CHANNEL, task.id, 1) is None  # a re-run changes and posts nothing
    thread = sandbox.workspace.thread(CHANNEL, task.message_ts)
    said = [m["text"] for m in thread if "is disabled in this channel" in m["text"]]
    assert said == [
        "T-1: Backend Engineer is disabled in this channel, so no agent will work this task. "
        "<@U0ALICE>, it's yours now. `/task assign T-1 @someone` hands it on; "
        "`/agents enable backend` then `/task assign T-1 --agent backend` gives it back."
    ]
    assert not any("delivered" in m["text"] for m in thread)
    assert [e.action for e in store.events(task.id)].count("assigned") == 1


def test_three_rejections_escalate_and_an_approval_moves_the_task_on(stub, sender, sandbox, redis, run_jobs):
    reviews = {"n": 0}

    def reviewer_rejects_three_times(body):
        if terminal_of(body) == "submit_review":
            reviews["n"] += 1
            if reviews["n"] <= 3:
                return {
                    CALL_TOOL: "submit_review",
                    "verdict": "REJECTED",
                    "summary": "Missing tests",
                    "must_fix": ["Add tests"],
                }
        return offline_responder(body)

    stub.responder = reviewer_rejects_three_times
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis, strict=True)
    store = TaskStore(redis, TEAM)
    assert store.get(CHANNEL, "T-1").status is TaskStatus.BLOCKED
    escalation = next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation"))
    text = json.dumps(escalation["blocks"])
    assert "rejected 3 times in review" in text and "T-1" in text and "recommended" in text
    approve = next(
        e["action_id"]
        for b in escalation["blocks"]
        for e in b.get("elements", [])
        if e.get("text", {}).get("text") == "Approve"
    )
    sender.press(escalation, approve, channel_id=CHANNEL, user_id="U0ALICE")  # the task's creator decides
    sandbox.workspace.wait_for(lambda: sum(Queue(n, connection=redis).count for n in QUEUE_NAMES) > 0)
    drain(run_jobs, redis, strict=True)
    task = store.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.COMPLETED  # the fourth attempt was approved
    assert "Decided: Approve" in json.dumps(
        next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation"))["blocks"]
    )
    work_requests = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"]
    assert "Decision on the escalation: Approve" in json.dumps(
        work_requests[-1].body["messages"][0]["content"]
    )


def test_an_agents_answer_can_raise_an_escalation(stub, sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Choose the payment provider --agent backend-architect")
    run_jobs()
    card = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    stub.queue_tool_use(
        "submit_reply",
        {
            "text": "This needs a business decision.",
            "escalation": {
                "issue": "Stripe or Adyen for payments?",
                "workflow_stage": "DESIGN",
                "options": [
                    {"label": "Stripe", "tradeoff": "fastest"},
                    {"label": "Adyen", "tradeoff": "cheaper"},
                ],
                "recommendation": "Stripe, to ship sooner",
                "blocking": ["T-1", "T-99"],
            },
        },
    )
    sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": "<@UMAESTRO> which provider?",
            "ts": "1795320000.000100",
            "channel": CHANNEL,
            "thread_ts": card.message_ts,
        }
    )
    assert run_jobs() == 0
    from maestro.escalations import EscalationStore

    (record,) = EscalationStore(redis, TEAM).open_escalations(CHANNEL)
    assert record.raised_by == "agent:backend-architect" and record.blocking == ["T-1"]  # T-99 isn't a task
    assert record.recommended == 0 and [o.label for o in record.options] == ["Stripe", "Adyen"]
    message = next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation"))
    assert "← *recommended*" in json.dumps(message["blocks"], ensure_ascii=False)
