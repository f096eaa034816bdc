"""A project's standup schedule, which also sets the project's timezone (model and its record).

The schedule's ``timezone`` is *the project's timezone*: sprint dates, "today" in reports and the
standup's wall-clock time are all read in it. A project without a schedule gets the default:
weekdays 09:30 UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from redis import Redis

DEFAULT_STANDUP_TIME = time(9, 30)
"""Wall-clock time of the daily standup when none was set (issue 5: weekdays 09:30)."""

DEFAULT_TIMEZONE = "UTC"
"""A project's timezone until ``/standup schedule`` names one."""

DEFAULT_DAYS = (0, 1, 2, 3, 4)
"""Standup weekdays when none were set: Monday (0) to Friday (4), as ``date.weekday()`` counts."""

DEFAULT_PROMPT_LEAD_MINUTES = 60
"""Minutes before the standup that each person is sent the Geekbot-style prompt (0: no prompts)."""


class StandupSchedule(BaseModel):
    """When a project's daily standup is posted, and the project's timezone.

    Attributes:
        at: local wall-clock time of the standup.
        timezone: IANA name (``Europe/Berlin``); the project's timezone.
        days: weekdays it runs, ``0`` = Monday … ``6`` = Sunday.
        enabled: False after ``/standup off``.
        skip: single dates without a standup (``/standup skip 2026-12-24``).
        holidays: the project's holidays (no standup, no prompts).
        prompt_lead_minutes: how long before ``at`` people are asked for their notes (0 = never).
        version: incremented on every change.
    """

    at: time = DEFAULT_STANDUP_TIME
    timezone: str = DEFAULT_TIMEZONE
    days: list[int] = Field(default_factory=lambda: list(DEFAULT_DAYS))
    enabled: bool = True
    skip: list[date] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)
    prompt_lead_minutes: int = Field(default=DEFAULT_PROMPT_LEAD_MINUTES, ge=0, le=12 * 60)
    version: int = 0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name like Europe/Berlin") from None
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value or any(not 0 <= d <= 6 for d in value):
            raise ValueError("days are weekdays 0 (Monday) … 6 (Sunday), at least one")
        return sorted(set(value))

    @property
    def zone(self) -> ZoneInfo:
        """The timezone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    def local_today(self, now: datetime) -> date:
        """Return the project's local date at the aware instant ``now``."""
        return now.astimezone(self.zone).date()


def schedule_key(team_id: str, channel_id: str) -> str:
    """Return the Redis key of a project's schedule."""
    return f"maestro:{team_id}:project:{channel_id}:standup-schedule"


def load_schedule(redis: Redis, team_id: str, channel_id: str) -> StandupSchedule:
    """Return the project's schedule, or the default one when none was set (one GET)."""
    raw = redis.get(schedule_key(team_id, channel_id))
    return StandupSchedule.model_validate_json(raw) if raw else StandupSchedule()


def project_zone(redis: Redis, team_id: str, channel_id: str) -> ZoneInfo:
    """Return the project's timezone (its standup schedule's; UTC by default)."""
    return load_schedule(redis, team_id, channel_id).zone
