"""What listeners need, handed to them through Bolt's ``context`` (key ``"deps"``)."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

from maestro.settings import Settings
from maestro.store import TaskStore


@dataclass(frozen=True)
class Deps:
    """The web process's settings and Redis connection."""

    settings: Settings
    redis: Redis

    def store(self, team_id: str) -> TaskStore:
        """Return the board repository of one Slack team."""
        return TaskStore(self.redis, team_id)
