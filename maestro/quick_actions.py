"""Quick actions typed in a thread, parsed before any agent runs (pure functions).

``done``, ``blocked: reason``, ``progress 60``, ``assign @person``, optionally led by the bot's
mention and a task key (``@maestro T-3 done``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from maestro.models import Assignee

_MENTION_PREFIX = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*)+")
_KEY_PREFIX = re.compile(r"^\s*(T-?\d{1,6})\b[\s:,-]*", re.IGNORECASE)
_KEY_ANYWHERE = re.compile(r"\b(T-\d{1,6})\b", re.IGNORECASE)
_PATTERNS = (
    ("done", re.compile(r"^(?:done|finished|complete[d]?)[.!]*$", re.IGNORECASE)),
    ("block", re.compile(r"^blocked?\s*[:\-—]\s*(?P<reason>.+)$", re.IGNORECASE | re.DOTALL)),
    ("progress", re.compile(r"^progress\s+(?P<percent>\d{1,3})\s*%?$", re.IGNORECASE)),
    ("assign", re.compile(r"^assign\s+<@(?P<user>[UW][A-Z0-9]+)(?:\|[^>]*)?>$", re.IGNORECASE)),
)


@dataclass(frozen=True)
class QuickAction:
    """A quick action: its verb, the task key if one was typed, and the verb's argument.

    ``verb`` is ``done``, ``block``, ``progress`` or ``assign``.
    """

    verb: str
    key: str | None = None
    percent: int | None = None
    reason: str | None = None
    assignee: Assignee | None = None


def strip_mentions(text: str) -> str:
    """Return the text without the leading mentions (``<@UMAESTRO> …``)."""
    return _MENTION_PREFIX.sub("", text).strip()


def mentioned_key(text: str) -> str | None:
    """Return the first task key named anywhere in the text (``T-3``), normalised, or None."""
    match = _KEY_ANYWHERE.search(text)
    return f"T-{int(match.group(1).upper().removeprefix('T').lstrip('-'))}" if match else None


def parse_quick_action(text: str) -> QuickAction | None:
    """Return the quick action the message is, or None when it is a question for an agent.

    Progress over 100 is not a quick action (it is left to the agent, who can say so).
    """
    body = strip_mentions(text)
    key = None
    match = _KEY_PREFIX.match(body)
    if match:
        key = f"T-{int(match.group(1).upper().removeprefix('T').lstrip('-'))}"
        body = body[match.end() :]
    body = body.strip()
    for verb, pattern in _PATTERNS:
        found = pattern.match(body)
        if not found:
            continue
        if verb == "progress":
            percent = int(found.group("percent"))
            return QuickAction("progress", key, percent=percent) if percent <= 100 else None
        if verb == "block":
            return QuickAction("block", key, reason=found.group("reason").strip()[:500])
        if verb == "assign":
            return QuickAction("assign", key, assignee=Assignee(kind="user", id=found.group("user")))
        return QuickAction(verb, key)
    return None
