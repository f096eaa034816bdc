"""Settings: the only reader of ``os.environ``.

The variables are the contract of ``design.md`` ("The contract the outside world sees"), plus
``MAESTRO_LOG_FORMAT`` and ``MAESTRO_LOG_LEVEL``. A wrong value raises :class:`ConfigError`
naming the variable; :func:`load_settings` turns that into a message and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
"""Slack's own Web API base URL."""

DEFAULT_SANDBOX_API_URL = "http://127.0.0.1:3001/api/"
"""Where ``maestro web`` looks for the local Slack sandbox when no credentials and no URL are given."""

SANDBOX_BOT_TOKEN = "xoxb-sandbox-token"
"""The bot token the local Slack sandbox accepts."""

SANDBOX_SIGNING_SECRET = "sandbox-signing-secret"
"""The signing secret the local Slack sandbox signs its requests with."""

DEFAULT_PORT = 3000
"""HTTP port of ``maestro web``."""

DEFAULT_DATA_DIR = Path(".maestro")
"""Where the embedded Redis keeps its append-only file."""


DEFAULT_MODELS = {"haiku": "claude-haiku-4-5", "sonnet": "claude-sonnet-5", "opus": "claude-opus-5"}
"""The Claude model of each tier, unless ``MAESTRO_MODEL_<TIER>`` says otherwise."""

DEFAULT_CLAUDE_TIMEOUT = 60.0
"""Seconds one Messages API call may take (the SDK's default is 600)."""

DEFAULT_CLAUDE_MAX_RETRIES = 2
"""Retries the Anthropic SDK makes on connection errors, 408, 409, 429 and 5xx (529 included)."""

DEFAULT_CLAUDE_MAX_TOKENS = 4096
"""Output tokens one answer may use."""

DEFAULT_INBOX_GRACE = 30
"""Seconds a job must be seen in no queue and no registry before it is re-enqueued (the inbox sweep, and
Slack's retry of its request): far longer than a live worker takes from popping a job to starting it."""


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what to set."""


class Settings(BaseSettings):
    """Maestro's configuration, read from the environment (or passed directly in tests).

    Attributes:
        slack_bot_token: ``SLACK_BOT_TOKEN``, a bot token ``xoxb-…``; unset means sandbox mode.
        slack_signing_secret: ``SLACK_SIGNING_SECRET``; verifies every HTTP request from Slack.
        slack_app_token: ``SLACK_APP_TOKEN``, ``xapp-…``; when set, Socket Mode instead of HTTP.
        slack_api_url: ``SLACK_API_URL``, base URL of the Web API, ending in ``/``.
        redis_url: ``REDIS_URL``; unset means the embedded Redis under ``maestro_data_dir``.
        maestro_data_dir: ``MAESTRO_DATA_DIR``, default ``./.maestro``.
        anthropic_api_key: ``ANTHROPIC_API_KEY``; enables the Claude brain.
        anthropic_base_url: ``ANTHROPIC_BASE_URL``; the SDK's own override.
        port: ``PORT``, 1–65535.
        maestro_log_format: ``MAESTRO_LOG_FORMAT``, ``text`` or ``json``.
        maestro_log_level: ``MAESTRO_LOG_LEVEL``, a :mod:`logging` level name.
        maestro_model_haiku, maestro_model_sonnet, maestro_model_opus: the Claude model of each tier.
        maestro_claude_timeout: seconds per Messages API call.
        maestro_claude_max_retries: the SDK's retries before the offline brain takes over.
        maestro_claude_max_tokens: output tokens per answer.
        maestro_inbox_grace: ``MAESTRO_INBOX_GRACE``, seconds before a lost job is re-enqueued.
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    redis_url: str | None = None
    maestro_data_dir: Path = DEFAULT_DATA_DIR
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    maestro_log_format: Literal["text", "json"] = "text"
    maestro_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    maestro_model_haiku: str = DEFAULT_MODELS["haiku"]
    maestro_model_sonnet: str = DEFAULT_MODELS["sonnet"]
    maestro_model_opus: str = DEFAULT_MODELS["opus"]
    maestro_claude_timeout: float = Field(default=DEFAULT_CLAUDE_TIMEOUT, gt=0, le=600)
    maestro_claude_max_retries: int = Field(default=DEFAULT_CLAUDE_MAX_RETRIES, ge=0, le=10)
    maestro_claude_max_tokens: int = Field(default=DEFAULT_CLAUDE_MAX_TOKENS, ge=256, le=64000)
    maestro_inbox_grace: int = Field(default=DEFAULT_INBOX_GRACE, ge=0, le=3600)

    @field_validator("maestro_log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token that starts with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token that starts with xapp-")
        return value

    @field_validator("slack_api_url", "anthropic_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlparse(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _credentials_together(self) -> Settings:
        if self.slack_bot_token and not self.slack_signing_secret and not self.slack_app_token:
            raise ValueError(
                "SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN in HTTP mode "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )
        if (self.slack_signing_secret or self.slack_app_token) and not self.slack_bot_token:
            raise ValueError(
                "SLACK_BOT_TOKEN is required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set"
            )
        return self

    @property
    def sandbox_mode(self) -> bool:
        """True when no Slack credentials are given: Maestro talks to the local Slack sandbox."""
        return self.slack_bot_token is None

    @property
    def socket_mode(self) -> bool:
        """True when ``SLACK_APP_TOKEN`` is set."""
        return self.slack_app_token is not None

    @property
    def bot_token(self) -> str:
        """The bot token in force: ``SLACK_BOT_TOKEN`` or the sandbox's."""
        return self.slack_bot_token.get_secret_value() if self.slack_bot_token else SANDBOX_BOT_TOKEN

    @property
    def signing_secret(self) -> str:
        """The signing secret in force: ``SLACK_SIGNING_SECRET`` or the sandbox's."""
        if self.slack_signing_secret:
            return self.slack_signing_secret.get_secret_value()
        return SANDBOX_SIGNING_SECRET

    def model_for(self, tier: str) -> str:
        """Return the Claude model name of a tier (``haiku``, ``sonnet``, ``opus``)."""
        return {"haiku": self.maestro_model_haiku, "opus": self.maestro_model_opus}.get(
            tier, self.maestro_model_sonnet
        )

    @property
    def claude_enabled(self) -> bool:
        """True when ``ANTHROPIC_API_KEY`` is set: agents think with Claude."""
        return self.anthropic_api_key is not None

    @property
    def api_url(self) -> str:
        """The Web API base URL in force, ending in ``/``."""
        if self.slack_api_url:
            return self.slack_api_url
        return DEFAULT_SANDBOX_API_URL if self.sandbox_mode else DEFAULT_SLACK_API_URL


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ()) if part != "__root__"]
        name = loc[0].upper() if loc else ""
        message = item.get("msg", "invalid").removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "; ".join(lines)


def build_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with ``overrides`` taking precedence.

    Raises:
        ConfigError: a variable is malformed; the message names it.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(f"Invalid configuration: {_describe(error)}") from None


def load_settings() -> Settings:
    """Read the settings for a process start; on a bad value print why and exit with status 2."""
    try:
        return build_settings()
    except ConfigError as error:
        print(f"maestro: {error}", file=sys.stderr)
        raise SystemExit(2) from None
