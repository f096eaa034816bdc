"""Slack's OAuth scopes and event subscriptions, as the sandbox enforces them.

The tables below are Slack's: a method's bot scopes come from the "Required scopes" of its page in
Slack's method reference, ``https://docs.slack.dev/reference/methods/<method>`` (for example
``…/methods/conversations.info``), cross-checked with each scope's page
(``https://docs.slack.dev/reference/scopes/<scope>``, "Compatible API methods"); an event's scope
from its page, ``https://docs.slack.dev/reference/events/<event>``. The project keeps the same
summary in ``shared/slack-conventions.md`` ("Slack: scopes, per method").

Slack's rule for the Conversations API: a method takes the one scope of the *kind* of conversation
it is called on — ``conversations.info`` needs ``channels:read`` for a public channel,
``groups:read`` for a private one, ``im:read`` for a DM and ``mpim:read`` for a group DM — and a
refusal names only that scope: ``{"ok": false, "error": "missing_scope", "needed": "groups:read",
"provided": "<the token's scopes, comma-separated>"}``.

The scopes granted and the events subscribed come from the repository's ``manifest.yml``
(``oauth_config.scopes.bot`` and ``settings.event_subscriptions.bot_events``) unless a test gives
others, so the sandbox refuses what Slack would refuse an app installed from that manifest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PUBLIC, PRIVATE, IM, MPIM = "public", "private", "im", "mpim"
"""The kinds of conversation: public channel, private channel, direct message, group DM."""

CONVERSATION_KINDS: tuple[str, ...] = (PUBLIC, PRIVATE, IM, MPIM)
"""Every kind of conversation, in Slack's order."""

ANY_KIND = "*"
"""Key of a method's scope table meaning "whatever the conversation"."""

METHOD_SCOPES: dict[str, Mapping[str, str]] = {
    # Method → {conversation kind (or ANY_KIND): the bot scope it needs}. {} = no scope needed.
    "auth.test": {},
    "chat.postMessage": {ANY_KIND: "chat:write"},
    "chat.update": {ANY_KIND: "chat:write"},
    "chat.delete": {ANY_KIND: "chat:write"},
    "chat.startStream": {ANY_KIND: "chat:write"},
    "chat.appendStream": {ANY_KIND: "chat:write"},
    "chat.stopStream": {ANY_KIND: "chat:write"},
    "chat.postEphemeral": {ANY_KIND: "chat:write"},
    "chat.getPermalink": {},
    "conversations.info": {PUBLIC: "channels:read", PRIVATE: "groups:read", IM: "im:read", MPIM: "mpim:read"},
    "conversations.history": {
        PUBLIC: "channels:history",
        PRIVATE: "groups:history",
        IM: "im:history",
        MPIM: "mpim:history",
    },
    "conversations.replies": {
        PUBLIC: "channels:history",
        PRIVATE: "groups:history",
        IM: "im:history",
        MPIM: "mpim:history",
    },
    # conversations.open opens DMs and group DMs only (channels:manage / groups:write are for the
    # public and private channels it refuses with method_not_supported_for_channel_type).
    "conversations.open": {IM: "im:write", MPIM: "mpim:write"},
    "users.info": {ANY_KIND: "users:read"},
    "views.open": {},
    "views.publish": {},
    "files.getUploadURLExternal": {ANY_KIND: "files:write"},
    "files.completeUploadExternal": {ANY_KIND: "files:write"},
}
"""Bot scopes of every Web API method the sandbox emulates (see the module docstring for sources)."""

EVENT_SCOPES: dict[str, str | None] = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
}
"""Scope each bot event subscription needs (None: none), from each event's page in Slack's reference."""

CHANNEL_TYPES: dict[str, str] = {PUBLIC: "channel", PRIVATE: "group", IM: "im", MPIM: "mpim"}
"""A conversation's kind → the ``channel_type`` of its ``message`` events."""

MESSAGE_SUBSCRIPTIONS: dict[str, str] = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}
"""A ``message`` event's ``channel_type`` → the subscription Slack delivers it under."""

MANIFEST_PATH = Path(__file__).resolve().parents[1] / "manifest.yml"
"""The app manifest at the repository's root, whose scopes and events the sandbox grants."""


@dataclass(frozen=True)
class Grant:
    """What an installed app may do: its bot scopes and its bot event subscriptions.

    Attributes:
        scopes: Bot scopes, in the manifest's order (``provided`` lists them in this order).
        bot_events: Event subscriptions, e.g. ``("app_mention", "message.channels")``.
    """

    scopes: tuple[str, ...]
    bot_events: tuple[str, ...]

    @classmethod
    def of(cls, scopes: Iterable[str], bot_events: Iterable[str] = ()) -> Grant:
        """Build a grant from any iterables, keeping their order and dropping repeats."""
        return cls(tuple(dict.fromkeys(scopes)), tuple(dict.fromkeys(bot_events)))


@lru_cache(maxsize=8)
def manifest_grant(path: Path = MANIFEST_PATH) -> Grant:
    """Read the bot scopes and bot events of an app manifest (YAML).

    Args:
        path: The manifest; the repository's ``manifest.yml`` by default.

    Returns:
        Grant: ``oauth_config.scopes.bot`` and ``settings.event_subscriptions.bot_events``
        (empty when a section is missing).

    Raises:
        FileNotFoundError: No manifest at ``path`` (give the sandbox ``scopes=`` explicitly).
        ValueError: The file is not a YAML mapping.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no Slack app manifest at {path}: give the sandbox its scopes explicitly")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a Slack app manifest (a YAML mapping)")
    scopes = ((data.get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    events = ((data.get("settings") or {}).get("event_subscriptions") or {}).get("bot_events") or []
    return Grant.of((str(s) for s in scopes), (str(e) for e in events))


def needed_scope(method: str, kind: str | None) -> str | None:
    """Return the scope ``method`` needs on a conversation of ``kind``, as Slack names it in ``needed``.

    Args:
        method: A Web API method, e.g. ``"conversations.info"``.
        kind: One of :data:`CONVERSATION_KINDS`, or None when the call names no conversation
            (or one Slack will answer ``channel_not_found`` for).

    Returns:
        str | None: The scope, or None when the method needs none here (or the kind is unknown,
        so the method's own errors answer).

    Raises:
        KeyError: ``method`` is not in :data:`METHOD_SCOPES`.
    """
    table = METHOD_SCOPES[method]
    if ANY_KIND in table:
        return table[ANY_KIND]
    return table.get(kind) if kind else None


def event_subscription(event: Mapping) -> str:
    """Return the subscription an event is delivered under, e.g. ``"message.groups"``.

    Args:
        event: The inner event (``{"type": "message", "channel_type": "group", ...}``).

    Returns:
        str: ``message.<channels|groups|im|mpim>`` for a ``message`` event (by its
        ``channel_type``), else the event's ``type``.
    """
    kind = str(event.get("type", ""))
    if kind == "message":
        return MESSAGE_SUBSCRIPTIONS.get(str(event.get("channel_type", "channel")), "message.channels")
    return kind


def undelivered_reason(event: Mapping, grant: Grant) -> str | None:
    """Say why Slack would not send ``event`` to an app with ``grant``, or None when it would.

    Slack sends an event only under a subscription the app has, and only with the scope that
    subscription needs.

    Args:
        event: The inner event.
        grant: The app's scopes and subscriptions.

    Returns:
        str | None: E.g. ``"the app isn't subscribed to message.groups"``; None when delivered.
    """
    subscription = event_subscription(event)
    if subscription not in grant.bot_events:
        return f"the app isn't subscribed to {subscription} (settings.event_subscriptions.bot_events)"
    scope = EVENT_SCOPES.get(subscription)
    if scope and scope not in grant.scopes:
        return f"{subscription} needs the scope {scope}, which the app lacks"
    return None
