"""/report: the RAG status report, the dependency map, the timeline and the risk register.

The listener parses, checks a named task or milestone exists (one Redis read), dedupes on the
``trigger_id``, enqueues the report's job on the low queue and acks at once, ephemerally; the job
builds and posts the report in the channel.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.observe import logged
from bot.parsing import normalize, parse_key, request_id
from jobs.queues import LOW, enqueue, job_id_for, requester_meta
from jobs.reports import post_dependency_map, post_risk_register, post_status_report, post_timeline
from maestro.errors import NotFound, UserError
from maestro.report_cards import build_report_help_blocks
from maestro.sprint_store import SprintStore
from maestro.sprints import MILESTONE_KEY_RE
from maestro.text import escape

REPORT_VERBS: dict[str, str] = {
    "status": "status",
    "": "status",
    "deps": "deps",
    "dep": "deps",
    "dependencies": "deps",
    "timeline": "timeline",
    "gantt": "timeline",
    "risks": "risks",
    "risk": "risks",
    "register": "risks",
    "help": "help",
    "?": "help",
}
"""What a person may type after ``/report``, and the report it means."""

DEPS_USAGE = "/report deps T-5"

PROGRESS = {
    "status": ":hourglass_flowing_sand: Building the status report… it will appear in this channel.",
    "deps": ":hourglass_flowing_sand: Mapping the dependencies… the map will appear in this channel.",
    "timeline": ":hourglass_flowing_sand: Drawing the timeline… it will appear in this channel, "
    "with the chart in its thread.",
    "risks": ":hourglass_flowing_sand: Gathering the risk register… it will appear in this channel.",
}
"""The ephemeral ack of each report, shown while its job works."""

JOBS = {
    "status": post_status_report,
    "deps": post_dependency_map,
    "timeline": post_timeline,
    "risks": post_risk_register,
}


def register(app: App) -> None:
    """Register the ``/report`` listener."""
    app.command("/report")(logged(handle_report_command))


def parse_report(text: str) -> tuple[str, str | None]:
    """Parse ``/report`` text into the report and, for ``deps``, the task or milestone to focus on.

    Returns:
        ``(report, focus)``: report one of ``status``, ``deps``, ``timeline``, ``risks``,
        ``help``; focus ``T-5``, ``M1.4`` or None.

    Raises:
        UserError: an unknown report, or a focus that is neither a task key nor a milestone key.
    """
    words = normalize(text).split()
    verb = words[0].lower() if words else ""
    if verb not in REPORT_VERBS:
        raise UserError(f"`/report {escape(words[0])}` isn't a report.")
    report = REPORT_VERBS[verb]
    rest = words[1:]
    if report == "deps" and rest:
        if len(rest) > 1:
            raise UserError(f"Name one task or milestone: `{DEPS_USAGE}` or `/report deps M1.4`.")
        word = rest[0].upper().rstrip(".,:")
        if MILESTONE_KEY_RE.match(word):
            return report, word
        return report, parse_key(word, f"{DEPS_USAGE}` or `/report deps M1.4")
    if rest and report != "help":
        raise UserError(f"`/report {report}` takes nothing after it. Try `/report {report}`.")
    return report, None


def handle_report_command(
    ack: Ack, command: dict, context: BoltContext, request: BoltRequest, client: WebClient
) -> None:
    """Enqueue the report asked for (``/report status|deps [T-3|M1.4]|timeline|risks|help``) and ack."""
    deps: Deps = context["deps"]
    channel_id, user_id = command["channel_id"], command["user_id"]
    try:
        report, focus = parse_report(command.get("text", ""))
        context["log"].update(command=f"report {report}", task_key=focus)
        if report == "help":
            ack(text="How to use /report", blocks=build_report_help_blocks())
            return
        if focus:
            _check_focus(deps, context.team_id, channel_id, focus)
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}", blocks=build_report_help_blocks(error.message))
        return
    trigger = request_id(command, request)
    store = deps.store(context.team_id)
    if not store.first_seen("trigger", trigger):
        context["log"]["outcome"] = "duplicate"
        ack(text=PROGRESS[report])
        return
    kwargs: dict = {
        "claim": f"report:{report}:{trigger}",
        "requester": user_id,
        "response_url": command.get("response_url"),
    }
    if report == "deps":
        kwargs["focus"] = focus
    try:
        job = enqueue(
            deps.redis,
            JOBS[report],
            context.team_id,
            channel_id,
            queue=LOW,
            job_id=job_id_for("report", context.team_id, report, trigger),
            meta=requester_meta(context.team_id, channel_id, user_id, command.get("response_url")),
            **kwargs,
        )
    except BaseException:
        store.forget_seen("trigger", trigger)  # let Slack's retry try again
        raise
    context["log"]["job_id"] = job.id
    ack(text=PROGRESS[report])


def _check_focus(deps: Deps, team_id: str, channel_id: str, focus: str) -> None:
    """Refuse a task or milestone that isn't in this channel (one Redis read).

    Raises:
        NotFound: no such task or milestone; the message says what to type.
    """
    if focus.startswith("T-"):
        if deps.store(team_id).task_id_for(channel_id, focus) is None:
            raise NotFound(f"There's no task {focus} in this channel. `/task list` shows the board.")
    elif SprintStore(deps.redis, team_id).get_milestone(channel_id, focus) is None:
        raise NotFound(f"There's no milestone {focus} here. `/sprint milestone list` shows them.")
