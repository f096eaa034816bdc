"""Jobs of escalations: post one, and apply a decision (update the message, resume the work).

A decision itself is recorded in the listener, atomically (first press wins); this job makes it
visible and resumes what the escalation blocked: Approve or an option unblocks a BLOCKED task (its
agent then works it with the decision in its thread as context); Reject sends blocked work back
to its author (the task is unblocked and its author is told the reason in the thread).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from jobs.board import announce_change
from jobs.escalation_posts import new_escalation
from jobs.home import refresh_homes
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.runtime import Runtime, get_runtime
from jobs.slack import NotInstalledError
from jobs.team import follow_up
from maestro.errors import UserError
from maestro.escalation_cards import build_escalation_blocks, escalation_fallback_text
from maestro.escalations import YES_NO, EscalationRecord, EscalationStore, raised
from maestro.models import Priority, TaskStatus, actor_label, utcnow
from maestro.plans import EscalationOption
from maestro.store import TaskStore
from maestro.team_store import TeamStore
from maestro.text import escape, truncate
from maestro.triggers import Finding, findings_for, working_hours_between

logger = logging.getLogger(__name__)


def raise_escalation(
    team_id: str, channel_id: str, user_id: str, payload: dict[str, Any], source: str
) -> str:
    """Raise an escalation from ``/escalate`` (``payload``: issue, options, blocking); return its id."""
    runtime = get_runtime(team_id)
    with job_log("raise_escalation", team=team_id, channel=channel_id, command="escalate"):
        options = [EscalationOption.model_validate(o) for o in payload.get("options", [])]
        record = new_escalation(
            runtime,
            team_id=team_id,
            channel_id=channel_id,
            issue=payload["issue"],
            options=options,
            raised_by=user_id,
            requester=user_id,
            source=source,
            workflow_stage=payload.get("workflow_stage", ""),
            blocking=payload.get("blocking", []),
        )
        return record.id


def apply_decision(team_id: str, channel_id: str, escalation_id: str) -> str:
    """Show a recorded decision (message updated in place, thread told) and resume the blocked work.

    Idempotent: the message update is a ``chat.update``, the thread note is claimed, and each
    task change is keyed by the escalation.
    """
    runtime = get_runtime(team_id)
    with job_log("apply_decision", team=team_id, channel=channel_id, action="escalation_decide") as log:
        store, tasks = EscalationStore(runtime.redis, team_id), TaskStore(runtime.redis, team_id)
        record = store.get(escalation_id)
        decision = record.decision
        if decision is None:
            return "open"
        log["outcome"] = decision.label
        if record.message_ts:
            runtime.slack.chat_update(
                channel=channel_id,
                ts=record.message_ts,
                text=escalation_fallback_text(record),
                blocks=build_escalation_blocks(record),
            )
        raised = (
            f" {escape(record.raised_by.removeprefix('agent:'))},"
            if record.raised_by.startswith("agent:")
            else ""
        )
        requester = (
            f" <@{record.requester}>," if record.requester and record.requester[:1] in ("U", "W") else ""
        )
        text = f"Decided by <@{decision.by}>: *{escape(decision.label)}*.{requester}{raised} " + (
            "the work goes back to its author."
            if record.yes_no and decision.option == 1
            else "the work resumes."
        )
        thread = record.message_ts
        if thread:
            post_once(
                runtime,
                tasks,
                f"decision-note:{escalation_id}",
                channel=channel_id,
                thread_ts=thread,
                text=text,
            )
        for key in record.blocking:
            _resume(runtime, tasks, record, key)
        refresh_homes(runtime.redis, team_id, record.deciders)
        return decision.label


def _resume(runtime: Runtime, tasks: TaskStore, record: EscalationRecord, key: str) -> None:
    decision = record.decision
    assert decision is not None
    task_id = tasks.task_id_for(record.channel_id, key)
    task = tasks.get_by_id(task_id) if task_id else None
    if task is None:
        return
    option = record.options[decision.option]
    guidance = f"Decision on the escalation: {option.label} — {option.tradeoff}"
    if decision.note:
        guidance += f" Reason: {decision.note}"
    if record.yes_no and decision.option == 1 and task.thread_root:
        author = task.assignee.label() if task.assignee else actor_label(task.created_by)
        post_once(
            runtime,
            tasks,
            f"rejection-note:{record.id}:{key}",
            channel=task.channel_id,
            thread_ts=task.thread_root,
            text=f"Back to {author}: <@{decision.by}> rejected the escalation. {escape(decision.note)}",
        )
    if task.thread_root:
        TeamStore(runtime.redis, record.team_id).remember(
            task.channel_id, task.thread_root, decision.by, guidance
        )
    if task.status is TaskStatus.BLOCKED:
        try:
            change = tasks.apply(
                task.channel_id, task.key, "unblock", actor=decision.by, source=f"decision-{record.id}-{key}"
            )
        except UserError:
            return
        announce_change(runtime, tasks, change)
        follow_up(runtime, tasks, change.task)


def check_escalations(now_iso: str | None = None) -> dict[str, int]:
    """The clock's sweep: raise what the triggers find, and remind deciders of old escalations.

    Args:
        now_iso: the time to check at (UTC ISO 8601); now when omitted (tests pass a test clock).

    Returns:
        Counts: ``raised`` (new escalations) and ``reminded`` (reminders sent).
    """
    runtime = get_runtime()
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    counts = {"raised": 0, "reminded": 0}
    with job_log("check_escalations") as log:
        for team_id, channel_id in TaskStore.all_projects(runtime.redis):
            try:
                _sweep_project(runtime.for_team(team_id), team_id, channel_id, now, counts)
            except NotInstalledError:
                continue  # uninstalled (its data kept): nothing is raised or sent for it
            except Exception:  # noqa: BLE001 - one project's failure must not stop the others
                logger.exception("escalation sweep failed", extra={"team": team_id, "channel": channel_id})
        log["outcome"] = f"{counts['raised']} raised, {counts['reminded']} reminded"
    return counts


def _sweep_project(
    runtime: Runtime, team_id: str, channel_id: str, now: datetime, counts: dict[str, int]
) -> None:
    tasks = TaskStore(runtime.redis, team_id)
    store = EscalationStore(runtime.redis, team_id)
    blocked_days, reminder_hours = store.thresholds(channel_id)
    board = tasks.list_tasks(channel_id)
    for finding in findings_for(board, now, blocked_days=blocked_days):
        task = next((t for t in board if t.key == finding.blocking[0]), None)
        if finding.source.endswith("-2"):
            handled, raised_now = _raise_in_place(runtime, store, finding, now)
            counts["raised"] += raised_now
            if handled:
                continue
        before = {r.id for r in store.open_escalations(channel_id)}
        record = new_escalation(
            runtime,
            team_id=team_id,
            channel_id=channel_id,
            issue=finding.issue,
            options=list(YES_NO),
            raised_by="system",
            requester=task.created_by if task else None,
            source=f"trigger-{finding.source}",
            workflow_stage=finding.stage,
            blocking=list(finding.blocking),
            priority=finding.priority,
            thread_ts=task.thread_root if task else None,
            now=now,
        )
        counts["raised"] += record.id not in before and record.decision is None
    for record in store.open_escalations(channel_id):
        counts["reminded"] += remind(runtime, store, record, now, reminder_hours)


def _raise_in_place(
    runtime: Runtime, store: EscalationStore, finding: Finding, now: datetime
) -> tuple[bool, bool]:
    """Re-escalate a fact still undecided as critical: its open escalation rises, its deciders are told.

    Returns:
        ``(handled, raised_now)``: handled when the fact's first escalation is still open (no new
        one is raised), and raised_now the first time it is raised to critical.
    """
    first = store.raised_for(f"trigger-{finding.source[:-2]}-1")
    if first is None or first.decision is not None:
        return False, False
    if not store.claim_once(f"critical:{finding.source}"):
        return True, False
    updated = store.note_reminder(first.id, now, Priority.CRITICAL)
    if updated is None:
        return False, False
    remind(runtime, store, updated.model_copy(update={"last_reminded_at": None}), now, 0)
    return True, True


def remind(
    runtime: Runtime, store: EscalationStore, record: EscalationRecord, now: datetime, hours: float
) -> bool:
    """DM the deciders of an escalation that waited ``hours`` working hours, and raise its priority.

    Returns:
        True when a reminder was sent by this call.
    """
    since = record.last_reminded_at or record.created_at
    if working_hours_between(since, now) < hours or not record.deciders:
        return False
    updated = store.note_reminder(record.id, now, raised(record.priority))
    if updated is None:
        return False
    tasks = TaskStore(runtime.redis, record.team_id)
    link = f" in <#{record.channel_id}>" if record.channel_id.startswith("C") else ""
    text = (
        f":alarm_clock: An escalation{link} has waited for your decision since "
        f"{record.created_at:%Y-%m-%d %H:%M} UTC, now *{updated.priority.value}*: "
        f"{escape(truncate(record.issue, 300))}"
    )
    for user in record.deciders:
        im = runtime.slack.conversations_open(users=user)["channel"]["id"]
        post_once(runtime, tasks, f"reminder:{record.id}:{updated.reminders}:{user}", channel=im, text=text)
    fresh = store.get(record.id)  # a decision may have landed while the DMs went out
    if fresh.message_ts and fresh.decision is None:
        runtime.slack.chat_update(
            channel=fresh.channel_id,
            ts=fresh.message_ts,
            text=escalation_fallback_text(fresh),
            blocks=build_escalation_blocks(fresh),
        )
    return True
