"""Plans over Redis: a request, the workflow chosen, its tasks and their parallel batches.

``{t}:plan:<id>`` → PlanRecord JSON (``{t}`` = ``maestro:<team_id>``). A plan starts as a draft
(:meth:`PlanStore.save_draft`: the Master's plan, nothing on the board); a person re-plans or
edits it (:meth:`PlanStore.update_draft`), and *Create tasks* (:meth:`PlanStore.create_tasks`)
writes its tasks and the record in one MULTI/EXEC (all or none), idempotently per source.
Records stored before drafts existed have no ``status`` and read as created plans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from redis import WatchError
from redis.client import Pipeline

from maestro.errors import UserError
from maestro.models import Assignee, Task, new_id, utcnow
from maestro.plans import CycleError, Plan, PlannedTask, critical_path, validate_plan
from maestro.store import NewTask, TaskStore
from maestro.text import escape

MAX_REQUEST_STORED = 4000
"""Characters of the original request kept on the plan record."""


class Restaffed(BaseModel):
    """A planned task whose role is disabled in the channel, and who took it instead.

    Attributes:
        ref: the task's ref in the plan (``P4``).
        role: the disabled role the plan named; ``role_name`` its display name then.
        to: the enabled role that works it instead, or None: it is left to the requester.
        to_name: that role's display name when the plan was made.
    """

    ref: str
    role: str
    role_name: str
    to: str | None = None
    to_name: str | None = None


PlanStatus = Literal["draft", "created"]
"""A draft has no tasks on the board yet; a created plan has."""


class PlanRecord(BaseModel):
    """A plan as stored: the request, the Master's plan, and the board keys it created.

    Attributes:
        status: ``draft`` until a person creates its tasks, then ``created`` (records from
            before drafts existed read as ``created``).
        plan: the plan itself (requirements, covers, open questions …), as drafted and edited;
            None on records from before it was kept.
        version: bumped by every re-plan and edit (a stale edit form is refused).
        history: what people did to the draft, one line each (``Re-planned as security by <@U1>``).
        keys: plan ref (``P1``) → task key (``T-7``); empty while a draft.
        batches: parallel batches of task keys, in order; empty while a draft.
        critical_path: task keys of the longest dependent chain by estimate.
        brain: ``offline`` or ``claude``; ``fallback_reason`` when Claude was asked but not used.
        message_ts: the plan message; its thread holds the batch messages and the cards.
        not_planned: what of the request the plan leaves out (shown at the top of the plan), or "".
        restaffed: tasks whose planned role is disabled here, and who took each instead.
    """

    id: str = Field(default_factory=new_id)
    status: PlanStatus = "created"
    plan: Plan | None = None
    version: int = 0
    history: list[str] = Field(default_factory=list)
    team_id: str
    channel_id: str
    request: str
    brief: str
    issue_type: str
    workflow: str
    rationale: str = ""
    not_planned: str = ""
    reviewer: str = "code-reviewer"
    keys: dict[str, str] = Field(default_factory=dict)
    batches: list[list[str]] = Field(default_factory=list)
    critical_path: list[str] = Field(default_factory=list)
    brain: str = "offline"
    model: str | None = None
    fallback_reason: str | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    message_ts: str | None = None
    restaffed: list[Restaffed] = Field(default_factory=list)


class PlanStore:
    """Plans of one Slack team, on top of its :class:`~maestro.store.TaskStore`."""

    def __init__(self, tasks: TaskStore):
        self.tasks = tasks
        self.redis = tasks.redis
        self._t = f"maestro:{tasks.team_id}"

    def _plan(self, plan_id: str) -> str:
        return f"{self._t}:plan:{plan_id}"

    def create_plan(
        self,
        channel_id: str,
        request: str,
        plan: Plan,
        *,
        actor: str,
        source: str,
        brain: str = "offline",
        fallback_reason: str | None = None,
        message_ts: str | None = None,
        model: str | None = None,
        restaffed: Sequence[Restaffed] = (),
    ) -> tuple[PlanRecord, list[Task], bool]:
        """Create the plan's tasks and its record in one transaction (no draft step).

        Each task is assigned to its agent role and depends on the keys of its plan dependencies.
        With ``message_ts`` (the plan's message, posted first as a placeholder), the tasks' cards
        belong in its thread. A task in ``restaffed`` goes to its ``to`` role instead, or to
        ``actor`` (the requester, a Slack user id) when ``to`` is None.

        Returns:
            ``(record, tasks, new)``; ``new`` is False when ``source`` already created it.

        Raises:
            UserError: the plan is invalid (a dependency cycle — the message names it — a
                reference to a task it doesn't have, or a requirement no task covers).
        """
        existing = self.plan_for_source(source)
        if existing:
            return existing, self.tasks.tasks_by_keys(channel_id, existing.keys.values()), False
        _check(plan)
        record = self._record(channel_id, request, plan, actor, brain, fallback_reason, message_ts, model)
        record = record.model_copy(update={"restaffed": list(restaffed)})
        return self._write_tasks(record, plan, actor=actor, source=source)

    def _record(
        self,
        channel_id: str,
        request: str,
        plan: Plan,
        actor: str,
        brain: str,
        fallback_reason: str | None,
        message_ts: str | None,
        model: str | None,
    ) -> PlanRecord:
        return PlanRecord(
            team_id=self.tasks.team_id,
            channel_id=channel_id,
            request=request[:MAX_REQUEST_STORED],
            brief=plan.brief,
            issue_type=plan.issue_type,
            workflow=plan.workflow,
            rationale=plan.rationale,
            not_planned=plan.not_planned,
            reviewer=plan.reviewer,
            brain=brain,
            model=model,
            fallback_reason=fallback_reason,
            created_by=actor,
            message_ts=message_ts,
        )

    def save_draft(
        self,
        channel_id: str,
        request: str,
        plan: Plan,
        *,
        actor: str,
        source: str,
        brain: str = "offline",
        fallback_reason: str | None = None,
        message_ts: str | None = None,
        model: str | None = None,
        restaffed: Sequence[Restaffed] = (),
    ) -> tuple[PlanRecord, bool]:
        """Keep the Master's plan as a draft: nothing goes on the board until :meth:`create_tasks`.

        ``restaffed`` lists tasks whose planned role is disabled here, and who takes each when the
        tasks are created (see :meth:`create_plan`).

        Returns:
            ``(record, new)``; ``new`` is False when ``source`` already drafted (or created) it.

        Raises:
            UserError: the plan is invalid (see :meth:`create_plan`).
        """
        existing = self.plan_for_source(source)
        if existing:
            return existing, False
        _check(plan)
        record = self._record(channel_id, request, plan, actor, brain, fallback_reason, message_ts, model)
        record = record.model_copy(update={"status": "draft", "plan": plan, "restaffed": list(restaffed)})
        with self.redis.pipeline() as pipe:
            pipe.set(self._plan(record.id), record.model_dump_json(), nx=True)
            pipe.set(f"{self._t}:plan-source:{source}", record.id, nx=True)
            _, claimed = pipe.execute()
        if not claimed:  # another run drafted it first
            existing = self.plan_for_source(source)
            assert existing is not None, "a plan's source points at no plan"
            self.redis.delete(self._plan(record.id))
            return existing, False
        return record, True

    def update_draft(
        self,
        plan_id: str,
        change: Callable[[PlanRecord], PlanRecord],
        *,
        version: int | None = None,
    ) -> PlanRecord:
        """Change a draft (re-plan, edit) atomically; the record's ``version`` goes up by one.

        Args:
            plan_id: the draft.
            change: record → the changed record (pure; it may raise UserError).
            version: when given, the version the person saw; a draft changed since is refused.

        Raises:
            UserError: no such plan, its tasks are already created, or it changed since
                ``version`` (the message says what to do).
        """
        key = self._plan(plan_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if not raw:
                        raise UserError("I can't find that plan any more.")
                    record = PlanRecord.model_validate_json(raw)
                    if record.status != "draft":
                        raise UserError("Its tasks are already on the board, so the plan can't change now.")
                    if version is not None and version != record.version:
                        raise UserError(
                            "The plan changed while you were editing it. Open *Edit* again to see it as it"
                            " is."
                        )
                    updated = change(record).model_copy(update={"version": record.version + 1})
                    if updated.plan is not None:
                        _check(updated.plan)
                    pipe.multi()
                    pipe.set(key, updated.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue

    def create_tasks(self, plan_id: str, *, actor: str, source: str) -> tuple[PlanRecord, list[Task], bool]:
        """Put a draft's tasks on the board (the plan's *Create tasks*), once.

        Returns:
            ``(record, tasks, new)``; ``new`` is False when the tasks were already created.

        Raises:
            UserError: no such plan, or its plan is invalid.
        """
        record = self.get(plan_id)
        if record is None or record.plan is None:
            raise UserError("I can't find that plan any more.")
        if record.status == "created":
            return record, self.tasks.tasks_by_keys(record.channel_id, record.keys.values()), False
        _check(record.plan)
        created, tasks, new = self._write_tasks(
            record.model_copy(update={"status": "created"}), record.plan, actor=actor, source=source
        )
        return created, tasks, new

    def _write_tasks(
        self, record: PlanRecord, plan: Plan, *, actor: str, source: str
    ) -> tuple[PlanRecord, list[Task], bool]:
        """Create the plan's tasks and store ``record`` with their keys, in one transaction."""
        channel_id = record.channel_id
        message_ts = record.message_ts
        ref_batches = validate_plan(plan)
        refs = [t.ref for t in plan.tasks]
        keys = dict(zip(refs, self.tasks.reserve_keys(channel_id, len(refs)), strict=True))
        depends_on = {t.ref: t.depends_on for t in plan.tasks}
        estimates = {t.ref: t.estimate_days for t in plan.tasks}
        moved = {r.ref: r for r in record.restaffed}

        def assignee_for(ref: str, role: str) -> Assignee:
            if ref not in moved:
                return Assignee(kind="agent", id=role)
            to = moved[ref].to
            return Assignee(kind="agent", id=to) if to else Assignee(kind="user", id=record.created_by)

        record = record.model_copy(
            update={
                "keys": keys,
                "batches": [[keys[ref] for ref in batch] for batch in ref_batches],
                "critical_path": [keys[ref] for ref in critical_path(depends_on, estimates)],
            }
        )
        items = [
            (
                keys[t.ref],
                NewTask(
                    title=t.title,
                    description=_task_description(t),
                    assignee=assignee_for(t.ref, t.role),
                    priority=t.priority,
                    depends_on=tuple(keys[d] for d in t.depends_on),
                    acceptance_criteria=tuple(t.acceptance_criteria),
                    expected_outputs=tuple(t.expected_outputs),
                    plan_id=record.id,
                    thread_ts=message_ts,
                    estimate_days=t.estimate_days,
                    kind=t.kind,
                    due=t.due,
                ),
            )
            for t in plan.tasks
        ]

        def write_plan(pipe: Pipeline, tasks: list[Task]) -> None:
            pipe.set(self._plan(record.id), record.model_dump_json())
            pipe.set(f"{self._t}:plan-source:{source}", record.id)

        tasks, new = self.tasks.create_batch(channel_id, items, actor=actor, source=source, also=write_plan)
        if not new:
            existing = self.plan_for_source(source)
            assert existing is not None, "a plan's source points at no plan"
            return existing, tasks, False
        return record, tasks, True

    def plan_for_source(self, source: str) -> PlanRecord | None:
        """Return the plan a request or job already created, or None."""
        plan_id = self.redis.get(f"{self._t}:plan-source:{source}")
        if not plan_id:
            return None
        return self.get(plan_id.decode() if isinstance(plan_id, bytes) else plan_id)

    def get(self, plan_id: str) -> PlanRecord | None:
        """Return the plan with this id in this team, or None."""
        raw = self.redis.get(self._plan(plan_id))
        return PlanRecord.model_validate_json(raw) if raw else None

    def set_message(self, plan_id: str, message_ts: str) -> PlanRecord:
        """Record the ``ts`` of the plan's message (where its thread lives)."""
        key = self._plan(plan_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    record = PlanRecord.model_validate_json(pipe.get(key))
                    updated = record.model_copy(update={"message_ts": message_ts})
                    pipe.multi()
                    pipe.set(key, updated.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue


def _check(plan: Plan) -> None:
    """Refuse an invalid plan with a message for the person (the check :func:`validate_plan` makes)."""
    try:
        validate_plan(plan)
    except CycleError as error:
        raise UserError(f"The plan can't run: {escape(str(error))}.") from None
    except ValueError as error:
        raise UserError(f"The plan is inconsistent: {escape(str(error))}.") from None


def _task_description(task: PlannedTask) -> str:
    """The task's description plus what the plan knows: covers, owner, milestone, what it waits for."""
    extra = []
    if task.covers:
        extra.append(f"Covers {', '.join(task.covers)}.")
    if task.owner:
        extra.append(f"Owner named in the request: {task.owner}.")
    if task.milestone:
        extra.append(f"Milestone: {task.milestone}.")
    if task.waits_for:
        extra.append(f"Waits for (outside the plan): {'; '.join(task.waits_for)}.")
    text = " ".join([task.description, *extra]).strip()
    return text[:2000]
