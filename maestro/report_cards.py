"""Block Kit builders for the TPM's reports (pure: report models in, Slack messages out).

Each builder returns a list of messages ``{"text": fallback, "blocks": [...]}``: the first goes to
the channel, the rest into its thread. Every message stays within Block Kit's limits (50 blocks,
3,000 characters per section, header 150) and under :data:`MAX_MESSAGE_CHARS` of text in all;
long lists are folded visibly (``… and 480 more``). Every title, reason and name a person or a
model wrote is escaped; a RAG rating is shown as its emoji and its word (``:red_circle: RED``).

The seed's milestone table (seed 001, "MILESTONE SUMMARY") is about 67 characters wide and its
Owner column would hold mentions, which a code block can't render; it is shown as one short
mrkdwn line per milestone instead, which reads on a phone. The timeline is monospace (it fits
in 60 columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from maestro.blocks import context, header, section
from maestro.cards import MAX_BLOCKS, MAX_SECTION_TEXT, STATUS_SYMBOLS, task_line
from maestro.models import Assignee, Task, TaskStatus
from maestro.reports import Blocker, DependencyMap, DepNode, DepRef, MilestoneRow, StatusReport
from maestro.risk_cards import rag_label, report_risk_entry, risk_line
from maestro.risks import Rag, Risk
from maestro.sprints import SprintStatus, sprint_day
from maestro.text import escape, truncate
from maestro.timeline import Timeline, render_timeline_text
from maestro.workflow import WAITING_FOR_PERSON

MAX_MESSAGE_CHARS = 8000
"""Most characters of block text in one message (Slack refuses ~12,000 in all: ``msg_blocks_too_long``)."""

MAX_MESSAGE_BLOCKS = MAX_BLOCKS - 5
"""Blocks a message is filled to, leaving room for its "continued" and "… and N more" lines."""

MAX_LINE = 200
"""Characters of one list line in a report (a title is cut first)."""

MAX_THREAD_MESSAGES = 8
"""Most thread messages one report posts; what does not fit is counted, not listed."""

MAX_DEP_NODES = 120
"""Most entries a dependency map lists; the rest are counted."""

MAX_REFS = 8
"""Most tasks or milestones named on one line of a dependency map entry."""

FIRST_DEP_NODES = 8
"""Dependency map entries in the channel message; the rest go to its thread."""

TITLE_CHARS = 48
"""Characters of a task or milestone title inside a report line."""

MAX_RED_RISKS = 5
"""Open RED risks listed at the top of the dependency map and the timeline; the rest are counted."""


def _chars(block: dict) -> int:
    if block["type"] == "context":
        return sum(len(e.get("text", "")) for e in block["elements"])
    return len(block.get("text", {}).get("text", ""))


def _title(text: str, limit: int = TITLE_CHARS) -> str:
    """Escape a title after cutting it (so no ``&amp;`` is cut in half)."""
    return escape(truncate(" ".join(text.split()), limit))


def _owner(owner: Assignee | None) -> str:
    return owner.label() if owner else "_unassigned_"


def _line(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1].rsplit(" ", 1)[0] + " …"


@dataclass
class _Part:
    """A titled list in a report: ``first`` lines go in the channel message, up to ``limit`` in all."""

    heading: str
    lines: list[str]
    first: int
    limit: int
    empty: str = "_None._"
    hint: str = ""


def _sections(heading: str, lines: Sequence[str]) -> list[dict]:
    """Pack a heading and lines into as few sections as fit (each under 3,000 characters)."""
    blocks, current = [], heading
    for line in lines:
        if len(current) + 1 + len(line) > MAX_SECTION_TEXT - 10:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _messages(title: str, fallback: str, first: list[dict], parts: Sequence[_Part]) -> list[dict]:
    """Lay out a report: ``first`` and each list's first lines in the channel message, the rest below."""
    main = list(first)
    rest: list[dict] = []
    for part in parts:
        shown = part.lines[: part.first]
        lines = list(shown) or [part.empty]
        more = len(part.lines) - len(shown)
        if more and part.limit > part.first:
            lines.append(f"_… and {more} more in the thread_")
        elif more:
            lines.append(f"_… and {more} more._ {part.hint}".rstrip())
        main += _sections(f"*{part.heading}*", lines)
        if more and part.limit > part.first:
            tail = part.lines[part.first : part.limit]
            lines = list(tail)
            if len(part.lines) > part.limit:
                lines.append(f"_… and {len(part.lines) - part.limit} more._ {part.hint}".rstrip())
            rest += _sections(f"*{part.heading}* (continued)", lines)
    return _layout(title, fallback, main, rest)


def _layout(title: str, fallback: str, main: list[dict], rest: list[dict]) -> list[dict]:
    """Cut the channel message to size (overflow goes first in the thread), then page the thread."""
    main, rest = list(main), list(rest)
    while len(main) > MAX_MESSAGE_BLOCKS or sum(_chars(b) for b in main) > MAX_MESSAGE_CHARS - 400:
        rest.insert(0, main.pop())
    pages = [main, *_paginate(rest)]
    if len(pages) > MAX_THREAD_MESSAGES + 1:
        dropped = len(pages) - MAX_THREAD_MESSAGES - 1
        pages = pages[: MAX_THREAD_MESSAGES + 1]
        pages[-1].append(context(f"… and {dropped} more messages of it, not posted."))
    messages = [{"text": fallback, "blocks": pages[0]}]
    for number, blocks in enumerate(pages[1:], start=2):
        label = f"{escape(title)} (continued, {number}/{len(pages)})"
        messages.append({"text": label, "blocks": [context(f"*{label}*"), *blocks]})
    return messages


def _paginate(blocks: Sequence[dict]) -> list[list[dict]]:
    pages: list[list[dict]] = []
    size = 0
    for block in blocks:
        if (
            not pages
            or len(pages[-1]) >= MAX_MESSAGE_BLOCKS
            or size + _chars(block) > MAX_MESSAGE_CHARS - 400
        ):
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += _chars(block)
    return pages


# -- status report -------------------------------------------------------------------------------

REPORT_TITLES = {
    "request": "Sprint status report",
    "weekly": "Weekly progress review",
    "sprint-end": "Sprint report",
}
"""The heading of a status report, by why it was made."""


def report_title(report: StatusReport) -> str:
    """Return the report's heading, e.g. ``Weekly progress review — Sprint 7 — Checkout`` (unescaped).

    A sprint report says ``Sprint report — Sprint 7 — Checkout (closed)`` once the sprint is
    closed, and ``Sprint report — Sprint 7 — Checkout — last day`` while it still runs (the clock
    posts one on its last day).
    """
    title = f"{REPORT_TITLES[report.reason]} — {report.scope}"
    if report.reason == "request" and report.sprint is None:
        title = "Status report — the whole board"
    if report.reason == "sprint-end" and report.sprint is not None:
        title += " (closed)" if report.sprint.status is SprintStatus.CLOSED else " — last day"
    return title


def milestone_line(row: MilestoneRow) -> str:
    """Return one milestone summary line (mrkdwn).

    Example: ``:red_circle: RED *M1.4 — Gateway* · 20% of 5 · backend (agent) · gates 0/2 — T-7 blocked
    3.1 days``; with its work done and a gate unmet: ``… · 100% of 5 · … — gates 1/2 met``.
    """
    label = escape(row.key) + (f" — {_title(row.title, 40)}" if row.title else "")
    # Awaiting its gates, the reason already says ``gates 1/3 met``.
    gates = f" · gates {row.gates_met}/{row.gates}" if row.gates and not row.status.awaiting_gates else ""
    return _line(
        f"{rag_label(row.rag)} *{label}* · {row.percent}% of {row.tasks} · {_owner(row.owner)}{gates}"
        f" — {escape(row.status.why)}"
    )


def blocker_line(blocker: Blocker) -> str:
    """Return one active blocker: a BLOCKED task (reason, age, owner) or an escalation awaiting a decision."""
    if blocker.kind == "task":
        holds = f" · holds up {', '.join(blocker.blocking[:4])}" if blocker.blocking else ""
        if len(blocker.blocking) > 4:
            holds += f" +{len(blocker.blocking) - 4}"
        return (
            f"{rag_label(blocker.rag)} *{blocker.key}* {_title(blocker.title, 40)} — "
            f"_{_title(blocker.reason or 'no reason given', 60)}_ · {blocker.age_days:.1f} days · "
            f"{_owner(blocker.owner)}{holds}"
        )
    deciders = ", ".join(f"<@{u}>" for u in blocker.waits_on[:4]) or "an approver or admin"
    blocks = f" · blocks {', '.join(blocker.blocking[:4])}" if blocker.blocking else ""
    return (
        f":rotating_light: *Decision needed* ({blocker.priority.value}): {_title(blocker.title, 60)} · "
        f"waiting {blocker.age_days:.1f} days on {deciders}{blocks}"
    )


MAX_NAMED = 6
"""Task keys named on one line of a report (tasks waiting for a person's review); the rest counted."""


def _keys(tasks: Sequence[Task]) -> str:
    named = ", ".join(f"*{t.key}*" for t in tasks[:MAX_NAMED])
    return named + (f" +{len(tasks) - MAX_NAMED} more" if len(tasks) > MAX_NAMED else "")


def _progress_text(report: StatusReport) -> str:
    p = report.progress
    counts = [
        f"{p.completed} done",
        f"{p.in_progress} in progress",
        f"{p.review} in review",
        f"{p.blocked} blocked",
        f"{p.assigned} to do",
    ]
    text = f"*Progress:* {p.percent}% · {p.total} tasks — " + " · ".join(counts)
    if report.awaiting_person:
        text += f"\n:bust_in_silhouette: {len(report.awaiting_person)} {WAITING_FOR_PERSON}: "
        text += _keys(report.awaiting_person)
    sprint = report.sprint
    if sprint:
        when = report.sprint_day or sprint_day(sprint, report.generated)
        text += (
            f"\n*Sprint:* {sprint.start.isoformat()} → {sprint.end.isoformat()} · "
            f"{when.text} · {rag_label(report.sprint_status.rag)} "
            f"({escape(report.sprint_status.why)})"
        )
        if sprint.goal:
            text += f"\n*Goal:* {_title(sprint.goal, 300)}"
    return text


def _carry_line(report: StatusReport) -> str | None:
    """What the sprint hands on, counted (its tasks are listed elsewhere, not in the preview)."""
    sprint, count = report.sprint, len(report.carry_over)
    if sprint is None or not count:
        return None
    tasks = "1 open task" if count == 1 else f"{count} open tasks"
    if sprint.status is SprintStatus.CLOSED:
        where = "the backlog" if sprint.carried_to in (None, "backlog") else "the next sprint"
        return f":leftwards_arrow_with_hook: {tasks} of this sprint moved to {where}."
    return (
        f":leftwards_arrow_with_hook: {tasks} of this sprint carry over unless finished (`/sprint status`)."
    )


def build_status_report_messages(report: StatusReport) -> list[dict]:
    """Return seed 001's RAG status report as messages: the summary to the channel, the rest in its thread.

    The channel message holds the heading, ``Generated: YYYY-MM-DD`` and the reporter, the
    OVERALL STATUS with what drove it, the RAG rule, progress, and the first lines of each list
    (milestones, risks — every RED one —, blockers, completed, next sprint preview); each list
    continues in the thread and is folded past its limit (``… and 480 more``).

    Args:
        report: the computed report.

    Returns:
        A non-empty list of ``{"text", "blocks"}`` messages.
    """
    title = report_title(report)
    overall = f"*OVERALL STATUS:* {rag_label(report.overall)}"
    drivers = [f"• {escape(d)}" for d in report.drivers[:5]]
    if len(report.drivers) > 5:
        drivers.append(f"• … and {len(report.drivers) - 5} more")
    first = [
        header(escape(title)),
        context(f"Generated: {report.generated.isoformat()} · Reporter: {report.reporter}"),
        section("\n".join([overall, *drivers])),
        context(escape(report.rule)),
        section(_progress_text(report)),
    ]
    reds = sum(r.rag is Rag.RED for r in report.risks)
    completed_heading = "Completed this sprint" if report.sprint else "Completed in the last 14 days"
    preview = [_line(task_line(t)) for t in report.next_up]
    carried = _carry_line(report)
    if carried:
        preview.insert(0, carried)
    startable = ", ".join(f"*{escape(m.key)}* {_title(m.title, 30)}" for m in report.startable[:10])
    if report.startable:
        more = len(report.startable) - 10
        preview.insert(
            0, _line(f":arrow_forward: Can start: {startable}" + (f" +{more}" if more > 0 else ""))
        )
    parts = [
        _Part(
            "Milestone summary",
            [milestone_line(r) for r in report.milestones],
            10,
            200,
            "_No milestones: add one with `/sprint milestone add M1 Foundation`._",
        ),
        _Part(
            "Risks and issues",
            [report_risk_entry(r) for r in report.risks],
            min(8, max(5, reds)),
            60,
            "_No open risks._",
            "`/report risks` posts the register.",
        ),
        _Part(
            "Blockers (active)",
            [_line(blocker_line(b)) for b in report.blockers],
            6,
            60,
            "_None._",
            "`/task list blocked` lists them.",
        ),
        _Part(
            completed_heading,
            [_line(task_line(t)) for t in report.completed],
            6,
            60,
            "_Nothing yet._",
            "`/task list done` lists them.",
        ),
        _Part(
            "Next sprint preview",
            preview,
            6,
            60,
            "_Nothing in the backlog: add work with `/task new …`._"
            if report.sprint
            else "_Nothing left open._",
            "`/task list` shows the board.",
        ),
    ]
    if not report.milestones:
        parts = parts[1:]
    fallback = f"{title}: {report.overall.value} · {report.progress.percent}% done"
    return _messages(title, escape(fallback), first, parts)


# -- open RED risks ------------------------------------------------------------------------------


def red_risk_blocks(risks: Sequence[Risk]) -> list[dict]:
    """Return the "Open RED risks" section every report carries (issue 5), or ``[]`` when there's none.

    One :func:`maestro.risk_cards.risk_line` per open RED risk, the first :data:`MAX_RED_RISKS`;
    the rest are counted (``… and 3 more``).

    Args:
        risks: the project's risks (only open RED ones are shown).
    """
    reds = [r for r in risks if r.is_open and r.rag is Rag.RED]
    if not reds:
        return []
    lines = [_line(risk_line(r)) for r in reds[:MAX_RED_RISKS]]
    if len(reds) > MAX_RED_RISKS:
        lines.append(f"_… and {len(reds) - MAX_RED_RISKS} more._ `/report risks` posts the register.")
    return _sections(f"*Open RED risks* ({len(reds)})", lines)


# -- dependency map ------------------------------------------------------------------------------


def _ref(ref: DepRef, *, owner: bool = False, title: bool = False) -> str:
    text = f"*{escape(ref.key)}*"
    if title and ref.title:
        text += f" {_title(ref.title, 30)}"
    if ref.status is not None:
        text += f" `{STATUS_SYMBOLS[ref.status]}`"
        if ref.status is TaskStatus.IN_PROGRESS:
            text += f" {ref.percent}%"
        if ref.status is TaskStatus.BLOCKED and ref.reason:
            text += f" _{_title(ref.reason, 40)}_"
    else:
        text += f" ({ref.percent}%)"
    if owner:
        text += f" ({_owner(ref.owner)})"
    return text


def _refs(refs: Sequence[DepRef], **how: bool) -> str:
    if not refs:
        return "—"
    text = ", ".join(_ref(r, **how) for r in refs[:MAX_REFS])
    return text + (f" +{len(refs) - MAX_REFS} more" if len(refs) > MAX_REFS else "")


def dep_node_text(node: DepNode) -> str:
    """Return one dependency map entry (seed 001: Depends On, Depended On By, Blocking Tasks, Blocked By)."""
    me = node.node
    if node.kind == "task":
        status = f"`{STATUS_SYMBOLS[me.status]}`" if me.status else ""
        if me.status is TaskStatus.IN_PROGRESS:
            status += f" {me.percent}%"
        if me.status is TaskStatus.BLOCKED:
            status += f" BLOCKED — _{_title(me.reason or '', 60)}_"
        head = f"*{escape(me.key)}* {_title(me.title, 60)} · {status} · {_owner(me.owner)}"
    else:
        head = f"*{escape(me.key)} — {_title(me.title, 60)}* · {me.percent}% · {_owner(me.owner)}"
    lines = [
        head,
        f"Depends on: {_refs(node.depends_on)}",
        f"Depended on by: {_refs(node.depended_on_by)}",
        f"Blocking tasks: {_refs(node.blocking, title=True)}",
        f"Blocked by: {_refs(node.blocked_by, title=True, owner=True)}",
    ]
    if node.missing:
        lines.append(f":warning: Waits for unknown {', '.join(escape(k) for k in node.missing[:MAX_REFS])}")
    return "\n".join(lines)


def build_dependency_map_messages(dep_map: DependencyMap, risks: Sequence[Risk] = ()) -> list[dict]:
    """Return seed 001's dependency map as messages: the first entries to the channel, the rest in its thread.

    Args:
        dep_map: the computed map.
        risks: the project's open risks; the RED ones are listed under the heading
            (:func:`red_risk_blocks`).

    Returns:
        A non-empty list of ``{"text", "blocks"}`` messages; past :data:`MAX_DEP_NODES` entries
        the rest are counted.
    """
    if dep_map.focus:
        title = f"Dependency map — {dep_map.focus}"
    else:
        title = (
            "Dependency map — by milestone" if dep_map.mode == "milestone" else "Dependency map — open tasks"
        )
    notes = [f"Generated: {dep_map.generated.isoformat()}"]
    if dep_map.omitted:
        notes.append(f"{dep_map.omitted} tasks without open dependencies not shown")
    first = [header(escape(title)), context(" · ".join(notes)), *red_risk_blocks(risks)]
    if not dep_map.nodes:
        first.append(section("No dependencies between open tasks. Add one: `/task new … --after T-1`."))
        return [{"text": escape(title), "blocks": first}]
    nodes = [truncate(dep_node_text(n), MAX_SECTION_TEXT) for n in dep_map.nodes[:MAX_DEP_NODES]]
    main = first + [section(t) for t in nodes[:FIRST_DEP_NODES]]
    extra = len(dep_map.nodes) - len(nodes)
    rest = [section(t) for t in nodes[FIRST_DEP_NODES:]]
    if rest:
        main.append(context(f"… and {len(dep_map.nodes) - FIRST_DEP_NODES} more in the thread"))
    if extra:
        (rest or main).append(context(f"… and {extra} more. `/report deps T-3` maps one task."))
    return _layout(title, escape(f"{title}: {len(dep_map.nodes)} entries"), main, rest)


# -- timeline ------------------------------------------------------------------------------------


def build_timeline_messages(timeline: Timeline, risks: Sequence[Risk] = ()) -> list[dict]:
    """Return the Gantt-style timeline (seed 001) as one channel message with a monospace block.

    The text is :func:`maestro.timeline.render_timeline_text` (at most 60 columns, 30 rows, the
    rest counted), escaped, in code blocks of at most 3,000 characters each, under the open RED
    risks (:func:`red_risk_blocks`, from ``risks``) when there are any. The PNG chart is uploaded
    into the message's thread by the job.

    Returns:
        ``[{"text", "blocks"}]``.
    """
    text = escape(render_timeline_text(timeline))
    chunks, current = [], ""
    for line in text.split("\n"):
        if len(current) + len(line) + 1 > MAX_SECTION_TEXT - 10:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    chunks.append(current)
    blocks = [header(escape("Timeline" + timeline.title.removeprefix("TIMELINE"))), *red_risk_blocks(risks)]
    blocks += [section(f"```{chunk}```") for chunk in chunks]
    kind = "milestone" if timeline.mode == "milestone" else "task"
    blocks.append(context(f"One bar per {kind} · {len(timeline.rows)} in all · the chart is in the thread"))
    return [{"text": escape(f"{timeline.title}: {len(timeline.rows)} {kind}s"), "blocks": blocks}]


# -- help ----------------------------------------------------------------------------------------

REPORT_HELP_LINES: tuple[str, ...] = (
    "`/report status` — the RAG status report of the current sprint (or the whole board): "
    "overall status, milestones, risks, blockers, completed, next sprint",
    "`/report deps` — the dependency map · `/report deps T-5` or `/report deps M1.4` — one task "
    "or milestone and its neighbours",
    "`/report timeline` — the Gantt-style timeline, with a chart in its thread",
    "`/report risks` — the risk register",
    "Each is posted in this channel (long ones continue in the thread). Also `/maestro report …`.",
)
"""The ``/report`` help, one mrkdwn line per bullet (our own text): ``/report help``, ``/maestro help``."""


def build_report_help_blocks(error: str | None = None) -> list[dict]:
    """Return ``/report help``'s blocks, optionally led by an error line (already escaped)."""
    blocks = [section(f":warning: {error}")] if error else []
    blocks.append(section("*Reports*\n" + "\n".join(f"• {line}" for line in REPORT_HELP_LINES)))
    return blocks
