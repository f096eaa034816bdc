"""Slash command listeners: ``/task`` and ``/maestro``.

Each listener parses, dedupes, enqueues and acks; reads (``list``, ``show``, ``help``) answer
in the ack itself, ephemerally. Nothing slow happens here: Slack gives 3 seconds, our budget is
100 ms.
"""

from __future__ import annotations

from rq.job import Job
from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot import (
    escalations,
    github_commands,
    home,
    report_commands,
    risk_commands,
    sprint_commands,
    standup_commands,
    team_commands,
)
from bot.deps import Deps
from bot.observe import logged
from bot.parsing import parse_task_command, request_id
from jobs.commands import run_task_command
from jobs.queues import HIGH, enqueue_once, job_id_for, requester_meta
from maestro.board import select_tasks
from maestro.cards import build_help_blocks, build_task_detail_blocks, build_task_list_blocks
from maestro.commands import TaskCommand
from maestro.errors import UserError
from maestro.sprint_store import sprint_name
from maestro.text import escape
from maestro.workflow import describe_event


def register(app: App) -> None:
    """Register the slash command listeners (the team's commands too)."""
    app.command("/task")(logged(handle_task_command))
    app.command("/maestro")(logged(handle_maestro_command))
    team_commands.register(app)
    escalations.register(app)
    sprint_commands.register(app)
    standup_commands.register(app)
    report_commands.register(app)
    risk_commands.register(app)
    home.register(app)


def handle_maestro_command(
    ack: Ack, command: dict, context: BoltContext, request: BoltRequest, client: WebClient
) -> None:
    """Answer ``/maestro help``, ``usage`` and ``budget``; route ``/maestro <command> …`` to the command."""
    name, _, rest = command.get("text", "").strip().partition(" ")
    name = name.lower().lstrip("/")
    if name == "task":
        _task(ack, command, context, request, rest)
        return
    if name == "orchestrate":
        team_commands.handle_orchestrate_command(ack, {**command, "text": rest}, context, client, request)
        return
    if name == "agents":
        team_commands.handle_agents_command(ack, {**command, "text": rest}, context)
        return
    tpm = {
        "sprint": sprint_commands.handle_sprint_command,
        "standup": standup_commands.handle_standup_command,
        "report": report_commands.handle_report_command,
        "risk": risk_commands.handle_risk_command,
    }
    if name in tpm:
        tpm[name](ack, {**command, "text": rest}, context, request, client)
        return
    if name == "usage":
        context["log"].update(command="usage")
        team_commands.handle_usage(ack, context, command["channel_id"])
        return
    if name == "escalations":
        context["log"].update(command="escalations")
        escalations.handle_thresholds(ack, context, command["channel_id"], rest, command["user_id"], client)
        return
    if name == "approvers":
        context["log"].update(command="approvers")
        escalations.handle_approvers(ack, context, command["channel_id"], rest, command["user_id"], client)
        return
    if name == "github":
        context["log"].update(command="github")
        github_commands.handle_github_command(
            ack, context, command["channel_id"], rest, command["user_id"], client
        )
        return
    if name == "budget":
        context["log"].update(command="budget")
        team_commands.handle_budget(ack, context, command["channel_id"], rest)
        return
    if name in ("", "help", "?"):
        ack(text="Maestro help", blocks=build_help_blocks())
        return
    ack(text="Unknown command", blocks=build_help_blocks(f"`/maestro {escape(name)}` isn't a command."))


def handle_task_command(ack: Ack, command: dict, context: BoltContext, request: BoltRequest) -> None:
    """Handle ``/task …``: parse, then answer a read or enqueue a change."""
    _task(ack, command, context, request, command.get("text", ""))


def _task(ack: Ack, command: dict, context: BoltContext, request: BoltRequest, text: str) -> None:
    deps: Deps = context["deps"]
    if text.strip().lower().startswith("link "):
        context["log"].update(command="task link")
        github_commands.handle_task_link(ack, context, command["channel_id"], text.strip()[5:])
        return
    try:
        cmd = parse_task_command(text)
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    context["log"].update(command=f"task {cmd.verb}", task_key=cmd.key)
    if cmd.verb == "help":
        ack(text="How to use /task", blocks=build_help_blocks())
        return
    store = deps.store(context.team_id)
    channel_id = command["channel_id"]
    try:
        if cmd.verb == "list":
            everything = cmd.list_filter == "all" or cmd.list_value == "COMPLETED"
            tasks = store.list_tasks(channel_id, open_only=not everything)
            title, tasks = select_tasks(tasks, cmd, command["user_id"])
            ack(text=title, blocks=build_task_list_blocks(tasks, title=title))
            return
        if cmd.verb == "show":
            task = store.get(channel_id, cmd.key or "")
            history = [describe_event(e) for e in store.events(task.id) if e.action != "card_posted"]
            ack(
                text=f"{task.key}",
                blocks=build_task_detail_blocks(
                    task,
                    store.unblocks(channel_id, task.key),
                    history,
                    sprint_name=sprint_name(deps.redis, context.team_id, task),
                ),
            )
            return
        if cmd.key:
            store.get(channel_id, cmd.key)  # unknown key: say so now, change nothing
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    # Slack's retry of a command repeats its trigger_id: the first one wins, later ones are acked.
    trigger = request_id(command, request)
    enqueue_task_command_once(
        context,
        kind="cmd",
        source=f"cmd-{trigger}",
        channel_id=channel_id,
        user_id=command["user_id"],
        cmd=cmd,
        response_url=command.get("response_url"),
    )
    ack()


def enqueue_task_command_once(
    context: BoltContext,
    *,
    kind: str,
    source: str,
    channel_id: str,
    user_id: str,
    cmd: TaskCommand,
    response_url: str | None,
    confirm: bool = True,
) -> Job | None:
    """Enqueue :func:`jobs.board.run_task_command` on the high queue, unless ``source`` was seen.

    A repeat of ``source`` whose job was lost (a worker died holding it) enqueues it again
    (:func:`jobs.queues.enqueue_once`).

    Args:
        context: the listener's context (its ``deps``, team and log fields).
        kind: what the request was (``cmd``, ``btn``, ``view``), for the dedupe key.
        source: Slack's id of the request (trigger id, action ts …): a retry or a double click
            repeats it, and only the first is enqueued.
        channel_id: the project's channel.
        user_id: who asked.
        cmd: the command to apply.
        response_url: where the job replies ephemerally, if anywhere.
        confirm: whether the job confirms a change ephemerally.

    Returns:
        The job, or None for a duplicate.
    """
    deps: Deps = context["deps"]
    done = enqueue_once(
        deps.store(context.team_id),
        kind,
        source,
        run_task_command,
        context.team_id,
        channel_id,
        user_id,
        cmd.model_dump(mode="json"),
        source,
        response_url,
        confirm,
        grace=deps.settings.maestro_inbox_grace,
        queue=HIGH,
        job_id=job_id_for("task", context.team_id, source),
        meta=requester_meta(context.team_id, channel_id, user_id, response_url),
    )
    if done.job is None:
        context["log"]["outcome"] = "duplicate"
        return None
    context["log"]["job_id"] = done.job.id
    if done.outcome == "revived":
        context["log"]["outcome"] = "revived"
    return done.job
