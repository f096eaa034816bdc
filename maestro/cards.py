"""Block Kit builders for the task board (pure functions: models in, Slack JSON out).

The card carries seed 000's Task Assignment fields (Task ID, assignee, priority, status, sprint,
milestone, description, acceptance criteria, blocks / unblocks) and its Sprint Tracking symbols
(``[ ]``, ``[~] 60%``, ``[R]``, ``[X]``, ``[!] BLOCKED — reason``). Every string a person or a
model wrote is escaped; texts are cut visibly to Block Kit's limits (section 3,000 characters,
header 150, 50 blocks a message).
"""

from __future__ import annotations

from collections.abc import Sequence

from maestro.blocks import MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT, section
from maestro.models import AGENT_ROLES, CriterionFinding, Task, TaskStatus, actor_label
from maestro.text import escape, truncate
from maestro.workflow import STATUS_LABELS, allowed_actions, evidence_text, review_state

ACTION_START = "task_start"
"""``action_id`` of a card's Start button (value: the task key)."""
ACTION_DONE = "task_done"
"""``action_id`` of a card's Done button (value: the task key)."""
ACTION_APPROVE = "task_approve"
"""``action_id`` of Approve on a task waiting for a person's review (value: the task key)."""
ACTION_REQUEST_CHANGES = "task_request_changes"
"""``action_id`` of Request changes on a task in review; opens the modal asking what to change."""
VIEW_REQUEST_CHANGES = "task_request_changes"
"""``callback_id`` of the request-changes modal (``private_metadata``: ``channel_id|task key``)."""
CHANGES_INPUT = "changes"
"""``block_id`` and ``action_id`` of the input in the request-changes modal."""
ACTION_BLOCK = "task_block"
"""``action_id`` of a card's Block button; opens the block-reason modal."""
ACTION_UNBLOCK = "task_unblock"
"""``action_id`` of a card's Unblock button."""
VIEW_BLOCK_REASON = "task_block_reason"
"""``callback_id`` of the block-reason modal (``private_metadata``: ``channel_id|task key``)."""
BLOCK_REASON_INPUT = "reason"
"""``block_id`` and ``action_id`` of the reason input in the block-reason modal."""

MAX_LIST_ROWS = 40
"""Most tasks ``/task list`` shows; the rest is counted."""

STATUS_SYMBOLS: dict[TaskStatus, str] = {
    TaskStatus.ASSIGNED: "[ ]",
    TaskStatus.IN_PROGRESS: "[~]",
    TaskStatus.REVIEW: "[R]",
    TaskStatus.COMPLETED: "[X]",
    TaskStatus.BLOCKED: "[!]",
}
"""Seed 000's sprint tracking symbol for each status."""

PRIORITY_LABELS = {"critical": "🔴 Critical", "high": "🟠 High", "medium": "🟡 Medium", "low": "⚪ Low"}


def status_text(task: Task) -> str:
    """Return the status in seed 000's tracking form, e.g. ``[~] In progress · 60%`` (mrkdwn)."""
    symbol = f"`{STATUS_SYMBOLS[task.status]}`"
    if task.status is TaskStatus.IN_PROGRESS:
        return f"{symbol} In progress · {task.percent}%"
    if task.status is TaskStatus.BLOCKED:
        return f"{symbol} *BLOCKED* — {escape(task.blocked_reason or '')}"
    if task.waits_for_person:
        return f"{symbol} In review · _{review_state(task)}_"
    return f"{symbol} {STATUS_LABELS[task.status]}"


FINDING_MARKS = {"met": "☑", "not_met": "☒", "not_checkable": "◻"}
"""How a reviewer's finding on a criterion shows on a card; ☐ where no reviewer has looked."""


def criteria_lines(criteria: Sequence[str], findings: Sequence[CriterionFinding]) -> list[str]:
    """Return one mrkdwn line per acceptance criterion, ticked only where a reviewer found it met.

    ``findings`` are the last review's, matched by position (a criterion without one is ☐);
    each finding's reason follows in italics.
    """
    lines = []
    for index, criterion in enumerate(criteria):
        finding = findings[index] if index < len(findings) else None
        if finding is None:
            lines.append(f"☐ {escape(criterion)}")
            continue
        reason = f" — _{escape(truncate(finding.reason, 160))}_" if finding.reason else ""
        label = {"met": "", "not_met": " (not met)", "not_checkable": " (not checkable)"}[finding.status]
        lines.append(f"{FINDING_MARKS[finding.status]} {escape(criterion)}{label}{reason}")
    return lines


def _field(label: str, value: str) -> dict:
    return {"type": "mrkdwn", "text": truncate(f"*{label}*\n{value}", 2000)}


def _keys(keys: Sequence[str]) -> str:
    return ", ".join(keys) if keys else "—"


def card_fallback_text(task: Task) -> str:
    """Return the notification text of a card (shown in push notifications and old clients)."""
    return truncate(f"{task.key}: {escape(task.title)} — {STATUS_LABELS[task.status]}", 300)


def build_task_card_blocks(
    task: Task, unblocks: Sequence[str] = (), *, sprint_name: str | None = None
) -> list[dict]:
    """Return the Block Kit blocks of a task's card.

    Args:
        task: the task.
        unblocks: keys of the tasks that wait for this one.
        sprint_name: the name of the task's sprint (``task.sprint`` holds its id); "Backlog"
            when the task is in none.

    Returns:
        At most 9 blocks: header, fields, description, acceptance criteria, dependencies,
        context and the buttons the status allows (Start, Done, Block or Unblock).
    """
    header = truncate(f"{task.key} · {escape(task.title)}", MAX_HEADER_TEXT)
    fields = [
        _field("Assignee", task.assignee.label() if task.assignee else "_unassigned_"),
        _field("Priority", PRIORITY_LABELS[task.priority.value]),
        _field("Status", status_text(task)),
        _field("Due", task.due.isoformat() if task.due else "—"),
        _field("Sprint", escape(sprint_name or "—") if task.sprint else "Backlog"),
        _field("Milestone", escape(task.milestone) if task.milestone else "—"),
    ]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        {"type": "section", "fields": fields},
    ]
    if task.description:
        blocks.append(section(f"*Description*\n{escape(task.description)}"))
    if task.acceptance_criteria:
        lines = "\n".join(criteria_lines(task.acceptance_criteria, task.criteria_findings))
        blocks.append(section(f"*Acceptance criteria*\n{lines}"))
    blocks.append(
        {
            "type": "section",
            "fields": [_field("Depends on", _keys(task.depends_on)), _field("Unblocks", _keys(unblocks))],
        }
    )
    stamp = int(task.updated_at.timestamp())
    fallback = f"{task.updated_at:%Y-%m-%d %H:%M} UTC"
    updated = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"
    context = f"Created by {actor_label(task.created_by)} · updated {updated}"
    done_by = evidence_text(task)
    if done_by:
        context = f"{done_by} · {context}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    buttons = _card_buttons(task)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"task_actions:{task.key}", "elements": buttons})
    return blocks


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _card_buttons(task: Task) -> list[dict]:
    allowed = allowed_actions(task)
    buttons = []
    if "start" in allowed:
        buttons.append(_button("Start", ACTION_START, task.key, "primary"))
    if task.status is TaskStatus.REVIEW:
        buttons.append(_button("Approve", ACTION_APPROVE, task.key, "primary"))
        buttons.append(_button("Request changes", ACTION_REQUEST_CHANGES, task.key))
    elif "done" in allowed:
        buttons.append(_button("Done", ACTION_DONE, task.key, "primary" if "start" not in allowed else None))
    if "block" in allowed:
        buttons.append(_button("Block", ACTION_BLOCK, task.key, "danger"))
    if "unblock" in allowed:
        buttons.append(_button("Unblock", ACTION_UNBLOCK, task.key, "primary"))
    return buttons


def task_line(task: Task) -> str:
    """Return one sprint-tracking line: ``[~] T-3 · Title · backend (agent) · 60%`` (mrkdwn)."""
    parts = [f"`{STATUS_SYMBOLS[task.status]}` *{task.key}*", escape(truncate(task.title, 80))]
    parts.append(task.assignee.label() if task.assignee else "_unassigned_")
    if task.status is TaskStatus.IN_PROGRESS:
        parts.append(f"{task.percent}%")
    elif task.status is TaskStatus.BLOCKED:
        parts.append(f"BLOCKED — {escape(truncate(task.blocked_reason or '', 80))}")
    elif task.status is TaskStatus.REVIEW:
        parts.append(review_state(task) or "in review")
    if task.due and task.is_open:
        parts.append(f"due {task.due.isoformat()}")
    return " · ".join(parts)


def build_task_list_blocks(tasks: Sequence[Task], *, title: str) -> list[dict]:
    """Return the blocks of a board listing, one line per task, at most :data:`MAX_LIST_ROWS` shown.

    Args:
        tasks: the tasks to list, in the order to show.
        title: what was listed, e.g. ``Open tasks`` (our own text, not escaped).
    """
    if not tasks:
        return [
            section(
                f"*{title}*\nNothing here. Create one with `/task new Write the login API --agent backend`."
            )
        ]
    shown = tasks[:MAX_LIST_ROWS]
    blocks = [section(f"*{title}* ({len(tasks)})")]
    chunk: list[str] = []
    size = 0
    for task in shown:
        line = task_line(task)
        if size + len(line) + 1 > MAX_SECTION_TEXT - 100:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if len(tasks) > len(shown):
        more = len(tasks) - len(shown)
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"…and {more} more. Narrow it: `/task list blocked`, `/task list mine`.",
                    }
                ],
            }
        )
    return blocks[:MAX_BLOCKS]


def build_task_detail_blocks(
    task: Task, unblocks: Sequence[str], history: Sequence[str], *, sprint_name: str | None = None
) -> list[dict]:
    """Return ``/task show``'s blocks: the card without buttons, then the last changes.

    Args:
        task: the task.
        unblocks: keys of the tasks waiting for it.
        history: mrkdwn lines of its recent audit events, oldest first (already escaped).
        sprint_name: the name of the task's sprint, if it is in one.
    """
    blocks = [
        b for b in build_task_card_blocks(task, unblocks, sprint_name=sprint_name) if b["type"] != "actions"
    ]
    if history:
        blocks.append(section("*History*\n" + "\n".join(history[-10:])))
    return blocks


def text_input_modal(
    *,
    callback_id: str,
    private_metadata: str,
    title: str,
    submit: str,
    input_id: str,
    label: str,
    max_length: int,
    placeholder: str | None = None,
    intro: str | None = None,
) -> dict:
    """Return a modal with one multi-line text input (``block_id`` = ``action_id`` = ``input_id``).

    ``title`` and ``submit`` are cut to Block Kit's 24 characters; ``intro`` (mrkdwn, escaped by
    the caller) is a section shown above the input.
    """
    element: dict = {
        "type": "plain_text_input",
        "action_id": input_id,
        "multiline": True,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    blocks = [section(intro)] if intro else []
    blocks.append(
        {
            "type": "input",
            "block_id": input_id,
            "label": {"type": "plain_text", "text": label},
            "element": element,
        }
    )
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": truncate(title, 24)},
        "submit": {"type": "plain_text", "text": truncate(submit, 24)},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def build_block_reason_modal(channel_id: str, task: Task) -> dict:
    """Return the modal that asks why a task is blocked (opened by the card's Block button)."""
    return text_input_modal(
        callback_id=VIEW_BLOCK_REASON,
        private_metadata=f"{channel_id}|{task.key}",
        title=f"Block {task.key}",
        submit="Block",
        input_id=BLOCK_REASON_INPUT,
        label="What is it waiting for?",
        max_length=500,
        placeholder="e.g. waiting for the payments API contract",
        intro=f"*{task.key} · {escape(truncate(task.title, 200))}*",
    )


def build_request_changes_modal(channel_id: str, task: Task) -> dict:
    """Return the modal that asks a reviewer what to change (opened by Request changes)."""
    return text_input_modal(
        callback_id=VIEW_REQUEST_CHANGES,
        private_metadata=f"{channel_id}|{task.key}",
        title=f"Changes to {task.key}",
        submit="Send back",
        input_id=CHANGES_INPUT,
        label="What must change?",
        max_length=500,
        placeholder="e.g. the refund flow misses partial refunds; add a test for it",
        intro=f"*{task.key} · {escape(truncate(task.title, 200))}* goes back to its author with this.",
    )


HELP_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Have the AI team plan and build",
        (
            "`/orchestrate Let customers reset their password by email` — the Master plans it into tasks "
            "with dependencies; the cards go in the plan's thread. `/orchestrate` alone opens a form.",
            "Press *Start batch 1* on the plan (or start a task): its agent works it, "
            "the reviewer reviews it, and what it unblocks starts by itself.",
            "Ask in a task's thread and its agent answers; in a plan's thread, the Master. "
            "Quick actions there: `done`, `blocked: reason`, `progress 60`, `assign @person`.",
            "`/agents` — the team · `/maestro usage` — Claude tokens and cost · `/maestro budget 2000000`",
            '`/escalate Which provider? --option "Stripe: fastest" --option "Adyen: cheaper" --blocks T-3` · '
            "`/escalate list` · `/maestro approvers add @alice`",
        ),
    ),
    (
        "Run the sprint (the TPM)",
        (
            '`/sprint start Sprint 7 --days 14 --goal "Checkout"` · `/sprint add T-1 T-2` · '
            "`/sprint status` · `/sprint close` · `/sprint milestone add M1.4 Gateway --after M1.3` · "
            "`/sprint help`",
            "`/standup` — post one now · `/standup schedule 09:30 Europe/Berlin mon-fri` · "
            "`/standup note yesterday … | today … | blockers …` · `/standup ooo 2026-12-20..2026-12-31` · "
            "`/standup help`",
            "`/report status` (RAG) · `/report deps T-3` · `/report timeline` (with a chart) · "
            "`/report risks`",
            "`/risk add Payment provider outage --probability low --impact high --owner @bob` · "
            "`/risk list` · `/risk close RISK-001` · `/risk help`",
            "The *Home* tab of the Maestro app shows your tasks, reviews, decisions, sprints and risks.",
        ),
    ),
    (
        "Create a task",
        (
            "`/task new Write the login API --agent backend`",
            "`/task new Review the schema --owner @alice --priority high --after T-1,T-2 --due 2026-12-01`",
            "Options: `--agent ROLE` or `--owner @person`, `--priority critical|high|medium|low`, "
            '`--after T-1,T-2`, `--due YYYY-MM-DD`, `--desc TEXT`, `--criteria "first; second"`',
        ),
    ),
    (
        "Move it along",
        (
            "`/task start T-1` · `/task progress T-1 60` · `/task review T-1` · `/task done T-1`",
            "Approve work in review with `/task done T-1` (or *Approve*), or send it back with "
            "`/task reject T-1 what to change`; nobody approves their own work.",
            "`/task block T-1 waiting for the API contract` · `/task unblock T-1`",
            "`/task assign T-1 @bob` or `/task assign T-1 --agent qa`",
        ),
    ),
    (
        "See the board",
        (
            "`/task list` (open) · `/task list mine` · `/task list blocked` · `/task list review` · "
            "`/task list --agent backend` · `/task list @bob` · `/task list all`",
            "`/task show T-1`",
        ),
    ),
)
"""The content of ``/maestro help``: (heading, lines), our own mrkdwn."""


def build_help_blocks(error: str | None = None) -> list[dict]:
    """Return the help message's blocks, optionally led by an error line (already escaped)."""
    blocks: list[dict] = []
    if error:
        blocks.append(section(f":warning: {error}"))
    blocks.append(
        section(
            "*Maestro* runs your team's board. Every command also works as `/maestro <command> …`, "
            "e.g. `/maestro task list`."
        )
    )
    for heading, lines in HELP_SECTIONS:
        blocks.append(section(f"*{heading}*\n" + "\n".join(f"• {line}" for line in lines)))
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Agents: " + ", ".join(AGENT_ROLES)}]}
    )
    return blocks
