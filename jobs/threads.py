"""Answering in threads: quick actions first, then the agent the thread belongs to.

A task's thread goes to that task's agent; a plan's thread to the Master (or to the agent of a
task key named in the message); a direct message or a mention elsewhere to the Master.
"""

from __future__ import annotations

from agents.brain import ThreadContext, ThreadMessage
from agents.loop import Session
from agents.roster import find_agent
from agents.tools import ToolContext
from jobs.approvals import apply_person_change
from jobs.board import announce_change
from jobs.brains import roster, think
from jobs.escalation_posts import new_escalation
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from jobs.team import answer_question, follow_up
from maestro.errors import UserError
from maestro.escalations import YES_NO
from maestro.models import Task
from maestro.plan_store import PlanStore
from maestro.plans import Escalation
from maestro.quick_actions import QuickAction, mentioned_key, parse_quick_action, strip_mentions
from maestro.store import TaskStore
from maestro.team_store import TeamStore
from maestro.text import escape, truncate
from maestro.turn_store import TurnJournal
from maestro.workflow import describe_event


def answer_in_thread(
    team_id: str,
    channel_id: str,
    user_id: str,
    thread_ts: str,
    text: str,
    event_id: str,
    ts: str = "",
    post_question: bool = False,
) -> str | None:
    """Answer one message (a mention, a reply in our thread, a DM) once per ``event_id``.

    With ``post_question`` (a question typed in a modal) the question is first posted in the
    thread on the person's behalf, escaped.

    Returns:
        ``quick:<verb>``, ``answer:<agent id>``, or None when it was already answered.
    """
    runtime = get_runtime(team_id)
    with job_log("answer_in_thread", team=team_id, channel=channel_id, event="message") as log:
        tasks, team = TaskStore(runtime.redis, team_id), TeamStore(runtime.redis, team_id)
        if post_question:
            post_once(
                runtime,
                tasks,
                f"question:{event_id}",
                channel=channel_id,
                thread_ts=thread_ts,
                text=f"<@{user_id}> asks: {escape(text)}",
            )
        if tasks.claim_post(f"heard:{event_id}"):
            team.remember(channel_id, thread_ts, user_id, text, ts)
            tasks.confirm_post(f"heard:{event_id}", ts or "heard")
        if tasks.posted_ts(f"reply:{event_id}"):
            log["outcome"] = "answered before"
            return None
        task, plan_brief = _subject(tasks, team, channel_id, thread_ts, text)
        if task is not None:
            log["task_key"] = task.key
        action = parse_quick_action(text)
        if action is not None:
            _apply_quick_action(runtime, tasks, team, channel_id, thread_ts, task, action, user_id, event_id)
            log["outcome"] = f"quick:{action.verb}"
            return log["outcome"]
        if task is not None and answer_question(runtime, tasks, task, user_id, strip_mentions(text)[:4000]):
            reply = f"Thanks, <@{user_id}>: {task.key}'s agent goes on with your answer."
            _say(runtime, tasks, team, channel_id, thread_ts, f"reply:{event_id}", reply, who="agent:master")
            log["outcome"] = "answered a question"
            return log["outcome"]
        team_roster = roster(runtime, team_id, channel_id)
        agent_id = task.assignee.id if task and task.assignee and task.assignee.kind == "agent" else "master"
        try:
            agent = find_agent(team_roster, agent_id)
        except UserError:
            agent = find_agent(team_roster, "master")
        history = [ThreadMessage(**m) for m in team.history(channel_id, thread_ts)]
        ctx = ThreadContext(
            agent=agent,
            question=strip_mentions(text)[:4000] or "(no text)",
            asked_by=user_id,
            task=task,
            plan_brief=plan_brief,
            thread=history,
        )
        session = Session(
            journal=TurnJournal(runtime.redis, team_id, f"answer:{event_id}"),
            tools=ToolContext(
                redis=runtime.redis,
                team_id=team_id,
                channel_id=channel_id,
                task_id=task.id if task else None,
                thread_ts=thread_ts,
                user_id=user_id,
            ),
        )
        result = think(runtime, team_id, channel_id, agent, lambda b: b.answer(ctx, session))
        note = ""
        if result.fallback_reason:
            note = f"\n_{escape(result.fallback_reason)}, so the offline brain answered._"
        reply = f"*{escape(agent.name)}:* {escape(result.value.text)}{note}"
        _say(
            runtime,
            tasks,
            team,
            channel_id,
            thread_ts,
            f"reply:{event_id}",
            reply,
            who=f"agent:{agent.id}",
            recipient=user_id,
        )
        if result.value.escalation is not None:
            _escalate(runtime, tasks, channel_id, agent.id, user_id, task, result.value.escalation, event_id)
        log["outcome"] = f"answer:{agent.id}"
        return log["outcome"]


def _escalate(
    runtime: Runtime,
    tasks: TaskStore,
    channel_id: str,
    agent_id: str,
    asked_by: str,
    task: Task | None,
    escalation: Escalation,
    event_id: str,
) -> None:
    """Raise the escalation an agent's answer asked for (seed 004: a decision only a human can make)."""
    known = [k for k in escalation.blocking if tasks.task_id_for(channel_id, k)]
    blocking = known or ([task.key] if task else [])
    options = escalation.options if len(escalation.options) >= 2 else list(YES_NO)
    first_word = escalation.recommendation.split(",")[0].split(":")[0].split(" ")[0].strip().lower()
    recommended = next((i for i, o in enumerate(options) if o.label.strip().lower() == first_word), None)
    new_escalation(
        runtime,
        team_id=tasks.team_id,
        channel_id=channel_id,
        issue=escalation.issue,
        options=list(options),
        raised_by=f"agent:{agent_id}",
        requester=asked_by,
        source=f"agent-escalation-{event_id}",
        workflow_stage=escalation.workflow_stage,
        recommendation=escalation.recommendation,
        recommended=recommended,
        blocking=blocking,
        thread_ts=task.thread_root if task else None,
    )


def _subject(
    tasks: TaskStore, team: TeamStore, channel_id: str, thread_ts: str, text: str
) -> tuple[Task | None, str | None]:
    """The task (and plan brief) a thread message is about."""
    owner = team.thread_owner(channel_id, thread_ts)
    if owner is None:
        return None, None
    kind, record_id = owner
    if kind == "task":
        return tasks.get_by_id(record_id), None
    record = PlanStore(tasks).get(record_id)
    if record is None:
        return None, None
    key = mentioned_key(text)
    if key and key in record.keys.values():
        task_id = tasks.task_id_for(channel_id, key)
        return (tasks.get_by_id(task_id) if task_id else None), record.brief
    return None, record.brief


def _apply_quick_action(
    runtime: Runtime,
    tasks: TaskStore,
    team: TeamStore,
    channel_id: str,
    thread_ts: str,
    task: Task | None,
    action: QuickAction,
    user_id: str,
    event_id: str,
) -> None:
    """Apply a quick action; answer with one message, or tell a refusal to the person only.

    The answer is the change's note in the task's thread (what a button or ``/task`` command
    posts too); typed in another thread, the note is posted there as well. A refusal (no task
    key, no such task, a move the status machine refuses) is an ephemeral in the thread the
    person typed in. Both are claimed as ``reply:<event_id>``, so a re-run says nothing again.
    """
    claim = f"reply:{event_id}"
    key = action.key or (task.key if task else None)
    try:
        if key is None:
            raise UserError("Which task? Say it with its key, e.g. `T-3 done` or `T-3 progress 60`.")
        change = apply_person_change(
            runtime,
            tasks,
            channel_id,
            key,
            action.verb,  # type: ignore[arg-type]
            user_id=user_id,
            source=f"event-{event_id}",
            percent=action.percent,
            reason=action.reason,
            assignee=action.assignee,
        )
    except UserError as refused:
        if tasks.claim_post(claim):
            tell_requester(
                runtime,
                text=f":warning: {refused.message}",
                channel_id=channel_id,
                user_id=user_id,
                thread_ts=thread_ts,
            )
            tasks.confirm_post(claim, "ephemeral")
        return
    announce_change(runtime, tasks, change)
    follow_up(runtime, tasks, change.task)  # idempotent: a re-run finishes what a crash cut short
    note = describe_event(change.event)
    note_ts = tasks.posted_ts(f"note:{change.event.id}")
    changed = tasks.get_by_id(change.task.id) or change.task
    if note_ts and changed.thread_root == thread_ts:
        if tasks.claim_post(claim):  # the note in this thread is the answer
            team.remember(channel_id, thread_ts, "agent:master", note, note_ts)
            tasks.confirm_post(claim, note_ts)
        return
    _say(runtime, tasks, team, channel_id, thread_ts, claim, note, who="agent:master")


def _say(
    runtime: Runtime,
    tasks: TaskStore,
    team: TeamStore,
    channel_id: str,
    thread_ts: str,
    claim: str,
    text: str,
    *,
    who: str,
    recipient: str | None = None,
) -> None:
    if recipient and len(text) > STREAM_OVER:
        ts = stream_once(runtime, tasks, claim, channel_id, thread_ts, truncate(text, 3900), recipient)
    else:
        ts = post_once(
            runtime, tasks, claim, channel=channel_id, thread_ts=thread_ts, text=truncate(text, 3900)
        )
    if ts:
        team.remember(channel_id, thread_ts, who, text, ts)


STREAM_OVER = 600
"""Characters past which an agent's answer to a person is streamed (``chat.startStream`` …), not posted."""

STREAM_CHUNK = 300
"""Characters appended to a stream at a time."""


def stream_once(
    runtime: Runtime,
    tasks: TaskStore,
    claim: str,
    channel_id: str,
    thread_ts: str,
    text: str,
    recipient: str,
) -> str | None:
    """Stream a long answer into a thread with slack_sdk's ``chat_stream``, once per ``claim``.

    The claim is confirmed as soon as the stream has a ``ts``, so a re-run after a crash never
    starts a second stream (the first may then end unfinished; Slack closes it).

    Args:
        runtime: the job's runtime.
        tasks: the team's task store (its post claims).
        claim: the post's dedupe name.
        channel_id: where.
        thread_ts: the thread (a stream is always a reply).
        text: the answer (mrkdwn, already escaped).
        recipient: the Slack user the answer is for (Slack needs it to stream in a channel).

    Returns:
        The streamed message's ``ts``, or None when it was claimed before and never posted.
    """
    if not tasks.claim_post(claim):
        return tasks.posted_ts(claim)
    try:
        streamer = runtime.slack.chat_stream(
            channel=channel_id,
            thread_ts=thread_ts,
            recipient_team_id=tasks.team_id,
            recipient_user_id=recipient,
            buffer_size=STREAM_CHUNK,
        )
        for start in range(0, len(text), STREAM_CHUNK):
            streamer.append(markdown_text=text[start : start + STREAM_CHUNK])
            if streamer.ts and tasks.posted_ts(claim) is None:
                tasks.confirm_post(claim, streamer.ts)
        response = streamer.stop()
    except BaseException:
        if tasks.posted_ts(claim) is None:
            tasks.release_post(claim)
        raise
    ts = str(response.get("ts") or streamer.ts)
    tasks.confirm_post(claim, ts)
    return ts
