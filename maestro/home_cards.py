"""Block Kit for the App Home tab: the board of the person who opens it (pure builders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from maestro.blocks import context, section, slack_date
from maestro.cards import task_line
from maestro.escalations import EscalationRecord
from maestro.home import HomeBoard, SprintSummary
from maestro.risks import RAG_EMOJI, Risk
from maestro.sprint_cards import progress_bar
from maestro.text import escape, truncate

ACTION_HOME_REFRESH = "home_refresh"
"""Action id of the Home tab's Refresh button."""

MAX_HOME_BLOCKS = 100
"""Block Kit's limit of blocks in a Home tab view."""

MAX_SECTION_CHARS = 3000
"""Block Kit's limit of characters in a section's text."""

HOME_LIMITS = {"tasks": 15, "review": 8, "decide": 8, "sprints": 6, "risks": 8}
"""Most rows each part of the Home tab lists; the rest is counted, with where to see them."""


def _lines_blocks(lines: Sequence[str]) -> list[dict]:
    """Pack mrkdwn lines into as few sections as fit 3,000 characters each."""
    blocks, current = [], ""
    for line in lines:
        line = truncate(line, MAX_SECTION_CHARS)
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _part(title: str, lines: list[str], total: int, limit: int, more: str) -> list[dict]:
    blocks = [section(f"*{title}* ({total})")]
    blocks += _lines_blocks(lines[:limit])
    if total > limit:
        blocks.append(context(f"… and {total - limit} more — {more}"))
    return blocks


def sprint_line(summary: SprintSummary) -> str:
    """Return one line about a project's sprint: RAG, name, day, progress and counts (mrkdwn)."""
    sprint, progress = summary.sprint, summary.progress
    return (
        f"{RAG_EMOJI[summary.rag]} {summary.rag.value} · <#{sprint.channel_id}> *{escape(sprint.name)}* · "
        f"{summary.reading.text}\n"
        f"`{progress_bar(progress.percent)} {progress.percent}%` {progress.completed}/{progress.total} done"
        + (f" · {progress.blocked} blocked" if progress.blocked else "")
    )


def escalation_line(record: EscalationRecord, zone: tzinfo | None = None) -> str:
    """Return one line about an escalation waiting for a decision (mrkdwn).

    When it was raised is in Slack's date formatting: each reader sees their own date (the
    fallback is written in ``zone``, the viewer's, when known).
    """
    blocking = f" · blocks {', '.join(record.blocking)}" if record.blocking else ""
    since = slack_date(record.created_at, "{date_short_pretty}", zone, "%b %d")
    return (
        f":raising_hand: <#{record.channel_id}> *{escape(truncate(record.issue, 120))}* "
        f"· {record.priority.value}{blocking} · since {since}"
    )


def viewer_zone(board: HomeBoard) -> tzinfo | None:
    """Return the viewer's time zone from their Slack profile, or None when unknown or not a zone."""
    try:
        return ZoneInfo(board.viewer_zone) if board.viewer_zone else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def home_risk_line(risk: Risk) -> str:
    """Return one line about an open risk (mrkdwn)."""
    owner = ""
    if risk.owner:
        owner = f" · <@{risk.owner}>" if risk.owner[:1] in ("U", "W") else f" · {escape(risk.owner)} (agent)"
    return (
        f"{RAG_EMOJI[risk.rag]} <#{risk.channel_id}> *{risk.key}* "
        f"{escape(truncate(risk.description, 120))}{owner}"
    )


def build_home_view(board: HomeBoard) -> dict:
    """Return the Home tab view (``views.publish``'s ``view``: ``{type: "home", blocks}``).

    At most :data:`MAX_HOME_BLOCKS` blocks: each part lists at most :data:`HOME_LIMITS` rows and
    says how many more there are and where to see them. Times are in Slack's date formatting, so
    the viewer reads them in their own time zone (the fallback is written in ``viewer_zone``).
    """
    zone = viewer_zone(board)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your board"}},
        context(f"Updated {slack_date(board.generated_at, '{date_short_pretty} at {time}', zone)}"),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_HOME_REFRESH,
                    "text": {"type": "plain_text", "text": "Refresh"},
                    "value": "refresh",
                }
            ],
        },
        {"type": "divider"},
    ]
    if not (board.my_tasks or board.to_review or board.to_decide or board.sprints or board.risks):
        blocks.append(
            section(
                "Nothing here yet. In a channel, `/task new Write the login API --owner @you` gives you a "
                "task, `/orchestrate <feature request>` has the AI team plan one, and `/sprint start "
                "Sprint 1` starts a sprint."
            )
        )
        return {"type": "home", "blocks": blocks}

    def channel_task_line(task) -> str:
        return f"<#{task.channel_id}> {task_line(task)}"

    parts = [
        ("Your tasks", [channel_task_line(t) for t in board.my_tasks], "tasks", "`/task list mine`"),
        (
            "Waiting for your review",
            [channel_task_line(t) for t in board.to_review],
            "review",
            "`/task list review`",
        ),
        (
            "Waiting for your decision",
            [escalation_line(e, zone) for e in board.to_decide],
            "decide",
            "`/escalate list`",
        ),
        ("Sprints", [sprint_line(s) for s in board.sprints], "sprints", "`/sprint status` in each channel"),
        ("Open risks", [home_risk_line(r) for r in board.risks], "risks", "`/risk list` in each channel"),
    ]
    for title, lines, limit_name, more in parts:
        if not lines:
            continue
        blocks += _part(title, lines, len(lines), HOME_LIMITS[limit_name], more)
        blocks.append({"type": "divider"})
    if len(blocks) > MAX_HOME_BLOCKS:  # defensive: the limits above keep well under it
        blocks = blocks[: MAX_HOME_BLOCKS - 1] + [context("… more than a Home tab can show.")]
    return {"type": "home", "blocks": blocks}
