"""Jobs of the task board: apply a ``/task`` command or button press, post and update cards.

Every job is idempotent. State changes are keyed by the Slack request that asked for them
(``source``), so a re-run or a Slack retry changes nothing twice; posts are claimed in Redis by
what they announce (the card of a task, the note of an audit event), so nothing is posted twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from jobs.observe import job_log
from jobs.posting import ensure_member, post_once
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from maestro.cards import build_task_card_blocks, card_fallback_text
from maestro.commands import STATE_VERBS, TaskCommand
from maestro.errors import UserError
from maestro.models import Task, TaskStatus
from maestro.store import Change, TaskStore
from maestro.workflow import STATUS_LABELS, describe_event

logger = logging.getLogger(__name__)

CARD_LOCK_TIMEOUT = 120
"""Seconds a card's update lock is held at most (serialises posting and updating one card); longer
than a ``chat.update`` with its 429 retries."""


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
    runtime = get_runtime()
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
                return change.task.key
            if cmd.verb not in STATE_VERBS:
                raise ValueError(f"not a state-changing verb: {cmd.verb}")
            change = store.apply(
                channel_id,
                cmd.key or "",
                cmd.verb,  # type: ignore[arg-type]
                actor=user_id,
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
        if confirm and change.new:
            percent = f" · {change.task.percent}%" if cmd.verb == "progress" else ""
            status = STATUS_LABELS[change.task.status]
            text = f"{change.task.key} is now *{status}*{percent}. The card is updated."
            _reply_once(runtime, store, source, text, channel_id, user_id, response_url)
        return change.task.key


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


def post_card(runtime: Runtime, store: TaskStore, task: Task) -> Task:
    """Post the task's card in its channel once, and record its ``ts`` on the task.

    Returns:
        The task with ``message_ts`` set (or as it was, when another run holds the claim).
    """
    if task.message_ts:
        return task
    ts = post_once(
        runtime,
        store,
        f"card:{task.id}",
        channel=task.channel_id,
        thread_ts=task.thread_ts,
        text=card_fallback_text(task),
        blocks=build_task_card_blocks(task, store.unblocks(task.channel_id, task.key)),
        unfurl_links=False,
    )
    if ts is None:
        return store.get_by_id(task.id) or task
    return store.set_message(task.id, ts, actor="system", source=f"card:{task.id}", thread_ts=task.thread_ts)


def refresh_card(runtime: Runtime, store: TaskStore, channel_id: str, key: str) -> None:
    """Update a task's card in place (``chat.update``) from its current state; post it if missing.

    Updates of one card are serialised by a Redis lock and always render the state read inside
    it, so the last update shows the latest state whatever order jobs run in.
    """
    task_id = store.task_id_for(channel_id, key)
    if task_id is None:
        return
    with runtime.redis.lock(f"maestro:{store.team_id}:cardlock:{task_id}", timeout=CARD_LOCK_TIMEOUT):
        task = store.get_by_id(task_id)
        if task is None:
            return
        if not task.message_ts:
            post_card(runtime, store, task)
            return
        try:
            runtime.slack.chat_update(
                channel=task.channel_id,
                ts=task.message_ts,
                text=card_fallback_text(task),
                blocks=build_task_card_blocks(task, store.unblocks(channel_id, task.key)),
            )
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise
            # Someone deleted the card: forget it and post it again.
            store.release_post(f"card:{task.id}")
            task = store.set_message(task.id, None, actor="system", source=f"card-lost:{task.version}")
            post_card(runtime, store, task)


def announce_change(runtime: Runtime, store: TaskStore, change: Change) -> None:
    """Update the card of a changed task and say in its thread what changed and by whom (once)."""
    refresh_card(runtime, store, change.task.channel_id, change.task.key)
    task = store.get_by_id(change.task.id) or change.task
    if task.thread_root:
        post_once(
            runtime,
            store,
            f"note:{change.event.id}",
            channel=task.channel_id,
            thread_ts=task.thread_root,
            text=describe_event(change.event),
        )
