"""Posting an escalation (seed 004's format) once, with who may decide and what it blocks.

Apart from :mod:`jobs.escalations` (decisions and sweeps, which resume work through
:mod:`jobs.team`) so that the team's jobs can raise escalations without importing it back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from jobs.home import refresh_homes
from jobs.posting import post_once
from jobs.runtime import Runtime
from maestro.escalation_cards import build_escalation_blocks, escalation_fallback_text
from maestro.escalations import EscalationRecord, EscalationStore, deciders_for
from maestro.models import Priority, utcnow
from maestro.plans import EscalationOption
from maestro.store import TaskStore
from maestro.team_store import TeamStore
from maestro.text import truncate

logger = logging.getLogger(__name__)


def new_escalation(
    runtime: Runtime,
    *,
    team_id: str,
    channel_id: str,
    issue: str,
    options: list[EscalationOption],
    raised_by: str,
    requester: str | None,
    source: str,
    workflow_stage: str = "",
    recommendation: str = "",
    recommended: int | None = None,
    blocking: list[str] | None = None,
    priority: Priority = Priority.HIGH,
    thread_ts: str | None = None,
    now: datetime | None = None,
) -> EscalationRecord:
    """Raise an escalation (once per ``source``) and post its message in the channel.

    Returns:
        The escalation, with ``message_ts`` once posted.
    """
    store = EscalationStore(runtime.redis, team_id)
    TaskStore(runtime.redis, team_id).ensure_project(channel_id)  # so the clock's sweep finds it
    record, _ = store.raise_escalation(
        EscalationRecord(
            team_id=team_id,
            channel_id=channel_id,
            issue=truncate(issue, 1000),
            workflow_stage=workflow_stage,
            options=options,
            recommended=recommended,
            recommendation=recommendation,
            blocking=blocking or [],
            priority=priority,
            raised_by=raised_by,
            requester=requester,
            deciders=deciders_for(
                store.approvers(channel_id),
                requester=_owner_of(runtime, team_id, channel_id, blocking) or requester,
            ),
            thread_ts=thread_ts,
            created_at=now or utcnow(),
        ),
        source=source,
    )
    if record.message_ts is None:
        tasks = TaskStore(runtime.redis, team_id)
        ts = post_once(
            runtime,
            tasks,
            f"escalation:{record.id}",
            channel=channel_id,
            text=escalation_fallback_text(record),
            blocks=build_escalation_blocks(record),
        )
        if ts:
            store.set_message(record.id, ts)
            record = store.get(record.id)
            _own_thread(runtime, tasks, record)
    refresh_homes(runtime.redis, team_id, record.deciders)
    return record


def _owner_of(runtime: Runtime, team_id: str, channel_id: str, blocking: list[str] | None) -> str | None:
    """The person who created the first blocked task (for a plan's tasks: who started the plan)."""
    tasks = TaskStore(runtime.redis, team_id)
    for task in tasks.tasks_by_keys(channel_id, blocking or []):
        if task.created_by[:1] in ("U", "W"):
            return task.created_by
    return None


def _own_thread(runtime: Runtime, tasks: TaskStore, record: EscalationRecord) -> None:
    """Questions asked under the escalation go to the agent of the task it blocks (or the Master)."""
    if not record.message_ts:
        return
    team = TeamStore(runtime.redis, record.team_id)
    task_id = tasks.task_id_for(record.channel_id, record.blocking[0]) if record.blocking else None
    if task_id:
        team.own_thread(record.channel_id, record.message_ts, "task", task_id)
