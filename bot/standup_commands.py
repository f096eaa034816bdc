"""/standup: schedule, notes, absences, and a standup now; the prompt's button, modal and DM replies.

Every change here is a small Redis write (constant round trips) answered in the ack,
ephemerally; reads (``status``, ``holidays``, ``help``) too. Posting — a standup now, a late
note in the day's standup thread — is a job. Replies in a prompt DM's thread are read as notes
by :func:`collect_prompt_reply`, called from ``bot.events``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date

from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.observe import logged
from bot.parsing import normalize, request_id
from jobs.queues import DEFAULT, HIGH, enqueue, job_id_for, requester_meta
from jobs.standups import post_note_update, post_standup
from maestro.errors import UserError
from maestro.models import utcnow
from maestro.standup_cards import (
    ACTION_WRITE,
    NOTE_INPUT_IDS,
    VIEW_NOTE,
    build_note_modal,
    build_standup_help_blocks,
    build_status_blocks,
    note_saved_text,
)
from maestro.standup_schedule import StandupSchedule
from maestro.standup_store import StandupStore
from maestro.standups import (
    NOTE_PARTS,
    OOO_USAGE,
    SCHEDULE_USAGE,
    Absence,
    StandupNote,
    day_label,
    describe_schedule,
    fire_label,
    in_words,
    merge_absences,
    next_standup,
    note_day,
    parse_absence,
    parse_day,
    parse_note,
    parse_schedule,
)
from maestro.text import escape

MAX_LISTED_DATES = 60
"""Most skip dates or holidays a project keeps (past ones are dropped first)."""

MAX_PROMPT_LEAD = 12 * 60
"""Longest prompt lead, in minutes."""

_CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,20}$")


def register(app: App) -> None:
    """Register the listeners of this surface."""
    app.command("/standup")(logged(handle_standup_command))
    app.action(ACTION_WRITE)(logged(handle_write_button))
    app.view(VIEW_NOTE)(logged(handle_note_submission))


def handle_standup_command(
    ack: Ack, command: dict, context: BoltContext, request: BoltRequest, client: WebClient
) -> None:
    """Handle ``/standup …`` (also ``/maestro standup …``): parse, write or enqueue, answer in the ack."""
    text = normalize(command.get("text", ""))
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    context["log"].update(command=f"standup {verb}".strip())
    handler = _VERBS.get(verb)
    if handler is None:
        ack(
            text="How to use /standup",
            blocks=build_standup_help_blocks(f"`/standup {escape(verb)}` isn't a command."),
        )
        return
    try:
        handler(ack, context, command, rest.strip())
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")


# -- the verbs ----------------------------------------------------------------------------------
def _standups(context: BoltContext) -> StandupStore:
    deps: Deps = context["deps"]
    return StandupStore(deps.redis, context.team_id)


def _register_project(context: BoltContext, command: dict) -> None:
    """Make sure the channel is a project, so the clock walks it."""
    deps: Deps = context["deps"]
    deps.store(context.team_id).ensure_project(command["channel_id"], created_by=command["user_id"])


def _now_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    if rest:
        raise UserError(
            f"`/standup` alone posts one now. For everything else: `/standup help`. ({escape(rest)})"
        )
    deps: Deps = context["deps"]
    channel_id, user_id = command["channel_id"], command["user_id"]
    trigger = request_id(command)
    store = deps.store(context.team_id)
    # the standup notes are being collected for: the next one (maestro.standups.note_day)
    day = note_day(_standups(context).schedule(channel_id), utcnow())
    if store.first_seen("trigger", trigger):
        try:
            job = enqueue(
                deps.redis,
                post_standup,
                context.team_id,
                channel_id,
                day.isoformat(),
                reason="request",
                requester=user_id,
                response_url=command.get("response_url"),
                queue=HIGH,
                job_id=job_id_for("standup-request", context.team_id, trigger),
                meta=requester_meta(context.team_id, channel_id, user_id, command.get("response_url")),
            )
        except BaseException:
            store.forget_seen("trigger", trigger)
            raise
        context["log"]["job_id"] = job.id
    else:
        context["log"]["outcome"] = "duplicate"
    ack(text=f":clipboard: Posting the standup of {day_label(day)} here, as it stands now…")


def _help_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    ack(text="How to use /standup", blocks=build_standup_help_blocks())


def _change(
    context: BoltContext, command: dict, change: Callable[[StandupSchedule], StandupSchedule]
) -> StandupSchedule:
    _register_project(context, command)
    return _standups(context).update_schedule(command["channel_id"], change)


def _next_line(schedule: StandupSchedule) -> str:
    now = utcnow()
    upcoming = next_standup(schedule, now)
    if upcoming is None:
        return "No standup is coming up." if schedule.enabled else "Standups are off (`/standup on`)."
    when = fire_label(upcoming.at, schedule.zone)
    return f"Next: {when} {schedule.timezone} ({in_words(upcoming.at - now)})."


def _schedule_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    if not rest:
        raise UserError(f"Say when: `{SCHEDULE_USAGE}`. `/standup status` shows the current schedule.")
    change = parse_schedule(rest)
    schedule = _change(context, command, change.apply)
    ack(text=f":calendar: Standups: *{describe_schedule(schedule)}*. {_next_line(schedule)}")


def _dates(values: list[date], today: date) -> list[date]:
    kept = sorted(d for d in set(values) if d >= today)
    if len(kept) > MAX_LISTED_DATES:
        raise UserError(f"A project keeps at most {MAX_LISTED_DATES} upcoming dates here; remove some first.")
    return kept


def _skip_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    day = parse_day(rest, "/standup skip 2026-12-24")

    def skip(schedule: StandupSchedule) -> StandupSchedule:
        today = schedule.local_today(utcnow())
        if day < today:
            raise UserError(
                f"{day.isoformat()} is in the past. Give a coming date: `/standup skip YYYY-MM-DD`."
            )
        return schedule.model_copy(update={"skip": _dates([*schedule.skip, day], today)})

    _change(context, command, skip)
    ack(text=f":no_entry_sign: No standup on {day_label(day)} ({day.isoformat()}).")


def _holiday_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    action, _, value = rest.partition(" ")
    action = action.lower()
    usage = "/standup holiday add 2026-12-25"
    if action not in ("add", "remove"):
        raise UserError(f"Try `{usage}`, `/standup holiday remove 2026-12-25` or `/standup holidays`.")
    day = parse_day(value, usage)

    def holiday(schedule: StandupSchedule) -> StandupSchedule:
        today = schedule.local_today(utcnow())
        if action == "remove":
            if day not in schedule.holidays:
                raise UserError(
                    f"{day.isoformat()} isn't one of this project's holidays. `/standup holidays`."
                )
            return schedule.model_copy(update={"holidays": [d for d in schedule.holidays if d != day]})
        if day < today:
            raise UserError(f"{day.isoformat()} is in the past. Give a coming date: `{usage}`.")
        return schedule.model_copy(update={"holidays": _dates([*schedule.holidays, day], today)})

    _change(context, command, holiday)
    if action == "add":
        ack(text=f":palm_tree: {day_label(day)} ({day.isoformat()}) is a holiday: no standup, no prompts.")
    else:
        ack(text=f":calendar: {day.isoformat()} is a working day again.")


def _holidays_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    schedule = _standups(context).schedule(command["channel_id"])
    today = schedule.local_today(utcnow())
    holidays = [d for d in schedule.holidays if d >= today]
    if not holidays:
        ack(text="No holidays set. Add one: `/standup holiday add 2026-12-25`.")
        return
    ack(text="*Holidays:*\n" + "\n".join(f"• {day_label(d)} ({d.isoformat()})" for d in holidays))


def _on_off_verb(enabled: bool) -> Callable[[Ack, BoltContext, dict, str], None]:
    def verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
        schedule = _change(context, command, lambda s: s.model_copy(update={"enabled": enabled}))
        if enabled:
            described = describe_schedule(schedule)
            ack(text=f":white_check_mark: Standups are on: *{described}*. {_next_line(schedule)}")
        else:
            ack(text=":zzz: Standups are off: no standups, no prompts. Turn them on again: `/standup on`.")

    return verb


def _prompt_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    value = rest.lower().removesuffix("min").removesuffix("m").strip()
    if value in ("off", "0", "none", "no"):
        minutes = 0
    elif value.isdigit() and 0 < int(value) <= MAX_PROMPT_LEAD:
        minutes = int(value)
    else:
        raise UserError(
            f"How many minutes before the standup should I ask? `/standup prompt 60` (1–{MAX_PROMPT_LEAD}) "
            "or `/standup prompt off`."
        )
    _change(context, command, lambda s: s.model_copy(update={"prompt_lead_minutes": minutes}))
    if minutes:
        ack(text=f":bell: I'll DM each person {minutes} min before the standup, by their own clock.")
    else:
        ack(text=":no_bell: No more prompts. Notes still work: `/standup note …`.")


def _note_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    """Save a note for the project's next standup (:func:`maestro.standups.note_day`), by its date."""
    parts = parse_note(rest)
    deps: Deps = context["deps"]
    channel_id, user_id = command["channel_id"], command["user_id"]
    trigger = request_id(command)
    if not deps.store(context.team_id).first_seen("trigger", trigger):
        context["log"]["outcome"] = "duplicate"
        ack()
        return
    _register_project(context, command)
    store, now = _standups(context), utcnow()
    schedule = store.schedule(channel_id)
    upcoming = next_standup(schedule, now)
    note = store.save_note(channel_id, user_id, note_day(schedule, now), parts, now=now)
    posted = _after_note(context, channel_id, note)
    at_label = f"{upcoming.at.astimezone(schedule.zone):%H:%M} {schedule.timezone}" if upcoming else None
    ack(text=note_saved_text(note, posted=posted, at_label=at_label))


def _after_note(
    context: BoltContext, channel_id: str, note: StandupNote, dm: tuple[str, str] | None = None
) -> bool:
    """Enqueue the note's post in the day's standup thread (once posted) and its DM confirmation."""
    deps: Deps = context["deps"]
    posted = _standups(context).standup_ts(channel_id, note.date) is not None
    if posted or dm:
        stamp = f"{note.updated_at.timestamp():.6f}"
        job = enqueue(
            deps.redis,
            post_note_update,
            context.team_id,
            channel_id,
            note.user_id,
            note.date.isoformat(),
            stamp,
            *(dm or ()),
            queue=DEFAULT,
            job_id=job_id_for("standup-note", context.team_id, channel_id, note.user_id, stamp),
            meta={"team_id": context.team_id, "channel_id": channel_id},
        )
        context["log"]["job_id"] = job.id
    return posted


def _ooo_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    store, user_id = _standups(context), command["user_id"]
    today = store.schedule(command["channel_id"]).local_today(utcnow())  # absences are project dates
    if rest.lower() == "clear":
        store.clear_absences(user_id)
        ack(text=":wave: Welcome back: you're not marked away any more.")
        return
    if not rest:
        absences = merge_absences(store.absences([user_id]).get(user_id, []), today)
        if not absences:
            ack(text=f"You're not marked away. Going away? `{OOO_USAGE}`.")
            return
        ack(text="You're away: " + ", ".join(_span(a) for a in absences) + ". `/standup ooo clear` to undo.")
        return
    absence = parse_absence(rest)
    if absence.end < today:
        raise UserError(f"That's all in the past. Give coming dates: `{OOO_USAGE}`.")
    store.add_absence(user_id, absence, today=today)
    ack(
        text=f":palm_tree: You're away {_span(absence)}: no prompts, and standups show you as away. "
        "`/standup ooo clear` to undo."
    )


def _span(absence: Absence) -> str:
    if absence.start == absence.end:
        return f"on {day_label(absence.start)}"
    return f"from {day_label(absence.start)} to {day_label(absence.end)}"


def _join_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    _register_project(context, command)
    _standups(context).join(command["channel_id"], command["user_id"])
    ack(text=":raised_hand: You're in this channel's standup: I'll ask for your update before each one.")


def _leave_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    _standups(context).leave(command["channel_id"], command["user_id"])
    ack(
        text=":wave: You're out of this channel's standup: no prompts, not listed. "
        "`/standup join` to come back."
    )


def _status_verb(ack: Ack, context: BoltContext, command: dict, rest: str) -> None:
    store, channel_id = _standups(context), command["channel_id"]
    now = utcnow()
    schedule = store.schedule(channel_id)
    people = store.participants(channel_id, now=now)
    today = schedule.local_today(now)
    away = {
        user: spans[0]
        for user, absences in store.absences(people).items()
        if (spans := merge_absences(absences, today))
    }
    blocks = build_status_blocks(
        schedule, now=now, next_fire=next_standup(schedule, now), away=away, participants=len(people)
    )
    ack(text=f"Standups: {describe_schedule(schedule)}", blocks=blocks)


_VERBS: dict[str, Callable[[Ack, BoltContext, dict, str], None]] = {
    "": _now_verb,
    "now": _now_verb,
    "help": _help_verb,
    "?": _help_verb,
    "schedule": _schedule_verb,
    "skip": _skip_verb,
    "holiday": _holiday_verb,
    "holidays": _holidays_verb,
    "off": _on_off_verb(False),
    "on": _on_off_verb(True),
    "prompt": _prompt_verb,
    "prompts": _prompt_verb,
    "note": _note_verb,
    "ooo": _ooo_verb,
    "away": _ooo_verb,
    "join": _join_verb,
    "leave": _leave_verb,
    "status": _status_verb,
}


# -- the prompt: button, modal, DM replies --------------------------------------------------------
def _parse_target(value: str) -> tuple[str, date] | None:
    channel_id, _, day = value.partition("|")
    if not _CHANNEL_RE.match(channel_id):
        return None
    try:
        return channel_id, date.fromisoformat(day)
    except ValueError:
        return None


def handle_write_button(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Open the note modal, pre-filled with what the person already wrote for that day."""
    ack()
    context["log"].update(action=ACTION_WRITE)
    target = _parse_target(str(body["actions"][0].get("value", "")))
    if target is None:
        context["log"]["outcome"] = "refused"
        return
    channel_id, day = target
    note = _standups(context).note(channel_id, body["user"]["id"], day)
    client.views_open(trigger_id=body["trigger_id"], view=build_note_modal(channel_id, day, note))


def handle_note_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Save the modal's answers as the person's note for that day (what the modal shows is the note)."""
    values = view["state"]["values"]
    parts = {
        part: (values.get(NOTE_INPUT_IDS[part], {}).get(NOTE_INPUT_IDS[part], {}).get("value") or "").strip()
        for part in NOTE_PARTS
    }
    first = NOTE_INPUT_IDS[NOTE_PARTS[0]]
    if not any(parts.values()):
        ack(response_action="errors", errors={first: "Answer at least one of the three."})
        return
    target = _parse_target(view.get("private_metadata") or "")
    if target is None:
        ack(response_action="errors", errors={first: "This form is out of date; use `/standup note …`."})
        return
    ack()
    context["log"].update(action=VIEW_NOTE)
    channel_id, day = target
    deps: Deps = context["deps"]
    digest = hashlib.sha1(f"{view.get('id')}:{view.get('hash')}:{sorted(parts.items())}".encode()).hexdigest()
    if not deps.store(context.team_id).first_seen("view", f"standup-{digest[:24]}"):
        context["log"]["outcome"] = "duplicate"
        return
    note = _standups(context).save_note(channel_id, body["user"]["id"], day, parts, now=utcnow())
    _after_note(context, channel_id, note)


def collect_prompt_reply(context: BoltContext, body: dict, event: dict) -> bool:
    """Save a reply in a prompt DM's thread as that day's note; True when it was one.

    A reply that isn't a note is left to the Master, like any other direct message: it needs
    labels followed by ``:`` or parts separated by ``|`` (``parse_note(..., strict=True)``), so
    ``yesterday's standup was wrong…`` reaches the Master. The note goes to the prompt's date,
    into that standup's thread when it is already posted.
    """
    thread_ts = event.get("thread_ts")
    if event.get("channel_type") != "im" or not thread_ts:
        return False
    store = _standups(context)
    prompt = store.prompt_for(event["channel"], thread_ts)
    if prompt is None:
        return False
    channel_id, day, user_id = prompt
    if event.get("user") != user_id:
        return False
    try:
        parts = parse_note(event.get("text", ""), strict=True)
    except UserError:
        return False
    context["log"].update(event="standup_reply")
    deps: Deps = context["deps"]
    event_id = body.get("event_id") or f"{event['channel']}-{event.get('ts')}"
    if not deps.store(context.team_id).first_seen("event", event_id):
        context["log"]["outcome"] = "duplicate"
        return True
    note = store.save_note(channel_id, user_id, day, parts, now=utcnow())
    _after_note(context, channel_id, note, dm=(event["channel"], thread_ts))
    return True
