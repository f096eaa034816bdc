"""Modal submission listeners: the block-reason modal."""

from __future__ import annotations

import hashlib

from slack_bolt import Ack, App, BoltContext

from bot.commands import enqueue_task_command_once
from bot.deps import Deps
from bot.observe import logged
from bot.parsing import parse_key
from maestro.cards import BLOCK_REASON_INPUT, VIEW_BLOCK_REASON
from maestro.commands import TaskCommand
from maestro.errors import UserError
from maestro.workflow import MAX_REASON_LENGTH


def register(app: App) -> None:
    """Register the modal listeners."""
    app.view(VIEW_BLOCK_REASON)(logged(handle_block_reason_submission))


def handle_block_reason_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Block the task with the reason typed in the modal; errors show next to the field."""
    deps: Deps = context["deps"]
    value = view["state"]["values"].get(BLOCK_REASON_INPUT, {}).get(BLOCK_REASON_INPUT, {}).get("value") or ""
    reason = value.strip()
    if not reason:
        ack(response_action="errors", errors={BLOCK_REASON_INPUT: "Say what it is waiting for."})
        return
    if len(reason) > MAX_REASON_LENGTH:
        ack(response_action="errors", errors={BLOCK_REASON_INPUT: f"At most {MAX_REASON_LENGTH} characters."})
        return
    channel_id, _, raw_key = (view.get("private_metadata") or "").partition("|")
    store = deps.store(context.team_id)
    try:
        key = parse_key(raw_key, "/task block T-1 REASON")
        store.get(channel_id, key)
    except UserError as error:
        ack(response_action="errors", errors={BLOCK_REASON_INPUT: error.message[:150]})
        return
    ack()
    context["log"].update(action=VIEW_BLOCK_REASON, task_key=key)
    digest = hashlib.sha1(f"{view.get('id')}:{view.get('hash')}:{reason}".encode()).hexdigest()[:20]
    enqueue_task_command_once(
        context,
        kind="view",
        source=f"view-{digest}",
        channel_id=channel_id,
        user_id=body["user"]["id"],
        cmd=TaskCommand(verb="block", key=key, reason=reason),
        response_url=None,
        confirm=False,
    )
