"""The board's repository over Redis.

Every key starts with ``maestro:<team_id>:`` so one deployment can serve many workspaces. Records
are pydantic models stored as JSON. Changes that belong together (a task and its audit event, the
idempotency marker of the request that caused them) are written in one MULTI/EXEC under WATCH.

Key layout (``{t}`` = ``maestro:<team_id>``, ``{p}`` = ``{t}:project:<channel_id>``):

- ``{p}`` → Project JSON; ``{p}:seq`` → last task number; ``{p}:keys`` hash ``T-n`` → task id;
  ``{p}:tasks`` sorted set of task ids by number; ``{p}:open`` sorted set of the open ones;
  ``{p}:unblocks:<key>`` set of keys depending on it.
- ``{t}:task:<id>`` → Task JSON; ``{t}:task:<id>:events`` → list of AuditEvent JSON, oldest first.
- ``{t}:source:<source>`` → the audit event a request or job already caused (24 h).
- ``{t}:seen:<kind>:<id>`` → dedupe marker of a Slack request (1 h); once enqueued, its job id.
- ``{t}:posted:<name>`` → ``ts`` of a post already made, or ``pending[:<job id>]`` while one is being made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from redis import Redis, WatchError
from redis.client import Pipeline

from maestro.errors import NotFound, UserError
from maestro.keys import TeamScoped
from maestro.models import (
    Assignee,
    AuditEvent,
    CompletionEvidence,
    CriterionFinding,
    Priority,
    Project,
    ReviewBy,
    Task,
    TaskKind,
    utcnow,
)
from maestro.workflow import Action, apply_action

DEFAULT_SEEN_TTL = 3600
"""Seconds a Slack request id is remembered for dedupe (Slack retries within ~5 minutes)."""

DEFAULT_SOURCE_TTL = 31 * 24 * 3600
"""Seconds the result of a request or job is remembered, so a re-run changes nothing (longer than
RQ keeps a failed job, so ``rq requeue`` of an old job can't create a second task)."""

DEFAULT_POST_LEASE = 300
"""Seconds a post claim is held before a re-run of a crashed job may post again: longer than the
worst ``chat.postMessage`` with its retries. Posting is at-least-once only after a crash between
the post and its confirmation."""

DEFAULT_POSTED_TTL = 30 * 24 * 3600
"""Seconds a made post is remembered."""

PROJECTS_KEY = "maestro:projects"
"""Set of every project, as ``<team_id>:<channel_id>`` (what the clock's checks walk)."""

MAX_TASKS_PER_PROJECT = 100_000
"""A project's board refuses new tasks past this many."""


@dataclass(frozen=True)
class Change:
    """The result of a state change.

    Attributes:
        task: the task after the change.
        event: the audit event describing it.
        new: False when the same source had already made this change (a job re-run or a retry).
    """

    task: Task
    event: AuditEvent
    new: bool


@dataclass(frozen=True)
class NewTask:
    """What a person (or the Master) asks for when creating a task; validated by the parser."""

    title: str
    description: str = ""
    assignee: Assignee | None = None
    priority: Priority = Priority.MEDIUM
    depends_on: tuple[str, ...] = ()
    due: date | None = None
    acceptance_criteria: tuple[str, ...] = ()
    expected_outputs: tuple[str, ...] = ()
    milestone: str | None = None
    sprint: str | None = None
    plan_id: str | None = None
    thread_ts: str | None = None
    estimate_days: int | None = None
    kind: TaskKind | None = None

    def to_task(self, key: str, *, team_id: str, channel_id: str, actor: str, now: datetime) -> Task:
        """Return the task this asks for, under ``key``."""
        return Task(
            key=key,
            team_id=team_id,
            channel_id=channel_id,
            title=self.title,
            description=self.description,
            assignee=self.assignee,
            priority=self.priority,
            depends_on=list(self.depends_on),
            due=self.due,
            acceptance_criteria=list(self.acceptance_criteria),
            expected_outputs=list(self.expected_outputs),
            milestone=self.milestone,
            sprint=self.sprint,
            plan_id=self.plan_id,
            thread_ts=self.thread_ts,
            estimate_days=self.estimate_days,
            kind=self.kind,
            created_by=actor,
            created_at=now,
            updated_at=now,
            version=1,
        )


class TaskStore(TeamScoped):
    """Tasks, projects and audit events of one Slack team.

    Args:
        redis: a client with ``decode_responses=False`` or ``True`` (both work).
        team_id: the Slack team id (``T…``) every key is prefixed with.
    """

    # -- keys ---------------------------------------------------------------------------------

    def _task(self, task_id: str) -> str:
        return f"{self._t}:task:{task_id}"

    def _events(self, task_id: str) -> str:
        return f"{self._t}:task:{task_id}:events"

    def _source(self, source: str) -> str:
        return f"{self._t}:source:{source}"

    # -- projects -----------------------------------------------------------------------------
    def ensure_project(self, channel_id: str, *, created_by: str | None = None) -> Project:
        """Return the channel's project, creating it on first use."""
        project = Project(team_id=self.team_id, channel_id=channel_id, created_by=created_by)
        if self.redis.set(self._p(channel_id), project.model_dump_json(), nx=True):
            self.redis.sadd(PROJECTS_KEY, f"{self.team_id}:{channel_id}")
        return Project.model_validate_json(self.redis.get(self._p(channel_id)))

    @staticmethod
    def all_projects(redis: Redis) -> list[tuple[str, str]]:
        """Return every project of the deployment as ``(team_id, channel_id)``."""
        members = redis.smembers(PROJECTS_KEY)
        pairs = [(m.decode() if isinstance(m, bytes) else m).split(":", 1) for m in members]
        return sorted((team, channel) for team, channel in pairs)

    # -- reading ------------------------------------------------------------------------------
    def project(self, channel_id: str) -> Project | None:
        """Return the channel's project, or None when it has no board yet (creates nothing)."""
        raw = self.redis.get(self._p(channel_id))
        return Project.model_validate_json(raw) if raw else None

    def task_id_for(self, channel_id: str, key: str) -> str | None:
        """Return the id of the task with human key ``key`` in the channel, or None."""
        raw = self.redis.hget(f"{self._p(channel_id)}:keys", key.upper())
        return raw.decode() if isinstance(raw, bytes) else raw

    def get(self, channel_id: str, key: str) -> Task:
        """Return the task with key ``key`` (``T-3``) in the channel.

        Raises:
            NotFound: no such task in this channel; the message says how to list them.
        """
        task_id = self.task_id_for(channel_id, key)
        task = self.get_by_id(task_id) if task_id else None
        if task is None:
            raise NotFound(f"There's no task {key.upper()} in this channel. `/task list` shows the board.")
        return task

    def get_by_id(self, task_id: str) -> Task | None:
        """Return the task with this id in this team, or None."""
        raw = self.redis.get(self._task(task_id))
        return Task.model_validate_json(raw) if raw else None

    def list_tasks(self, channel_id: str, *, open_only: bool = False) -> list[Task]:
        """Return the channel's tasks (only the open ones with ``open_only``), in key order.

        Two round trips whatever the board's size; the cost is in reading the tasks.
        """
        ids = self.redis.zrange(f"{self._p(channel_id)}:{'open' if open_only else 'tasks'}", 0, -1)
        if not ids:
            return []
        raws = self.redis.mget([self._task(i.decode() if isinstance(i, bytes) else i) for i in ids])
        return [Task.model_validate_json(raw) for raw in raws if raw]

    def unblocks(self, channel_id: str, key: str) -> list[str]:
        """Return the keys of the tasks that depend on ``key``, in key order."""
        members = self.redis.smembers(f"{self._p(channel_id)}:unblocks:{key}")
        keys = [m.decode() if isinstance(m, bytes) else m for m in members]
        return sorted(keys, key=lambda k: int(k.split("-", 1)[1]))

    def events(self, task_id: str) -> list[AuditEvent]:
        """Return the task's audit events, oldest first."""
        return [
            AuditEvent.model_validate_json(raw) for raw in self.redis.lrange(self._events(task_id), 0, -1)
        ]

    def change_for_source(self, source: str) -> AuditEvent | None:
        """Return the audit event an earlier run of ``source`` caused, or None."""
        raw = self.redis.get(self._source(source))
        return AuditEvent.model_validate_json(raw) if raw else None

    # -- writing ------------------------------------------------------------------------------
    def create_task(self, channel_id: str, new: NewTask, *, actor: str, source: str) -> Change:
        """Create a task with the next key of the channel, with its ``created`` audit event.

        Idempotent per ``source``: a second call with the same source returns the first task.

        Raises:
            UserError: a ``depends_on`` key is not a task of this channel, or the board is full.
        """
        self.ensure_project(channel_id, created_by=actor if actor.startswith("U") else None)
        source_key = self._source(source)
        keys_key = f"{self._p(channel_id)}:keys"
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(source_key)
                    prior = pipe.get(source_key)
                    if prior:
                        event = AuditEvent.model_validate_json(prior)
                        task = self.get_by_id(event.task_id)
                        assert task is not None, "a source points at a task that does not exist"
                        return Change(task, event, new=False)
                    missing = [k for k in new.depends_on if not pipe.hexists(keys_key, k)]
                    if missing:
                        raise UserError(
                            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not a task in this "
                            "channel, so nothing can wait for it. `/task list` shows the board."
                        )
                    number = int(pipe.incr(f"{self._p(channel_id)}:seq"))
                    if number > MAX_TASKS_PER_PROJECT:
                        raise UserError(f"This channel's board is full ({MAX_TASKS_PER_PROJECT:,} tasks).")
                    now = utcnow()
                    task = new.to_task(
                        f"T-{number}", team_id=self.team_id, channel_id=channel_id, actor=actor, now=now
                    )
                    pipe.multi()
                    event = self._write_new_task(pipe, task, actor=actor, source=source, now=now)
                    pipe.set(source_key, event.model_dump_json(), ex=DEFAULT_SOURCE_TTL)
                    pipe.execute()
                    return Change(task, event, new=True)
                except WatchError:
                    continue

    def _write_new_task(
        self, pipe: Pipeline, task: Task, *, actor: str, source: str, now: datetime
    ) -> AuditEvent:
        """Queue (in MULTI) the writes of a new task: record, key, indexes, unblocks, ``created`` event."""
        event = AuditEvent(
            team_id=self.team_id,
            channel_id=task.channel_id,
            task_id=task.id,
            task_key=task.key,
            at=now,
            actor=actor,
            action="created",
            to_status=task.status,
            source=source,
        )
        p = self._p(task.channel_id)
        pipe.set(self._task(task.id), task.model_dump_json())
        pipe.hset(f"{p}:keys", task.key, task.id)
        pipe.zadd(f"{p}:tasks", {task.id: task.number})
        pipe.zadd(f"{p}:open", {task.id: task.number})
        for dep in task.depends_on:
            pipe.sadd(f"{p}:unblocks:{dep}", task.key)
        pipe.rpush(self._events(task.id), event.model_dump_json())
        return event

    def reserve_keys(self, channel_id: str, count: int) -> list[str]:
        """Reserve ``count`` consecutive task keys of the channel (one atomic ``INCRBY``).

        Raises:
            UserError: the board would pass :data:`MAX_TASKS_PER_PROJECT`.
        """
        last = int(self.redis.incrby(f"{self._p(channel_id)}:seq", count))
        if last > MAX_TASKS_PER_PROJECT:
            raise UserError(f"This channel's board is full ({MAX_TASKS_PER_PROJECT:,} tasks).")
        return [f"T-{n}" for n in range(last - count + 1, last + 1)]

    def create_batch(
        self,
        channel_id: str,
        items: list[tuple[str, NewTask]],
        *,
        actor: str,
        source: str,
        also: Callable[[Pipeline, list[Task]], None] | None = None,
    ) -> tuple[list[Task], bool]:
        """Create several tasks under reserved keys in one MULTI/EXEC: all or none.

        Args:
            channel_id: the project.
            items: ``(key, new task)`` pairs; keys from :meth:`reserve_keys`; ``depends_on`` may
                name keys of this batch or existing tasks of the channel.
            actor: who asked (Slack user id or ``agent:<role>``).
            source: the request or job; a second call with the same source creates nothing.
            also: writes more records in the same transaction (e.g. the plan), given the
                pipeline (in MULTI mode) and the tasks.

        Returns:
            The tasks (as created now, or as created by the first call of ``source``) and
            whether this call created them.

        Raises:
            UserError: a dependency is neither in the batch nor a task of the channel.
        """
        self.ensure_project(channel_id, created_by=actor if actor.startswith("U") else None)
        source_key, keys_key = self._source(source), f"{self._p(channel_id)}:keys"
        batch_keys = {key for key, _ in items}
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(source_key)
                    prior = pipe.get(source_key)
                    if prior:
                        ids = json.loads(prior)["task_ids"]
                        return [t for t in (self.get_by_id(i) for i in ids) if t], False
                    for _, new in items:
                        missing = [
                            d for d in new.depends_on if d not in batch_keys and not pipe.hexists(keys_key, d)
                        ]
                        if missing:
                            raise UserError(f"{', '.join(missing)} is not a task in this channel.")
                    now = utcnow()
                    tasks = [
                        new.to_task(key, team_id=self.team_id, channel_id=channel_id, actor=actor, now=now)
                        for key, new in items
                    ]
                    pipe.multi()
                    for task in tasks:
                        self._write_new_task(pipe, task, actor=actor, source=source, now=now)
                    if also is not None:
                        also(pipe, tasks)
                    pipe.set(
                        source_key, json.dumps({"task_ids": [t.id for t in tasks]}), ex=DEFAULT_SOURCE_TTL
                    )
                    pipe.execute()
                    return tasks, True
                except WatchError:
                    continue

    def apply(
        self,
        channel_id: str,
        key: str,
        action: Action,
        *,
        actor: str,
        source: str,
        now: datetime | None = None,
        percent: int | None = None,
        reason: str | None = None,
        assignee: Assignee | None = None,
        evidence: CompletionEvidence | None = None,
        findings: Sequence[CriterionFinding] | None = None,
        review_by: ReviewBy | None = None,
    ) -> Change:
        """Apply a status-machine action to a task, with its audit event, atomically.

        Idempotent per ``source``: a re-run returns the first run's result and changes nothing.
        The keyword arguments are :func:`maestro.workflow.apply_action`'s.

        Raises:
            NotFound: no task ``key`` in the channel.
            UserError: the action is not allowed now (see :func:`maestro.workflow.apply_action`).
        """
        task_id = self.task_id_for(channel_id, key)
        if task_id is None:
            raise NotFound(f"There's no task {key.upper()} in this channel. `/task list` shows the board.")
        task_key, source_key = self._task(task_id), self._source(source)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(task_key, source_key)
                    prior = pipe.get(source_key)
                    current = Task.model_validate_json(pipe.get(task_key))
                    if prior:
                        return Change(current, AuditEvent.model_validate_json(prior), new=False)
                    updated, event = apply_action(
                        current,
                        action,
                        actor=actor,
                        now=now or utcnow(),
                        source=source,
                        percent=percent,
                        reason=reason,
                        assignee=assignee,
                        evidence=evidence,
                        findings=findings,
                        review_by=review_by,
                    )
                    pipe.multi()
                    pipe.set(task_key, updated.model_dump_json())
                    if not updated.is_open:
                        pipe.zrem(f"{self._p(channel_id)}:open", task_id)
                    pipe.rpush(self._events(task_id), event.model_dump_json())
                    pipe.set(source_key, event.model_dump_json(), ex=DEFAULT_SOURCE_TTL)
                    pipe.execute()
                    return Change(updated, event, new=True)
                except WatchError:
                    continue

    def set_message(
        self, task_id: str, message_ts: str | None, *, actor: str, source: str, thread_ts: str | None = None
    ) -> Task:
        """Record where the task's card was posted (``ts``, and the thread it is in), with an audit event.

        ``message_ts=None`` forgets a card that was deleted in Slack, so the next change reposts it.
        """
        task_key = self._task(task_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(task_key)
                    current = Task.model_validate_json(pipe.get(task_key))
                    if current.message_ts == message_ts and current.thread_ts == (
                        thread_ts or current.thread_ts
                    ):
                        return current
                    updated = current.model_copy(
                        update={
                            "message_ts": message_ts,
                            "thread_ts": thread_ts or current.thread_ts,
                            "version": current.version + 1,
                        }
                    )
                    event = AuditEvent(
                        team_id=self.team_id,
                        channel_id=current.channel_id,
                        task_id=task_id,
                        task_key=current.key,
                        actor=actor,
                        action="card_posted" if message_ts else "card_lost",
                        source=source,
                        detail={"message_ts": message_ts},
                    )
                    pipe.multi()
                    pipe.set(task_key, updated.model_dump_json())
                    pipe.rpush(self._events(task_id), event.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue

    # -- request dedupe and post claims -------------------------------------------------------
    def seen_key(self, kind: str, ident: str) -> str:
        """Return the key of a Slack request's dedupe marker (its value becomes the request's job id)."""
        return f"{self._t}:seen:{kind}:{ident}"

    def first_seen(self, kind: str, ident: str, ttl: int = DEFAULT_SEEN_TTL) -> bool:
        """Mark a Slack request as seen; return True only the first time (``SET NX EX``)."""
        return bool(self.redis.set(self.seen_key(kind, ident), "1", nx=True, ex=ttl))

    def seen_job(self, kind: str, ident: str) -> str | None:
        """Return the job id recorded with a seen request, or None (unseen, or not enqueued yet)."""
        raw = self.redis.get(self.seen_key(kind, ident))
        value = raw.decode() if isinstance(raw, bytes) else raw
        return None if value in (None, "1") else value

    def claim_post(self, name: str, lease: int = DEFAULT_POST_LEASE, *, owner: str | None = None) -> bool:
        """Claim the right to make post ``name``; False when it was made or is being made.

        ``owner`` (the claiming job's id) is kept with the claim, so a later attempt of the same
        job can tell a claim it left behind (see :meth:`post_claim`).
        """
        value = f"pending:{owner}" if owner else "pending"
        return bool(self.redis.set(f"{self._t}:posted:{name}", value, nx=True, ex=lease))

    def post_claim(self, name: str) -> tuple[str | None, str | None]:
        """Return ``(ts, owner)`` of post ``name``: its ``ts`` once made; while being made, its owner.

        ``(None, None)`` when unclaimed, or claimed without an owner.
        """
        raw = self.redis.get(f"{self._t}:posted:{name}")
        value = raw.decode() if isinstance(raw, bytes) else raw
        if value is None or value == "pending":
            return None, None
        if value.startswith("pending:"):
            return None, value.removeprefix("pending:")
        return value, None

    def retake_post(self, name: str, owner: str, lease: int = DEFAULT_POST_LEASE) -> bool:
        """Renew the claim of post ``name`` if ``owner`` still holds it (a re-run of the same job)."""
        key, value = f"{self._t}:posted:{name}", f"pending:{owner}"
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                if (raw.decode() if isinstance(raw, bytes) else raw) != value:
                    return False
                pipe.multi()
                pipe.set(key, value, ex=lease)
                pipe.execute()
                return True
            except WatchError:
                return False

    def confirm_post(self, name: str, ts: str) -> None:
        """Record that post ``name`` was made, as message ``ts``."""
        self.redis.set(f"{self._t}:posted:{name}", ts, ex=DEFAULT_POSTED_TTL)

    def posted_ts(self, name: str) -> str | None:
        """Return the ``ts`` of post ``name`` once made; None while unclaimed or being made."""
        return self.post_claim(name)[0]

    def forget_seen(self, kind: str, ident: str) -> None:
        """Undo :meth:`first_seen` (the request could not be enqueued; Slack's retry may try again)."""
        self.redis.delete(self.seen_key(kind, ident))

    def release_post(self, name: str) -> None:
        """Give up a claim after a failed post, so a retry can make it."""
        self.redis.delete(f"{self._t}:posted:{name}")

    # -- for other repositories that change tasks in their own transactions ---------------------
    def record_key(self, task_id: str) -> str:
        """Return the Redis key of a task's record, to WATCH in a transaction that changes it."""
        return self._task(task_id)

    def queue_task_change(self, pipe: Pipeline, task: Task, event: AuditEvent) -> None:
        """Queue (in MULTI) the write of a changed task and its audit event.

        For fields outside the status machine (``sprint``, ``milestone``): the caller WATCHes
        :meth:`record_key` before reading the task, so a concurrent change aborts the transaction.
        """
        pipe.set(self._task(task.id), task.model_dump_json())
        pipe.rpush(self._events(task.id), event.model_dump_json())

    def tasks_by_keys(self, channel_id: str, keys: Iterable[str]) -> list[Task]:
        """Return the tasks with these keys that exist in the channel, in the order given."""
        keys = list(keys)
        if not keys:
            return []
        ids = self.redis.hmget(f"{self._p(channel_id)}:keys", keys)
        found = [i.decode() if isinstance(i, bytes) else i for i in ids if i]
        raws = self.redis.mget([self._task(i) for i in found]) if found else []
        return [Task.model_validate_json(raw) for raw in raws if raw]
