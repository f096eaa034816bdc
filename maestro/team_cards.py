"""Block Kit builders for the AI team's posts (pure functions).

Plans, deliverables, reviews, the roster and token usage.

Every string a person or a model wrote is escaped; long texts are cut visibly to Block Kit's
limits (section 3,000 characters, 50 blocks a message).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from maestro.blocks import context, header, section
from maestro.cards import (
    ACTION_APPROVE,
    ACTION_REQUEST_CHANGES,
    MAX_SECTION_TEXT,
    STATUS_SYMBOLS,
    criteria_lines,
    text_input_modal,
)
from maestro.models import AGENT_ROLES, Task
from maestro.plan_store import Restaffed
from maestro.plans import (
    ISSUE_TYPES,
    Deliverable,
    GateChecklist,
    Plan,
    PlannedTask,
    ReviewVerdict,
    coverage,
    validate_plan,
)
from maestro.text import escape, truncate

ACTION_START_PLAN = "plan_start"
"""``action_id`` of the plan message's Start button (value: the plan id)."""
ACTION_CREATE_TASKS = "plan_create"
"""``action_id`` of a draft plan's *Create tasks* button (value: the plan id)."""
ACTION_REPLAN = "plan_replan"
"""``action_id`` of a draft plan's *Re-plan as…* select (``block_id`` ``plan_replan:<plan id>``,
option value: an issue type)."""
ACTION_EDIT_PLAN = "plan_edit"
"""``action_id`` of a draft plan's *Edit* button (value: the plan id); it opens the edit modal."""
ACTION_POST_CARDS = "plan_cards"
"""``action_id`` of a batch message's *Post the cards* button (value: ``<plan id>:<batch number>``)."""
VIEW_EDIT_PLAN = "plan_edit_submit"
"""``callback_id`` of the edit modal (``private_metadata``: JSON ``{"p": plan, "c": channel, "v": n}``)."""
EDIT_DROP = "drop"
"""``block_id`` and ``action_id`` of the edit modal's multi-select of tasks to drop."""
EDIT_TITLE = "title"
"""``action_id`` of a task's title input in the edit modal (``block_id`` ``title:<ref>``)."""
EDIT_ROLE = "role"
"""``action_id`` of a task's role select in the edit modal (``block_id`` ``role:<ref>``)."""
VIEW_ORCHESTRATE = "orchestrate_request"
"""``callback_id`` of the modal that takes a long request (``private_metadata``: the channel id)."""
ORCHESTRATE_INPUT = "request"
"""``block_id`` and ``action_id`` of the request input in that modal."""

LONG_BODY = 2500
"""Characters of a deliverable's body shown in the thread; a longer one is uploaded as a file too."""

MAX_SNIPPET = 1200
"""Characters of one file snippet shown in a thread."""


def brain_note(brain: str, model: str | None, fallback_reason: str | None) -> str:
    """Return the line saying which brain wrote a post, and why it fell back if it did (mrkdwn)."""
    if fallback_reason:
        return f":warning: {escape(fallback_reason)}, so the offline brain answered (no model wrote this)."
    if brain == "claude":
        return f"Written by Claude ({escape(model or 'claude')})."
    return "Offline brain: deterministic, no model wrote this. Set `ANTHROPIC_API_KEY` for Claude."


def build_planning_blocks(request: str) -> list[dict]:
    """Return the placeholder shown while the Master plans (replaced by the plan)."""
    return [
        section(f":compass: *The Master is planning:* {escape(truncate(request, 300))}\n_Working on it…_")
    ]


def build_restaffed_lines(
    restaffed: Sequence[Restaffed], keys: Mapping[str, str], requester: str
) -> list[str]:
    """Return one mrkdwn line per disabled role the plan named, saying where its tasks went.

    Args:
        restaffed: the plan record's restaffed tasks (names are escaped here).
        keys: the plan's refs → task keys (``P4`` → ``T-4``).
        requester: Slack user id of who asked for the plan (takes what no agent may).

    Example: ``*Security Engineer* is disabled here: T-10 went to *Code Reviewer*.``
    """
    by_role: dict[str, list[Restaffed]] = {}
    for move in restaffed:
        by_role.setdefault(move.role, []).append(move)
    lines = []
    for moves in by_role.values():
        first = moves[0]
        listed = ", ".join(keys.get(m.ref, m.ref) for m in moves)
        if first.to:
            where = f"{listed} went to *{escape(first.to_name or first.to)}*"
        else:
            verb = "is" if len(moves) == 1 else "are"
            where = f"no enabled agent does that work, so {listed} {verb} left to <@{requester}>, who asked"
        lines.append(f"*{escape(first.role_name)}* is disabled here: {where}.")
    return lines


def build_plan_blocks(
    *,
    plan_id: str,
    brief: str,
    issue_type: str,
    workflow: str,
    rationale: str,
    batches: Sequence[Sequence[str]],
    critical_path: Sequence[str],
    tasks: Mapping[str, Task],
    requested_by: str,
    note: str,
    startable: bool,
    not_planned: str = "",
    staffing: Sequence[str] = (),
    plan: Plan | None = None,
    keys: Mapping[str, str] | None = None,
) -> list[dict]:
    """Return the plan message: the request in brief, the workflow, the batches and critical path.

    Args:
        plan_id: id of the plan (the Start button's value).
        brief: the request in brief (escaped here, like the next three).
        issue_type: seed 004's issue type.
        workflow: the workflow followed.
        rationale: why this type and workflow.
        batches: parallel batches of task keys, in order.
        critical_path: task keys of the longest chain.
        tasks: key → task, for titles, roles and statuses.
        requested_by: Slack user id of the requester.
        note: :func:`brain_note` (mrkdwn, already escaped).
        startable: show the Start button (some first-batch task is not started yet).
        not_planned: what of the request the plan leaves out (escaped here); shown first, under
            the title, so nobody takes the plan for the whole request.
        staffing: :func:`build_restaffed_lines` (mrkdwn, already escaped), shown under the workflow.
        plan: the plan, when kept: its requirements are listed with the board keys covering them.
        keys: plan ref → board key (with ``plan``).
    """
    why = escape(rationale)
    if plan is not None:
        why = f"{escape(plan.confidence)} confidence: {escape(truncate(plan.type_reason, 200))}"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(f"Plan: {escape(brief)}", 150)}},
    ]
    if not_planned:
        blocks.append(section(f":warning: *Not all of the request is planned.* {escape(not_planned)}"))
    blocks += [
        section(
            f"*Type* {escape(issue_type)} · *Workflow* {escape(workflow)}\n"
            f"{why}\nRequested by <@{requested_by}>"
        ),
    ]
    if staffing:
        blocks.append(context("\n".join(f":twisted_rightwards_arrows: {line}" for line in staffing)))
    if plan is not None:
        blocks += _lines_in_sections(
            f"*Requirements* ({len(plan.requirements)})", requirement_lines(plan, keys)
        )
    lines = []
    for number, batch in enumerate(batches, 1):
        entries = []
        for key in batch:
            task = tasks.get(key)
            if task is None:
                continue
            if task.assignee is None:
                who = "unassigned"
            elif task.assignee.kind == "user":
                who = f"<@{task.assignee.id}>"
            else:
                who = escape(task.assignee.id)
            title = escape(truncate(task.title, 70))
            entries.append(f"`{STATUS_SYMBOLS[task.status]}` *{key}* {title} · {who}")
        parallel = " (in parallel)" if len(entries) > 1 else ""
        lines.append(f"*Batch {number}*{parallel}\n" + "\n".join(entries))
    text = "\n".join(lines)
    for chunk_start in range(0, len(text), MAX_SECTION_TEXT - 100):
        blocks.append(section(text[chunk_start : chunk_start + MAX_SECTION_TEXT - 100]))
        if len(blocks) > 40:
            blocks.append(context("…the plan continues in the thread's batch messages."))
            break
    blocks.append(section("*Critical path* " + " → ".join(critical_path)))
    if startable:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"plan_actions:{plan_id}",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Start batch 1"},
                        "action_id": ACTION_START_PLAN,
                        "value": plan_id,
                        "style": "primary",
                    }
                ],
            }
        )
    blocks.append(
        context(
            f"{note} Each batch is listed in this thread; a task's card appears there when it starts, "
            "and agents post their work in the thread."
        )
    )
    return blocks


def _lines_in_sections(title: str, lines: Sequence[str], limit: int = MAX_SECTION_TEXT - 100) -> list[dict]:
    """``title`` then ``lines`` as sections of at most ``limit`` characters each (never a line split)."""
    blocks: list[dict] = []
    chunk = title
    for line in lines:
        if len(chunk) + len(line) + 1 > limit and chunk:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def requirement_lines(plan: Plan, keys: Mapping[str, str] | None = None) -> list[str]:
    """One line per requirement: its id, kind, text and the tasks covering it (mrkdwn, escaped).

    ``keys`` (plan ref → board key) names the covering tasks by their board keys once created.
    """
    covered = coverage(plan)
    lines = []
    for req in plan.requirements:
        who = [keys.get(r, r) if keys else r for r in covered.get(req.id, [])]
        if req.kind == "out_of_scope":
            tail = "_out of scope_"
        elif who:
            tail = "→ " + ", ".join(who)
        elif req.kind == "constraint":
            tail = "_constraint_"
        else:
            tail = ":warning: no task"
        kind = {"acceptance": " (check)", "constraint": " (constraint)", "out_of_scope": ""}.get(req.kind, "")
        lines.append(f"`{req.id}`{kind} {escape(truncate(req.text, 110))} {tail}")
    return lines


def _task_line(task: PlannedTask, key: str, keys: Mapping[str, str] | None) -> str:
    after = [keys.get(d, d) if keys else d for d in task.depends_on]
    wait = f" · after {', '.join(after)}" if after else ""
    extra = []
    if task.owner:
        extra.append(f"owner: {escape(truncate(task.owner, 40))}")
    if task.due:
        extra.append(f"due {task.due.isoformat()}")
    if task.waits_for:
        extra.append(f"waits for {escape(truncate('; '.join(task.waits_for), 60))}")
    tail = f" · {' · '.join(extra)}" if extra else ""
    return f"• *{escape(key)}* {escape(truncate(task.title, 90))} · {escape(task.role)}{wait}{tail}"


def plan_batches(plan: Plan) -> list[list[str]]:
    """The plan's parallel batches of refs (``[]`` when the plan doesn't validate)."""
    try:
        return validate_plan(plan)
    except ValueError:
        return []


def build_plan_draft_blocks(
    plan: Plan,
    *,
    plan_id: str,
    requested_by: str,
    note: str,
    history: Sequence[str] = (),
    staffing: Sequence[str] = (),
) -> list[dict]:
    """Return a draft plan's message, with *Create tasks*, *Re-plan as…* and *Edit*.

    It shows the brief, the type (why, how sure), the requirements with the tasks covering them,
    the batches and the open questions.

    Nothing in a draft is on the board; only *Create tasks* puts it there.

    Args:
        plan: the plan (escaped here).
        plan_id: the draft's id (the buttons' value).
        requested_by: Slack user id of the requester.
        note: :func:`brain_note` (mrkdwn, already escaped).
        history: what people did to the draft, one line each (mrkdwn, already escaped).
        staffing: :func:`build_restaffed_lines` (mrkdwn, already escaped): who takes a disabled
            role's tasks.
    """
    blocks: list[dict] = [header(f"Draft plan: {escape(plan.brief)}")]
    if plan.not_planned:  # first, under the title, so nobody takes the plan for the whole request
        blocks.append(section(f":warning: *Not all of the request is planned.* {escape(plan.not_planned)}"))
    confidence = f"{plan.confidence} confidence"
    blocks.append(
        section(
            f"*Type* {escape(plan.issue_type)} ({confidence}): {escape(truncate(plan.type_reason, 200))}\n"
            f"*Workflow* {escape(truncate(plan.workflow, 150))}\n"
            f"Nothing is on the board yet. Requested by <@{requested_by}>."
        )
    )
    if staffing:
        blocks.append(context("\n".join(f":twisted_rightwards_arrows: {line}" for line in staffing)))
    blocks += _lines_in_sections(f"*Requirements* ({len(plan.requirements)})", requirement_lines(plan))
    batches = plan_batches(plan)
    by_ref = {t.ref: t for t in plan.tasks}
    lines = []
    for number, batch in enumerate(batches, 1):
        parallel = " (in parallel)" if len(batch) > 1 else ""
        lines.append(f"*Batch {number}*{parallel}")
        lines += [_task_line(by_ref[ref], ref, None) for ref in batch]
    blocks += _lines_in_sections(f"*{len(plan.tasks)} tasks in {len(batches)} batches*", lines)
    for title, items in (
        ("Open questions", plan.open_questions),
        ("Assumptions", plan.assumptions),
        ("Risks", plan.risks),
    ):
        if items:
            blocks += _lines_in_sections(f"*{title}*", [f"• {escape(truncate(i, 300))}" for i in items])
    if len(blocks) > 44:
        blocks = [
            *blocks[:43],
            context("…the rest of the plan doesn't fit here: open *Edit* to see every task."),
        ]
    blocks.append(
        {
            "type": "actions",
            "block_id": f"plan_draft:{plan_id}",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Create tasks"},
                    "action_id": ACTION_CREATE_TASKS,
                    "value": plan_id,
                    "style": "primary",
                },
                {
                    "type": "static_select",
                    "action_id": ACTION_REPLAN,
                    "placeholder": {"type": "plain_text", "text": "Re-plan as…"},
                    "options": [
                        {"text": {"type": "plain_text", "text": t}, "value": t}
                        for t in ISSUE_TYPES
                        if t != plan.issue_type
                    ],
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Edit"},
                    "action_id": ACTION_EDIT_PLAN,
                    "value": plan_id,
                },
            ],
        }
    )
    done = " ".join(history[-3:])
    blocks.append(
        context(
            f"{note} {done} *Create tasks* puts them on the board: the requester, approvers or an admin. "
            "Type `re-plan as security` (or any type) in the thread to re-plan."
        )
    )
    return blocks


def plan_thread_messages(
    plan: Plan, *, plan_id: str, keys: Mapping[str, str] | None = None
) -> list[tuple[str, list[dict]]]:
    """The messages a created plan posts in its thread: one per batch, its tasks as a compact list.

    Cards are not posted here: a task's card appears when it starts, or when someone presses the
    batch's *Post the cards*.

    Returns:
        ``(fallback text, blocks)`` per batch, in order.
    """
    batches = plan_batches(plan)
    by_ref = {t.ref: t for t in plan.tasks}
    messages = []
    for number, batch in enumerate(batches, 1):
        parallel = ", in parallel" if len(batch) > 1 else ""
        lines = [_task_line(by_ref[ref], keys.get(ref, ref) if keys else ref, keys) for ref in batch]
        count = f"{len(batch)} task{'s' if len(batch) != 1 else ''}{parallel}"
        title = f"*Batch {number} of {len(batches)}* ({count})"
        blocks = _lines_in_sections(title, lines)[:45]
        blocks.append(
            {
                "type": "actions",
                "block_id": f"plan_batch:{plan_id}:{number}",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Post the cards"},
                        "action_id": ACTION_POST_CARDS,
                        "value": f"{plan_id}:{number}",
                    }
                ],
            }
        )
        blocks.append(context("A task's card appears here when it starts, or when you post the cards."))
        keys_text = ", ".join(keys.get(ref, ref) if keys else ref for ref in batch)
        messages.append((f"Batch {number} of {len(batches)}: {keys_text}", blocks))
    return messages


def build_plan_edit_modal(plan: Plan, *, plan_id: str, channel_id: str, version: int) -> dict:
    """Return the modal that drops, renames or reassigns a draft's tasks (one title and one role per task).

    ``private_metadata`` carries the plan id, the channel and the version shown, so a plan
    changed meanwhile is not overwritten.
    """
    options = [
        {"text": {"type": "plain_text", "text": truncate(f"{t.ref} · {t.title}", 75)}, "value": t.ref}
        for t in plan.tasks
    ]
    roles = [{"text": {"type": "plain_text", "text": r}, "value": r} for r in AGENT_ROLES]
    blocks: list[dict] = [
        section(
            "Rename, reassign or drop tasks. A task that is the only one covering a requirement can't be "
            "dropped; tasks that waited for a dropped one wait for what it waited for."
        ),
        {
            "type": "input",
            "block_id": EDIT_DROP,
            "optional": True,
            "label": {"type": "plain_text", "text": "Drop these tasks"},
            "element": {"type": "multi_static_select", "action_id": EDIT_DROP, "options": options},
        },
    ]
    for task in plan.tasks[:49]:
        blocks.append(
            {
                "type": "input",
                "block_id": f"title:{task.ref}",
                "label": {"type": "plain_text", "text": f"{task.ref} title"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": EDIT_TITLE,
                    "initial_value": task.title,
                    "max_length": 140,
                },
            }
        )
        blocks.append(
            {
                "type": "input",
                "block_id": f"role:{task.ref}",
                "label": {"type": "plain_text", "text": f"{task.ref} role"},
                "element": {
                    "type": "static_select",
                    "action_id": EDIT_ROLE,
                    "options": roles,
                    "initial_option": {"text": {"type": "plain_text", "text": task.role}, "value": task.role},
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": VIEW_EDIT_PLAN,
        "private_metadata": json.dumps({"p": plan_id, "c": channel_id, "v": version}),
        "title": {"type": "plain_text", "text": "Edit the plan"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks[:100],
    }


def build_deliverable_blocks(
    task: Task, agent_name: str, deliverable: Deliverable, note: str, attempt: int
) -> list[dict]:
    """Return an agent's deliverable for the task's thread: summary, body, file snippets, note."""
    again = f" (attempt {attempt})" if attempt > 1 else ""
    body = deliverable.body
    if len(body) > LONG_BODY:
        body = truncate(body, LONG_BODY) + "\n_(the full text is in the file below)_"
    blocks = [
        section(f"*{task.key} · {escape(agent_name)} delivered{again}:* {escape(deliverable.summary)}"),
        section(escape(body)),
    ]
    for snippet in deliverable.files[:3]:
        code = truncate(snippet.content, MAX_SNIPPET).replace("```", "ʼʼʼ")
        blocks.append(section(f"`{escape(snippet.name)}`\n```{escape(code)}```"))
    if deliverable.open_questions:
        blocks.append(
            section("*Open questions*\n" + "\n".join(f"• {escape(q)}" for q in deliverable.open_questions))
        )
    blocks.append(context(note))
    return blocks


def build_review_blocks(
    task: Task, reviewer_name: str, verdict: ReviewVerdict, note: str, attempt: int
) -> list[dict]:
    """Return a review verdict for the task's thread: the verdict, must-fix and should-fix items."""
    mark = ":white_check_mark: APPROVED" if verdict.verdict == "APPROVED" else ":x: REJECTED"
    met = sum(f.status == "met" for f in verdict.findings)
    count = f" — {met}/{len(task.acceptance_criteria)} criteria met" if task.acceptance_criteria else ""
    blocks = [
        section(
            f"*{task.key} · review by {escape(reviewer_name)} (round {attempt}): {mark}*{count}\n"
            f"{escape(verdict.summary)}"
        )
    ]
    if task.acceptance_criteria:
        lines = criteria_lines(task.acceptance_criteria, verdict.findings)
        blocks.append(section("*Criteria, as the reviewer found them*\n" + "\n".join(lines)))
    if verdict.must_fix:
        blocks.append(section("*Must fix*\n" + "\n".join(f"• {escape(item)}" for item in verdict.must_fix)))
    if verdict.should_fix:
        blocks.append(
            section("*Should fix*\n" + "\n".join(f"• {escape(item)}" for item in verdict.should_fix))
        )
    blocks.append(context(note))
    return blocks


def build_person_review_blocks(
    task: Task, author: str, reason: str, checklist: GateChecklist, deciders: Sequence[str]
) -> list[dict]:
    """Return the request for a person's review: why no model reviewed it, the gate checklist, buttons.

    Args:
        task: the task waiting in REVIEW.
        author: who did the work (an agent's display name).
        reason: why no model reviews it (plain text, escaped here).
        checklist: seed 004's gate as items, and what the keyword checks flagged.
        deciders: Slack user ids asked (approvers, or the requester); none: anyone but the author.
    """
    who = ", ".join(f"<@{d}>" for d in deciders) if deciders else "Anyone here"
    blocks = [
        section(
            f":eyes: *{task.key} is waiting for a person's review.* {who}: please check "
            f"{escape(author)}'s work above. {escape(reason)}; nothing is ticked until you approve."
        )
    ]
    if checklist.flags:
        flags = "\n".join(f"• :warning: {escape(f)}" for f in checklist.flags)
        blocks.append(section(f"*Flagged by the automatic checks*\n{flags}"))
    items = "\n".join(f"☐ {escape(item)}" for item in checklist.items)
    blocks.append(section(f"*To check (seed 004's review gate)*\n{items}"))
    blocks.append(
        {
            "type": "actions",
            "block_id": f"person_review:{task.key}",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "action_id": ACTION_APPROVE,
                    "value": task.key,
                    "style": "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Request changes"},
                    "action_id": ACTION_REQUEST_CHANGES,
                    "value": task.key,
                },
            ],
        }
    )
    blocks.append(context(f"Or type `/task done {task.key}` or `/task reject {task.key} what to change`."))
    return blocks


def build_orchestrate_modal(channel_id: str) -> dict:
    """Return the modal that takes a long feature request for ``/orchestrate``."""
    return text_input_modal(
        callback_id=VIEW_ORCHESTRATE,
        private_metadata=channel_id,
        title="Plan a request",
        submit="Plan it",
        input_id=ORCHESTRATE_INPUT,
        label="What should the team build?",
        max_length=3000,
        placeholder="Feature name, objective, a list of requirements, success criteria…",
    )


def build_roster_blocks(agents: Sequence[Mapping[str, object]]) -> list[dict]:
    """Return ``/agents``: one line per agent, disabled ones marked, and how to change the team.

    Args:
        agents: dicts with ``id``, ``name``, ``role``, ``specialty``, ``tier``, ``enabled``.
    """
    lines = []
    for agent in agents:
        off = " · _disabled_" if not agent.get("enabled", True) else ""
        lines.append(
            f"*{escape(str(agent['name']))}* (`{escape(str(agent['id']))}`) · {escape(str(agent['role']))} · "
            f"{escape(str(agent['tier']))}{off}\n      {escape(str(agent['specialty']))}"
        )
    blocks = [section("*The team*")]
    for start in range(0, len(lines), 8):
        blocks.append(section("\n".join(lines[start : start + 8])))
    blocks.append(
        context(
            "Change it: `/agents rename backend Bea` · `/agents disable security` · "
            "`/agents enable security` · "
            '`/agents tier backend opus` · `/agents add data-eng --name "Data Engineer" --specialty ETL '
            "--based-on backend` · `/agents load` (paste YAML)"
        )
    )
    return blocks[:50]


def build_usage_blocks(
    summary: Mapping[str, Sequence[object]], budget: int | None, month_tokens: int
) -> list[dict]:
    """Return ``/maestro usage``: tokens and estimated cost by agent for today, this sprint, all time.

    Args:
        summary: ``today``, ``sprint``, ``all`` → rows with ``agent``, ``input``, ``output``,
            ``cache_read``, ``cache_write``, ``total``, ``cost_cents`` (see :mod:`maestro.usage`).
        budget: the monthly token budget, or None.
        month_tokens: tokens used this month.
    """
    titles = {"today": "Today", "sprint": "This sprint (last 14 days)", "all": "All time"}
    blocks = [section("*Claude usage of this channel* (estimated list prices)")]
    for period, title in titles.items():
        rows = list(summary.get(period, ()))
        if not rows:
            blocks.append(section(f"*{title}*: nothing yet"))
            continue
        lines = [
            f"`{escape(str(row.agent)):<20}` {row.total:>9,} tok "  # type: ignore[attr-defined]
            f"(in {row.input:,} · out {row.output:,} · cache {row.cache_read + row.cache_write:,}) "  # type: ignore[attr-defined]
            f"≈ ${row.cost_cents / 100:,.2f}"  # type: ignore[attr-defined]
            for row in rows
        ]
        total = sum(row.cost_cents for row in rows) / 100  # type: ignore[attr-defined]
        blocks.append(section(f"*{title}* — ≈ ${total:,.2f}\n" + "\n".join(lines)))
    if budget is None:
        blocks.append(
            context(f"{month_tokens:,} tokens this month; no budget. Set one: `/maestro budget 2000000`.")
        )
    else:
        blocks.append(context(f"{month_tokens:,} of {budget:,} tokens of this month's budget used."))
    return blocks
