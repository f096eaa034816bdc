"""Text helpers for Slack mrkdwn: escaping and visible truncation."""

from __future__ import annotations

import re

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_RE = re.compile(r"[&<>]")


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so user text can't ping (``<!channel>``) or disguise a link.

    Source: Slack's "Formatting text for app surfaces" — escape exactly these three characters.
    Our own mentions (``<@U123>``) are inserted after escaping.
    """
    return _ESCAPE_RE.sub(lambda match: _ESCAPES[match.group(0)], text)


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """Return ``text`` cut to at most ``limit`` characters, ending in ``marker`` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker


def user_mention(user_id: str) -> str:
    """Return the mrkdwn mention for a Slack user id (``U…``/``W…``)."""
    return f"<@{user_id}>"


_PARTIAL_MRKDWN_RE = re.compile(r"(&[a-z]{0,4}|<[^>]*)$")


def cut_mrkdwn(text: str, limit: int) -> str:
    """Cut mrkdwn that is already escaped to at most ``limit`` characters, ending in "…" when cut.

    Never leaves half an entity (``&am``) or half a mention or link (``<@U0AL``).
    """
    if len(text) <= limit:
        return text
    return _PARTIAL_MRKDWN_RE.sub("", text[: max(0, limit - 1)]) + "…"
