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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
from maestro.report_data import ProjectSnapshot, read_project, read_status_report
from maestro.reports import ReportReason, build_dependency_map
from maestro.risk_cards import build_risk_register_messages
from maestro.risk_store import RiskStore
from maestro.sprint_store import SprintStore
from maestro.sprints import Sprint, SprintStatus
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


@dataclass
class _ReportJob:
    """What every report job starts with: its runtime, claim and requester, and its log line.

    Attributes:
        claim: the prefix of the report's post claims (``report:deps:<trigger id>``).
        requester, response_url: who asked, told ephemerally when nothing is posted (None: the clock).
        log: the job's log fields (:func:`jobs.observe.job_log`); ``outcome`` is set here.
    """

    runtime: Runtime
    store: TaskStore
    team_id: str
    channel_id: str
    claim: str
    requester: str | None
    response_url: str | None
    log: dict[str, Any]

    def tell(self, text: str) -> None:
        """Tell the requester ``text`` ephemerally, once per claim (nobody asked: say nothing)."""
        if not self.requester and not self.response_url:
            return
        name = f"{self.claim}:reply"
        if self.store.claim_post(name):
            tell_requester(
                self.runtime,
                text=text,
                channel_id=self.channel_id,
                user_id=self.requester or "",
                response_url=self.response_url,
            )
            self.store.confirm_post(name, "sent")

    def nothing(self, text: str, outcome: str = "empty") -> str:
        """Tell the requester why nothing is posted; log and return ``outcome``."""
        self.tell(text)
        self.log["outcome"] = outcome
        return outcome

    def read(self) -> ProjectSnapshot | None:
        """Read the project (:func:`maestro.report_data.read_project`); None, told, if the board is empty."""
        project = read_project(self.runtime.redis, self.team_id, self.channel_id)
        if not project.tasks:
            self.nothing(EMPTY_BOARD)
            return None
        return project

    def post(self, messages: list[dict[str, Any]], claim: str | None = None) -> str | None:
        """Post the first message in the channel and the rest in its thread, each once; return the first's ts.

        When the bot can't post in the channel, the requester is told how to invite it and None
        is returned; None too while another run of this job is posting it.
        """
        claim = claim or self.claim
        try:
            ts = post_once(self.runtime, self.store, claim, channel=self.channel_id, **messages[0])
            if ts is None:
                return None  # another run of this job is posting it
            for number, message in enumerate(messages[1:], start=2):
                post_once(
                    self.runtime,
                    self.store,
                    f"{claim}:{number}",
                    channel=self.channel_id,
                    thread_ts=ts,
                    **message,
                )
            return ts
        except UserError as refused:
            self.tell(f":warning: {refused.message}")
            return None

    def done(self, ts: str | None, outcome: str = "posted") -> str:
        """Log ``outcome`` (``not posted`` without a ts) and return the ts or ``not posted``."""
        self.log["outcome"] = outcome if ts else "not posted"
        return ts or "not posted"


@contextmanager
def _report_job(
    name: str,
    command: str,
    team_id: str,
    channel_id: str,
    claim: str,
    requester: str | None = None,
    response_url: str | None = None,
) -> Iterator[_ReportJob]:
    """Open a report job: its runtime and task store, its claim (:func:`_claim`) and its log line."""
    runtime = get_runtime(team_id)
    with job_log(name, team=team_id, channel=channel_id, command=command) as log:
        yield _ReportJob(
            runtime=runtime,
            store=TaskStore(runtime.redis, team_id),
            team_id=team_id,
            channel_id=channel_id,
            claim=claim,
            requester=requester,
            response_url=response_url,
            log=log,
        )


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
        The report message's ``ts``, or an outcome: ``empty``, ``not posted``.
    """
    with _report_job(
        "post_status_report",
        f"report status {reason}",
        team_id,
        channel_id,
        _claim(claim, f"status-{reason}"),
        requester,
        response_url,
    ) as job:
        project = job.read()
        if project is None:
            return "empty"
        report = read_status_report(job.runtime.redis, team_id, channel_id, reason=reason, project=project)
        return job.done(job.post(build_status_report_messages(report)), report.overall.value)


def sprint_report_claim(sprint: Sprint) -> str:
    """Return a sprint report's claim: ``report:sprint:<id>:last-day`` while it runs, ``…:closed`` after.

    The clock asks for a report on the sprint's last day and the sprint's close asks again: each
    posts once, and a last-day report never stands in for the report at close.
    """
    return f"report:sprint:{sprint.id}:{'closed' if sprint.status is SprintStatus.CLOSED else 'last-day'}"


def post_sprint_report(team_id: str, channel_id: str, sprint_id: str) -> str:
    """Post the report of sprint ``sprint_id``: once on its last day, once more when it is closed.

    The clock enqueues it at standup time on the active sprint's last day (``Sprint report —
    Sprint 7 — last day``); :func:`jobs.sprints.close_sprint` enqueues it after the close
    (``… (closed)``). Each posts once (:func:`sprint_report_claim`); a last-day run that starts
    after the close posts the closed report (its claim is shared with the close's). Only the
    closed report's ``ts`` is recorded on the sprint.

    Returns:
        The report message's ``ts``, or ``no sprint`` / ``not posted``.
    """
    with _report_job("post_sprint_report", "report sprint", team_id, channel_id, "report:sprint") as job:
        project = read_project(job.runtime.redis, team_id, channel_id, sprint_id=sprint_id)
        sprint = project.sprint
        if sprint is None:
            job.log["outcome"] = "no sprint"
            return "no sprint"
        report = read_status_report(
            job.runtime.redis, team_id, channel_id, reason="sprint-end", project=project
        )
        ts = job.post(build_status_report_messages(report), claim=sprint_report_claim(sprint))
        if ts and sprint.status is SprintStatus.CLOSED and sprint.report_ts != ts:
            SprintStore(job.runtime.redis, team_id).set_report_ts(channel_id, sprint_id, ts)
        return job.done(ts, report.overall.value)


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

    The open RED risks head it (issue 5: they appear in every report).

    Returns:
        The map message's ``ts``, or an outcome: ``empty``, ``not found``, ``not posted``.
    """
    with _report_job(
        "post_dependency_map",
        "report deps",
        team_id,
        channel_id,
        _claim(claim, "deps"),
        requester,
        response_url,
    ) as job:
        project = job.read()
        if project is None:
            return "empty"
        try:
            dep_map = build_dependency_map(
                project.tasks, project.milestones, focus=focus, today=project.today
            )
        except UserError as missing:
            return job.nothing(f":warning: {missing.message}", "not found")
        return job.done(job.post(build_dependency_map_messages(dep_map, project.risks)))


def post_timeline(
    team_id: str,
    channel_id: str,
    *,
    claim: str | None = None,
    requester: str | None = None,
    response_url: str | None = None,
) -> str:
    """Post seed 001's Gantt-style timeline as monospace text, then its PNG chart in the message's thread.

    The open RED risks head it (issue 5). The upload (``files_upload_v2``) has its own claim, so a
    re-run after a failed upload uploads once and reposts nothing.

    Returns:
        The timeline message's ``ts``, or an outcome: ``empty``, ``not posted``.
    """
    with _report_job(
        "post_timeline",
        "report timeline",
        team_id,
        channel_id,
        _claim(claim, "timeline"),
        requester,
        response_url,
    ) as job:
        project = job.read()
        if project is None:
            return "empty"
        timeline = build_timeline(
            project.tasks, project.milestones, sprint=project.sprint, today=project.today, now=project.now
        )
        ts = job.post(build_timeline_messages(timeline, project.risks))
        if ts is not None:
            _upload_chart(job.runtime, job.store, f"{job.claim}:png", channel_id, ts, timeline)
        return job.done(ts)


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
    with _report_job(
        "post_risk_register",
        "report risks",
        team_id,
        channel_id,
        _claim(claim, "risks"),
        requester,
        response_url,
    ) as job:
        risks = RiskStore(job.runtime.redis, team_id).list(channel_id, open_only=True)
        if not risks:
            return job.nothing(NO_RISKS)
        today = utcnow().astimezone(load_schedule(job.runtime.redis, team_id, channel_id).zone).date()
        return job.done(job.post(build_risk_register_messages(risks, generated=today)))
