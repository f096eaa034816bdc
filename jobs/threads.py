"""Answering in threads: quick actions first, then the agent the thread belongs to.

A task's thread goes to that task's agent; a plan's thread to the Master (or to the agent of a
task key named in the message); a direct message or a mention elsewhere to the Master.
"""

from __future__ import annotations

from agents.brain import ThreadContext, ThreadMessage
from agents.roster import find_agent
from jobs.approvals import apply_person_change
from jobs.board import announce_change, refresh_card
from jobs.brains import roster, think
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from jobs.team import follow_up, replan_request
from maestro.errors import UserError
from maestro.escalations import YES_NO
from maestro.models import Task
from maestro.plan_store import PlanStore
from maestro.plans import ISSUE_TYPES, Escalation
from maestro.quick_actions import (
    PlanAction,
    QuickAction,
    mentioned_key,
    parse_plan_action,
    parse_quick_action,
    strip_mentions,
)
from maestro.store import TaskStore
from maestro.team_store import TeamStore
from maestro.text import escape, truncate
from maestro.workflow import STATUS_LABELS


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
    runtime = get_runtime()
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
        owner = team.thread_owner(channel_id, thread_ts)
        plan_action = parse_plan_action(text, ISSUE_TYPES) if owner and owner[0] == "plan" else None
        if plan_action is not None and owner is not None:
            outcome = _apply_plan_action(
                runtime, tasks, team, channel_id, thread_ts, owner[1], plan_action, user_id, event_id
            )
            log["outcome"] = f"plan:{plan_action.verb}:{outcome}"
            return log["outcome"]
        task, plan_brief = _subject(tasks, team, channel_id, thread_ts, text)
        if task is not None:
            log["task_key"] = task.key
        action = parse_quick_action(text)
        if action is not None:
            reply = _apply_quick_action(runtime, tasks, channel_id, task, action, user_id, event_id)
            _say(runtime, tasks, team, channel_id, thread_ts, f"reply:{event_id}", reply, who="agent:master")
            log["outcome"] = f"quick:{action.verb}"
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
        result = think(runtime, team_id, channel_id, agent, lambda b: b.answer(ctx))
        note = ""
        if result.fallback_reason:
            note = f"\n_{escape(result.fallback_reason)}, so the offline brain answered._"
        reply = f"*{escape(agent.name)}:* {escape(result.value.text)}{note}"
        _say(runtime, tasks, team, channel_id, thread_ts, f"reply:{event_id}", reply, who=f"agent:{agent.id}")
        if result.value.escalation is not None:
            _escalate(runtime, tasks, channel_id, agent.id, user_id, task, result.value.escalation, event_id)
        log["outcome"] = f"answer:{agent.id}"
        return log["outcome"]


def _apply_plan_action(
    runtime: Runtime,
    tasks: TaskStore,
    team: TeamStore,
    channel_id: str,
    thread_ts: str,
    plan_id: str,
    action: PlanAction,
    user_id: str,
    event_id: str,
) -> str:
    """Re-plan the thread's plan as the type typed, or post the card of a task of it."""
    claim = f"reply:{event_id}"
    if action.verb == "card":
        record = PlanStore(tasks).get(plan_id)
        if record is None or action.key not in record.keys.values():
            _tell_once(
                runtime, tasks, claim, channel_id, user_id, f"{action.key} isn't a task of this plan (yet)."
            )
            return "refused"
        refresh_card(runtime, tasks, channel_id, action.key or "")
        return "posted"
    if action.issue_type not in ISSUE_TYPES:
        _tell_once(
            runtime,
            tasks,
            claim,
            channel_id,
            user_id,
            f"I don't know the type `{escape(action.issue_type or '')}`. Try `re-plan as` one of:"
            f" {', '.join(ISSUE_TYPES)}.",
        )
        return "refused"
    if tasks.posted_ts(claim):
        return "done before"
    new_type = replan_request(
        tasks.team_id, channel_id, user_id, plan_id, action.issue_type or "", f"event-{event_id}"
    )
    if new_type is None:
        return "refused"
    _say(
        runtime,
        tasks,
        team,
        channel_id,
        thread_ts,
        claim,
        f"Re-planned as *{escape(new_type)}*: the draft above shows the new plan.",
        who="agent:master",
    )
    return new_type


def _tell_once(
    runtime: Runtime, tasks: TaskStore, claim: str, channel_id: str, user_id: str, text: str
) -> None:
    if tasks.claim_post(claim):
        tell_requester(runtime, text=f":warning: {text}", channel_id=channel_id, user_id=user_id)
        tasks.confirm_post(claim, "ephemeral")


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
    from jobs.escalations import new_escalation  # escalations resume work through jobs.team

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
    channel_id: str,
    task: Task | None,
    action: QuickAction,
    user_id: str,
    event_id: str,
) -> str:
    key = action.key or (task.key if task else None)
    if key is None:
        return "Which task? Say it with its key, e.g. `T-3 done` or `T-3 progress 60`."
    try:
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
        return f":warning: {refused.message}"
    announce_change(runtime, tasks, change)
    follow_up(runtime, tasks, change.task)  # idempotent: a re-run finishes what a crash cut short
    percent = f" · {change.task.percent}%" if action.verb == "progress" else ""
    return f"Done: {change.task.key} is now *{STATUS_LABELS[change.task.status]}*{percent}."


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
) -> None:
    ts = post_once(runtime, tasks, claim, channel=channel_id, thread_ts=thread_ts, text=truncate(text, 3900))
    if ts:
        team.remember(channel_id, thread_ts, who, text, ts)
