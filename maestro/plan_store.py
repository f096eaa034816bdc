"""Plans over Redis: a request, the workflow chosen, its tasks and their parallel batches.

``{t}:plan:<id>`` → PlanRecord JSON (``{t}`` = ``maestro:<team_id>``). A plan's tasks are created
with it in one MULTI/EXEC (all or none), idempotently per source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from redis import WatchError
from redis.client import Pipeline

from maestro.errors import UserError
from maestro.models import Assignee, Task, new_id, utcnow
from maestro.plans import CycleError, Plan, critical_path, validate_plan
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


class PlanRecord(BaseModel):
    """A plan as stored: the request, the Master's plan, and the board keys it created.

    Attributes:
        keys: plan ref (``P1``) → task key (``T-7``).
        batches: parallel batches of task keys, in order.
        critical_path: task keys of the longest dependent chain by estimate.
        brain: ``offline`` or ``claude``; ``fallback_reason`` when Claude was asked but not used.
        message_ts: the plan message; its thread holds the cards.
        not_planned: what of the request the plan leaves out (shown at the top of the plan), or "".
        restaffed: tasks whose planned role is disabled here, and who took each instead.
    """

    id: str = Field(default_factory=new_id)
    team_id: str
    channel_id: str
    request: str
    brief: str
    issue_type: str
    workflow: str
    rationale: str = ""
    not_planned: str = ""
    reviewer: str = "code-reviewer"
    keys: dict[str, str]
    batches: list[list[str]]
    critical_path: list[str]
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
        """Create the plan's tasks and its record in one transaction.

        Each task is assigned to its agent role and depends on the keys of its plan dependencies.
        With ``message_ts`` (the plan's message, posted first as a placeholder), the tasks' cards
        belong in its thread. A task in ``restaffed`` goes to its ``to`` role instead, or to
        ``actor`` (the requester, a Slack user id) when ``to`` is None.

        Returns:
            ``(record, tasks, new)``; ``new`` is False when ``source`` already created it.

        Raises:
            UserError: the plan is invalid (a dependency cycle — the message names it — or a
                reference to a task it doesn't have).
        """
        existing = self.plan_for_source(source)
        if existing:
            return existing, self.tasks.tasks_by_keys(channel_id, existing.keys.values()), False
        try:
            ref_batches = validate_plan(plan)
        except CycleError as error:
            raise UserError(f"The plan can't run: {escape(str(error))}.") from None
        except ValueError as error:
            raise UserError(f"The plan is inconsistent: {escape(str(error))}.") from None
        refs = [t.ref for t in plan.tasks]
        keys = dict(zip(refs, self.tasks.reserve_keys(channel_id, len(refs)), strict=True))
        depends_on = {t.ref: t.depends_on for t in plan.tasks}
        estimates = {t.ref: t.estimate_days for t in plan.tasks}
        record = PlanRecord(
            team_id=self.tasks.team_id,
            channel_id=channel_id,
            request=request[:MAX_REQUEST_STORED],
            brief=plan.brief,
            issue_type=plan.issue_type,
            workflow=plan.workflow,
            rationale=plan.rationale,
            not_planned=plan.not_planned,
            reviewer=plan.reviewer,
            keys=keys,
            batches=[[keys[ref] for ref in batch] for batch in ref_batches],
            critical_path=[keys[ref] for ref in critical_path(depends_on, estimates)],
            brain=brain,
            model=model,
            fallback_reason=fallback_reason,
            created_by=actor,
            message_ts=message_ts,
            restaffed=list(restaffed),
        )
        moved = {r.ref: r for r in restaffed}

        def assignee_for(ref: str, role: str) -> Assignee:
            if ref not in moved:
                return Assignee(kind="agent", id=role)
            to = moved[ref].to
            return Assignee(kind="agent", id=to) if to else Assignee(kind="user", id=actor)

        items = [
            (
                keys[t.ref],
                NewTask(
                    title=t.title,
                    description=t.description,
                    assignee=assignee_for(t.ref, t.role),
                    priority=t.priority,
                    depends_on=tuple(keys[d] for d in t.depends_on),
                    acceptance_criteria=tuple(t.acceptance_criteria),
                    expected_outputs=tuple(t.expected_outputs),
                    plan_id=record.id,
                    thread_ts=message_ts,
                    estimate_days=t.estimate_days,
                    kind=t.kind,
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
