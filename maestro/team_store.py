"""What the AI team produced and said, over Redis: deliverables, thread ownership and history, roster.

Keys (``{t}`` = ``maestro:<team_id>``):

- ``{t}:deliverable:<task id>`` → the latest Deliverable JSON of a task.
- ``{t}:thread:<channel>:<thread ts>`` → who owns a thread: ``{"kind": "task"|"plan", "id": …}``.
- ``{t}:history:<channel>:<thread ts>`` → the last messages of a thread (ThreadMessage-shaped JSON),
  kept here so agents get context without ``conversations.replies`` (Tier 1 for some apps).
- ``{t}:roster:<channel>`` → the project's agent overrides, a JSON list.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from redis import Redis

from maestro.plans import Deliverable

MAX_THREAD_HISTORY = 50
"""Messages of a thread kept for context."""

MAX_HISTORY_TEXT = 2000
"""Characters of one thread message kept for context."""

ThreadKind = Literal["task", "plan"]


class TeamStore:
    """Deliverables, thread ownership and history, and roster overrides of one Slack team."""

    def __init__(self, redis: Redis, team_id: str):
        self.redis = redis
        self._t = f"maestro:{team_id}"

    # -- deliverables -------------------------------------------------------------------------
    def save_deliverable(self, task_id: str, deliverable: Deliverable) -> None:
        """Keep a task's latest deliverable (dependents get it as context)."""
        self.redis.set(f"{self._t}:deliverable:{task_id}", deliverable.model_dump_json())

    def deliverable(self, task_id: str) -> Deliverable | None:
        """Return a task's latest deliverable, or None."""
        raw = self.redis.get(f"{self._t}:deliverable:{task_id}")
        return Deliverable.model_validate_json(raw) if raw else None

    def save_answer(self, kind: str, task_id: str, attempt: int, answer: dict[str, Any]) -> None:
        """Keep a brain's answer for one step of a task (``work``/``review``, attempt) for 30 days.

        A re-run of the job reuses it instead of asking the model again.
        """
        self.redis.set(f"{self._t}:answer:{kind}:{task_id}:{attempt}", json.dumps(answer), ex=30 * 24 * 3600)

    def answer(self, kind: str, task_id: str, attempt: int) -> dict[str, Any] | None:
        """Return the kept answer of one step of a task, or None."""
        raw = self.redis.get(f"{self._t}:answer:{kind}:{task_id}:{attempt}")
        return json.loads(raw) if raw else None

    # -- threads ------------------------------------------------------------------------------
    def own_thread(self, channel_id: str, thread_ts: str, kind: ThreadKind, record_id: str) -> None:
        """Record that a thread belongs to a task or a plan (first owner wins)."""
        value = json.dumps({"kind": kind, "id": record_id})
        self.redis.set(f"{self._t}:thread:{channel_id}:{thread_ts}", value, nx=True)

    def thread_owner(self, channel_id: str, thread_ts: str) -> tuple[ThreadKind, str] | None:
        """Return ``(kind, id)`` of the task or plan a thread belongs to, or None if not ours."""
        raw = self.redis.get(f"{self._t}:thread:{channel_id}:{thread_ts}")
        if not raw:
            return None
        data = json.loads(raw)
        return data["kind"], data["id"]

    def remember(self, channel_id: str, thread_ts: str, who: str, text: str, ts: str = "") -> None:
        """Append a message to a thread's kept history (``who``: user id or ``agent:<id>``)."""
        key = f"{self._t}:history:{channel_id}:{thread_ts}"
        entry = json.dumps({"who": who, "text": text[:MAX_HISTORY_TEXT], "ts": ts})
        with self.redis.pipeline() as pipe:
            pipe.rpush(key, entry)
            pipe.ltrim(key, -MAX_THREAD_HISTORY, -1)
            pipe.execute()

    def history(self, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        """Return a thread's kept messages, oldest first: dicts with ``who``, ``text``, ``ts``."""
        return [
            json.loads(raw) for raw in self.redis.lrange(f"{self._t}:history:{channel_id}:{thread_ts}", 0, -1)
        ]

    # -- questions an agent asked ---------------------------------------------------------------
    def ask(self, task_id: str, question: dict[str, Any]) -> None:
        """Keep the question a task's agent is waiting on (``loop``, ``asked_of``, ``text``, ``agent``)."""
        self.redis.set(f"{self._t}:question:{task_id}", json.dumps(question))

    def question(self, task_id: str) -> dict[str, Any] | None:
        """Return the question a task's agent waits on, or None."""
        raw = self.redis.get(f"{self._t}:question:{task_id}")
        return json.loads(raw) if raw else None

    def take_question(self, task_id: str) -> dict[str, Any] | None:
        """Return and forget the question a task's agent waits on (atomic: one answer takes it)."""
        raw = self.redis.getdel(f"{self._t}:question:{task_id}")
        return json.loads(raw) if raw else None

    # -- roster -------------------------------------------------------------------------------
    def roster_overrides(self, channel_id: str) -> list[dict[str, Any]]:
        """Return the project's agent overrides (dicts of ``agents.roster.AgentOverride``)."""
        raw = self.redis.get(f"{self._t}:roster:{channel_id}")
        return json.loads(raw) if raw else []

    def set_roster_overrides(self, channel_id: str, overrides: list[dict[str, Any]]) -> None:
        """Replace the project's agent overrides."""
        self.redis.set(f"{self._t}:roster:{channel_id}", json.dumps(overrides))
