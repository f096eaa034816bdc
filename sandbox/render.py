"""Turn Slack messages (text + Block Kit) into readable plain text for a terminal.

Everything here is pure. Buttons are numbered so a person can press them by number; the
renderers return them as ``(number, action_id, label, value)`` tuples.
"""

from __future__ import annotations

import re
from typing import Any

from .blocks import element_label
from .constants import BOT_USER_ID
from .directory import channel_name, user_name

Button = tuple[int, str, str, Any]
"""A numbered button: ``(number, action_id, label, value)``."""

_ANGLE = re.compile(r"<([^<>]+)>")


def unescape(text: str) -> str:
    """Undo Slack's mrkdwn escaping of ``&``, ``<`` and ``>``.

    Args:
        text: Escaped text.

    Returns:
        str: Text with ``&lt;``, ``&gt;`` and ``&amp;`` replaced (``&amp;`` last).
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _angle(match: re.Match[str]) -> str:
    """Replace one ``<…>`` token (mention, channel, special, link) with its display form."""
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        uid = target[1:]
        if label:
            return "@" + label.lstrip("@")
        return "@" + ("maestro" if uid == BOT_USER_ID else user_name(uid))
    if target.startswith("#"):
        return "#" + (label or channel_name(target[1:]))
    if target.startswith("!"):
        special = target[1:]
        if special in ("here", "channel", "everyone"):
            return "@" + special
        if special.startswith("subteam^"):
            return label or "@" + special.split("^", 1)[1]
        return label or special
    if label:
        return f"{label} ({target})"
    return target


def display_text(mrkdwn: str) -> str:
    """Make mrkdwn readable: mentions become ``@name``, links ``label (url)``, then unescape.

    Args:
        mrkdwn: Slack message text as sent.

    Returns:
        str: Plain text for a terminal.
    """
    return unescape(_ANGLE.sub(_angle, mrkdwn or ""))


def _text_obj(obj: Any) -> str:
    """Display form of a text object (``plain_text`` or ``mrkdwn``) or a bare string."""
    if isinstance(obj, dict):
        return display_text(str(obj.get("text", "")))
    if isinstance(obj, str):
        return display_text(obj)
    return ""


def _rich_inline(elements: Any) -> str:
    """Display form of the inline elements of a rich text section."""
    parts: list[str] = []
    for el in elements or []:
        if not isinstance(el, dict):
            continue
        kind = el.get("type")
        if kind == "text":
            parts.append(str(el.get("text", "")))
        elif kind == "link":
            text, url = el.get("text"), el.get("url", "")
            parts.append(f"{text} ({url})" if text else url)
        elif kind == "user":
            uid = el.get("user_id", "")
            parts.append("@" + ("maestro" if uid == BOT_USER_ID else user_name(uid)))
        elif kind == "channel":
            parts.append("#" + channel_name(el.get("channel_id", "")))
        elif kind == "emoji":
            parts.append(f":{el.get('name', '')}:")
        elif kind == "broadcast":
            parts.append("@" + str(el.get("range", "here")))
        elif kind == "usergroup":
            parts.append("@" + str(el.get("usergroup_id", "group")))
        elif kind == "date":
            parts.append(str(el.get("fallback", el.get("timestamp", ""))))
    return "".join(parts)


def _rich_text(block: dict) -> list[str]:
    """Lines of a ``rich_text`` block."""
    lines: list[str] = []
    for el in block.get("elements") or []:
        if not isinstance(el, dict):
            continue
        kind = el.get("type")
        if kind == "rich_text_section":
            lines.extend(_rich_inline(el.get("elements")).split("\n"))
        elif kind == "rich_text_list":
            indent = "  " * (int(el.get("indent") or 0) + 1)
            ordered = el.get("style") == "ordered"
            start = int(el.get("offset") or 0) + 1
            for i, item in enumerate(el.get("elements") or []):
                marker = f"{start + i}." if ordered else "•"
                text = _rich_inline(item.get("elements")) if isinstance(item, dict) else ""
                lines.append(f"{indent}{marker} {text}")
        elif kind == "rich_text_preformatted":
            lines.extend("    " + line for line in _rich_inline(el.get("elements")).split("\n"))
        elif kind == "rich_text_quote":
            lines.extend("> " + line for line in _rich_inline(el.get("elements")).split("\n"))
    return lines


def _element(el: dict, buttons: list[Button], counter: list[int]) -> str:
    """Display form of one interactive element; buttons get the next number."""
    label = _text_obj(el.get("text")) or element_label(el)
    if el.get("type") == "button":
        number = counter[0]
        counter[0] += 1
        buttons.append((number, str(el.get("action_id", "")), label, el.get("value")))
        return f"[{number}] {label}"
    if el.get("type") in (
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "overflow",
        "datepicker",
    ):
        return f"<{_text_obj(el.get('placeholder')) or el.get('type')} ▾>"
    return f"<{el.get('type', 'element')}>"


def render_blocks(blocks: Any, *, start: int = 1) -> tuple[str, list[Button]]:
    """Render a list of blocks.

    Headers show as ``== Title ==``, sections as their text with fields two to a line,
    context as an indented line, dividers as a rule, rich text lists with bullets or numbers,
    images as ``[image: alt]``. Buttons are numbered from ``start`` and shown as
    ``[1] Start  [2] Done  [3] Block``.

    Args:
        blocks: A list of block dicts.
        start: Number given to the first button.

    Returns:
        tuple[str, list[Button]]: The text (lines joined by newlines) and the buttons in order.
    """
    lines: list[str] = []
    buttons: list[Button] = []
    counter = [start]
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text_obj(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text_obj(block["text"]).split("\n"))
            fields = [_text_obj(f).replace("\n", " ") for f in block.get("fields") or []]
            for i in range(0, len(fields), 2):
                lines.append("  " + "  |  ".join(fields[i : i + 2]))
            if isinstance(block.get("accessory"), dict):
                accessory = block["accessory"]
                if accessory.get("type") == "image":
                    lines.append(f"  [image: {accessory.get('alt_text', '')}]")
                else:
                    lines.append("  " + _element(accessory, buttons, counter))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "context":
            parts = []
            for el in block.get("elements") or []:
                if isinstance(el, dict) and el.get("type") == "image":
                    parts.append(f"[{el.get('alt_text', 'image')}]")
                else:
                    parts.append(_text_obj(el))
            lines.append("  " + "  ·  ".join(p for p in parts if p))
        elif kind == "actions":
            rendered = [
                _element(el, buttons, counter) for el in block.get("elements") or [] if isinstance(el, dict)
            ]
            lines.append("  ".join(rendered))
        elif kind == "rich_text":
            lines.extend(_rich_text(block))
        elif kind == "image":
            title = _text_obj(block.get("title"))
            lines.append(f"[image: {block.get('alt_text', '')}{' — ' + title if title else ''}]")
        elif kind == "input":
            element = block.get("element") if isinstance(block.get("element"), dict) else {}
            hint = _text_obj(element.get("placeholder")) or element.get("type", "input")
            lines.append(f"{_text_obj(block.get('label'))}: [{hint}]")
        else:
            lines.append(f"[{kind} block]")
    return "\n".join(lines), buttons


def render_message(message: dict, *, start: int = 1) -> tuple[str, list[Button]]:
    """Render a message: its blocks if it has any, else its ``text``, plus attachments/files.

    Args:
        message: A message dict ``{text, blocks?, attachments?, files?}`` (also works for
            ephemeral records and response bodies).
        start: Number given to the first button.

    Returns:
        tuple[str, list[Button]]: Display text and numbered buttons
        ``[(number, action_id, label, value), ...]``.
    """
    blocks = message.get("blocks")
    if blocks:
        text, buttons = render_blocks(blocks, start=start)
    else:
        text, buttons = display_text(str(message.get("text", ""))), []
    extra: list[str] = []
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            body = attachment.get("text") or attachment.get("fallback") or ""
            if attachment.get("blocks"):
                sub, more = render_blocks(attachment["blocks"], start=start + len(buttons))
                buttons.extend(more)
                body = sub
            extra.append("| " + display_text(str(body)).replace("\n", "\n| "))
    for file in message.get("files") or []:
        if isinstance(file, dict):
            extra.append(f"[file: {file.get('title') or file.get('name')} ({file.get('size', '?')} bytes)]")
    if extra:
        text = "\n".join([t for t in [text] if t] + extra)
    return text, buttons


def render_view(view: dict, *, start: int = 1) -> tuple[str, list[Button]]:
    """Render a modal or Home tab: its title (if any) and blocks.

    Args:
        view: A view dict ``{type, title?, blocks, submit?}``.
        start: Number given to the first button.

    Returns:
        tuple[str, list[Button]]: Display text and numbered buttons.
    """
    body, buttons = render_blocks(view.get("blocks") or [], start=start)
    title = _text_obj(view.get("title"))
    lines = [f"[{title}]"] if title else []
    if body:
        lines.append(body)
    submit = _text_obj(view.get("submit"))
    if submit:
        lines.append(f"(submit: {submit})")
    return "\n".join(lines), buttons
