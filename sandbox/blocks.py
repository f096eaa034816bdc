"""Helpers for walking Block Kit structures: finding interactive elements by ``action_id``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_elements(blocks: Any) -> Iterator[tuple[str | None, dict]]:
    """Yield every interactive element of a block list, in display order.

    Covers ``actions`` block elements, section ``accessory`` and ``input`` block ``element``.

    Args:
        blocks: A list of block dicts (anything else yields nothing).

    Yields:
        tuple[str | None, dict]: ``(block_id, element)`` for each element that has an
        ``action_id``.
    """
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates.extend(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            candidates.append(block["element"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id"):
                yield block_id, element


def buttons(blocks: Any) -> list[tuple[str | None, dict]]:
    """Return the buttons of a block list, in display order.

    Args:
        blocks: A list of block dicts.

    Returns:
        list[tuple[str | None, dict]]: ``(block_id, button_element)`` pairs.
    """
    return [(bid, el) for bid, el in iter_elements(blocks) if el.get("type") == "button"]


def find_element(blocks: Any, action_id: str) -> tuple[str | None, dict] | None:
    """Find the interactive element with a given ``action_id``.

    Args:
        blocks: A list of block dicts.
        action_id: The element's ``action_id``.

    Returns:
        tuple[str | None, dict] | None: ``(block_id, element)``, or None if absent.
    """
    for block_id, element in iter_elements(blocks):
        if element.get("action_id") == action_id:
            return block_id, element
    return None


def element_label(element: dict) -> str:
    """Return the visible label of a button or the placeholder of another element.

    Args:
        element: An interactive element dict.

    Returns:
        str: The ``text.text`` (or ``placeholder.text``), else the ``action_id``.
    """
    for key in ("text", "placeholder"):
        value = element.get(key)
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            return value["text"]
        if isinstance(value, str):
            return value
    return str(element.get("action_id", ""))
