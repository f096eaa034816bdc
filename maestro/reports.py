"""The TPM's reports, computed as pydantic models (pure: tasks, sprint, milestones, risks in; no I/O).

- :class:`StatusReport` — seed 001's "Status Report Format (RAG)": overall status, milestone
  summary, risks, blockers, completed this sprint, next sprint preview.
- :class:`DependencyMap` — seed 001's "Dependency Map Format": per task (or per milestone when
  the project has milestones) what it depends on, what depends on it, what it holds up and what
  holds it up.

The RAG rule (stated in every report, see :func:`rag_rule`):

- GREEN: done, or projected to finish by its due date (a milestone's ``due``, else the sprint end);
- AMBER: one of its tasks is BLOCKED, or it is projected to finish 1–3 days late;
- RED: projected more than 3 days late (seed 001's escalation trigger), or a task BLOCKED for
  ``blocked_days`` or more (the escalation threshold, 2 days by default);
- OVERALL: the worst of the milestones, the sprint itself (same rule, due = the sprint end) and
  the open risks (seed 001's risk RAG).

Projected finishes come from :func:`maestro.triggers.projected_finish` (estimates, percent done
and dependencies, in calendar days). Dates are read in the timezone of the ``now`` passed in.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from maestro.errors import NotFound
from maestro.escalations import EscalationRecord
from maestro.models import Assignee, Priority, Task, TaskStatus
from maestro.risks import RAG_ORDER, Rag, Risk, worst
from maestro.sprints import (
    DEFAULT_SPRINT_DAYS,
    Milestone,
    Progress,
    Sprint,
    SprintDay,
    progress_of,
    sprint_day,
)
from maestro.text import escape
from maestro.triggers import DEFAULT_BLOCKED_DAYS, DEFAULT_SLIP_DAYS, projected_finish

REPORTER = "tpm"
"""Who signs the reports (seed 001's ``Reporter: tpm``)."""

ReportReason = Literal["request", "weekly", "sprint-end"]
"""Why a status report is made: someone asked, the weekly progress review, or a sprint closed."""

PRIORITY_RANK: dict[Priority, int] = {
    Priority.CRITICAL: 0,
    Priority.HIGH: 1,
    Priority.MEDIUM: 2,
    Priority.LOW: 3,
}
"""Sort order of priorities, most urgent first."""

NO_MILESTONE = "—"
"""Row key of the tasks that name no milestone, when the others do."""


def rag_rule(blocked_days: float = DEFAULT_BLOCKED_DAYS, slip_days: int = DEFAULT_SLIP_DAYS) -> str:
    """Return the one-line RAG rule printed in every status report (plain text, our own)."""
    return (
        f"RAG rule: RED = over {slip_days} days late or a task blocked {blocked_days:g}+ days · "
        f"AMBER = a task blocked or 1–{slip_days} days late · GREEN = done or on track · "
        "OVERALL = worst of milestones, sprint and open risks."
    )


def natural_key(text: str) -> tuple:
    """Sort key that orders ``M1.2`` before ``M1.10`` and ``T-9`` before ``T-10``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.upper()))


def gates_met(milestone: Milestone) -> int:
    """Return how many of a milestone's gate criteria are marked met (indexes past its gates ignored)."""
    return len({i for i in milestone.gates_met if 0 <= i < len(milestone.gates)})


def _owner(tasks: Sequence[Task]) -> Assignee | None:
    """The most common assignee of ``tasks`` (ties: the first seen), or None."""
    counts = Counter((t.assignee.kind, t.assignee.id) for t in tasks if t.assignee)
    if not counts:
        return None
    kind, ident = counts.most_common(1)[0][0]
    return Assignee(kind=kind, id=ident)


def _local_date(moment: datetime, now: datetime) -> date:
    return moment.astimezone(now.tzinfo).date() if now.tzinfo else moment.date()


def _blocked_days(task: Task, now: datetime) -> float:
    if task.blocked_since is None:
        return 0.0
    return max(0.0, (now - task.blocked_since).total_seconds() / 86400)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class GroupRag(BaseModel):
    """The RAG of a group of tasks (a milestone, a sprint) and why.

    Attributes:
        why: short plain text, e.g. ``T-7 blocked 3.2 days`` or ``finishes 5 days late`` (keys
            only, no user text).
        projected: when the group's last task is done, on the current plan (None: no tasks).
        slip_days: days ``projected`` falls after the due date (0 when on time or no due date);
            while awaiting gates, days today falls after it.
        done: every task finished and every gate met.
        awaiting_gates: every task finished, but a gate is not met yet (not done).
    """

    rag: Rag
    why: str
    done: bool = False
    awaiting_gates: bool = False
    projected: date | None = None
    slip_days: int = 0


def group_rag(
    tasks: Sequence[Task],
    *,
    finish: dict[str, datetime],
    due: date | None,
    now: datetime,
    today: date,
    blocked_days: float = DEFAULT_BLOCKED_DAYS,
    slip_days: int = DEFAULT_SLIP_DAYS,
    gates: int = 0,
    gates_met: int = 0,
) -> GroupRag:
    """Rate a group of tasks by the module's RAG rule.

    A milestone's gate criteria say it is reached (seeds 000 and 001, "Milestone Gates"): with
    every task finished but a gate unmet it is not done but AMBER, ``gates 1/3 met`` (RED once
    more than ``slip_days`` past its due date).

    Args:
        tasks: the group's tasks.
        finish: each task's projected finish (:func:`maestro.triggers.projected_finish`), UTC.
        due: the group's due date (a milestone's ``due``, else the sprint end), or None.
        now: the current instant (aware); dates are read in its timezone.
        today: the project's date now.
        blocked_days: days BLOCKED that make a group RED.
        slip_days: days late that make a group RED (more than this many).
        gates: how many gate criteria the group (a milestone) has; 0 for a sprint or a label.
        gates_met: how many of them are marked met.

    Returns:
        The rating, the reason, and the projected finish date.
    """
    if tasks and all(not t.is_open for t in tasks):
        ends = [_local_date(t.completed_at, now) for t in tasks if t.completed_at]
        finished = max(ends, default=today)
        if gates_met >= gates:
            return GroupRag(rag=Rag.GREEN, why="done", done=True, projected=finished)
        late = max(0, (today - due).days) if due else 0
        why = f"gates {gates_met}/{gates} met" + (f", {_plural(late, 'day')} past due {due}" if late else "")
        rag = Rag.RED if late > slip_days else Rag.AMBER
        return GroupRag(rag=rag, why=why, awaiting_gates=True, projected=finished, slip_days=late)
    dates = [_local_date(finish[t.key], now) for t in tasks if t.key in finish]
    projected = max(dates, default=today)
    slip = max(0, (projected - due).days) if due else 0
    blocked = sorted(
        (t for t in tasks if t.status is TaskStatus.BLOCKED),
        key=lambda t: -_blocked_days(t, now),
    )
    late = f"finishes {_plural(slip, 'day')} late: {projected.isoformat()}, due {due}"
    if slip > slip_days:
        return GroupRag(rag=Rag.RED, why=late, projected=projected, slip_days=slip)
    if blocked and _blocked_days(blocked[0], now) >= blocked_days:
        why = f"{blocked[0].key} blocked {_blocked_days(blocked[0], now):.1f} days"
        return GroupRag(rag=Rag.RED, why=why, projected=projected, slip_days=slip)
    if blocked:
        return GroupRag(rag=Rag.AMBER, why=f"{blocked[0].key} blocked", projected=projected, slip_days=slip)
    if slip > 0:
        return GroupRag(rag=Rag.AMBER, why=late, projected=projected, slip_days=slip)
    return GroupRag(
        rag=Rag.GREEN, why="on track" if tasks else "no tasks yet", projected=projected, slip_days=0
    )


class MilestoneRow(BaseModel):
    """One row of the milestone summary (seed 001: Milestone, Status, Owner, Completion %).

    Attributes:
        key: ``M1.4`` (or the task's milestone label when the project defines no milestones;
            :data:`NO_MILESTONE` for tasks without one). Unescaped.
        title: ``Gateway`` (empty for a label); unescaped.
        owner: the most common assignee of its tasks.
        percent: completion 0–100 (:func:`maestro.sprints.progress_of`).
        status: its RAG, why, projected finish and slip.
        gates, gates_met: how many gate criteria it has, and how many are marked met.
    """

    key: str
    title: str = ""
    owner: Assignee | None = None
    percent: int = 0
    tasks: int = 0
    done: int = 0
    due: date | None = None
    status: GroupRag
    gates: int = 0
    gates_met: int = 0

    @property
    def rag(self) -> Rag:
        """The row's RED/AMBER/GREEN."""
        return self.status.rag

    @property
    def label(self) -> str:
        """``M1.4 — Gateway`` or just the key (unescaped)."""
        return f"{self.key} — {self.title}" if self.title else self.key


class Blocker(BaseModel):
    """An active blocker (seed 001's BLOCKERS): a BLOCKED task, or an escalation awaiting a decision.

    Attributes:
        kind: ``task`` or ``escalation``.
        key: the task key (``T-7``), or the escalation's id.
        title: the task title or the escalation's issue (unescaped).
        reason: why the task is blocked (empty for an escalation).
        owner: the task's assignee.
        since: when it started (blocked since / raised at), UTC.
        age_days: days since then.
        rag: RED when blocked ``blocked_days`` or more (escalations: always AMBER).
        waits_on: Slack user ids who may decide (escalations).
        blocking: task keys that wait (escalations: its ``blocking``; tasks: open dependents).
    """

    kind: Literal["task", "escalation"]
    key: str
    title: str
    reason: str = ""
    owner: Assignee | None = None
    since: datetime | None = None
    age_days: float = 0.0
    rag: Rag = Rag.AMBER
    priority: Priority = Priority.HIGH
    waits_on: list[str] = Field(default_factory=list)
    blocking: list[str] = Field(default_factory=list)


class MilestoneRef(BaseModel):
    """A milestone named in a list: key, title, completion."""

    key: str
    title: str = ""
    percent: int = 0


class StatusReport(BaseModel):
    """Seed 001's RAG sprint status report, computed; render it with ``maestro.report_cards``.

    Attributes:
        reason: why it was made (the title says so).
        sprint: the sprint it covers; None: the whole board.
        generated: the report date, in the project's timezone (``Generated: YYYY-MM-DD``).
        overall: the overall RAG; ``drivers`` says what made it so (plain text, keys only).
        rule: the one-line RAG rule, printed in the report.
        progress: the sprint's tasks (or the board's) by status, and its completion.
        sprint_day: where the sprint stands on ``generated`` (:func:`maestro.sprints.sprint_day`,
            the reading the standup shows too); None without a sprint.
        sprint_status: the sprint's own RAG (due = its end).
        milestones: the milestone summary, in key order.
        risks: the open risks, worst first.
        blockers: BLOCKED tasks (oldest first), then escalations awaiting a decision.
        completed: tasks completed this sprint (no sprint: in the last 14 days), newest first.
        carry_over: open tasks of the sprint (a closed one: those it carried on), most urgent
            first; the preview counts them, it does not list them.
        next_up: the next sprint's candidates: open tasks outside this sprint (the backlog),
            most urgent first; with no sprint, the board's open tasks.
        awaiting_person: tasks of the scope in REVIEW that only a person can approve, in key order.
        startable: milestones not started whose dependencies are done or due to be by the
            sprint's end (the next sprint can begin them).
        board_tasks: how many tasks the whole board has.
    """

    reason: ReportReason = "request"
    sprint: Sprint | None = None
    generated: date
    reporter: str = REPORTER
    overall: Rag
    drivers: list[str] = Field(default_factory=list)
    rule: str
    progress: Progress
    sprint_day: SprintDay | None = None
    sprint_status: GroupRag
    milestones: list[MilestoneRow] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    blockers: list[Blocker] = Field(default_factory=list)
    completed: list[Task] = Field(default_factory=list)
    carry_over: list[Task] = Field(default_factory=list)
    next_up: list[Task] = Field(default_factory=list)
    awaiting_person: list[Task] = Field(default_factory=list)
    startable: list[MilestoneRef] = Field(default_factory=list)
    board_tasks: int = 0

    @property
    def scope(self) -> str:
        """``Sprint 7 — Checkout`` or ``the whole board`` (unescaped)."""
        if self.sprint is None:
            return "the whole board"
        name = self.sprint.name
        number = f"Sprint {self.sprint.number}"
        return name if name == number else f"{number} — {name}"


def _milestone_rows(
    tasks: Sequence[Task],
    milestones: Sequence[Milestone],
    *,
    finish: dict[str, datetime],
    sprint: Sprint | None,
    now: datetime,
    today: date,
    blocked_days: float,
) -> list[MilestoneRow]:
    groups: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        label = (task.milestone or "").strip()
        groups[(label.upper() if milestones else label) or NO_MILESTONE].append(task)

    def due_for(members: list[Task], due: date | None) -> date | None:
        # A milestone without a due date is due by the end of the sprint that holds its work;
        # one with no task in the sprint has no date to slip against.
        if due or sprint is None:
            return due
        return sprint.end if any(t.sprint == sprint.id for t in members) else None

    rows = []
    if milestones:
        for milestone in sorted(milestones, key=lambda m: natural_key(m.key)):
            members = groups.get(milestone.key, [])
            rows.append(
                _row(
                    milestone.key,
                    milestone.title,
                    members,
                    due=due_for(members, milestone.due),
                    finish=finish,
                    now=now,
                    today=today,
                    blocked_days=blocked_days,
                    gates=len(milestone.gates),
                    gates_met=gates_met(milestone),
                )
            )
        return rows
    if set(groups) <= {NO_MILESTONE}:
        return []  # no milestones and no labels: no table
    for label in sorted(groups, key=lambda k: (k == NO_MILESTONE, natural_key(k))):
        rows.append(
            _row(
                label,
                "",
                groups[label],
                due=due_for(groups[label], None),
                finish=finish,
                now=now,
                today=today,
                blocked_days=blocked_days,
            )
        )
    return rows


def _row(
    key: str,
    title: str,
    members: list[Task],
    *,
    due: date | None,
    finish: dict[str, datetime],
    now: datetime,
    today: date,
    blocked_days: float,
    gates: int = 0,
    gates_met: int = 0,
) -> MilestoneRow:
    progress = progress_of(members)
    status = group_rag(
        members,
        finish=finish,
        due=due,
        now=now,
        today=today,
        blocked_days=blocked_days,
        gates=gates,
        gates_met=gates_met,
    )
    return MilestoneRow(
        key=key,
        title=title,
        owner=_owner(members),
        percent=progress.percent,
        tasks=progress.total,
        done=progress.completed,
        due=due,
        status=status,
        gates=gates,
        gates_met=gates_met,
    )


def build_status_report(
    *,
    tasks: Sequence[Task],
    sprint: Sprint | None,
    milestones: Sequence[Milestone],
    risks: Sequence[Risk],
    escalations: Sequence[EscalationRecord],
    now: datetime,
    today: date,
    blocked_days: float = DEFAULT_BLOCKED_DAYS,
    reason: ReportReason = "request",
) -> StatusReport:
    """Compute seed 001's RAG status report of a sprint, or of the whole board when there's none.

    Args:
        tasks: every task of the project (the whole board: dependencies cross sprints).
        sprint: the sprint to report on; None reports the whole board.
        milestones: the project's milestones; none groups the rows by the tasks' milestone
            labels, and no labels leaves the milestone table out.
        risks: the project's risks (closed ones are ignored).
        escalations: the project's open escalations.
        now: the current instant, aware, preferably in the project's timezone.
        today: the project's date now.
        blocked_days: days BLOCKED after which a task makes its milestone RED.
        reason: ``request``, ``weekly`` or ``sprint-end`` (the rendered title says which).

    Returns:
        The report; milestone rows in key order, risks worst first, blockers oldest first.
    """
    finish = projected_finish(tasks, now)
    # A closed sprint's unfinished tasks have moved on; ``Sprint.carried`` still names them.
    carried = set(sprint.carried) if sprint else set()
    scope = [t for t in tasks if t.sprint == sprint.id or t.key in carried] if sprint else list(tasks)
    rows = _milestone_rows(
        tasks, milestones, finish=finish, sprint=sprint, now=now, today=today, blocked_days=blocked_days
    )
    sprint_status = group_rag(
        scope,
        finish=finish,
        due=sprint.end if sprint else None,
        now=now,
        today=today,
        blocked_days=blocked_days,
    )
    open_risks = sorted((r for r in risks if r.is_open), key=lambda r: (RAG_ORDER[r.rag], r.number))
    overall = worst([*(r.rag for r in rows), sprint_status.rag, *(r.rag for r in open_risks)])
    drivers = [
        f"{row.key}: {row.status.why}" for row in rows if row.rag is overall and overall is not Rag.GREEN
    ]
    if sprint_status.rag is overall and overall is not Rag.GREEN:
        drivers.insert(0, f"{'Sprint' if sprint else 'Board'}: {sprint_status.why}")
    drivers += [
        f"{r.key} is {r.rag.value}" for r in open_risks if r.rag is overall and overall is not Rag.GREEN
    ]

    dependents: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        for dep in task.depends_on:
            dependents[dep].append(task)
    blockers = [
        Blocker(
            kind="task",
            key=t.key,
            title=t.title,
            reason=t.blocked_reason or "",
            owner=t.assignee,
            since=t.blocked_since,
            age_days=round(_blocked_days(t, now), 1),
            rag=Rag.RED if _blocked_days(t, now) >= blocked_days else Rag.AMBER,
            priority=t.priority,
            blocking=[d.key for d in dependents.get(t.key, []) if d.is_open],
        )
        for t in sorted(
            (t for t in scope if t.status is TaskStatus.BLOCKED), key=lambda t: -_blocked_days(t, now)
        )
    ]
    blockers += [
        Blocker(
            kind="escalation",
            key=e.id,
            title=e.issue,
            since=e.created_at,
            age_days=round(max(0.0, (now - e.created_at).total_seconds() / 86400), 1),
            priority=e.priority,
            waits_on=list(e.deciders),
            blocking=list(e.blocking),
        )
        for e in sorted(escalations, key=lambda e: e.created_at)
        if e.decision is None
    ]

    if sprint:
        completed = [t for t in scope if t.status is TaskStatus.COMPLETED]
    else:
        since = today - timedelta(days=DEFAULT_SPRINT_DAYS)
        completed = [
            t
            for t in scope
            if t.status is TaskStatus.COMPLETED
            and t.completed_at
            and _local_date(t.completed_at, now) > since
        ]
    completed.sort(key=lambda t: t.completed_at or t.updated_at, reverse=True)

    def urgent_first(found) -> list[Task]:
        return sorted(found, key=lambda t: (PRIORITY_RANK[t.priority], t.number))

    carry_over = urgent_first(t for t in scope if t.is_open)
    in_scope = {t.key for t in scope}
    next_up = urgent_first(t for t in tasks if t.is_open and t.key not in in_scope) if sprint else carry_over
    horizon = sprint.end if sprint else today + timedelta(days=DEFAULT_SPRINT_DAYS)
    return StatusReport(
        reason=reason,
        sprint=sprint,
        generated=today,
        overall=overall,
        drivers=drivers,
        rule=rag_rule(blocked_days),
        progress=progress_of(scope),
        sprint_day=sprint_day(sprint, today, now.tzinfo or UTC) if sprint else None,
        sprint_status=sprint_status,
        milestones=rows,
        risks=open_risks,
        blockers=blockers,
        completed=completed,
        carry_over=carry_over,
        next_up=next_up,
        awaiting_person=sorted((t for t in scope if t.waits_for_person), key=lambda t: t.number),
        startable=_startable(tasks, milestones, rows, horizon),
        board_tasks=len(tasks),
    )


def _startable(
    tasks: Sequence[Task], milestones: Sequence[Milestone], rows: list[MilestoneRow], horizon: date
) -> list[MilestoneRef]:
    """Milestones not yet started whose dependencies are done, or projected done by ``horizon``.

    A dependency whose work is finished but whose gates are not all met holds its dependents:
    only marking its gates met (``/sprint milestone gate M1.4 2 met``) lets them start.
    """
    by_key = {row.key: row for row in rows}
    started = {
        (t.milestone or "").upper() for t in tasks if t.status is not TaskStatus.ASSIGNED and t.milestone
    }
    found = []
    for milestone in sorted(milestones, key=lambda m: natural_key(m.key)):
        row = by_key.get(milestone.key)
        if row is None or row.status.done or milestone.key in started:
            continue
        ready = all(
            dep in by_key
            and (
                by_key[dep].status.done
                or (
                    not by_key[dep].status.awaiting_gates
                    and (by_key[dep].status.projected or horizon) <= horizon
                )
            )
            for dep in milestone.depends_on
        )
        if ready:
            found.append(MilestoneRef(key=milestone.key, title=milestone.title, percent=row.percent))
    return found


# -- dependency map ------------------------------------------------------------------------------


class DepRef(BaseModel):
    """A task or milestone named in a dependency map entry.

    Attributes:
        key: ``T-3`` or ``M1.2``.
        title: its title (unescaped).
        status: the task's status (None for a milestone).
        percent: the task's percent, or the milestone's completion.
        owner: the task's assignee (a milestone: its most common one).
        reason: why the task is blocked, when it is.
        milestone: the task's milestone key, if any.
    """

    key: str
    title: str = ""
    status: TaskStatus | None = None
    percent: int = 0
    owner: Assignee | None = None
    reason: str = ""
    milestone: str | None = None


class DepNode(BaseModel):
    """One entry of seed 001's dependency map (a task, or a milestone in place of a service).

    Attributes:
        kind: ``task`` or ``milestone``.
        node: the task or milestone itself.
        depends_on: what it needs first (seed: "Depends On").
        depended_on_by: what needs it (seed: "Depended On By").
        blocking: its unfinished tasks that open tasks elsewhere wait for (seed: "Blocking Tasks").
        blocked_by: unfinished tasks it waits for, and its own BLOCKED tasks (seed: "Blocked By",
            with the owner).
        missing: dependency keys that name no task.
    """

    kind: Literal["task", "milestone"]
    node: DepRef
    depends_on: list[DepRef] = Field(default_factory=list)
    depended_on_by: list[DepRef] = Field(default_factory=list)
    blocking: list[DepRef] = Field(default_factory=list)
    blocked_by: list[DepRef] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class DependencyMap(BaseModel):
    """Seed 001's dependency map of a project, or of one task or milestone and its neighbours.

    Attributes:
        mode: ``task`` (one entry per task) or ``milestone`` (one per milestone).
        focus: the key asked about, or None for the whole map.
        nodes: the entries, the focus first, then in key order.
        omitted: tasks left out of a whole-board task map (finished, or with no dependencies).
    """

    generated: date
    mode: Literal["task", "milestone"]
    focus: str | None = None
    nodes: list[DepNode] = Field(default_factory=list)
    omitted: int = 0


def _task_ref(task: Task) -> DepRef:
    return DepRef(
        key=task.key,
        title=task.title,
        status=task.status,
        percent=100 if task.status is TaskStatus.COMPLETED else task.percent,
        owner=task.assignee,
        reason=(task.blocked_reason or "") if task.status is TaskStatus.BLOCKED else "",
        milestone=task.milestone,
    )


def build_dependency_map(
    tasks: Sequence[Task],
    milestones: Sequence[Milestone],
    *,
    focus: str | None = None,
    today: date,
) -> DependencyMap:
    """Compute seed 001's dependency map (pure).

    Per milestone when the project has milestones (unless ``focus`` is a task key), else per task.
    A whole-board task map lists the open tasks that depend on something or that something
    depends on; finished tasks appear only where an entry names them.

    Args:
        tasks: every task of the project.
        milestones: the project's milestones.
        focus: a task key (``T-3``) or milestone key (``M1.4``): that one and its neighbours.
        today: the report date.

    Returns:
        The map; entries in key order, the focus first.

    Raises:
        NotFound: ``focus`` names no task or milestone of the project.
    """
    by_key = {t.key: t for t in tasks}
    dependents: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        for dep in task.depends_on:
            dependents[dep].append(task)
    wanted = focus.strip().upper() if focus else None
    if wanted and re.fullmatch(r"T?-?\d{1,6}", wanted):
        wanted = f"T-{int(wanted.lstrip('T-'))}"
    milestone_keys = {m.key for m in milestones}
    if wanted and wanted not in by_key and wanted not in milestone_keys:
        raise NotFound(
            f"There's no task or milestone `{escape(focus or '')}` here. Try `/report deps T-3`, "
            "`/report deps M1.4`, or `/report deps` for the whole map."
        )
    if milestones and (wanted is None or wanted in milestone_keys):
        return _milestone_map(tasks, milestones, dependents, focus=wanted, today=today)

    def node(task: Task) -> DepNode:
        deps = [by_key[d] for d in task.depends_on if d in by_key]
        waiting = dependents.get(task.key, [])
        blocked_by = [_task_ref(d) for d in deps if d.is_open]
        return DepNode(
            kind="task",
            node=_task_ref(task),
            depends_on=[_task_ref(d) for d in deps],
            depended_on_by=[_task_ref(w) for w in waiting],
            blocking=[_task_ref(w) for w in waiting if w.is_open] if task.is_open else [],
            blocked_by=blocked_by,
            missing=[d for d in task.depends_on if d not in by_key],
        )

    if wanted:
        centre = by_key[wanted]
        around = {d for d in centre.depends_on if d in by_key} | {w.key for w in dependents.get(wanted, [])}
        chosen = [centre, *sorted((by_key[k] for k in around), key=lambda t: t.number)]
        return DependencyMap(generated=today, mode="task", focus=wanted, nodes=[node(t) for t in chosen])
    chosen = [t for t in tasks if t.is_open and (t.depends_on or dependents.get(t.key))]
    chosen.sort(key=lambda t: t.number)
    return DependencyMap(
        generated=today, mode="task", nodes=[node(t) for t in chosen], omitted=len(tasks) - len(chosen)
    )


def _milestone_map(
    tasks: Sequence[Task],
    milestones: Sequence[Milestone],
    dependents: dict[str, list[Task]],
    *,
    focus: str | None,
    today: date,
) -> DependencyMap:
    keys = {m.key for m in milestones}
    by_key = {t.key: t for t in tasks}

    def milestone_of(task: Task) -> str | None:
        label = (task.milestone or "").strip().upper()
        return label if label in keys else None

    members: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        if (label := milestone_of(task)) is not None:
            members[label].append(task)
    needs: dict[str, set[str]] = {m.key: {d for d in m.depends_on if d in keys} for m in milestones}
    for key, group in members.items():
        for task in group:
            for dep in task.depends_on:
                other = milestone_of(by_key[dep]) if dep in by_key else None
                if other and other != key:
                    needs[key].add(other)
    needed_by: dict[str, set[str]] = defaultdict(set)
    for key, deps in needs.items():
        for dep in deps:
            needed_by[dep].add(key)
    info = {m.key: m for m in milestones}

    def ref(key: str) -> DepRef:
        group = members.get(key, [])
        return DepRef(key=key, title=info[key].title, percent=progress_of(group).percent, owner=_owner(group))

    def node(key: str) -> DepNode:
        group = members.get(key, [])
        blocking = [
            t
            for t in group
            if t.is_open and any(w.is_open and milestone_of(w) != key for w in dependents[t.key])
        ]
        outside = {
            d
            for t in group
            if t.is_open
            for d in t.depends_on
            if d in by_key and by_key[d].is_open and milestone_of(by_key[d]) != key
        }
        blocked_by = [_task_ref(by_key[d]) for d in sorted(outside, key=natural_key)]
        blocked_by += [_task_ref(t) for t in group if t.status is TaskStatus.BLOCKED]
        return DepNode(
            kind="milestone",
            node=ref(key),
            depends_on=[ref(k) for k in sorted(needs[key], key=natural_key)],
            depended_on_by=[ref(k) for k in sorted(needed_by[key], key=natural_key)],
            blocking=[_task_ref(t) for t in blocking],
            blocked_by=blocked_by,
            missing=sorted({d for t in group for d in t.depends_on if d not in by_key}, key=natural_key),
        )

    if focus:
        around = sorted(needs[focus] | needed_by[focus], key=natural_key)
        chosen = [focus, *around]
    else:
        chosen = sorted(keys, key=natural_key)
    return DependencyMap(
        generated=today, mode="milestone", focus=focus, nodes=[node(k) for k in chosen], omitted=0
    )
