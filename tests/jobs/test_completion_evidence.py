"""The board tells the truth: a task is COMPLETED only on evidence, and says which.

Evidence is a person's Done (their own task, or their approval of someone else's work) or a
model-backed review with a finding per acceptance criterion. The offline brain drafts and asks a
person; it never completes, approves or ticks anything.
"""

from __future__ import annotations

import json

from maestro.cards import (
    ACTION_APPROVE,
    ACTION_DONE,
    ACTION_REQUEST_CHANGES,
    CHANGES_INPUT,
    VIEW_REQUEST_CHANGES,
)
from maestro.models import TaskStatus
from maestro.store import TaskStore
from maestro.team_cards import ACTION_START_PLAN
from sandbox.anthropic_stub import CALL_TOOL
from sandbox.claude_responder import offline_responder, terminal_of
from sandbox.examples import ORDER_MANAGEMENT
from tests.rq_worker import drain

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
CRITERIA = "POST /reset sends one email; the link expires after 30 minutes"


def agent_task(sender, run_jobs, redis, role="backend", user="U0ALICE"):
    sender.command(
        "/task", f'new Build the reset endpoint --agent {role} --criteria "{CRITERIA}"', user_id=user
    )
    run_jobs()
    sender.command("/task", "start T-1", user_id=user)
    drain(run_jobs, redis)
    return TaskStore(redis, TEAM).get(CHANNEL, "T-1")


def thread_of(sandbox, task) -> list[dict]:
    return sandbox.workspace.thread(CHANNEL, task.thread_root)


def card_of(sandbox, task) -> dict:
    return next(m for m in sandbox.workspace.messages(CHANNEL) if m["ts"] == task.message_ts)


def review_request(sandbox, task) -> dict:
    (ask,) = [m for m in thread_of(sandbox, task) if "needs a person's review" in m["text"]]
    return ask


# -- offline: drafts wait for a person ------------------------------------------------------------
def test_offline_work_is_a_draft_that_waits_for_a_person(sender, sandbox, redis, run_jobs):
    task = agent_task(sender, run_jobs, redis)
    assert task.status is TaskStatus.REVIEW and task.waits_for_person and task.completion is None
    thread = json.dumps(thread_of(sandbox, task), ensure_ascii=False)
    assert "DRAFT by the offline brain" in thread
    assert "APPROVED" not in thread and "[x]" not in thread and "☑" not in thread
    ask = review_request(sandbox, task)  # asked once, of the requester, with the gate as a checklist
    text = json.dumps(ask["blocks"], ensure_ascii=False)
    assert (
        "<@U0ALICE>" in text
        and "offline brain drafted this" in text
        and "☐ POST /reset sends one email" in text
    )
    assert [e["action_id"] for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        ACTION_APPROVE,
        ACTION_REQUEST_CHANGES,
    ]
    card = json.dumps(card_of(sandbox, task)["blocks"], ensure_ascii=False)
    assert "waiting for a person's review" in card and "☑" not in card and "☐ POST /reset" in card
    sender.command("/task", "list review")
    run_jobs()
    assert "waiting for a person" in json.dumps(sandbox.workspace.ephemerals(user="U0ALICE")[-1])


def test_a_plan_started_offline_completes_nothing(sender, sandbox, redis, run_jobs):
    sender.command("/orchestrate", ORDER_MANAGEMENT)
    run_jobs()
    plan = next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Plan:"))
    sender.press(plan, ACTION_START_PLAN, channel_id=CHANNEL)
    drain(run_jobs, redis)
    tasks = TaskStore(redis, TEAM).list_tasks(CHANNEL)
    assert not [t.key for t in tasks if t.status is TaskStatus.COMPLETED]
    first = [t for t in tasks if t.status is TaskStatus.REVIEW]
    assert first and all(t.waits_for_person for t in first)
    assert all(t.status is TaskStatus.ASSIGNED for t in tasks if t.depends_on), "dependents wait"
    plan = next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Plan:"))
    assert "`[R]` *T-1*" in json.dumps(plan["blocks"])  # the plan message shows where T-1 stands


def test_the_requesters_approval_completes_with_that_evidence_and_starts_dependents(
    sender, sandbox, redis, run_jobs
):
    task = agent_task(sender, run_jobs, redis)
    sender.command("/task", "new Test the reset endpoint --agent qa --after T-1")
    run_jobs()
    sender.press(review_request(sandbox, task), ACTION_APPROVE, channel_id=CHANNEL, user_id="U0ALICE")
    drain(run_jobs, redis)
    store = TaskStore(redis, TEAM)
    done = store.get(CHANNEL, "T-1")
    assert done.status is TaskStatus.COMPLETED
    assert (done.completion.kind, done.completion.by) == ("approval", "U0ALICE")
    assert "Approved by <@U0ALICE>" in json.dumps(card_of(sandbox, done)["blocks"])
    assert any(e.action == "done" and e.detail["evidence"]["by"] == "U0ALICE" for e in store.events(done.id))
    assert store.get(CHANNEL, "T-2").status is TaskStatus.REVIEW  # QA drafted its part, and waits too


def test_request_changes_sends_the_work_back_with_the_reason(sender, sandbox, redis, run_jobs):
    task = agent_task(sender, run_jobs, redis)
    sender.press(review_request(sandbox, task), ACTION_REQUEST_CHANGES, channel_id=CHANNEL, user_id="U0BOB")
    view = sandbox.workspace.views_opened()[-1]["view"]
    assert view["callback_id"] == VIEW_REQUEST_CHANGES
    sender.submit_view(
        VIEW_REQUEST_CHANGES,
        {CHANGES_INPUT: {CHANGES_INPUT: "Rate-limit the endpoint"}},
        user_id="U0BOB",
        private_metadata=view["private_metadata"],
    )
    drain(run_jobs, redis)
    again = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert again.review_rejections == 1 and again.status is TaskStatus.REVIEW and again.waits_for_person
    thread = json.dumps(thread_of(sandbox, again), ensure_ascii=False)
    assert "Rate-limit the endpoint" in thread and "(attempt 2)" in thread
    assert sum("needs a person's review" in m["text"] for m in thread_of(sandbox, again)) == 2


def test_nobody_approves_their_own_work_in_review(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the runbook --owner <@U0BOB>", user_id="U0ALICE")
    run_jobs()
    for command in ("start T-1", "review T-1"):
        sender.command("/task", command, user_id="U0BOB")
        run_jobs()
    sender.command("/task", "done T-1", user_id="U0BOB")
    run_jobs()
    store = TaskStore(redis, TEAM)
    task = store.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.REVIEW and task.waits_for_person  # unchanged
    refusal = sandbox.workspace.ephemerals(user="U0BOB")[-1]["text"]
    assert "your own work in review" in refusal and "<@U0ALICE>" in refusal
    sender.press(card_of(sandbox, task), ACTION_APPROVE, channel_id=CHANNEL, user_id="U0ALICE")
    run_jobs()
    assert store.get(CHANNEL, "T-1").completion.by == "U0ALICE"


def test_a_person_marks_their_own_task_done_while_working_it(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the runbook --owner <@U0BOB>", user_id="U0ALICE")
    run_jobs()
    sender.command("/task", "start T-1", user_id="U0BOB")
    run_jobs()
    card = card_of(sandbox, TaskStore(redis, TEAM).get(CHANNEL, "T-1"))
    sender.press(card, ACTION_DONE, channel_id=CHANNEL, user_id="U0BOB")
    run_jobs()
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status is TaskStatus.COMPLETED and task.completion.by == "U0BOB"
    assert "Done by <@U0BOB>, who worked it" in json.dumps(card_of(sandbox, task)["blocks"])


def test_with_approvers_only_they_approve(sender, sandbox, redis, run_jobs):
    sender.command("/maestro", "approvers add <@U0CAROL>")
    task = agent_task(sender, run_jobs, redis)
    ask = review_request(sandbox, task)
    assert "<@U0CAROL>" in json.dumps(ask["blocks"])  # the approvers are asked
    sender.press(ask, ACTION_APPROVE, channel_id=CHANNEL, user_id="U0BOB")
    run_jobs()
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").status is TaskStatus.REVIEW
    assert (
        "Only this channel's approvers (<@U0CAROL>)" in sandbox.workspace.ephemerals(user="U0BOB")[-1]["text"]
    )
    sender.press(ask, ACTION_APPROVE, channel_id=CHANNEL, user_id="U0CAROL")
    run_jobs()
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").completion.by == "U0CAROL"


def test_a_disabled_reviewer_hands_the_review_to_a_person(stub, sender, sandbox, redis, run_jobs):
    sender.command("/agents", "disable code-reviewer")
    task = agent_task(sender, run_jobs, redis)
    assert task.status is TaskStatus.REVIEW and task.waits_for_person
    assert "Code Reviewer is disabled in this channel" in json.dumps(review_request(sandbox, task)["blocks"])
    assert not [r for r in stub.requests_for() if terminal_of(r.body) == "submit_review"]


# -- a model-backed review completes, with a finding per criterion ------------------------------
def test_a_claude_review_completes_with_findings_per_criterion(stub, sender, sandbox, redis, run_jobs):
    task = agent_task(sender, run_jobs, redis)
    assert task.status is TaskStatus.COMPLETED
    evidence = task.completion
    assert (evidence.kind, evidence.by, evidence.criteria_met, evidence.criteria_total) == (
        "review",
        "agent:code-reviewer",
        2,
        2,
    )
    assert [f.status for f in task.criteria_findings] == ["met", "met"]
    card = json.dumps(card_of(sandbox, task)["blocks"], ensure_ascii=False)
    assert "Reviewed by Code Reviewer (Claude) — 2/2 criteria met" in card
    assert "☑ POST /reset sends one email" in card


def test_a_review_without_findings_is_repaired_then_handed_to_a_person(
    stub, sender, sandbox, redis, run_jobs
):
    def no_findings(body):
        if terminal_of(body) == "submit_review":
            return {CALL_TOOL: "submit_review", "verdict": "APPROVED", "summary": "Looks good to me."}
        return offline_responder(body)

    stub.responder = no_findings
    task = agent_task(sender, run_jobs, redis)
    assert task.status is TaskStatus.REVIEW and task.waits_for_person and task.completion is None
    reviews = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_review"]
    assert len(reviews) == 8  # every turn of the loop was told what to fix, then the loop gave up
    assert "one finding per acceptance criterion" in json.dumps(reviews[1].body["messages"][-1])
    assert "didn't validate" in json.dumps(review_request(sandbox, task)["blocks"])


def test_a_finding_not_met_rejects(stub, sender, sandbox, redis, run_jobs):
    first, second = CRITERIA.split("; ")

    def half_met(body):
        if terminal_of(body) == "submit_review":
            return {
                CALL_TOOL: "submit_review",
                "verdict": "REJECTED",
                "summary": "The expiry is missing.",
                "findings": [
                    {"criterion": first, "status": "met", "reason": "“sends one email”"},
                    {"criterion": second, "status": "not_met", "reason": "no expiry anywhere"},
                ],
                "must_fix": ["Expire the link after 30 minutes"],
            }
        return offline_responder(body)

    stub.responder = half_met
    sender.command("/task", f'new Build the reset endpoint --agent backend --criteria "{CRITERIA}"')
    run_jobs()
    sender.command("/task", "start T-1")
    run_jobs()  # work, then the first review
    run_jobs()
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.review_rejections >= 1 and task.completion is None
    card = json.dumps(card_of(sandbox, task)["blocks"], ensure_ascii=False)
    assert "☒ the link expires after 30 minutes (not met) — _no expiry anywhere_" in card


def test_claude_falling_back_while_working_gives_a_draft_for_a_person(stub, sender, sandbox, redis, run_jobs):
    stub.queue_error(529)
    task = agent_task(sender, run_jobs, redis)
    assert task.status is TaskStatus.REVIEW and task.waits_for_person
    assert "overloaded (529)" in json.dumps(review_request(sandbox, task)["blocks"])
    assert not [r for r in stub.requests_for() if terminal_of(r.body) == "submit_review"]
