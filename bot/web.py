"""``maestro web``: the Bolt app over HTTP (waitress, WSGI), or Socket Mode, plus ``GET /healthz``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from urllib.error import URLError

from redis import Redis
from redis.exceptions import RedisError
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.github_hook import handle_github_delivery
from jobs.queue_metrics import QueueCollector
from jobs.slack import DEFAULT_SLACK_TIMEOUT, SetupError
from maestro import metrics
from maestro.redis_conn import connect
from maestro.settings import ConfigError, Settings

logger = logging.getLogger("maestro.web")

SLACK_EVENTS_PATH = "/slack/events"
"""The one URL Slack sends commands, events and interactivity to."""

GITHUB_EVENTS_PATH = "/github/events"
"""The URL GitHub's webhook deliveries are POSTed to (see :mod:`bot.github_hook`)."""

HEALTHZ_PATH = "/healthz"
"""Answers 200 when Redis answers, 503 otherwise."""

METRICS_PATH = "/metrics"
"""Prometheus text of every process (see :mod:`maestro.metrics`)."""

DEFAULT_THREADS = 16
"""Request threads of the HTTP server (a listener holds one for its few milliseconds)."""

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def build_wsgi_app(app: App, redis: Redis, *, github_secret: str | None = None) -> WsgiApp:
    """Return the WSGI application: ``/slack/events`` (and OAuth's pages), ``/healthz``, ``/metrics``.

    ``POST /slack/events`` and, in OAuth mode, ``GET /slack/install`` and ``/slack/oauth_redirect``
    go to Bolt; ``POST /github/events`` takes GitHub's webhook deliveries, verified with
    ``github_secret`` (``MAESTRO_GITHUB_WEBHOOK_SECRET``; without it every delivery is refused);
    anything else is 404.
    """
    slack_handler = SlackRequestHandler(app, path=SLACK_EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == GITHUB_EVENTS_PATH:
            return handle_github_delivery(environ, start_response, redis, github_secret)
        if environ.get("PATH_INFO") == METRICS_PATH and environ.get("REQUEST_METHOD") == "GET":
            body, content_type = metrics.render(QueueCollector(redis))
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        if environ.get("PATH_INFO") == HEALTHZ_PATH:
            try:
                healthy = bool(redis.ping())
            except RedisError:
                healthy = False
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if healthy else b"redis does not answer\n"]
        return slack_handler(environ, start_response)

    return application


def verify_token(settings: Settings) -> None:
    """Call ``auth.test`` with the bot token in force, before Redis or the app start.

    Raises:
        ConfigError: Slack refused the token (the message names ``SLACK_BOT_TOKEN`` and the
            fix), or ``SLACK_API_URL`` does not answer.
    """
    quiet = logging.getLogger("maestro.web.verify_token")
    quiet.disabled = True  # slack_sdk would log the failure too; the ConfigError says it in one line
    client = WebClient(
        token=settings.bot_token, base_url=settings.api_url, timeout=DEFAULT_SLACK_TIMEOUT, logger=quiet
    )
    try:
        client.auth_test()
    except SlackApiError as error:
        setup = SetupError.from_api_error(error)
        if setup is not None:
            raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({setup.code}): {setup.fix}") from None
        code = error.response.get("error")
        raise ConfigError(f"SLACK_BOT_TOKEN could not be checked: auth.test answered {code}") from None
    except (URLError, OSError) as error:
        hint = " — start everything with `maestro up`" if settings.sandbox_mode else ""
        raise ConfigError(f"SLACK_API_URL {settings.api_url} does not answer ({error}){hint}") from None


def _create_verified_app(settings: Settings, redis: Redis) -> App:
    try:
        return create_app(settings, redis=redis, verify_token=True)
    except BoltError as error:  # Bolt's own auth.test, a moment after ours: the same refusal
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack: {error}") from None


def _secret(settings: Settings) -> str | None:
    secret = settings.maestro_github_webhook_secret
    return secret.get_secret_value() if secret else None


def serve(settings: Settings, *, host: str | None = None) -> None:
    """Serve until stopped: HTTP on ``PORT``, and Socket Mode too when ``SLACK_APP_TOKEN`` is set.

    In sandbox mode the server listens on 127.0.0.1 only.
    """
    import waitress

    verify_token(settings)  # a refused token stops the process before Redis starts
    redis = connect(settings)
    app = _create_verified_app(settings, redis)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack_app_token is not None
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).connect()
        logger.info("socket mode connected")
    host = host or ("127.0.0.1" if settings.sandbox_mode else "0.0.0.0")  # noqa: S104 - Slack must reach it
    logger.info("listening on http://%s:%s%s", host, settings.port, SLACK_EVENTS_PATH)
    waitress.serve(
        build_wsgi_app(app, redis, github_secret=_secret(settings)),
        host=host,
        port=settings.port,
        threads=DEFAULT_THREADS,
        _quiet=True,
    )
