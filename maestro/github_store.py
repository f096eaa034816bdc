"""Which GitHub repository each project is linked to, and which issues or pull requests each task.

Keys (``design.md``, "Data"): ``maestro:<team>:project:<channel>:github`` (the repository's
``owner/name``), ``maestro:github:repo:<owner/name>`` (set of ``<team>:<channel>`` linked to it)
and ``maestro:<team>:project:<channel>:github:links:<T-3>`` (set of ``owner/name#12``).
No secret is ever stored here: the token and webhook secret come from the environment.
"""

from __future__ import annotations

from maestro.keys import TeamScoped, text

DELIVERY_TTL = 7 * 24 * 3600
"""Seconds a webhook delivery id is remembered (GitHub's redeliveries happen within days)."""


def _repo_key(repo: str) -> str:
    return f"maestro:github:repo:{repo.lower()}"


def first_delivery(redis, delivery_id: str) -> bool:  # noqa: ANN001 - a redis.Redis
    """Return True the first time a ``X-GitHub-Delivery`` id is seen (SET NX, kept :data:`DELIVERY_TTL`)."""
    return bool(redis.set(f"maestro:github:delivery:{delivery_id}", "1", nx=True, ex=DELIVERY_TTL))


def forget_delivery(redis, delivery_id: str) -> None:  # noqa: ANN001 - a redis.Redis
    """Forget a delivery id, when its job could not be enqueued (so a redelivery is handled)."""
    redis.delete(f"maestro:github:delivery:{delivery_id}")


def projects_for(redis, repo: str) -> list[tuple[str, str]]:  # noqa: ANN001 - a redis.Redis
    """Return the ``(team_id, channel_id)`` of every project linked to ``owner/name``, sorted."""
    members = redis.smembers(_repo_key(repo))
    return sorted(tuple(text(m).split(":", 1)) for m in members)  # type: ignore[misc]


LINKED_KEY = "maestro:github:repos"
"""Set of every linked repository (``owner/name``, lower case), what the reconciliation walks."""


def linked_repositories(redis) -> list[str]:  # noqa: ANN001 - a redis.Redis
    """Return every repository linked to at least one project, sorted."""
    repos = sorted(text(m) for m in redis.smembers(LINKED_KEY))
    return [r for r in repos if redis.scard(_repo_key(r))]


class GitHubStore(TeamScoped):
    """The GitHub links of one Slack team's projects."""

    def repository(self, channel_id: str) -> str | None:
        """Return the project's linked repository (``owner/name``), or None."""
        return text(self.redis.get(f"{self._p(channel_id)}:github"))

    def connect(self, channel_id: str, repo: str) -> str | None:
        """Link the project to ``repo``; return the repository it was linked to before, if another."""
        before = self.repository(channel_id)
        with self.redis.pipeline() as pipe:
            if before and before.lower() != repo.lower():
                pipe.srem(_repo_key(before), f"{self.team_id}:{channel_id}")
            pipe.set(f"{self._p(channel_id)}:github", repo)
            pipe.sadd(_repo_key(repo), f"{self.team_id}:{channel_id}")
            pipe.sadd(LINKED_KEY, repo.lower())
            pipe.execute()
        return before if before and before.lower() != repo.lower() else None

    def disconnect(self, channel_id: str) -> str | None:
        """Unlink the project; return the repository it was linked to, or None."""
        before = self.repository(channel_id)
        if before:
            with self.redis.pipeline() as pipe:
                pipe.delete(f"{self._p(channel_id)}:github")
                pipe.srem(_repo_key(before), f"{self.team_id}:{channel_id}")
                pipe.execute()
        return before

    def link(self, channel_id: str, key: str, ref: str) -> bool:
        """Link task ``key`` to ``owner/name#12``; return False when it already was."""
        self.redis.sadd(f"{self._p(channel_id)}:github:ref:{ref.lower()}", key.upper())
        return bool(self.redis.sadd(f"{self._p(channel_id)}:github:links:{key.upper()}", ref))

    def tasks_linked_to(self, channel_id: str, ref: str) -> list[str]:
        """Return the keys of the tasks linked to ``owner/name#12``, sorted."""
        return sorted(text(m) for m in self.redis.smembers(f"{self._p(channel_id)}:github:ref:{ref.lower()}"))

    def links(self, channel_id: str, key: str) -> list[str]:
        """Return the issues and pull requests linked to task ``key``, sorted."""
        return sorted(
            text(m) for m in self.redis.smembers(f"{self._p(channel_id)}:github:links:{key.upper()}")
        )
