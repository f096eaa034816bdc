"""Block Kit builders for standups (pure: models in, Slack JSON out).

The standup message, the prompt DM with its "Write my standup" button, the note modal, a late
note in the standup's thread, ``/standup status`` and ``/standup help``. Task lines use seed 000's
Sprint Tracking symbols (``[X]``, ``[~] 60%``, ``[R]``, ``[!] BLOCKED — reason``) from
:data:`maestro.cards.STATUS_SYMBOLS`. Every string a person or a model wrote is escaped.

A long standup is never refused by Slack. Every user string is escaped first and then cut to a
budget of *escaped* characters (a title of 60 ``&`` is 300 characters once escaped), with a
visible "…"; the top of the standup (escalations, risks, who is away, who is missing) is capped
with "… and N more"; each section stays under 3,000 characters and each message under
:data:`~maestro.report_cards.MAX_MESSAGE_BLOCKS` blocks and
:data:`~maestro.report_cards.MAX_MESSAGE_CHARS` characters of text, measured on the final
blocks. The first message goes in the channel and the rest in its thread; one person's part may
continue in the next message ("(continued)"); a group's long lists are folded ("… and 37 more in
progress — `/task list in-progress`"), and past :data:`MAX_STANDUP_MESSAGES` messages the
remaining groups are folded into one line that names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from maestro.blocks import context, header, section
from maestro.cards import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT, STATUS_SYMBOLS
from maestro.escalations import EscalationRecord
from maestro.models import Task, TaskStatus
from maestro.report_cards import MAX_MESSAGE_BLOCKS, MAX_MESSAGE_CHARS
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
from maestro.text import cut_mrkdwn, escape, truncate
from maestro.workflow import review_state

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

MAX_TO_DO_NAMED = 4
"""Tasks to do named (by key) on an assignee's line; the rest is counted (``+3 more``)."""

MAX_NOTE_LINE = 300
"""Characters (escaped) up to which a note's answers share one quoted line; longer: a line per answer."""

MAX_STANDUP_MESSAGES = 6
"""Messages a standup takes at most (the first in the channel, the rest in its thread)."""

MAX_TITLE = 60
"""Characters of a task title in a standup line (kept short for phones); twice that once escaped."""

MAX_REASON = 80
"""Characters of a blocked reason in a standup line; twice that once escaped."""

MAX_ISSUE = 100
"""Characters of an escalation's issue at the top of a standup; twice that once escaped."""

MAX_LINE = 300
"""Characters of one line at the top of a standup (an escalation or a risk), escaped."""

MAX_NOTE_SHOWN = 2500
"""Characters of one answer of a note as shown (escaped and quoted; a note part is 1,000 typed)."""

MAX_ATTENTION = 8
"""Escalations or risks listed at the top; the rest is counted."""

MAX_ATTENTION_CHARS = 1500
"""Characters of the escalations (and, apart, of the risks) at the top of a standup; the rest is counted."""

MAX_PEOPLE_CHARS = 700
"""Characters of the "away" and of the "No update yet from" lines; the rest is counted."""

_RESERVED_CHARS = 800
"""Characters kept free in every message for its "continued" line, the fold line and the footer."""

_SECTION_CHARS = MAX_SECTION_TEXT - 100
"""Characters a standup section is filled to."""

_KINDS = (
    ("done", "done", "/task list done"),
    ("in_progress", "in progress", "/task list in-progress"),
    ("review", "in review", "/task list review"),
    ("blocked", "blocked", "/task list blocked"),
)


def _shown(text: str, chars: int, limit: int | None = None) -> str:
    """Return user text escaped: its first ``chars`` characters, at most ``limit`` once escaped."""
    return cut_mrkdwn(escape(truncate(text, chars)), limit or 2 * chars)


def _chars(block: dict) -> int:
    if block["type"] == "context":
        return sum(len(e.get("text", "")) for e in block["elements"])
    return len(block.get("text", {}).get("text", ""))


def message_within_limits(message: dict) -> bool:
    """True when a message is one Slack accepts: ≤ 50 blocks, sections ≤ 3,000, text ≤ the budget.

    The budget is :data:`~maestro.report_cards.MAX_MESSAGE_CHARS` characters of block text in all
    (Slack refuses ~12,000: ``msg_blocks_too_long``); headers ≤ 150 characters.
    """
    blocks = message.get("blocks", [])
    limits = {"header": MAX_HEADER_TEXT, "section": MAX_SECTION_TEXT, "context": MAX_SECTION_TEXT}
    return (
        0 < len(blocks) <= MAX_BLOCKS
        and all(_chars(b) <= limits.get(b["type"], MAX_SECTION_TEXT) for b in blocks)
        and sum(_chars(b) for b in blocks) <= MAX_MESSAGE_CHARS
        and bool(message.get("text"))
    )


def _age(since: datetime, now: datetime) -> str:
    hours = max(0, int((now - since).total_seconds() // 3600))
    return f"{hours // 24}d" if hours >= 24 else f"{hours}h"


def standup_task_line(task: Task, now: datetime) -> str:
    """Return one short line for a task in a standup: ``[~] *T-4* Signup form · 60%`` (mrkdwn).

    The title shows its first :data:`MAX_TITLE` characters (at most twice that once escaped), a
    blocked reason its first :data:`MAX_REASON`. A task in review that only a person can approve
    says so: ``[R] *T-6* Signup form · waiting for a person's review``.
    """
    line = f"`{STATUS_SYMBOLS[task.status]}` *{task.key}* {_shown(task.title, MAX_TITLE)}"
    if task.status is TaskStatus.IN_PROGRESS:
        return f"{line} · {task.percent}%"
    if task.waits_for_person:
        return f"{line} · {review_state(task)}"
    if task.status is TaskStatus.BLOCKED:
        reason = _shown(task.blocked_reason or "", MAX_REASON)
        age = f" · blocked {_age(task.blocked_since, now)}" if task.blocked_since else ""
        return f"{line} — {reason}{age}"
    return line


def _quote(label: str, value: str) -> str:
    lines = escape(value).split("\n")
    quoted = "\n".join([f"> *{label}:* {lines[0]}", *(f"> {line}" for line in lines[1:])])
    return cut_mrkdwn(quoted, MAX_NOTE_SHOWN)


def note_lines(note: StandupNote, *, compact: bool = False) -> list[str]:
    """Return a note as quoted lines: ``> *Yesterday:* …`` for each part given (escaped).

    Each part is at most :data:`MAX_NOTE_SHOWN` characters (a typed part of 1,000 characters is
    shown whole unless it is mostly ``&``, ``<``, ``>`` or line breaks; then it ends in "…").

    Args:
        note: the note.
        compact: for the standup (read on phones): a note of one-line answers that fits
            :data:`MAX_NOTE_LINE` characters is one line, ``> *Yesterday:* … · *Today:* …``.
    """
    parts = [part for part in NOTE_PARTS if getattr(note, part)]
    if compact and not any("\n" in getattr(note, part) for part in parts):
        line = "> " + " · ".join(f"*{NOTE_LABELS[part]}:* {escape(getattr(note, part))}" for part in parts)
        if len(line) <= MAX_NOTE_LINE:
            return [line]
    return [_quote(NOTE_LABELS[part], getattr(note, part)) for part in parts]


def _who(group: StandupGroup) -> str:
    if group.assignee is None:
        return "*Unassigned*"
    if group.assignee.kind == "user":
        return f"*<@{group.assignee.id}>*"
    return f"*{_shown(group.assignee.id, 40)}* (agent)"


def _until(day: date) -> str:
    return f"{day:%b} {day.day}"


def to_do_text(tasks: Sequence[Task]) -> str:
    """Return the tasks waiting to be started, named: ``[ ] to do *T-8*, *T-9* +3 more`` (mrkdwn).

    The first :data:`MAX_TO_DO_NAMED` keys are named, the rest counted.
    """
    named = ", ".join(f"*{t.key}*" for t in tasks[:MAX_TO_DO_NAMED])
    more = f" +{len(tasks) - MAX_TO_DO_NAMED} more" if len(tasks) > MAX_TO_DO_NAMED else ""
    return f"`{STATUS_SYMBOLS[TaskStatus.ASSIGNED]}` to do {named}{more}"


def group_lines(group: StandupGroup, now: datetime, day: date | None = None) -> list[str]:
    """Return the lines of one assignee's part of the standup (who first), kept short for phones.

    Who, then their tasks done, in progress, in review and blocked (each kind capped at
    :data:`MAX_LINES_PER_KIND`, the rest counted), the tasks to do named on the first line
    (:func:`to_do_text`), and their note. Someone with one task line and nothing else takes one
    line: ``*backend* (agent) · [~] *T-4* Signup form · 60%``. A note written for an earlier
    standup ``day`` didn't have (skipped, a holiday) says so.
    """
    head = _who(group)
    if group.to_do:
        head += f" · {to_do_text(group.to_do)}"
    lines = [head]
    if group.away_until is not None:
        lines.append(f":palm_tree: away until {_until(group.away_until)}")
    for field, label, command in _KINDS:
        tasks: list[Task] = getattr(group, field)
        lines += [standup_task_line(t, now) for t in tasks[:MAX_LINES_PER_KIND]]
        if len(tasks) > MAX_LINES_PER_KIND:
            lines.append(f"… and {len(tasks) - MAX_LINES_PER_KIND} more {label} — `{command}`")
    if len(lines) == 2 and not group.to_do and group.away_until is None:
        lines = [f"{head} · {lines[1]}"]
    if group.note is not None:
        if day is not None and group.note.date < day:
            lines.append(f"_Written for {day_label(group.note.date)}, which had no standup:_")
        lines += note_lines(group.note, compact=True)
    return lines


def _pack(lines: Sequence[str], limit: int = MAX_SECTION_TEXT - 100) -> list[str]:
    """Join lines into texts of at most ``limit`` characters, cutting between lines."""
    texts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = cut_mrkdwn(line, limit)
        if current and size + len(line) + 1 > limit:
            texts.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        texts.append("\n".join(current))
    return texts


def _capped(heading: str, lines: Sequence[str], total: int, hint: str) -> str:
    """Return ``heading`` and as many ``lines`` as fit :data:`MAX_ATTENTION_CHARS`, then "… and N more"."""
    kept: list[str] = []
    size = len(heading)
    for line in lines[:MAX_ATTENTION]:
        line = cut_mrkdwn(line, MAX_LINE)
        if size + 1 + len(line) > MAX_ATTENTION_CHARS - 60:
            break
        kept.append(line)
        size += 1 + len(line)
    if total > len(kept):
        kept.append(f"… and {total - len(kept)} more — `{hint}`")
    return "\n".join([heading, *kept])


def _escalation_line(record: EscalationRecord, now: datetime) -> str:
    blocks = f" · blocks {escape(', '.join(record.blocking[:3]))}" if record.blocking else ""
    waiting = _age(record.created_at, now)
    return f":rotating_light: {_shown(record.issue, MAX_ISSUE)} · waiting {waiting}{blocks}"


def _attention_blocks(standup: Standup) -> list[dict]:
    blocks = []
    if standup.escalations:
        lines = [_escalation_line(r, standup.now) for r in standup.escalations[:MAX_ATTENTION]]
        text = _capped("*Waiting for a decision*", lines, len(standup.escalations), "/escalate list")
        blocks.append(section(text))
    if standup.risks:
        since = standup.since
        lines = [
            risk_line(r) + (" · _new_" if r.created_at > since else "") for r in standup.risks[:MAX_ATTENTION]
        ]
        blocks.append(section(_capped("*Risks*", lines, len(standup.risks), "/risk list")))
    return blocks


def _people_line(pieces: Sequence[str], intro: str, limit: int = MAX_PEOPLE_CHARS, sep: str = ", ") -> str:
    """Return ``intro`` and as many ``pieces`` as fit ``limit`` characters, then "… and N more"."""
    text = intro
    for index, piece in enumerate(pieces):
        piece = f"{sep if index else ' '}{piece}"
        if len(text) + len(piece) > limit - 20:
            return f"{text} … and {len(pieces) - index} more"
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


def _plain_who(group: StandupGroup) -> str:
    if group.assignee is None:
        return "Unassigned"
    if group.assignee.kind == "user":
        return f"<@{group.assignee.id}>"
    return f"{_shown(group.assignee.id, 40)} (agent)"


def build_standup_messages(standup: Standup) -> list[dict]:
    """Return a standup as messages to post in order: the first in the channel, the rest in its thread.

    Args:
        standup: the computed standup.

    Returns:
        A non-empty list of ``{"text": fallback, "blocks": [...]}`` (``chat.postMessage``
        arguments), each within Block Kit's limits (:func:`message_within_limits`); at most
        :data:`MAX_STANDUP_MESSAGES`.
    """
    title = f"Standup · {day_label(standup.day)}"
    intro: list[dict] = [header(title)]
    if standup.sprint is not None:
        sprint, progress = standup.sprint, standup.sprint.progress
        line = (
            f"*{_shown(sprint.name, 80)}* · {sprint.reading.text} · "
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
    intro.append(context(f"{line}\n{since}"))
    intro += _attention_blocks(standup)
    grouped_away = {g.assignee.id for g in standup.groups if g.assignee and g.assignee.kind == "user"}
    away_only = [u for u in sorted(standup.away) if u not in grouped_away]
    if away_only:
        pieces = [f"<@{u}> away until {_until(standup.away[u])}" for u in away_only]
        intro.append(context(_people_line(pieces, ":palm_tree:", sep=" · ")))
    if standup.missing:
        mentions = [f"<@{u}>" for u in standup.missing]
        intro.append(context(_people_line(mentions, ":hourglass: No update yet from")))
    body = [(_plain_who(g), group_lines(g, standup.now, standup.day)) for g in standup.groups]
    if not standup.groups:
        body.append(("", ["Nothing moved and nothing is open. Plan some work: `/orchestrate …`"]))
    footer = context(f"Add yours: `{NOTE_USAGE}`")
    return _paginate(title, intro, body, footer, standup_fallback_text(standup))


class _Pages:
    """Messages being filled line by line: sections under 3,000 characters, messages under budget."""

    def __init__(self, intro: list[dict]):
        self.pages: list[list[dict]] = [list(intro)]
        self.sizes = [sum(_chars(b) for b in intro)]
        self.lines: list[str] = []  # the open section, on the last page
        self.size = 0

    def snapshot(self) -> tuple[list[list[dict]], list[int]]:
        return [list(p) for p in self.pages], list(self.sizes)

    def restore(self, saved: tuple[list[list[dict]], list[int]]) -> None:
        self.pages, self.sizes = saved
        self.lines, self.size = [], 0

    def close_section(self) -> None:
        if self.lines:
            block = section("\n".join(self.lines))
            self.pages[-1].append(block)
            self.sizes[-1] += _chars(block)
            self.lines, self.size = [], 0

    def add(self, line: str, continued: str | None) -> None:
        """Add a line to the open section; open a new section or message when it doesn't fit."""
        line = cut_mrkdwn(line, _SECTION_CHARS)
        if self.lines and self.size + len(line) > _SECTION_CHARS:
            self.close_section()
        full = len(self.pages[-1]) + 1 > MAX_MESSAGE_BLOCKS
        if full or self.sizes[-1] + self.size + len(line) > MAX_MESSAGE_CHARS - _RESERVED_CHARS:
            self.close_section()
            self.pages.append([])
            self.sizes.append(0)
            if continued:
                self.lines = [f"_{continued} (continued)_"]
                self.size = len(self.lines[0]) + 1
        self.lines.append(line)
        self.size += len(line) + 1


def _paginate(
    title: str, intro: list[dict], body: list[tuple[str, list[str]]], footer: dict, fallback: str
) -> list[dict]:
    """Pack the intro, each group's lines and the footer into messages within Slack's limits.

    Args:
        title: the standup's title.
        intro: the first message's top (capped, so it always fits one message).
        body: per group, who (mrkdwn, for "(continued)") and its lines, title first.
        footer: the last message's last block.
        fallback: the first message's notification text.

    Each group starts a section; one that does not fit the current message continues in the
    next, after "_… (continued)_". Past :data:`MAX_STANDUP_MESSAGES` messages the groups left (from
    the first that would not fit whole) are named in one line. Every message keeps
    :data:`_RESERVED_CHARS` characters and five blocks for its "continued" line, the fold line and
    the footer.
    """
    filler = _Pages(intro)
    folded: list[str] = []
    for who, lines in body:
        if folded:
            folded.append(who)
            continue
        saved = filler.snapshot()
        for index, line in enumerate(lines):
            filler.add(line, who if index else None)
        filler.close_section()
        if len(filler.pages) > MAX_STANDUP_MESSAGES:
            filler.restore(saved)
            folded.append(who)
    pages = filler.pages
    if folded:
        names = [w for w in folded if w]
        line = _people_line(names, f"… and {len(folded)} more people and agents, not shown:", limit=500)
        pages[-1].append(context(f"{line} — `/task list`"))
    pages[-1].append(footer)
    messages = []
    for number, blocks in enumerate(pages, start=1):
        if number > 1:
            blocks.insert(0, context(f"*{title}* (continued, {number}/{len(pages)})"))
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
        f"Standup for <#{channel_id}> on {day_label(day)} at {at_label} — what did you do yesterday, "
        "what will you do "
        "today, anything blocking?"
    )
    return {
        "text": text,
        "blocks": [
            section(text),
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
            context("Or reply in this thread: `yesterday … | today … | blockers …`"),
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
        "blocks": [section(text) for text in _pack([title, *note_lines(note)])],
    }


def note_saved_text(note: StandupNote, *, posted: bool, at_label: str | None = None) -> str:
    """Return the confirmation shown to the person who saved a note (mrkdwn, escaped).

    Args:
        note: the note as saved; its ``date`` is the standup it is for.
        posted: True when that standup is already posted (the note goes into its thread).
        at_label: when that standup is, e.g. ``09:30 Europe/Berlin`` (our own text), if known.

    Example: ``Saved your standup for Tue 24 Nov (09:30 Europe/Berlin).``
    """
    day = day_label(note.date)
    if posted:
        head = f"Saved your standup for {day}. That standup is posted: it's added to its thread."
    elif at_label:
        head = f"Saved your standup for {day} ({at_label})."
    else:
        head = f"Saved your standup for {day}. It will be in that day's standup."
    return "\n".join([f":white_check_mark: {head}", *note_lines(note)])


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
    return [section("\n".join(lines))]


STANDUP_HELP: tuple[str, ...] = (
    "`/standup` — post the next standup now, as it stands",
    f"`{SCHEDULE_USAGE}` — when (also `9:30am`, `mon,wed,fri`, `daily`, `weekdays`)",
    "`/standup status` — the schedule, the next standup, holidays, who's away",
    f"`{NOTE_USAGE}` — your update for the next standup (any part, any order)",
    "`/standup ooo 2026-12-20..2026-12-31` · `/standup ooo clear` — away (one date works too)",
    "`/standup skip 2026-12-24` · `/standup holiday add|remove 2026-12-25` · `/standup holidays`",
    "`/standup off` · `/standup on` · `/standup prompt 60` · `/standup prompt off`",
    "`/standup join` · `/standup leave` — take part, or stop being asked",
)
"""The lines of ``/standup help`` (our own mrkdwn); the lead may copy them into ``/maestro help``."""


def build_standup_help_blocks(error: str | None = None) -> list[dict]:
    """Return ``/standup help``, optionally led by an error line (already escaped)."""
    blocks = [section(f":warning: {error}")] if error else []
    blocks.append(section("*Daily standups*\n" + "\n".join(f"• {line}" for line in STANDUP_HELP)))
    return blocks
