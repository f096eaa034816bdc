"""Jobs of the TPM's reports: the RAG status report, the dependency map, the timeline, the risk register.

Each job reads the project in a fixed number of Redis round trips whatever the board's size (the
board with :meth:`TaskStore.list_tasks`, then filters in memory), computes the report
(``maestro.reports``, ``maestro.timeline``), renders it (``maestro.report_cards``) and posts it
once: the first message in the channel, the rest in its thread, each with its own
:func:`jobs.posting.post_once` claim, so a re-run of the job posts nothing new. When there is
nothing to report (an empty board) the requester is told, ephemerally, and nothing is posted.
"""

from __future__ import annotations

import logging
from typing import Any

from rq import get_current_job

from jobs.charts import render_timeline_png
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from maestro.errors import UserError
from maestro.models import new_id, utcnow
from maestro.report_cards import (
    build_dependency_map_messages,
    build_status_report_messages,
    build_timeline_messages,
)
from maestro.report_data import read_project, read_status_report
from maestro.reports import ReportReason, build_dependency_map
from maestro.risk_cards import build_risk_register_messages
from maestro.risk_store import RiskStore
from maestro.sprint_store import SprintStore
from maestro.standup_schedule import load_schedule
from maestro.store import TaskStore
from maestro.timeline import Timeline, build_timeline

logger = logging.getLogger(__name__)

EMPTY_BOARD = (
    "Nothing to report yet: this channel's board has no tasks. "
    "Create one with `/task new Write the login API --agent backend` or plan work with `/orchestrate …`."
)
"""What a requester is told instead of an empty report."""

NO_RISKS = (
    "No open risks in this channel's register. Add one: `/risk add Payment provider outage --impact high`."
)
"""What a requester of ``/report risks`` is told when the register has no open risk."""


def _claim(claim: str | None, kind: str) -> str:
    """The claim prefix of a report's posts: given, else the RQ job's id (stable across its retries)."""
    if claim:
        return claim
    job = get_current_job()
    # Run outside RQ (a shell, a test calling the function): nothing repeats it, a fresh claim is fine.
    return f"report:{kind}:{job.id if job else new_id()}"


def _tell_once(
    runtime: Runtime,
    store: TaskStore,
    claim: str,
    text: str,
    channel_id: str,
    requester: str | None,
    response_url: str | None,
) -> None:
    """Tell the requester ``text`` ephemerally, once per claim (nobody asked: say nothing)."""
    if not requester and not response_url:
        return
    name = f"{claim}:reply"
    if store.claim_post(name):
        tell_requester(
            runtime, text=text, channel_id=channel_id, user_id=requester or "", response_url=response_url
        )
        store.confirm_post(name, "sent")


def _post_messages(
    runtime: Runtime, store: TaskStore, claim: str, channel_id: str, messages: list[dict[str, Any]]
) -> str | None:
    """Post the first message in the channel and the rest in its thread, each once; return the first's ts."""
    ts = post_once(runtime, store, claim, channel=channel_id, **messages[0])
    if ts is None:
        return None  # another run of this job is posting it
    for number, message in enumerate(messages[1:], start=2):
        post_once(runtime, store, f"{claim}:{number}", channel=channel_id, thread_ts=ts, **message)
    return ts


def _post_or_tell(
    runtime: Runtime,
    store: TaskStore,
    claim: str,
    channel_id: str,
    messages: list[dict[str, Any]],
    requester: str | None,
    response_url: str | None,
) -> str | None:
    """Post the messages; when the bot can't post in the channel, tell the requester how to invite it."""
    try:
        return _post_messages(runtime, store, claim, channel_id, messages)
    except UserError as refused:
        _tell_once(runtime, store, claim, f":warning: {refused.message}", channel_id, requester, response_url)
        return None


def post_status_report(
    team_id: str,
    channel_id: str,
    *,
    reason: ReportReason = "request",
    claim: str | None = None,
    requester: str | None = None,
    response_url: str | None = None,
) -> str:
    """Post seed 001's RAG status report of the current sprint (or of the whole board when none runs).

    Args:
        team_id: the Slack team.
        channel_id: the project's channel.
        reason: ``request`` (``/report status``), ``weekly`` (the weekly progress review; its
            title says so) or ``sprint-end``.
        claim: names the post, so that a re-run posts nothing (``/report``: from the trigger id;
            the clock: from the week); default: the RQ job's id.
        requester: the Slack user who asked, told ephemerally when there is nothing to report.
        response_url: the command's ``response_url``, for that reply.

    Returns:
        The report message's ``ts``, or an outcome: ``empty``, ``in progress``, ``not posted``.
    """
    runtime = get_runtime()
    with job_log(
        "post_status_report", team=team_id, channel=channel_id, command=f"report status {reason}"
    ) as log:
        store = TaskStore(runtime.redis, team_id)
        claim = _claim(claim, f"status-{reason}")
        project = read_project(runtime.redis, team_id, channel_id)
        if not project.tasks:
            _tell_once(runtime, store, claim, EMPTY_BOARD, channel_id, requester, response_url)
            log["outcome"] = "empty"
            return "empty"
        report = read_status_report(runtime.redis, team_id, channel_id, reason=reason, project=project)
        ts = _post_or_tell(
            runtime, store, claim, channel_id, build_status_report_messages(report), requester, response_url
        )
        log["outcome"] = report.overall.value if ts else "not posted"
        return ts or "not posted"


def post_sprint_report(team_id: str, channel_id: str, sprint_id: str) -> str:
    """Post the report of sprint ``sprint_id`` (at its close), once per sprint: claim ``report:sprint:<id>``.

    Sprint close and the clock may both ask; only the first posts. The sprint records the
    report's ``ts``.

    Returns:
        The report message's ``ts``, or ``no sprint`` / ``not posted``.
    """
    runtime = get_runtime()
    with job_log("post_sprint_report", team=team_id, channel=channel_id, command="report sprint") as log:
        store, sprints = TaskStore(runtime.redis, team_id), SprintStore(runtime.redis, team_id)
        project = read_project(runtime.redis, team_id, channel_id, sprint_id=sprint_id)
        if project.sprint is None:
            log["outcome"] = "no sprint"
            return "no sprint"
        report = read_status_report(runtime.redis, team_id, channel_id, reason="sprint-end", project=project)
        ts = _post_or_tell(
            runtime,
            store,
            f"report:sprint:{sprint_id}",
            channel_id,
            build_status_report_messages(report),
            None,
            None,
        )
        if ts and project.sprint.report_ts != ts:
            sprints.set_report_ts(channel_id, sprint_id, ts)
        log["outcome"] = report.overall.value if ts else "not posted"
        return ts or "not posted"


def post_dependency_map(
    team_id: str,
    channel_id: str,
    *,
    focus: str | None = None,
    claim: str | None = None,
    requester: str | None = None,
    response_url: str | None = None,
) -> str:
    """Post seed 001's dependency map of the project, or of one task or milestone (``focus``) and neighbours.

    Returns:
        The map message's ``ts``, or an outcome: ``empty``, ``not found``, ``not posted``.
    """
    runtime = get_runtime()
    with job_log("post_dependency_map", team=team_id, channel=channel_id, command="report deps") as log:
        store = TaskStore(runtime.redis, team_id)
        claim = _claim(claim, "deps")
        project = read_project(runtime.redis, team_id, channel_id)
        if not project.tasks:
            _tell_once(runtime, store, claim, EMPTY_BOARD, channel_id, requester, response_url)
            log["outcome"] = "empty"
            return "empty"
        try:
            dep_map = build_dependency_map(
                project.tasks, project.milestones, focus=focus, today=project.today
            )
        except UserError as missing:
            _tell_once(
                runtime, store, claim, f":warning: {missing.message}", channel_id, requester, response_url
            )
            log["outcome"] = "not found"
            return "not found"
        messages = build_dependency_map_messages(dep_map)
        ts = _post_or_tell(runtime, store, claim, channel_id, messages, requester, response_url)
        log["outcome"] = "posted" if ts else "not posted"
        return ts or "not posted"


def post_timeline(
    team_id: str,
    channel_id: str,
    *,
    claim: str | None = None,
    requester: str | None = None,
    response_url: str | None = None,
) -> str:
    """Post seed 001's Gantt-style timeline as monospace text, then its PNG chart in the message's thread.

    The upload (``files_upload_v2``) has its own claim, so a re-run after a failed upload uploads
    once and reposts nothing.

    Returns:
        The timeline message's ``ts``, or an outcome: ``empty``, ``not posted``.
    """
    runtime = get_runtime()
    with job_log("post_timeline", team=team_id, channel=channel_id, command="report timeline") as log:
        store = TaskStore(runtime.redis, team_id)
        claim = _claim(claim, "timeline")
        project = read_project(runtime.redis, team_id, channel_id)
        if not project.tasks:
            _tell_once(runtime, store, claim, EMPTY_BOARD, channel_id, requester, response_url)
            log["outcome"] = "empty"
            return "empty"
        timeline = build_timeline(
            project.tasks, project.milestones, sprint=project.sprint, today=project.today, now=project.now
        )
        messages = build_timeline_messages(timeline)
        ts = _post_or_tell(runtime, store, claim, channel_id, messages, requester, response_url)
        if ts is None:
            log["outcome"] = "not posted"
            return "not posted"
        _upload_chart(runtime, store, f"{claim}:png", channel_id, ts, timeline)
        log["outcome"] = "posted"
        return ts


def _upload_chart(
    runtime: Runtime, store: TaskStore, claim: str, channel_id: str, ts: str, timeline: Timeline
) -> None:
    """Upload the timeline's PNG into the thread of message ``ts``, once per claim."""
    if not store.claim_post(claim):
        return
    title = timeline.title.replace("TIMELINE", "Timeline", 1)
    try:
        response = runtime.slack.files_upload_v2(
            channel=channel_id,
            file=render_timeline_png(timeline),
            filename="timeline.png",
            title=title,
            alt_txt=f"{title}: a bar per {timeline.mode}, coloured by RAG",
            initial_comment="The timeline as a chart: solid up to today, hatched where projected.",
            thread_ts=ts,
        )
    except BaseException:  # SlackApiError included: RQ's retry of the job uploads it
        store.release_post(claim)
        raise
    file = response.get("file") or {}
    store.confirm_post(claim, str(file.get("id") or "uploaded"))


def post_risk_register(
    team_id: str,
    channel_id: str,
    *,
    claim: str | None = None,
    requester: str | None = None,
    response_url: str | None = None,
) -> str:
    """Post seed 001's risk register (the open risks, worst first), the first message in the channel.

    Returns:
        The register message's ``ts``, or an outcome: ``empty``, ``not posted``.
    """
    runtime = get_runtime()
    with job_log("post_risk_register", team=team_id, channel=channel_id, command="report risks") as log:
        store = TaskStore(runtime.redis, team_id)
        claim = _claim(claim, "risks")
        risks = RiskStore(runtime.redis, team_id).list(channel_id, open_only=True)
        if not risks:
            _tell_once(runtime, store, claim, NO_RISKS, channel_id, requester, response_url)
            log["outcome"] = "empty"
            return "empty"
        today = utcnow().astimezone(load_schedule(runtime.redis, team_id, channel_id).zone).date()
        messages = build_risk_register_messages(risks, generated=today)
        ts = _post_or_tell(runtime, store, claim, channel_id, messages, requester, response_url)
        log["outcome"] = "posted" if ts else "not posted"
        return ts or "not posted"
