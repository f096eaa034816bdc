"""Agents that do real work: the loop's tools, questions, answers anywhere, budgets and resumption.

The Anthropic stub stands in for Claude; its responder behaves like a diligent model (it reads
with a tool first, then answers), and tests script the rest.
"""

from __future__ import annotations

import json

import anthropic
import pytest

from agents.brain import WorkContext
from agents.claude import _context_message, system_for
from agents.loop import LoopLimits, run_loop
from agents.roster import find_agent, roster_for
from agents.tools import ToolContext
from maestro.models import TaskStatus
from maestro.store import TaskStore
from maestro.turn_store import TurnJournal
from sandbox.anthropic_stub import CALL_TOOL
from sandbox.claude_responder import offline_responder, terminal_of
from tests.rq_worker import drain

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def thread(sandbox, task) -> str:
    return json.dumps(sandbox.workspace.thread(CHANNEL, task.thread_root), ensure_ascii=False)


def results_of(request) -> str:
    return json.dumps(
        [
            b
            for m in request.body["messages"]
            if isinstance(m["content"], list)
            for b in m["content"]
            if b.get("type") == "tool_result"
        ],
        ensure_ascii=False,
    )


def test_an_agent_reads_its_dependencys_deliverable_through_a_tool(stub, sender, sandbox, redis, run_jobs):
    sender.command("/task", 'new Design the reset API --agent backend-architect --criteria "POST /reset"')
    sender.command(
        "/task", 'new Build the reset endpoint --agent backend --after T-1 --criteria "POST /reset"'
    )
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    store = TaskStore(redis, TEAM)
    assert store.get(CHANNEL, "T-1").status is TaskStatus.COMPLETED  # reviewed with findings
    assert store.get(CHANNEL, "T-2").status is TaskStatus.COMPLETED  # started by itself, worked, reviewed
    work = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"]
    second_turns = [r for r in work if len(r.body["messages"]) == 3]
    read = [r for r in second_turns if "read_dependency_work" in json.dumps(r.body["messages"][1])]
    assert read, "T-2's agent read its dependency's work"
    assert "T-1" in results_of(read[0]) and "API contract" in results_of(read[0])  # the full deliverable
    # the status line was shown while it worked, then removed
    journal = [c for c in sandbox.workspace.calls() if c["method"] in ("chat.update", "chat.delete")]
    assert any(c["method"] == "chat.delete" for c in journal)
    assert "is reading" not in thread(sandbox, store.get(CHANNEL, "T-2"))


def test_an_agent_asks_a_question_and_goes_on_with_the_answer(stub, sender, sandbox, redis, run_jobs):
    asked = {"done": False}

    def ask_once(body):
        if terminal_of(body) == "submit_deliverable" and not asked["done"]:
            asked["done"] = True
            return {
                CALL_TOOL: "ask_question",
                "question": "Email or SMS for the reset link?",
                "why": "Sets the API",
            }
        return offline_responder(body)

    stub.responder = ask_once
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    store = TaskStore(redis, TEAM)
    task = store.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.IN_PROGRESS  # waiting for the answer
    assert "<@U0ALICE> *Backend Engineer asks about T-1:* Email or SMS for the reset link?" in thread(
        sandbox, task
    )
    sender.event(  # someone else's reply is an ordinary message, not the answer
        {
            "type": "message",
            "user": "U0BOB",
            "text": "no idea",
            "ts": "1796000000.000100",
            "channel": CHANNEL,
            "thread_ts": task.thread_root,
        }
    )
    drain(run_jobs, redis)
    assert store.get(CHANNEL, "T-1").status is TaskStatus.IN_PROGRESS
    sender.event(
        {
            "type": "message",
            "user": "U0ALICE",
            "text": "Email, please",
            "ts": "1796000000.000200",
            "channel": CHANNEL,
            "thread_ts": task.thread_root,
        }
    )
    drain(run_jobs, redis)
    task = store.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.COMPLETED
    assert "goes on with your answer" in thread(sandbox, task)
    last_work = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"][-1]
    assert "<@U0ALICE> answered: Email, please" in results_of(last_work)


def test_a_channel_question_gets_the_boards_answer(stub, sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Build the reset endpoint")
    sender.command("/task", "new Write the runbook")
    run_jobs()
    sender.command("/task", "block T-1 waiting for the email provider's keys")
    run_jobs()
    sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": "<@UMAESTRO> what is blocked right now?",
            "ts": "1796000001.000100",
            "channel": CHANNEL,
        }
    )
    drain(run_jobs, redis)
    replies = [m for m in sandbox.workspace.thread(CHANNEL, "1796000001.000100") if m.get("bot_id")]
    text = json.dumps(replies, ensure_ascii=False)
    assert "*Master:*" in text and "T-1 Build the reset endpoint" in text
    assert "waiting for the email provider" in text and "T-2" not in text
    answer = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_reply"]
    assert any("search_board" in json.dumps(r.body["messages"]) for r in answer)


def test_the_token_budget_stops_a_loop_with_a_clear_post(stub, sender, sandbox, redis, run_jobs, settings):
    stub.responder = lambda body: (
        {CALL_TOOL: "read_task"} if terminal_of(body) == "submit_deliverable" else None
    )
    object.__setattr__(settings, "maestro_agent_token_budget", 5000)
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert "spent this loop's token budget (5,000 tokens)" in thread(sandbox, task)
    assert task.status is TaskStatus.REVIEW and task.waits_for_person  # the offline draft, for a person


def test_a_worker_killed_between_turns_resumes_without_asking_again(stub, sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Build the reset endpoint --agent backend")
    run_jobs()
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    agent = find_agent(roster_for([]), "backend")
    journal = TurnJournal(redis, TEAM, f"work:{task.id}:1")
    stub.queue_tool_use("read_task", {})
    stub.queue_error(500)  # the worker "dies" after its first turn was kept
    client = anthropic.Anthropic(api_key="k", base_url=stub.base_url, max_retries=0)
    with pytest.raises(anthropic.APIStatusError):
        run_loop(
            client,
            kind="work",
            model="claude-sonnet-5",
            system=system_for(agent),
            first_message=_context_message(
                "Work task T-1, then submit_deliverable.",
                WorkContext(agent=agent, task=task).model_dump(
                    mode="json", exclude={"agent": {"system_prompt"}}
                ),
            ),
            ctx=ToolContext(redis=redis, team_id=TEAM, channel_id=CHANNEL, task_id=task.id),
            journal=journal,
            limits=LoopLimits(),
        )
    assert [e["role"] for e in journal.load()] == ["user", "assistant", "user"]
    stub.clear()
    sender.command("/task", "start T-1")
    run_jobs()  # the work job: one request (the kept turns are not asked again), then the review's
    work = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"]
    assert len(work) == 1 and len(work[0].body["messages"]) == 3
    assert "Work task T-1, then" in work[0].body["messages"][0]["content"][0]["text"]  # the kept opening


def test_a_code_task_gets_an_implementation_plan_and_goes_to_a_person(stub, sender, sandbox, redis, run_jobs):
    from maestro.models import Assignee
    from maestro.store import NewTask

    store = TaskStore(redis, TEAM)
    store.create_task(
        CHANNEL,
        NewTask(title="Build the reset endpoint", assignee=Assignee(kind="agent", id="backend"), kind="code"),
        actor="U0ALICE",
        source="new-code",
    )
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    task = store.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.REVIEW and task.waits_for_person
    assert "no repository is linked, so Backend Engineer wrote an implementation plan" in thread(
        sandbox, task
    )
    work = [r for r in stub.requests_for() if terminal_of(r.body) == "submit_deliverable"]
    assert "implementation plan for a person" in work[0].body["messages"][0]["content"][0]["text"]
    assert not [r for r in stub.requests_for() if terminal_of(r.body) == "submit_review"]


def test_a_long_deliverable_is_shown_cut_and_uploaded_whole_once(stub, sender, sandbox, redis, run_jobs):
    long_body = "## API contract\n" + "POST /reset sends one email with a link that expires. " * 120

    def long_work(body):
        if terminal_of(body) == "submit_deliverable":
            return {CALL_TOOL: "submit_deliverable", "summary": "The reset API contract.", "body": long_body}
        return offline_responder(body)

    stub.responder = long_work
    sender.command("/task", "new Design the reset API --agent backend-architect")
    run_jobs()
    sender.command("/task", "start T-1")
    drain(run_jobs, redis)
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert "the full text is in the file below" in thread(sandbox, task)
    uploads = [c for c in sandbox.workspace.calls() if c["method"] == "files.completeUploadExternal"]
    assert len(uploads) == 1


def test_a_long_answer_is_streamed_once(stub, sender, sandbox, redis, run_jobs):
    long_text = "Here is how the sprint stands. " * 40

    def long_reply(body):
        if terminal_of(body) == "submit_reply":
            return {CALL_TOOL: "submit_reply", "text": long_text}
        return offline_responder(body)

    stub.responder = long_reply
    sent = sender.event(
        {
            "type": "app_mention",
            "user": "U0BOB",
            "text": "<@UMAESTRO> summarise the sprint",
            "ts": "1796000002.000100",
            "channel": CHANNEL,
        }
    )
    sender.resend(sent, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    drain(run_jobs, redis)
    methods = [c["method"] for c in sandbox.workspace.calls()]
    assert methods.count("chat.startStream") == 1 and methods.count("chat.stopStream") == 1
    assert methods.count("chat.appendStream") >= 2
    (reply,) = [m for m in sandbox.workspace.thread(CHANNEL, "1796000002.000100") if m.get("bot_id")]
    assert reply["text"].startswith("*Master:* Here is how") and not reply.get("streaming")
    start = next(c for c in sandbox.workspace.calls() if c["method"] == "chat.startStream")
    assert start["args"]["recipient_user_id"] == "U0BOB" and start["args"]["recipient_team_id"] == TEAM


def test_the_sandbox_refuses_a_stream_slack_would_refuse(sandbox):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from sandbox.constants import SANDBOX_BOT_TOKEN

    client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.api_url)
    parent = client.chat_postMessage(channel=CHANNEL, text="question")["ts"]
    with pytest.raises(SlackApiError) as refused:  # in a channel, Slack needs the recipient
        client.chat_startStream(channel=CHANNEL, thread_ts=parent, markdown_text="hi")
    assert refused.value.response["error"] == "invalid_arguments"
    ts = client.chat_startStream(
        channel=CHANNEL,
        thread_ts=parent,
        markdown_text="hi",
        recipient_user_id="U0BOB",
        recipient_team_id=TEAM,
    )["ts"]
    client.chat_stopStream(channel=CHANNEL, ts=ts)
    with pytest.raises(SlackApiError) as stopped:
        client.chat_appendStream(channel=CHANNEL, ts=ts, markdown_text="more")
    assert stopped.value.response["error"] == "message_not_in_streaming_state"
