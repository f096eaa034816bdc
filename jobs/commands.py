"""The job behind ``/task`` commands and card buttons: apply the change, show it, follow up.

Every run is idempotent: a state change is keyed by the Slack request that asked for it
(``source``), so a re-run or a Slack retry changes nothing twice; posts are claimed.
"""

from __future__ import annotations

from typing import Any

from jobs.approvals import apply_person_change
from jobs.board import announce_change, refresh_card
from jobs.observe import job_log
from jobs.posting import ensure_member
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from jobs.team import follow_up
from maestro.commands import STATE_VERBS, TaskCommand
from maestro.due_dates import date_warning_text, task_date_conflicts
from maestro.errors import UserError
from maestro.models import Task, TaskStatus
from maestro.store import TaskStore
from maestro.workflow import STATUS_LABELS


def run_task_command(
    team_id: str,
    channel_id: str,
    user_id: str,
    command: dict[str, Any],
    source: str,
    response_url: str | None = None,
    confirm: bool = True,
) -> str | None:
    """Apply one ``/task`` command (or button press) and show the result in Slack.

    Args:
        team_id: the Slack team (workspace) id.
        channel_id: the channel (project) it was asked in.
        user_id: who asked (Slack user id).
        command: a :class:`~maestro.commands.TaskCommand` as JSON.
        source: the dedupe key of the Slack request; the same source never applies twice.
        response_url: where to reply ephemerally; None for modal submissions.
        confirm: tell the requester ephemerally what changed (commands: yes; buttons: no, the
            card changing in front of them says it).

    Returns:
        The task key affected, or None when the command was refused.
    """
    runtime = get_runtime(team_id)
    cmd = TaskCommand.model_validate(command)
    with job_log(
        "run_task_command", team=team_id, channel=channel_id, command=cmd.verb, task_key=cmd.key
    ) as log:
        store = TaskStore(runtime.redis, team_id)
        try:
            if cmd.verb == "new":
                ensure_member(runtime, store, channel_id)
                change = store.create_task(channel_id, cmd.new_task(), actor=user_id, source=source)
                log["task_key"] = change.task.key
                refresh_card(runtime, store, channel_id, change.task.key)
                for key in change.task.depends_on:
                    refresh_card(runtime, store, channel_id, key)
                _warn_about_dates(runtime, store, change.task, source, user_id, response_url)
                return change.task.key
            if cmd.verb not in STATE_VERBS:
                raise ValueError(f"not a state-changing verb: {cmd.verb}")
            change = apply_person_change(
                runtime,
                store,
                channel_id,
                cmd.key or "",
                cmd.verb,  # type: ignore[arg-type]
                user_id=user_id,
                source=source,
                percent=cmd.percent,
                reason=cmd.reason,
                assignee=cmd.assignee,
            )
        except UserError as refused:
            log["outcome"] = "refused"
            if not confirm and _already_done(store, channel_id, cmd):
                return None  # a button pressed twice: the card already shows the result
            _reply_once(runtime, store, source, refused.message, channel_id, user_id, response_url)
            return None
        announce_change(runtime, store, change)
        follow_up(runtime, store, change.task)  # idempotent: a re-run finishes what a crash cut short
        if confirm and change.new:
            percent = f" · {change.task.percent}%" if cmd.verb == "progress" else ""
            status = STATUS_LABELS[change.task.status]
            text = f"{change.task.key} is now *{status}*{percent}. The card is updated."
            _reply_once(runtime, store, source, text, channel_id, user_id, response_url)
        return change.task.key


def _warn_about_dates(
    runtime: Runtime, store: TaskStore, task: Task, source: str, user_id: str, response_url: str | None
) -> None:
    """Tell the requester, ephemerally and once, when the new task is due before a task it waits for."""
    if task.due is None or not task.depends_on:
        return
    conflicts = task_date_conflicts(task, store.tasks_by_keys(task.channel_id, task.depends_on))
    if conflicts:
        text = date_warning_text(
            conflicts, fix="A task's card shows its dates: `/task show " + task.key + "`."
        )
        _reply_once(runtime, store, source, text, task.channel_id, user_id, response_url)


def _reply_once(
    runtime: Runtime,
    store: TaskStore,
    source: str,
    text: str,
    channel_id: str,
    user_id: str,
    response_url: str | None,
) -> None:
    claim = f"reply:{source}"
    if store.claim_post(claim):
        tell_requester(runtime, text=text, channel_id=channel_id, user_id=user_id, response_url=response_url)
        store.confirm_post(claim, "sent")


def _already_done(store: TaskStore, channel_id: str, cmd: TaskCommand) -> bool:
    """True when the task already is where the command would take it (a second click)."""
    targets = {"start": TaskStatus.IN_PROGRESS, "done": TaskStatus.COMPLETED, "block": TaskStatus.BLOCKED}
    task_id = store.task_id_for(channel_id, cmd.key or "")
    task = store.get_by_id(task_id) if task_id else None
    if task is None:
        return False
    if cmd.verb == "unblock":
        return task.status is not TaskStatus.BLOCKED
    return targets.get(cmd.verb) is task.status
