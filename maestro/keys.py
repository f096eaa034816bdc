"""What every store shares: the Redis client and the team that prefixes each key.

Every key is ``maestro:<team_id>:…`` (``design.md``, "Data"), a project's keys
``maestro:<team_id>:project:<channel_id>…``.
"""

from __future__ import annotations

from redis import Redis


def text(raw: bytes | str | None) -> str | None:
    """Return a Redis reply as ``str`` (replies are bytes or str depending on ``decode_responses``)."""
    return raw.decode() if isinstance(raw, bytes) else raw


class TeamScoped:
    """Base of the stores of one Slack team.

    Args:
        redis: a client with ``decode_responses=False`` or ``True`` (both work).
        team_id: the Slack team id (``T…``) every key is prefixed with.

    Raises:
        ValueError: no team id.
    """

    def __init__(self, redis: Redis, team_id: str):
        if not team_id:
            raise ValueError("team_id is required")
        self.redis = redis
        self.team_id = team_id
        self._t = f"maestro:{team_id}"

    def _p(self, channel_id: str) -> str:
        """Return the prefix of a project's keys."""
        return f"{self._t}:project:{channel_id}"
