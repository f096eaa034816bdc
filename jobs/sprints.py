"""Jobs of sprints: announce a start, close a sprint, answer ``/sprint milestones``.

Closing posts the summary and the retro thread and enqueues the sprint report.

All are idempotent: the close is keyed by the Slack request that asked for it (``source``), each
post is claimed once per sprint (the milestone answer once per request), and the sprint report is
enqueued once per sprint under a fixed job id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from jobs.board import refresh_cards
from jobs.observe import job_log
from jobs.posting import ensure_member, post_once
from jobs.queues import DEFAULT, LOW, enqueue, job_id_for
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from maestro.errors import UserError
from maestro.sprint_cards import (
    build_milestone_list_blocks,
    build_sprint_status_blocks,
    retro_prompt_text,
    sprint_closed_text,
    sprint_started_text,
    sprint_title,
    status_fallback_text,
)
from maestro.sprint_store import Carry, SprintStore
from maestro.standup_schedule import project_zone
from maestro.store import DEFAULT_SOURCE_TTL, TaskStore

SPRINT_REPORT_JOB = "jobs.reports.post_sprint_report"
"""The sprint report job, enqueued by its import path: ``(team_id, channel_id, sprint_id)``."""


def sprint_report_job_id(team_id: str, channel_id: str, sprint_id: str) -> str:
    """Return the RQ job id of a sprint's report (one per sprint)."""
    return job_id_for("sprint-report", team_id, channel_id, sprint_id)


def announce_sprint_start(team_id: str, channel_id: str, sprint_id: str) -> str | None:
    """Post the one in-channel note that a sprint started; return its ``ts``."""
    runtime = get_runtime(team_id)
    with job_log("announce_sprint_start", team=team_id, channel=channel_id, command="sprint start") as log:
        sprint = SprintStore(runtime.redis, team_id).get(channel_id, sprint_id)
        if sprint is None:
            log["outcome"] = "gone"
            return None
        return post_once(
            runtime,
            TaskStore(runtime.redis, team_id),
            f"sprint-started:{sprint.id}",
            channel=channel_id,
            text=sprint_started_text(sprint),
        )


def _answer_once(
    runtime: Runtime,
    tasks: TaskStore,
    source: str,
    build: Callable[[], tuple[str, list[dict]]],
    *,
    channel_id: str,
    user_id: str,
    response_url: str | None,
) -> bool:
    """Tell the requester ``build()``'s ``(text, blocks)`` once per ``source``; False when already told."""
    claim = f"reply:{source}"
    if not tasks.claim_post(claim):
        return False
    try:
        text, blocks = build()
        tell_requester(
            runtime,
            text=text,
            blocks=blocks,
            channel_id=channel_id,
            user_id=user_id,
            response_url=response_url,
        )
    except BaseException:
        tasks.release_post(claim)  # let RQ's retry answer
        raise
    tasks.confirm_post(claim, "sent")
    return True


def answer_milestones(
    team_id: str, channel_id: str, user_id: str, source: str, response_url: str | None = None
) -> bool:
    """Show ``/sprint milestones`` to the person who asked (ephemerally, once per ``source``).

    Reads the milestones and only the tasks attached to them (their task indexes), whatever the
    board's size: a fixed number of round trips.

    Args:
        team_id: the Slack team.
        channel_id: the project.
        user_id: who asked.
        source: the Slack request; a re-run shows nothing again.
        response_url: the command's, where the answer goes (else ``chat.postEphemeral``).

    Returns:
        False when this request was already answered.
    """
    runtime = get_runtime(team_id)
    with job_log("answer_milestones", team=team_id, channel=channel_id, command="sprint milestones") as log:
        store = SprintStore(runtime.redis, team_id)

        def build() -> tuple[str, list[dict]]:
            milestones = store.milestones(channel_id)
            attached = store.attached_tasks(channel_id, [m.key for m in milestones])
            return f"Milestones ({len(milestones)})", build_milestone_list_blocks(milestones, attached)

        told = _answer_once(
            runtime,
            store.tasks,
            source,
            build,
            channel_id=channel_id,
            user_id=user_id,
            response_url=response_url,
        )
        log["outcome"] = "answered" if told else "duplicate"
        return told


def answer_sprint_status(
    team_id: str, channel_id: str, user_id: str, sprint_id: str, source: str, response_url: str | None = None
) -> bool:
    """Show ``/sprint status`` (seed 000's sprint tracking) to the person who asked, once per ``source``.

    Reads the sprint's tasks through its index (SMEMBERS + MGET) and its milestones; rendering a
    large sprint is a job's work, not a listener's.

    Returns:
        False when this request was already answered.
    """
    runtime = get_runtime(team_id)
    with job_log("answer_sprint_status", team=team_id, channel=channel_id, command="sprint status") as log:
        store = SprintStore(runtime.redis, team_id)

        def build() -> tuple[str, list[dict]]:
            sprint = store.get(channel_id, sprint_id)
            if sprint is None:
                return "That sprint is gone.", []
            sprint_tasks = store.sprint_tasks(channel_id, sprint.id)
            named = {t.milestone for t in sprint_tasks if t.milestone}
            milestones = [m for m in store.milestones(channel_id) if m.key in named] if named else []
            today = datetime.now(project_zone(runtime.redis, team_id, channel_id)).date()
            return status_fallback_text(sprint, sprint_tasks), build_sprint_status_blocks(
                sprint, sprint_tasks, milestones, today=today
            )

        told = _answer_once(
            runtime,
            store.tasks,
            source,
            build,
            channel_id=channel_id,
            user_id=user_id,
            response_url=response_url,
        )
        log["outcome"] = "answered" if told else "duplicate"
        return told


def close_sprint(
    team_id: str,
    channel_id: str,
    user_id: str,
    carry: Carry,
    source: str,
    response_url: str | None = None,
    sprint_id: str | None = None,
    next_name: str | None = None,
    next_days: int | None = None,
) -> str | None:
    """Close a sprint, post "Sprint 7 closed: 9/12 done; 3 moved to Sprint 8", its report and retro.

    Args:
        team_id: the Slack team.
        channel_id: the project.
        user_id: who asked.
        carry: ``next`` or ``backlog``: where unfinished tasks go.
        source: the Slack request; the same source closes once.
        response_url: where to tell the requester when the close is refused.
        sprint_id: the sprint to close (from a button); None for the active one.
        next_name: name of the next sprint (``carry="next"``).
        next_days: length of the next sprint, in days.

    Returns:
        The closed sprint's id, or None when the close was refused (already closed, none running).
    """
    runtime = get_runtime(team_id)
    with job_log("close_sprint", team=team_id, channel=channel_id, command="sprint close") as log:
        store, tasks = SprintStore(runtime.redis, team_id), TaskStore(runtime.redis, team_id)
        try:
            ensure_member(runtime, tasks, channel_id)
            result = store.close(
                channel_id,
                carry=carry,
                actor=user_id,
                source=source,
                today=datetime.now(project_zone(runtime.redis, team_id, channel_id)).date(),
                next_name=next_name,
                next_days=next_days,
                sprint_id=sprint_id,
            )
        except UserError as refused:
            log["outcome"] = "refused"
            if tasks.claim_post(f"reply:{source}"):
                tell_requester(
                    runtime,
                    text=f":warning: {refused.message}",
                    channel_id=channel_id,
                    user_id=user_id,
                    response_url=response_url,
                )
                tasks.confirm_post(f"reply:{source}", "sent")
            return None
        closed = result.closed
        post_once(
            runtime,
            tasks,
            f"sprint-closed:{closed.id}",
            channel=channel_id,
            text=sprint_closed_text(result),
        )
        if result.carried:
            enqueue(
                runtime.redis,
                refresh_cards,
                team_id,
                channel_id,
                list(result.carried),
                queue=DEFAULT,
                job_id=job_id_for("cards", team_id, channel_id, "close", closed.id),
            )
        _enqueue_report(runtime, tasks, team_id, channel_id, closed.id)
        _post_retro(runtime, store, tasks, channel_id, closed.id)
        log["outcome"] = f"closed {sprint_title(closed)}"
        return closed.id


def _enqueue_report(
    runtime: Runtime, tasks: TaskStore, team_id: str, channel_id: str, sprint_id: str
) -> None:
    """Enqueue the sprint report once per sprint (a re-run of the close enqueues nothing)."""
    if not tasks.first_seen("sprint-report", sprint_id, ttl=DEFAULT_SOURCE_TTL):
        return
    try:
        enqueue(
            runtime.redis,
            SPRINT_REPORT_JOB,  # type: ignore[arg-type]  # RQ takes an import path
            team_id,
            channel_id,
            sprint_id,
            queue=LOW,
            job_id=sprint_report_job_id(team_id, channel_id, sprint_id),
        )
    except BaseException:
        tasks.forget_seen("sprint-report", sprint_id)
        raise


def _post_retro(
    runtime: Runtime, store: SprintStore, tasks: TaskStore, channel_id: str, sprint_id: str
) -> None:
    """Post the retro question once per sprint and collect replies in its thread."""
    sprint = store.get(channel_id, sprint_id)
    if sprint is None:
        return
    ts = post_once(
        runtime,
        tasks,
        f"sprint-retro:{sprint.id}",
        channel=channel_id,
        text=retro_prompt_text(sprint),
    )
    if ts:
        store.set_retro_thread(channel_id, sprint.id, ts)
