"""Slack Web API clients for jobs, with slack_sdk's retry handlers.

Rate-limited calls (HTTP 429) are retried after ``Retry-After`` by
``RateLimitErrorRetryHandler``; dropped connections and 5xx by slack_sdk's handlers. What still
fails raises, and RQ's ``Retry`` on the job takes over.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from maestro.settings import Settings

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


def make_web_client(settings: Settings) -> WebClient:
    """Return a Web API client for the bot token and API URL in force (Slack's, or the sandbox's)."""
    return WebClient(
        token=settings.bot_token,
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
    except (SlackApiError, OSError):  # refused, or Slack unreachable (URLError, timeout): not known to be
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
