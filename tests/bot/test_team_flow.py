"""/orchestrate → draft → Create tasks → agents work, review, complete, dependents start; threads answered."""

from __future__ import annotations

import json

from rq import Queue
from rq.registry import DeferredJobRegistry

from jobs.queues import QUEUE_NAMES
from maestro.cards import ACTION_APPROVE
from maestro.models import TaskStatus
from maestro.plan_store import PlanStore
from maestro.store import TaskStore
from maestro.team_cards import (
    ACTION_CREATE_TASKS,
    ACTION_EDIT_PLAN,
    ACTION_POST_CARDS,
    ACTION_REPLAN,
    ACTION_START_PLAN,
    VIEW_EDIT_PLAN,
)
from sandbox.examples import ORDER_MANAGEMENT

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def queued(redis) -> int:
    """Jobs still to run: queued, or waiting for a dependency."""
    return sum(
        Queue(name, connection=redis).count + DeferredJobRegistry(name, connection=redis).count
        for name in QUEUE_NAMES
    )


def run_until_quiet(run_jobs, redis, rounds: int = 50) -> int:
    failed = 0
    for _ in range(rounds):
        failed += run_jobs()
        if queued(redis) == 0:
            return failed
    raise AssertionError("jobs kept coming")


def plan_message(sandbox) -> dict:
    return next(
        m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith(("Plan:", "Draft plan:"))
    )


def orchestrate(sender, sandbox, redis, run_jobs, request=ORDER_MANAGEMENT):
    """Ask for a plan; return its draft message."""
    sent = sender.command("/orchestrate", request)
    assert sent.status == 200 and "planning" in sent.body and "Create tasks" in sent.body
    assert run_jobs() == 0
    draft = plan_message(sandbox)
    assert draft["text"].startswith("Draft plan:")
    return draft


def create_tasks(sender, sandbox, redis, run_jobs, user="U0ALICE") -> dict:
    """Press the draft's *Create tasks*; return the plan message."""
    assert (
        sender.press(plan_message(sandbox), ACTION_CREATE_TASKS, channel_id=CHANNEL, user_id=user).status
        == 200
    )
    assert run_until_quiet(run_jobs, redis) == 0
    return plan_message(sandbox)


def buttons(message: dict) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_orchestrate_posts_a_draft_that_create_tasks_puts_on_the_board(sender, sandbox, redis, run_jobs):
    draft = orchestrate(sender, sandbox, redis, run_jobs)
    text = json.dumps(draft["blocks"], ensure_ascii=False)
    assert "*Type* backend-feature (high confidence): It lists 7 things to build" in text
    assert "`R3` Payment processing integration required → P4" in text and "`A2` (check)" in text
    assert "*12 tasks in 6 batches*" in text and "Nothing is on the board yet" in text
    assert buttons(draft) == [ACTION_CREATE_TASKS, ACTION_REPLAN, ACTION_EDIT_PLAN]
    assert "Offline brain" in text
    assert TaskStore(redis, TEAM).list_tasks(CHANNEL) == []  # a draft writes nothing on the board
    assert sandbox.workspace.thread(CHANNEL, draft["ts"])[1:] == []

    plan = create_tasks(sender, sandbox, redis, run_jobs)
    text = json.dumps(plan["blocks"], ensure_ascii=False)
    assert plan["ts"] == draft["ts"] and plan["text"].startswith("Plan:")
    assert "Batch 1" in text and "(in parallel)" in text and "Critical path" in text
    assert "`R3` Payment processing integration required → T-4" in text
    assert buttons(plan) == [ACTION_START_PLAN]
    tasks = TaskStore(redis, TEAM).list_tasks(CHANNEL)
    assert len(tasks) == 12 and all(t.thread_ts == plan["ts"] and t.message_ts is None for t in tasks)
    thread = sandbox.workspace.thread(CHANNEL, plan["ts"])
    assert [m["text"].split(":")[0] for m in thread[1:]] == [f"Batch {n} of 6" for n in range(1, 7)]
    assert len(thread) <= 15, "a 12-task plan's thread stays readable before work starts"
    assert [m for m in sandbox.workspace.messages(CHANNEL)] == [plan]  # nothing else at the top level
    record = PlanStore(TaskStore(redis, TEAM)).get(tasks[0].plan_id)
    assert record.status == "created" and record.batches[0] == ["T-1"] and len(record.batches) == 6

    # pressing again creates nothing more and posts nothing more
    assert (
        sender.press(plan, ACTION_START_PLAN, channel_id=CHANNEL).status == 200
    )  # the draft's button is gone
    run_until_quiet(run_jobs, redis)
    assert len(TaskStore(redis, TEAM).list_tasks(CHANNEL)) == 12


def test_only_the_requester_approvers_or_admins_create_the_tasks(sender, sandbox, redis, run_jobs):
    orchestrate(sender, sandbox, redis, run_jobs)
    create_tasks(sender, sandbox, redis, run_jobs, user="U0BOB")
    assert TaskStore(redis, TEAM).list_tasks(CHANNEL) == []
    (refusal,) = sandbox.workspace.ephemerals(CHANNEL, "U0BOB")
    assert "Only <@U0ALICE>" in refusal["text"] and "Nothing was changed" in refusal["text"]
    assert "<@U0BOB>" in sender.command("/maestro", "approvers add <@U0BOB|bob>").body
    run_until_quiet(run_jobs, redis)
    create_tasks(sender, sandbox, redis, run_jobs, user="U0BOB")  # an approver may
    assert len(TaskStore(redis, TEAM).list_tasks(CHANNEL)) == 12


def test_re_plan_as_changes_the_draft_s_type(sender, sandbox, redis, run_jobs):
    draft = orchestrate(
        sender, sandbox, redis, run_jobs, request="Add a dark mode toggle to the settings page"
    )
    assert "*Type* frontend-feature" in json.dumps(draft["blocks"])
    assert sender.press(draft, ACTION_REPLAN, channel_id=CHANNEL, value="security").status == 200
    assert run_until_quiet(run_jobs, redis) == 0
    text = json.dumps(plan_message(sandbox)["blocks"], ensure_ascii=False)
    assert "*Type* security (high confidence): Chosen by a person" in text
    assert "Re-planned as security by <@U0ALICE>" in text and "Reproduce the reported" in text
    assert TaskStore(redis, TEAM).list_tasks(CHANNEL) == []
    # typed in the plan's thread, once despite a retry
    sent = sender.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0ALICE",
            "text": "re-plan as incident",
            "ts": "1795300009.000100",
            "channel": CHANNEL,
            "thread_ts": draft["ts"],
        }
    )
    sender.resend(sent, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert run_until_quiet(run_jobs, redis) == 0
    text = json.dumps(plan_message(sandbox)["blocks"], ensure_ascii=False)
    assert "*Type* production-error" in text
    replies = [m["text"] for m in sandbox.workspace.thread(CHANNEL, draft["ts"]) if m.get("bot_id")][1:]
    assert replies == ["Re-planned as *production-error*: the draft above shows the new plan."]


def test_a_draft_is_edited_in_a_modal(sender, sandbox, redis, run_jobs):
    draft = orchestrate(sender, sandbox, redis, run_jobs)
    sender.press(draft, ACTION_EDIT_PLAN, channel_id=CHANNEL)
    view = sandbox.workspace.wait_for(sandbox.workspace.views_opened)[-1]["view"]
    assert view["callback_id"] == VIEW_EDIT_PLAN and len(view["blocks"]) == 2 + 2 * 12
    meta = view["private_metadata"]

    def submit(values):
        return sender.submit_view(VIEW_EDIT_PLAN, values, private_metadata=meta)

    refused = submit(
        {"drop": {"drop": {"type": "multi_static_select", "selected_options": [{"value": "P4"}]}}}
    )
    assert "P4 is the only task covering R3" in json.dumps(refused.json())
    role = {"type": "static_select", "selected_option": {"value": "frontend"}}
    ok = submit(
        {
            "drop": {"drop": {"type": "multi_static_select", "selected_options": [{"value": "P12"}]}},
            "title:P8": {"title": "Build the order admin dashboard"},
            "role:P6": {"role": role},
        }
    )
    assert ok.status == 200 and not ok.body
    assert run_until_quiet(run_jobs, redis) == 0
    text = json.dumps(plan_message(sandbox)["blocks"], ensure_ascii=False)
    assert "*11 tasks in 6 batches*" in text and "Build the order admin dashboard" in text
    assert "Edited by <@U0ALICE>: dropped P12; renamed P8; reassigned P6." in text
    plan = create_tasks(sender, sandbox, redis, run_jobs)
    assert len(TaskStore(redis, TEAM).list_tasks(CHANNEL)) == 11 and plan["text"].startswith("Plan:")
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-6").assignee.id == "frontend"
    stale = submit({"title:P8": {"title": "Too late"}})  # the plan is on the board now
    assert stale.status == 200
    run_until_quiet(run_jobs, redis)
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-8").title == "Build the order admin dashboard"


def test_cards_are_posted_when_a_task_starts_or_on_request(sender, sandbox, redis, run_jobs):
    orchestrate(sender, sandbox, redis, run_jobs)
    plan = create_tasks(sender, sandbox, redis, run_jobs)
    thread = sandbox.workspace.thread(CHANNEL, plan["ts"])
    batch_2 = thread[2]
    assert sender.press(batch_2, ACTION_POST_CARDS, channel_id=CHANNEL).status == 200
    run_until_quiet(run_jobs, redis)
    store = TaskStore(redis, TEAM)
    assert store.get(CHANNEL, "T-2").message_ts and not store.get(CHANNEL, "T-1").message_ts
    sender.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0BOB",
            "text": "card T-5",
            "ts": "1795300010.000100",
            "channel": CHANNEL,
            "thread_ts": plan["ts"],
        }
    )
    run_until_quiet(run_jobs, redis)
    assert store.get(CHANNEL, "T-5").message_ts
    cards = [
        m
        for m in sandbox.workspace.thread(CHANNEL, plan["ts"])[1:]
        if (m.get("blocks") or [{}])[0].get("type") == "header"
    ]
    assert len(cards) == 2  # T-2 and T-5, each once


def approve_waiting(sender, sandbox, redis, user="U0ALICE") -> list[str]:
    """Press Approve on every task card waiting for a person's review; return their keys."""
    waiting = [t for t in TaskStore(redis, TEAM).list_tasks(CHANNEL) if t.waits_for_person]
    for task in waiting:
        card = next(
            m for m in sandbox.workspace.thread(CHANNEL, task.thread_root) if m["ts"] == task.message_ts
        )
        assert sender.press(card, ACTION_APPROVE, channel_id=CHANNEL, user_id=user).status == 200
    return [t.key for t in waiting]


def test_started_plan_runs_to_the_last_completion_each_approved_by_a_person(sender, sandbox, redis, run_jobs):
    orchestrate(sender, sandbox, redis, run_jobs)
    plan = create_tasks(sender, sandbox, redis, run_jobs)
    assert sender.press(plan, ACTION_START_PLAN, channel_id=CHANNEL).status == 200
    approved: list[str] = []
    for _ in range(12):
        assert run_until_quiet(run_jobs, redis) == 0
        batch = approve_waiting(sender, sandbox, redis)
        if not batch:
            break
        approved += batch
    tasks = TaskStore(redis, TEAM).list_tasks(CHANNEL)
    assert [t.key for t in tasks if t.status is not TaskStatus.COMPLETED] == []
    assert sorted(approved) == sorted(t.key for t in tasks)  # nothing completed without a person
    assert {(t.completion.kind, t.completion.by) for t in tasks} == {("approval", "U0ALICE")}
    thread = json.dumps(sandbox.workspace.thread(CHANNEL, plan["ts"]), ensure_ascii=False)
    assert thread.count("delivered") >= 12 and "APPROVED" not in thread
    assert thread.count("is waiting for a person's review") == 12 and "no model wrote" in thread
    # the dependent started by itself once its dependency was approved
    events = TaskStore(redis, TEAM).events(next(t for t in tasks if t.key == "T-2").id)
    assert any(e.action == "started" and e.actor == "agent:master" for e in events)
    # the plan message shows the final state; every card was posted when its task started
    assert json.dumps(plan_message(sandbox)["blocks"]).count("[X]") == 12
    assert all(t.message_ts for t in tasks)


def test_a_dependent_waits_for_all_its_dependencies(sender, sandbox, redis, run_jobs):
    orchestrate(sender, sandbox, redis, run_jobs)
    create_tasks(sender, sandbox, redis, run_jobs)
    sender.command(
        "/task", "start T-9"
    )  # the security review; the end-to-end tests (T-11) wait for it and more
    assert run_until_quiet(run_jobs, redis) == 0
    assert approve_waiting(sender, sandbox, redis) == ["T-9"]
    assert run_until_quiet(run_jobs, redis) == 0
    statuses = {t.key: t.status for t in TaskStore(redis, TEAM).list_tasks(CHANNEL)}
    assert statuses.pop("T-9") is TaskStatus.COMPLETED
    assert set(statuses.values()) == {TaskStatus.ASSIGNED}  # T-11 still waits for T-4, T-7, T-8


def test_a_mention_in_a_task_thread_is_answered_once_by_its_agent(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Design the login API --agent backend-architect")
    run_jobs()
    card = sandbox.workspace.messages(CHANNEL)[0]
    sent = sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": "<@UMAESTRO> what are you working on?",
            "ts": "1795300000.000100",
            "channel": CHANNEL,
            "thread_ts": card["ts"],
        },
    )
    assert sent.status == 200
    sender.resend(sent, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert run_jobs() == 0
    replies = [m for m in sandbox.workspace.thread(CHANNEL, card["ts"]) if m.get("bot_id")][1:]
    answers = [m for m in replies if "Backend Architect" in m["text"]]
    assert len(answers) == 1 and "T-1" in answers[0]["text"]


def test_quick_actions_in_a_thread_change_the_task(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the docs --owner <@U0BOB|bob>")
    run_jobs()
    card = sandbox.workspace.messages(CHANNEL)[0]
    for number, text in enumerate(["progress 60", "blocked: waiting for review", "done"]):
        sender.event(
            {
                "type": "message",
                "channel_type": "channel",
                "user": "U0BOB",
                "text": text,
                "ts": f"1795300001.00010{number}",
                "channel": CHANNEL,
                "thread_ts": card["ts"],
            }
        )
        run_jobs()
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status is TaskStatus.BLOCKED and task.blocked_reason == "waiting for review"
    thread = json.dumps(sandbox.workspace.thread(CHANNEL, card["ts"]))
    assert "T-1 is now *In progress* \\u00b7 60%" in thread
    assert "so it can't be marked done" in thread  # "done" while blocked is refused, with what to do


def test_bots_and_unowned_threads_are_not_answered(sender, sandbox, redis, run_jobs):
    sender.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": "U0BOB",
            "text": "hello",
            "ts": "1795300002.000100",
            "channel": CHANNEL,
            "thread_ts": "1795300000.000001",
        }
    )
    sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "bot_id": "B0OTHER",
            "text": "<@UMAESTRO> hi",
            "ts": "1795300002.000200",
            "channel": CHANNEL,
        }
    )
    assert queued(redis) == 0


def test_direct_message_goes_to_the_master(sender, sandbox, redis, run_jobs):
    sender.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0BOB",
            "text": "what can you do?",
            "ts": "1795300003.000100",
            "channel": "D0BOB",
        }
    )
    assert run_jobs() == 0
    replies = [m for m in sandbox.workspace.thread("D0BOB", "1795300003.000100") if m.get("bot_id")]
    assert len(replies) == 1 and replies[0]["text"].startswith("*Master:*")


def test_orchestrate_refuses_bad_requests(sender, redis):
    assert "Say a bit more" in sender.command("/orchestrate", "x").body
    assert "at most 6,000 characters" in sender.command("/orchestrate", "x" * 7000).body
    assert queued(redis) == 0


def test_orchestrate_without_text_opens_the_modal(sender, sandbox, redis, run_jobs):
    sender.command("/orchestrate", "")
    view = sandbox.workspace.wait_for(sandbox.workspace.views_opened)[-1]["view"]  # opened just after the ack
    assert view["callback_id"] == "orchestrate_request" and view["private_metadata"] == CHANNEL
    sender.submit_view(
        "orchestrate_request",
        {
            "request": {
                "request": {
                    "type": "plain_text_input",
                    "value": "Let customers reset their password by email",
                }
            }
        },
        private_metadata=CHANNEL,
    )
    assert run_jobs() == 0
    assert plan_message(sandbox)


def test_agents_roster_and_changes(sender, redis):
    assert "Backend Engineer" in sender.command("/agents", "").body
    assert "Bea" in sender.command("/agents", "rename backend Bea").body
    assert "_disabled_" in sender.command("/agents", "disable security").body
    assert "There's no agent `ghost`" in sender.command("/agents", "tier ghost opus").body
    assert "I can't do" in sender.command("/agents", "tier backend wizard").body
    assert "needs a name" in sender.command("/agents", "add ghost --name Ghost").body
    refused = sender.command("/agents", "frobnicate backend").body
    assert "I can't do" in refused
    assert "Bea" in sender.command("/maestro", "agents").body


def test_usage_and_budget(sender):
    assert "nothing yet" in sender.command("/maestro", "usage").body
    assert "2,000,000 tokens" in sender.command("/maestro", "budget 2,000,000").body
    assert "whole number" in sender.command("/maestro", "budget lots").body
    assert "0 of 2,000,000" in sender.command("/maestro", "usage").body
