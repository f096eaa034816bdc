"""Standups over Redis: schedules, notes, absences, participants, what was posted, people's timezones.

Keys (``{t}`` = ``maestro:<team_id>``, ``{s}`` = ``{t}:standup:<channel_id>``):

- :func:`~maestro.standup_schedule.schedule_key` → StandupSchedule JSON (changed under WATCH,
  ``version`` + 1);
- ``{s}:notes:<YYYY-MM-DD>`` hash user id → StandupNote JSON (kept :data:`DEFAULT_NOTE_TTL`);
- ``{s}:noted`` sorted set user id → when they last wrote a note (epoch seconds);
- ``{s}:joined`` / ``{s}:left`` sets: ``/standup join`` and ``/standup leave``;
- ``{s}:assignees`` set: people assigned open tasks, a snapshot refreshed by the standup job;
- ``{s}:last`` → JSON ``{"day", "at", "previous"}`` of the last scheduled standup posted;
- ``{s}:ts:<YYYY-MM-DD>`` → ``ts`` of that day's standup (late notes go in its thread);
- ``{t}:standup-ooo:<user>`` → JSON list of absences (a person is away in every project);
- ``{t}:user-tz:<user>`` → the person's Slack ``tz``, or ``-`` when they have none (the project's
  is used), cached :data:`DEFAULT_ZONE_TTL` and refreshed :data:`DEFAULT_ZONE_REFRESH` before it
  expires;
- ``{t}:standup-prompt:<dm channel>:<ts>`` → JSON ``{"channel", "day", "user"}`` of a prompt DM.

Every operation is a constant number of round trips, whatever the number of people or projects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter
from redis import Redis, WatchError

from maestro.keys import TeamScoped, text
from maestro.models import utcnow
from maestro.standup_schedule import StandupSchedule, schedule_key
from maestro.standups import DEFAULT_PARTICIPANT_DAYS, Absence, StandupNote, merge_absences

DEFAULT_NOTE_TTL = 45 * 24 * 3600
"""Seconds a day's notes are kept."""

DEFAULT_ZONE_TTL = 24 * 3600
"""Seconds a person's Slack timezone (or the mark that they have none) is cached."""

DEFAULT_ZONE_REFRESH = 2 * 3600
"""Seconds before a cached timezone expires from which it is looked up again (the old one is kept
until the new one replaces it, so a prompt never falls back to the project's zone meanwhile)."""

NO_ZONE = "-"
"""Cached in place of a timezone when Slack gives a person none (or can't be asked): use the project's."""

DEFAULT_ASSIGNEES_TTL = 2 * 24 * 3600
"""Seconds the snapshot of a project's assignees lives before the clock asks for a fresh one."""

DEFAULT_STANDUP_TS_TTL = 7 * 24 * 3600
"""Seconds the ``ts`` of a posted standup is kept (late notes go in its thread)."""

DEFAULT_PROMPT_TTL = 3 * 24 * 3600
"""Seconds a prompt DM is remembered (a reply in its thread is read as a note)."""

_ABSENCES = TypeAdapter(list[Absence])


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass
class ProjectView:
    """What the clock needs of one project at a tick.

    Attributes:
        participants: user ids expected at the standup (assignees ∪ note writers ∪ joined − left).
        zones: user id → their Slack timezone, None when unknown (the project's is used).
        absences: user id → their absences.
        has_assignees: False when the assignee snapshot expired (the clock asks for a fresh one).
        stale_zones: participants whose timezone isn't cached or expires within
            :data:`DEFAULT_ZONE_REFRESH` (the clock asks for a refresh).
        error: why the project's records could not be read (a corrupt schedule or absence);
            the clock logs it and skips the project. None when it could.
    """

    team_id: str
    channel_id: str
    schedule: StandupSchedule
    participants: set[str] = field(default_factory=set)
    zones: dict[str, ZoneInfo | None] = field(default_factory=dict)
    absences: dict[str, list[Absence]] = field(default_factory=dict)
    has_assignees: bool = True
    stale_zones: set[str] = field(default_factory=set)
    error: Exception | None = None


class StandupStore(TeamScoped):
    """Standup records of one Slack team.

    Args:
        redis: a client (``decode_responses`` either way).
        team_id: the Slack team id every key is prefixed with.
    """

    # -- keys ---------------------------------------------------------------------------------
    def _s(self, channel_id: str) -> str:
        return f"{self._t}:standup:{channel_id}"

    def _notes(self, channel_id: str, day: date) -> str:
        return f"{self._s(channel_id)}:notes:{day.isoformat()}"

    def _ooo(self, user_id: str) -> str:
        return f"{self._t}:standup-ooo:{user_id}"

    def _tz(self, user_id: str) -> str:
        return f"{self._t}:user-tz:{user_id}"

    # -- schedule -----------------------------------------------------------------------------
    def schedule(self, channel_id: str) -> StandupSchedule:
        """Return the project's schedule (the default one when none was set)."""
        raw = self.redis.get(schedule_key(self.team_id, channel_id))
        return StandupSchedule.model_validate_json(raw) if raw else StandupSchedule()

    def update_schedule(
        self, channel_id: str, change: Callable[[StandupSchedule], StandupSchedule]
    ) -> StandupSchedule:
        """Apply ``change`` to the project's schedule atomically (WATCH), ``version`` + 1.

        Args:
            channel_id: the project.
            change: returns the new schedule from the current one (pure; may raise UserError,
                and then nothing is written).

        Returns:
            The schedule as saved.
        """
        key = schedule_key(self.team_id, channel_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    current = StandupSchedule.model_validate_json(raw) if raw else StandupSchedule()
                    updated = change(current).model_copy(update={"version": current.version + 1})
                    updated = StandupSchedule.model_validate(updated.model_dump())
                    pipe.multi()
                    pipe.set(key, updated.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue

    # -- notes --------------------------------------------------------------------------------
    def save_note(
        self, channel_id: str, user_id: str, day: date, parts: dict[str, str], *, now: datetime | None = None
    ) -> StandupNote:
        """Save a person's answers for ``day``, keeping the parts they didn't give this time.

        Args:
            channel_id: the project.
            user_id: who wrote it.
            day: the standup's local date (their local today).
            parts: some of ``yesterday``, ``today``, ``blockers`` (see :func:`maestro.standups.parse_note`).
            now: when (aware); the current time when None.

        Returns:
            The note as saved.
        """
        now = now or utcnow()
        key = self._notes(channel_id, day)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.hget(key, user_id)
                    note = (
                        StandupNote.model_validate_json(raw)
                        if raw
                        else StandupNote(user_id=user_id, date=day, updated_at=now)
                    )
                    note = StandupNote.model_validate({**note.model_dump(), **parts, "updated_at": now})
                    pipe.multi()
                    pipe.hset(key, user_id, note.model_dump_json())
                    pipe.expire(key, DEFAULT_NOTE_TTL)
                    pipe.zadd(f"{self._s(channel_id)}:noted", {user_id: now.timestamp()})
                    pipe.execute()
                    return note
                except WatchError:
                    continue

    def note(self, channel_id: str, user_id: str, day: date) -> StandupNote | None:
        """Return a person's note for ``day``, or None."""
        raw = self.redis.hget(self._notes(channel_id, day), user_id)
        return StandupNote.model_validate_json(raw) if raw else None

    def notes(self, channel_id: str, day: date) -> dict[str, StandupNote]:
        """Return every note of ``day`` by user id."""
        raws = self.redis.hgetall(self._notes(channel_id, day))
        return {text(user): StandupNote.model_validate_json(raw) for user, raw in raws.items()}

    def notes_between(self, channel_id: str, first: date, last: date) -> dict[date, dict[str, StandupNote]]:
        """Return the notes of every date from ``first`` to ``last`` (inclusive), one pipeline.

        Returns:
            date → user id → note; dates without notes are left out.
        """
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        if not days:
            return {}
        with self.redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hgetall(self._notes(channel_id, day))
            answers = pipe.execute()
        return {
            day: {text(user): StandupNote.model_validate_json(raw) for user, raw in raws.items()}
            for day, raws in zip(days, answers, strict=True)
            if raws
        }

    # -- absences -----------------------------------------------------------------------------
    def add_absence(self, user_id: str, absence: Absence, *, today: date) -> list[Absence]:
        """Add an absence (joined with overlapping ones; past ones dropped); return them all."""
        key = self._ooo(user_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    current = _ABSENCES.validate_json(raw) if raw else []
                    merged = merge_absences([*current, absence], today)
                    pipe.multi()
                    pipe.set(key, _ABSENCES.dump_json(merged))
                    pipe.execute()
                    return merged
                except WatchError:
                    continue

    def clear_absences(self, user_id: str) -> bool:
        """Forget a person's absences; False when there were none."""
        return bool(self.redis.delete(self._ooo(user_id)))

    def absences(self, user_ids: Iterable[str]) -> dict[str, list[Absence]]:
        """Return the absences of these people (one MGET); people without any are left out."""
        users = sorted(set(user_ids))
        if not users:
            return {}
        raws = self.redis.mget([self._ooo(u) for u in users])
        return {u: _ABSENCES.validate_json(raw) for u, raw in zip(users, raws, strict=True) if raw}

    # -- participants -------------------------------------------------------------------------
    def join(self, channel_id: str, user_id: str) -> None:
        """Take part in the project's standup (``/standup join``)."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(f"{self._s(channel_id)}:joined", user_id)
            pipe.srem(f"{self._s(channel_id)}:left", user_id)
            pipe.execute()

    def leave(self, channel_id: str, user_id: str) -> None:
        """Stop taking part (``/standup leave``): no prompts, not listed as missing."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.srem(f"{self._s(channel_id)}:joined", user_id)
            pipe.sadd(f"{self._s(channel_id)}:left", user_id)
            pipe.execute()

    def set_assignees(self, channel_id: str, user_ids: Iterable[str]) -> None:
        """Replace the snapshot of people assigned open tasks (one MULTI/EXEC)."""
        key = f"{self._s(channel_id)}:assignees"
        users = sorted(set(user_ids))
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.sadd(key, "-", *users)  # "-" marks a snapshot that exists but may name nobody
            pipe.expire(key, DEFAULT_ASSIGNEES_TTL)
            pipe.execute()

    def _queue_participants(self, pipe, channel_id: str, now: datetime) -> None:
        s = self._s(channel_id)
        since = (now - timedelta(days=DEFAULT_PARTICIPANT_DAYS)).timestamp()
        pipe.smembers(f"{s}:joined")
        pipe.smembers(f"{s}:left")
        pipe.smembers(f"{s}:assignees")
        pipe.zrangebyscore(f"{s}:noted", since, "+inf")

    @staticmethod
    def _participants(joined, left, assignees, noted) -> tuple[set[str], bool]:
        everyone = {text(u) for u in (*joined, *assignees, *noted)} - {"-"}
        return everyone - {text(u) for u in left}, bool(assignees)

    def participants(self, channel_id: str, *, now: datetime) -> set[str]:
        """Return who is expected at the standup: assignees ∪ recent note writers ∪ joined − left."""
        with self.redis.pipeline(transaction=False) as pipe:
            self._queue_participants(pipe, channel_id, now)
            people, _ = self._participants(*pipe.execute())
        return people

    def left(self, channel_id: str) -> set[str]:
        """Return who left the project's standup."""
        return {text(u) for u in self.redis.smembers(f"{self._s(channel_id)}:left")}

    # -- what was posted ----------------------------------------------------------------------
    def record_standup(self, channel_id: str, day: date, ts: str, at: datetime) -> None:
        """Record the scheduled standup of ``day`` as posted (message ``ts``, at ``at``).

        Idempotent: recording the same day again keeps the first record, so "done since the last
        standup" of a re-run still means the one before.
        """
        last_key, ts_key = f"{self._s(channel_id)}:last", f"{self._s(channel_id)}:ts:{day.isoformat()}"
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(last_key)
                    raw = pipe.get(last_key)
                    last = json.loads(raw) if raw else None
                    pipe.multi()
                    pipe.set(ts_key, ts, ex=DEFAULT_STANDUP_TS_TTL)
                    if last is None or date.fromisoformat(last["day"]) < day:
                        record = {
                            "day": day.isoformat(),
                            "at": at.isoformat(),
                            "previous": last and last["at"],
                        }
                        pipe.set(last_key, json.dumps(record))
                    pipe.execute()
                    return
                except WatchError:
                    continue

    def last_standup_before(self, channel_id: str, day: date) -> datetime | None:
        """Return when the last scheduled standup before ``day`` was posted, or None."""
        raw = self.redis.get(f"{self._s(channel_id)}:last")
        if not raw:
            return None
        last = json.loads(raw)
        value = last["at"] if date.fromisoformat(last["day"]) < day else last.get("previous")
        return datetime.fromisoformat(value) if value else None

    def standup_ts(self, channel_id: str, day: date) -> str | None:
        """Return the ``ts`` of the scheduled standup of ``day`` once posted, else None."""
        return text(self.redis.get(f"{self._s(channel_id)}:ts:{day.isoformat()}"))

    # -- prompts ------------------------------------------------------------------------------
    def record_prompt(self, dm_channel: str, ts: str, *, channel_id: str, day: date, user_id: str) -> None:
        """Remember a prompt DM, so a reply in its thread is read as that day's note."""
        value = json.dumps({"channel": channel_id, "day": day.isoformat(), "user": user_id})
        self.redis.set(f"{self._t}:standup-prompt:{dm_channel}:{ts}", value, ex=DEFAULT_PROMPT_TTL)

    def prompt_for(self, dm_channel: str, thread_ts: str) -> tuple[str, date, str] | None:
        """Return ``(channel_id, day, user_id)`` of the prompt whose thread this is, or None."""
        raw = self.redis.get(f"{self._t}:standup-prompt:{dm_channel}:{thread_ts}")
        if not raw:
            return None
        value = json.loads(raw)
        return value["channel"], date.fromisoformat(value["day"]), value["user"]

    # -- people's timezones -------------------------------------------------------------------
    def zones(self, user_ids: Iterable[str]) -> dict[str, ZoneInfo | None]:
        """Return each person's cached Slack timezone (None when not cached or they have none), one MGET."""
        users = sorted(set(user_ids))
        raws = self.redis.mget([self._tz(u) for u in users]) if users else []
        return {u: _zone(text(raw)) for u, raw in zip(users, raws, strict=True)}

    def stale_zones(self, user_ids: Iterable[str]) -> list[str]:
        """Return who needs a timezone lookup: not cached, or expiring within :data:`DEFAULT_ZONE_REFRESH`.

        One pipeline of ``TTL``; sorted user ids.
        """
        users = sorted(set(user_ids))
        if not users:
            return []
        with self.redis.pipeline(transaction=False) as pipe:
            for user in users:
                pipe.ttl(self._tz(user))
            ttls = pipe.execute()
        return [u for u, ttl in zip(users, ttls, strict=True) if _zone_stale(ttl)]

    def set_zone(self, user_id: str, tz: str | None) -> None:
        """Cache a person's Slack timezone for :data:`DEFAULT_ZONE_TTL`.

        None or a name that isn't an IANA timezone caches :data:`NO_ZONE` (the project's is used),
        so the person isn't looked up again before it expires.
        """
        value = tz if tz and _zone(tz) is not None else NO_ZONE
        self.redis.set(self._tz(user_id), value, ex=DEFAULT_ZONE_TTL)

    def keep_zone(self, user_id: str) -> None:
        """Keep the last known timezone another :data:`DEFAULT_ZONE_TTL` (``users.info`` failed).

        Caches :data:`NO_ZONE` when none was known. One MULTI/EXEC.
        """
        key = self._tz(user_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, NO_ZONE, nx=True, ex=DEFAULT_ZONE_TTL)
            pipe.expire(key, DEFAULT_ZONE_TTL)
            pipe.execute()

    # -- the clock's view ---------------------------------------------------------------------
    @staticmethod
    def project_views(redis: Redis, projects: list[tuple[str, str]], *, now: datetime) -> list[ProjectView]:
        """Return what the clock needs of every project, in two round trips whatever their number.

        A project whose records can't be read (a corrupt schedule, or a participant's corrupt
        absences) gets a view with ``error`` set and the default schedule; the others are unaffected.

        Args:
            redis: the connection.
            projects: ``(team_id, channel_id)`` pairs.
            now: the tick's time (recent note writers count as participants).
        """
        if not projects:
            return []
        with redis.pipeline(transaction=False) as pipe:
            for team_id, channel_id in projects:
                pipe.get(schedule_key(team_id, channel_id))
                StandupStore(redis, team_id)._queue_participants(pipe, channel_id, now)
            answers = pipe.execute()
        views = []
        for index, (team_id, channel_id) in enumerate(projects):
            raw, *sets = answers[index * 5 : index * 5 + 5]
            people, has_assignees = StandupStore._participants(*sets)
            view = ProjectView(team_id, channel_id, StandupSchedule(), people, has_assignees=has_assignees)
            try:
                if raw:
                    view.schedule = StandupSchedule.model_validate_json(raw)
            except ValueError as error:
                view.error = error
            views.append(view)
        pairs = sorted({(v.team_id, u) for v in views for u in v.participants})
        if pairs:
            with redis.pipeline(transaction=False) as pipe:
                for team_id, user in pairs:
                    pipe.get(f"maestro:{team_id}:user-tz:{user}")
                    pipe.ttl(f"maestro:{team_id}:user-tz:{user}")
                    pipe.get(f"maestro:{team_id}:standup-ooo:{user}")
                answers = pipe.execute()
            found = {pair: answers[3 * i : 3 * i + 3] for i, pair in enumerate(pairs)}
            for view in views:
                for user in sorted(view.participants):
                    tz, ttl, ooo = found[(view.team_id, user)]
                    view.zones[user] = _zone(text(tz))
                    if _zone_stale(ttl):
                        view.stale_zones.add(user)
                    try:
                        if ooo:
                            view.absences[user] = _ABSENCES.validate_json(ooo)
                    except ValueError as error:
                        view.error = view.error or error
        return views


def _zone_stale(ttl: int) -> bool:
    """True when a cached zone with ``ttl`` seconds left (-2: missing, -1: no expiry) needs a lookup."""
    return ttl == -2 or 0 <= ttl < DEFAULT_ZONE_REFRESH
