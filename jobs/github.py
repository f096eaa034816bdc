"""GitHub deliveries' jobs: a pull request naming ``T-3`` moves T-3 and says so once in its thread.

Opened → IN_PROGRESS; ready for review → REVIEW (a person's: the review happens on GitHub);
merged → COMPLETED with ``CompletionEvidence(kind="pull_request", reference="#45")``; closed
unmerged → back to IN_PROGRESS; changes requested → a note. A change the task's status doesn't
allow (a blocked task, a finished one) becomes a note instead. Idempotent: each change's source
and each thread note are keyed by the delivery id.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from githubkit.exception import GitHubException

from agents.tools._github import github_client
from jobs.board import announce_change, refresh_card
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.runtime import Runtime, get_runtime
from maestro.errors import UserError
from maestro.github_links import PullEvent, pull_event
from maestro.github_store import GitHubStore, linked_repositories, projects_for
from maestro.models import CompletionEvidence, Task, TaskStatus
from maestro.store import Change, TaskStore
from maestro.text import escape
from maestro.workflow import STATUS_LABELS, allowed_actions

logger = logging.getLogger("maestro.github")

RECONCILE_PULLS = 30
"""Pull requests the reconciliation reads per repository: one ``GET /pulls`` call, latest updated first."""

_STEPS: dict[str, dict[TaskStatus, tuple[str, ...]]] = {
    "start": {TaskStatus.ASSIGNED: ("start",)},
    "review": {TaskStatus.ASSIGNED: ("start", "review"), TaskStatus.IN_PROGRESS: ("review",)},
    "done": {
        TaskStatus.ASSIGNED: ("start", "done"),
        TaskStatus.IN_PROGRESS: ("done",),
        TaskStatus.REVIEW: ("done",),
    },
    "reopen": {TaskStatus.REVIEW: ("reject",)},
    "note": {},
}
"""The workflow actions a pull request event takes from each status (none: a note only)."""


def handle_delivery(event: str, delivery_id: str, payload: dict[str, Any]) -> int:
    """Act on one verified, first-seen delivery; return how many tasks it concerned.

    Args:
        event: ``X-GitHub-Event`` (``pull_request``, ``pull_request_review``, ``issues``, ``ping``).
        delivery_id: ``X-GitHub-Delivery``, which keys every change and note (a re-run repeats nothing).
        payload: the delivery's JSON body, as GitHub sends it.
    """
    runtime = get_runtime()
    repo = (payload.get("repository") or {}).get("full_name")
    with job_log("github_delivery", event=event, delivery=delivery_id) as log:
        if repo and event == "issues" and payload.get("action") == "closed":
            touched = _issue_closed(runtime, repo, payload, delivery_id)
            log["outcome"] = f"{touched} tasks"
            return touched
        meaning = pull_event(event, payload)
        if not repo or meaning is None:
            log["outcome"] = "ignored"
            return 0
        touched = 0
        for team_id, channel_id in projects_for(runtime.redis, repo):
            tasks = TaskStore(runtime.redis, team_id)
            links = GitHubStore(runtime.redis, team_id)
            for key in meaning.keys:
                if tasks.task_id_for(channel_id, key) is None:
                    continue
                links.link(channel_id, key, f"{repo}#{meaning.number}")
                apply_pull_event(runtime, tasks, channel_id, key, meaning, delivery_id)
                touched += 1
        log["outcome"] = f"{touched} tasks"
        return touched


def _issue_closed(runtime: Runtime, repo: str, payload: dict[str, Any], delivery_id: str) -> int:
    """Propose the tasks linked to a closed issue as done, in their threads (a person confirms)."""
    issue = payload.get("issue") or {}
    if not isinstance(issue.get("number"), int) or "pull_request" in issue:
        return 0
    ref = f"{repo}#{issue['number']}"
    who = (payload.get("sender") or {}).get("login") or "someone"
    touched = 0
    for team_id, channel_id in projects_for(runtime.redis, repo):
        tasks = TaskStore(runtime.redis, team_id)
        for key in GitHubStore(runtime.redis, team_id).tasks_linked_to(channel_id, ref):
            task_id = tasks.task_id_for(channel_id, key)
            task = tasks.get_by_id(task_id) if task_id else None
            if task is None or not task.is_open or not task.thread_root:
                continue
            text = (
                f"Issue {escape(ref)} was closed by @{escape(who)}. If {key} is done, a person confirms "
                f"it with `/task done {key}`; nothing was changed."
            )
            post_once(
                runtime,
                tasks,
                f"github:{delivery_id}:{task.id}",
                channel=channel_id,
                thread_ts=task.thread_root,
                text=text,
            )
            touched += 1
    return touched


def apply_pull_event(
    runtime: Runtime, tasks: TaskStore, channel_id: str, key: str, meaning: PullEvent, delivery_id: str
) -> Task:
    """Move task ``key`` as ``meaning`` says (when its status allows) and post one note in its thread."""
    task = tasks.get(channel_id, key)
    actor = f"@{meaning.actor} (GitHub)"
    changes: list[Change] = []
    for step in _STEPS[meaning.action].get(task.status, ()):
        if step not in allowed_actions(task):
            break
        try:
            change = tasks.apply(
                channel_id,
                key,
                step,  # type: ignore[arg-type]
                actor=actor,
                source=f"github:{delivery_id}:{key}:{step}",
                reason=meaning.note if step == "reject" else None,
                review_by="person" if step == "review" else None,
                evidence=_evidence(meaning) if step == "done" else None,
            )
        except UserError:
            break
        changes.append(change)
        task = change.task
    for change in changes:
        announce_change(runtime, tasks, change, note=False)
    fresh = tasks.get_by_id(task.id) or task
    text = escape(meaning.note)
    if changes:
        text += f": {key} is *{STATUS_LABELS[fresh.status]}*"
        if meaning.action == "done":
            text += f" (merged in {escape(meaning.reference)})"
    else:
        text += f" ({key} stays *{STATUS_LABELS[fresh.status]}*)"
    if not fresh.thread_root:
        refresh_card(runtime, tasks, channel_id, key)
        fresh = tasks.get_by_id(task.id) or fresh
    if fresh.thread_root:
        post_once(
            runtime,
            tasks,
            f"github:{delivery_id}:{fresh.id}",
            channel=channel_id,
            thread_ts=fresh.thread_root,
            text=text + ".",
        )
    return fresh


def _evidence(meaning: PullEvent) -> CompletionEvidence:
    return CompletionEvidence(
        kind="pull_request",
        by=f"github:{meaning.actor}",
        by_name=f"@{meaning.actor}",
        reference=meaning.reference,
    )


def reconcile_github() -> int:
    """Catch deliveries GitHub never made (it doesn't retry): one API call per linked repository.

    Reads the :data:`RECONCILE_PULLS` most recently updated pull requests of each linked
    repository and replays what a missed delivery would have done: a merged one completes the
    tasks it names (unless already completed), an open one starts those still ASSIGNED. Each
    replay is keyed by repository, number and state, so it happens once. Returns the tasks moved.
    """
    runtime = get_runtime()
    client = github_client(runtime.settings)
    moved = 0
    with job_log("reconcile_github") as log:
        if client is None:
            log["outcome"] = "no token"
            return 0
        for repo in linked_repositories(runtime.redis):
            owner, name = repo.split("/", 1)
            try:
                pulls = client.rest.pulls.list(
                    owner, name, state="all", sort="updated", direction="desc", per_page=RECONCILE_PULLS
                ).json()
            except GitHubException as error:
                logger.warning("reconcile %s: %s", repo, type(error).__name__)
                continue
            for pull in pulls:
                moved += _reconcile_pull(runtime, repo, pull)
        log["outcome"] = f"{moved} tasks"
    return moved


def _reconcile_pull(runtime: Runtime, repo: str, pull: dict[str, Any]) -> int:
    if pull.get("merged_at"):
        action, state = "closed", "merged"
        pull = {**pull, "merged": True}
    elif pull.get("state") == "open":
        action, state = "opened", "open"
    else:
        return 0
    payload = {"action": action, "pull_request": pull, "repository": {"full_name": repo}, "sender": {}}
    meaning = pull_event("pull_request", payload)
    if meaning is None:
        return 0
    wanted = TaskStatus.COMPLETED if state == "merged" else TaskStatus.ASSIGNED
    moved = 0
    for team_id, channel_id in projects_for(runtime.redis, repo):
        tasks = TaskStore(runtime.redis, team_id)
        for key in meaning.keys:
            task_id = tasks.task_id_for(channel_id, key)
            task = tasks.get_by_id(task_id) if task_id else None
            if task is None:
                continue
            due = task.status is not TaskStatus.COMPLETED if state == "merged" else task.status is wanted
            if not due:
                continue
            GitHubStore(runtime.redis, team_id).link(channel_id, key, f"{repo}#{meaning.number}")
            replay = f"reconcile-{repo}-{meaning.number}-{state}"
            late = replace(meaning, note=f"{meaning.note} (found by the reconciliation pass)")
            apply_pull_event(runtime, tasks, channel_id, key, late, replay)
            moved += 1
    return moved
