"""Seed 001's "Gantt-Style Timeline": one bar per milestone (or per task), as data and as monospace text.

Pure: tasks, milestones and the sprint in, a :class:`Timeline` out; :func:`render_timeline_text`
draws it as a monospace block at most :data:`LINE_WIDTH` characters wide, so it reads on a phone::

    TIMELINE — Sprint 7 — Checkout
    Generated: 2026-06-10 · 1 column = 1 day
                 06-01  06-08  06-15  06-22
                 |      |      |      |
    M1.1 Shared  [====*]                     100% G
    M1.2 Product      [===-----]  *           60% A
    M1.3 Docs    |      |      |      *     no tasks
                 |      |      |      |
                          ^ today 06-10
                              ^ sprint end 06-14

A task's bar runs from when its work began (its creation) to its completion; while it is open,
to its projected finish (:func:`maestro.triggers.projected_finish`), and a task not started yet
begins when its dependencies are projected to finish (today at the earliest). A milestone's bar
spans its tasks' bars. ``=`` up to today, ``-`` the projected rest, ``*`` the row's due date
(a milestone's gate). Every milestone has a row, with or without tasks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from maestro.models import Task, TaskStatus
from maestro.reports import NO_MILESTONE, gates_met, group_rag, natural_key
from maestro.risks import Rag
from maestro.sprints import Milestone, Sprint, progress_of
from maestro.text import truncate
from maestro.triggers import DEFAULT_BLOCKED_DAYS, projected_finish

LINE_WIDTH = 60
"""Widest line of the monospace timeline, in characters (a phone shows about this many)."""

LABEL_WIDTH = 12
"""Characters of a row's label (``M1.2 Product``)."""

CHART_WIDTH = 38
"""Columns of the bar area."""

MAX_TEXT_ROWS = 30
"""Rows the monospace timeline shows; the rest are counted (``… and 12 more``)."""

MAX_GATES = 4
"""Gate markers (milestone due dates) drawn under the monospace timeline."""

_DAYS_PER_COLUMN = (1, 2, 3.5, 7, 14, 28)


class TimelineRow(BaseModel):
    """One bar: a milestone or a task.

    Attributes:
        key: ``M1.2`` or ``T-7`` (or a milestone label); unescaped.
        title: its title; unescaped.
        start: first task created (None: no tasks yet, no bar).
        end: last completion, or the projected finish while open.
        done: every task completed and, for a milestone, every gate met.
        percent: completion 0–100.
        rag: RED/AMBER/GREEN by :func:`maestro.reports.group_rag`.
        blocked: a task of it is BLOCKED.
        due: the date its RAG is measured against: its own due date, else the sprint's end.
        deadline: its own due date (a task's ``--due``, a milestone's gate), drawn on its row.
        late: ``end`` falls after ``deadline``.
    """

    key: str
    title: str = ""
    start: date | None = None
    end: date | None = None
    done: bool = False
    percent: int = 0
    rag: Rag = Rag.GREEN
    blocked: bool = False
    due: date | None = None
    deadline: date | None = None
    late: bool = False


class Gate(BaseModel):
    """A date marked under the bars: the sprint end or a milestone's due date."""

    label: str
    day: date


class Timeline(BaseModel):
    """A project's Gantt-style timeline (seed 001).

    Attributes:
        mode: ``milestone`` rows or ``task`` rows.
        sprint: the current sprint, if any (its end is marked).
        rows: every row, most relevant first (open work before finished work), so that folding
            keeps the first ones; :meth:`shown` orders the kept ones by date.
        gates: the sprint end, then milestone due dates, by date.
    """

    generated: date
    today: date
    mode: Literal["milestone", "task"]
    sprint: Sprint | None = None
    rows: list[TimelineRow] = Field(default_factory=list)
    gates: list[Gate] = Field(default_factory=list)

    @property
    def title(self) -> str:
        """``TIMELINE — Sprint 7 — Checkout`` or ``TIMELINE — whole board`` (unescaped)."""
        if self.sprint is None:
            return "TIMELINE — whole board"
        number = f"Sprint {self.sprint.number}"
        name = self.sprint.name if self.sprint.name == number else f"{number} — {self.sprint.name}"
        return f"TIMELINE — {name}"

    def shown(self, limit: int) -> list[TimelineRow]:
        """Return the first ``limit`` rows: milestones in key order, tasks by start date (no bar last)."""
        kept = self.rows[:limit]
        if self.mode == "milestone":
            return sorted(kept, key=lambda r: natural_key(r.key))
        return sorted(kept, key=lambda r: (r.start is None, r.start or self.today, natural_key(r.key)))

    def window(self, rows: Sequence[TimelineRow]) -> tuple[date, date]:
        """Return the first (a Monday) and last day to draw: rows, due dates, gates, today, the sprint."""
        days = [self.today, *(d for r in rows for d in (r.start, r.end, r.deadline) if d)]
        days += [g.day for g in self.gates]
        if self.sprint:
            days += [self.sprint.start, self.sprint.end]
        first, last = min(days), max(days)
        return first - timedelta(days=first.weekday()), last


def build_timeline(
    tasks: Sequence[Task],
    milestones: Sequence[Milestone],
    *,
    sprint: Sprint | None,
    today: date,
    now: datetime | None = None,
    blocked_days: float = DEFAULT_BLOCKED_DAYS,
) -> Timeline:
    """Compute the timeline: one row per milestone, or per task when the project has no milestones.

    Args:
        tasks: every task of the project.
        milestones: the project's milestones (none: rows per task — the sprint's tasks when it
            has any, else the whole board's).
        sprint: the current sprint, if any; its end is a gate.
        today: the project's date now.
        now: the current instant (aware; default: noon UTC of ``today``); dates are read in its
            timezone.
        blocked_days: days BLOCKED that make a row RED.

    Returns:
        The timeline; rows with open work first.
    """
    now = now or datetime.combine(today, time(12), UTC)
    finish = projected_finish(tasks, now)
    spans = task_spans(tasks, now, finish)

    def row(
        key: str,
        title: str,
        members: Sequence[Task],
        due: date | None,
        milestone: Milestone | None = None,
        deadline: date | None = None,
    ) -> TimelineRow:
        status = group_rag(
            members,
            finish=finish,
            due=due,
            now=now,
            today=today,
            blocked_days=blocked_days,
            gates=len(milestone.gates) if milestone else 0,
            gates_met=gates_met(milestone) if milestone else 0,
        )
        start = min((spans[t.key][0] for t in members), default=None)
        end = max((spans[t.key][1] for t in members), default=None)
        return TimelineRow(
            key=key,
            title=title,
            start=start,
            end=end,
            done=status.done,
            percent=progress_of(list(members)).percent,
            rag=status.rag,
            blocked=any(t.status is TaskStatus.BLOCKED for t in members),
            due=due,
            deadline=deadline,
            late=bool(deadline and end and end > deadline),
        )

    in_sprint = [t for t in tasks if sprint and t.sprint == sprint.id]
    sprint_keys = {t.key for t in in_sprint}
    gates = [Gate(label="sprint end", day=sprint.end)] if sprint else []
    if milestones:
        groups: dict[str, list[Task]] = defaultdict(list)
        for task in tasks:
            groups[(task.milestone or "").strip().upper() or NO_MILESTONE].append(task)
        rows = []
        for milestone in sorted(milestones, key=lambda m: natural_key(m.key)):
            members = groups.get(milestone.key, [])
            due = milestone.due or (
                sprint.end if sprint and any(t.key in sprint_keys for t in members) else None
            )
            rows.append(row(milestone.key, milestone.title, members, due, milestone, milestone.due))
            if milestone.due:
                gates.append(Gate(label=f"{milestone.key} gate", day=milestone.due))
        mode: Literal["milestone", "task"] = "milestone"
    else:
        scope = in_sprint or list(tasks)
        rows = [
            row(
                t.key,
                t.title,
                [t],
                t.due or (sprint.end if sprint and t.sprint == sprint.id else None),
                deadline=t.due,
            )
            for t in sorted(scope, key=lambda t: t.number)
        ]
        mode = "task"
    rows.sort(key=lambda r: (r.done, r.start is None))  # stable: open work first, then key order
    gates.sort(key=lambda g: g.day)
    return Timeline(generated=today, today=today, mode=mode, sprint=sprint, rows=rows, gates=gates)


def task_spans(
    tasks: Sequence[Task], now: datetime, finish: dict[str, datetime] | None = None
) -> dict[str, tuple[date, date]]:
    """Return each task's bar: ``(first day, last day)`` in the timezone of ``now`` (pure).

    A finished task runs from its creation to its completion. An open task ends at its projected
    finish (:func:`maestro.triggers.projected_finish`); one whose work began (in progress, in
    review, or blocked after starting) starts at its creation, one not started yet when its
    dependencies are projected to finish (``now`` at the earliest), as the projection plans it.

    Args:
        tasks: the project's tasks (dependencies are looked up among them).
        now: the current instant (aware).
        finish: their projected finishes, when already computed.

    Returns:
        task key → (start, end), ``start <= end``.
    """
    finish = finish if finish is not None else projected_finish(tasks, now)

    def local(moment: datetime) -> date:
        return moment.astimezone(now.tzinfo).date()

    spans = {}
    for task in tasks:
        end = finish.get(task.key, task.completed_at or now)
        not_started = task.status is TaskStatus.ASSIGNED or (
            task.status is TaskStatus.BLOCKED and task.blocked_from in (None, TaskStatus.ASSIGNED)
        )
        if task.is_open and not_started:
            begin = max([now, *(finish[d] for d in task.depends_on if d in finish)])
        else:
            begin = task.created_at
        first, last = local(begin), local(end)
        spans[task.key] = (min(first, last), last)
    return spans


def _scale(first: date, last: date) -> float:
    days = (last - first).days + 1
    for per_column in _DAYS_PER_COLUMN:
        if math.ceil(days / per_column) <= CHART_WIDTH:
            return per_column
    return _DAYS_PER_COLUMN[-1]


def render_timeline_text(timeline: Timeline, *, max_rows: int = MAX_TEXT_ROWS) -> str:
    """Draw the timeline as monospace text, every line at most :data:`LINE_WIDTH` characters.

    Args:
        timeline: the timeline.
        max_rows: rows drawn; the rest are counted on a last line (``… and 12 more``).

    Returns:
        Plain text (unescaped: escape it before posting it as mrkdwn).
    """
    lines = [truncate(timeline.title, LINE_WIDTH), ""]
    rows = timeline.shown(max_rows)
    if not rows:
        return "\n".join([lines[0], "No tasks yet."])
    first, last = timeline.window(rows)
    per_column = _scale(first, last)
    if math.ceil(((last - first).days + 1) / per_column) > CHART_WIDTH:  # longer than the widest scale
        first = last - timedelta(days=int(CHART_WIDTH * per_column) - 1)
    columns = min(CHART_WIDTH, math.ceil(((last - first).days + 1) / per_column))

    def column(day: date) -> int:
        return int((day - first).days // per_column)

    unit = "1 day" if per_column == 1 else f"{per_column:g} days"
    lines[1] = f"Generated: {timeline.generated.isoformat()} · 1 column = {unit}"
    pad = " " * (LABEL_WIDTH + 1)
    tick_weeks = next(w for w in (1, 2, 4, 8, 16, 32) if w * 7 / per_column >= 6)
    ticks = [column(first + timedelta(weeks=w)) for w in range(0, 400, tick_weeks)]
    ticks = [c for c in ticks if c < columns]
    scale_line = [" "] * columns
    grid = [" "] * columns
    for tick in ticks:
        grid[tick] = "|"
        label = (first + timedelta(days=tick * per_column)).strftime("%m-%d")
        if tick + len(label) <= columns and all(c == " " for c in scale_line[max(0, tick - 1) : tick + 5]):
            scale_line[tick : tick + len(label)] = label
    lines += [pad + "".join(scale_line).rstrip(), pad + "".join(grid).rstrip()]
    today_column = column(timeline.today)
    for item in rows:
        label = truncate(f"{item.key} {item.title}".strip(), LABEL_WIDTH).ljust(LABEL_WIDTH)
        bar = list(grid)
        if item.start and item.end and item.end >= first:
            left, right = max(0, column(item.start)), min(columns - 1, column(item.end))
            for index in range(left, right + 1):
                bar[index] = "=" if item.done or index <= today_column else "-"
            if right - left >= 2:
                bar[left] = "<" if column(item.start) < 0 else "["
                bar[right] = "]"
        if item.deadline and first <= item.deadline <= last:
            bar[min(columns - 1, column(item.deadline))] = "*"
        status = "no tasks" if item.start is None else f"{item.percent:>3}% {item.rag.value[0]}"
        lines.append(f"{label} {''.join(bar)} {status}".rstrip())
    if len(timeline.rows) > len(rows):
        lines.append(f"… and {len(timeline.rows) - len(rows)} more")
    lines.append(pad + "".join(grid).rstrip())
    markers = [Gate(label=f"today {timeline.today:%m-%d}", day=timeline.today)]
    gates = [g for g in timeline.gates if first <= g.day <= last]
    markers += [Gate(label=f"{g.label} {g.day:%m-%d}", day=g.day) for g in gates[:MAX_GATES]]
    for marker in (m for m in markers if first <= m.day <= last):
        at = LABEL_WIDTH + 1 + min(columns - 1, column(marker.day))
        text = f"^ {marker.label}"
        line = " " * at + text if at + len(text) <= LINE_WIDTH else (f"{marker.label} ^").rjust(at + 1)
        lines.append(truncate(line, LINE_WIDTH))
    if len(gates) > MAX_GATES:
        lines.append(f"… and {len(gates) - MAX_GATES} more gates")
    lines.append("= done or elapsed · - projected · * due · R/A/G = RAG")
    return "\n".join(truncate(line, LINE_WIDTH) for line in lines)
