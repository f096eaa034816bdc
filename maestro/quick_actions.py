"""Quick actions typed in a thread, parsed before any agent runs (pure functions).

``done``, ``blocked: reason``, ``progress 60``, ``assign @person``, optionally led by the bot's
mention and a task key (``@maestro T-3 done``). In a plan's thread also ``re-plan as security``
(any issue type, or a common name for one) and ``card T-3`` (post that task's card).
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


TYPE_NAMES: dict[str, str] = {
    "backend": "backend-feature",
    "backend feature": "backend-feature",
    "feature": "backend-feature",
    "frontend": "frontend-feature",
    "frontend feature": "frontend-feature",
    "ui": "frontend-feature",
    "infra": "devops",
    "infrastructure": "devops",
    "ops": "devops",
    "perf": "database-performance",
    "performance": "database-performance",
    "database": "database-performance",
    "db": "database-performance",
    "incident": "production-error",
    "outage": "production-error",
    "production error": "production-error",
    "bug": "production-error",
    "vulnerability": "security",
    "migration": "data-migration",
    "data migration": "data-migration",
    "backfill": "data-migration",
    "discovery": "research",
    "epic": "project",
}
"""Common names people type for an issue type (``re-plan as incident``)."""

_REPLAN_RE = re.compile(
    r"^re-?plan(?:\s+it)?\s+as\s+(?:an?\s+)?(?P<type>[a-z][a-z -]{1,40}?)[.!]*$", re.IGNORECASE
)
_CARD_RE = re.compile(r"^(?:card|show|post(?: the)? card(?: of)?)\s+(?P<key>T-?\d{1,6})[.!]*$", re.IGNORECASE)


@dataclass(frozen=True)
class PlanAction:
    """A quick action in a plan's thread.

    ``replan`` (``issue_type``: what was typed, resolved when known) or ``card`` (``key``: the
    task whose card to post).
    """

    verb: str
    issue_type: str | None = None
    key: str | None = None


def parse_plan_action(text: str, issue_types: tuple[str, ...]) -> PlanAction | None:
    """Return the plan action a message is (``re-plan as security``, ``card T-3``), or None.

    An unknown type is returned as typed, so the answer can list the types.
    """
    body = strip_mentions(text).strip()
    match = _REPLAN_RE.match(body)
    if match:
        typed = " ".join(match.group("type").lower().replace("_", "-").split())
        known = (
            typed
            if typed in issue_types
            else TYPE_NAMES.get(typed) or TYPE_NAMES.get(typed.replace("-", " "))
        )
        return PlanAction("replan", issue_type=known or typed)
    match = _CARD_RE.match(body)
    if match:
        return PlanAction("card", key=f"T-{int(match.group('key').upper().removeprefix('T').lstrip('-'))}")
    return None
