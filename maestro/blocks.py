"""The Block Kit pieces every builder uses, cut to Slack's limits (pure).

Source: Slack's Block Kit reference — a message holds 50 blocks, a section's text 3,000
characters, a header's 150.
"""

from __future__ import annotations

from maestro.text import cut_mrkdwn, truncate

MAX_BLOCKS = 50
"""Block Kit's limit of blocks in a message."""

MAX_SECTION_TEXT = 3000
"""Block Kit's limit of characters in a section's text."""

MAX_HEADER_TEXT = 150
"""Block Kit's limit of characters in a header."""


def section(text: str) -> dict:
    """Return a mrkdwn section block; ``text`` (already escaped) is cut visibly past the limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut_mrkdwn(text, MAX_SECTION_TEXT)}}


def context(text: str) -> dict:
    """Return a context block with one mrkdwn element (already escaped), cut visibly past the limit."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut_mrkdwn(text, MAX_SECTION_TEXT)}]}


def header(text: str) -> dict:
    """Return a header block (plain text, so nothing in it can ping), cut to 150 characters."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT), "emoji": True},
    }
