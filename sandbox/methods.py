"""The emulated Slack Web API methods, as plain functions over a :class:`Workspace`.

Each handler takes ``(workspace, args, base_url)`` — ``args`` being the decoded request
arguments (JSON-valued fields already decoded, though handlers tolerate JSON strings too) and
``base_url`` the sandbox's ``http://127.0.0.1:PORT`` — and returns Slack's response body:
``{"ok": True, ...}`` or ``{"ok": False, "error": "..."}``. Authentication, fault injection and
HTTP live in :mod:`sandbox.web_api`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .constants import BOT_NAME
from .ids import TS_PATTERN
from .scopes import IM, MPIM, needed_scope
from .validation import MAX_VIEW_BLOCKS, block_errors, message_error
from .workspace import Workspace

Handler = Callable[[Workspace, dict, str], dict]
"""Signature of a method handler: ``(workspace, args, base_url) -> response body``."""


def error(code: str, **extra: Any) -> dict:
    """Build a Slack error body.

    Args:
        code: The ``error`` string, e.g. ``"channel_not_found"``.
        **extra: Other top-level fields (e.g. ``errors``).

    Returns:
        dict: ``{"ok": False, "error": code, **extra}``.
    """
    body = {"ok": False, "error": code}
    body.update(extra)
    return body


def json_arg(args: dict, key: str) -> Any:
    """Return an argument that may arrive JSON-encoded (form bodies) or decoded (JSON bodies).

    Args:
        args: Request arguments.
        key: Argument name such as ``"blocks"``.

    Returns:
        Any: The decoded value, None when absent or empty, or the raw string when it is not
        valid JSON (so validation can reject it).
    """
    value = args.get(key)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def bool_arg(args: dict, key: str) -> bool:
    """Return a boolean argument given as JSON bool or form string (``"true"``/``"1"``).

    Args:
        args: Request arguments.
        key: Argument name.

    Returns:
        bool: The value; False when absent.
    """
    value = args.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def str_arg(args: dict, key: str) -> str | None:
    """Return an argument as a string (numbers converted), or None when absent or empty."""
    value = args.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _invalid_blocks(problems: list[str]) -> dict:
    """Slack's ``invalid_blocks`` answer with its details."""
    return error("invalid_blocks", errors=problems, response_metadata={"messages": problems})


def _content_error(text: Any, blocks: Any, *, require_content: bool = True) -> dict | None:
    """Validate message content, returning the Slack error body or None."""
    problem = message_error(text, blocks, require_content=require_content)
    if problem is None:
        return None
    code, details = problem
    return _invalid_blocks(details) if code == "invalid_blocks" else error(code)


def _thread_ts_error(thread_ts: str | None) -> dict | None:
    """Reject a malformed ``thread_ts`` the way Slack does."""
    if thread_ts is not None and not TS_PATTERN.match(thread_ts):
        return error("invalid_thread_ts")
    return None


def _conversation_kind(ws: Workspace, method: str, args: dict) -> str | None:
    """The kind of conversation a call acts on, for the methods whose scope depends on it."""
    if method == "conversations.open" and not str_arg(args, "channel"):
        raw = args.get("users")
        users = raw if isinstance(raw, list) else [u for u in str(raw or "").split(",") if u.strip()]
        return MPIM if len(users) > 1 else IM
    return ws.conversation_kind(str_arg(args, "channel"))


def scope_error(ws: Workspace, method: str, args: dict) -> dict | None:
    """Refuse a call whose scope the app wasn't granted, exactly as Slack does.

    Args:
        ws: The workspace (its :attr:`~sandbox.workspace.Workspace.grant` is the token's scopes).
        method: The method called, one of :data:`METHODS`.
        args: Its arguments (the conversation decides the scope of ``conversations.*``).

    Returns:
        dict | None: ``{"ok": False, "error": "missing_scope", "needed": "groups:read",
        "provided": "chat:write,commands,..."}``, or None when the call may go on.
    """
    scope = needed_scope(method, _conversation_kind(ws, method, args))
    granted = ws.grant.scopes
    if scope is None or scope in granted:
        return None
    return error("missing_scope", needed=scope, provided=",".join(granted))


# ---------------------------------------------------------------------- methods


def auth_test(ws: Workspace, args: dict, base_url: str) -> dict:
    """``auth.test``: who the token belongs to.

    Returns:
        dict: ``{ok, url, team, user, team_id, user_id, bot_id, is_enterprise_install}``.
    """
    return {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": BOT_NAME,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.postMessage``: args channel, text, blocks, thread_ts, reply_broadcast, metadata.

    Returns:
        dict: ``{ok, channel, ts, message}``; errors ``channel_not_found``, ``no_text``,
        ``invalid_blocks``, ``msg_too_long``, ``invalid_thread_ts``.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    if not ws.bot_is_member(channel):
        return error("not_in_channel")
    text, blocks = args.get("text"), json_arg(args, "blocks")
    thread_ts = str_arg(args, "thread_ts")
    failure = _content_error(text, blocks) or _thread_ts_error(thread_ts)
    if failure:
        return failure
    metadata = json_arg(args, "metadata")
    attachments = json_arg(args, "attachments")
    message = ws.post_message(
        channel,
        text=text or "",
        blocks=blocks,
        thread_ts=thread_ts,
        reply_broadcast=bool_arg(args, "reply_broadcast"),
        metadata=metadata if isinstance(metadata, dict) else None,
        attachments=attachments if isinstance(attachments, list) else None,
    )
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}


def _own_message(ws: Workspace, args: dict, not_ours: str) -> tuple[str, str] | dict:
    """``(channel, ts)`` of the bot's own message named by ``args``, else Slack's error body.

    Errors: ``channel_not_found``, ``message_not_found``, and ``not_ours`` (e.g.
    ``cant_update_message``) when a bot token names someone else's message.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    ts = str_arg(args, "ts")
    original = ws.find_message(channel, ts) if ts else None
    if original is None:
        return error("message_not_found")
    if original.get("user") != ws.bot_user_id:
        return error(not_ours)
    return channel, ts


def chat_update(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.update``: args channel, ts, text, blocks (metadata, attachments).

    Returns:
        dict: ``{ok, channel, ts, text, message}``; errors ``channel_not_found``,
        ``message_not_found``, ``cant_update_message`` (not the bot's), ``no_text``,
        ``invalid_blocks``, ``msg_too_long``.
    """
    found = _own_message(ws, args, "cant_update_message")
    if isinstance(found, dict):
        return found
    channel, ts = found
    text, blocks = args.get("text"), json_arg(args, "blocks")
    failure = _content_error(text, blocks)
    if failure:
        return failure
    metadata = json_arg(args, "metadata")
    attachments = json_arg(args, "attachments")
    updated = ws.update_message(
        channel,
        ts,
        text=text,
        blocks=blocks,
        metadata=metadata if isinstance(metadata, dict) else None,
        attachments=attachments if isinstance(attachments, list) else None,
    )
    assert updated is not None
    return {"ok": True, "channel": channel, "ts": ts, "text": updated["text"], "message": updated}


MAX_STREAM_TEXT = 12000
"""Characters of ``markdown_text`` one streaming call takes (Slack's method reference)."""


STREAM_CHUNK_TYPES = frozenset({"markdown_text", "plan_update", "task_update"})
"""The chunk types the streaming methods take (slack_sdk's ``models.messages.chunk``)."""


def _stream_text(args: dict) -> str | None:
    """The text a streaming call adds (``markdown_text`` and markdown chunks); None when malformed."""
    text = str(args.get("markdown_text") or "")
    chunks = json_arg(args, "chunks")
    if chunks is None:
        return text
    if not isinstance(chunks, list):
        return None
    for chunk in chunks:
        if not isinstance(chunk, dict) or chunk.get("type") not in STREAM_CHUNK_TYPES:
            return None
        if chunk["type"] == "markdown_text":
            if not isinstance(chunk.get("text"), str):
                return None
            text += chunk["text"]
    return text


def chat_start_stream(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.startStream``: args channel, thread_ts, markdown_text, recipient_user_id, recipient_team_id.

    A stream is always a reply in a thread; in a channel (not a DM) Slack needs to know whom it
    streams to, so ``recipient_user_id`` and ``recipient_team_id`` are required there.

    Returns:
        dict: ``{ok, channel, ts}``; errors ``channel_not_found``, ``not_in_channel``,
        ``invalid_arguments`` (no thread_ts, or no recipient in a channel), ``invalid_thread_ts``,
        ``msg_too_long``.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    if not ws.bot_is_member(channel):
        return error("not_in_channel")
    thread_ts = str_arg(args, "thread_ts")
    if not thread_ts:
        return error("invalid_arguments")
    failure = _thread_ts_error(thread_ts)
    if failure:
        return failure
    if ws.conversation_kind(channel) != IM and not (
        str_arg(args, "recipient_user_id") and str_arg(args, "recipient_team_id")
    ):
        return error("invalid_arguments")
    text = _stream_text(args)
    if text is None:
        return error("invalid_arguments")
    if len(text) > MAX_STREAM_TEXT:
        return error("msg_too_long")
    message = ws.post_message(channel, text=text, thread_ts=thread_ts)
    ws.set_streaming(channel, message["ts"], True)
    return {"ok": True, "channel": channel, "ts": message["ts"]}


def _streaming_message(ws: Workspace, args: dict) -> tuple[str, str, dict] | dict:
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    ts = str_arg(args, "ts")
    message = ws.find_message(channel, ts) if ts else None
    if message is None:
        return error("message_not_found")
    if not message.get("streaming"):
        return error("message_not_in_streaming_state")
    text = _stream_text(args)
    if text is None:
        return error("invalid_arguments")
    if len(text) > MAX_STREAM_TEXT:
        return error("msg_too_long")
    return channel, ts, {**message, "added": text}


def chat_append_stream(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.appendStream``: args channel, ts, markdown_text (appended to the streamed message).

    Returns:
        dict: ``{ok, channel, ts}``; errors ``channel_not_found``, ``message_not_found``,
        ``message_not_in_streaming_state`` (stopped), ``invalid_arguments`` (no text), ``msg_too_long``.
    """
    found = _streaming_message(ws, args)
    if isinstance(found, dict):
        return found
    channel, ts, message = found
    if not message["added"] and json_arg(args, "chunks") is None:
        return error("invalid_arguments")
    ws.update_message(channel, ts, text=message["text"] + message["added"])
    return {"ok": True, "channel": channel, "ts": ts}


def chat_stop_stream(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.stopStream``: args channel, ts, markdown_text, blocks; the message is final after it.

    Returns:
        dict: ``{ok, channel, ts, message}``; errors as :func:`chat_append_stream`, and
        ``invalid_blocks``.
    """
    found = _streaming_message(ws, args)
    if isinstance(found, dict):
        return found
    channel, ts, message = found
    blocks = json_arg(args, "blocks")
    failure = _content_error(None, blocks, require_content=False) if blocks is not None else None
    if failure:
        return failure
    final = ws.update_message(channel, ts, text=message["text"] + message["added"], blocks=blocks)
    ws.set_streaming(channel, ts, False)
    return {"ok": True, "channel": channel, "ts": ts, "message": final}


def chat_delete(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.delete``: args channel, ts. A bot token deletes only the bot's own messages.

    Returns:
        dict: ``{ok, channel, ts}``; errors ``channel_not_found``, ``message_not_found``,
        ``cant_delete_message`` (not the bot's).
    """
    found = _own_message(ws, args, "cant_delete_message")
    if isinstance(found, dict):
        return found
    channel, ts = found
    ws.delete_message(channel, ts)
    return {"ok": True, "channel": channel, "ts": ts}


def chat_post_ephemeral(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.postEphemeral``: args channel, user, text, blocks, thread_ts.

    Returns:
        dict: ``{ok, message_ts}``; errors ``channel_not_found``, ``user_not_found``,
        ``no_text``, ``invalid_blocks``, ``msg_too_long``.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    user = str_arg(args, "user")
    if not user or ws.user(user) is None:
        return error("user_not_found")
    text, blocks = args.get("text"), json_arg(args, "blocks")
    thread_ts = str_arg(args, "thread_ts")
    failure = _content_error(text, blocks) or _thread_ts_error(thread_ts)
    if failure:
        return failure
    record = ws.post_ephemeral(channel, user, text=text or "", blocks=blocks, thread_ts=thread_ts)
    return {"ok": True, "message_ts": record["ts"]}


def _without_metadata(messages: list[dict], args: dict) -> list[dict]:
    """Drop ``metadata`` from messages unless ``include_all_metadata`` was asked for (as Slack does)."""
    if bool_arg(args, "include_all_metadata"):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


def conversations_replies(ws: Workspace, args: dict, base_url: str) -> dict:
    """``conversations.replies``: args channel, ts, include_all_metadata. No paging: everything in one page.

    Returns:
        dict: ``{ok, messages (parent first), has_more: False, response_metadata}``; errors
        ``channel_not_found``, ``thread_not_found``.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    ts = str_arg(args, "ts")
    messages = ws.thread(channel, ts) if ts else []
    if not messages:
        return error("thread_not_found")
    return {
        "ok": True,
        "messages": _without_metadata(messages, args),
        "has_more": False,
        "response_metadata": {"next_cursor": ""},
    }


def conversations_history(ws: Workspace, args: dict, base_url: str) -> dict:
    """``conversations.history``: args channel, oldest, latest, inclusive, limit, include_all_metadata.

    The channel's top-level messages (and broadcast replies), newest first, between ``oldest``
    and ``latest`` (exclusive unless ``inclusive``); ``limit`` 1–999, default 100. No cursor paging:
    ``has_more`` says more were left out.

    Returns:
        dict: ``{ok, messages, has_more, response_metadata}``; errors ``channel_not_found``,
        ``not_in_channel``, ``invalid_limit``.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    if not ws.bot_is_member(channel):
        return error("not_in_channel")
    try:
        limit = int(str_arg(args, "limit") or 100)
        oldest = float(str_arg(args, "oldest") or 0)
        latest = float(str_arg(args, "latest") or "inf")
    except ValueError:
        return error("invalid_arguments")
    if not 1 <= limit <= 999:
        return error("invalid_limit")
    inclusive = bool_arg(args, "inclusive")

    def within(ts: float) -> bool:
        return oldest <= ts <= latest if inclusive else oldest < ts < latest

    found = [m for m in reversed(ws.messages(channel)) if within(float(m["ts"]))]
    return {
        "ok": True,
        "messages": _without_metadata(found[:limit], args),
        "has_more": len(found) > limit,
        "response_metadata": {"next_cursor": ""},
    }


def conversations_info(ws: Workspace, args: dict, base_url: str) -> dict:
    """``conversations.info``: arg channel.

    Returns:
        dict: ``{ok, channel{id, name, is_channel, is_im, is_private, is_member, ...}}``;
        error ``channel_not_found``.
    """
    info = ws.channel(str_arg(args, "channel") or "")
    if info is None:
        return error("channel_not_found")
    return {"ok": True, "channel": info}


def conversations_open(ws: Workspace, args: dict, base_url: str) -> dict:
    """``conversations.open``: arg users (comma-separated ids) or channel.

    One user gives the bot's IM with them (``D…``); several give a group DM (``G…``, ``is_mpim``).

    Returns:
        dict: ``{ok, channel{id}}``; errors ``users_list_not_supplied``, ``user_not_found``,
        ``channel_not_found``.
    """
    existing = str_arg(args, "channel")
    if existing:
        info = ws.channel(existing)
        return {"ok": True, "channel": {"id": info["id"]}} if info else error("channel_not_found")
    raw = args.get("users")
    users = raw if isinstance(raw, list) else [u.strip() for u in str(raw or "").split(",") if u.strip()]
    if not users:
        return error("users_list_not_supplied")
    if any(ws.user(u) is None for u in users):
        return error("user_not_found")
    if len(users) == 1:
        return {"ok": True, "channel": {"id": ws.open_im(users[0])}}
    return {"ok": True, "channel": {"id": ws.open_mpim(users)}}


def users_info(ws: Workspace, args: dict, base_url: str) -> dict:
    """``users.info``: arg user.

    Returns:
        dict: ``{ok, user{id, name, real_name, tz, tz_offset, is_admin, is_owner, is_bot,
        profile{display_name}, ...}}``; error ``user_not_found``.
    """
    user = ws.user(str_arg(args, "user") or "")
    if user is None:
        return error("user_not_found")
    return {"ok": True, "user": user}


def _view_arg_error(view: Any, allowed: tuple[str, ...]) -> dict | None:
    """Validate a ``view`` argument."""
    if not isinstance(view, dict) or view.get("type") not in allowed:
        return error("invalid_arguments", response_metadata={"messages": ["[ERROR] missing or invalid view"]})
    problems = block_errors(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS)
    if problems:
        return error("invalid_arguments", response_metadata={"messages": problems})
    return None


def views_open(ws: Workspace, args: dict, base_url: str) -> dict:
    """``views.open``: args trigger_id, view (``type: "modal"``).

    Returns:
        dict: ``{ok, view}`` with ``view.id`` ``"V…"``; errors ``invalid_arguments`` (view or
        trigger_id missing or malformed), ``expired_trigger_id`` (a trigger registered more
        than 3 s ago).
    """
    view = json_arg(args, "view")
    failure = _view_arg_error(view, ("modal",))
    if failure:
        return failure
    trigger_id = str_arg(args, "trigger_id")
    problem = ws.trigger_error(trigger_id)
    if problem:
        return error(problem)
    return {"ok": True, "view": ws.open_view(trigger_id, view)}  # type: ignore[arg-type]


def views_publish(ws: Workspace, args: dict, base_url: str) -> dict:
    """``views.publish``: args user_id, view (``type: "home"``).

    Returns:
        dict: ``{ok, view}``; errors ``invalid_arguments``, ``user_not_found``.
    """
    view = json_arg(args, "view")
    failure = _view_arg_error(view, ("home",))
    if failure:
        return failure
    user_id = str_arg(args, "user_id")
    if not user_id or ws.user(user_id) is None:
        return error("user_not_found")
    return {"ok": True, "view": ws.publish_home(user_id, view)}


def chat_get_permalink(ws: Workspace, args: dict, base_url: str) -> dict:
    """``chat.getPermalink``: args channel, message_ts.

    Returns:
        dict: ``{ok, channel, permalink}`` where permalink is
        ``https://sandbox.slack.com/archives/C…/p<ts without dot>`` (plus ``?thread_ts=…&cid=…``
        for replies); errors ``channel_not_found``, ``message_not_found``.
    """
    channel = ws.resolve_channel(str_arg(args, "channel"))
    if channel is None:
        return error("channel_not_found")
    ts = str_arg(args, "message_ts")
    message = ws.find_message(channel, ts) if ts else None
    if message is None:
        return error("message_not_found")
    link = f"https://{ws.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"  # type: ignore[union-attr]
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return {"ok": True, "channel": channel, "permalink": link}


def files_get_upload_url_external(ws: Workspace, args: dict, base_url: str) -> dict:
    """``files.getUploadURLExternal``: args filename, length (bytes), alt_txt.

    Returns:
        dict: ``{ok, upload_url: "{base_url}/upload/F…", file_id}``; error
        ``invalid_arguments`` when filename or length is missing.
    """
    filename = str_arg(args, "filename")
    length = str_arg(args, "length")
    if not filename or length is None or not length.isdigit():
        return error("invalid_arguments")
    record = ws.begin_upload(filename, int(length), str_arg(args, "alt_txt"))
    return {"ok": True, "upload_url": f"{base_url}/upload/{record['id']}", "file_id": record["id"]}


def files_complete_upload_external(ws: Workspace, args: dict, base_url: str) -> dict:
    """``files.completeUploadExternal``: finish uploads and share them.

    Args: files (``[{id, title}]``), channel_id or channels, initial_comment, thread_ts.

    Returns:
        dict: ``{ok, files: [{id, name, title, mimetype, size, channels, ...}]}``; errors
        ``invalid_arguments``, ``channel_not_found``, ``file_not_found``,
        ``file_upload_not_complete``.
    """
    files = json_arg(args, "files")
    if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
        return error("invalid_arguments")
    target = str_arg(args, "channel_id") or (str_arg(args, "channels") or "").split(",")[0] or None
    channel = None
    if target:
        channel = ws.resolve_channel(target)
        if channel is None:
            return error("channel_not_found")
    problem, public = ws.complete_upload(
        files,
        channel=channel,
        initial_comment=str_arg(args, "initial_comment"),
        thread_ts=str_arg(args, "thread_ts"),
    )
    if problem:
        return error(problem)
    return {"ok": True, "files": public}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.startStream": chat_start_stream,
    "chat.appendStream": chat_append_stream,
    "chat.stopStream": chat_stop_stream,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "users.info": users_info,
    "views.open": views_open,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
"""Every emulated method by its Slack name (each has its scopes in :data:`sandbox.scopes.METHOD_SCOPES`)."""
