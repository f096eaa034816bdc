"""Token usage of the Claude brain per project, its estimated cost, and the monthly budget.

Keys (``{p}`` = ``maestro:<team>:project:<channel>``): ``{p}:usage:day:<YYYY-MM-DD>``,
``{p}:usage:month:<YYYY-MM>`` and ``{p}:usage:all`` are hashes of ``<agent>|<tier>|<kind>`` →
tokens, kind one of ``input``, ``output``, ``cache_read``, ``cache_write``; ``{p}:budget`` holds
the monthly token budget. Days and months are UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from redis import Redis

KINDS: tuple[str, ...] = ("input", "output", "cache_read", "cache_write")
"""The four token counts of a Messages API ``usage``."""

PRICE_CENTS_PER_MTOK: dict[str, dict[str, float]] = {
    "haiku": {"input": 100, "output": 500},
    "sonnet": {"input": 300, "output": 1500},
    "opus": {"input": 1500, "output": 7500},
}
"""Estimated list prices, US cents per million tokens; cache writes cost 1.25× input, reads 0.1×."""

DEFAULT_SPRINT_DAYS = 14
"""Days counted as "this sprint" while a project has no sprint of its own."""

DAY_TTL = 400 * 24 * 3600
"""Seconds a day's usage hash is kept."""


class AgentUsage(BaseModel):
    """Tokens and estimated cost of one agent over a period."""

    agent: str
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost_cents: float = 0.0

    @property
    def total(self) -> int:
        """All tokens, cached ones included."""
        return self.input + self.output + self.cache_read + self.cache_write


def cost_cents(tier: str, kind: str, tokens: int) -> float:
    """Return the estimated cost of ``tokens`` of ``kind`` on ``tier``, in US cents."""
    prices = PRICE_CENTS_PER_MTOK.get(tier, PRICE_CENTS_PER_MTOK["sonnet"])
    rate = {
        "input": prices["input"],
        "output": prices["output"],
        "cache_write": prices["input"] * 1.25,
        "cache_read": prices["input"] * 0.1,
    }[kind]
    return tokens * rate / 1_000_000


class UsageStore:
    """Usage and budget of one Slack team's projects."""

    def __init__(self, redis: Redis, team_id: str):
        self.redis = redis
        self._t = f"maestro:{team_id}"

    def _p(self, channel_id: str) -> str:
        return f"{self._t}:project:{channel_id}"

    def record(self, channel_id: str, agent: str, tier: str, tokens: dict[str, int], now: datetime) -> None:
        """Add one call's tokens to today, the month and all time.

        Args:
            channel_id: the project.
            agent: the agent id.
            tier: its model tier (prices differ).
            tokens: ``input``, ``output``, ``cache_read``, ``cache_write`` counts.
            now: the time of the call (UTC).
        """
        p = self._p(channel_id)
        keys = (f"{p}:usage:day:{now:%Y-%m-%d}", f"{p}:usage:month:{now:%Y-%m}", f"{p}:usage:all")
        with self.redis.pipeline() as pipe:
            for key in keys:
                for kind in KINDS:
                    if tokens.get(kind):
                        pipe.hincrby(key, f"{agent}|{tier}|{kind}", int(tokens[kind]))
            pipe.expire(keys[0], DAY_TTL)
            pipe.expire(keys[1], DAY_TTL)
            pipe.execute()

    def _summarise(self, hashes: list[dict]) -> list[AgentUsage]:
        totals: dict[str, AgentUsage] = {}
        for data in hashes:
            for field, value in data.items():
                field = field.decode() if isinstance(field, bytes) else field
                agent, tier, kind = field.split("|")
                row = totals.setdefault(agent, AgentUsage(agent=agent))
                setattr(row, kind, getattr(row, kind) + int(value))
                row.cost_cents += cost_cents(tier, kind, int(value))
        return sorted(totals.values(), key=lambda r: -r.cost_cents)

    def summary(
        self, channel_id: str, now: datetime, sprint_days: int = DEFAULT_SPRINT_DAYS
    ) -> dict[str, list[AgentUsage]]:
        """Return usage by agent for ``today``, ``sprint`` (the last ``sprint_days`` days) and ``all``."""
        p = self._p(channel_id)
        days = [f"{p}:usage:day:{(now - timedelta(days=i)):%Y-%m-%d}" for i in range(sprint_days)]
        with self.redis.pipeline() as pipe:
            for key in days:
                pipe.hgetall(key)
            pipe.hgetall(f"{p}:usage:all")
            *sprint, everything = pipe.execute()
        return {
            "today": self._summarise(sprint[:1]),
            "sprint": self._summarise(sprint),
            "all": self._summarise([everything]),
        }

    def month_tokens(self, channel_id: str, now: datetime) -> int:
        """Return every token the project used this UTC month."""
        data = self.redis.hgetall(f"{self._p(channel_id)}:usage:month:{now:%Y-%m}")
        return sum(int(v) for v in data.values())

    def budget(self, channel_id: str) -> int | None:
        """Return the project's monthly token budget, or None when it has none."""
        raw = self.redis.get(f"{self._p(channel_id)}:budget")
        return int(raw) if raw else None

    def set_budget(self, channel_id: str, tokens: int | None) -> None:
        """Set the monthly token budget (None removes it)."""
        if tokens is None:
            self.redis.delete(f"{self._p(channel_id)}:budget")
        else:
            self.redis.set(f"{self._p(channel_id)}:budget", int(tokens))

    def over_budget(self, channel_id: str, now: datetime) -> str | None:
        """Return why Claude must not be called (the budget is spent), or None."""
        budget = self.budget(channel_id)
        if budget is None:
            return None
        used = self.month_tokens(channel_id, now)
        if used >= budget:
            return f"this project's monthly budget of {budget:,} tokens is used up ({used:,} this month)"
        return None
