"""The fixed people and channels of the sandbox workspace.

Each user record is the seed from which ``users.info`` answers are built; each channel record
the seed of ``conversations.info``.
"""

from __future__ import annotations

from .constants import BOT_NAME, BOT_USER_ID

FAKE_USERS: dict[str, dict] = {
    "U0ALICE": {
        "id": "U0ALICE",
        "name": "alice",
        "real_name": "Alice Archer",
        "display_name": "alice",
        "tz": "Europe/Berlin",
        "is_admin": True,
        "is_owner": True,
        "is_bot": False,
    },
    "U0BOB": {
        "id": "U0BOB",
        "name": "bob",
        "real_name": "Bob Builder",
        "display_name": "bob",
        "tz": "America/New_York",
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
    },
    "U0CAROL": {
        "id": "U0CAROL",
        "name": "carol",
        "real_name": "Carol Chen",
        "display_name": "carol",
        "tz": "Asia/Tokyo",
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
    },
    BOT_USER_ID: {
        "id": BOT_USER_ID,
        "name": BOT_NAME,
        "real_name": "Maestro",
        "display_name": "Maestro",
        "tz": "UTC",
        "is_admin": False,
        "is_owner": False,
        "is_bot": True,
    },
}
"""Seed users keyed by user id. Keys: id, name, real_name, display_name, tz, is_admin,
is_owner, is_bot."""

FAKE_CHANNELS: dict[str, dict] = {
    "C0GENERAL": {"id": "C0GENERAL", "name": "general"},
    "C0PROJECT": {"id": "C0PROJECT", "name": "project"},
}
"""Seed public channels keyed by channel id. Keys: id, name."""

CHANNEL_PREFIXES = ("C", "D", "G")
"""First letters of the conversation ids the sandbox accepts (public, IM, private/MPIM)."""


def user_name(user_id: str) -> str:
    """Return the handle of a fake user.

    Args:
        user_id: A user id such as ``"U0BOB"``.

    Returns:
        str: The handle (``"bob"``); for unknown ids the id lower-cased.
    """
    user = FAKE_USERS.get(user_id)
    return user["name"] if user else user_id.lower()


def channel_name(channel_id: str) -> str:
    """Return the name of a conversation, without ``#``.

    Args:
        channel_id: A conversation id such as ``"C0PROJECT"``.

    Returns:
        str: ``"project"`` for seeded channels, ``"directmessage"`` for ``D…`` ids, otherwise
        the id lower-cased (the name the sandbox gives channels it creates on first use).
    """
    channel = FAKE_CHANNELS.get(channel_id)
    if channel:
        return channel["name"]
    if channel_id.startswith("D"):
        return "directmessage"
    return channel_id.lower()


def im_channel_id(user_id: str) -> str:
    """Return the id of the bot's direct-message channel with a user.

    Args:
        user_id: A user id such as ``"U0BOB"``.

    Returns:
        str: A stable ``D…`` id, e.g. ``"D0BOB"``.
    """
    return "D" + user_id[1:]
