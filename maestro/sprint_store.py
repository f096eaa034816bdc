"""Sprints, milestones and retro answers of a project, over Redis.

A task names its sprint (``Task.sprint`` = the sprint's ``id``) and its milestone
(``Task.milestone`` = the milestone's ``key``); an index set per sprint and per milestone holds
the ids of the tasks that name it, so reading a sprint's tasks costs two round trips (SMEMBERS +
MGET) whatever the board's size. A task's field, its audit event and both indexes change in one
MULTI/EXEC under WATCH of the task's record, so the index always mirrors the tasks.

Key layout (``{t}`` = ``maestro:<team_id>``, ``{p}`` = ``{t}:project:<channel_id>``):

- ``{p}:sprint-seq`` → last sprint number (INCR); ``{p}:sprints`` sorted set of sprint ids by
  number; ``{p}:sprint-current`` → id of the active sprint (absent when none).
- ``{p}:sprint:<id>`` → Sprint JSON; ``{p}:sprint:<id>:tasks`` set of the ids of its tasks.
- ``{p}:sprint:<id>:retro`` hash ``event_id`` → RetroAnswer JSON (HSETNX: one answer per event).
- ``{p}:retro-thread:<ts>`` → id of the sprint whose retro thread starts at message ``ts``.
- ``{p}:milestones`` set of milestone keys; ``{p}:milestone:<key>`` → Milestone JSON;
  ``{p}:milestone:<key>:tasks`` set of the ids of its tasks.
- ``{t}:sprint-source:<source>`` → what a request or job already did here (31 days), so a
  re-run changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from graphlib import CycleError, TopologicalSorter
from typing import Literal

from pydantic import ValidationError
from redis import Redis, WatchError
from redis.client import Pipeline

from maestro.errors import NotFound, UserError
from maestro.keys import TeamScoped, text
from maestro.models import AuditEvent, Task, TaskStatus, utcnow
from maestro.retro import RetroAnswer
from maestro.sprints import (
    DEFAULT_SPRINT_DAYS,
    MAX_SPRINT_DAYS,
    MILESTONE_KEY_RE,
    Milestone,
    Sprint,
    SprintStatus,
    sprint_dates,
)
from maestro.store import DEFAULT_SOURCE_TTL, TaskStore
from maestro.text import escape

MAX_KEYS_PER_CHANGE = 100
"""Most task keys one ``/sprint add``, ``remove`` or ``milestone attach`` takes."""

MAX_SPRINT_NAME = 80
"""Longest sprint name, in characters (the model's limit)."""

MAX_GOAL_LENGTH = 500
"""Longest sprint goal, in characters (the model's limit)."""

MAX_MILESTONES = 200
"""Most milestones a project keeps."""

MAX_GATE_LENGTH = 200
"""Longest milestone gate, in characters."""

DEFAULT_RETRO_THREAD_TTL = 180 * 24 * 3600
"""Seconds a retro thread keeps collecting replies after its sprint closed."""

NO_SPRINT = 'No sprint is running here. Start one: `/sprint start Sprint 1 --days 14 --goal "Checkout"`.'
"""What a person is told when a command needs the active sprint and there is none."""

Carry = Literal["next", "backlog"]
"""Where a closing sprint's unfinished tasks go."""


@dataclass(frozen=True)
class CloseResult:
    """What closing a sprint did.

    Attributes:
        closed: the sprint as closed (``carried`` holds the keys that left it).
        next: the sprint the unfinished tasks moved to, or None when they went to the backlog.
        carried: keys of the unfinished tasks moved out, in key order.
        done: tasks COMPLETED in the sprint at close.
        total: tasks in the sprint at close (done + carried).
        new: False when the same source had already closed it (a job re-run).
    """

    closed: Sprint
    next: Sprint | None
    carried: list[str]
    done: int
    total: int
    new: bool


def milestone_order(key: str) -> tuple[int, ...]:
    """Sort key of a milestone key: ``M1`` < ``M1.2`` < ``M1.10`` < ``M2``."""
    return tuple(int(part) for part in key[1:].split("."))


def _clean_keys(keys: Iterable[str]) -> list[str]:
    """Upper-cased task keys without repeats, in the order given."""
    cleaned = list(dict.fromkeys(k.strip().upper() for k in keys if k.strip()))
    if not cleaned:
        raise UserError("Name the tasks, e.g. `/sprint add T-3 T-4`.")
    if len(cleaned) > MAX_KEYS_PER_CHANGE:
        raise UserError(f"At most {MAX_KEYS_PER_CHANGE} tasks at a time; you named {len(cleaned)}.")
    return cleaned


def _task_list(keys: Sequence[str]) -> str:
    return ", ".join(keys)


class SprintStore(TeamScoped):
    """Sprints, milestones and retro answers of one Slack team.

    Args:
        redis: a client with ``decode_responses=False`` or ``True`` (both work).
        team_id: the Slack team id (``T…``) every key is prefixed with.
    """

    def __init__(self, redis: Redis, team_id: str):
        super().__init__(redis, team_id)
        self.tasks = TaskStore(redis, team_id)

    # -- keys ---------------------------------------------------------------------------------

    def _sprint(self, channel_id: str, sprint_id: str) -> str:
        return f"{self._p(channel_id)}:sprint:{sprint_id}"

    def _sprint_tasks(self, channel_id: str, sprint_id: str) -> str:
        return f"{self._p(channel_id)}:sprint:{sprint_id}:tasks"

    def _current(self, channel_id: str) -> str:
        return f"{self._p(channel_id)}:sprint-current"

    def _seq(self, channel_id: str) -> str:
        return f"{self._p(channel_id)}:sprint-seq"

    def _sprints(self, channel_id: str) -> str:
        return f"{self._p(channel_id)}:sprints"

    def _retro(self, channel_id: str, sprint_id: str) -> str:
        return f"{self._p(channel_id)}:sprint:{sprint_id}:retro"

    def _retro_thread(self, channel_id: str, ts: str) -> str:
        return f"{self._p(channel_id)}:retro-thread:{ts}"

    def _milestones(self, channel_id: str) -> str:
        return f"{self._p(channel_id)}:milestones"

    def _milestone(self, channel_id: str, key: str) -> str:
        return f"{self._p(channel_id)}:milestone:{key}"

    def _milestone_tasks(self, channel_id: str, key: str) -> str:
        return f"{self._p(channel_id)}:milestone:{key}:tasks"

    def _source(self, source: str) -> str:
        return f"{self._t}:sprint-source:{source}"

    # -- reading sprints ----------------------------------------------------------------------
    def get(self, channel_id: str, sprint_id: str) -> Sprint | None:
        """Return the sprint with this id in the channel, or None."""
        raw = self.redis.get(self._sprint(channel_id, sprint_id))
        return Sprint.model_validate_json(raw) if raw else None

    def current(self, channel_id: str) -> Sprint | None:
        """Return the channel's active sprint, or None (two GETs)."""
        sprint_id = text(self.redis.get(self._current(channel_id)))
        return self.get(channel_id, sprint_id) if sprint_id else None

    def list(self, channel_id: str) -> list[Sprint]:
        """Return the channel's sprints, newest first (two round trips)."""
        ids = [text(i) for i in self.redis.zrevrange(self._sprints(channel_id), 0, -1)]
        if not ids:
            return []
        raws = self.redis.mget([self._sprint(channel_id, i) for i in ids if i])
        return [Sprint.model_validate_json(raw) for raw in raws if raw]

    def find(self, channel_id: str, name_or_number: str) -> Sprint:
        """Return the sprint a person named: its name (any case), ``7``, ``#7`` or ``Sprint 7``.

        A name wins over a number; of several sprints with one name, the newest.

        Raises:
            NotFound: no such sprint in the channel; the message says how to list them.
        """
        wanted = " ".join(name_or_number.split())
        sprints = self.list(channel_id)
        for sprint in sprints:
            if sprint.name.casefold() == wanted.casefold():
                return sprint
        match = re.fullmatch(r"(?:sprint\s*)?#?([0-9]{1,6})", wanted, re.IGNORECASE)
        if match:
            for sprint in sprints:
                if sprint.number == int(match.group(1)):
                    return sprint
        raise NotFound(f"There's no sprint “{escape(wanted)}” here. `/sprint list` shows them.")

    def sprint_tasks(self, channel_id: str, sprint_id: str) -> list[Task]:
        """Return the tasks of a sprint, in key order (SMEMBERS + MGET, no board scan).

        After a close, a sprint's tasks are the ones finished in it; ``Sprint.carried`` names the
        ones that left.
        """
        return self._indexed_tasks(
            [self._sprint_tasks(channel_id, sprint_id)], lambda t: t.sprint == sprint_id
        )

    def _indexed_tasks(self, index_keys: Sequence[str], belongs: Callable[[Task], bool]) -> list[Task]:
        """Read the tasks of some index sets: one pipelined SMEMBERS of them all, then one MGET."""
        with self.redis.pipeline(transaction=False) as pipe:
            for index_key in index_keys:
                pipe.smembers(index_key)
            members = pipe.execute()
        ids = sorted({i for group in members for i in (text(m) for m in group) if i})
        if not ids:
            return []
        raws = self.redis.mget([self.tasks.record_key(i) for i in ids])
        tasks = [Task.model_validate_json(raw) for raw in raws if raw]
        return sorted((t for t in tasks if belongs(t)), key=lambda t: t.number)

    # -- starting and closing -----------------------------------------------------------------
    def start(
        self,
        channel_id: str,
        name: str,
        *,
        days: int = DEFAULT_SPRINT_DAYS,
        goal: str = "",
        actor: str,
        today: date,
        source: str | None = None,
    ) -> Sprint:
        """Start the channel's next sprint on ``today`` (the project's date), ``days`` long.

        Args:
            channel_id: the project.
            name: what people call it; empty for ``Sprint <number>``.
            days: its length in days, 1 to :data:`~maestro.sprints.MAX_SPRINT_DAYS`.
            goal: the sprint goal, may be empty.
            actor: who started it (Slack user id).
            today: its first day, in the project's timezone.
            source: the request; a second call with the same source returns the first sprint.

        Returns:
            The new sprint, active, numbered from the channel's counter.

        Raises:
            UserError: a sprint is already active (the message says to ``/sprint close`` it), or
                ``days``, ``name`` or ``goal`` is out of range.
        """
        name, goal = " ".join(name.split()), goal.strip()
        if not 1 <= days <= MAX_SPRINT_DAYS:
            raise UserError(f"A sprint lasts 1 to {MAX_SPRINT_DAYS} days, e.g. `--days 14`.")
        if len(name) > MAX_SPRINT_NAME:
            raise UserError(f"A sprint name is at most {MAX_SPRINT_NAME} characters; yours has {len(name)}.")
        if len(goal) > MAX_GOAL_LENGTH:
            raise UserError(f"A sprint goal is at most {MAX_GOAL_LENGTH} characters; yours has {len(goal)}.")
        self.tasks.ensure_project(channel_id, created_by=actor if actor[:1] in ("U", "W") else None)
        current_key, seq_key = self._current(channel_id), self._seq(channel_id)
        source_key = self._source(source) if source else None
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(current_key, seq_key, *([source_key] if source_key else []))
                    if source_key and (prior := pipe.get(source_key)):
                        sprint = self.get(channel_id, json.loads(prior)["sprint_id"])
                        assert sprint is not None, "a source points at a sprint that does not exist"
                        return sprint
                    running = self._read_sprint(pipe, channel_id, text(pipe.get(current_key)))
                    if running is not None and running.status is SprintStatus.ACTIVE:
                        raise UserError(
                            f"*{escape(running.name)}* is still running (day {running.day_of(today)} of "
                            f"{running.days}). Close it first: `/sprint close`."
                        )
                    number = int(pipe.get(seq_key) or 0) + 1
                    start, end = sprint_dates(today, days)
                    sprint = Sprint(
                        team_id=self.team_id,
                        channel_id=channel_id,
                        number=number,
                        name=name or f"Sprint {number}",
                        goal=goal,
                        start=start,
                        end=end,
                        created_by=actor,
                        version=1,
                    )
                    pipe.multi()
                    self._queue_new_sprint(pipe, sprint)
                    if source_key:
                        pipe.set(source_key, json.dumps({"sprint_id": sprint.id}), ex=DEFAULT_SOURCE_TTL)
                    pipe.execute()
                    return sprint
                except WatchError:
                    continue

    def _queue_new_sprint(self, pipe: Pipeline, sprint: Sprint) -> None:
        pipe.incr(self._seq(sprint.channel_id))
        pipe.set(self._sprint(sprint.channel_id, sprint.id), sprint.model_dump_json())
        pipe.zadd(self._sprints(sprint.channel_id), {sprint.id: sprint.number})
        pipe.set(self._current(sprint.channel_id), sprint.id)

    def _read_sprint(self, pipe: Pipeline, channel_id: str, sprint_id: str | None) -> Sprint | None:
        """Watch a sprint's record, then read it (in a pipeline's immediate mode)."""
        if not sprint_id:
            return None
        pipe.watch(self._sprint(channel_id, sprint_id))
        raw = pipe.get(self._sprint(channel_id, sprint_id))
        return Sprint.model_validate_json(raw) if raw else None

    def close(
        self,
        channel_id: str,
        *,
        carry: Carry,
        actor: str,
        source: str,
        today: date,
        next_name: str | None = None,
        next_days: int | None = None,
        sprint_id: str | None = None,
    ) -> CloseResult:
        """Close the active sprint (or ``sprint_id``); move its unfinished tasks on, atomically.

        Args:
            channel_id: the project.
            carry: ``"next"``: the unfinished (open) tasks move to a new sprint, named
                ``next_name`` or ``Sprint <n>``, starting the day after ``today`` and as long as
                the closed one unless ``next_days`` is given; ``"backlog"``: they leave every sprint.
            actor: who closed it.
            source: the request or job; a second call with the same source returns the first
                result and changes nothing.
            today: the project's date (its timezone).
            next_name: name of the next sprint (``carry="next"`` only).
            next_days: length of the next sprint in days.
            sprint_id: the sprint to close (a button names it); None for the active one.

        Returns:
            What was closed, the next sprint, the carried keys and the done/total counts.

        Raises:
            UserError: no sprint is running, the sprint is already closed, or ``next_name`` /
                ``next_days`` is out of range.
        """
        if carry not in ("next", "backlog"):
            raise ValueError(f"carry is 'next' or 'backlog', not {carry!r}")
        next_name = " ".join((next_name or "").split())
        if len(next_name) > MAX_SPRINT_NAME:
            raise UserError(f"A sprint name is at most {MAX_SPRINT_NAME} characters.")
        if next_days is not None and not 1 <= next_days <= MAX_SPRINT_DAYS:
            raise UserError(f"A sprint lasts 1 to {MAX_SPRINT_DAYS} days, e.g. `--days 14`.")
        source_key, current_key, seq_key = (
            self._source(source),
            self._current(channel_id),
            self._seq(channel_id),
        )
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(source_key, current_key, seq_key)
                    prior = pipe.get(source_key)
                    if prior:
                        return self._prior_close(channel_id, json.loads(prior))
                    current_id = text(pipe.get(current_key))
                    sprint = self._read_sprint(pipe, channel_id, sprint_id or current_id)
                    if sprint is None:
                        if sprint_id:
                            raise NotFound("I can't find that sprint. `/sprint list` shows them.")
                        raise UserError(NO_SPRINT)
                    if sprint.status is SprintStatus.CLOSED:
                        raise UserError(
                            f"*{escape(sprint.name)}* is already closed. `/sprint list` shows them."
                        )
                    index_key = self._sprint_tasks(channel_id, sprint.id)
                    pipe.watch(index_key)
                    tasks = self._watch_task_ids(pipe, [text(i) for i in pipe.smembers(index_key)])
                    tasks = sorted((t for t in tasks if t.sprint == sprint.id), key=lambda t: t.number)
                    unfinished = [t for t in tasks if t.is_open]
                    done = sum(t.status is TaskStatus.COMPLETED for t in tasks)
                    following = None
                    if carry == "next":
                        number = int(pipe.get(seq_key) or 0) + 1
                        start, end = sprint_dates(today + timedelta(days=1), next_days or sprint.days)
                        following = Sprint(
                            team_id=self.team_id,
                            channel_id=channel_id,
                            number=number,
                            name=next_name or f"Sprint {number}",
                            start=start,
                            end=end,
                            created_by=actor,
                            version=1,
                        )
                    carried = [t.key for t in unfinished]
                    closed = sprint.model_copy(
                        update={
                            "status": SprintStatus.CLOSED,
                            "closed_at": utcnow(),
                            "closed_by": actor,
                            "carried_to": following.id if following else "backlog",
                            "carried": carried,
                            "version": sprint.version + 1,
                        }
                    )
                    pipe.multi()
                    pipe.set(self._sprint(channel_id, sprint.id), closed.model_dump_json())
                    if following is not None:
                        self._queue_new_sprint(pipe, following)
                    elif current_id == sprint.id:
                        pipe.delete(current_key)
                    for task in unfinished:
                        self._queue_sprint_move(pipe, task, following, actor=actor, source=source)
                    done_record = {
                        "closed": closed.id,
                        "next": following.id if following else None,
                        "carried": carried,
                        "done": done,
                        "total": len(tasks),
                    }
                    pipe.set(source_key, json.dumps(done_record), ex=DEFAULT_SOURCE_TTL)
                    pipe.execute()
                    return CloseResult(closed, following, carried, done, len(tasks), new=True)
                except WatchError:
                    continue

    def _prior_close(self, channel_id: str, record: dict) -> CloseResult:
        closed = self.get(channel_id, record["closed"])
        assert closed is not None, "a source points at a sprint that does not exist"
        following = self.get(channel_id, record["next"]) if record["next"] else None
        return CloseResult(closed, following, record["carried"], record["done"], record["total"], new=False)

    # -- moving tasks in and out of sprints ----------------------------------------------------
    def add_tasks(
        self,
        channel_id: str,
        keys: Iterable[str],
        *,
        sprint_id: str | None = None,
        actor: str,
        source: str,
    ) -> list[Task]:
        """Put tasks in a sprint (the active one unless ``sprint_id``), each with an audit event.

        A task already in it is left as is; a task in another active sprint moves. COMPLETED
        tasks may be added: they count as done in the sprint.

        Args:
            channel_id: the project.
            keys: task keys (``T-3``), at most :data:`MAX_KEYS_PER_CHANGE`.
            sprint_id: the sprint; None for the active one.
            actor: who asked.
            source: the request; a second call with the same source changes nothing.

        Returns:
            The named tasks as they are now, in the order given.

        Raises:
            NotFound: keys that are no task of the channel (all named; nothing changes).
            UserError: no sprint is running or it is closed, or a task was finished in a closed
                sprint (it stays there).
        """

        def target(pipe: Pipeline) -> Sprint:
            wanted = sprint_id or text(pipe.get(self._current(channel_id)))
            sprint = self._read_sprint(pipe, channel_id, wanted)
            if sprint is None:
                raise UserError(NO_SPRINT)
            if sprint.status is SprintStatus.CLOSED:
                raise UserError(f"*{escape(sprint.name)}* is closed; add tasks to the running sprint.")
            return sprint

        return self._move_tasks(channel_id, keys, target, actor=actor, source=source)

    def remove_tasks(self, channel_id: str, keys: Iterable[str], *, actor: str, source: str) -> list[Task]:
        """Take tasks out of their sprint, back to the backlog, each with an audit event.

        Tasks already in the backlog are left as is. Idempotent per ``source``.

        Returns:
            The named tasks as they are now, in the order given.

        Raises:
            NotFound: keys that are no task of the channel (all named; nothing changes).
            UserError: a task was finished in a closed sprint (it stays there; nothing changes).
        """
        return self._move_tasks(channel_id, keys, lambda pipe: None, actor=actor, source=source)

    def _move_tasks(
        self,
        channel_id: str,
        keys: Iterable[str],
        target: Callable[[Pipeline], Sprint | None],
        *,
        actor: str,
        source: str,
    ) -> list[Task]:
        keys = _clean_keys(keys)
        source_key = self._source(source)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(source_key, self._current(channel_id))
                    if pipe.get(source_key):
                        return self.tasks.tasks_by_keys(channel_id, keys)
                    sprint = target(pipe)
                    tasks = self._watch_tasks(pipe, channel_id, keys)
                    moving = [t for t in tasks if t.sprint != (sprint.id if sprint else None)]
                    self._refuse_closed(pipe, channel_id, moving)
                    pipe.multi()
                    moved = {
                        t.id: self._queue_sprint_move(pipe, t, sprint, actor=actor, source=source)
                        for t in moving
                    }
                    pipe.set(source_key, json.dumps({"keys": [t.key for t in moving]}), ex=DEFAULT_SOURCE_TTL)
                    pipe.execute()
                    return [moved.get(t.id, t) for t in tasks]
                except WatchError:
                    continue

    def _refuse_closed(self, pipe: Pipeline, channel_id: str, moving: list[Task]) -> None:
        """Refuse to move a task out of a closed sprint: it was finished there (history stays).

        Watches the sprints' records before reading them (in the caller's transaction attempt).
        """
        old_ids = sorted({t.sprint for t in moving if t.sprint})
        if not old_ids:
            return
        records = [self._sprint(channel_id, i) for i in old_ids]
        pipe.watch(*records)  # a close committing from now on fails this EXEC; the retry sees it
        raws = pipe.mget(records)
        closed = {s.id: s for s in (Sprint.model_validate_json(r) for r in raws if r)}
        closed = {i: s for i, s in closed.items() if s.status is SprintStatus.CLOSED}
        stuck = [t for t in moving if t.sprint in closed]
        if stuck:
            where = closed[stuck[0].sprint or ""]
            one = len(stuck) == 1
            raise UserError(
                f"{_task_list([t.key for t in stuck])} {'was' if one else 'were'} finished in "
                f"*{escape(where.name)}*, which is closed, so {'it stays' if one else 'they stay'} "
                "there. Nothing was changed."
            )

    def _watch_tasks(self, pipe: Pipeline, channel_id: str, keys: list[str]) -> list[Task]:
        """Watch and read the tasks with these keys, in the order given.

        Raises:
            NotFound: naming every key that is no task of the channel.
        """
        ids = [text(i) for i in pipe.hmget(f"{self._p(channel_id)}:keys", keys)]
        missing = [key for key, task_id in zip(keys, ids, strict=True) if not task_id]
        if missing:
            raise NotFound(
                f"{_task_list(missing)} {'is' if len(missing) == 1 else 'are'} not a task in this channel, "
                "so nothing was changed. `/task list` shows the board."
            )
        return self._watch_task_ids(pipe, [i for i in ids if i])

    def _watch_task_ids(self, pipe: Pipeline, ids: list[str | None]) -> list[Task]:
        records = [self.tasks.record_key(i) for i in ids if i]
        if not records:
            return []
        pipe.watch(*records)
        return [Task.model_validate_json(raw) for raw in pipe.mget(records) if raw]

    def _queue_sprint_move(
        self, pipe: Pipeline, task: Task, sprint: Sprint | None, *, actor: str, source: str
    ) -> Task:
        """Queue (in MULTI) a task's move to ``sprint`` (None: the backlog): record, event, indexes."""
        now = utcnow()
        updated = task.model_copy(
            update={"sprint": sprint.id if sprint else None, "updated_at": now, "version": task.version + 1}
        )
        event = AuditEvent(
            team_id=self.team_id,
            channel_id=task.channel_id,
            task_id=task.id,
            task_key=task.key,
            at=now,
            actor=actor,
            action="sprint",
            source=source,
            detail={
                "sprint": sprint.id if sprint else None,
                "name": sprint.name if sprint else "backlog",
                "from": task.sprint,
            },
        )
        self.tasks.queue_task_change(pipe, updated, event)
        if task.sprint:
            pipe.srem(self._sprint_tasks(task.channel_id, task.sprint), task.id)
        if sprint is not None:
            pipe.sadd(self._sprint_tasks(task.channel_id, sprint.id), task.id)
        return updated

    # -- sprint records written after a close --------------------------------------------------
    def set_retro_thread(self, channel_id: str, sprint_id: str, ts: str) -> Sprint:
        """Record the retro message ``ts`` on the sprint and collect replies in its thread from now on."""
        sprint = self._update(channel_id, sprint_id, retro_ts=ts)
        self.redis.set(self._retro_thread(channel_id, ts), sprint_id, ex=DEFAULT_RETRO_THREAD_TTL)
        return sprint

    def set_report_ts(self, channel_id: str, sprint_id: str, ts: str) -> Sprint:
        """Record the ``ts`` of the sprint report posted at close."""
        return self._update(channel_id, sprint_id, report_ts=ts)

    def _update(self, channel_id: str, sprint_id: str, **fields: str) -> Sprint:
        key = self._sprint(channel_id, sprint_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if not raw:
                        raise NotFound("I can't find that sprint. `/sprint list` shows them.")
                    sprint = Sprint.model_validate_json(raw)
                    if all(getattr(sprint, name) == value for name, value in fields.items()):
                        return sprint
                    updated = sprint.model_copy(update={**fields, "version": sprint.version + 1})
                    pipe.multi()
                    pipe.set(key, updated.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue

    # -- retro answers ------------------------------------------------------------------------
    def retro_sprint_id(self, channel_id: str, thread_ts: str) -> str | None:
        """Return the id of the sprint whose retro thread starts at ``thread_ts``, or None (one GET)."""
        return text(self.redis.get(self._retro_thread(channel_id, thread_ts)))

    def add_retro_answer(self, channel_id: str, sprint_id: str, answer: RetroAnswer) -> bool:
        """Keep a retro answer; False when its ``event_id`` was already kept (a Slack retry)."""
        return bool(
            self.redis.hsetnx(self._retro(channel_id, sprint_id), answer.event_id, answer.model_dump_json())
        )

    def retro_answers(self, channel_id: str, sprint_id: str) -> list[RetroAnswer]:
        """Return a sprint's retro answers, oldest first."""
        raws = self.redis.hvals(self._retro(channel_id, sprint_id))
        answers = [RetroAnswer.model_validate_json(raw) for raw in raws]
        return sorted(answers, key=lambda a: (float(a.ts or 0), a.at))

    # -- milestones ---------------------------------------------------------------------------
    def milestones(self, channel_id: str) -> list[Milestone]:
        """Return the channel's milestones in key order (``M1.2`` before ``M1.10``; two round trips)."""
        keys = [text(k) for k in self.redis.smembers(self._milestones(channel_id))]
        if not keys:
            return []
        raws = self.redis.mget([self._milestone(channel_id, k) for k in keys if k])
        found = [Milestone.model_validate_json(raw) for raw in raws if raw]
        return sorted(found, key=lambda m: milestone_order(m.key))

    def get_milestone(self, channel_id: str, key: str) -> Milestone | None:
        """Return the milestone with this key (``M1.4``, any case), or None."""
        raw = self.redis.get(self._milestone(channel_id, key.strip().upper()))
        return Milestone.model_validate_json(raw) if raw else None

    def add_milestone(
        self,
        channel_id: str,
        key: str,
        title: str,
        *,
        depends_on: Sequence[str] = (),
        gates: Sequence[str] = (),
        due: date | None = None,
        actor: str,
        expect_version: int | None = None,
    ) -> Milestone:
        """Add a milestone (seed 001's ``M1.4 — Gateway``), or redefine the one with this key.

        Redefining keeps the gates already met whose text is unchanged.

        Args:
            channel_id: the project.
            key: ``M1`` or ``M1.4``.
            title: ``Gateway``.
            depends_on: keys of milestones of the channel that must be reached first.
            gates: the criteria that say it is reached, at most 20.
            due: its target date.
            actor: who asked.
            expect_version: the version the caller saw (0: none yet), e.g. when it checked who
                may redefine it; None to write whatever is there.

        Returns:
            The milestone as stored.

        Raises:
            UserError: a bad key or title, a ``depends_on`` key that is no milestone here, a
                dependency cycle (the message shows it), or the milestone changed since the caller
                saw ``expect_version``; nothing changes.
        """
        key = key.strip().upper()
        deps = list(dict.fromkeys(d.strip().upper() for d in depends_on if d.strip()))
        bad = [d for d in [key, *deps] if not MILESTONE_KEY_RE.match(d)]
        if bad:
            raise UserError(f"`{escape(bad[0])}` isn't a milestone key. Keys look like `M1` or `M1.4`.")
        if key in deps:
            raise UserError(f"{key} can't depend on itself.")
        if any(len(g) > MAX_GATE_LENGTH for g in gates):
            raise UserError(f"A gate is at most {MAX_GATE_LENGTH} characters; say it shorter.")
        try:
            candidate = Milestone(
                key=key,
                team_id=self.team_id,
                channel_id=channel_id,
                title=" ".join(title.split()),
                depends_on=deps,
                gates=[" ".join(g.split()) for g in gates if g.strip()],
                due=due,
                created_by=actor,
                version=1,
            )
        except ValidationError as error:
            raise UserError(_milestone_problem(error)) from None
        set_key, record_key = self._milestones(channel_id), self._milestone(channel_id, key)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(set_key)
                    keys = sorted(k for k in (text(m) for m in pipe.smembers(set_key)) if k)
                    records = [self._milestone(channel_id, k) for k in keys]
                    if records:
                        pipe.watch(*records)
                    existing = {
                        m.key: m
                        for m in (
                            Milestone.model_validate_json(r)
                            for r in (pipe.mget(records) if records else [])
                            if r
                        )
                    }
                    unknown = [d for d in deps if d not in existing]
                    if unknown:
                        raise UserError(
                            f"{_task_list(unknown)} {'is' if len(unknown) == 1 else 'are'} not a milestone "
                            "here. "
                            f"Add it first: `/sprint milestone add {unknown[0]} Title`."
                        )
                    if key not in existing and len(existing) >= MAX_MILESTONES:
                        raise UserError(f"A project has at most {MAX_MILESTONES} milestones.")
                    graph = {k: m.depends_on for k, m in existing.items()}
                    graph[key] = deps
                    try:
                        TopologicalSorter(graph).prepare()
                    except CycleError as cycle:
                        loop = " → ".join(reversed(cycle.args[1]))
                        raise UserError(
                            f"That would make a dependency cycle: {loop} (each waits for the next). "
                            "Nothing was changed."
                        ) from None
                    milestone = candidate
                    prior = existing.get(key)
                    if expect_version is not None and (prior.version if prior else 0) != expect_version:
                        raise UserError(
                            f"{key} changed while you were typing. `/sprint milestones` shows it now; "
                            "nothing was changed."
                        )
                    if prior is not None:
                        met = {prior.gates[i] for i in prior.gates_met if i < len(prior.gates)}
                        milestone = candidate.model_copy(
                            update={
                                "gates_met": [i for i, g in enumerate(candidate.gates) if g in met],
                                "created_by": prior.created_by,
                                "created_at": prior.created_at,
                                "version": prior.version + 1,
                            }
                        )
                    pipe.multi()
                    pipe.set(record_key, milestone.model_dump_json())
                    pipe.sadd(set_key, key)
                    pipe.execute()
                    return milestone
                except WatchError:
                    continue

    def set_gate(self, channel_id: str, key: str, index: int, met: bool, *, actor: str) -> Milestone:
        """Mark gate ``index`` (0-based, into ``Milestone.gates``) of a milestone met or not met.

        ``actor`` is who asked (kept for the log line of the caller; the milestone keeps no history).

        Raises:
            NotFound: no such milestone.
            UserError: no such gate (the message counts them from 1, as ``/sprint`` shows them).
        """
        record_key = self._milestone(channel_id, key.strip().upper())
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(record_key)
                    raw = pipe.get(record_key)
                    if not raw:
                        raise NotFound(_no_milestone(key))
                    milestone = Milestone.model_validate_json(raw)
                    if not 0 <= index < len(milestone.gates):
                        count = len(milestone.gates)
                        raise UserError(
                            f"{milestone.key} has no gate {index + 1}; "
                            + (f"its gates are numbered 1 to {count}." if count else "it has no gates yet.")
                        )
                    met_now = set(milestone.gates_met)
                    if (index in met_now) == met:
                        return milestone
                    met_now = met_now | {index} if met else met_now - {index}
                    updated = milestone.model_copy(
                        update={"gates_met": sorted(met_now), "version": milestone.version + 1}
                    )
                    pipe.multi()
                    pipe.set(record_key, updated.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue

    def attach(
        self, channel_id: str, milestone_key: str, task_keys: Iterable[str], *, actor: str, source: str
    ) -> list[Task]:
        """Make tasks count toward a milestone (``Task.milestone`` = its key), each with an audit event.

        A task attached to another milestone moves. Idempotent per ``source``.

        Returns:
            The named tasks as they are now, in the order given.

        Raises:
            NotFound: the milestone, or task keys that are no task of the channel (all named).
        """
        key = milestone_key.strip().upper()
        keys = _clean_keys(task_keys)
        source_key, record_key = self._source(source), self._milestone(channel_id, key)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(source_key, record_key)
                    if pipe.get(source_key):
                        return self.tasks.tasks_by_keys(channel_id, keys)
                    if not pipe.exists(record_key):
                        raise NotFound(_no_milestone(key))
                    tasks = self._watch_tasks(pipe, channel_id, keys)
                    moving = [t for t in tasks if t.milestone != key]
                    now = utcnow()
                    moved: dict[str, Task] = {}
                    pipe.multi()
                    for task in moving:
                        updated = task.model_copy(
                            update={"milestone": key, "updated_at": now, "version": task.version + 1}
                        )
                        event = AuditEvent(
                            team_id=self.team_id,
                            channel_id=channel_id,
                            task_id=task.id,
                            task_key=task.key,
                            at=now,
                            actor=actor,
                            action="milestone",
                            source=source,
                            detail={"milestone": key, "from": task.milestone},
                        )
                        self.tasks.queue_task_change(pipe, updated, event)
                        moved[task.id] = updated
                        if task.milestone:
                            pipe.srem(self._milestone_tasks(channel_id, task.milestone), task.id)
                        pipe.sadd(self._milestone_tasks(channel_id, key), task.id)
                    pipe.set(source_key, json.dumps({"keys": [t.key for t in moving]}), ex=DEFAULT_SOURCE_TTL)
                    pipe.execute()
                    return [moved.get(t.id, t) for t in tasks]
                except WatchError:
                    continue

    def milestone_tasks(self, channel_id: str, key: str) -> list[Task]:
        """Return the tasks attached to a milestone, in key order (SMEMBERS + MGET)."""
        key = key.strip().upper()
        return self._indexed_tasks([self._milestone_tasks(channel_id, key)], lambda t: t.milestone == key)

    def attached_tasks(self, channel_id: str, keys: Iterable[str]) -> list[Task]:
        """Return the tasks attached to any of these milestones, in key order (two round trips).

        Reads the milestones' task indexes (one pipelined SMEMBERS) and only the tasks they name
        (one MGET), never the whole board.
        """
        wanted = {k.strip().upper() for k in keys}
        if not wanted:
            return []
        return self._indexed_tasks(
            [self._milestone_tasks(channel_id, k) for k in sorted(wanted)], lambda t: t.milestone in wanted
        )


def _no_milestone(key: str) -> str:
    return (
        f"There's no milestone {escape(key.strip().upper())} here. `/sprint milestones` lists them; "
        "add one with `/sprint milestone add M1.4 Gateway`."
    )


def _milestone_problem(error: ValidationError) -> str:
    where = error.errors()[0]["loc"][0] if error.errors() and error.errors()[0]["loc"] else ""
    if where == "title":
        return "Give the milestone a title of 1 to 120 characters: `/sprint milestone add M1.4 Gateway`."
    if where == "gates":
        return "A milestone has at most 20 gates."
    return "That milestone isn't valid. Try `/sprint milestone add M1.4 Gateway --after M1.3`."


def sprint_name(redis: Redis, team_id: str, task: Task) -> str | None:
    """Return the name of ``task``'s sprint (one GET); None in the backlog or when the sprint is gone."""
    if not task.sprint:
        return None
    sprint = SprintStore(redis, team_id).get(task.channel_id, task.sprint)
    return sprint.name if sprint else None
