"""Block Kit builders for standups (pure: models in, Slack JSON out).

The standup message, the prompt DM with its "Write my standup" button, the note modal, a late
note in the standup's thread, ``/standup status`` and ``/standup help``. Task lines use seed 000's
Sprint Tracking symbols (``[X]``, ``[~] 60%``, ``[R]``, ``[!] BLOCKED — reason``) from
:data:`maestro.cards.STATUS_SYMBOLS`. Every string a person or a model wrote is escaped.

A long standup is never refused by Slack: each section stays under 3,000 characters, each
message under 50 blocks and :data:`MAX_MESSAGE_CHARS`; the first message goes in the channel and
the rest in its thread; a group's long lists are folded ("… and 37 more in progress —
`/task list in-progress`"), and past :data:`MAX_STANDUP_MESSAGES` messages whole groups are
folded into one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from maestro.cards import MAX_HEADER_TEXT, MAX_SECTION_TEXT, STATUS_SYMBOLS
from maestro.escalations import EscalationRecord
from maestro.models import Task, TaskStatus
from maestro.risk_cards import risk_line
from maestro.standup_schedule import StandupSchedule
from maestro.standups import (
    NOTE_PARTS,
    NOTE_USAGE,
    SCHEDULE_USAGE,
    Absence,
    Fire,
    Standup,
    StandupGroup,
    StandupNote,
    day_label,
    describe_schedule,
    fire_label,
    in_words,
)
from maestro.text import escape, truncate

ACTION_WRITE = "standup_write"
"""``action_id`` of the prompt's "Write my standup" button (value: ``channel_id|YYYY-MM-DD``)."""

VIEW_NOTE = "standup_note"
"""``callback_id`` of the note modal (``private_metadata``: ``channel_id|YYYY-MM-DD``)."""

NOTE_INPUT_IDS = {part: f"standup_{part}" for part in NOTE_PARTS}
"""``block_id`` = ``action_id`` of each input of the note modal."""

NOTE_LABELS = {"yesterday": "Yesterday", "today": "Today", "blockers": "Blockers"}
"""How each of the three answers is labelled."""

NOTE_QUESTIONS = {
    "yesterday": "What did you do yesterday?",
    "today": "What will you do today?",
    "blockers": "Anything blocking you?",
}
"""The three questions, as the modal asks them."""

MAX_LINES_PER_KIND = 8
"""Tasks of one kind (done, in progress, review, blocked) listed per assignee; the rest is counted."""

MAX_MESSAGE_BLOCKS = 45
"""Blocks per standup message (Block Kit allows 50; room is kept for the continuation line)."""

MAX_MESSAGE_CHARS = 9000
"""Characters of text per standup message: long enough for a team, short enough for a phone."""

MAX_STANDUP_MESSAGES = 6
"""Messages a standup takes at most (the first in the channel, the rest in its thread)."""

MAX_TITLE = 60
"""Characters of a task title in a standup line (kept short for phones)."""

MAX_ATTENTION = 8
"""Escalations or risks listed at the top; the rest is counted."""

_KINDS = (
    ("done", "done", "/task list done"),
    ("in_progress", "in progress", "/task list in-progress"),
    ("review", "in review", "/task list review"),
    ("blocked", "blocked", "/task list blocked"),
)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}]}


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT)}}


def _chars(block: dict) -> int:
    if block["type"] == "context":
        return sum(len(e.get("text", "")) for e in block["elements"])
    return len(block.get("text", {}).get("text", ""))


def _age(since: datetime, now: datetime) -> str:
    hours = max(0, int((now - since).total_seconds() // 3600))
    return f"{hours // 24}d" if hours >= 24 else f"{hours}h"


def standup_task_line(task: Task, now: datetime) -> str:
    """Return one short line for a task in a standup: ``[~] *T-4* Signup form · 60%`` (mrkdwn)."""
    line = f"`{STATUS_SYMBOLS[task.status]}` *{task.key}* {escape(truncate(task.title, MAX_TITLE))}"
    if task.status is TaskStatus.IN_PROGRESS:
        return f"{line} · {task.percent}%"
    if task.status is TaskStatus.BLOCKED:
        reason = escape(truncate(task.blocked_reason or "", 80))
        age = f" · blocked {_age(task.blocked_since, now)}" if task.blocked_since else ""
        return f"{line} — {reason}{age}"
    return line


def _quote(label: str, value: str) -> str:
    lines = escape(value).split("\n")
    return "\n".join([f"> *{label}:* {lines[0]}", *(f"> {line}" for line in lines[1:])])


def note_lines(note: StandupNote) -> list[str]:
    """Return a note as quoted lines: ``> *Yesterday:* …`` for each part given (escaped)."""
    return [_quote(NOTE_LABELS[part], getattr(note, part)) for part in NOTE_PARTS if getattr(note, part)]


def _who(group: StandupGroup) -> str:
    if group.assignee is None:
        return "*Unassigned*"
    if group.assignee.kind == "user":
        return f"*<@{group.assignee.id}>*"
    return f"*{escape(group.assignee.id)}* (agent)"


def _until(day: date) -> str:
    return f"{day:%b} {day.day}"


def group_lines(group: StandupGroup, now: datetime) -> list[str]:
    """Return the lines of one assignee's part of the standup (title first)."""
    lines = [_who(group)]
    if group.away_until is not None:
        lines.append(f":palm_tree: away until {_until(group.away_until)}")
    for field, label, command in _KINDS:
        tasks: list[Task] = getattr(group, field)
        lines += [standup_task_line(t, now) for t in tasks[:MAX_LINES_PER_KIND]]
        if len(tasks) > MAX_LINES_PER_KIND:
            lines.append(f"… and {len(tasks) - MAX_LINES_PER_KIND} more {label} — `{command}`")
    if group.to_do:
        lines.append(f"`{STATUS_SYMBOLS[TaskStatus.ASSIGNED]}` {group.to_do} to do")
    if group.note is not None:
        lines += note_lines(group.note)
    return lines


def _pack(lines: Sequence[str], limit: int = MAX_SECTION_TEXT - 100) -> list[str]:
    """Join lines into texts of at most ``limit`` characters, cutting between lines."""
    texts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = truncate(line, limit)
        if current and size + len(line) + 1 > limit:
            texts.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        texts.append("\n".join(current))
    return texts


def _escalation_line(record: EscalationRecord, now: datetime) -> str:
    blocks = f" · blocks {', '.join(record.blocking[:3])}" if record.blocking else ""
    waiting = _age(record.created_at, now)
    return f":rotating_light: {escape(truncate(record.issue, 100))} · waiting {waiting}{blocks}"


def _attention_blocks(standup: Standup) -> list[dict]:
    blocks = []
    if standup.escalations:
        lines = [_escalation_line(r, standup.now) for r in standup.escalations[:MAX_ATTENTION]]
        more = len(standup.escalations) - MAX_ATTENTION
        if more > 0:
            lines.append(f"… and {more} more — `/escalate list`")
        blocks += [_section(t) for t in _pack(["*Waiting for a decision*", *lines])]
    if standup.risks:
        since = standup.since
        lines = [
            risk_line(r) + (" · _new_" if r.created_at > since else "") for r in standup.risks[:MAX_ATTENTION]
        ]
        more = len(standup.risks) - MAX_ATTENTION
        if more > 0:
            lines.append(f"… and {more} more — `/risk list`")
        blocks += [_section(t) for t in _pack(["*Risks*", *lines])]
    return blocks


def _people_line(users: Sequence[str], intro: str, limit: int = 2500) -> str:
    text = intro
    for index, user in enumerate(users):
        piece = f"{', ' if index else ' '}<@{user}>"
        if len(text) + len(piece) > limit:
            return f"{text} … and {len(users) - index} more"
        text += piece
    return text


def standup_fallback_text(standup: Standup) -> str:
    """Return the notification text of a standup: ``Standup Mon 23 Nov: 3 done, 5 in progress, 1 blocked``."""
    done = sum(len(g.done) for g in standup.groups)
    doing = sum(len(g.in_progress) for g in standup.groups)
    blocked = sum(len(g.blocked) for g in standup.groups)
    text = f"Standup {day_label(standup.day)}: {done} done, {doing} in progress, {blocked} blocked"
    if standup.escalations:
        text += f", {len(standup.escalations)} waiting for a decision"
    return text


def build_standup_messages(standup: Standup) -> list[dict]:
    """Return a standup as messages to post in order: the first in the channel, the rest in its thread.

    Args:
        standup: the computed standup.

    Returns:
        A non-empty list of ``{"text": fallback, "blocks": [...]}`` (``chat.postMessage``
        arguments), each within Block Kit's limits; at most :data:`MAX_STANDUP_MESSAGES`.
    """
    title = f"Standup · {day_label(standup.day)}"
    intro: list[dict] = [_header(title)]
    if standup.sprint is not None:
        sprint, progress = standup.sprint, standup.sprint.progress
        line = (
            f"*{escape(truncate(sprint.name, 80))}* · day {sprint.day} of {sprint.days} · "
            f"{progress.percent}% done · {progress.completed}/{progress.total} tasks"
        )
        if progress.blocked:
            line += f" · {progress.blocked} blocked"
    else:
        board = standup.board
        open_count = board.total - board.completed
        line = f"No active sprint · {open_count} open tasks · {board.blocked} blocked"
    zone = ZoneInfo(standup.timezone)
    since = (
        "Done in the last 24 h (first standup)"
        if standup.first
        else f"Done since the last standup, {fire_label(standup.since, zone)}"
    )
    intro.append(_context(f"{line}\n{since}"))
    intro += _attention_blocks(standup)
    grouped_away = {g.assignee.id for g in standup.groups if g.assignee and g.assignee.kind == "user"}
    away_only = [u for u in sorted(standup.away) if u not in grouped_away]
    if away_only:
        pieces = [f"<@{u}> away until {_until(standup.away[u])}" for u in away_only]
        intro.append(_context(truncate(":palm_tree: " + " · ".join(pieces), 2900)))
    if standup.missing:
        intro.append(_context(_people_line(standup.missing, ":hourglass: No update yet from")))
    body: list[list[dict]] = [
        [_section(text) for text in _pack(group_lines(g, standup.now))] for g in standup.groups
    ]
    if not standup.groups:
        body.append([_section("Nothing moved and nothing is open. Plan some work: `/orchestrate …`")])
    footer = _context(f"Add yours: `{NOTE_USAGE}`")
    return _paginate(title, intro, body, footer, standup_fallback_text(standup))


def _paginate(
    title: str, intro: list[dict], body: list[list[dict]], footer: dict, fallback: str
) -> list[dict]:
    """Pack the intro, each group's blocks (a group is never split across messages) and the footer.

    A group always fits an empty message: at most 4 × :data:`MAX_LINES_PER_KIND` short lines and
    a note of 3 × 1,000 characters.
    """
    pages: list[list[dict]] = [list(intro)]
    sizes = [sum(_chars(b) for b in intro)]
    folded = 0
    for index, blocks in enumerate(body):
        size = sum(_chars(b) for b in blocks)
        if len(pages[-1]) + len(blocks) > MAX_MESSAGE_BLOCKS or sizes[-1] + size > MAX_MESSAGE_CHARS:
            if len(pages) == MAX_STANDUP_MESSAGES:
                folded = len(body) - index
                break
            pages.append([])
            sizes.append(0)
        pages[-1] += blocks
        sizes[-1] += size
    if folded:
        pages[-1].append(_context(f"… and {folded} more people and agents — `/task list`"))
    pages[-1].append(footer)
    messages = []
    for number, blocks in enumerate(pages, start=1):
        if number > 1:
            blocks.insert(0, _context(f"*{title}* (continued, {number}/{len(pages)})"))
            text = f"{title} (continued, {number}/{len(pages)})"
        else:
            text = fallback if len(pages) == 1 else f"{fallback} (1/{len(pages)}, more in the thread)"
        messages.append({"text": text, "blocks": blocks})
    return messages


# -- the prompt DM and the note modal -----------------------------------------------------------
def build_prompt_message(channel_id: str, day: date, at_label: str) -> dict:
    """Return the prompt DM: the three questions, a "Write my standup" button, how to reply instead.

    Args:
        channel_id: the project whose standup it is for.
        day: the standup's date.
        at_label: when the standup is, e.g. ``09:30 Europe/Berlin`` (our own text).

    Returns:
        ``chat.postMessage`` arguments ``text`` and ``blocks``.
    """
    text = (
        f"Standup for <#{channel_id}> at {at_label} — what did you do yesterday, what will you do "
        "today, anything blocking?"
    )
    return {
        "text": text,
        "blocks": [
            _section(text),
            {
                "type": "actions",
                "block_id": "standup_prompt",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Write my standup"},
                        "action_id": ACTION_WRITE,
                        "value": f"{channel_id}|{day.isoformat()}",
                        "style": "primary",
                    }
                ],
            },
            _context("Or reply in this thread: `yesterday … | today … | blockers …`"),
        ],
    }


def build_note_modal(channel_id: str, day: date, note: StandupNote | None = None) -> dict:
    """Return the note modal: three optional inputs, pre-filled with what was already written."""
    blocks = []
    for part in NOTE_PARTS:
        element: dict = {
            "type": "plain_text_input",
            "action_id": NOTE_INPUT_IDS[part],
            "multiline": True,
            "max_length": 1000,
        }
        if note is not None and getattr(note, part):
            element["initial_value"] = getattr(note, part)
        blocks.append(
            {
                "type": "input",
                "block_id": NOTE_INPUT_IDS[part],
                "optional": True,
                "label": {"type": "plain_text", "text": NOTE_QUESTIONS[part]},
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": VIEW_NOTE,
        "private_metadata": f"{channel_id}|{day.isoformat()}",
        "title": {"type": "plain_text", "text": truncate(f"Standup {day_label(day)}", 24)},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def build_note_message(note: StandupNote, *, late: bool) -> dict:
    """Return a person's note as a message for the standup's thread (``text`` and ``blocks``)."""
    title = f"<@{note.user_id}>'s update" + (" (after the standup)" if late else "")
    return {
        "text": f"Standup update from <@{note.user_id}>",
        "blocks": [_section("\n".join([title, *note_lines(note)]))],
    }


def note_saved_text(note: StandupNote, *, posted: bool) -> str:
    """Return the confirmation shown to the person who saved a note (mrkdwn, escaped)."""
    where = "It's added to today's standup thread." if posted else "It will be in the standup."
    return "\n".join(
        [f":white_check_mark: Saved your standup for {day_label(note.date)}. {where}", *note_lines(note)]
    )


# -- status and help ----------------------------------------------------------------------------
def build_status_blocks(
    schedule: StandupSchedule,
    *,
    now: datetime,
    next_fire: Fire | None,
    away: dict[str, Absence],
    participants: int,
) -> list[dict]:
    """Return ``/standup status``: the schedule in words, the next standup, holidays, who's away.

    Args:
        schedule: the project's schedule.
        now: the current instant (aware).
        next_fire: the next standup, if any (:func:`maestro.standups.next_standup`).
        away: user id → their current or next absence.
        participants: how many people take part.
    """
    zone = schedule.zone
    lines = [f"*Standup:* {describe_schedule(schedule)}"]
    if next_fire is not None:
        lines.append(
            f"*Next:* {fire_label(next_fire.at, zone)} {schedule.timezone} ({in_words(next_fire.at - now)})"
        )
    elif not schedule.enabled:
        lines.append("*Next:* none — standups are off. Turn them on: `/standup on`")
    else:
        lines.append("*Next:* none within a year")
    if schedule.prompt_lead_minutes:
        lines.append(
            f"*Prompts:* a DM {schedule.prompt_lead_minutes} min before, by each person's own clock "
            "(`/standup prompt off`)"
        )
    else:
        lines.append("*Prompts:* off (`/standup prompt 60`)")
    today = now.astimezone(zone).date()
    holidays = [d for d in schedule.holidays if d >= today]
    skipped = [d for d in schedule.skip if d >= today]
    if holidays:
        lines.append("*Holidays:* " + ", ".join(d.isoformat() for d in holidays[:20]))
    if skipped:
        lines.append("*Skipped:* " + ", ".join(d.isoformat() for d in skipped[:20]))
    if away:
        spans = [
            f"<@{u}> until {_until(a.end)}"
            if a.start <= today
            else f"<@{u}> {_until(a.start)}–{_until(a.end)}"
            for u, a in sorted(away.items())[:30]
        ]
        lines.append("*Away:* " + " · ".join(spans))
    lines.append(f"*Taking part:* {participants} {'person' if participants == 1 else 'people'}")
    return [_section("\n".join(lines))]


STANDUP_HELP: tuple[str, ...] = (
    "`/standup` — post a standup now",
    f"`{SCHEDULE_USAGE}` — when (also `9:30am`, `mon,wed,fri`, `daily`, `weekdays`)",
    "`/standup status` — the schedule, the next standup, holidays, who's away",
    f"`{NOTE_USAGE}` — your update (any part, any order)",
    "`/standup ooo 2026-12-20..2026-12-31` · `/standup ooo clear` — away (one date works too)",
    "`/standup skip 2026-12-24` · `/standup holiday add|remove 2026-12-25` · `/standup holidays`",
    "`/standup off` · `/standup on` · `/standup prompt 60` · `/standup prompt off`",
    "`/standup join` · `/standup leave` — take part, or stop being asked",
)
"""The lines of ``/standup help`` (our own mrkdwn); the lead may copy them into ``/maestro help``."""


def build_standup_help_blocks(error: str | None = None) -> list[dict]:
    """Return ``/standup help``, optionally led by an error line (already escaped)."""
    blocks = [_section(f":warning: {error}")] if error else []
    blocks.append(_section("*Daily standups*\n" + "\n".join(f"• {line}" for line in STANDUP_HELP)))
    return blocks
