"""A team's data as a whole: deleting it when an operator chose so for uninstalls."""

from __future__ import annotations

from redis import Redis

from maestro.keys import text
from maestro.store import PROJECTS_KEY

DEFAULT_SCAN_COUNT = 1000
"""Keys per ``SCAN`` step while deleting a team's data."""


def delete_team_data(redis: Redis, team_id: str) -> int:
    """Delete every key of ``team_id`` (``maestro:<team>:…``) and its projects from the index.

    Other teams' keys are untouched: the match is on the team's own prefix.

    Returns:
        How many keys were deleted.

    Raises:
        ValueError: no team id (the match would be every team's).
    """
    if not team_id or any(c in team_id for c in "*?[]:"):
        raise ValueError(f"not a team id: {team_id!r}")
    deleted = 0
    batch: list[bytes | str] = []
    for key in redis.scan_iter(match=f"maestro:{team_id}:*", count=DEFAULT_SCAN_COUNT):
        batch.append(key)
        if len(batch) >= DEFAULT_SCAN_COUNT:
            deleted += redis.delete(*batch)
            batch.clear()
    if batch:
        deleted += redis.delete(*batch)
    projects = [m for m in redis.smembers(PROJECTS_KEY) if (text(m) or "").startswith(f"{team_id}:")]
    if projects:
        redis.srem(PROJECTS_KEY, *projects)
    return deleted
