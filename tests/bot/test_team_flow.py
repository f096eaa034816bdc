"""/orchestrate → draft → Create tasks → agents work, review, complete, dependents start; threads answered."""

from __future__ import annotations

import json

from rq import Queue
from rq.registry import DeferredJobRegistry

from jobs.queues import QUEUE_NAMES
from jobs.threads import answer_in_thread
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


def test_a_plan_of_part_of_the_request_says_so_at_the_top(sender, sandbox, redis, run_jobs):
    request = "Build a CRM\n" + "\n".join(f"- Customers can do thing {i}" for i in range(1, 31))
    plan = orchestrate(sender, sandbox, redis, run_jobs, request)
    header, first, *rest = plan["blocks"]  # the draft says so at its top …
    assert header["type"] == "header"
    assert first["text"]["text"].startswith(":warning: *Not all of the request is planned.* ")
    assert "first 25 of the request's 30 requirements" in first["text"]["text"]
    assert "not planned" not in json.dumps(rest)
    header, first, *rest = create_tasks(sender, sandbox, redis, run_jobs)["blocks"]  # … and the plan too
    assert first["text"]["text"].startswith(":warning: *Not all of the request is planned.* ")
    assert "first 25 of the request's 30 requirements" in first["text"]["text"]
    assert "not planned" not in json.dumps(rest)  # said once, at the top


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


def _say_in_thread(sender, thread_ts: str, text: str, ts: str, user: str = "U0BOB", channel: str = CHANNEL):
    return sender.event(
        {
            "type": "message",
            "channel_type": "channel",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "thread_ts": thread_ts,
        }
    )


def _bot_replies(sandbox, ts: str) -> list[str]:
    return [m["text"] for m in sandbox.workspace.thread(CHANNEL, ts)[1:] if m.get("bot_id")]


def test_quick_actions_in_a_thread_change_the_task(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the docs --owner <@U0BOB|bob>")
    run_jobs()
    card = sandbox.workspace.messages(CHANNEL)[0]
    for number, text in enumerate(["progress 60", "blocked: waiting for review", "done"]):
        _say_in_thread(sender, card["ts"], text, f"1795300001.00010{number}")
        run_jobs()
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status is TaskStatus.BLOCKED and task.blocked_reason == "waiting for review"
    # one message per quick action: the change's note, as a button would have posted it
    assert _bot_replies(sandbox, card["ts"]) == [
        "<@U0BOB> set T-1 to *60%*.",
        "<@U0BOB> blocked T-1: waiting for review",
    ]
    # "done" while blocked is refused, with what to do, only to bob and in the thread
    (refusal,) = sandbox.workspace.ephemerals(channel=CHANNEL)
    assert refusal["user"] == "U0BOB" and refusal["thread_ts"] == card["ts"]
    assert "so it can't be marked done" in refusal["text"]


def test_a_quick_action_run_twice_answers_once(sender, sandbox, redis, run_jobs, runtime):
    sender.command("/task", "new Write the docs --owner <@U0BOB|bob>")
    run_jobs()
    card = sandbox.workspace.messages(CHANNEL)[0]
    said = ["progress 30", "assign <@U0CAROL>", "T-9 done"]
    for _ in range(2):  # a job re-run (at-least-once delivery) changes and says nothing twice
        for number, text in enumerate(said):
            event_id, ts = f"Ev0QUICK{number}", f"179530000{number}.1"
            answer_in_thread(TEAM, CHANNEL, "U0BOB", card["ts"], text, event_id, ts)
    assert _bot_replies(sandbox, card["ts"]) == [
        "<@U0BOB> set T-1 to *30%*.",
        "<@U0BOB> assigned T-1 to <@U0CAROL>.",
    ]
    refusals = sandbox.workspace.ephemerals(channel=CHANNEL, user="U0BOB")
    assert [r["text"] for r in refusals] == [
        ":warning: There's no task T-9 in this channel. `/task list` shows the board."
    ]


def test_a_quick_action_without_a_task_is_refused_privately(sender, sandbox, redis, run_jobs):
    sender.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0BOB",
            "text": "done",
            "ts": "1795300005.000100",
            "channel": "D0BOB",
        }
    )
    assert run_jobs() == 0
    assert [m for m in sandbox.workspace.thread("D0BOB", "1795300005.000100") if m.get("bot_id")] == []
    (refusal,) = sandbox.workspace.ephemerals(channel="D0BOB", user="U0BOB")
    assert refusal["text"].startswith(":warning: Which task?")


def test_a_quick_action_typed_outside_the_tasks_thread_is_answered_there(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the docs --owner <@U0BOB|bob>")
    run_jobs()
    card = sandbox.workspace.messages(CHANNEL)[0]
    sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": "<@UMAESTRO> T-1 progress 40",
            "ts": "1795300006.000100",
            "channel": CHANNEL,
        }
    )
    assert run_jobs() == 0
    assert _bot_replies(sandbox, card["ts"]) == ["<@U0BOB> set T-1 to *40%*."]
    here = [m["text"] for m in sandbox.workspace.thread(CHANNEL, "1795300006.000100") if m.get("bot_id")]
    assert here == ["<@U0BOB> set T-1 to *40%*."]


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
    renamed = sender.command("/agents", "rename backend Bea").body
    assert renamed == (
        "Renamed *Backend Engineer* to *Bea* in <#C0PROJECT>. "
        "`/agents rename backend Backend Engineer` undoes it."
    )
    disabled = sender.command("/agents", "disable security").body
    assert disabled.startswith("Disabled *Security Engineer* in <#C0PROJECT>. ")
    assert "New plans give its tasks to *Code Reviewer*" in disabled
    assert disabled.endswith("`/agents enable security` undoes it.")
    assert "Bea" not in disabled  # what changed, not the whole roster
    assert "Nothing changed" in sender.command("/agents", "disable security").body
    assert "_disabled_" in sender.command("/agents", "list").body  # the roster still shows it
    assert "There's no agent `ghost`" in sender.command("/agents", "tier ghost opus").body
    assert "needs a name" in sender.command("/agents", "add ghost --name Ghost").body
    refused = sender.command("/agents", "frobnicate backend").body
    assert "I can't do" in refused
    assert "Bea" in sender.command("/maestro", "agents").body


def test_agents_refuses_bad_input_with_a_sentence_and_changes_nothing(sender, redis):
    from maestro.team_store import TeamStore

    answers = {
        "add backend --name Twin --specialty APIs --based-on backend": "There's already an agent `backend`",
        "add Data_Eng --name D --specialty ETL --based-on backend": "lowercase letters, digits and hyphens",
        "tier backend wizard": "A tier is `haiku`, `sonnet` or `opus`, e.g. `/agents tier backend opus`",
        "tier backend": "A tier is `haiku`, `sonnet` or `opus`",
        "add data-eng --name D --specialty ETL --based-on backend --tier huge": "A tier is",
        "rename backend " + "B" * 61: "A name is 1–60 characters",
        "rename backend": "Say the new name, e.g. `/agents rename backend Bea`",
        "add data-eng --name D --specialty ETL --based-on ghost": "`--based-on` one of: master, tpm",
        "disable security now": "takes only the agent's id",
        "load - id: Bad Id": "Agent #1: An agent id is 2–40 characters",
    }
    for text, expected in answers.items():
        body = sender.command("/agents", text).body
        assert expected in body, (text, body)
        assert "pattern" not in body and "^[a-z" not in body and "String should" not in body
    assert TeamStore(redis, TEAM).roster_overrides(CHANNEL) == []


def test_agents_replies_say_what_changed(sender, redis):
    tier = sender.command("/agents", "tier backend opus").body
    assert tier == (
        "Moved *Backend Engineer* from sonnet to opus in <#C0PROJECT>. "
        "`/agents tier backend sonnet` undoes it."
    )
    master = sender.command("/agents", "disable master").body
    assert "`/orchestrate` is refused here until it's enabled again" in master
    added = sender.command(
        "/agents", 'add data-eng --name "Data <!channel>" --specialty ETL --based-on backend'
    ).body
    assert added == (
        "Added *Data &lt;!channel&gt;* (`data-eng`, opus) in <#C0PROJECT>. "  # as backend, its template
        "`/agents disable data-eng` turns it off."
    )
    reset = sender.command("/agents", "reset").body
    assert reset.startswith("Changed the team in <#C0PROJECT>:\n")
    assert "• Moved *Backend Engineer* from opus to sonnet" in reset and "• Enabled *Master*" in reset
    assert "• Removed *Data &lt;!channel&gt;* (`data-eng`)" in reset
    assert "Nothing changed" in sender.command("/agents", "reset").body


def test_with_approvers_only_they_or_an_admin_change_budget_tiers_and_the_team(sender, redis):
    from maestro.escalations import EscalationStore
    from maestro.team_store import TeamStore
    from maestro.usage import UsageStore

    carol, bob = "U0CAROL", "U0BOB"  # neither is an admin
    assert (
        "Disabled *QA Engineer*" in sender.command("/agents", "disable qa", user_id=carol).body
    )  # no approvers
    sender.command("/agents", "enable qa", user_id=carol)
    EscalationStore(redis, TEAM).add_approver(CHANNEL, bob)
    for command, text in [
        ("/maestro", "budget off"),
        ("/maestro", "budget 5000"),
        ("/agents", "tier qa opus"),
        ("/agents", "disable qa"),
        ("/agents", "rename qa Quinn"),
        ("/agents", "add data-eng --name D --specialty ETL --based-on backend"),
        ("/agents", "load - id: qa\n  enabled: false"),
        ("/agents", "reset"),
    ]:
        body = sender.command(command, text, user_id=carol).body
        assert "Only the approver (<@U0BOB>) or a workspace admin can" in body, (text, body)
        assert "Nothing was changed" in body
    assert TeamStore(redis, TEAM).roster_overrides(CHANNEL) == [{"id": "qa", "enabled": True}]
    assert UsageStore(redis, TEAM).budget(CHANNEL) is None
    assert "QA Engineer" in sender.command("/agents", "", user_id=carol).body  # reading is for everyone
    assert "No monthly token budget" in sender.command("/maestro", "budget", user_id=carol).body
    assert (
        "Moved *QA Engineer*" in sender.command("/agents", "tier qa opus", user_id=bob).body
    )  # the approver
    assert "5,000 tokens" in sender.command("/maestro", "budget 5000", user_id="U0ALICE").body  # an admin


def test_usage_and_budget(sender):
    assert "nothing yet" in sender.command("/maestro", "usage").body
    assert "2,000,000 tokens" in sender.command("/maestro", "budget 2,000,000").body
    assert "whole number" in sender.command("/maestro", "budget lots").body
    assert "0 of 2,000,000" in sender.command("/maestro", "usage").body


def test_a_disabled_master_refuses_orchestrate_before_anything_is_posted(sender, sandbox, redis, run_jobs):
    sender.command("/agents", "disable master")
    sender.command("/orchestrate", "Let customers reset their password by email")
    assert run_until_quiet(run_jobs, redis) == 0
    assert sandbox.workspace.messages(CHANNEL) == []  # no placeholder, no plan, no cards
    assert TaskStore(redis, TEAM).list_tasks(CHANNEL) == []
    told = [e["text"] for e in sandbox.workspace.ephemerals(CHANNEL, "U0ALICE")]
    assert any(
        "The Master is disabled in this channel" in t and "`/agents enable master`" in t for t in told
    ), told


def test_a_disabled_role_is_planned_to_its_nearest_enabled_role(sender, sandbox, redis, run_jobs):
    sender.command("/agents", "disable security")
    orchestrate(sender, sandbox, redis, run_jobs)
    plan = create_tasks(sender, sandbox, redis, run_jobs)
    tasks = {t.key: t for t in TaskStore(redis, TEAM).list_tasks(CHANNEL)}
    assert tasks["T-9"].title.startswith("Review the security")
    assert tasks["T-9"].assignee.id == "code-reviewer"
    assert not any(t.assignee.id == "security" for t in tasks.values())
    text = json.dumps(plan["blocks"], ensure_ascii=False)
    assert "*Security Engineer* is disabled here: T-9 went to *Code Reviewer*." in text
    assert text.count("is disabled here") == 1  # one line


def test_a_disabled_role_with_no_enabled_neighbour_is_left_to_the_requester(sender, sandbox, redis, run_jobs):
    sender.command("/agents", "disable security")
    sender.command("/agents", "disable code-reviewer")
    orchestrate(sender, sandbox, redis, run_jobs)
    plan = create_tasks(sender, sandbox, redis, run_jobs)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-9")
    assert task.assignee.kind == "user" and task.assignee.id == "U0ALICE"
    text = json.dumps(plan["blocks"], ensure_ascii=False)
    assert (
        "*Security Engineer* is disabled here: no enabled agent does that work, "
        "so T-9 is left to <@U0ALICE>, who asked." in text
    )
    assert "*T-9* Review the security" in text and "· <@U0ALICE>" in text
