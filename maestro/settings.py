"""Settings: the only reader of ``os.environ``.

The variables are the contract of ``design.md`` ("The contract the outside world sees"), plus
``MAESTRO_LOG_FORMAT`` and ``MAESTRO_LOG_LEVEL``. A wrong value raises :class:`ConfigError`
naming the variable; :func:`load_settings` turns that into a message and exit status 2.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
"""Slack's own Web API base URL."""

DEFAULT_SANDBOX_API_URL = "http://127.0.0.1:3001/api/"
"""Where ``maestro web`` looks for the local Slack sandbox when no credentials and no URL are given."""

SANDBOX_BOT_TOKEN = "xoxb-sandbox-token"
"""The bot token the local Slack sandbox accepts."""

SANDBOX_SIGNING_SECRET = "5a4d8e9f0b1c2d3e4f5a6b7c8d9e0f1a"
"""The secret the local Slack sandbox signs its requests with (Slack's shape: 32 hex digits)."""

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

DEFAULT_AGENT_MAX_TURNS = 8
"""Model turns one agent loop may take (the last is forced to answer)."""

DEFAULT_AGENT_TOKEN_BUDGET = 200_000
"""Tokens (input, cached or not, and output) one agent loop may spend, across re-runs."""

SANDBOX_CLIENT_ID = "1000000000.2000000000"
"""The OAuth client id the local Slack sandbox knows (``oauth.v2.access``)."""

SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
"""The OAuth client secret the local Slack sandbox accepts with :data:`SANDBOX_CLIENT_ID`."""

INSTALL_MODES = ("single", "oauth")
"""``MAESTRO_INSTALL_MODE``: ``single`` (one workspace, ``SLACK_BOT_TOKEN``) or ``oauth`` (installs)."""


SLACK_APPS_PAGE = "api.slack.com/apps → your app"
"""Where a Slack app's tokens and secrets are found (named in the fixes below)."""

BOT_TOKEN_FIX = f"copy the Bot User OAuth Token (xoxb-…) from {SLACK_APPS_PAGE} → OAuth & Permissions"
"""How to get a good ``SLACK_BOT_TOKEN``."""

DEFAULT_INBOX_GRACE = 30
"""Seconds a job must be seen in no queue and no registry before it is re-enqueued (the inbox sweep, and
Slack's retry of its request): far longer than a live worker takes from popping a job to starting it."""


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what to set."""


SECRET_SHAPES: dict[str, tuple[str | None, str, str]] = {
    "slack_bot_token": ("xoxb-", "a bot token", BOT_TOKEN_FIX),
    "slack_signing_secret": (
        None,
        "the app's Signing Secret",
        f"copy the Signing Secret from {SLACK_APPS_PAGE} → Basic Information → App Credentials",
    ),
    "slack_app_token": (
        "xapp-",
        "an app-level token",
        f"create one with connections:write at {SLACK_APPS_PAGE} → Basic Information → App-Level Tokens",
    ),
    "anthropic_api_key": (
        "sk-ant-",
        "an Anthropic API key",
        "create one at console.anthropic.com → API Keys, or unset it for the offline brain",
    ),
}
"""Each secret setting: the prefix its value starts with (None: no prefix), what it is, and where
to get a good one (said when the value has the wrong shape)."""

_SIGNING_SECRET = re.compile(r"[0-9a-fA-F]{32}")
_TOKEN_PREFIXES = {
    "xoxb-": "the bot token (SLACK_BOT_TOKEN)",
    "xapp-": "the app-level token (SLACK_APP_TOKEN)",
    "xoxp-": "a user token (xoxp-)",
    "sk-ant-": "an Anthropic API key (ANTHROPIC_API_KEY)",
}


def _shape_problem(value: str, prefix: str | None, what: str, fix: str) -> str | None:
    """Say what is wrong with a secret's shape (quotes, spaces, another kind of token), or None."""
    if value != value.strip() or any(c.isspace() for c in value):
        return f"has spaces or a line break in it; set the value alone ({fix})"
    if value.startswith(('"', "'")) or value.endswith(('"', "'")):
        return f"has quotes around it; set the value without them ({fix})"
    if prefix is not None and value.startswith(prefix):
        return None
    other = next((name for start, name in _TOKEN_PREFIXES.items() if value.startswith(start)), None)
    if other is not None:
        return f"is {other}, not {what}: {fix}"
    return f"must be {what}, which starts with {prefix}: {fix}" if prefix else None


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
        maestro_claude_max_tokens: output tokens per model turn; None: per kind of call (plan
            16,000, work 8,000, review 4,000, answer 2,000).
        maestro_agent_max_turns: model turns per agent loop.
        maestro_agent_token_budget: tokens per agent loop (input, cached or not, and output).
        maestro_github_token: a fine-grained GitHub token for the linked repositories.
        maestro_github_webhook_secret: the secret of the GitHub webhook (``X-Hub-Signature-256``).
        maestro_github_api_url: GitHub's REST API root; None: https://api.github.com (the
            sandbox's emulator in tests).
        maestro_install_mode: ``MAESTRO_INSTALL_MODE``, ``single`` (default: one workspace and
            ``SLACK_BOT_TOKEN``; ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` are ignored, so Bolt
            doesn't turn its own OAuth on) or ``oauth`` (installs through ``/slack/install``).
        slack_client_id: ``SLACK_CLIENT_ID``, the app's OAuth client id (oauth mode).
        slack_client_secret: ``SLACK_CLIENT_SECRET`` (oauth mode).
        maestro_encryption_key: ``MAESTRO_ENCRYPTION_KEY``, a Fernet key (32 url-safe base64 bytes,
            ``Fernet.generate_key()``) that encrypts installations' tokens at rest (oauth mode).
        maestro_uninstall_data: ``MAESTRO_UNINSTALL_DATA``, what an uninstall does to the team's
            boards: ``keep`` (default; a reinstall finds them) or ``delete``.
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
    maestro_claude_max_tokens: int | None = Field(default=None, ge=256, le=64000)
    maestro_agent_max_turns: int = Field(default=DEFAULT_AGENT_MAX_TURNS, ge=1, le=30)
    maestro_agent_token_budget: int = Field(default=DEFAULT_AGENT_TOKEN_BUDGET, ge=1000, le=10_000_000)
    maestro_github_token: SecretStr | None = None
    maestro_github_webhook_secret: SecretStr | None = None
    maestro_github_api_url: str | None = None
    maestro_install_mode: Literal["single", "oauth"] = "single"
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    maestro_encryption_key: SecretStr | None = None
    maestro_uninstall_data: Literal["keep", "delete"] = "keep"

    @field_validator("maestro_install_mode", "maestro_uninstall_data", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("maestro_encryption_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        from cryptography.fernet import Fernet

        try:
            Fernet(value.get_secret_value().encode())
        except (ValueError, TypeError):
            raise ValueError(
                "must be a Fernet key: 32 url-safe base64-encoded bytes, e.g. the output of "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None
        return value

    maestro_inbox_grace: int = Field(default=DEFAULT_INBOX_GRACE, ge=0, le=3600)

    @field_validator("maestro_log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator(*SECRET_SHAPES)
    @classmethod
    def _secret_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return None
        prefix, what, fix = SECRET_SHAPES[str(info.field_name)]
        secret = value.get_secret_value()
        problem = _shape_problem(secret, prefix, what, fix)
        hexadecimal = _SIGNING_SECRET.fullmatch(secret)
        if not problem and info.field_name == "slack_signing_secret" and not hexadecimal:
            problem = f"must be {what}, 32 hexadecimal characters: {fix}"
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("slack_api_url", "anthropic_base_url", "maestro_github_api_url")
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
        if self.maestro_install_mode == "oauth":
            return self._oauth_credentials()
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

    def _oauth_credentials(self) -> Settings:
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", self.slack_client_id),
                ("SLACK_CLIENT_SECRET", self.slack_client_secret),
                ("MAESTRO_ENCRYPTION_KEY", self.maestro_encryption_key),
            )
            if value is None
        ]
        if not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        if missing:
            raise ValueError(f"{' and '.join(missing)} required with MAESTRO_INSTALL_MODE=oauth")
        if self.slack_bot_token:
            raise ValueError(
                "SLACK_BOT_TOKEN isn't used with MAESTRO_INSTALL_MODE=oauth (each workspace's token "
                "comes from its installation): unset it, or set MAESTRO_INSTALL_MODE=single"
            )
        return self

    @property
    def oauth_mode(self) -> bool:
        """True with ``MAESTRO_INSTALL_MODE=oauth``: workspaces install the app; tokens are stored."""
        return self.maestro_install_mode == "oauth"

    @property
    def sandbox_mode(self) -> bool:
        """True when no Slack credentials are given: Maestro talks to the local Slack sandbox."""
        return self.slack_bot_token is None and not self.oauth_mode

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
