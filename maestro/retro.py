"""Sprint retrospectives: the answers people reply in a sprint's retro thread (pure; no I/O).

Each reply in the retro thread is one answer, sorted by its opening words into seed 003's
sprint-end questions — what went well, what didn't, what to change — or "other".
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from maestro.models import utcnow

MAX_RETRO_TEXT = 1000
"""Characters of one retro answer kept (the rest is cut visibly)."""


class RetroKind(StrEnum):
    """Which retro question an answer answers."""

    WENT_WELL = "went_well"
    DIDNT = "didnt"
    CHANGE = "change"
    OTHER = "other"


RETRO_HEADINGS: dict[RetroKind, str] = {
    RetroKind.WENT_WELL: ":large_green_circle: Went well",
    RetroKind.DIDNT: ":red_circle: Didn't go well",
    RetroKind.CHANGE: ":arrows_counterclockwise: To change",
    RetroKind.OTHER: ":speech_balloon: Other",
}
"""Headings of ``/sprint retro``, in the order shown."""


class RetroAnswer(BaseModel):
    """One person's reply in a retro thread.

    Attributes:
        event_id: the Events API ``event_id`` it came in (the dedupe key).
        user_id: who wrote it (``U…``).
        kind: the question it answers, from its opening words (:func:`classify_retro`).
        text: the reply without its opening marker, unescaped (escape before posting).
        ts: the reply's Slack ``ts`` (orders the answers).
    """

    event_id: str
    user_id: str
    kind: RetroKind
    text: str = Field(max_length=MAX_RETRO_TEXT + 1)
    ts: str = ""
    at: datetime = Field(default_factory=utcnow)


_SEP = r"\s*(?:[:\-\u2013\u2014]\s*|\s+|$)"
_RULES: tuple[tuple[RetroKind, re.Pattern[str]], ...] = (
    (RetroKind.CHANGE, re.compile(r"^(?:->|\u2192)\s*")),
    (RetroKind.WENT_WELL, re.compile(r"^\+\s*")),
    (RetroKind.DIDNT, re.compile(r"^[\-\u2013\u2014]\s*")),
    (RetroKind.DIDNT, re.compile(rf"^(?:didn['\u2019]?t|did\s+not)(?:\s+go\s+well)?{_SEP}", re.I)),
    (RetroKind.WENT_WELL, re.compile(rf"^(?:went\s+well{_SEP}|well\s*:\s*)", re.I)),
    (RetroKind.CHANGE, re.compile(rf"^(?:to\s+change|change|try){_SEP}", re.I)),
)


def classify_retro(text: str) -> tuple[RetroKind, str]:
    """Return which question a retro reply answers, and its text without the opening marker.

    ``went well`` / ``well:`` / ``+`` → went well; ``didn't`` / ``didnt`` / ``-`` → didn't go
    well; ``change`` / ``try`` / ``→`` / ``->`` → to change; anything else → other. Case and a
    leading bullet (``•``, ``*``) don't matter.

    Example: ``"+ the deploys were fast"`` → ``(WENT_WELL, "the deploys were fast")``.
    """
    body = text.strip().lstrip("•*").strip()
    for kind, pattern in _RULES:
        match = pattern.match(body)
        if match:
            rest = body[match.end() :].strip()
            return kind, rest or body
    return RetroKind.OTHER, body
