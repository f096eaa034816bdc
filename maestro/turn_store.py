"""The turns of agent loops, kept so a worker killed mid-loop resumes without paying again.

Each loop (one agent call: a task's work or review attempt, a plan, an answer) is a Redis list
of JSON entries, one per Messages API turn: ``{"role": "user"|"assistant", "content": …,
"usage": {…}}`` (``usage`` on assistant turns only). An entry is appended before the next call
is made, so a re-run replays the list and continues from where the last process stopped.
"""

from __future__ import annotations

import json
from typing import Any

from redis import Redis

from maestro.keys import TeamScoped

TURNS_TTL = 30 * 24 * 3600
"""Seconds a loop's turns are kept after its last change (a question may wait days for an answer)."""


class TurnJournal(TeamScoped):
    """The turns of one agent loop, keyed by what it is for (e.g. ``work:<task id>:<attempt>``).

    Args:
        redis: the client.
        team_id: the Slack team.
        loop_key: which loop, e.g. ``work:3f2a…:1``; callers keep it stable across re-runs.
    """

    def __init__(self, redis: Redis, team_id: str, loop_key: str):
        super().__init__(redis, team_id)
        self.loop_key = loop_key
        self._key = f"maestro:{team_id}:turns:{loop_key}"

    def load(self) -> list[dict[str, Any]]:
        """Return the loop's entries, oldest first (empty for a loop not started)."""
        return [json.loads(raw) for raw in self.redis.lrange(self._key, 0, -1)]

    def append(self, entry: dict[str, Any]) -> None:
        """Append one turn (a JSON-serialisable dict) and keep the loop for :data:`TURNS_TTL` more."""
        with self.redis.pipeline() as pipe:
            pipe.rpush(self._key, json.dumps(entry, default=str))
            pipe.expire(self._key, TURNS_TTL)
            pipe.execute()

    def clear(self) -> None:
        """Forget the loop (a new attempt starts afresh)."""
        self.redis.delete(self._key)
