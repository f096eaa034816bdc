"""Installations of the app (OAuth mode), in Redis, with every token encrypted at rest.

Implements slack_sdk's ``InstallationStore`` and ``OAuthStateStore`` (slack_sdk ships file, SQLite,
SQLAlchemy and S3 stores, none for Redis), keyed as slack_sdk's own file store keys them: by
enterprise id and team id (``none`` for a missing one; an org-wide Enterprise Grid install has
team ``none``), the latest bot, the latest installation, and the latest installation per
installing user. A record is slack_sdk's ``Bot`` / ``Installation`` ``__dict__`` as JSON, the
whole of it encrypted with Fernet (AES-128-CBC and HMAC-SHA256) under ``MAESTRO_ENCRYPTION_KEY``.

Keys (no team prefix: an installation is above a team's data, and outlives it when the data is
deleted on uninstall):

- ``maestro:install:<enterprise>-<team>:bot`` → the latest bot (its token, refresh token, expiry);
- ``maestro:install:<enterprise>-<team>:installer`` → the latest installation;
- ``maestro:install:<enterprise>-<team>:installer:<user>`` → the latest installation by that user;
- ``maestro:install:team:<team>`` → the enterprise a team was last seen in (for org-wide
  installs: workers and the clock know only the team id of a job);
- ``maestro:oauth-state:<state>`` → a pending install's state, expiring.
"""

from __future__ import annotations

import json
import logging
import secrets
from logging import Logger

from cryptography.fernet import Fernet, InvalidToken
from redis import Redis
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from maestro.keys import text

logger = logging.getLogger(__name__)

DEFAULT_STATE_EXPIRATION = 600
"""Seconds an install's OAuth ``state`` stays valid (slack_sdk's stores default to 600)."""

_PREFIX = "maestro:install"
_NONE = "none"


class RedisInstallationStore(InstallationStore):
    """slack_sdk's ``InstallationStore`` on Redis, tokens encrypted with Fernet.

    Args:
        redis: the deployment's Redis.
        key: a Fernet key (``MAESTRO_ENCRYPTION_KEY``), bytes or str.

    Raises:
        ValueError: ``key`` isn't a Fernet key (settings validate it before).
    """

    def __init__(self, redis: Redis, key: bytes | str):
        self.redis = redis
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        self._logger = logger

    @property
    def logger(self) -> Logger:
        """The store's logger (slack_sdk's interface)."""
        return self._logger

    # -- keys and sealing -----------------------------------------------------------------------
    @staticmethod
    def _base(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
        team = _NONE if is_enterprise_install else (team_id or _NONE)
        return f"{_PREFIX}:{enterprise_id or _NONE}-{team}"

    def _seal(self, record: Bot | Installation) -> bytes:
        return self._fernet.encrypt(json.dumps(record.__dict__).encode())

    def _open(self, raw: bytes | str | None) -> dict | None:
        if raw is None:
            return None
        try:
            return json.loads(self._fernet.decrypt(raw.encode() if isinstance(raw, str) else raw))
        except InvalidToken:
            self.logger.error("an installation can't be decrypted: was MAESTRO_ENCRYPTION_KEY changed?")
            return None

    # -- saving ---------------------------------------------------------------------------------
    def save(self, installation: Installation) -> None:
        """Save an installation: the latest, the latest by its user, and its bot."""
        base = self._base(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        sealed = self._seal(installation)
        with self.redis.pipeline() as pipe:
            pipe.set(f"{base}:installer", sealed)
            pipe.set(f"{base}:installer:{installation.user_id or _NONE}", sealed)
            if installation.bot_token:
                pipe.set(f"{base}:bot", self._seal(installation.to_bot()))
            pipe.execute()

    def save_bot(self, bot: Bot) -> None:
        """Save a bot (a new install, or a rotated token); a bot without a token is skipped."""
        if bot.bot_token is None:
            return
        base = self._base(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        self.redis.set(f"{base}:bot", self._seal(bot))

    def remember_team(self, team_id: str, enterprise_id: str | None, is_enterprise_install: bool) -> None:
        """Note which enterprise (and kind of install) a team's requests come from, for its jobs."""
        value = json.dumps([enterprise_id, bool(is_enterprise_install)])
        self.redis.set(f"{_PREFIX}:team:{team_id}", value)

    # -- finding --------------------------------------------------------------------------------
    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """Return the latest bot of a workspace (or org), or None when not installed."""
        data = self._open(self.redis.get(f"{self._base(enterprise_id, team_id, is_enterprise_install)}:bot"))
        return Bot(**data) if data else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """Return the latest installation (by ``user_id`` when given), with the latest bot's token."""
        base = self._base(enterprise_id, team_id, is_enterprise_install)
        key = f"{base}:installer" if user_id is None else f"{base}:installer:{user_id}"
        data = self._open(self.redis.get(key))
        if data is None:
            return None
        installation = Installation(**data)
        bot = self.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is not None and bot.bot_token != installation.bot_token:
            # a rotated bot token is saved on the bot only (as slack_sdk's stores do)
            installation.bot_id, installation.bot_user_id = bot.bot_id, bot.bot_user_id
            installation.bot_token, installation.bot_scopes = bot.bot_token, bot.bot_scopes
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def find_team_bot(self, team_id: str) -> Bot | None:
        """Return the bot serving ``team_id``: its workspace install, or its org's org-wide install."""
        raw = text(self.redis.get(f"{_PREFIX}:team:{team_id}"))
        enterprise_id, org_wide = json.loads(raw) if raw else (None, False)
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide)
        if bot is None and enterprise_id is not None and not org_wide:
            bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=True)
        return bot

    # -- deleting -------------------------------------------------------------------------------
    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete the bot of a workspace (or org: ``team_id`` None)."""
        self.redis.delete(f"{self._base(enterprise_id, team_id, False)}:bot")

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Delete one user's installation, or (``user_id`` None) every installation of the workspace."""
        base = self._base(enterprise_id, team_id, False)
        if user_id is not None:
            self.redis.delete(f"{base}:installer:{user_id}")
            return
        keys = [f"{base}:installer", *self.redis.scan_iter(match=f"{base}:installer:*", count=500)]
        self.redis.delete(*keys)


class RedisOAuthStateStore(OAuthStateStore):
    """slack_sdk's ``OAuthStateStore`` on Redis: a state is issued once and consumed once, in time.

    Args:
        redis: the deployment's Redis.
        expiration_seconds: how long an issued state is valid.
    """

    def __init__(self, redis: Redis, expiration_seconds: int = DEFAULT_STATE_EXPIRATION):
        self.redis = redis
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> Logger:
        """The store's logger (slack_sdk's interface)."""
        return logger

    def issue(self, *args: object, **kwargs: object) -> str:
        """Return a new random state, valid for ``expiration_seconds``."""
        state = secrets.token_urlsafe(24)
        self.redis.set(f"maestro:oauth-state:{state}", "1", ex=self.expiration_seconds)
        return state

    def consume(self, state: str) -> bool:
        """Return True once for a state issued here and not expired; False otherwise."""
        return bool(self.redis.delete(f"maestro:oauth-state:{state}"))
