"""A person's part in completing work: approving it, sending it back, and being asked to review.

The board tells the truth (design.md): a task is COMPLETED only on evidence. A person's Done is
evidence when they may give it (:func:`maestro.workflow.approval_refusal`): their own task while
they work it, or their approval of someone else's work. When no model can review an agent's work
(the offline brain drafted it, Claude fell back, or the reviewer is disabled), the task waits in
REVIEW for a person, who is asked once in the task's thread with Approve / Request changes.
"""

from __future__ import annotations

from redis import Redis
from slack_sdk import WebClient

from jobs.board import announce_change, post_in_thread
from jobs.runtime import Runtime
from jobs.slack import is_admin
from maestro.errors import UserError
from maestro.escalations import EscalationStore, deciders_for
from maestro.models import Assignee, CompletionEvidence, Task
from maestro.plan_store import PlanRecord
from maestro.plans import GateChecklist
from maestro.store import Change, TaskStore
from maestro.team_cards import build_person_review_blocks
from maestro.text import escape, truncate
from maestro.workflow import Action, approval_refusal

PERSON_VERBS = frozenset({"done", "reject"})
"""A person's changes that approve or judge work, and so need the right to."""


def apply_person_change(
    runtime: Runtime,
    tasks: TaskStore,
    channel_id: str,
    key: str,
    verb: Action,
    *,
    user_id: str,
    source: str,
    percent: int | None = None,
    reason: str | None = None,
    assignee: Assignee | None = None,
) -> Change:
    """Apply a change a person asked for (a command, a button, a quick action in a thread).

    ``done`` and ``reject`` first check the person may approve the work
    (:func:`~maestro.workflow.approval_refusal`: approvers, admins, never one's own work in
    review); ``done`` carries the person's approval as the completion evidence.

    Raises:
        NotFound: no task ``key`` in the channel.
        UserError: the person may not, or the status doesn't allow it; the message says who may
            or what to type instead. Nothing changed.
    """
    evidence = None
    if verb in PERSON_VERBS:
        task = tasks.get(channel_id, key)
        approvers = EscalationStore(runtime.redis, tasks.team_id).approvers(channel_id)
        refusal = approval_refusal(
            task, user_id, approvers=approvers, is_admin=lambda: is_admin(runtime.slack, user_id)
        )
        if refusal:
            raise UserError(refusal)
        if verb == "done":
            evidence = CompletionEvidence(kind="approval", by=user_id)
    return tasks.apply(
        channel_id,
        key,
        verb,
        actor=user_id,
        source=source,
        percent=percent,
        reason=reason,
        assignee=assignee,
        evidence=evidence,
    )


def deciders(runtime: Runtime, task: Task) -> list[str]:
    """Who is asked to review: the project's approvers, else the task's requester (Slack user ids)."""
    approvers = EscalationStore(runtime.redis, task.team_id).approvers(task.channel_id)
    if approvers:
        return approvers
    return [task.created_by] if task.created_by[:1] in ("U", "W") else []


def hand_to_person(
    runtime: Runtime,
    tasks: TaskStore,
    task: Task,
    attempt: int,
    *,
    reason: str,
    checklist: GateChecklist,
    author: str,
    source: str,
) -> Task:
    """Mark a task in REVIEW as waiting for a person's review, and ask them once in its thread.

    Args:
        runtime: the job's runtime.
        tasks: the team's task store.
        task: the task, in REVIEW.
        attempt: the work attempt under review (the ask is posted once per attempt).
        reason: why no model reviews it, e.g. "the offline brain drafted it" (plain text).
        checklist: seed 004's gate as items for the person.
        author: the display name of who did the work (an agent's name).
        source: the job's dedupe key; the change is keyed by it.

    Returns:
        The task as it is now.
    """
    if not task.waits_for_person:
        try:
            change = tasks.apply(
                task.channel_id,
                task.key,
                "await_person",
                actor="agent:master",
                source=f"{source}-person",
                reason=truncate(reason, 300),
            )
        except UserError:
            return task  # it moved on meanwhile (blocked, approved by a person)
        announce_change(runtime, tasks, change, note=False)
        task = change.task
    ask_person_review(runtime, tasks, task, attempt, reason=reason, checklist=checklist, author=author)
    return task


def ask_person_review(
    runtime: Runtime,
    tasks: TaskStore,
    task: Task,
    attempt: int,
    *,
    reason: str,
    checklist: GateChecklist,
    author: str,
) -> str | None:
    """Post, once per attempt, the request for a person's review in the task's thread.

    Returns:
        The ``ts`` of the request, or None when the task has no thread yet.
    """
    return post_in_thread(
        runtime,
        tasks,
        task,
        f"person-review:{task.id}:{attempt}",
        f"{task.key} needs a person's review: {escape(truncate(reason, 200))}",
        build_person_review_blocks(task, author, reason, checklist, deciders(runtime, task)),
        who="agent:master",
    )


def plan_refusal(slack: WebClient, redis: Redis, record: PlanRecord, user_id: str, what: str) -> str | None:
    """Say why this person may not change a plan (create its tasks, re-plan or edit it), or None.

    The escalation deciders' rule (:func:`maestro.escalations.deciders_for`): the channel's
    approvers, else the requester; the requester always may, and so do workspace admins.
    ``users.info`` is asked only when Redis can't say.

    Args:
        slack: a Web API client (the listener's or the worker's).
        redis: the Redis holding the approvers.
        record: the plan.
        user_id: who asks.
        what: what they asked, for the refusal ("create the tasks of this plan").
    """
    approvers = EscalationStore(redis, record.team_id).approvers(record.channel_id)
    deciders = deciders_for(approvers, requester=record.created_by)
    if user_id == record.created_by or user_id in deciders or is_admin(slack, user_id):
        return None
    who = ", ".join(f"<@{u}>" for u in dict.fromkeys([record.created_by, *deciders]) if u[:1] in ("U", "W"))
    return f"Only {who or 'the requester'} or a workspace admin can {what}. Nothing was changed."
