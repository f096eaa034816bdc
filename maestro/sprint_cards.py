"""Block Kit builders for sprints, milestones and retros (pure functions: models in, Slack JSON out).

``/sprint status`` follows seed 000's "Sprint Tracking Format": the sprint's name, status,
``Start: … | End: …``, one line per task (``[ ] T-3 | backend (agent) | title | ASSIGNED``,
``[~] … | IN_PROGRESS (60%)``, ``[R]``, ``[X]``, ``[!] … | BLOCKED — reason``) and the milestone
gates as ``- [ ]`` / ``- [x]``. Every string a person wrote is escaped; long content is folded
visibly ("… and 480 more") within Block Kit's limits (50 blocks a message, 3,000 characters a
section).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from maestro.blocks import context, header, section
from maestro.cards import MAX_BLOCKS, MAX_SECTION_TEXT, STATUS_SYMBOLS
from maestro.models import Task, TaskStatus, actor_label
from maestro.retro import RETRO_HEADINGS, RetroAnswer, RetroKind
from maestro.sprint_store import CloseResult
from maestro.sprints import Milestone, Sprint, SprintStatus, progress_of, sprint_day
from maestro.text import escape, truncate
from maestro.workflow import WAITING_FOR_PERSON

ACTION_CLOSE_NEXT = "sprint_close_next"
"""``action_id`` of "Move unfinished to the next sprint" (value: :func:`close_button_value`)."""
ACTION_CLOSE_BACKLOG = "sprint_close_backlog"
"""``action_id`` of "Back to the backlog" (value: :func:`close_button_value`)."""

MAX_LIST_ROWS = 40
"""Most sprints ``/sprint list`` shows; the rest is counted."""

MAX_STATUS_ROWS = 60
"""Most task lines ``/sprint status`` shows (readable on a phone); the rest is counted."""

STATUS_ORDER: dict[TaskStatus, int] = {
    TaskStatus.BLOCKED: 0,
    TaskStatus.IN_PROGRESS: 1,
    TaskStatus.REVIEW: 2,
    TaskStatus.ASSIGNED: 3,
    TaskStatus.COMPLETED: 4,
}
"""Order of tasks in a sprint's status: what needs attention first, so folding hides finished work."""

SPRINT_HELP_LINES: tuple[str, ...] = (
    '`/sprint start Sprint 7 --days 14 --goal "Checkout works end to end"` — start one (no name: '
    "`Sprint <n>`)",
    "`/sprint add T-3 T-4` · `/sprint remove T-4` (back to the backlog)",
    "`/sprint status` (or `/sprint status Sprint 6`) · `/sprint list`",
    '`/sprint close` asks where unfinished tasks go · `/sprint close --to next --next "Sprint 8"` · '
    "`/sprint close --to backlog`",
    '`/sprint milestone add M1.4 Gateway --after M1.3,M1.2 --gate "All services pass health checks" '
    "--due 2026-12-01` (again to redefine it)",
    "`/sprint milestone attach M1.4 T-3 T-4` · `/sprint milestone gate M1.4 1 met` · `/sprint milestones`",
    "`/sprint retro` (or `/sprint retro Sprint 6`) — the answers from the retro thread, grouped",
    "Who may close a sprint or redefine a milestone: with approvers set (`/maestro approvers`), an "
    "approver, the sprint's starter (the milestone's author) or a workspace admin; with none, anyone here",
)
"""``/sprint``'s commands, one mrkdwn line each (also for ``/maestro help``)."""


# -- small pieces ------------------------------------------------------------------------------


def fold_lines(
    lines: Sequence[str], *, max_blocks: int, more: str, max_lines: int | None = None
) -> list[dict]:
    """Return sections holding ``lines`` (mrkdwn, one item each), at most ``max_blocks`` blocks.

    Lines go into sections of up to 3,000 characters; items that don't fit (or come after
    ``max_lines``) are counted in a last context block, ``… and 480 more <more>.``, so nothing is
    cut silently.
    """
    blocks: list[dict] = []
    chunk: list[str] = []
    size = 0
    shown = 0
    budget = MAX_SECTION_TEXT - 50
    for line in lines[:max_lines]:
        line = truncate(line, budget)
        if chunk and size + len(line) + 1 > budget:
            if len(blocks) + 2 >= max_blocks:  # keep room for this chunk and the "more" line
                break
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
        shown += 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    hidden = len(lines) - shown
    if hidden:
        blocks.append(context(f"… and {hidden} more {more}."))
    return blocks


def sprint_title(sprint: Sprint) -> str:
    """Return ``Sprint 7`` or ``Sprint 7 — Checkout`` (escaped; a name that says "Sprint …" alone)."""
    if sprint.name.casefold().startswith("sprint"):
        return escape(sprint.name)
    return f"Sprint {sprint.number} — {escape(sprint.name)}"


def progress_bar(percent: int, width: int = 10) -> str:
    """Return a text bar like ``▓▓▓▓░░░░░░`` for a percentage (0–100)."""
    filled = round(max(0, min(100, percent)) * width / 100)
    return "▓" * filled + "░" * (width - filled)


def _who(task: Task) -> str:
    return task.assignee.label() if task.assignee else "_unassigned_"


def sprint_task_line(task: Task) -> str:
    """Return seed 000's tracking line: ``[~] T-3 | backend (agent) | Title | IN_PROGRESS (60%)`` (mrkdwn)."""
    status = task.status.value
    if task.status is TaskStatus.IN_PROGRESS:
        status = f"IN_PROGRESS ({task.percent}%)"
    elif task.status is TaskStatus.BLOCKED:
        status = f"*BLOCKED* — {escape(truncate(task.blocked_reason or '', 80))}"
    elif task.waits_for_person:
        status = f"REVIEW ({WAITING_FOR_PERSON})"
    title = escape(truncate(task.title, 60))
    return f"`{STATUS_SYMBOLS[task.status]}` *{task.key}* | {_who(task)} | {title} | {status}"


def gate_lines(milestone: Milestone) -> list[str]:
    """Return seed 000's gate lines: ``- [x] All Phase 1 services pass health checks`` (escaped)."""
    met = set(milestone.gates_met)
    return [f"- [{'x' if i in met else ' '}] {escape(gate)}" for i, gate in enumerate(milestone.gates)]


def _status_word(sprint: Sprint, today: date) -> str:
    reading = sprint_day(sprint, today)  # the reading standups and reports show too
    return reading.text if reading.closed_on else f"active · {reading.text}"


# -- /sprint status ----------------------------------------------------------------------------
def build_sprint_status_blocks(
    sprint: Sprint,
    tasks: Sequence[Task],
    milestones: Sequence[Milestone] = (),
    *,
    today: date,
    max_blocks: int = MAX_BLOCKS,
    max_rows: int = MAX_STATUS_ROWS,
) -> list[dict]:
    """Return ``/sprint status``: seed 000's Sprint Tracking format, folded to fit ``max_blocks``.

    Args:
        sprint: the sprint.
        tasks: its tasks (any order; shown blocked first, finished last).
        milestones: milestones whose gates to show (those the sprint's tasks count toward).
        today: the project's date, for "day X of N".
        max_blocks: 50 for a message, up to 100 inside the App Home.
        max_rows: most task lines shown; the rest is counted.
    """
    progress = progress_of(list(tasks))
    summary = [
        f"*Status:* {_status_word(sprint, today)}",
        f"*Start:* {sprint.start.isoformat()} | *End:* {sprint.end.isoformat()}",
    ]
    if sprint.goal:
        summary.append(f"*Goal:* {escape(sprint.goal)}")
    counts = [f"{progress.completed}/{progress.total} done"]
    counts += [
        f"{n} {label}" for n, label in ((progress.in_progress, "in progress"), (progress.review, "in review"))
    ]
    counts += [f"*{progress.blocked} blocked*"] if progress.blocked else []
    summary.append(
        f"*Progress:* `{progress_bar(progress.percent)}` {progress.percent}% · "
        + " · ".join(c for c in counts if not c.startswith("0 "))
    )
    if sprint.carried:
        summary.append(f"*Carried out at close:* {', '.join(sprint.carried)}")
    blocks: list[dict] = [header(sprint_title(sprint)), section("\n".join(summary))]

    gates: list[dict] = []
    with_gates = [m for m in milestones if m.gates]
    if with_gates:
        text = "*Milestone gates*\n" + "\n".join(
            f"*{escape(m.label)}*\n" + "\n".join(gate_lines(m)) for m in with_gates
        )
        gates.append(section(text))
    hint = context(
        "Add tasks: `/sprint add T-1 T-2` · close it: `/sprint close`"
        if sprint.status is SprintStatus.ACTIVE
        else "Closed. `/sprint retro` shows what people said about it."
    )
    if tasks:
        ordered = sorted(tasks, key=lambda t: (STATUS_ORDER[t.status], t.number))
        room = max_blocks - len(blocks) - len(gates) - 1
        blocks += fold_lines(
            [f"*Tasks* ({len(tasks)})"] + [sprint_task_line(t) for t in ordered],
            max_blocks=room,
            more="tasks",
            max_lines=max_rows + 1,  # the heading and the rows
        )
    else:
        blocks.append(section("*Tasks*\nNone yet. Add some: `/sprint add T-1 T-2`."))
    return [*blocks, *gates, hint][:max_blocks]


def status_fallback_text(sprint: Sprint, tasks: Sequence[Task]) -> str:
    """Return the notification text of a sprint status (plain, escaped)."""
    progress = progress_of(list(tasks))
    return truncate(
        f"{sprint_title(sprint)}: {progress.completed}/{progress.total} done, {progress.percent}%", 300
    )


# -- /sprint list ------------------------------------------------------------------------------
def build_sprint_list_blocks(sprints: Sequence[Sprint], *, today: date) -> list[dict]:
    """Return ``/sprint list``: one line per sprint, newest first, at most :data:`MAX_LIST_ROWS`."""
    if not sprints:
        return [section("*Sprints*\nNone yet. Start one: `/sprint start Sprint 1 --days 14`.")]
    lines = []
    for sprint in sprints[:MAX_LIST_ROWS]:
        line = f"*{sprint_title(sprint)}* · {sprint.start.isoformat()} → {sprint.end.isoformat()} · "
        line += _status_word(sprint, today)
        if sprint.status is SprintStatus.CLOSED and sprint.carried:
            line += f" · {len(sprint.carried)} carried"
        if sprint.goal:
            line += f"\n      _{escape(truncate(sprint.goal, 100))}_"
        lines.append(line)
    blocks = [section(f"*Sprints* ({len(sprints)})")] + fold_lines(
        lines, max_blocks=MAX_BLOCKS - 2, more="sprints"
    )
    if len(sprints) > MAX_LIST_ROWS:
        blocks.append(context(f"… and {len(sprints) - MAX_LIST_ROWS} older sprints."))
    return blocks


# -- /sprint milestones ------------------------------------------------------------------------
def build_milestone_list_blocks(milestones: Sequence[Milestone], tasks: Sequence[Task]) -> list[dict]:
    """Return ``/sprint milestones``: each milestone with its dependencies, completion and gates.

    Args:
        milestones: in key order.
        tasks: the board's tasks (those naming a milestone count toward it).
    """
    if not milestones:
        return [
            section(
                "*Milestones*\nNone yet. Add one: `/sprint milestone add M1.1 Shared packages "
                '--gate "All packages pass their tests"`.'
            )
        ]
    by_key: dict[str, list[Task]] = {}
    for task in tasks:
        if task.milestone:
            by_key.setdefault(task.milestone, []).append(task)
    entries = []
    for milestone in milestones:
        own = by_key.get(milestone.key, [])
        progress = progress_of(own)
        head = f"*{escape(milestone.label)}*"
        if milestone.due:
            head += f" · due {milestone.due.isoformat()}"
        if milestone.depends_on:
            head += f" · after {', '.join(milestone.depends_on)}"
        line = f"`{progress_bar(progress.percent)}` {progress.percent}% of {progress.total} tasks"
        if milestone.gates:
            line += f" · gates {len(milestone.gates_met)}/{len(milestone.gates)}"
        entries.append("\n".join([head, line, *gate_lines(milestone)]))
    return [section(f"*Milestones* ({len(milestones)})")] + fold_lines(
        entries, max_blocks=MAX_BLOCKS - 1, more="milestones"
    )


# -- /sprint retro -----------------------------------------------------------------------------
def build_retro_blocks(sprint: Sprint, answers: Sequence[RetroAnswer]) -> list[dict]:
    """Return ``/sprint retro``: the answers from the sprint's retro thread, grouped by question."""
    blocks = [header(f"Retro — {sprint_title(sprint)}")]
    if not answers:
        where = "the retro thread in this channel" if sprint.retro_ts else "the retro thread posted at close"
        blocks.append(
            section(
                f"No answers yet. Reply in {where}: start with `+` (went well), `-` (didn't) or `→` (change)."
            )
        )
        return blocks
    groups = [(kind, [a for a in answers if a.kind is kind]) for kind in RetroKind]
    groups = [(kind, group) for kind, group in groups if group]
    room = (MAX_BLOCKS - 1) // len(groups)
    for kind, group in groups:
        lines = [f"*{RETRO_HEADINGS[kind]}* ({len(group)})"]
        lines += [f"• {actor_label(a.user_id)}: {escape(truncate(a.text, 500))}" for a in group]
        blocks += fold_lines(lines, max_blocks=room, more="answers")
    return blocks[:MAX_BLOCKS]


# -- closing -----------------------------------------------------------------------------------
def close_button_value(sprint_id: str, next_name: str | None = None, next_days: int | None = None) -> str:
    """Return a close button's value: the sprint's id and the options typed with ``/sprint close``."""
    return json.dumps({"sprint": sprint_id, "next": next_name, "days": next_days}, separators=(",", ":"))


def build_close_question_blocks(
    sprint: Sprint, tasks: Sequence[Task], *, next_name: str | None = None, next_days: int | None = None
) -> list[dict]:
    """Return the ephemeral question ``/sprint close`` asks: where do the unfinished tasks go?"""
    unfinished = [t for t in tasks if t.is_open]
    if unfinished:
        keys = ", ".join(t.key for t in unfinished[:20]) + (" …" if len(unfinished) > 20 else "")
        question = (
            f"Close *{sprint_title(sprint)}*? {len(unfinished)} of {len(tasks)} tasks aren't finished "
            f"({keys}). Where should they go?"
        )
    else:
        question = (
            f"Close *{sprint_title(sprint)}*? All {len(tasks)} tasks are finished. Start a next sprint?"
        )
    value = close_button_value(sprint.id, next_name, next_days)
    return [
        section(question),
        {
            "type": "actions",
            "block_id": f"sprint_close:{sprint.id}",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Move unfinished to the next sprint"},
                    "action_id": ACTION_CLOSE_NEXT,
                    "value": value,
                    "style": "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Back to the backlog"},
                    "action_id": ACTION_CLOSE_BACKLOG,
                    "value": value,
                },
            ],
        },
    ]


def sprint_closed_text(result: CloseResult) -> str:
    """Return the in-channel note of a close: ``Sprint 7 closed: 9/12 done; 3 moved to Sprint 8`` (mrkdwn)."""
    text = f":checkered_flag: *{sprint_title(result.closed)}* closed: {result.done}/{result.total} done"
    moved = len(result.carried)
    if result.next is not None:
        if moved:
            text += f"; {moved} moved to *{sprint_title(result.next)}*"
        text += (
            f". *{sprint_title(result.next)}* runs {result.next.start.isoformat()} → "
            f"{result.next.end.isoformat()}."
        )
    else:
        text += f"; {moved} back to the backlog." if moved else "."
    return text + f" Closed by {actor_label(result.closed.closed_by or 'system')}."


def sprint_started_text(sprint: Sprint) -> str:
    """Return the in-channel note of a start (mrkdwn, escaped)."""
    text = (
        f":runner: *{sprint_title(sprint)}* started by {actor_label(sprint.created_by)}: "
        f"{sprint.start.isoformat()} → {sprint.end.isoformat()} ({sprint.days} days)."
    )
    if sprint.goal:
        text += f"\n*Goal:* {escape(sprint.goal)}"
    return text + "\nAdd tasks with `/sprint add T-1 T-2`; `/sprint status` shows where it stands."


def retro_prompt_text(sprint: Sprint) -> str:
    """Return the retro message posted at close (its thread collects the answers)."""
    return (
        f":thought_balloon: Retro for *{sprint_title(sprint)}* — reply in this thread: what went well, "
        "what didn't, what to change.\nStart a reply with `+` (went well), `-` (didn't) or `→` (to change); "
        "`/sprint retro` shows them grouped."
    )


# -- help --------------------------------------------------------------------------------------
def build_sprint_help_blocks(error: str | None = None) -> list[dict]:
    """Return ``/sprint help``, optionally led by an error line (already escaped)."""
    blocks = [section(f":warning: {error}")] if error else []
    blocks.append(
        section("*Sprints and milestones*\n" + "\n".join(f"• {line}" for line in SPRINT_HELP_LINES))
    )
    blocks.append(context("Every command also works as `/maestro sprint …`."))
    return blocks
