"""In-memory state of the fake Slack workspace the sandbox emulates.

One :class:`Workspace` holds users, channels, messages and threads, ephemeral messages,
response_url posts, opened and published views, uploaded files, a log of every Web API call,
a journal of changes (for consoles that print what is new) and a fault injector. Every public
method takes the same ``threading.RLock``, so the HTTP server's threads, the test thread and a
console can use one workspace at once.

Inspection methods return deep copies: mutating them never changes the workspace.
"""

from __future__ import annotations

import copy
import json
import mimetypes
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from threading import RLock
from typing import Any
from zoneinfo import ZoneInfo

from . import ids
from .constants import (
    API_APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL_SECONDS,
    SANDBOX_BOT_TOKEN,
    SANDBOX_SIGNING_SECRET,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    TRIGGER_TTL_SECONDS,
)
from .directory import CHANNEL_PREFIXES, FAKE_CHANNELS, FAKE_USERS, channel_name, im_channel_id, user_name
from .scopes import IM, MPIM, PRIVATE, PUBLIC, Grant, manifest_grant
from .validation import message_error


def _tz_offset(tz_name: str) -> int:
    """Return the current UTC offset of a time zone in seconds (0 if unknown)."""
    try:
        offset = datetime.now(ZoneInfo(tz_name)).utcoffset()
    except Exception:  # unknown zone or no tz database: fall back to UTC
        return 0
    return int(offset.total_seconds()) if offset else 0


class Workspace:
    """Thread-safe in-memory state of a fake Slack workspace.

    Attributes:
        team_id: ``"T0SANDBOX"``.
        domain: ``"sandbox"``.
        team_name: ``"Sandbox"``.
        bot_user_id: ``"UMAESTRO"``.
        bot_id: ``"BMAESTRO"``.
        bot_token: The bearer token the Web API accepts (``SANDBOX_BOT_TOKEN``).
        signing_secret: The secret requests to the app are signed with.
        response_url_ttl: Lifetime of a response_url in seconds (1,800).
        trigger_ttl: Lifetime of a trigger_id in seconds (3).
        grant: The installed app's bot scopes and event subscriptions (:class:`sandbox.scopes.Grant`,
            from ``manifest.yml`` unless given): a method whose scope is missing answers
            ``missing_scope``, and an event the app isn't subscribed to is not sent.
        lock: The one ``RLock`` guarding all state; hold it to read several things atomically.

    Channels: ``C0GENERAL`` and ``C0PROJECT`` exist from the start. A conversation id that
    starts with ``C``, ``D`` or ``G`` is created on first use (real Slack would answer
    ``channel_not_found``; the sandbox is permissive so tests need no setup). Other ids are
    rejected with ``channel_not_found``, except a known user id, which (as in Slack) means the
    bot's direct-message channel with that user. ``C…`` ids are public channels, ``G…`` ids
    private channels (group DMs opened with ``conversations.open`` are ``G…`` too, marked
    ``is_mpim``), ``D…`` ids direct messages.
    """

    def __init__(
        self,
        *,
        bot_token: str = SANDBOX_BOT_TOKEN,
        signing_secret: str = SANDBOX_SIGNING_SECRET,
        response_url_ttl: float = RESPONSE_URL_TTL_SECONDS,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        scopes: Iterable[str] | None = None,
        bot_events: Iterable[str] | None = None,
        team_id: str = TEAM_ID,
        team_name: str = TEAM_NAME,
        domain: str = TEAM_DOMAIN,
    ) -> None:
        """Create a workspace seeded with the fixed users and channels.

        Args:
            bot_token: Bearer token accepted by the Web API.
            signing_secret: Secret used to sign requests sent to the app.
            response_url_ttl: Seconds a response_url stays usable.
            trigger_ttl: Seconds a trigger_id registered with :meth:`register_trigger` stays
                usable for ``views.open``.
            scopes: Bot scopes the token has; those of the repository's ``manifest.yml`` if None.
            bot_events: Event subscriptions; the manifest's if None.
            team_id: The workspace's id (a second workspace of the same server gets another).
            team_name: Its name (``auth.test``, ``oauth.v2.access``).
            domain: Its domain.

        Raises:
            FileNotFoundError: ``scopes`` or ``bot_events`` is None and there is no manifest.
        """
        self.team_id = team_id
        self.domain = domain
        self.team_name = team_name
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        self.response_url_ttl = response_url_ttl
        self.trigger_ttl = trigger_ttl
        self.lock = RLock()
        self.grant = Grant(scopes=(), bot_events=())
        self.set_grant(scopes, bot_events)
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Clear all messages, ephemerals, views, files, calls, faults and the journal.

        The fixed users and channels are restored; channels created on first use are dropped.
        """
        with self.lock:
            self._users: dict[str, dict] = copy.deepcopy(FAKE_USERS)
            self._channels: dict[str, dict] = {
                cid: self._channel_record(cid, seed["name"]) for cid, seed in FAKE_CHANNELS.items()
            }
            self._messages: dict[str, list[dict]] = {}
            self._ephemerals: list[dict] = []
            self._response_urls: dict[str, dict] = {}
            self._response_posts: list[dict] = []
            self._triggers: dict[str, dict] = {}
            self._views_opened: list[dict] = []
            self._home_views: dict[str, dict] = {}
            self._files: dict[str, dict] = {}
            self._calls: list[dict] = []
            self._faults: dict[str, list[dict]] = {}
            self._delays: dict[str, list[dict]] = {}
            self._journal: list[dict] = []

    def set_grant(self, scopes: Iterable[str] | None = None, bot_events: Iterable[str] | None = None) -> None:
        """Install the app with other scopes or event subscriptions (None: the manifest's).

        Args:
            scopes: Bot scopes, e.g. ``["chat:write", "commands"]``.
            bot_events: Event subscriptions, e.g. ``["app_mention", "message.channels"]``.

        Raises:
            FileNotFoundError: A None argument and no manifest to read it from.
        """
        if scopes is None or bot_events is None:
            manifest = manifest_grant()
            scopes = manifest.scopes if scopes is None else scopes
            bot_events = manifest.bot_events if bot_events is None else bot_events
        with self.lock:
            self.grant = Grant.of(scopes, bot_events)

    # ------------------------------------------------------------------ journal

    def _note(self, kind: str, **fields: Any) -> None:
        """Append an entry to the change journal (caller holds the lock)."""
        entry = {"seq": len(self._journal) + 1, "kind": kind, "time": time.time()}
        entry.update(fields)
        self._journal.append(entry)

    @property
    def journal_seq(self) -> int:
        """int: Sequence number of the latest journal entry (0 when nothing happened yet)."""
        with self.lock:
            return len(self._journal)

    def changes(self, since: int = 0) -> list[dict]:
        """Return journal entries newer than ``since``.

        Args:
            since: A value previously read from :attr:`journal_seq`.

        Returns:
            list[dict]: Entries ``{seq, kind, time, channel?, ts?, thread_ts?, user?, ...}`` in
            order. ``kind`` is one of ``message`` (new top-level message), ``reply`` (thread
            reply), ``update``, ``delete``, ``ephemeral``, ``ephemeral_update``,
            ``ephemeral_delete``, ``view_open``, ``home``, ``file``.
        """
        with self.lock:
            return copy.deepcopy(self._journal[since:])

    # ------------------------------------------------------------------ directory

    def _channel_record(
        self, channel_id: str, name: str | None = None, user: str | None = None, *, mpim: bool = False
    ) -> dict:
        """Build a conversations.info-shaped channel record."""
        is_im = channel_id.startswith("D")
        record = {
            "id": channel_id,
            "name": name or channel_name(channel_id),
            "is_channel": channel_id.startswith("C"),
            "is_group": channel_id.startswith("G") and not mpim,
            "is_im": is_im,
            "is_mpim": mpim,
            "is_private": not channel_id.startswith("C"),
            "is_member": True,
            "is_archived": False,
            "created": int(time.time()),
        }
        if is_im:
            record["user"] = user or ("U" + channel_id[1:])
            record.pop("name")
        return record

    def set_bot_member(self, channel_id: str, member: bool) -> None:
        """Add the bot to a channel or remove it (``chat.postMessage`` there answers ``not_in_channel``)."""
        with self.lock:
            resolved = self.resolve_channel(channel_id)
            if resolved is not None:
                self._channels[resolved]["is_member"] = member

    def bot_is_member(self, channel_id: str) -> bool:
        """True when the bot may post in the channel (every channel, until removed)."""
        with self.lock:
            record = self._channels.get(channel_id)
            return record is None or bool(record.get("is_member", True))

    def user(self, user_id: str) -> dict | None:
        """Return a user the way ``users.info`` does.

        Args:
            user_id: A user id such as ``"U0ALICE"``.

        Returns:
            dict | None: ``{id, team_id, name, real_name, tz, tz_label, tz_offset (seconds east
            of UTC), is_admin, is_owner, is_bot, deleted, profile{display_name, real_name}}``,
            or None for an unknown id.
        """
        with self.lock:
            seed = self._users.get(user_id)
            if seed is None:
                return None
            result = {
                "id": seed["id"],
                "team_id": self.team_id,
                "name": seed["name"],
                "real_name": seed["real_name"],
                "tz": seed["tz"],
                "tz_label": seed["tz"],
                "tz_offset": _tz_offset(seed["tz"]),
                "is_admin": seed["is_admin"],
                "is_owner": seed["is_owner"],
                "is_bot": seed["is_bot"],
                "deleted": False,
                "profile": {
                    "display_name": seed["display_name"],
                    "real_name": seed["real_name"],
                },
            }
            if seed["is_bot"]:
                result["profile"]["bot_id"] = self.bot_id
                result["profile"]["api_app_id"] = API_APP_ID
            return result

    def users(self) -> list[dict]:
        """Return every user in ``users.info`` shape, the bot last.

        Returns:
            list[dict]: One dict per user, see :meth:`user`.
        """
        with self.lock:
            ordered = sorted(self._users, key=lambda uid: (self._users[uid]["is_bot"], uid))
            return [self.user(uid) for uid in ordered]  # type: ignore[misc]

    def find_user(self, id_or_name: str) -> str | None:
        """Resolve a user id or handle (``"bob"``, ``"@bob"``, ``"U0BOB"``) to a user id.

        Args:
            id_or_name: What a person typed.

        Returns:
            str | None: The user id, or None if nobody matches.
        """
        key = id_or_name.strip().lstrip("@")
        with self.lock:
            if key.upper() in self._users:
                return key.upper()
            for uid, seed in self._users.items():
                if seed["name"].lower() == key.lower():
                    return uid
        return None

    def resolve_channel(self, channel: str | None) -> str | None:
        """Turn a ``channel`` argument into a conversation id, creating it on first use.

        Args:
            channel: A conversation id (``C…``, ``D…``, ``G…``) or a known user id (meaning the
                bot's IM with that user).

        Returns:
            str | None: The conversation id, or None when Slack would answer
            ``channel_not_found``.
        """
        if not channel or not isinstance(channel, str):
            return None
        with self.lock:
            if channel in self._users:
                return self.open_im(channel)
            if not channel.startswith(CHANNEL_PREFIXES):
                return None
            if channel not in self._channels:
                self._channels[channel] = self._channel_record(channel)
            return channel

    def channel(self, channel_id: str) -> dict | None:
        """Return a conversation the way ``conversations.info`` does (creating it on first use).

        Args:
            channel_id: A conversation id.

        Returns:
            dict | None: ``{id, name?, is_channel, is_group, is_im, is_private, is_member,
            is_archived, created, user?}``, or None for an id Slack would reject.
        """
        with self.lock:
            resolved = self.resolve_channel(channel_id)
            if resolved is None:
                return None
            return copy.deepcopy(self._channels[resolved])

    def conversation_kind(self, channel: str | None) -> str | None:
        """Return the kind of a conversation without creating it, for Slack's per-kind scopes.

        Args:
            channel: A conversation id, or a known user id (the bot's DM with them).

        Returns:
            str | None: ``"public"``, ``"private"``, ``"im"`` or ``"mpim"`` (see
            :mod:`sandbox.scopes`); None for an id Slack would answer ``channel_not_found`` for.
        """
        if not channel or not isinstance(channel, str):
            return None
        with self.lock:
            if channel in self._users:
                return IM
            record = self._channels.get(channel)
            if record is None:
                return {"C": PUBLIC, "G": PRIVATE, "D": IM}.get(channel[:1])
            if record["is_im"]:
                return IM
            if record.get("is_mpim"):
                return MPIM
            return PRIVATE if record["is_private"] else PUBLIC

    def channels(self) -> list[dict]:
        """Return every known conversation (see :meth:`channel`), seeded ones first.

        Returns:
            list[dict]: Channel records.
        """
        with self.lock:
            return copy.deepcopy(list(self._channels.values()))

    def open_im(self, user_id: str) -> str:
        """Return (creating if needed) the bot's IM channel with a user.

        Args:
            user_id: A user id.

        Returns:
            str: The ``D…`` channel id.
        """
        with self.lock:
            cid = im_channel_id(user_id)
            if cid not in self._channels:
                self._channels[cid] = self._channel_record(cid, user=user_id)
            return cid

    def open_mpim(self, user_ids: Iterable[str]) -> str:
        """Return (creating if needed) the group DM of the bot with several users.

        Args:
            user_ids: Two or more user ids.

        Returns:
            str: A stable ``G…`` id, the same for the same people in any order.
        """
        with self.lock:
            members = sorted(set(user_ids))
            cid = "G" + "".join(u[1:4] for u in members).upper()
            if cid not in self._channels:
                name = "mpdm-" + "--".join(user_name(u) for u in members) + "-1"
                self._channels[cid] = self._channel_record(cid, name, mpim=True)
            return cid

    # ------------------------------------------------------------------ messages

    def _find(self, channel: str, ts: str) -> dict | None:
        """Return the stored (mutable) message, or None (caller holds the lock)."""
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    @staticmethod
    def _is_top_level(message: dict) -> bool:
        """Whether a stored message shows in the channel (not only in a thread)."""
        thread_ts = message.get("thread_ts")
        return thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"

    def _store(self, channel: str, message: dict) -> dict:
        """Insert a message, wire it into its thread and journal it (caller holds the lock)."""
        self._messages.setdefault(channel, []).append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._find(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent.setdefault("replies", []).append({"user": message["user"], "ts": message["ts"]})
                users = parent.setdefault("reply_users", [])
                if message["user"] not in users:
                    users.append(message["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
            self._note("reply", channel=channel, ts=message["ts"], thread_ts=thread_ts, user=message["user"])
        else:
            self._note("message", channel=channel, ts=message["ts"], user=message["user"])
        return message

    def _thread_root(self, channel: str, thread_ts: str) -> str:
        """Map a thread_ts that names a reply to its parent's ts (caller holds the lock)."""
        target = self._find(channel, thread_ts)
        if target is not None and target.get("thread_ts") and target["thread_ts"] != target["ts"]:
            return target["thread_ts"]
        return thread_ts

    def post_message(
        self,
        channel: str,
        *,
        text: str = "",
        blocks: list[dict] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        metadata: dict | None = None,
        attachments: list[dict] | None = None,
        files: list[dict] | None = None,
    ) -> dict:
        """Post a message as the bot (what ``chat.postMessage`` does after its checks).

        A ``thread_ts`` naming a reply is mapped to that reply's parent. A ``thread_ts`` naming
        no message is accepted, as Slack does, and the reply is kept as an orphan: it shows in
        :meth:`thread` for that ts but not in :meth:`messages`.

        Args:
            channel: A conversation id already resolved with :meth:`resolve_channel`.
            text: Message text (mrkdwn).
            blocks: Block Kit blocks (list of dicts), or None.
            thread_ts: Parent ``ts`` to reply in a thread.
            reply_broadcast: Also show a thread reply in the channel (``subtype:
                thread_broadcast``).
            metadata: Message metadata ``{event_type, event_payload}``.
            attachments: Legacy attachments.
            files: File objects shared with the message.

        Returns:
            dict: A copy of the stored message ``{type, ts, user, bot_id, app_id, team, text,
            blocks?, thread_ts?, reply_count?, metadata?, ...}``.
        """
        with self.lock:
            message: dict[str, Any] = {
                "type": "message",
                "ts": ids.next_ts(),
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "app_id": API_APP_ID,
                "team": self.team_id,
                "text": text or "",
                "bot_profile": {"id": self.bot_id, "name": BOT_NAME, "app_id": API_APP_ID},
            }
            if blocks is not None:
                message["blocks"] = copy.deepcopy(blocks)
            if attachments:
                message["attachments"] = copy.deepcopy(attachments)
            if files:
                message["files"] = copy.deepcopy(files)
                message["upload"] = True
            if metadata:
                message["metadata"] = copy.deepcopy(metadata)
            if thread_ts:
                message["thread_ts"] = self._thread_root(channel, thread_ts)
                if reply_broadcast:
                    message["subtype"] = "thread_broadcast"
            else:
                message["reply_count"] = 0
            return copy.deepcopy(self._store(channel, message))

    def add_user_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        ts: str | None = None,
        thread_ts: str | None = None,
    ) -> dict:
        """Record a message a person wrote.

        The console and the sender call this before sending the matching event, so the bot's
        thread replies have a parent.

        Args:
            channel: Conversation id (created on first use).
            user: Author's user id.
            text: Raw message text, mentions included (``"<@UMAESTRO> hi"``).
            ts: The message ts (taken from the event); a new one if None. If a message with this
                ts already exists in the channel it is returned unchanged.
            thread_ts: Parent ts when the message is a thread reply.

        Returns:
            dict: A copy of the stored message ``{type, ts, user, team, text, thread_ts?}``.

        Raises:
            ValueError: If ``channel`` is not an id the sandbox accepts.
        """
        with self.lock:
            resolved = self.resolve_channel(channel)
            if resolved is None:
                raise ValueError(f"channel_not_found: {channel!r}")
            if ts is not None:
                existing = self._find(resolved, ts)
                if existing is not None:
                    return copy.deepcopy(existing)
                ids.observe_ts(ts)
            message: dict[str, Any] = {
                "type": "message",
                "ts": ts or ids.next_ts(),
                "user": user,
                "team": self.team_id,
                "text": text,
            }
            if thread_ts and thread_ts != message["ts"]:
                message["thread_ts"] = self._thread_root(resolved, thread_ts)
            else:
                message["reply_count"] = 0
            return copy.deepcopy(self._store(resolved, message))

    def update_message(
        self,
        channel: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: list[dict] | None = None,
        metadata: dict | None = None,
        attachments: list[dict] | None = None,
    ) -> dict | None:
        """Edit a stored message (``chat.update`` or a response_url ``replace_original``).

        Fields left as None keep their old value; ``blocks=[]`` removes the blocks.

        Args:
            channel: Conversation id.
            ts: The message's ts.
            text: New text.
            blocks: New blocks.
            metadata: New metadata.
            attachments: New attachments.

        Returns:
            dict | None: A copy of the updated message (with ``edited{user, ts}``), or None if
            there is no such message.
        """
        with self.lock:
            message = self._find(channel, ts)
            if message is None:
                return None
            if text is not None:
                message["text"] = text
            if blocks is not None:
                if blocks:
                    message["blocks"] = copy.deepcopy(blocks)
                else:
                    message.pop("blocks", None)
            if metadata is not None:
                message["metadata"] = copy.deepcopy(metadata)
            if attachments is not None:
                message["attachments"] = copy.deepcopy(attachments)
            message["edited"] = {"user": self.bot_user_id, "ts": ids.next_ts()}
            self._note("update", channel=channel, ts=ts, thread_ts=message.get("thread_ts"))
            return copy.deepcopy(message)

    def set_streaming(self, channel: str, ts: str, streaming: bool) -> None:
        """Mark a bot message as being streamed (``chat.startStream``) or final (``chat.stopStream``)."""
        with self.lock:
            message = self._find(channel, ts)
            if message is not None:
                message["streaming"] = streaming

    def delete_message(self, channel: str, ts: str) -> bool:
        """Remove a message (response_url ``delete_original``).

        Args:
            channel: Conversation id.
            ts: The message's ts.

        Returns:
            bool: Whether a message was removed.
        """
        with self.lock:
            message = self._find(channel, ts)
            if message is None:
                return False
            self._messages[channel].remove(message)
            self._note("delete", channel=channel, ts=ts, thread_ts=message.get("thread_ts"))
            return True

    def messages(self, channel: str) -> list[dict]:
        """Return a channel's top-level messages, oldest first (what the channel shows).

        Thread replies are left out unless broadcast to the channel.

        Args:
            channel: Conversation id.

        Returns:
            list[dict]: Copies of the messages.
        """
        with self.lock:
            return copy.deepcopy([m for m in self._messages.get(channel, []) if self._is_top_level(m)])

    def thread(self, channel: str, ts: str) -> list[dict]:
        """Return a thread: the parent first, then its replies in order.

        Args:
            channel: Conversation id.
            ts: The parent's ts (a reply's ts is mapped to its parent).

        Returns:
            list[dict]: Copies; empty when neither the parent nor any reply exists (orphan
            replies to a missing parent are returned without a parent).
        """
        with self.lock:
            root = self._thread_root(channel, ts)
            result = []
            for message in self._messages.get(channel, []):
                if message["ts"] == root:
                    result.insert(0, message)
                elif message.get("thread_ts") == root:
                    result.append(message)
            return copy.deepcopy(result)

    def find_message(self, channel: str, ts: str) -> dict | None:
        """Return one message (top level or reply) by ts.

        Args:
            channel: Conversation id.
            ts: The message's ts.

        Returns:
            dict | None: A copy of the message, or None.
        """
        with self.lock:
            message = self._find(channel, ts)
            return copy.deepcopy(message) if message is not None else None

    # ------------------------------------------------------------------ ephemerals

    def post_ephemeral(
        self,
        channel: str,
        user: str,
        *,
        text: str = "",
        blocks: list[dict] | None = None,
        thread_ts: str | None = None,
        source: str = "api",
    ) -> dict:
        """Show a message to one person only.

        Args:
            channel: Conversation id.
            user: The only user who sees it.
            text: Message text.
            blocks: Block Kit blocks or None.
            thread_ts: Thread the ephemeral appears in, if any.
            source: Where it came from: ``"api"`` (chat.postEphemeral), ``"response_url"`` or
                ``"ack"`` (the body of a command's HTTP answer).

        Returns:
            dict: A copy of ``{channel, user, text, blocks, thread_ts?, ts, is_ephemeral: True,
            source, deleted: False}``; ``ts`` is what ``chat.postEphemeral`` returns as
            ``message_ts``.
        """
        with self.lock:
            record: dict[str, Any] = {
                "channel": channel,
                "user": user,
                "text": text or "",
                "blocks": copy.deepcopy(blocks) if blocks else [],
                "ts": ids.next_ts(),
                "is_ephemeral": True,
                "source": source,
                "deleted": False,
            }
            if thread_ts:
                record["thread_ts"] = thread_ts
            self._ephemerals.append(record)
            self._note("ephemeral", channel=channel, ts=record["ts"], user=user, thread_ts=thread_ts)
            return copy.deepcopy(record)

    def _find_ephemeral(self, ts: str) -> dict | None:
        """Return the stored (mutable) ephemeral with this ts (caller holds the lock)."""
        for record in self._ephemerals:
            if record["ts"] == ts:
                return record
        return None

    def find_ephemeral(self, ts: str) -> dict | None:
        """Return one ephemeral by its ts.

        Args:
            ts: The ephemeral's ``ts`` (``message_ts``).

        Returns:
            dict | None: A copy, or None.
        """
        with self.lock:
            record = self._find_ephemeral(ts)
            return copy.deepcopy(record) if record else None

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict]:
        """Return ephemeral messages, oldest first, optionally filtered.

        Deleted ephemerals (response_url ``delete_original``) are left out.

        Args:
            channel: Only those in this conversation.
            user: Only those shown to this user.

        Returns:
            list[dict]: Copies, see :meth:`post_ephemeral`.
        """
        with self.lock:
            return copy.deepcopy(
                [
                    e
                    for e in self._ephemerals
                    if not e["deleted"]
                    and (channel is None or e["channel"] == channel)
                    and (user is None or e["user"] == user)
                ]
            )

    # ------------------------------------------------------------------ response_url

    def new_response_token(
        self,
        channel: str,
        user: str,
        *,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> str:
        """Register a response_url and return its token (the last path segment).

        Args:
            channel: Conversation the command or action happened in.
            user: The person who acted (ephemeral responses go to them).
            message_ts: The in-channel message a button sat on (for ``replace_original`` /
                ``delete_original``).
            ephemeral_ts: The ephemeral a button sat on, instead of ``message_ts``.

        Returns:
            str: A fresh token.
        """
        token = ids.new_token()
        with self.lock:
            self._response_urls[token] = {
                "channel": channel,
                "user": user,
                "message_ts": message_ts,
                "ephemeral_ts": ephemeral_ts,
                "uses": 0,
                "created": time.time(),
            }
        return token

    def has_response_token(self, token: str) -> bool:
        """True when ``token`` is one of this workspace's response_urls (used or not)."""
        with self.lock:
            return token in self._response_urls

    def respond(self, token: str, body: Any) -> tuple[int, str]:
        """Apply a POST to a response_url the way Slack does.

        Rules: at most 5 uses per URL (then HTTP 404 ``used_url``), valid for
        :attr:`response_url_ttl` seconds (then 404 ``expired_url``). ``delete_original`` removes
        the message (or ephemeral) the action came from; ``replace_original: true`` edits it
        (an in-channel message in place, an ephemeral by replacing its content); otherwise
        ``response_type: "in_channel"`` posts a new bot message in the channel (in
        ``thread_ts`` if given) and anything else posts an ephemeral to the acting user.
        ``replace_original`` defaults to false.

        Args:
            token: The response_url token.
            body: The decoded JSON body: ``{text?, blocks?, response_type?, replace_original?,
                delete_original?, thread_ts?}``.

        Returns:
            tuple[int, str]: HTTP status and plain-text body (``"ok"`` on success).
        """
        with self.lock:
            entry = self._response_urls.get(token)
            post = {"response_token": token, "body": copy.deepcopy(body), "time": time.time()}
            self._response_posts.append(post)
            if entry is None:
                status, result = 404, "no_service"
            elif time.time() - entry["created"] > self.response_url_ttl:
                status, result = 404, "expired_url"
            elif entry["uses"] >= RESPONSE_URL_MAX_USES:
                status, result = 404, "used_url"
            elif not isinstance(body, dict):
                entry["uses"] += 1
                status, result = 400, "invalid_payload"
            else:
                entry["uses"] += 1
                status, result = self._apply_response(entry, body)
            post["status"] = status
            post["result"] = result
            return status, result

    def _apply_response(self, entry: dict, body: dict) -> tuple[int, str]:
        """Carry out one accepted response_url body (caller holds the lock)."""
        channel, user = entry["channel"], entry["user"]
        if _truthy(body.get("delete_original")):
            if entry["message_ts"] and self.delete_message(channel, entry["message_ts"]):
                return 200, "ok"
            if entry["ephemeral_ts"]:
                record = self._find_ephemeral(entry["ephemeral_ts"])
                if record is not None:
                    record["deleted"] = True
                    self._note("ephemeral_delete", channel=channel, ts=record["ts"], user=user)
                    return 200, "ok"
            return 404, "message_not_found"
        text = body.get("text")
        blocks = body.get("blocks")
        problem = message_error(text, blocks)
        if problem is not None:
            return 400, problem[0]
        if _truthy(body.get("replace_original")):
            if entry["message_ts"]:
                updated = self.update_message(
                    channel, entry["message_ts"], text=text or "", blocks=blocks or []
                )
                return (200, "ok") if updated else (404, "message_not_found")
            if entry["ephemeral_ts"]:
                record = self._find_ephemeral(entry["ephemeral_ts"])
                if record is not None:
                    record["text"] = text or ""
                    record["blocks"] = copy.deepcopy(blocks) if blocks else []
                    self._note("ephemeral_update", channel=channel, ts=record["ts"], user=user)
                    return 200, "ok"
        if body.get("response_type") == "in_channel":
            self.post_message(channel, text=text or "", blocks=blocks, thread_ts=body.get("thread_ts"))
        else:
            self.post_ephemeral(
                channel,
                user,
                text=text or "",
                blocks=blocks,
                thread_ts=body.get("thread_ts"),
                source="response_url",
            )
        return 200, "ok"

    def response_posts(self, token: str | None = None) -> list[dict]:
        """Return every POST made to a response_url, accepted or not.

        Args:
            token: Only posts to this response_url token.

        Returns:
            list[dict]: ``{response_token, body, time, status (HTTP), result ("ok" or the
            error text)}`` in order.
        """
        with self.lock:
            return copy.deepcopy(
                [p for p in self._response_posts if token is None or p["response_token"] == token]
            )

    def apply_command_ack(self, channel: str, user: str, status: int, body: str) -> dict | None:
        """Show the HTTP answer to a slash command the way Slack does.

        Slack shows a non-empty 2xx answer to the invoking user: a plain-text body or a JSON
        body with ``text``/``blocks`` becomes an ephemeral (``source: "ack"``), or a channel
        message when ``response_type`` is ``"in_channel"``.

        Args:
            channel: Where the command was typed.
            user: Who typed it.
            status: The app's HTTP status.
            body: The app's response body text.

        Returns:
            dict | None: The ephemeral or message created, or None when nothing is shown.
        """
        if not 200 <= status < 300 or not body.strip():
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {"text": body}
        if not isinstance(parsed, dict):
            parsed = {"text": body}
        text, blocks = parsed.get("text") or "", parsed.get("blocks")
        if not text and not blocks:
            return None
        with self.lock:
            if parsed.get("response_type") == "in_channel":
                return self.post_message(channel, text=text, blocks=blocks)
            return self.post_ephemeral(channel, user, text=text, blocks=blocks, source="ack")

    # ------------------------------------------------------------------ triggers and views

    def register_trigger(self, trigger_id: str, user: str) -> None:
        """Remember when a trigger_id was handed to the app, so ``views.open`` can expire it.

        Args:
            trigger_id: The trigger id sent in a payload.
            user: The user it belongs to.
        """
        with self.lock:
            self._triggers[trigger_id] = {"user": user, "created": time.time()}

    def trigger_error(self, trigger_id: Any) -> str | None:
        """Check a trigger_id given to ``views.open``.

        Unknown trigger ids are accepted (tests may build payloads without a sender); known
        ones expire after :attr:`trigger_ttl` seconds.

        Args:
            trigger_id: The ``trigger_id`` argument.

        Returns:
            str | None: ``"invalid_arguments"`` when missing, ``"expired_trigger_id"`` when too
            old, else None.
        """
        if not trigger_id or not isinstance(trigger_id, str):
            return "invalid_arguments"
        with self.lock:
            known = self._triggers.get(trigger_id)
            if known and time.time() - known["created"] > self.trigger_ttl:
                return "expired_trigger_id"
            return None

    def trigger_user(self, trigger_id: str) -> str | None:
        """Return the user a registered trigger id belongs to, or None."""
        with self.lock:
            known = self._triggers.get(trigger_id)
            return known["user"] if known else None

    def _view_record(self, view: dict) -> dict:
        """Complete a view dict with the fields Slack adds (caller holds the lock)."""
        record = copy.deepcopy(view)
        view_id = ids.new_view_id()
        record.update(
            {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": API_APP_ID,
                "bot_id": self.bot_id,
                "root_view_id": view_id,
                "previous_view_id": None,
                "hash": ids.new_token(8),
                "state": {"values": {}},
            }
        )
        record.setdefault("private_metadata", "")
        record.setdefault("callback_id", "")
        record.setdefault("external_id", "")
        record.setdefault("blocks", [])
        return record

    def open_view(self, trigger_id: str, view: dict) -> dict:
        """Record a modal opened with ``views.open``.

        Args:
            trigger_id: The trigger id used.
            view: The view dict as sent (``{type: "modal", title, blocks, ...}``).

        Returns:
            dict: A copy of the completed view (with ``id`` ``"V…"``, ``hash``, ``state``).
        """
        with self.lock:
            record = self._view_record(view)
            user = self.trigger_user(trigger_id)
            self._views_opened.append(
                {"trigger_id": trigger_id, "user": user, "view": record, "time": time.time()}
            )
            self._note("view_open", user=user, view_id=record["id"])
            return copy.deepcopy(record)

    def views_opened(self) -> list[dict]:
        """Return the modals opened so far.

        Returns:
            list[dict]: ``{trigger_id, user (or None if the trigger was not registered),
            view, time}`` in order.
        """
        with self.lock:
            return copy.deepcopy(self._views_opened)

    def publish_home(self, user_id: str, view: dict) -> dict:
        """Record a Home tab published with ``views.publish``.

        Args:
            user_id: Whose Home tab.
            view: The view dict (``{type: "home", blocks}``).

        Returns:
            dict: A copy of the completed view.
        """
        with self.lock:
            record = self._view_record(view)
            self._home_views[user_id] = record
            self._note("home", user=user_id, view_id=record["id"])
            return copy.deepcopy(record)

    def home_view(self, user: str) -> dict | None:
        """Return the Home tab last published for a user.

        Args:
            user: User id.

        Returns:
            dict | None: A copy of the view, or None.
        """
        with self.lock:
            view = self._home_views.get(user)
            return copy.deepcopy(view) if view else None

    # ------------------------------------------------------------------ files

    def begin_upload(self, filename: str, length: int, alt_txt: str | None = None) -> dict:
        """Start a file upload (``files.getUploadURLExternal``).

        Args:
            filename: File name.
            length: Announced size in bytes.
            alt_txt: Alt text for images.

        Returns:
            dict: A copy of the file record ``{id, name, length, alt_txt, content: None,
            completed: False}``.
        """
        with self.lock:
            record = {
                "id": ids.new_file_id(),
                "name": filename,
                "title": filename,
                "length": length,
                "alt_txt": alt_txt,
                "content": None,
                "completed": False,
                "channels": [],
                "thread_ts": None,
                "initial_comment": None,
            }
            self._files[record["id"]] = record
            return copy.deepcopy(record)

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Store the bytes POSTed to a file's upload URL.

        Args:
            file_id: The ``F…`` id.
            content: The raw bytes.

        Returns:
            bool: Whether such a pending upload exists.
        """
        with self.lock:
            record = self._files.get(file_id)
            if record is None or record["completed"]:
                return False
            record["content"] = bytes(content)
            return True

    def complete_upload(
        self,
        files: list[dict],
        *,
        channel: str | None = None,
        initial_comment: str | None = None,
        thread_ts: str | None = None,
    ) -> tuple[str | None, list[dict]]:
        """Finish uploads (``files.completeUploadExternal``) and share them in a channel.

        Args:
            files: ``[{id, title?}]``.
            channel: Resolved conversation id to share into, or None to keep them private.
            initial_comment: Text of the message that shares the files.
            thread_ts: Thread to share them in.

        Returns:
            tuple[str | None, list[dict]]: ``(error, file_objects)``; ``error`` is
            ``"file_not_found"`` / ``"file_upload_not_complete"`` or None; file objects are
            ``{id, name, title, mimetype, size, channels, ...}`` without the bytes.
        """
        with self.lock:
            records = []
            for item in files:
                record = self._files.get(str(item.get("id")))
                if record is None:
                    return "file_not_found", []
                if record["content"] is None:
                    return "file_upload_not_complete", []
                records.append((record, item))
            public = []
            for record, item in records:
                record["completed"] = True
                if item.get("title"):
                    record["title"] = item["title"]
                if channel:
                    record["channels"].append(channel)
                record["thread_ts"] = thread_ts
                record["initial_comment"] = initial_comment
                public.append(self._file_object(record))
                self._note("file", channel=channel, file_id=record["id"])
            if channel:
                self.post_message(channel, text=initial_comment or "", thread_ts=thread_ts, files=public)
            return None, copy.deepcopy(public)

    def _file_object(self, record: dict) -> dict:
        """Build Slack's public file object for a record (caller holds the lock)."""
        return {
            "id": record["id"],
            "name": record["name"],
            "title": record["title"],
            "mimetype": mimetypes.guess_type(record["name"] or "")[0] or "application/octet-stream",
            "size": len(record["content"] or b""),
            "user": self.bot_user_id,
            "channels": list(record["channels"]),
            "permalink": f"https://{self.domain}.slack.com/files/{self.bot_user_id}/{record['id']}/{record['name']}",
        }

    def files(self) -> list[dict]:
        """Return every file record, completed or not, including its bytes.

        Returns:
            list[dict]: ``{id, name, title, length, alt_txt, content (bytes or None),
            completed, channels, thread_ts, initial_comment}``.
        """
        with self.lock:
            return copy.deepcopy(list(self._files.values()))

    # ------------------------------------------------------------------ calls and faults

    def record_call(
        self, method: str, args: dict, *, status: int, ok: bool, error: str | None = None
    ) -> None:
        """Append one Web API call to the call log.

        Args:
            method: Method name such as ``"chat.postMessage"``.
            args: Decoded arguments (the token is never logged).
            status: HTTP status answered.
            ok: The ``ok`` field answered.
            error: The ``error`` field answered, if any.
        """
        with self.lock:
            self._calls.append(
                {
                    "method": method,
                    "args": copy.deepcopy({k: v for k, v in args.items() if k != "token"}),
                    "time": time.time(),
                    "status": status,
                    "ok": ok,
                    "error": error,
                }
            )

    def calls(self, method: str | None = None) -> list[dict]:
        """Return the Web API call log, oldest first.

        Args:
            method: Only calls to this method.

        Returns:
            list[dict]: ``{method, args, time (epoch seconds), status, ok, error}`` per call,
            including calls answered by the fault injector.
        """
        with self.lock:
            return copy.deepcopy([c for c in self._calls if method is None or c["method"] == method])

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        They are answered with HTTP ``status``, a ``Retry-After: retry_after`` header (unless
        None) and ``{"ok": false, "error": error}``.

        Args:
            method: Web API method name, e.g. ``"chat.postMessage"``.
            status: HTTP status (429 for rate limiting; 200 for a plain Slack error).
            error: The ``error`` field.
            retry_after: Seconds for the ``Retry-After`` header, or None for no header.
            times: How many consecutive calls fail.
        """
        with self.lock:
            self._faults.setdefault(method, []).append(
                {"status": status, "error": error, "retry_after": retry_after, "remaining": times}
            )

    def take_fault(self, method: str) -> dict | None:
        """Consume one pending fault for ``method``.

        Args:
            method: Web API method name.

        Returns:
            dict | None: ``{status, error, retry_after}`` if this call must fail, else None.
        """
        with self.lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault["remaining"] -= 1
            if fault["remaining"] <= 0:
                queue.pop(0)
            return {"status": fault["status"], "error": fault["error"], "retry_after": fault["retry_after"]}

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Make Slack answer the next ``times`` calls to ``method`` late: they take effect, the answer waits.

        Slack does this under load; a client may be cut off between the effect and the answer.

        Args:
            method: Web API method name, e.g. ``"chat.postMessage"``.
            seconds: How long each answer is held after the call took effect.
            times: How many consecutive calls are slow.
        """
        with self.lock:
            self._delays.setdefault(method, []).append({"seconds": seconds, "remaining": times})

    def take_delay(self, method: str) -> float:
        """Consume one pending delay for ``method``; return its seconds (0 when none)."""
        with self.lock:
            queue = self._delays.get(method)
            if not queue:
                return 0.0
            delay = queue[0]
            delay["remaining"] -= 1
            if delay["remaining"] <= 0:
                queue.pop(0)
            return float(delay["seconds"])

    # ------------------------------------------------------------------ waiting and export

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
        """Poll ``predicate`` (called with the lock held) until it returns something truthy.

        Example: ``ws.wait_for(lambda: ws.thread("C0PROJECT", ts)[1:])``.

        Args:
            predicate: Zero-argument callable; it may call any inspection method.
            timeout: Seconds to wait at most.
            interval: Seconds between polls.

        Returns:
            Any: The first truthy value returned.

        Raises:
            TimeoutError: When ``timeout`` passes; the message names the predicate and
                summarises the workspace (message counts, last calls).
        """
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"wait_for({getattr(predicate, '__qualname__', predicate)!s}) still false after "
                    f"{timeout:.2f}s; {self.summary()}"
                )
            time.sleep(interval)

    def summary(self) -> str:
        """Return a one-line description of the state, for error messages.

        Returns:
            str: Message counts per channel, ephemeral count and the last five calls.
        """
        with self.lock:
            counts = ", ".join(f"{c}: {len(m)}" for c, m in self._messages.items()) or "none"
            last = (
                ", ".join(f"{c['method']}({'ok' if c['ok'] else c['error']})" for c in self._calls[-5:])
                or "none"
            )
            return f"messages per channel: {counts}; ephemerals: {len(self._ephemerals)}; last calls: {last}"

    def snapshot(self) -> dict:
        """Return the whole state as JSON-serialisable data (for ``GET /sandbox/state``).

        Returns:
            dict: ``{team{id, domain, name}, bot{user_id, bot_id}, grant{scopes, bot_events}, users, channels,
            messages{channel: [every message incl. replies]}, ephemerals, response_posts,
            views_opened, home_views{user: view}, files (content replaced by size), calls}``.
        """
        with self.lock:
            files = []
            for record in self._files.values():
                item = {k: v for k, v in record.items() if k != "content"}
                item["size"] = len(record["content"] or b"")
                files.append(item)
            return copy.deepcopy(
                {
                    "team": {"id": self.team_id, "domain": self.domain, "name": self.team_name},
                    "bot": {"user_id": self.bot_user_id, "bot_id": self.bot_id},
                    "grant": {"scopes": list(self.grant.scopes), "bot_events": list(self.grant.bot_events)},
                    "users": self.users(),
                    "channels": list(self._channels.values()),
                    "messages": self._messages,
                    "ephemerals": self._ephemerals,
                    "response_posts": self._response_posts,
                    "views_opened": self._views_opened,
                    "home_views": self._home_views,
                    "files": files,
                    "calls": self._calls,
                }
            )


def _truthy(value: Any) -> bool:
    """Interpret a JSON or form boolean (``True``, ``"true"``, ``"1"``)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)
