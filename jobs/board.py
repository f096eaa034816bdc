"""Task cards: post a task's card once, update it in place, note each change in its thread.

Every job is idempotent. State changes are keyed by the Slack request that asked for them
(``source``), so a re-run or a Slack retry changes nothing twice; posts are claimed in Redis by
what they announce (the card of a task, the note of an audit event), so nothing is posted twice.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from jobs.home import refresh_homes
from jobs.locks import job_lock
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.runtime import Runtime, get_runtime
from maestro.cards import build_task_card_blocks, card_fallback_text
from maestro.home import concerns
from maestro.models import Task
from maestro.sprint_store import sprint_name
from maestro.store import Change, TaskStore
from maestro.team_store import TeamStore
from maestro.workflow import describe_event

logger = logging.getLogger(__name__)

CARD_LOCK_TIMEOUT = 120
"""Seconds a card's update lock is held at most (serialises posting and updating one card); longer
than a ``chat.update`` with its 429 retries."""


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
        blocks=build_task_card_blocks(
            task,
            store.unblocks(task.channel_id, task.key),
            sprint_name=sprint_name(runtime.redis, store.team_id, task),
        ),
        unfurl_links=False,
    )
    if ts is None:
        return store.get_by_id(task.id) or task
    if task.thread_ts is None:  # a channel card: its own thread is the task's thread
        TeamStore(runtime.redis, store.team_id).own_thread(task.channel_id, ts, "task", task.id)
    return store.set_message(task.id, ts, actor="system", source=f"card:{task.id}", thread_ts=task.thread_ts)


def refresh_card(runtime: Runtime, store: TaskStore, channel_id: str, key: str) -> None:
    """Update a task's card in place (``chat.update``) from its current state; post it if missing.

    Updates of one card are serialised by a Redis lock and always render the state read inside
    it, so the last update shows the latest state whatever order jobs run in. A retry of a job cut
    off while holding the lock takes it back (:func:`jobs.locks.job_lock`).
    """
    task_id = store.task_id_for(channel_id, key)
    if task_id is None:
        return
    with job_lock(runtime.redis, f"maestro:{store.team_id}:cardlock:{task_id}", timeout=CARD_LOCK_TIMEOUT):
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
                blocks=build_task_card_blocks(
                    task,
                    store.unblocks(channel_id, task.key),
                    sprint_name=sprint_name(runtime.redis, store.team_id, task),
                ),
            )
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise
            # Someone deleted the card: forget it and post it again.
            store.release_post(f"card:{task.id}")
            task = store.set_message(task.id, None, actor="system", source=f"card-lost:{task.version}")
            post_card(runtime, store, task)


def announce_change(runtime: Runtime, store: TaskStore, change: Change, *, note: bool = True) -> None:
    """Update the card of a changed task and say in its thread what changed and by whom (once).

    ``note=False`` only updates the card: for changes an agent's own post already announced
    (its deliverable moves the task to review; the review's verdict completes or returns it).
    """
    refresh_card(runtime, store, change.task.channel_id, change.task.key)
    task = store.get_by_id(change.task.id) or change.task
    refresh_homes(runtime.redis, store.team_id, concerns(task) | concerns(change.task))
    if note and task.thread_root:
        post_once(
            runtime,
            store,
            f"note:{change.event.id}",
            channel=task.channel_id,
            thread_ts=task.thread_root,
            text=describe_event(change.event),
        )


def refresh_cards(team_id: str, channel_id: str, keys: list[str]) -> int:
    """Update the cards of tasks whose sprint or milestone changed; return how many were updated.

    Each update is :func:`refresh_card` (``chat.update`` under the card's lock); a task without a
    card yet is skipped rather than posted, since its own job posts it.
    """
    runtime = get_runtime(team_id)
    with job_log("refresh_cards", team=team_id, channel=channel_id) as log:
        store = TaskStore(runtime.redis, team_id)
        done = 0
        for task in store.tasks_by_keys(channel_id, keys):
            if task.message_ts:
                refresh_card(runtime, store, channel_id, task.key)
                done += 1
        log["outcome"] = f"{done} cards"
        return done


def post_in_thread(
    runtime: Runtime, tasks: TaskStore, task: Task, claim: str, text: str, blocks: list[dict], *, who: str
) -> str | None:
    """Post once (per ``claim``) in the task's thread, posting its card first if it has none yet.

    The post is remembered as the thread's history (``who``: a Slack user id or ``agent:<role>``),
    which agents read as context.

    Returns:
        The post's ``ts``, or None when the task still has no thread (its card couldn't be posted).
    """
    fresh = tasks.get_by_id(task.id) or task
    if not fresh.thread_root:
        refresh_card(runtime, tasks, fresh.channel_id, fresh.key)
        fresh = tasks.get_by_id(task.id) or fresh
    if not fresh.thread_root:
        return None
    ts = post_once(
        runtime, tasks, claim, channel=fresh.channel_id, thread_ts=fresh.thread_root, text=text, blocks=blocks
    )
    if ts:
        TeamStore(runtime.redis, tasks.team_id).remember(fresh.channel_id, fresh.thread_root, who, text, ts)
    return ts
