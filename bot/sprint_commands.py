"""/sprint: sprints, milestones and retros (the listeners, and the parser of the command's text).

Reads (``status``, ``list``, ``retro``, ``help``) answer in the ack, ephemerally;
``milestones`` reads every attached task, so a job answers it (ephemerally, through the
response_url). ``add``, ``remove`` and the milestone commands are small Redis writes (constant
round trips, idempotent per Slack request) answered ephemerally. ``start`` starts the sprint here
and a job announces it in the channel; ``close`` is applied by a job (it moves tasks, posts the
summary and the retro thread, and enqueues the sprint report). Closing a sprint and redefining a
milestone are limited by :func:`check_may_change` once the project has approvers. Replies in a
retro thread are collected here by :func:`collect_retro_reply`, called from ``bot.events``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_bolt import Ack, App, BoltContext, BoltRequest, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.observe import logged
from bot.parsing import normalize, parse_due, parse_key, request_id, split_flags, unquote
from jobs.board import refresh_cards
from jobs.queues import DEFAULT, HIGH, enqueue, job_id_for, requester_meta
from jobs.slack import is_admin
from jobs.sprints import announce_sprint_start, answer_milestones, answer_sprint_status, close_sprint
from maestro.due_dates import date_warning_text, milestone_date_conflicts
from maestro.errors import UserError
from maestro.escalations import EscalationStore
from maestro.models import actor_label
from maestro.retro import MAX_RETRO_TEXT, RetroAnswer, classify_retro
from maestro.sprint_cards import (
    ACTION_CLOSE_BACKLOG,
    ACTION_CLOSE_NEXT,
    build_close_question_blocks,
    build_retro_blocks,
    build_sprint_help_blocks,
    build_sprint_list_blocks,
    sprint_title,
)
from maestro.sprint_store import NO_SPRINT, SprintStore
from maestro.sprints import DEFAULT_SPRINT_DAYS, MAX_SPRINT_DAYS, Sprint, SprintStatus
from maestro.standup_schedule import project_zone
from maestro.text import escape, truncate

SPRINT_USAGE = {
    "start": '/sprint start Sprint 7 --days 14 --goal "Checkout works end to end"',
    "add": "/sprint add T-3 T-4",
    "remove": "/sprint remove T-4",
    "close": '/sprint close --to next --next "Sprint 8"',
    "milestone add": (
        '/sprint milestone add M1.4 Gateway --after M1.3 --gate "Health checks pass" --due 2026-12-01'
    ),
    "milestone attach": "/sprint milestone attach M1.4 T-3 T-4",
    "milestone gate": "/sprint milestone gate M1.4 1 met",
}
"""One example per ``/sprint`` sub-command, as shown in errors."""

_KEY_SPLIT_RE = re.compile(r"[,\s]+")


@dataclass
class SprintCommand:
    """A parsed ``/sprint`` command (only the fields its ``verb`` uses are set).

    Attributes:
        verb: ``help``, ``start``, ``add``, ``remove``, ``status``, ``close``, ``list``,
            ``milestone-add``, ``milestone-attach``, ``milestone-gate``, ``milestones``, ``retro``.
        name: the sprint's name (``start``), or the sprint named (``status``, ``retro``).
        keys: task keys (``add``, ``remove``, ``milestone-attach``).
        carry: ``next`` or ``backlog`` (``close --to``); None: ask with buttons.
        gate: 1-based gate number (``milestone-gate``).
    """

    verb: str
    name: str = ""
    days: int | None = None
    goal: str = ""
    keys: list[str] = field(default_factory=list)
    carry: str | None = None
    next_name: str | None = None
    milestone: str = ""
    title: str = ""
    depends_on: list[str] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    due: date | None = None
    gate: int = 0
    met: bool = True


def _days(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", value.strip()) or not 1 <= int(value) <= MAX_SPRINT_DAYS:
        raise UserError(f"`--days` takes a whole number from 1 to {MAX_SPRINT_DAYS}, e.g. `--days 14`.")
    return int(value)


def _keys(text: str, usage: str) -> list[str]:
    keys = [parse_key(word, usage) for word in _KEY_SPLIT_RE.split(text) if word]
    if not keys:
        raise UserError(f"Which tasks? `{usage}`.")
    return list(dict.fromkeys(keys))


def _milestone_key(word: str, usage: str) -> str:
    key = word.strip().upper()
    if not re.fullmatch(r"M[0-9]{1,3}(\.[0-9]{1,3})?", key):
        raise UserError(f"`{escape(word)}` isn't a milestone key like `M1.4`. Try `{usage}`.")
    return key


def _parse_milestone(rest: str) -> SprintCommand:
    verb, _, rest = rest.partition(" ")
    verb = verb.lower()
    if verb in ("", "list", "ls"):
        return SprintCommand(verb="milestones")
    if verb in ("add", "new"):
        usage = SPRINT_USAGE["milestone add"]
        head, flags = split_flags(rest, ("after", "gate", "due"), repeatable=("gate",))
        key, _, title = head.partition(" ")
        if not key or not title.strip():
            raise UserError(f"Give a key and a title: `{usage}`.")
        after = [_milestone_key(w, usage) for w in _KEY_SPLIT_RE.split(flags.get("after", "")) if w]
        gates = [g for g in flags["gate"] if g]
        return SprintCommand(
            verb="milestone-add",
            milestone=_milestone_key(key, usage),
            title=unquote(title),
            depends_on=after,
            gates=gates,
            due=parse_due(flags["due"]) if "due" in flags else None,
        )
    if verb == "attach":
        usage = SPRINT_USAGE["milestone attach"]
        key, _, tasks = rest.partition(" ")
        if not key:
            raise UserError(f"Which milestone, and which tasks? `{usage}`.")
        return SprintCommand(
            verb="milestone-attach", milestone=_milestone_key(key, usage), keys=_keys(tasks, usage)
        )
    if verb == "gate":
        usage = SPRINT_USAGE["milestone gate"]
        words = rest.split()
        if (
            len(words) != 3
            or not re.fullmatch(r"[0-9]{1,3}", words[1])
            or words[2].lower() not in ("met", "unmet")
        ):
            raise UserError(f"Say which gate, by its number, and `met` or `unmet`: `{usage}`.")
        return SprintCommand(
            verb="milestone-gate",
            milestone=_milestone_key(words[0], usage),
            gate=int(words[1]),
            met=words[2].lower() == "met",
        )
    raise UserError(
        f"`/sprint milestone {escape(verb)}` isn't a command. Try `{SPRINT_USAGE['milestone add']}`, "
        f"`{SPRINT_USAGE['milestone attach']}` or `{SPRINT_USAGE['milestone gate']}`."
    )


def parse_sprint_command(text: str) -> SprintCommand:
    """Parse the text of a ``/sprint`` command.

    Args:
        text: what followed ``/sprint``, as Slack sent it.

    Returns:
        The command; ``verb="help"`` for empty text or ``help``.

    Raises:
        UserError: malformed input; the message says what to type instead.
    """
    if len(text) > 4000:
        raise UserError(f"That command is {len(text):,} characters long; the limit is 4,000.")
    text = normalize(text)
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb in ("", "help", "?"):
        return SprintCommand(verb="help")
    if verb in ("start", "new", "begin"):
        name, flags = split_flags(rest, ("days", "goal"))
        return SprintCommand(
            verb="start",
            name=name,
            days=_days(flags["days"]) if "days" in flags else None,
            goal=flags.get("goal", ""),
        )
    if verb == "add":
        return SprintCommand(verb="add", keys=_keys(rest, SPRINT_USAGE["add"]))
    if verb in ("remove", "rm", "drop"):
        return SprintCommand(verb="remove", keys=_keys(rest, SPRINT_USAGE["remove"]))
    if verb in ("status", "show"):
        return SprintCommand(verb="status", name=rest.strip())
    if verb in ("list", "ls"):
        return SprintCommand(verb="list")
    if verb == "close":
        _, flags = split_flags(rest, ("to", "next", "days"))
        carry = flags.get("to", "").lower() or None
        if carry not in (None, "next", "backlog"):
            raise UserError(f"`--to` is `next` or `backlog`: `{SPRINT_USAGE['close']}`.")
        if len(flags.get("next", "")) > 80:
            raise UserError("A sprint name is at most 80 characters.")
        if carry == "backlog" and ("next" in flags or "days" in flags):
            raise UserError("`--next` and `--days` name the next sprint; with `--to backlog` there is none.")
        return SprintCommand(
            verb="close",
            carry=carry,
            next_name=flags.get("next") or None,
            days=_days(flags["days"]) if "days" in flags else None,
        )
    if verb in ("milestone", "ms"):
        return _parse_milestone(rest)
    if verb == "milestones":
        return SprintCommand(verb="milestones")
    if verb in ("retro", "retrospective"):
        return SprintCommand(verb="retro", name=rest.strip())
    raise UserError(f"`/sprint {escape(verb)}` isn't a command.")


# -- listeners ---------------------------------------------------------------------------------
def register(app: App) -> None:
    """Register the listeners of this surface."""
    app.command("/sprint")(logged(handle_sprint_command))
    app.action(ACTION_CLOSE_NEXT)(logged(handle_close_button))
    app.action(ACTION_CLOSE_BACKLOG)(logged(handle_close_button))


def _today(deps: Deps, team_id: str, channel_id: str) -> date:
    return datetime.now(project_zone(deps.redis, team_id, channel_id)).date()


def handle_sprint_command(
    ack: Ack, command: dict, context: BoltContext, request: BoltRequest, client: WebClient
) -> None:
    """Handle ``/sprint …`` (also reached as ``/maestro sprint …``): parse, then answer or change."""
    context["log"].setdefault("command", "sprint")
    try:
        cmd = parse_sprint_command(command.get("text", ""))
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}", blocks=build_sprint_help_blocks(error.message))
        return
    context["log"]["command"] = f"sprint {cmd.verb}"
    if cmd.verb == "help":
        ack(text="How to use /sprint", blocks=build_sprint_help_blocks())
        return
    try:
        _ANSWERS[cmd.verb](ack, cmd, command, context, request_id(command, request))
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")


def _store(context: BoltContext) -> SprintStore:
    deps: Deps = context["deps"]
    return SprintStore(deps.redis, context.team_id)


def _start(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    deps: Deps = context["deps"]
    channel_id, user_id = command["channel_id"], command["user_id"]
    sprint = _store(context).start(
        channel_id,
        cmd.name,
        days=cmd.days or DEFAULT_SPRINT_DAYS,
        goal=cmd.goal,
        actor=user_id,
        today=_today(deps, context.team_id, channel_id),
        source=f"sprint-start-{source_id}",
    )
    job = enqueue(
        deps.redis,
        announce_sprint_start,
        context.team_id,
        channel_id,
        sprint.id,
        queue=DEFAULT,
        job_id=job_id_for("sprint-start", context.team_id, channel_id, sprint.id),
        meta=requester_meta(context.team_id, channel_id, user_id, command.get("response_url")),
    )
    context["log"]["job_id"] = job.id
    ack(
        text=f"Started *{sprint_title(sprint)}*: {sprint.start.isoformat()} → {sprint.end.isoformat()} "
        f"({sprint.days} days). Add tasks: `/sprint add T-1 T-2`."
    )


def _refresh_cards(context: BoltContext, channel_id: str, tasks: list, source_id: str) -> None:
    """Enqueue the update of the moved tasks' cards (their Sprint and Milestone fields)."""
    if not tasks:
        return
    deps: Deps = context["deps"]
    enqueue(
        deps.redis,
        refresh_cards,
        context.team_id,
        channel_id,
        [t.key for t in tasks],
        queue=DEFAULT,
        job_id=job_id_for("cards", context.team_id, channel_id, source_id),
    )


def _add(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    store = _store(context)
    tasks = store.add_tasks(
        command["channel_id"], cmd.keys, actor=command["user_id"], source=f"sprint-add-{source_id}"
    )
    _refresh_cards(context, command["channel_id"], tasks, source_id)
    sprint = store.get(command["channel_id"], tasks[0].sprint or "") if tasks else None
    where = f"*{sprint_title(sprint)}*" if sprint else "the sprint"
    ack(
        text=f"{', '.join(t.key for t in tasks)} {'is' if len(tasks) == 1 else 'are'} in {where}. "
        "`/sprint status` shows it."
    )


def _remove(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    tasks = _store(context).remove_tasks(
        command["channel_id"], cmd.keys, actor=command["user_id"], source=f"sprint-remove-{source_id}"
    )
    _refresh_cards(context, command["channel_id"], tasks, source_id)
    ack(text=f"{', '.join(t.key for t in tasks)} {'is' if len(tasks) == 1 else 'are'} in the backlog.")


def _named_or_current(store: SprintStore, channel_id: str, name: str) -> Sprint:
    if name:
        return store.find(channel_id, name)
    sprint = store.current(channel_id)
    if sprint is None:
        raise UserError(NO_SPRINT + " `/sprint list` shows past ones.")
    return sprint


def _status(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    """Enqueue the sprint's status (a job renders it); refuse an unknown sprint now."""
    store, channel_id = _store(context), command["channel_id"]
    sprint = _named_or_current(store, channel_id, cmd.name)
    _answer_in_job(
        ack,
        context,
        command,
        answer_sprint_status,
        sprint.id,
        source=f"sprint-status-{source_id}",
        working=f":hourglass_flowing_sand: Gathering *{escape(sprint_title(sprint))}*… it will appear here.",
    )


def _list(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    deps: Deps = context["deps"]
    sprints = _store(context).list(command["channel_id"])
    today = _today(deps, context.team_id, command["channel_id"])
    ack(text="Sprints", blocks=build_sprint_list_blocks(sprints, today=today))


def check_may_change(
    context: BoltContext,
    channel_id: str,
    user_id: str,
    *,
    owner: str | None = None,
    owner_role: str = "",
    action: str,
) -> None:
    """Refuse a person who may not change the project's controls (house rule).

    Closing a sprint, redefining a milestone, the token budget, model tiers and the roster:
    when the project has approvers (``/maestro approvers``), only an approver, ``owner`` (the
    sprint's starter, the milestone's author; none for the budget and the team) or a workspace
    admin may; with none set, anyone in the channel may. Redis answers first; ``users.info`` is
    called only when it can't say.

    Args:
        context: the listener's context (its ``deps``, ``client``, team and log fields).
        channel_id: the project.
        user_id: who asked.
        owner: the user id who may always do it, if anyone.
        owner_role: how the owner is named in the refusal (``who started it``).
        action: what was asked, as mrkdwn (``close *Sprint 7*``), escaped.

    Raises:
        UserError: the person may not; the message names who may and says nothing changed.
    """
    deps: Deps = context["deps"]
    approvers = EscalationStore(deps.redis, context.team_id).approvers(channel_id)
    if not approvers or user_id in approvers or user_id == owner or is_admin(context.client, user_id):
        return
    who = ", ".join(f"<@{u}>" for u in approvers)
    approver = f"an approver ({who})" if len(approvers) > 1 else f"the approver ({who})"
    if owner:
        approver = f"{approver}, {actor_label(owner)} ({owner_role})"
    raise UserError(f"Only {approver} or a workspace admin can {action}. Nothing was changed.")


def _close(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    store, channel_id = _store(context), command["channel_id"]
    sprint = _named_or_current(store, channel_id, "")
    check_may_change(
        context,
        channel_id,
        command["user_id"],
        owner=sprint.created_by,
        owner_role="who started it",
        action=f"close *{sprint_title(sprint)}*",
    )
    if cmd.carry is None:
        tasks = store.sprint_tasks(channel_id, sprint.id)
        blocks = build_close_question_blocks(sprint, tasks, next_name=cmd.next_name, next_days=cmd.days)
        ack(text=f"Close {sprint_title(sprint)}?", blocks=blocks)
        return
    enqueue_close(
        context,
        channel_id=channel_id,
        user_id=command["user_id"],
        sprint=sprint,
        carry=cmd.carry,
        source=f"sprint-close-{source_id}",
        response_url=command.get("response_url"),
        next_name=cmd.next_name,
        next_days=cmd.days,
    )
    ack(text=_closing_text(sprint, cmd.carry))


def _closing_text(sprint: Sprint, carry: str) -> str:
    where = "the next sprint" if carry == "next" else "the backlog"
    return f"Closing *{sprint_title(sprint)}*; unfinished tasks go to {where}. I'll post the summary here."


def enqueue_close(
    context: BoltContext,
    *,
    channel_id: str,
    user_id: str,
    sprint: Sprint,
    carry: str,
    source: str,
    response_url: str | None,
    next_name: str | None = None,
    next_days: int | None = None,
) -> bool:
    """Enqueue :func:`jobs.sprints.close_sprint` once per ``source`` (a Slack request's id).

    Returns:
        False when this request was already enqueued (a retry or a double click).
    """
    deps: Deps = context["deps"]
    tasks = deps.store(context.team_id)
    if not tasks.first_seen("sprint-close", source):
        context["log"]["outcome"] = "duplicate"
        return False
    try:
        job = enqueue(
            deps.redis,
            close_sprint,
            context.team_id,
            channel_id,
            user_id,
            carry,
            source,
            response_url,
            sprint.id,
            next_name,
            next_days,
            queue=HIGH,
            job_id=job_id_for("sprint-close", context.team_id, source),
            meta=requester_meta(context.team_id, channel_id, user_id, response_url),
        )
    except BaseException:
        tasks.forget_seen("sprint-close", source)
        raise
    context["log"]["job_id"] = job.id
    return True


def _milestones(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    """Enqueue the milestone list (its completion reads every attached task: a job's work)."""
    _answer_in_job(
        ack,
        context,
        command,
        answer_milestones,
        source=f"milestones-{source_id}",
        working=":hourglass_flowing_sand: Counting the milestones' tasks… the list will appear here.",
    )


def _answer_in_job(
    ack: Ack,
    context: BoltContext,
    command: dict,
    job: Callable[..., bool],
    *args: str,
    source: str,
    working: str,
) -> None:
    """Enqueue ``job(team, channel, user, *args, source, response_url)`` once per request; ack ``working``."""
    deps: Deps = context["deps"]
    channel_id, user_id = command["channel_id"], command["user_id"]
    store = deps.store(context.team_id)
    if store.first_seen("trigger", source):
        try:
            enqueued = enqueue(
                deps.redis,
                job,
                context.team_id,
                channel_id,
                user_id,
                *args,
                source,
                command.get("response_url"),
                queue=HIGH,
                job_id=job_id_for("answer", context.team_id, source),
                meta=requester_meta(context.team_id, channel_id, user_id, command.get("response_url")),
            )
        except BaseException:
            store.forget_seen("trigger", source)  # let Slack's retry try again
            raise
        context["log"]["job_id"] = enqueued.id
    else:
        context["log"]["outcome"] = "duplicate"
    ack(text=working)


def _milestone_add(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    store = _store(context)
    existing = store.get_milestone(command["channel_id"], cmd.milestone)
    if existing is not None:
        check_may_change(
            context,
            command["channel_id"],
            command["user_id"],
            owner=existing.created_by,
            owner_role="who added it",
            action=f"redefine *{escape(existing.label)}*",
        )
    milestone = store.add_milestone(
        command["channel_id"],
        cmd.milestone,
        cmd.title,
        depends_on=cmd.depends_on,
        gates=cmd.gates,
        due=cmd.due,
        actor=command["user_id"],
        expect_version=existing.version if existing else 0,
    )
    details = [f"after {', '.join(milestone.depends_on)}"] if milestone.depends_on else []
    details += [f"{len(milestone.gates)} gates"] if milestone.gates else []
    details += [f"due {milestone.due.isoformat()}"] if milestone.due else []
    verb = "Added" if milestone.version == 1 else "Redefined"
    extra = f" ({'; '.join(details)})" if details else ""
    text = (
        f"{verb} *{escape(milestone.label)}*{extra}. "
        f"Attach tasks: `/sprint milestone attach {milestone.key} T-1 T-2`."
    )
    conflicts = milestone_date_conflicts(milestone, store.milestones(command["channel_id"]))
    if conflicts:
        fix = (
            f"Move a date with `/sprint milestone add {milestone.key} … --due YYYY-MM-DD` (it redefines it)."
        )
        text += "\n" + date_warning_text(conflicts, fix=fix)
    ack(text=text)


def _milestone_attach(
    ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str
) -> None:
    store = _store(context)
    tasks = store.attach(
        command["channel_id"],
        cmd.milestone,
        cmd.keys,
        actor=command["user_id"],
        source=f"milestone-attach-{source_id}",
    )
    _refresh_cards(context, command["channel_id"], tasks, source_id)
    milestone = store.get_milestone(command["channel_id"], cmd.milestone)
    label = escape(milestone.label) if milestone else cmd.milestone
    ack(text=f"{', '.join(t.key for t in tasks)} now count toward *{label}*.")


def _milestone_gate(
    ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str
) -> None:
    milestone = _store(context).set_gate(
        command["channel_id"], cmd.milestone, cmd.gate - 1, cmd.met, actor=command["user_id"]
    )
    gate = escape(milestone.gates[cmd.gate - 1])
    met = len(milestone.gates_met)
    ack(
        text=f"Gate {cmd.gate} of *{escape(milestone.label)}* is {'met' if cmd.met else 'not met'}: {gate}. "
        f"{met}/{len(milestone.gates)} gates met."
    )


def _retro(ack: Ack, cmd: SprintCommand, command: dict, context: BoltContext, source_id: str) -> None:
    store, channel_id = _store(context), command["channel_id"]
    if cmd.name:
        sprint = store.find(channel_id, cmd.name)
    else:
        sprints = store.list(channel_id)
        sprint = next((s for s in sprints if s.retro_ts), None) or next(
            (s for s in sprints if s.status is SprintStatus.CLOSED), None
        )
        if sprint is None:
            raise UserError("No sprint has closed here yet; its retro thread is posted when it closes.")
    answers = store.retro_answers(channel_id, sprint.id)
    ack(text=f"Retro of {sprint_title(sprint)}", blocks=build_retro_blocks(sprint, answers))


_ANSWERS = {
    "start": _start,
    "add": _add,
    "remove": _remove,
    "status": _status,
    "list": _list,
    "close": _close,
    "milestones": _milestones,
    "milestone-add": _milestone_add,
    "milestone-attach": _milestone_attach,
    "milestone-gate": _milestone_gate,
    "retro": _retro,
}


def handle_close_button(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Close the sprint the question named, sending its unfinished tasks where the button says.

    The close is keyed by the question message (``container.message_ts``, also sent for an
    ephemeral question), so a second press of either button enqueues nothing. Who may close is
    checked again here (:func:`check_may_change`).
    """
    ack()
    action = body["actions"][0]
    container = body.get("container") or {}
    channel_id = (body.get("channel") or {}).get("id") or container["channel_id"]
    user_id = body["user"]["id"]
    carry = "next" if action["action_id"] == ACTION_CLOSE_NEXT else "backlog"
    context["log"].update(action=action["action_id"])
    try:
        value = json.loads(str(action.get("value") or "{}"))
        sprint = (
            _store(context).get(channel_id, str(value.get("sprint", ""))) if isinstance(value, dict) else None
        )
        if sprint is None:
            raise UserError("I can't find that sprint. `/sprint list` shows them.")
        if sprint.status is SprintStatus.CLOSED:
            raise UserError(f"*{sprint_title(sprint)}* is already closed.")
        check_may_change(
            context,
            channel_id,
            user_id,
            owner=sprint.created_by,
            owner_role="who started it",
            action=f"close *{sprint_title(sprint)}*",
        )
        next_name = value.get("next") if isinstance(value.get("next"), str) else None
        days = value.get("days") if isinstance(value.get("days"), int) else None
    except (UserError, ValueError) as error:
        context["log"]["outcome"] = "refused"
        message = (
            error.message if isinstance(error, UserError) else "That button is broken; try `/sprint close`."
        )
        respond(text=f":warning: {message}", replace_original=False)
        return
    question = container.get("message_ts") or sprint.id
    enqueued = enqueue_close(
        context,
        channel_id=channel_id,
        user_id=user_id,
        sprint=sprint,
        carry=carry,
        source=f"sprint-close-btn-{channel_id}-{question}",
        response_url=body.get("response_url"),
        next_name=truncate(next_name, 80) if next_name else None,
        next_days=days,
    )
    if enqueued:
        respond(text=_closing_text(sprint, carry), replace_original=True)
    else:
        respond(
            text=f"*{sprint_title(sprint)}* is already closing; I'll post the summary here.",
            replace_original=False,
        )


# -- retro threads -----------------------------------------------------------------------------
def collect_retro_reply(context: BoltContext, body: dict, event: dict) -> bool:
    """Keep a person's reply in a retro thread as an answer (once per ``event_id``).

    Called by ``bot.events`` for a threaded human message that isn't a mention.

    Returns:
        True when the thread is a retro thread (the message is handled here), else False.
    """
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return False
    deps: Deps = context["deps"]
    store = SprintStore(deps.redis, context.team_id)
    sprint_id = store.retro_sprint_id(event["channel"], thread_ts)
    if sprint_id is None:
        return False
    kind, text = classify_retro(event.get("text", ""))
    if not text:
        return True
    answer = RetroAnswer(
        event_id=body.get("event_id") or f"ts-{event.get('ts', '')}",
        user_id=event["user"],
        kind=kind,
        text=truncate(text, MAX_RETRO_TEXT),
        ts=event.get("ts", ""),
    )
    kept = store.add_retro_answer(event["channel"], sprint_id, answer)
    context["log"].update(event="retro_reply", outcome=f"retro:{kind.value}" if kept else "duplicate")
    return True
