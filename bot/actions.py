"""Button listeners of task cards: Start, Done, Approve, Unblock (enqueue); Block, Request changes.

Block and Request changes open a modal.

A button's value (the task key) is never trusted: it is parsed, and the task is looked up in
the channel the press came from, within the team the request came from.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands import enqueue_task_command_once
from bot.deps import Deps
from bot.observe import logged
from bot.parsing import parse_key
from maestro.cards import (
    ACTION_APPROVE,
    ACTION_BLOCK,
    ACTION_DONE,
    ACTION_REQUEST_CHANGES,
    ACTION_START,
    ACTION_UNBLOCK,
    build_block_reason_modal,
    build_request_changes_modal,
)
from maestro.commands import TaskCommand
from maestro.errors import UserError
from maestro.models import Task

BUTTON_VERBS = {ACTION_START: "start", ACTION_DONE: "done", ACTION_APPROVE: "done", ACTION_UNBLOCK: "unblock"}
"""What each card button does, as a ``/task`` verb."""


def register(app: App) -> None:
    """Register the card button listeners."""
    for action_id in BUTTON_VERBS:
        app.action(action_id)(logged(handle_task_button))
    app.action(ACTION_BLOCK)(logged(handle_block_button))
    app.action(ACTION_REQUEST_CHANGES)(logged(handle_request_changes_button))


def _pressed(body: dict) -> tuple[dict, str]:
    action = body["actions"][0]
    channel_id = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
    return action, channel_id


def handle_task_button(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Apply a card's Start, Done or Unblock button through the same job as the command."""
    ack()
    deps: Deps = context["deps"]
    action, channel_id = _pressed(body)
    verb = BUTTON_VERBS[action["action_id"]]
    store = deps.store(context.team_id)
    try:
        key = parse_key(str(action.get("value", "")), f"/task {verb} T-1")
        store.get(channel_id, key)
    except UserError as error:
        context["log"]["outcome"] = "refused"
        respond(text=f":warning: {error.message}", replace_original=False)
        return
    context["log"].update(action=action["action_id"], task_key=key)
    message_ts = body.get("container", {}).get("message_ts", "")
    enqueue_task_command_once(
        context,
        kind="btn",
        source=f"btn-{message_ts}-{action['action_id']}-{action.get('action_ts', '')}",
        channel_id=channel_id,
        user_id=body["user"]["id"],
        cmd=TaskCommand(verb=verb, key=key),  # type: ignore[arg-type]
        response_url=body.get("response_url"),
        confirm=False,
    )


def handle_block_button(
    ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Open the modal that asks why the task is blocked (``trigger_id`` lives 3 s: done here)."""
    _open_modal(ack, body, context, client, respond, "/task block T-1 REASON", build_block_reason_modal)


def handle_request_changes_button(
    ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Open the modal asking what must change (who may send work back is checked by the job)."""
    _open_modal(
        ack, body, context, client, respond, "/task reject T-1 what must change", build_request_changes_modal
    )


def _open_modal(
    ack: Ack,
    body: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    usage: str,
    build: Callable[[str, Task], dict],
) -> None:
    ack()
    deps: Deps = context["deps"]
    action, channel_id = _pressed(body)
    try:
        key = parse_key(str(action.get("value", "")), usage)
        task = deps.store(context.team_id).get(channel_id, key)
    except UserError as error:
        context["log"]["outcome"] = "refused"
        respond(text=f":warning: {error.message}", replace_original=False)
        return
    context["log"].update(action=action["action_id"], task_key=key)
    client.views_open(trigger_id=body["trigger_id"], view=build(channel_id, task))
