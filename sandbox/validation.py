"""Checks the sandbox applies to message content, mirroring Slack's own limits.

Limits (from Slack's Block Kit docs): 50 blocks per message, 100 per view, section text 3,000
characters and 10 fields, header text 150 characters, message ``text`` 40,000 characters.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
"""Most blocks one message may carry."""

MAX_VIEW_BLOCKS = 100
"""Most blocks one modal or Home tab may carry."""

MAX_SECTION_TEXT = 3000
"""Most characters in a section block's ``text``."""

MAX_SECTION_FIELDS = 10
"""Most fields in a section block."""

MAX_HEADER_TEXT = 150
"""Most characters in a header block's ``text``."""

MAX_MESSAGE_TEXT = 40000
"""Longest top-level ``text`` accepted before ``msg_too_long``."""


def _text_of(obj: Any) -> str | None:
    """Return the ``text`` string of a text object, or None if it has none."""
    if isinstance(obj, dict):
        value = obj.get("text")
        return value if isinstance(value, str) else None
    return None


def block_errors(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """List what is wrong with a ``blocks`` value, the way Slack reports ``invalid_blocks``.

    Args:
        blocks: The decoded ``blocks`` argument: it must be a list of dicts, each with a string
            ``type``.
        max_blocks: Most blocks allowed (50 for messages, 100 for views).

    Returns:
        list[str]: Human-readable problems such as
        ``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``;
        empty when the blocks are acceptable.
    """
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"[ERROR] missing required field: type {where}]")
            continue
        kind = block["type"]
        text = _text_of(block.get("text"))
        if kind == "section":
            if text is not None and len(text) > MAX_SECTION_TEXT:
                errors.append(
                    f"[ERROR] must be less than {MAX_SECTION_TEXT + 1} characters {where}/text/text]"
                )
            fields = block.get("fields")
            if isinstance(fields, list) and len(fields) > MAX_SECTION_FIELDS:
                errors.append(f"[ERROR] no more than {MAX_SECTION_FIELDS} items allowed {where}/fields]")
            if text is None and not fields:
                errors.append(f"[ERROR] must provide text or fields {where}]")
        elif kind == "header":
            if text is None:
                errors.append(f"[ERROR] missing required field: text {where}]")
            elif len(text) > MAX_HEADER_TEXT:
                errors.append(
                    f"[ERROR] must be less than {MAX_HEADER_TEXT + 1} characters {where}/text/text]"
                )
    return errors


def message_error(text: Any, blocks: Any, *, require_content: bool = True) -> tuple[str, list[str]] | None:
    """Check a message's ``text`` and ``blocks`` together.

    Args:
        text: The ``text`` argument (str or None).
        blocks: The decoded ``blocks`` argument (list or None).
        require_content: Whether a message with neither text nor blocks is an error.

    Returns:
        tuple[str, list[str]] | None: ``(error_code, details)`` such as
        ``("invalid_blocks", [...])``, ``("msg_too_long", [])`` or ``("no_text", [])``;
        None when the message is acceptable.
    """
    if blocks is not None:
        problems = block_errors(blocks)
        if problems:
            return "invalid_blocks", problems
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return "msg_too_long", []
    if require_content and not text and not blocks:
        return "no_text", []
    return None
