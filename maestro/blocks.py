"""The Block Kit pieces every builder uses, cut to Slack's limits (pure).

Source: Slack's Block Kit reference — a message holds 50 blocks, a section's text 3,000
characters, a header's 150.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

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


def slack_date(
    moment: datetime, tokens: str, zone: tzinfo | None = None, fallback: str = "%a %d %b %H:%M"
) -> str:
    """Return an instant in Slack's date formatting, which each reader's client shows in their own zone.

    Example: ``<!date^1764232200^{date_short_pretty} {time}|Thu 27 Nov 09:30 Europe/Berlin>``.
    Slack's token words (``{date_short_pretty}``, ``{date_num}``, ``{time}``, …) are in its
    "Formatting text for app surfaces" reference. The fallback, shown where a client can't
    format the date, is written in ``zone`` (the reader's, when known) and names it; UTC without.

    Args:
        moment: the instant (aware).
        tokens: Slack's format, e.g. ``{date_short_pretty} {time}`` (our own text).
        zone: the reader's time zone for the fallback, if known.
        fallback: the ``strftime`` format of the fallback, before the zone's name.
    """
    zone = zone or UTC
    local = moment.astimezone(zone)
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"<!date^{int(moment.timestamp())}^{tokens}|{local:{fallback}} {name}>"
