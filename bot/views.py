"""Modal submission listeners: the block-reason modal."""

from __future__ import annotations

import hashlib

from slack_bolt import Ack, App, BoltContext

from bot.commands import enqueue_task_command_once
from bot.deps import Deps
from bot.observe import logged
from bot.parsing import parse_key
from maestro.cards import BLOCK_REASON_INPUT, CHANGES_INPUT, VIEW_BLOCK_REASON, VIEW_REQUEST_CHANGES
from maestro.commands import TaskCommand
from maestro.errors import UserError
from maestro.workflow import MAX_REASON_LENGTH


def register(app: App) -> None:
    """Register the modal listeners."""
    app.view(VIEW_BLOCK_REASON)(logged(handle_block_reason_submission))
    app.view(VIEW_REQUEST_CHANGES)(logged(handle_request_changes_submission))


def handle_block_reason_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Block the task with the reason typed in the modal; errors show next to the field."""
    _submit_reason(ack, body, view, context, verb="block", input_id=BLOCK_REASON_INPUT)


def handle_request_changes_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Send the work back with what must change (the job checks the person may)."""
    _submit_reason(ack, body, view, context, verb="reject", input_id=CHANGES_INPUT)


_EMPTY_REASON = {"block": "Say what it is waiting for.", "reject": "Say what must change."}
_REASON_USAGE = {"block": "/task block T-1 REASON", "reject": "/task reject T-1 what must change"}


def _submit_reason(
    ack: Ack, body: dict, view: dict, context: BoltContext, *, verb: str, input_id: str
) -> None:
    deps: Deps = context["deps"]
    value = view["state"]["values"].get(input_id, {}).get(input_id, {}).get("value") or ""
    reason = value.strip()
    if not reason:
        ack(response_action="errors", errors={input_id: _EMPTY_REASON[verb]})
        return
    if len(reason) > MAX_REASON_LENGTH:
        ack(response_action="errors", errors={input_id: f"At most {MAX_REASON_LENGTH} characters."})
        return
    channel_id, _, raw_key = (view.get("private_metadata") or "").partition("|")
    store = deps.store(context.team_id)
    try:
        key = parse_key(raw_key, _REASON_USAGE[verb])
        store.get(channel_id, key)
    except UserError as error:
        ack(response_action="errors", errors={input_id: error.message[:150]})
        return
    ack()
    context["log"].update(action=view.get("callback_id", verb), task_key=key)
    digest = hashlib.sha1(f"{view.get('id')}:{view.get('hash')}:{reason}".encode()).hexdigest()[:20]
    enqueue_task_command_once(
        context,
        kind="view",
        source=f"view-{digest}",
        channel_id=channel_id,
        user_id=body["user"]["id"],
        cmd=TaskCommand(verb=verb, key=key, reason=reason),  # type: ignore[arg-type]
        response_url=None,
        confirm=False,
    )
