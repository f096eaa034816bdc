"""Daily standups, pure: schedule maths, command parsing and the standup's compute model (no I/O).

``now`` is always a parameter (an aware datetime), so every function here runs under a test clock.

Time maths is the standard library's ``zoneinfo``: a standup's instant on a local date ``d`` is
``datetime.combine(d, at, tzinfo=zone)`` (``fold=0``) converted to UTC, so there is exactly one
instant per local date, and a clock that looks at one-minute windows finds each exactly once.
(APScheduler's ``CronTrigger`` only finds a skipped wall time when its search starts before the
gap, and yields a repeated one twice, in different windows.) Two daylight saving days need care:

- **spring-forward** (``Europe/Berlin`` 2026-03-29, ``America/New_York`` 2026-03-08): a wall time in
  the skipped hour does not exist; it takes the offset before the transition (02:30 → 01:30 UTC in
  Berlin, 03:30 by the wall clock). The standup still happens that day, an hour late by the wall
  clock, never not at all.
- **fall-back** (``Europe/Berlin`` 2026-10-25, ``America/New_York`` 2026-11-01): a wall time in the
  repeated hour occurs twice; the first occurrence is the standup's (and the clock's claim is
  keyed by the local date too).

A person's prompt comes at their own morning, unless that is after the standup; then lead minutes
before the standup (:func:`prompt_instant`).

Sources: seed 000's Sprint Tracking symbols (``[X]``, ``[~] 60%``, ``[R]``, ``[!] BLOCKED — reason``)
for the task lines; seed 003's cadence ("Daily: check-in on blocker status"; "Weekly: sprint
progress review"); Geekbot's three questions (yesterday, today, blockers) for the notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, Field

from maestro.errors import UserError
from maestro.escalations import EscalationRecord
from maestro.models import AGENT_ROLES, Assignee, Task, TaskStatus, utcnow
from maestro.risks import Rag, Risk
from maestro.sprints import Progress, Sprint, SprintDay, progress_of, sprint_day
from maestro.standup_schedule import StandupSchedule
from maestro.text import escape

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as APScheduler's ``day_of_week`` takes them; index = ``date.weekday()``."""

SCHEDULE_USAGE = "/standup schedule 09:30 Europe/Berlin mon-fri"
"""The example every schedule parsing error shows."""

NOTE_USAGE = "/standup note yesterday shipped the login API | today the signup form | blockers none"
"""The example every note parsing error shows."""

OOO_USAGE = "/standup ooo 2026-12-20..2026-12-31"
"""The example every absence parsing error shows."""

DEFAULT_FIRST_STANDUP_HOURS = 24
"""Hours a project's first standup looks back for finished work (later ones: since the last)."""

MAX_CARRY_DAYS = 14
"""Days back a standup looks for notes written for standups that didn't happen (skipped, holidays, off)."""

DEFAULT_PARTICIPANT_DAYS = 14
"""Days someone who wrote a note stays a participant (prompted, listed when silent)."""

MAX_NOTE_PART = 1000
"""Longest answer to one of the three questions, in characters."""

MAX_ABSENCE_DAYS = 366
"""Longest single absence, in days."""

MAX_SEARCH_DAYS = 400
"""How far ahead :func:`next_standup` looks before it says there is none."""

NOTE_PARTS = ("yesterday", "today", "blockers")
"""The three questions, in the order they are shown."""


# -- schedule maths ---------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Fire:
    """One occurrence of a scheduled wall time.

    Attributes:
        at: the instant (aware, UTC).
        day: the project's local date it belongs to (the standup's date, also for a prompt sent
            the day before).
    """

    at: datetime
    day: date


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the instant (UTC) at which the wall clock in ``zone`` reads ``at`` on local date ``day``.

    Exactly one instant per local date: ``fold=0`` maps a wall time skipped by a spring-forward
    gap to the pre-transition offset (Berlin 02:30 on 2026-03-29 → 01:30 UTC, 03:30 by the wall
    clock) and a repeated one on a fall-back day to its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _local_dates(zone: ZoneInfo, start: datetime, end: datetime, margin: int = 1) -> list[date]:
    first = start.astimezone(zone).date() - timedelta(days=margin)
    last = end.astimezone(zone).date() + timedelta(days=margin)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def wall_time_fires(
    at: time, zone: ZoneInfo, start: datetime, end: datetime, days: Iterable[int] | None = None
) -> list[Fire]:
    """Return the instants in ``(start, end]`` at which the wall clock in ``zone`` reads ``at``.

    One per local date (:func:`local_instant`, see the module docstring for daylight saving
    days), so a clock that looks at consecutive windows finds each exactly once, whatever their
    length.

    Args:
        at: the local wall-clock time (minutes precision).
        zone: the timezone of the wall clock.
        start: exclusive lower bound (aware).
        end: inclusive upper bound (aware).
        days: weekdays (``0`` = Monday) to keep; all when None.

    Returns:
        The fires, oldest first, ``at`` in UTC.
    """
    if end <= start:
        return []
    weekdays = set(range(7) if days is None else days)
    fires = []
    for day in _local_dates(zone, start, end):
        if day.weekday() in weekdays:
            instant = local_instant(day, at, zone)
            if start < instant <= end:
                fires.append(Fire(at=instant, day=day))
    return sorted(fires)


def is_standup_day(schedule: StandupSchedule, day: date) -> bool:
    """True when the project has a standup on local date ``day`` (on, a standup weekday, no skip/holiday)."""
    return (
        schedule.enabled
        and day.weekday() in schedule.days
        and day not in schedule.skip
        and day not in schedule.holidays
    )


def standup_fires(schedule: StandupSchedule, start: datetime, end: datetime) -> list[Fire]:
    """Return the project's standups in ``(start, end]``: one per standup day, none when it is off."""
    if not schedule.enabled:
        return []
    fires = wall_time_fires(schedule.at, schedule.zone, start, end, schedule.days)
    return [f for f in fires if is_standup_day(schedule, f.day)]


def daily_fires(schedule: StandupSchedule, start: datetime, end: datetime) -> list[Fire]:
    """Return every local date's standup time in ``(start, end]``, standup day or not.

    The clock uses them for what happens "at the standup time" on any day: the weekly review on
    Mondays and the sprint report on a sprint's last day.
    """
    return wall_time_fires(schedule.at, schedule.zone, start, end)


def prompt_time(schedule: StandupSchedule) -> time:
    """Return the wall time of a person's prompt: the standup's wall time minus the lead.

    ``09:30`` with a 60-minute lead → ``08:30``; ``00:30`` with 60 → ``23:30`` (the evening before).
    """
    minutes = (schedule.at.hour * 60 + schedule.at.minute - schedule.prompt_lead_minutes) % (24 * 60)
    return time(minutes // 60, minutes % 60)


def prompt_instant(schedule: StandupSchedule, user_zone: ZoneInfo, day: date) -> datetime:
    """Return when a person is asked for their note for the project's standup of local date ``day``.

    At their own morning, unless that is after the standup; then lead minutes before the
    standup. Precisely: the last time the person's clock reads :func:`prompt_time` at or before
    the standup (a wall time skipped by a spring-forward gap read in either offset), or the
    standup minus ``prompt_lead_minutes`` when that is earlier. So a prompt never comes after the
    standup it is for: someone in Los Angeles in a Berlin 09:30 project (posted 00:30 their time)
    is asked at 08:30 the day before, by their clock; someone in London (08:30 theirs) at 07:30.

    Args:
        schedule: the project's schedule (``at``, ``timezone``, ``prompt_lead_minutes``).
        user_zone: the person's timezone (their Slack ``tz``, else the project's).
        day: the project's local date of the standup.

    Returns:
        The instant, aware, UTC.
    """
    return _prompt_at(schedule, user_zone, local_instant(day, schedule.at, schedule.zone))


def _prompt_at(schedule: StandupSchedule, user_zone: ZoneInfo, standup: datetime) -> datetime:
    wall = prompt_time(schedule)
    their_day = standup.astimezone(user_zone).date()
    readings = [i for i in _readings(their_day, wall, user_zone) if i <= standup]
    morning = max(readings or _readings(their_day - timedelta(days=1), wall, user_zone))
    return min(morning, standup - timedelta(minutes=schedule.prompt_lead_minutes))


def _readings(day: date, at: time, zone: ZoneInfo) -> list[datetime]:
    """Both readings of a wall time (``fold`` 0 and 1): one instant, but two on daylight saving days."""
    first = datetime.combine(day, at, tzinfo=zone)
    return [first.astimezone(UTC), first.replace(fold=1).astimezone(UTC)]


_MAX_PROMPT_AHEAD = timedelta(hours=26)
"""A prompt comes at most a day (and a daylight saving hour) before its standup; a margin over that."""


def prompt_fires(
    schedule: StandupSchedule,
    user_zone: ZoneInfo,
    start: datetime,
    end: datetime,
    absences: Sequence[Absence] = (),
) -> list[Fire]:
    """Return when one person is asked for their standup note, in ``(start, end]``.

    One prompt per project standup, at :func:`prompt_instant` (the person's own morning, unless
    that is after the standup; then lead minutes before it), for the project's standup of local
    date ``day``. Nobody is asked for a day that isn't a standup day (off, skipped, a holiday, not
    a standup weekday) or a day they are away.

    Returns:
        The fires, oldest first; ``day`` is the project's local date of the standup the prompt is for.
    """
    if not schedule.enabled or schedule.prompt_lead_minutes <= 0 or end <= start:
        return []
    fires = []
    lead, zone = timedelta(minutes=schedule.prompt_lead_minutes), schedule.zone
    # the standups whose prompt may fall in the window lie in (start + lead, end + 26 h]
    for day in _local_dates(zone, start + lead - timedelta(days=1), end + _MAX_PROMPT_AHEAD, margin=0):
        if not is_standup_day(schedule, day) or away_on(absences, day):
            continue
        standup = local_instant(day, schedule.at, zone)
        if standup - lead <= start or standup - _MAX_PROMPT_AHEAD > end:
            continue  # its prompt is outside the window (cheap test first: the clock's windows are a minute)
        instant = _prompt_at(schedule, user_zone, standup)
        if start < instant <= end:
            fires.append(Fire(at=instant, day=day))
    return sorted(fires)


def next_standup(schedule: StandupSchedule, now: datetime) -> Fire | None:
    """Return the project's next standup after ``now``, or None when off or none within a year."""
    if not schedule.enabled:
        return None
    start = now
    for _ in range(MAX_SEARCH_DAYS // 50):
        end = start + timedelta(days=50)
        fires = standup_fires(schedule, start, end)
        if fires:
            return fires[0]
        start = end
    return None


def in_words(delta: timedelta) -> str:
    """Return a duration as people say it: ``in 3 h``, ``in 25 min``, ``in 2 days``."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 48 * 60:
        return f"in {round(minutes / 60)} h"
    return f"in {round(minutes / 1440)} days"


def describe_days(days: Sequence[int]) -> str:
    """Return weekdays in words: ``weekdays``, ``daily``, ``Mon–Thu``, ``Mon, Wed, Fri``."""
    days = sorted(set(days))
    if days == list(range(7)):
        return "daily"
    if days == list(range(5)):
        return "weekdays"
    names = [WEEKDAYS[d].title() for d in days]
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)


def describe_schedule(schedule: StandupSchedule) -> str:
    """Return the schedule in words: ``Weekdays at 09:30 Europe/Berlin`` (``(off)`` when off)."""
    days = describe_days(schedule.days)
    text = f"{days[:1].upper()}{days[1:]} at {schedule.at:%H:%M} {schedule.timezone}"
    return text if schedule.enabled else f"{text} (off)"


def fire_label(fire_at: datetime, zone: ZoneInfo) -> str:
    """Return an instant as ``Mon 23 Nov 09:30`` in ``zone``."""
    local = fire_at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def day_label(day: date) -> str:
    """Return a date as ``Mon 23 Nov``."""
    return f"{day:%a} {day.day} {day:%b}"


# -- absences ---------------------------------------------------------------------------------
class Absence(BaseModel):
    """A stretch of days someone is away (out of office), both ends inclusive, their local dates."""

    start: date
    end: date


def away_on(absences: Sequence[Absence], day: date) -> bool:
    """True when ``day`` falls in one of the absences."""
    return any(a.start <= day <= a.end for a in absences)


def away_until(absences: Sequence[Absence], day: date) -> date | None:
    """Return the last day of the absence covering ``day`` (joining back-to-back ones), or None."""
    if not away_on(absences, day):
        return None
    last = day
    for absence in sorted(absences, key=lambda a: a.start):
        if absence.start <= last + timedelta(days=1) and absence.end > last:
            last = absence.end
    return last


def merge_absences(absences: Iterable[Absence], today: date) -> list[Absence]:
    """Return absences sorted, overlapping ones joined, those over before ``today`` dropped."""
    merged: list[Absence] = []
    for absence in sorted(absences, key=lambda a: (a.start, a.end)):
        if absence.end < today:
            continue
        if merged and absence.start <= merged[-1].end + timedelta(days=1):
            merged[-1] = Absence(start=merged[-1].start, end=max(merged[-1].end, absence.end))
        else:
            merged.append(absence)
    return merged


# -- parsing ----------------------------------------------------------------------------------
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_DAY_WORDS = {
    "daily": list(range(7)),
    "everyday": list(range(7)),
    "every-day": list(range(7)),
    "weekdays": list(range(5)),
    "workdays": list(range(5)),
    "weekends": [5, 6],
}


def parse_time(word: str) -> time:
    """Return a wall-clock time from ``09:30``, ``9:30am``, ``9am``, ``17:00`` or ``5pm``.

    Raises:
        UserError: anything else (a bare ``9`` too: say ``09:00`` or ``9am``).
    """
    match = _TIME_RE.match(word.strip())
    if match:
        hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
        if meridiem and 1 <= hour <= 12 and minute < 60:
            hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
            return time(hour, minute)
        if not meridiem and match.group(2) and hour < 24 and minute < 60:
            return time(hour, minute)
    raise UserError(f"`{escape(word)}` isn't a time. Use `09:30` or `9:30am`, e.g. `{SCHEDULE_USAGE}`.")


def parse_days(word: str) -> list[int]:
    """Return weekdays (``0`` = Monday) from ``mon-fri``, ``mon,wed,fri``, ``daily``, ``weekdays``.

    Ranges may wrap (``fri-mon``).

    Raises:
        UserError: a word that isn't a day, e.g. ``funday``.
    """
    lowered = word.strip().lower()
    if lowered in _DAY_WORDS:
        return list(_DAY_WORDS[lowered])
    days: set[int] = set()
    for part in filter(None, lowered.split(",")):
        first, _, last = part.partition("-")
        if first not in _DAY_NAMES or (last and last not in _DAY_NAMES):
            raise UserError(
                f"`{escape(word)}` isn't a set of days. Use `mon-fri`, `mon,wed,fri`, `daily` or `weekdays`, "
                f"e.g. `{SCHEDULE_USAGE}`."
            )
        a = _DAY_NAMES[first]
        b = _DAY_NAMES[last] if last else a
        days.update((a + i) % 7 for i in range(((b - a) % 7) + 1))
    if not days:
        raise UserError(f"Which days? e.g. `{SCHEDULE_USAGE}`.")
    return sorted(days)


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_zone(word: str) -> str:
    """Return the IANA name of a timezone, any case (``europe/berlin`` → ``Europe/Berlin``).

    Raises:
        UserError: not an IANA timezone name.
    """
    name = _zones_by_lower_name().get(word.strip().lower())
    if name is None:
        raise UserError(
            f"`{escape(word)}` isn't a timezone I know. Use an IANA name like `Europe/Berlin`, "
            f"`America/New_York` or `UTC`, e.g. `{SCHEDULE_USAGE}`."
        )
    return name


@dataclass(frozen=True)
class ScheduleChange:
    """What ``/standup schedule`` asked for; None keeps the current value."""

    at: time
    timezone: str | None = None
    days: list[int] | None = None

    def apply(self, schedule: StandupSchedule) -> StandupSchedule:
        """Return ``schedule`` with this change (turned on, version unchanged: the store bumps it)."""
        update: dict = {"at": self.at, "enabled": True}
        if self.timezone:
            update["timezone"] = self.timezone
        if self.days is not None:
            update["days"] = self.days
        return StandupSchedule.model_validate({**schedule.model_dump(), **update})


def parse_schedule(text: str) -> ScheduleChange:
    """Parse ``09:30 Europe/Berlin mon-fri`` (any order; timezone and days optional).

    Raises:
        UserError: no time, or a word that is neither a time, days nor a timezone; the message
            gives an example.
    """
    at = zone = days = None
    for word in re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", text, flags=re.IGNORECASE).split():
        if _TIME_RE.match(word):
            at = parse_time(word)
        elif "/" in word or word.lower() in _zones_by_lower_name():
            zone = parse_zone(word)
        else:
            days = parse_days(word)
    if at is None:
        raise UserError(f"Give the standup's time: `{SCHEDULE_USAGE}`.")
    return ScheduleChange(at=at, timezone=zone, days=days)


def parse_day(word: str, usage: str) -> date:
    """Return a date from ``YYYY-MM-DD``.

    Raises:
        UserError: another format or an impossible date; the message shows ``usage``.
    """
    try:
        return date.fromisoformat(word.strip())
    except ValueError:
        raise UserError(f"`{escape(word)}` isn't a date. Use YYYY-MM-DD, e.g. `{usage}`.") from None


def parse_absence(text: str) -> Absence:
    """Parse ``2026-12-20..2026-12-31`` (also ``2026-12-20 2026-12-31`` or one date).

    Raises:
        UserError: a bad date, an end before the start, or longer than :data:`MAX_ABSENCE_DAYS`.
    """
    parts = [p for p in re.split(r"\s*(?:\.\.|–|—|\s+to\s+|\s)\s*", text.strip()) if p]
    if not parts or len(parts) > 2:
        raise UserError(f"Give the dates you're away: `{OOO_USAGE}` (or one date).")
    start = parse_day(parts[0], OOO_USAGE)
    end = parse_day(parts[1], OOO_USAGE) if len(parts) == 2 else start
    if end < start:
        raise UserError(f"The end comes before the start. Try `{OOO_USAGE}`.")
    if (end - start).days >= MAX_ABSENCE_DAYS:
        raise UserError(f"An absence is at most {MAX_ABSENCE_DAYS} days; split it up.")
    return Absence(start=start, end=end)


_LABEL = r"(yesterday|today|blockers?|blocked|blocking)"
_LABEL_RE = re.compile(rf"^\s*\*?{_LABEL}(?![\w'’])\*?\s*(?:[:—–]|-(?=\s))?\*?\s*", re.IGNORECASE)
"""A part's label, loosely: ``yesterday shipped``, ``Today: tests``, ``*Blockers:* none``; not ``today's``."""

_STRICT_LABEL_RE = re.compile(rf"^\s*\*?{_LABEL}\*?\s*(?:(?:[:—–]|-(?=\s))\*?\s*|$)", re.IGNORECASE)
"""A part's label, strictly: followed by ``:`` (or a dash), or alone on its line."""


def parse_note(text: str, *, strict: bool = False) -> dict[str, str]:
    """Parse ``yesterday … | today … | blockers …`` (any order, each part optional, at least one).

    Parts are separated by ``|`` or start on a new line; a line without a label continues the
    part above it. A label is a whole word (``yesterday's standup…`` has none).

    Args:
        text: what the person wrote.
        strict: for free text that may not be a note at all (a reply in a prompt DM's thread):
            unless the text separates its parts with ``|`` (the format the prompt shows), a label
            counts only when ``:`` (or a dash) follows it or it stands alone on its line, so
            ``yesterday the demo went well, thanks`` is a message, not a note.

    Returns:
        ``{"yesterday": …, "today": …, "blockers": …}`` with only the parts given (stripped).

    Raises:
        UserError: no labelled part, a part without a label, or a part longer than
            :data:`MAX_NOTE_PART`.
    """
    label_re = _STRICT_LABEL_RE if strict and "|" not in text else _LABEL_RE
    parts: dict[str, list[str]] = {}
    for segment in text.split("|"):
        current: str | None = None
        for line in segment.split("\n"):
            match = label_re.match(line)
            if match:
                label = match.group(1).lower()
                current = "blockers" if label.startswith("block") else label
                parts[current] = [line[match.end() :]]
            elif line.strip():
                if current is None:
                    raise UserError(
                        "Start each part with *yesterday*, *today* or *blockers*, separated by `|`: "
                        f"`{NOTE_USAGE}`."
                    )
                parts[current].append(line)
    result = {name: "\n".join(lines).strip() for name, lines in parts.items()}
    result = {name: value for name, value in result.items() if value}
    if not result:
        raise UserError(f"Say what you did, will do, or what blocks you: `{NOTE_USAGE}`.")
    for name, value in result.items():
        if len(value) > MAX_NOTE_PART:
            raise UserError(f"Your *{name}* is {len(value):,} characters; at most {MAX_NOTE_PART:,}.")
    return result


# -- the standup ------------------------------------------------------------------------------
class StandupNote(BaseModel):
    """One person's answers for one standup (Geekbot's three questions).

    Attributes:
        user_id: the Slack user (``U…``).
        date: the project's local date of the standup it is for (:func:`note_day`).
        yesterday, today, blockers: their answers, as typed (escaped when shown); empty = not said.
        updated_at: when last changed (UTC).
    """

    user_id: str
    date: date
    yesterday: str = Field(default="", max_length=MAX_NOTE_PART)
    today: str = Field(default="", max_length=MAX_NOTE_PART)
    blockers: str = Field(default="", max_length=MAX_NOTE_PART)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def empty(self) -> bool:
        """True when none of the three is answered."""
        return not (self.yesterday or self.today or self.blockers)


def note_day(schedule: StandupSchedule, now: datetime) -> date:
    """Return the standup a note written at ``now`` is for: the project's next one, by its local date.

    A note is for the project's *next* standup (:func:`next_standup`), whatever the writer's own
    timezone: written on Monday at 20:00 in Los Angeles for a Berlin project (Tuesday 05:00 there),
    it is Tuesday's; written after today's standup, it is the next one's. Only a reply to a prompt
    (its button or its DM thread) can still add to a standup already posted: the prompt names its
    date. With standups off (or none within a year) it is the project's local today.

    Args:
        schedule: the project's schedule (also its timezone).
        now: when the note is written (aware).

    Returns:
        The project's local date the note is filed under.
    """
    upcoming = next_standup(schedule, now)
    return upcoming.day if upcoming is not None else schedule.local_today(now)


def carry_notes(notes_by_day: dict[date, dict[str, StandupNote]]) -> dict[str, StandupNote]:
    """Merge the notes of a standup's date with those written for standups that didn't happen (pure).

    A note is filed under the standup it is for (:func:`note_day`); when that standup is then
    skipped (``/standup skip``, a holiday, standups off) the note carries to the next one. Per
    person, the answers of later dates replace those of earlier ones, answer by answer; an answer
    given only for a skipped date is kept.

    Args:
        notes_by_day: date → user id → note, for the standup's date and the dates since the last
            standup posted (every one of them skipped).

    Returns:
        user id → the merged note; its ``date`` is the earliest date it takes an answer from, so
        a note older than the standup shows where it comes from.
    """
    merged: dict[str, StandupNote] = {}
    for day in sorted(notes_by_day):
        for user, note in notes_by_day[day].items():
            given = {part: getattr(note, part) for part in NOTE_PARTS if getattr(note, part)}
            if not given:
                continue
            earlier = merged.get(user)
            if earlier is None or earlier.empty:
                merged[user] = note
                continue
            kept = [p for p in NOTE_PARTS if getattr(earlier, p) and p not in given]
            merged[user] = earlier.model_copy(
                update={
                    **given,
                    "date": earlier.date if kept else note.date,
                    "updated_at": max(earlier.updated_at, note.updated_at),
                }
            )
    return merged


class StandupGroup(BaseModel):
    """What one assignee (a person, an agent, or nobody) brings to the standup.

    Attributes:
        assignee: who; None for unassigned tasks.
        done: COMPLETED since the last standup, in key order (with a sprint running: its tasks only).
        in_progress, review, blocked: open tasks in those statuses, in key order.
        to_do: ASSIGNED tasks waiting to be started, in key order.
        note: the person's note for the day.
        away_until: the last day of their absence when they are away today.
    """

    assignee: Assignee | None
    done: list[Task] = Field(default_factory=list)
    in_progress: list[Task] = Field(default_factory=list)
    review: list[Task] = Field(default_factory=list)
    blocked: list[Task] = Field(default_factory=list)
    to_do: list[Task] = Field(default_factory=list)
    note: StandupNote | None = None
    away_until: date | None = None

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to say about this assignee."""
        return (
            not (self.done or self.in_progress or self.review or self.blocked or self.to_do or self.note)
            and self.away_until is None
        )


class SprintLine(BaseModel):
    """The active sprint at the top of a standup: name, where it stands (day X of N), progress.

    Attributes:
        reading: :func:`maestro.sprints.sprint_day` on the standup's date, or on the project's
            date now when the standup is posted ahead of its date: what ``/report status`` shows.
        progress: the sprint's tasks by status.
    """

    name: str
    reading: SprintDay
    progress: Progress

    @property
    def day(self) -> int:
        """Which day of the sprint it is (1-based)."""
        return self.reading.day

    @property
    def days(self) -> int:
        """The sprint's length in days."""
        return self.reading.days


class Standup(BaseModel):
    """A standup, computed (render it with :func:`maestro.standup_cards.build_standup_messages`).

    Attributes:
        day: the project's local date of the standup.
        timezone: the project's timezone.
        now: when it was computed (UTC).
        since: done tasks are those completed after this instant.
        first: True when there was no standup before (``since`` is 24 h back).
        groups: people first (in user id order), then agents (roster order), then unassigned.
        escalations: open escalations, oldest first.
        risks: new risks since the last standup and every open RED risk, RED first.
        missing: participants with no note who are not away (user ids, sorted).
        away: participants away today: user id → the last day of their absence.
        board: progress of the whole board.
    """

    team_id: str
    channel_id: str
    day: date
    timezone: str
    now: datetime
    since: datetime
    first: bool = False
    sprint: SprintLine | None = None
    groups: list[StandupGroup] = Field(default_factory=list)
    escalations: list[EscalationRecord] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    away: dict[str, date] = Field(default_factory=dict)
    board: Progress = Field(default_factory=Progress)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to report: no group with news, no escalation, no risk, no sprint.

        A scheduled standup that is empty is not posted (a channel with a finished or empty board
        gets no daily post); ``/standup`` on request still posts it.
        """
        return (
            all(group.is_empty for group in self.groups)
            and not self.escalations
            and not self.risks
            and self.sprint is None
            and not self.board.total - self.board.completed
        )


def _group_key(assignee: Assignee | None) -> tuple:
    if assignee is None:
        return (2, 0, "")
    if assignee.kind == "user":
        return (0, 0, assignee.id)
    rank = AGENT_ROLES.index(assignee.id) if assignee.id in AGENT_ROLES else len(AGENT_ROLES)
    return (1, rank, assignee.id)


def compute_standup(
    *,
    team_id: str,
    channel_id: str,
    day: date,
    now: datetime,
    timezone: str,
    tasks: Sequence[Task],
    last_standup: datetime | None,
    notes: dict[str, StandupNote] | None = None,
    participants: Iterable[str] = (),
    absences: dict[str, list[Absence]] | None = None,
    escalations: Sequence[EscalationRecord] = (),
    open_risks: Sequence[Risk] = (),
    sprint: Sprint | None = None,
    left: Iterable[str] = (),
) -> Standup:
    """Compute a standup from plain data (pure; linear in the board's size).

    Args:
        team_id: the Slack team.
        channel_id: the project.
        day: the project's local date of the standup.
        now: the instant it is computed (aware).
        timezone: the project's timezone (IANA).
        tasks: the whole board (open and completed), any order.
        last_standup: when the last scheduled standup was posted; None for the first
            (then the last :data:`DEFAULT_FIRST_STANDUP_HOURS` hours count).
        notes: the day's notes by user id.
        participants: people expected to answer (people assigned open tasks are added).
        absences: user id → their absences.
        escalations: the project's open escalations.
        open_risks: the open risks: every RED one is shown, and those opened since the last
            standup.
        sprint: the active sprint, if any. While one runs, "done" lists its tasks only (work
            finished outside it is not the sprint's news). Its day is read on ``day``, or on the
            project's date at ``now`` when that is earlier (``/standup`` posts the next standup
            ahead of its date, as it stands now), as ``/report status`` reads it.
        left: people who left the standup (``/standup leave``): never listed as missing.

    Returns:
        The :class:`Standup`.
    """
    notes = notes or {}
    absences = absences or {}
    since = last_standup or now - timedelta(hours=DEFAULT_FIRST_STANDUP_HOURS)
    groups: dict[tuple, StandupGroup] = {}

    def group(assignee: Assignee | None) -> StandupGroup:
        key = _group_key(assignee)
        if key not in groups:
            groups[key] = StandupGroup(assignee=assignee)
        return groups[key]

    people: set[str] = set(participants)

    def in_scope(task: Task) -> bool:
        return sprint is None or task.sprint == sprint.id

    for task in sorted(tasks, key=lambda t: t.number):
        status = task.status
        if status is TaskStatus.COMPLETED:
            if task.completed_at is not None and task.completed_at > since and in_scope(task):
                group(task.assignee).done.append(task)
            continue
        if task.assignee is not None and task.assignee.kind == "user":
            people.add(task.assignee.id)
        target = group(task.assignee)
        if status is TaskStatus.IN_PROGRESS:
            target.in_progress.append(task)
        elif status is TaskStatus.REVIEW:
            target.review.append(task)
        elif status is TaskStatus.BLOCKED:
            target.blocked.append(task)
        else:
            target.to_do.append(task)
    people.update(u for u, n in notes.items() if not n.empty)
    people -= set(left)
    away: dict[str, date] = {}
    for user in people:
        until = away_until(absences.get(user, []), day)
        if until is not None:
            away[user] = until
    for user, note in notes.items():
        if not note.empty:
            group(Assignee(kind="user", id=user)).note = note
    for user, until in away.items():
        key = _group_key(Assignee(kind="user", id=user))
        if key in groups:
            groups[key].away_until = until
    missing = sorted(u for u in people if u not in away and (u not in notes or notes[u].empty))
    ordered = [groups[k] for k in sorted(groups) if not groups[k].is_empty]
    red = [r for r in open_risks if r.is_open and r.rag is Rag.RED]
    shown: dict[str, Risk] = {r.key: r for r in red}
    for risk in open_risks:
        if risk.is_open and risk.created_at > since:
            shown.setdefault(risk.key, risk)
    risks = sorted(shown.values(), key=lambda r: (r.rag is not Rag.RED, r.number))
    sprint_line = None
    if sprint is not None:
        in_sprint = [t for t in tasks if t.sprint == sprint.id]
        zone = ZoneInfo(timezone)  # a standup posted ahead of its date reads the sprint on today's
        reading = sprint_day(sprint, min(day, now.astimezone(zone).date()), zone)
        sprint_line = SprintLine(name=sprint.name, reading=reading, progress=progress_of(in_sprint))
    return Standup(
        team_id=team_id,
        channel_id=channel_id,
        day=day,
        timezone=timezone,
        now=now,
        since=since,
        first=last_standup is None,
        sprint=sprint_line,
        groups=ordered,
        escalations=list(escalations),
        risks=risks,
        missing=missing,
        away=away,
        board=progress_of(list(tasks)),
    )
