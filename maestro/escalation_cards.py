"""Block Kit builders for escalations (pure functions): seed 004's escalation format.

Issue, workflow stage, each option with its trade-off and its own button, the recommendation
marked, what is blocked, who may decide, priority; once decided, the buttons give way to the
decision (who, which, when). Everything a person or a model wrote is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from maestro.blocks import section
from maestro.cards import PRIORITY_LABELS, text_input_modal
from maestro.escalations import EscalationRecord
from maestro.models import actor_label
from maestro.text import escape, truncate

HEADER = ":rotating_light: Escalation: a decision is needed"
"""The escalation message's header."""

ACTION_DECIDE = "escalation_decide"
"""``action_id`` of an option's button (value: ``<escalation id>:<option index>``; never trusted)."""
ACTION_ASK = "escalation_ask"
"""``action_id`` of the "Ask a question" button (value: the escalation id)."""
VIEW_ASK = "escalation_question"
"""``callback_id`` of the question modal (``private_metadata``: the escalation id)."""
ASK_INPUT = "question"
"""``block_id`` and ``action_id`` of the question input."""
VIEW_REJECT = "escalation_reject"
"""``callback_id`` of the modal asking why an escalation is rejected (``private_metadata``: its id)."""
REJECT_INPUT = "reason"
"""``block_id`` and ``action_id`` of the rejection reason input."""


def escalation_fallback_text(record: EscalationRecord) -> str:
    """Return the notification text of an escalation message."""
    state = "decided" if record.decision else "needs a decision"
    return truncate(f"Escalation {state}: {escape(record.issue)}", 300)


def build_escalation_blocks(record: EscalationRecord) -> list[dict]:
    """Return the escalation message: the fields of seed 004's format and a button per option."""
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": ":rotating_light: Escalation: a decision is needed"},
        },
        section(f"*Issue*\n{escape(record.issue)}"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Workflow stage*\n{escape(record.workflow_stage) or '—'}"},
                {"type": "mrkdwn", "text": f"*Priority*\n{PRIORITY_LABELS[record.priority.value]}"},
                {"type": "mrkdwn", "text": f"*Blocking*\n{', '.join(record.blocking) or '—'}"},
                {"type": "mrkdwn", "text": f"*Raised by*\n{actor_label(record.raised_by)}"},
            ],
        },
    ]
    lines = []
    for index, option in enumerate(record.options):
        mark = " ← *recommended*" if index == record.recommended else ""
        lines.append(f"*{index + 1}. {escape(option.label)}* — {escape(option.tradeoff)}{mark}")
    blocks.append(section("*Options*\n" + "\n".join(lines)))
    if record.recommendation:
        blocks.append(section(f"*Recommendation*\n{escape(record.recommendation)}"))
    if record.decision is None:
        blocks.append(
            {"type": "actions", "block_id": f"escalation:{record.id}", "elements": _buttons(record)}
        )
        who = ", ".join(f"<@{u}>" for u in record.deciders) or "a workspace admin"
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Who decides: {who} (or a workspace admin)."}],
            }
        )
    else:
        decision = record.decision
        stamp = int(decision.at.timestamp())
        when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{decision.at:%Y-%m-%d %H:%M} UTC>"
        note = f" — “{escape(decision.note)}”" if decision.note else ""
        blocks.append(
            section(
                f":white_check_mark: *Decided: {escape(decision.label)}* by <@{decision.by}> {when}{note}"
            )
        )
    return blocks


def _buttons(record: EscalationRecord) -> list[dict]:
    buttons = []
    for index, option in enumerate(record.options[:5]):
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": truncate(option.label, 75)},
            "action_id": f"{ACTION_DECIDE}:{index}",
            "value": f"{record.id}:{index}",
        }
        if record.yes_no:
            button["style"] = "primary" if index == 0 else "danger"
        elif index == record.recommended:
            button["style"] = "primary"
        buttons.append(button)
    buttons.append(
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Ask a question"},
            "action_id": ACTION_ASK,
            "value": record.id,
        }
    )
    return buttons


def build_question_modal(escalation_id: str) -> dict:
    """Return the modal that asks a question about an escalation (posted in its thread)."""
    return text_input_modal(
        callback_id=VIEW_ASK,
        private_metadata=escalation_id,
        title="Ask a question",
        submit="Ask",
        input_id=ASK_INPUT,
        label="What do you need to know before deciding?",
        max_length=1000,
    )


def build_reject_modal(escalation_id: str) -> dict:
    """Return the modal that asks why an escalation is rejected (the reason goes to the work's author)."""
    return text_input_modal(
        callback_id=VIEW_REJECT,
        private_metadata=escalation_id,
        title="Reject",
        submit="Reject",
        input_id=REJECT_INPUT,
        label="Why? The work goes back to its author with this.",
        max_length=500,
    )


def build_escalation_list_blocks(records: Sequence[EscalationRecord], now_ts: float) -> list[dict]:
    """Return ``/escalate list``: the open escalations, oldest first, with their age."""
    if not records:
        return [section("*Open escalations*: none. :tada:")]
    lines = []
    for record in records[:30]:
        hours = max(0, int((now_ts - record.created_at.timestamp()) // 3600))
        age = f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"
        blocking = f" · blocks {', '.join(record.blocking)}" if record.blocking else ""
        lines.append(
            f"• *{age}* · {PRIORITY_LABELS[record.priority.value]} · "
            f"{escape(truncate(record.issue, 120))}{blocking}"
        )
    return [section(f"*Open escalations* ({len(records)}, oldest first)\n" + "\n".join(lines))]
