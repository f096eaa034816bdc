"""Jobs of the AI team: plan a request, work a task, review it, start what it unblocks.

The flow (seed 004's DESIGN → IMPLEMENT → REVIEW gate, seed 002's parallel batches):

- ``plan_request`` posts a placeholder, asks the Master for a plan, creates every task in one
  transaction, turns the placeholder into the plan message and posts each card in its thread.
- Starting a task assigned to an agent enqueues ``run_agent_on_task``; the agent posts its
  deliverable in the task's thread, moves the task to REVIEW and enqueues ``review_task``; a
  model-backed reviewer checks each acceptance criterion and approves (COMPLETED with that
  evidence, then every dependent whose dependencies are all completed starts by itself) or
  rejects (back to the author with the must-fix items; after :data:`MAX_REJECTIONS` the task
  is BLOCKED).
- When no model can review (the offline brain drafted the work, Claude fell back, or the
  reviewer is disabled), the task waits in REVIEW for a person, asked once in its thread
  (:mod:`jobs.approvals`). The board never says more than it knows.

Every job is idempotent: state changes are keyed by task, attempt and step; posts are claimed.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from rq.job import Job, JobStatus

from agents.brain import BrainResult, DependencyWork, PlanContext, ReviewContext, ThreadMessage, WorkContext
from agents.loop import Session, give_result, pending_call
from agents.offline import gate_checklist
from agents.roster import Agent, find_agent
from agents.staffing import planner, restaff
from agents.tools import ToolContext
from jobs.approvals import hand_to_person
from jobs.board import announce_change, post_in_thread, refresh_card
from jobs.brains import roster, think
from jobs.escalation_posts import new_escalation
from jobs.observe import job_log
from jobs.posting import ensure_member, post_once
from jobs.progress import StatusLine, describe_read
from jobs.queues import DEFAULT, enqueue, job_id_for, model_job_timeout, requester_meta
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from maestro.blocks import section
from maestro.errors import UserError
from maestro.escalations import YES_NO
from maestro.models import Assignee, CompletionEvidence, Task, TaskStatus
from maestro.plan_store import PlanRecord, PlanStore
from maestro.plans import Deliverable, Escalation, EscalationOption, GateChecklist, Question, ReviewVerdict
from maestro.store import TaskStore
from maestro.team_cards import (
    LONG_BODY,
    brain_note,
    build_deliverable_blocks,
    build_plan_blocks,
    build_planning_blocks,
    build_restaffed_lines,
    build_review_blocks,
)
from maestro.team_store import TeamStore
from maestro.text import escape, truncate
from maestro.turn_store import TurnJournal
from maestro.workflow import Action

logger = logging.getLogger(__name__)

PLAN_LOCK_TIMEOUT = 120
"""Seconds a plan message's update lock is held at most."""

AGENT_START_GUARD = 60
"""Seconds two callers starting the same agent attempt at once are kept from both enqueuing it."""

MAX_REJECTIONS = 3
"""Review rejections after which a task is BLOCKED for a human (seed 004: 3+ rejections → escalate)."""

DEFAULT_REVIEWER = "code-reviewer"
"""Who reviews deliverables when the plan names no reviewer."""


# -- planning ---------------------------------------------------------------------------------
def plan_request(
    team_id: str, channel_id: str, user_id: str, request: str, source: str, response_url: str | None = None
) -> str | None:
    """Plan a feature request with the Master and post the plan and its cards.

    Returns:
        The plan id, or None when the request was refused (the requester is told why).
    """
    runtime = get_runtime(team_id)
    with job_log("plan_request", team=team_id, channel=channel_id, command="orchestrate") as log:
        tasks = TaskStore(runtime.redis, team_id)
        plans = PlanStore(tasks)
        existing = plans.plan_for_source(source)
        if existing is None:
            team_roster = roster(runtime, team_id, channel_id)
            try:
                master = planner(team_roster)  # a disabled Master plans nothing and posts nothing
                ensure_member(runtime, tasks, channel_id)
            except UserError as refused:
                tell_requester(
                    runtime,
                    text=refused.message,
                    channel_id=channel_id,
                    user_id=user_id,
                    response_url=response_url,
                )
                return None
        placeholder = post_once(
            runtime,
            tasks,
            f"plan-placeholder:{source}",
            channel=channel_id,
            text=f"The Master is planning: {escape(truncate(request, 200))}",
            blocks=build_planning_blocks(request),
        )
        if existing is None:
            result = think(
                runtime,
                team_id,
                channel_id,
                master,
                lambda b: b.plan(
                    PlanContext(request=request, requested_by=user_id),
                    master,
                    Session(
                        journal=TurnJournal(runtime.redis, team_id, f"plan:{source}"),
                        tools=ToolContext(redis=runtime.redis, team_id=team_id, channel_id=channel_id),
                    ),
                ),
            )
            try:
                record, created, _ = plans.create_plan(
                    channel_id,
                    request,
                    result.value,
                    actor=user_id,
                    source=source,
                    brain=result.brain,
                    fallback_reason=result.fallback_reason,
                    message_ts=placeholder,
                    model=result.model,
                    restaffed=restaff(result.value, team_roster),
                )
            except UserError as refused:
                if placeholder:
                    runtime.slack.chat_update(
                        channel=channel_id, ts=placeholder, text=refused.message, blocks=[]
                    )
                tell_requester(
                    runtime,
                    text=refused.message,
                    channel_id=channel_id,
                    user_id=user_id,
                    response_url=response_url,
                )
                return None
        else:
            record = existing
        log["outcome"] = f"{len(record.keys)} tasks"
        if placeholder:
            TeamStore(runtime.redis, team_id).own_thread(channel_id, placeholder, "plan", record.id)
        show_plan(runtime, tasks, record)
        for key in record.keys.values():
            refresh_card(runtime, tasks, channel_id, key)
        return record.id


def show_plan(runtime: Runtime, tasks: TaskStore, record: PlanRecord) -> None:
    """Render the plan message from the current state of its tasks (``chat.update`` of its message).

    Updates of one plan are serialised by a Redis lock and render the state read inside it, so
    the last update shows the latest state whatever order workers finish in.
    """
    with runtime.redis.lock(f"maestro:{tasks.team_id}:planlock:{record.id}", timeout=PLAN_LOCK_TIMEOUT):
        _show_plan(runtime, tasks, PlanStore(tasks).get(record.id) or record)


def _show_plan(runtime: Runtime, tasks: TaskStore, record: PlanRecord) -> None:
    if not record.message_ts:
        return
    by_key = {t.key: t for t in tasks.tasks_by_keys(record.channel_id, record.keys.values())}
    first = record.batches[0] if record.batches else []
    startable = any(by_key[k].status is TaskStatus.ASSIGNED for k in first if k in by_key)
    blocks = build_plan_blocks(
        plan_id=record.id,
        brief=record.brief,
        issue_type=record.issue_type,
        workflow=record.workflow,
        rationale=record.rationale,
        not_planned=record.not_planned,
        batches=record.batches,
        critical_path=record.critical_path,
        tasks=by_key,
        requested_by=record.created_by,
        note=brain_note(record.brain, record.model, record.fallback_reason),
        startable=startable,
        staffing=build_restaffed_lines(record.restaffed, record.keys, record.created_by),
    )
    runtime.slack.chat_update(
        channel=record.channel_id,
        ts=record.message_ts,
        text=f"Plan: {escape(truncate(record.brief, 200))} ({len(record.keys)} tasks)",
        blocks=blocks,
    )


def start_plan(team_id: str, channel_id: str, user_id: str, plan_id: str, source: str) -> list[str]:
    """Start every task of the plan's first batch that hasn't started (the plan's Start button).

    Returns:
        The keys started.
    """
    runtime = get_runtime(team_id)
    with job_log("start_plan", team=team_id, channel=channel_id, action="plan_start"):
        tasks = TaskStore(runtime.redis, team_id)
        record = PlanStore(tasks).get(plan_id)
        if record is None or record.channel_id != channel_id:
            return []
        started = []
        for task in tasks.tasks_by_keys(channel_id, record.batches[0] if record.batches else []):
            if task.status is TaskStatus.ASSIGNED:
                try:
                    change = tasks.apply(
                        channel_id, task.key, "start", actor=user_id, source=f"{source}:{task.key}"
                    )
                except UserError:
                    continue
                announce_change(runtime, tasks, change)
                task = change.task
                started.append(task.key)
            start_agent_if_any(runtime, tasks, task)
        show_plan(runtime, tasks, record)
        return started


# -- agents at work ---------------------------------------------------------------------------
IN_FLIGHT = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED})
"""RQ statuses of a job that will still run."""


def in_flight(runtime: Runtime, job_id: str) -> bool:
    """True when an RQ job with this id exists and will still run (queued, started, deferred, scheduled)."""
    if not Job.exists(job_id, connection=runtime.redis):
        return False
    return Job.fetch(job_id, connection=runtime.redis).get_status() in IN_FLIGHT


def start_agent_if_any(runtime: Runtime, tasks: TaskStore, task: Task) -> bool:
    """When an agent owns this IN_PROGRESS task, enqueue its work and then its review.

    Safe to call as often as anyone likes: nothing is enqueued while this attempt's work job is
    in flight; a finished or failed one whose task is still IN_PROGRESS (blocked mid-work and
    unblocked, or failed for good) is run again. The work job enqueues the review when it is done.

    Returns:
        True when this call enqueued the jobs.
    """
    if task.assignee is None or task.assignee.kind != "agent" or task.status is not TaskStatus.IN_PROGRESS:
        return False
    attempt = task.review_rejections + 1
    work_id = job_id_for("work", task.team_id, task.id, str(attempt))
    if Job.exists(work_id, connection=runtime.redis):
        if in_flight(runtime, work_id):
            return False
        tasks.forget_seen("agent-run", f"{task.id}-{attempt}")  # that run is over: the guard is stale
    if not tasks.first_seen("agent-run", f"{task.id}-{attempt}", ttl=AGENT_START_GUARD):
        return False  # another job is enqueuing it right now
    try:
        _enqueue_step(runtime, run_agent_on_task, task, attempt, work_id)
    except BaseException:
        tasks.forget_seen("agent-run", f"{task.id}-{attempt}")
        raise
    return True


def _enqueue_step(runtime: Runtime, func, task: Task, attempt: int, job_id: str) -> None:
    enqueue(
        runtime.redis,
        func,
        task.team_id,
        task.channel_id,
        task.id,
        attempt,
        queue=DEFAULT,
        job_id=job_id,
        meta=requester_meta(task.team_id, task.channel_id, task.created_by),
        timeout=model_job_timeout(runtime.settings),
    )


def start_review(runtime: Runtime, task: Task) -> bool:
    """Enqueue the review of a task in REVIEW, unless this attempt's review job is in flight.

    The work job calls it once the deliverable is posted (an explicit chain rather than an RQ
    dependency: RQ 3.0 parks a dependent whose enqueue races its dependency's completion until
    its next maintenance pass, up to 10 minutes later).

    Returns:
        True when this call enqueued the review.
    """
    if task.status is not TaskStatus.REVIEW or task.waits_for_person:
        return False
    attempt = task.review_rejections + 1
    review_id = job_id_for("review", task.team_id, task.id, str(attempt))
    if in_flight(runtime, review_id):
        return False
    tasks = TaskStore(runtime.redis, task.team_id)
    if tasks.change_for_source(f"review-{task.id}-{attempt}") is not None:
        return False  # reviewed already
    _enqueue_step(runtime, review_task, task, attempt, review_id)
    return True


def _context_of(
    runtime: Runtime, team_id: str, task: Task
) -> tuple[PlanRecord | None, list[DependencyWork], list[ThreadMessage]]:
    tasks = TaskStore(runtime.redis, team_id)
    team = TeamStore(runtime.redis, team_id)
    record = PlanStore(tasks).get(task.plan_id) if task.plan_id else None
    dependencies = []
    for dep in tasks.tasks_by_keys(task.channel_id, task.depends_on):
        work = team.deliverable(dep.id)
        if work is not None:
            dependencies.append(
                DependencyWork(
                    key=dep.key,
                    title=dep.title,
                    role=dep.assignee.id if dep.assignee else "",
                    summary=work.summary,
                    body=work.body[:3000],
                )
            )
    history = team.history(task.channel_id, task.thread_root) if task.thread_root else []
    return record, dependencies, [ThreadMessage(**m) for m in history]


def _session(
    runtime: Runtime, tasks: TaskStore, task: Task, agent: Agent, loop: str
) -> tuple[Session, StatusLine]:
    """The agent loop's session for a task (its kept turns, its read tools) and its status line."""
    status = StatusLine(runtime, tasks, task.channel_id, task.thread_root, loop)
    session = Session(
        journal=TurnJournal(runtime.redis, task.team_id, loop),
        tools=ToolContext(
            redis=runtime.redis,
            team_id=task.team_id,
            channel_id=task.channel_id,
            task_id=task.id,
            thread_ts=task.thread_root,
        ),
        on_progress=lambda tool, args: status.show(describe_read(agent.name, tool, args)),
    )
    return session, status


def _ask_requester(
    runtime: Runtime, tasks: TaskStore, task: Task, agent: Agent, question: Question, journal: TurnJournal
) -> None:
    """Post the agent's question in the task's thread, to its requester, once; the task waits for it.

    The requester's reply in the thread (:func:`answer_question`) goes back into the loop as the
    question's answer, and the agent goes on.
    """
    call = pending_call(journal, "ask_question") or "?"
    asked_of = task.created_by if task.created_by[:1] in ("U", "W") else None
    TeamStore(runtime.redis, task.team_id).ask(
        task.id,
        {"loop": journal.loop_key, "asked_of": asked_of, "agent": agent.id, "text": question.question},
    )
    who = f"<@{asked_of}> " if asked_of else ""
    lines = [f"{who}*{escape(agent.name)} asks about {task.key}:* {escape(question.question)}"]
    if question.why:
        lines.append(f"_Why: {escape(question.why)}_")
    if question.options:
        lines.append("Options: " + " · ".join(escape(o) for o in question.options))
    lines.append("Reply in this thread; your answer goes back to the agent, who goes on with it.")
    text = "\n".join(lines)
    post_in_thread(
        runtime, tasks, task, f"ask:{task.id}:{call}", text, [section(text)], who=f"agent:{agent.id}"
    )


def answer_question(runtime: Runtime, tasks: TaskStore, task: Task, user_id: str, text: str) -> bool:
    """Give a person's reply to the question the task's agent waits on, and let the agent go on.

    Only the person asked (the requester) answers; anyone may when nobody was named.

    Returns:
        False when the agent waits on no question from this person (the reply is an ordinary one).
    """
    team = TeamStore(runtime.redis, task.team_id)
    waiting = team.question(task.id)
    if waiting is None or (waiting.get("asked_of") and waiting["asked_of"] != user_id):
        return False
    if team.take_question(task.id) is None:
        return False  # another reply took it first
    journal = TurnJournal(runtime.redis, task.team_id, waiting["loop"])
    give_result(journal, "ask_question", f"<@{user_id}> answered: {text}")
    start_agent_if_any(runtime, tasks, tasks.get_by_id(task.id) or task)
    return True


def _escalate_from_work(
    runtime: Runtime, tasks: TaskStore, task: Task, agent: Agent, escalation: Escalation, source: str
) -> None:
    """An agent asked a person to decide: post seed 004's escalation and block the task on it."""
    known = [k for k in escalation.blocking if tasks.task_id_for(task.channel_id, k)] or [task.key]
    if task.key not in known:
        known.insert(0, task.key)
    options = escalation.options if len(escalation.options) >= 2 else list(YES_NO)
    new_escalation(
        runtime,
        team_id=task.team_id,
        channel_id=task.channel_id,
        issue=escalation.issue,
        options=list(options),
        raised_by=f"agent:{agent.id}",
        requester=task.created_by,
        source=f"{source}-agent-escalation",
        workflow_stage=escalation.workflow_stage,
        recommendation=escalation.recommendation,
        blocking=known,
        thread_ts=task.thread_root,
    )
    _block(runtime, tasks, task, f"Waiting for a decision {agent.name} asked for: {escalation.issue}", source)


def _answer_once(
    runtime: Runtime, team_id: str, channel_id: str, kind: str, task: Task, attempt: int, agent: Agent, ask
) -> BrainResult:
    """The brain's answer for one step of a task, asked once: a re-run reuses the kept one."""
    team = TeamStore(runtime.redis, team_id)
    kept = team.answer(kind, task.id, attempt)
    if kept is not None:
        if kind == "work":
            return BrainResult[Deliverable].model_validate(kept)
        return BrainResult[ReviewVerdict | GateChecklist].model_validate(kept)
    result = think(runtime, team_id, channel_id, agent, ask)
    if isinstance(result.value, Deliverable | ReviewVerdict | GateChecklist):  # final: a question isn't
        team.save_answer(kind, task.id, attempt, result.model_dump(mode="json"))
    return result


def run_agent_on_task(team_id: str, channel_id: str, task_id: str, attempt: int) -> str | None:
    """The task's agent works it: posts the deliverable in the thread and moves the task to REVIEW.

    Returns:
        The task key, or None when there is nothing to do (the task moved on, or was blocked).
    """
    runtime = get_runtime(team_id)
    with job_log("run_agent_on_task", team=team_id, channel=channel_id) as log:
        tasks, team = TaskStore(runtime.redis, team_id), TeamStore(runtime.redis, team_id)
        task = tasks.get_by_id(task_id)
        source = f"work-{task_id}-{attempt}"
        if task is None:
            return None
        if tasks.change_for_source(source) is not None:  # a re-run after the work was handed in
            log["outcome"] = "done before"
            _after_work(runtime, tasks, task, attempt)
            return task.key
        if task.status is not TaskStatus.IN_PROGRESS or task.review_rejections + 1 != attempt:
            log["outcome"] = "skipped"
            return None
        log["task_key"] = task.key
        agent = _agent_at_work(runtime, tasks, task, source)
        if agent is None:
            log["outcome"] = "left to a person"
            return None
        record, dependencies, thread = _context_of(runtime, team_id, task)
        ctx = WorkContext(
            agent=agent,
            task=task,
            request=truncate(record.request, 6000) if record else None,
            plan_brief=record.brief if record else None,
            dependencies=dependencies,
            thread=thread,
            review_feedback=_last_feedback(tasks, task),
            attempt=attempt,
        )
        session, status = _session(runtime, tasks, task, agent, f"work:{task.id}:{attempt}")
        result = _answer_once(
            runtime, team_id, channel_id, "work", task, attempt, agent, lambda b: b.work(ctx, session)
        )
        status.clear()
        if isinstance(result.value, Question):
            _ask_requester(runtime, tasks, task, agent, result.value, session.journal)
            log["outcome"] = "asked"
            return task.key
        if isinstance(result.value, Escalation):
            _escalate_from_work(runtime, tasks, task, agent, result.value, source)
            log["outcome"] = "escalated"
            return task.key
        team.save_deliverable(task.id, result.value)
        note = brain_note(result.brain, result.model, result.fallback_reason)
        post_in_thread(
            runtime,
            tasks,
            task,
            f"deliverable:{task.id}:{attempt}",
            f"{task.key}: {escape(agent.name)} delivered — {escape(truncate(result.value.summary, 200))}",
            build_deliverable_blocks(task, agent.name, result.value, note, attempt),
            who=f"agent:{agent.id}",
        )
        _upload_long_deliverable(runtime, tasks, task, agent.name, result.value, attempt)
        # the offline brain's work is a draft, and a code task's is a plan a person carries out (no
        # repository is linked): in both, a person reviews it
        draft = result.brain != "claude" or task.kind == "code"
        try:
            change = tasks.apply(
                channel_id,
                task.key,
                "review",
                actor=f"agent:{agent.id}",
                source=source,
                review_by="person" if draft else "agent",
            )
        except UserError:
            log["outcome"] = "moved meanwhile"  # e.g. blocked while the agent worked; unblocking re-runs it
            return None
        announce_change(runtime, tasks, change, note=False)
        if record is not None:
            show_plan(runtime, tasks, record)  # the plan message shows the task in review
        _after_work(runtime, tasks, change.task, attempt)
        return task.key


def _after_work(runtime: Runtime, tasks: TaskStore, task: Task, attempt: int) -> None:
    """Once the work is handed in: a person is asked to review a draft, else the reviewer reviews."""
    if not task.waits_for_person:
        start_review(runtime, task)
        return
    team = TeamStore(runtime.redis, task.team_id)
    deliverable = team.deliverable(task.id)
    kept = team.answer("work", task.id, attempt) or {}
    if deliverable is None:
        return
    agent = find_agent(
        roster(runtime, task.team_id, task.channel_id), task.assignee.id if task.assignee else ""
    )
    if kept.get("brain") == "claude" and task.kind == "code":
        reason = (
            f"{task.key} is code and no repository is linked, so {agent.name} wrote an implementation "
            f"plan: a person carries it out and approves {task.key} when the code is done"
        )
    else:
        reason = _no_model_reason(kept.get("fallback_reason"), "drafted")
    hand_to_person(
        runtime,
        tasks,
        task,
        attempt,
        reason=reason,
        checklist=gate_checklist(task, deliverable),
        author=agent.name,
        source=f"work-{task.id}-{attempt}",
    )


def _upload_long_deliverable(
    runtime: Runtime, tasks: TaskStore, task: Task, author: str, deliverable: Deliverable, attempt: int
) -> None:
    """Upload a long deliverable's full text as a Markdown file in the task's thread, once per attempt."""
    fresh = tasks.get_by_id(task.id) or task
    if len(deliverable.body) <= LONG_BODY or not fresh.thread_root:
        return
    claim = f"deliverable-file:{task.id}:{attempt}"
    if not tasks.claim_post(claim):
        return
    try:
        response = runtime.slack.files_upload_v2(
            channel=fresh.channel_id,
            content=f"# {fresh.key} · {fresh.title}\n\n{deliverable.summary}\n\n{deliverable.body}\n",
            filename=f"{fresh.key}-deliverable.md",
            title=f"{fresh.key}: {author}'s deliverable",
            initial_comment=f"The full text of {fresh.key}'s deliverable.",
            thread_ts=fresh.thread_root,
        )
    except BaseException:  # SlackApiError included: RQ's retry of the job uploads it
        tasks.release_post(claim)
        raise
    tasks.confirm_post(claim, str((response.get("file") or {}).get("id", "uploaded")))


def _no_model_reason(fallback_reason: str | None, what: str) -> str:
    """Why a person must review, in one sentence (plain text)."""
    if fallback_reason:
        return f"{fallback_reason}, so the offline brain {what} it and no model checked it"
    if what == "drafted":
        return "The offline brain drafted this (no model is set up), so no model checked it"
    return "No model is set up to review, so the offline brain only lists what to check"


def _agent_at_work(runtime: Runtime, tasks: TaskStore, task: Task, source: str) -> Agent | None:
    """Return the task's agent when it is enabled here; otherwise leave the task to a person.

    A task whose agent is disabled in the channel (or gone from its roster) is assigned to the
    person who created it, and its thread says so, once; with no such person it is BLOCKED.
    Returns None then, and when the task is no longer an agent's (nothing runs).
    """
    if task.assignee is None or task.assignee.kind != "agent":
        return None
    team_roster = roster(runtime, task.team_id, task.channel_id)
    agent = next((a for a in team_roster if a.id == task.assignee.id), None)
    if agent is not None and agent.enabled:
        return agent
    role = task.assignee.id  # an agent id: lowercase letters, digits and hyphens
    off = f"{escape(agent.name)} is disabled" if agent else f"`{role}` isn't on the team"
    try:
        person = Assignee(kind="user", id=task.created_by)
    except ValidationError:
        name = agent.name if agent else role  # a block reason is stored raw and escaped when shown
        _block(runtime, tasks, task, f"{name} is disabled in this channel; assign someone else.", source)
        return None
    back = f"`/agents enable {role}` then " if agent else ""
    text = (
        f"{task.key}: {off} in this channel, so no agent will work this task. "
        f"<@{person.id}>, it's yours now. `/task assign {task.key} @someone` hands it on; "
        f"{back}`/task assign {task.key} --agent {role}` gives it back."
    )
    post_in_thread(
        runtime, tasks, task, f"to-person:{task.id}:{source}", text, [section(text)], who="agent:master"
    )
    _apply_as_master(runtime, tasks, task, "assign", f"{source}-to-person", note=False, assignee=person)
    return None


def review_task(team_id: str, channel_id: str, task_id: str, attempt: int) -> str | None:
    """The reviewer reviews the deliverable: APPROVED completes the task, REJECTED sends it back.

    Only a model-backed review with a finding per acceptance criterion completes a task (the
    evidence names the reviewer, the model and the criteria met). When no model can review (the
    reviewer is disabled, no key is set, or Claude fell back), the task waits for a person, who
    gets seed 004's gate as a checklist. A re-run whose verdict was already applied redoes only
    the follow-ups (start what the task unblocked, or the next attempt, or block after
    :data:`MAX_REJECTIONS`), which are idempotent.

    Returns:
        ``APPROVED``, ``REJECTED`` or ``PERSON`` (handed to a person), or None when the task
        isn't waiting for this review (nothing to do).
    """
    runtime = get_runtime(team_id)
    with job_log("review_task", team=team_id, channel=channel_id) as log:
        tasks, team = TaskStore(runtime.redis, team_id), TeamStore(runtime.redis, team_id)
        task = tasks.get_by_id(task_id)
        source = f"review-{task_id}-{attempt}"
        event = tasks.change_for_source(source)
        if task is None:
            return None
        record = PlanStore(tasks).get(task.plan_id) if task.plan_id else None
        if event is None:
            deliverable = team.deliverable(task_id)
            if (
                deliverable is None
                or task.status is not TaskStatus.REVIEW
                or task.review_rejections + 1 != attempt
            ):
                log["outcome"] = "skipped"
                return None
            log["task_key"] = task.key
            team_roster = roster(runtime, team_id, channel_id)
            reviewer = _reviewer(team_roster, record, task)
            author = _author_name(team_roster, task)
            if task.waits_for_person or not reviewer.enabled:
                reason = (
                    f"{reviewer.name} is disabled in this channel"
                    if not reviewer.enabled
                    else _no_model_reason(None, "reviewed")
                )
                hand_to_person(
                    runtime,
                    tasks,
                    task,
                    attempt,
                    reason=reason,
                    checklist=gate_checklist(task, deliverable),
                    author=author,
                    source=source,
                )
                log["outcome"] = "PERSON"
                return log["outcome"]
            _, dependencies, _ = _context_of(runtime, team_id, task)
            ctx = ReviewContext(
                reviewer=reviewer,
                task=task,
                deliverable=deliverable,
                request=truncate(record.request, 6000) if record else None,
                dependencies=dependencies,
                attempt=attempt,
            )
            session, status = _session(runtime, tasks, task, reviewer, f"review:{task.id}:{attempt}")
            result = _answer_once(
                runtime,
                team_id,
                channel_id,
                "review",
                task,
                attempt,
                reviewer,
                lambda b: b.review(ctx, session),
            )
            status.clear()
            if not isinstance(result.value, ReviewVerdict) or result.brain != "claude":
                checklist = (
                    result.value
                    if isinstance(result.value, GateChecklist)
                    else gate_checklist(task, deliverable)
                )
                hand_to_person(
                    runtime,
                    tasks,
                    task,
                    attempt,
                    reason=_no_model_reason(result.fallback_reason, "reviewed"),
                    checklist=checklist,
                    author=author,
                    source=source,
                )
                log["outcome"] = "PERSON"
                return log["outcome"]
            verdict = result.value
            note = brain_note(result.brain, result.model, result.fallback_reason)
            post_in_thread(
                runtime,
                tasks,
                task,
                f"review:{task.id}:{attempt}",
                f"{task.key}: review by {escape(reviewer.name)} — {verdict.verdict}",
                build_review_blocks(task, reviewer.name, verdict, note, attempt),
                who=f"agent:{reviewer.id}",
            )
            actor = f"agent:{reviewer.id}"
            try:
                if verdict.verdict == "APPROVED":
                    evidence = CompletionEvidence(
                        kind="review",
                        by=actor,
                        by_name=reviewer.name,
                        model=result.model,
                        criteria_met=sum(f.status == "met" for f in verdict.findings),
                        criteria_total=len(task.acceptance_criteria),
                    )
                    change = tasks.apply(
                        channel_id,
                        task.key,
                        "done",
                        actor=actor,
                        source=source,
                        evidence=evidence,
                        findings=verdict.findings,
                    )
                else:
                    reason = truncate("; ".join(verdict.must_fix) or verdict.summary, 480)
                    change = tasks.apply(
                        channel_id,
                        task.key,
                        "reject",
                        actor=actor,
                        source=source,
                        reason=reason,
                        findings=verdict.findings,
                    )
            except UserError:
                log["outcome"] = "moved meanwhile"
                return None
            announce_change(runtime, tasks, change, note=False)
            event, task = change.event, change.task
        log["outcome"] = "APPROVED" if event.action == "done" else "REJECTED"
        task = tasks.get_by_id(task_id) or task
        if event.action == "done":
            start_ready_dependents(runtime, tasks, task)
            if record:
                show_plan(runtime, tasks, record)
        elif task.review_rejections >= MAX_REJECTIONS:
            reason = str(event.detail.get("reason", ""))
            if task.status is not TaskStatus.BLOCKED:
                _block(
                    runtime,
                    tasks,
                    task,
                    f"Rejected {task.review_rejections} times in review; a human must decide. Last: {reason}",
                    source,
                )
            _escalate_rejections(runtime, task, reason, source)
        else:
            start_agent_if_any(runtime, tasks, task)
        return log["outcome"]


def _author_name(team_roster: list[Agent], task: Task) -> str:
    if task.assignee is None:
        return "the author"
    if task.assignee.kind == "user":
        return f"<@{task.assignee.id}>"
    try:
        return find_agent(team_roster, task.assignee.id).name
    except UserError:
        return task.assignee.id


def _escalate_rejections(runtime: Runtime, task: Task, reason: str, source: str) -> None:
    """Seed 004: 3+ review rejections without resolution → escalate to a person (once per source)."""
    new_escalation(
        runtime,
        team_id=task.team_id,
        channel_id=task.channel_id,
        issue=f"{task.key} ({task.title}) was rejected {task.review_rejections} times in review. "
        f"Last: {reason}",
        options=[
            EscalationOption(
                label="Approve", tradeoff="Let the agent try again, with your guidance in the thread."
            ),
            EscalationOption(
                label="Reject", tradeoff="Send it back to its author; someone reassigns or rescopes it."
            ),
        ],
        raised_by="agent:master",
        requester=task.created_by,
        source=f"{source}-escalation",
        workflow_stage="REVIEW",
        recommendation="Approve once the must-fix items are clarified in the task's thread.",
        recommended=0,
        blocking=[task.key],
        thread_ts=task.thread_root,
    )


def _block(runtime: Runtime, tasks: TaskStore, task: Task, reason: str, source: str) -> None:
    _apply_as_master(runtime, tasks, task, "block", f"{source}-block", reason=truncate(reason, 500))


def _apply_as_master(
    runtime: Runtime,
    tasks: TaskStore,
    task: Task,
    action: Action,
    source: str,
    *,
    note: bool = True,
    **details,
) -> None:
    """Apply ``action`` to the task as the Master and announce it; nothing when the task moved meanwhile."""
    try:
        change = tasks.apply(
            task.channel_id, task.key, action, actor="agent:master", source=source, **details
        )
    except UserError:
        return
    announce_change(runtime, tasks, change, note=note)


def start_ready_dependents(runtime: Runtime, tasks: TaskStore, done: Task) -> list[str]:
    """Start every agent task that waited for ``done`` and whose dependencies are all completed on evidence.

    Idempotent, and safe when two dependencies complete at once: the start is keyed by the
    dependent, and :func:`start_agent_if_any` runs the agent once.

    Returns:
        The keys whose agent this call set to work.
    """
    started = []
    for dependent in tasks.tasks_by_keys(done.channel_id, tasks.unblocks(done.channel_id, done.key)):
        if dependent.assignee is None or dependent.assignee.kind != "agent":
            continue
        deps = tasks.tasks_by_keys(dependent.channel_id, dependent.depends_on)
        if len(deps) != len(dependent.depends_on) or any(
            d.status is not TaskStatus.COMPLETED or d.completion is None for d in deps
        ):
            continue  # a dependency completed before evidence was kept is started by a person
        if dependent.status is TaskStatus.ASSIGNED:
            try:
                change = tasks.apply(
                    dependent.channel_id,
                    dependent.key,
                    "start",
                    actor="agent:master",
                    source=f"autostart-{dependent.id}",
                )
            except UserError:
                continue  # someone moved it meanwhile
            announce_change(runtime, tasks, change)
            dependent = change.task
        if start_agent_if_any(runtime, tasks, tasks.get_by_id(dependent.id) or dependent):
            started.append(dependent.key)
    return started


def _reviewer(team_roster: list[Agent], record: PlanRecord | None, task: Task) -> Agent:
    wanted = record.reviewer if record else DEFAULT_REVIEWER
    if task.assignee and task.assignee.id == wanted:
        wanted = "security" if wanted != "security" else DEFAULT_REVIEWER  # nobody reviews their own work
    try:
        return find_agent(team_roster, wanted)
    except UserError:
        return find_agent(team_roster, DEFAULT_REVIEWER)


def _last_feedback(tasks: TaskStore, task: Task) -> list[str]:
    for event in reversed(tasks.events(task.id)):
        if event.action == "rejected":
            return [item.strip() for item in str(event.detail.get("reason", "")).split(";") if item.strip()]
    return []


def follow_up(runtime: Runtime, tasks: TaskStore, task: Task) -> None:
    """After a person changed a task: its agent starts, its reviewer reviews, or its dependents start.

    A task of a plan also redraws the plan message (a person's approval completes plan tasks).
    """
    if task.status is TaskStatus.IN_PROGRESS:
        start_agent_if_any(runtime, tasks, task)
    elif task.status is TaskStatus.REVIEW and task.assignee is not None and task.assignee.kind == "agent":
        start_review(runtime, task)
    elif task.status is TaskStatus.COMPLETED:
        start_ready_dependents(runtime, tasks, task)
    record = PlanStore(tasks).get(task.plan_id) if task.plan_id else None
    if record is not None:
        show_plan(runtime, tasks, record)
