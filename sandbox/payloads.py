"""Factories for exactly what Slack sends to an app.

Slash commands, interactivity payloads and Events API envelopes, as described under "wire
formats" in shared/slack-conventions.md.

The factories do no I/O. Identifiers (``ts``, ``trigger_id``, ``event_id``) come from
:mod:`sandbox.ids`, so they are unique within the process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from . import ids
from .blocks import element_label, find_element
from .constants import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN
from .directory import channel_name, im_channel_id, user_name


def _user(user_id: str, team_id: str) -> dict:
    """The ``user`` object of interactivity payloads."""
    name = user_name(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict:
    """The ``team`` object of interactivity payloads."""
    return {"id": team_id, "domain": TEAM_DOMAIN}


def slash_command(
    command: str,
    text: str,
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0PROJECT",
    team_id: str = TEAM_ID,
    response_url: str,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """Build the form fields of a slash command request.

    Args:
        command: The command, with or without the leading slash (``"/task"``).
        text: Everything typed after the command.
        user_id: Who typed it.
        channel_id: Where it was typed.
        team_id: Workspace id.
        response_url: Where the app may post up to 5 answers.
        trigger_id: For opening a modal; a fresh one if None.

    Returns:
        dict[str, str]: ``token, team_id, team_domain, channel_id, channel_name, user_id,
        user_name, command, text, api_app_id, is_enterprise_install ("false"), response_url,
        trigger_id`` — all strings, ready for :func:`form_encode`.
    """
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name(user_id),
        "command": command if command.startswith("/") else "/" + command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or ids.new_trigger_id(),
    }


def block_actions(
    action_id: str,
    value: str | None,
    *,
    message: dict | None,
    channel_id: str,
    user_id: str = "U0ALICE",
    response_url: str,
    block_id: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    label: str | None = None,
    message_ts: str | None = None,
    is_ephemeral: bool | None = None,
) -> dict:
    """Build the ``payload`` object of a button press or a select's choice (``type: "block_actions"``).

    Args:
        action_id: The pressed button's ``action_id``.
        value: The button's ``value``, or the value of the option chosen in a ``static_select``.
        message: The message the button sat on (with ``ts`` and ``blocks``). For an ephemeral
            message pass its record (with ``is_ephemeral: True``) or None; Slack then leaves
            ``message`` out of the payload.
        channel_id: Conversation of the message.
        user_id: Who pressed.
        response_url: The response_url for this interaction.
        block_id: The button's block id; looked up in ``message`` (or invented) if None.
        trigger_id: A fresh one if None.
        team_id: Workspace id.
        label: Button text; looked up in ``message`` (or the action_id) if None.
        message_ts: The message's ts when ``message`` is None.
        is_ephemeral: Override the ephemeral detection described for ``message``.

    Returns:
        dict: ``{type, user{id, username, name, team_id}, api_app_id, token, container{type:
        "message", message_ts, channel_id, is_ephemeral, thread_ts?}, trigger_id, team{id,
        domain}, enterprise, is_enterprise_install, channel{id, name}, message? (ts, blocks,
        text, ...), state{values}, response_url, actions[{action_id, block_id, type: "button",
        value, text{type: "plain_text", text, emoji}, action_ts}]}``.
    """
    if is_ephemeral is None:
        is_ephemeral = message is None or bool(message.get("is_ephemeral"))
    found = find_element(message.get("blocks"), action_id) if message else None
    if block_id is None:
        block_id = found[0] if found and found[0] else ids.new_token(3)
    if label is None:
        label = element_label(found[1]) if found else action_id
    ts = (message or {}).get("ts") or message_ts or ids.next_ts()
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": is_ephemeral,
    }
    if message and message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or ids.new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name(channel_id)},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_action(action_id, block_id, value, label, found[1] if found else None)],
    }
    if message is not None and not is_ephemeral:
        shown = {k: v for k, v in message.items() if k not in ("is_ephemeral", "source", "deleted")}
        shown.setdefault("type", "message")
        shown.setdefault("text", "")
        shown.setdefault("blocks", [])
        payload["message"] = shown
    return payload


def view_block_actions(
    action_id: str,
    value: str | None,
    *,
    view: dict,
    user_id: str = "U0ALICE",
    block_id: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict:
    """Build the ``payload`` of a button pressed in a view: a Home tab or an open modal.

    Unlike a press on a message, Slack sends no ``channel``, ``message`` or ``response_url``:
    the ``container`` is ``{type: "view", view_id}`` and the payload carries the ``view`` as
    shown (with its ``state``).

    Args:
        action_id: The pressed button's ``action_id``.
        value: The button's ``value``.
        view: The view record (from ``workspace.home_view(user)`` or ``views_opened()``).
        user_id: Who pressed.
        block_id: The button's block id; looked up in the view (or invented) if None.
        trigger_id: A fresh one if None.
        team_id: Workspace id.

    Returns:
        dict: ``{type: "block_actions", user, api_app_id, token, container{type: "view",
        view_id}, trigger_id, team, enterprise, is_enterprise_install, view, actions[{action_id,
        block_id, type: "button", value, text, action_ts}]}``.
    """
    found = find_element(view.get("blocks"), action_id)
    if block_id is None:
        block_id = found[0] if found and found[0] else ids.new_token(3)
    label = element_label(found[1]) if found else action_id
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "trigger_id": trigger_id or ids.new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [_action(action_id, block_id, value, label, found[1] if found else None)],
    }


def _action(action_id: str, block_id: str, value: str | None, label: str, element: dict | None) -> dict:
    """One ``actions`` entry as Slack sends it: a button's ``value``, or a select's ``selected_option``.

    Raises:
        ValueError: a ``static_select`` pressed with a value none of its options has (Slack only
            sends an option the select offers).
    """
    if element is not None and element.get("type") == "static_select":
        option = next((o for o in element.get("options", []) if o.get("value") == value), None)
        if option is None:
            offered = [o.get("value") for o in element.get("options", [])]
            raise ValueError(f"the select {action_id!r} has no option {value!r}; options: {offered}")
        return {
            "action_id": action_id,
            "block_id": block_id,
            "type": "static_select",
            "selected_option": option,
            "placeholder": element.get("placeholder"),
            "action_ts": ids.new_action_ts(),
        }
    return {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button",
        "value": value,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_ts": ids.new_action_ts(),
    }


def _state_value(value: Any) -> dict:
    """Normalise one ``state.values`` entry (plain strings become text-input values)."""
    if isinstance(value, dict) and "type" in value:
        return dict(value)
    return {"type": "plain_text_input", "value": value}


def view_submission(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    *,
    private_metadata: str = "",
    user_id: str = "U0ALICE",
    view_id: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    blocks: list[dict] | None = None,
    title: str = "Maestro",
) -> dict:
    """Build the ``payload`` object of a modal submission (``type: "view_submission"``).

    Args:
        callback_id: The modal's ``callback_id``.
        values: ``state.values`` as ``{block_id: {action_id: value}}``; a value that is a dict
            with ``type`` is used as is (e.g. ``{"type": "static_select", "selected_option":
            {...}}``), anything else becomes ``{"type": "plain_text_input", "value": value}``.
        private_metadata: The modal's ``private_metadata`` string (≤ 3,000 chars in Slack).
        user_id: Who submitted.
        view_id: The view id; a fresh ``V…`` if None.
        trigger_id: A fresh one if None.
        team_id: Workspace id.
        blocks: The modal's blocks (for realism; Bolt does not need them).
        title: The modal title.

    Returns:
        dict: ``{type, team, user, api_app_id, token, trigger_id, view{id, team_id, type:
        "modal", callback_id, private_metadata, state{values}, blocks, title, hash, app_id,
        bot_id, root_view_id, previous_view_id, external_id}, response_urls,
        is_enterprise_install, enterprise}``.
    """
    vid = view_id or ids.new_view_id()
    state = {bid: {aid: _state_value(v) for aid, v in actions.items()} for bid, actions in values.items()}
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or ids.new_trigger_id(),
        "view": {
            "id": vid,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "blocks": blocks or [],
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "hash": ids.new_token(8),
            "app_id": API_APP_ID,
            "bot_id": BOT_ID,
            "root_view_id": vid,
            "previous_view_id": None,
            "external_id": "",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(
    event: dict,
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> dict:
    """Wrap an event in the Events API envelope.

    Args:
        event: The inner event (see :func:`app_mention`, :func:`message_event`, ...).
        team_id: Workspace id.
        event_id: ``"Ev…"``; a fresh one if None (reuse one to emulate a duplicate delivery).
        event_time: Epoch seconds; now if None.

    Returns:
        dict: ``{token, team_id, context_team_id, api_app_id, event, type: "event_callback",
        event_id, event_time, authorizations: [{enterprise_id, team_id, user_id: "UMAESTRO",
        is_bot: True, is_enterprise_install}], is_ext_shared_channel, event_context}``.
    """
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or ids.new_event_id(),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + ids.new_token(16),
    }


def mention_text(text: str) -> str:
    """Prefix ``<@UMAESTRO> `` unless the text already mentions the bot.

    Args:
        text: What the person typed.

    Returns:
        str: Text that mentions the bot.
    """
    return text if f"<@{BOT_USER_ID}>" in text else f"<@{BOT_USER_ID}> {text}"


def _channel_type(channel: str) -> str:
    """``channel_type`` of a message event for a conversation id."""
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def app_mention(
    text: str,
    *,
    user: str,
    channel: str,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict:
    """Build an ``app_mention`` event.

    Args:
        text: Message text; ``<@UMAESTRO> `` is prefixed unless already present.
        user: Author's user id.
        channel: Conversation id.
        ts: Message ts; a fresh one if None.
        thread_ts: Parent ts when the mention is a thread reply.

    Returns:
        dict: ``{type: "app_mention", user, text, ts, channel, event_ts, team, client_msg_id,
        thread_ts?}``.
    """
    ts = ts or ids.next_ts()
    event = {
        "type": "app_mention",
        "user": user,
        "text": mention_text(text),
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
        "client_msg_id": ids.new_token(16),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_event(
    text: str,
    *,
    user: str,
    channel: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_id: str | None = None,
) -> dict:
    """Build a ``message`` event (``message.channels`` / ``message.im``).

    Args:
        text: Message text, sent as is.
        user: Author's user id.
        channel: Conversation id.
        ts: Message ts; a fresh one if None.
        thread_ts: Parent ts when the message is a thread reply.
        bot_id: Set for a message written by a bot (apps must ignore those).

    Returns:
        dict: ``{type: "message", user, text, ts, channel, event_ts, channel_type, team,
        thread_ts?, bot_id?, client_msg_id?}``.
    """
    ts = ts or ids.next_ts()
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": _channel_type(channel),
        "team": TEAM_ID,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if bot_id:
        event["bot_id"] = bot_id
    else:
        event["client_msg_id"] = ids.new_token(16)
    return event


def app_home_opened(user: str) -> dict:
    """Build an ``app_home_opened`` event for the Home tab.

    Args:
        user: Who opened the Home tab.

    Returns:
        dict: ``{type: "app_home_opened", user, channel (the bot's IM), tab: "home",
        event_ts}``.
    """
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": im_channel_id(user),
        "tab": "home",
        "event_ts": ids.next_ts(),
    }


def url_verification(challenge: str) -> dict:
    """Build the ``url_verification`` body Slack sends when the events URL is configured.

    Args:
        challenge: The value the app must echo back.

    Returns:
        dict: ``{token, challenge, type: "url_verification"}``.
    """
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


def form_encode(fields: Mapping[str, Any]) -> bytes:
    """Encode fields as ``application/x-www-form-urlencoded``.

    Args:
        fields: Field names to values (non-strings are ``str()``-ed).

    Returns:
        bytes: The body, UTF-8.
    """
    return urlencode({k: v if isinstance(v, str) else str(v) for k, v in fields.items()}).encode("utf-8")


def interactive_body(payload: dict) -> bytes:
    """Encode an interactivity payload the way Slack posts it: one form field ``payload``.

    Args:
        payload: The payload object (e.g. from :func:`block_actions`).

    Returns:
        bytes: ``payload=<url-encoded JSON>``.
    """
    return form_encode({"payload": json.dumps(payload, separators=(",", ":"))})


def json_body(envelope: dict) -> bytes:
    """Encode an Events API envelope as a JSON body.

    Args:
        envelope: From :func:`event_callback` or :func:`url_verification`.

    Returns:
        bytes: UTF-8 JSON.
    """
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")
