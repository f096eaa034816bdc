"""What a job needs at run time, built lazily from settings (never at import)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from redis import Redis
from slack_sdk import WebClient

from jobs.slack import TeamClients, make_web_client
from maestro.redis_conn import connect
from maestro.settings import Settings, build_settings


@dataclass
class Runtime:
    """Settings, the Redis connection and the Slack Web API client of this process.

    ``brain`` is built on first use by :func:`jobs.brains.brain_for`. In OAuth mode ``slack``
    refuses every call until a team is chosen with :meth:`for_team` (``teams`` holds each
    team's installation); in single mode it is the one workspace's client.
    """

    settings: Settings
    redis: Redis
    slack: WebClient
    brain: Any = None
    teams: TeamClients | None = None

    def for_team(self, team_id: str) -> Runtime:
        """Return this runtime with ``slack`` carrying ``team_id``'s token (itself in single mode).

        Raises:
            jobs.slack.NotInstalledError: OAuth mode, and the team has no installation.
        """
        if self.teams is None:
            return self
        return replace(self, slack=self.teams.client_for(team_id))

    def installed(self, team_id: str) -> bool:
        """True when Maestro may act for ``team_id``: always in single mode; with an installation in OAuth."""
        return self.teams is None or self.teams.store.find_team_bot(team_id) is not None


_runtime: Runtime | None = None


def build_runtime(settings: Settings, redis: Redis | None = None) -> Runtime:
    """Return a runtime for ``settings``, connecting to Redis unless ``redis`` is given."""
    redis = redis or connect(settings)
    if settings.oauth_mode:
        teams = TeamClients(settings, redis)
        return Runtime(settings=settings, redis=redis, slack=teams.unbound(), teams=teams)
    return Runtime(settings=settings, redis=redis, slack=make_web_client(settings))


def get_runtime(team_id: str | None = None) -> Runtime:
    """Return this process's runtime (built from the environment on first use), for ``team_id``.

    Raises:
        jobs.slack.NotInstalledError: OAuth mode, and ``team_id`` has no installation.
    """
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(build_settings())
    return _runtime.for_team(team_id) if team_id else _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Install the runtime jobs use in this process (the worker does it at start; tests too)."""
    global _runtime
    _runtime = runtime
