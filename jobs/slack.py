"""Slack Web API clients for jobs, with slack_sdk's retry handlers, and Slack's set-up errors.

Rate-limited calls (HTTP 429) are retried after ``Retry-After`` by
``RateLimitErrorRetryHandler``; dropped connections and 5xx by slack_sdk's handlers. What still
fails raises, and RQ's ``Retry`` on the job takes over — except a :class:`SetupError`: Slack
refusing because Maestro isn't set up right (a scope missing from the app, a bad or revoked
token) gives the same answer on every retry, so it is told once instead (see
:mod:`jobs.failures`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.web.slack_response import SlackResponse
from slack_sdk.webhook import WebhookClient

from maestro import metrics
from maestro.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_SLACK_TIMEOUT = 15
"""Seconds one Web API call may take before it is abandoned (slack_sdk's default is 30)."""

DEFAULT_RATE_LIMIT_RETRIES = 3
"""How often a 429 is retried after ``Retry-After`` before the job itself fails."""


def retry_handlers() -> list[RetryHandler]:
    """Return fresh retry handlers: 429 after ``Retry-After``, connection errors, 5xx."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=DEFAULT_RATE_LIMIT_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


SETUP_FIXES: dict[str, str] = {
    "missing_scope": "add {scopes} to manifest.yml (oauth_config.scopes.bot) and reinstall the app",
    "not_authed": "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…) and restart Maestro",
    "invalid_auth": (
        "SLACK_BOT_TOKEN isn't this app's token: copy the Bot User OAuth Token from the app's "
        "OAuth & Permissions page into SLACK_BOT_TOKEN and restart Maestro"
    ),
    "account_inactive": (
        "the token's bot or workspace was deactivated: reinstall the app, set SLACK_BOT_TOKEN to the "
        "new token and restart Maestro"
    ),
    "token_revoked": (
        "the token was revoked (was the app uninstalled?): reinstall the app, set SLACK_BOT_TOKEN to "
        "the new token and restart Maestro"
    ),
}
"""Web API errors that mean "Maestro isn't set up right" (Slack's common errors), each with its fix."""

DEFAULT_SETUP_LOG_TTL = 3600
"""Seconds a set-up error, once logged, isn't logged again (per error, method and scope)."""

_logged_here: set[str] = set()  # set-up errors this process logged, when there is no Redis to ask


class SetupError(SlackApiError):
    """Slack refused a call because Maestro isn't set up right; retrying gets the same answer.

    Raised by the client :func:`make_web_client` returns, in place of the ``SlackApiError``, for
    the errors of :data:`SETUP_FIXES`. It *is* a ``SlackApiError`` (same ``response``), so
    existing handlers still see it; the job layer doesn't retry it (:mod:`jobs.failures`).

    Attributes:
        method: The Web API method refused, e.g. ``"conversations.info"``.
        code: Slack's ``error``, e.g. ``"missing_scope"``.
        needed: For ``missing_scope``, Slack's ``needed`` (one scope, or several comma-separated).
        provided: For ``missing_scope``, the scopes the token has (comma-separated).
    """

    def __init__(self, method: str, response: SlackResponse) -> None:
        self.method = method
        self.code = str(response.get("error"))
        self.needed = str(response.get("needed") or "")
        self.provided = str(response.get("provided") or "")
        super().__init__(f"{method}: {self.code} — fix: {self.fix}", response)

    @classmethod
    def from_api_error(cls, error: BaseException) -> SetupError | None:
        """Classify any Web API error: a :class:`SetupError` for a set-up error, else None.

        Works on errors from any ``WebClient`` (Bolt gives listeners a plain one); the method is
        read from the response's URL.
        """
        if isinstance(error, SetupError):
            return error
        if not isinstance(error, SlackApiError) or not isinstance(error.response, SlackResponse):
            return None
        if error.response.get("error") not in SETUP_FIXES:
            return None
        return cls(str(error.response.api_url).rstrip("/").rsplit("/", 1)[-1], error.response)

    @property
    def fix(self) -> str:
        """str: What an admin does about it, e.g. "add the scope `groups:read` to manifest.yml …"."""
        scopes = [f"`{s}`" for s in self.needed.split(",") if s]
        if not scopes:
            named = f"the scope {self.method} needs"
        else:
            named = ("the scope " if len(scopes) == 1 else "the scopes ") + ", ".join(scopes)
        return SETUP_FIXES.get(self.code, "check the app's set-up").format(scopes=named)

    def told(self) -> str:
        """Return the one line (mrkdwn) that tells a person why their request didn't go through."""
        return (
            f":warning: Maestro isn't set up right in this workspace, so that didn't go through: "
            f"Slack refused `{self.method}` (`{self.code}`). To fix it, {self.fix}."
        )


def log_setup_error(error: SetupError, redis: Redis | None = None) -> bool:
    """Log a set-up error with its fix, once per error, method and scope.

    With ``redis``, "once" holds across processes (RQ forks a work horse per job) for
    :data:`DEFAULT_SETUP_LOG_TTL` seconds; without it, for this process's life.

    Returns:
        True when this call logged it; False when it was logged already.
    """
    key = f"maestro:setup-error:{error.code}:{error.method}:{error.needed}"
    if redis is not None:
        try:
            first = bool(redis.set(key, "1", nx=True, ex=DEFAULT_SETUP_LOG_TTL))
        except RedisError:
            first = key not in _logged_here
    else:
        first = key not in _logged_here
    _logged_here.add(key)
    if first:
        logger.error(
            "Slack refused %s with %s: Maestro isn't set up right. Fix: %s",
            error.method,
            error.code,
            error.fix,
            extra={"slack_method": error.method, "slack_error": error.code, "needed": error.needed},
        )
    return first


class MaestroWebClient(WebClient):
    """A ``WebClient`` that raises :class:`SetupError` for Slack's set-up errors."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        """Call ``api_method`` like ``WebClient.api_call``.

        Raises:
            SetupError: Slack answered one of :data:`SETUP_FIXES`.
            slack_sdk.errors.SlackApiError: any other refusal.
        """
        metrics.SLACK_CALLS.labels(api_method).inc()
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            metrics.SLACK_ERRORS.labels(api_method, str(error.response.get("error"))).inc()
            setup = SetupError.from_api_error(error)
            if setup is None:
                raise
            raise setup from None


def make_web_client(settings: Settings) -> WebClient:
    """Return a Web API client for the bot token and API URL in force (Slack's, or the sandbox's).

    In OAuth mode it carries no token (each team's comes from its installation: Bolt's
    authorization, :class:`TeamClients`). It raises :class:`SetupError` when Slack says Maestro
    isn't set up right.
    """
    return MaestroWebClient(
        token=None if settings.oauth_mode else settings.bot_token,
        base_url=settings.api_url,
        timeout=DEFAULT_SLACK_TIMEOUT,
        retry_handlers=retry_handlers(),
    )


def make_response_client(response_url: str) -> WebhookClient:
    """Return a client for one ``response_url`` (at most 5 uses within 30 minutes, per Slack)."""
    return WebhookClient(response_url, timeout=DEFAULT_SLACK_TIMEOUT, retry_handlers=retry_handlers())


def is_admin(client: WebClient, user_id: str) -> bool:
    """Return True when ``user_id`` is a workspace admin or owner (``users.info``; False if unknown)."""
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, OSError) as error:  # refused, or Slack unreachable (URLError, timeout): not known
        setup = SetupError.from_api_error(error)
        if setup is not None:  # users:read missing, or a bad token: logged once, with the fix
            log_setup_error(setup)
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


DEFAULT_ROTATION_MINUTES = 120
"""Minutes before a rotating bot token expires that it is refreshed (Bolt's own default)."""

DEFAULT_ROTATION_LOCK_SECONDS = 30
"""Seconds one process may hold a team's token refresh before another may try."""


class NotInstalledError(Exception):
    """The team has no installation (never installed, uninstalled, or its token revoked).

    A job for such a team can do nothing for it: it is dropped, not retried (:mod:`jobs.failures`).
    """

    def __init__(self, team_id: str):
        self.team_id = team_id
        super().__init__(f"team {team_id} has no installation of Maestro (uninstalled?)")


class _NoTeamClient(MaestroWebClient):
    """The client of an OAuth-mode process before a team is chosen: every call is refused."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        """Refuse: in OAuth mode each call needs its team's token (``Runtime.for_team``)."""
        raise RuntimeError(f"{api_method}: no team chosen; in OAuth mode use runtime.for_team(team_id)")


class TeamClients:
    """Each team's Web API client in OAuth mode, from its installation (never a global token).

    A bot token that rotates (Slack's token rotation: an installation with a refresh token and an
    expiry) is refreshed through slack_sdk's ``TokenRotator`` when it expires within
    :data:`DEFAULT_ROTATION_MINUTES`, under a Redis lock per team, and the new one is saved.

    Args:
        settings: OAuth-mode settings (client id and secret, the encryption key, the API URL).
        redis: where installations are stored.
    """

    def __init__(self, settings: Settings, redis: Redis):
        from slack_sdk.oauth.token_rotation import TokenRotator

        from maestro.installations import RedisInstallationStore

        assert settings.maestro_encryption_key and settings.slack_client_secret and settings.slack_client_id
        self.settings = settings
        self.redis = redis
        self.store = RedisInstallationStore(redis, settings.maestro_encryption_key.get_secret_value())
        self._rotator = TokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            client=WebClient(base_url=settings.api_url, timeout=DEFAULT_SLACK_TIMEOUT),
        )

    def unbound(self) -> WebClient:
        """Return the client of no team: any call raises (a job must choose its team first)."""
        return _NoTeamClient(base_url=self.settings.api_url)

    def token_for(self, team_id: str) -> str:
        """Return the team's bot token, refreshed first when it is about to expire.

        Raises:
            NotInstalledError: the team has no installation.
        """
        bot = self.store.find_team_bot(team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalledError(team_id)
        expiring = (
            bot.bot_token_expires_at
            and bot.bot_token_expires_at - time.time() < DEFAULT_ROTATION_MINUTES * 60
        )
        if bot.bot_refresh_token and expiring:  # the lock only when a refresh is due
            lock = self.redis.lock(f"maestro:install:rotate:{team_id}", timeout=DEFAULT_ROTATION_LOCK_SECONDS)
            with lock:
                bot = self.store.find_team_bot(team_id) or bot  # another process may have refreshed it
                refreshed = self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=DEFAULT_ROTATION_MINUTES
                )
                if refreshed is not None:
                    self.store.save_bot(refreshed)
                    bot = refreshed
        return str(bot.bot_token)

    def client_for(self, team_id: str) -> WebClient:
        """Return a Web API client with the team's bot token (see :meth:`token_for`).

        Raises:
            NotInstalledError: the team has no installation.
        """
        return MaestroWebClient(
            token=self.token_for(team_id),
            base_url=self.settings.api_url,
            timeout=DEFAULT_SLACK_TIMEOUT,
            retry_handlers=retry_handlers(),
            team_id=team_id,
        )
