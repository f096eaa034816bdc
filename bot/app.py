"""The composition root: ``create_app`` builds the Bolt app and registers every listener."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from redis import Redis
from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot import actions, commands, events, views
from bot.deps import Deps
from jobs.slack import SetupError, log_setup_error, make_web_client
from maestro.settings import Settings

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, redis: Redis, client: WebClient | None = None, verify_token: bool = False
) -> App:
    """Build the Bolt app: request verification, logging, the listeners and the error handler.

    Args:
        settings: the process settings (signing secret, bot token and API URL in force).
        redis: the connection listeners dedupe and enqueue on.
        client: the Web API client listeners use (``views.open``, ``respond``); built from
            settings when omitted.
        verify_token: call ``auth.test`` now (the web process does, so a bad token stops it at
            start and no request waits on it); otherwise Bolt calls it on the first request.

    Returns:
        A Bolt ``App``; serve it with :func:`bot.web.build_wsgi_app` or Socket Mode.

    Raises:
        slack_sdk.errors.SlackApiError: with ``verify_token``, Slack refused the token.
        urllib.error.URLError: with ``verify_token``, the Web API did not answer.
    """
    app = App(
        signing_secret=settings.signing_secret,
        client=client or make_web_client(settings),  # carries the bot token and the API URL
        token_verification_enabled=verify_token,
        process_before_response=False,
    )
    deps = Deps(settings=settings, redis=redis)

    @app.middleware
    def provide_deps(context: BoltContext, next: Callable[[], BoltResponse]) -> None:
        context["deps"] = deps
        next()

    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)

    @app.error
    def handle_errors(error: Exception, body: dict, respond: Callable | None = None) -> None:
        setup = SetupError.from_api_error(error)
        if setup is not None:  # Maestro isn't set up right: logged once with the fix, told in one line
            log_setup_error(setup, redis)
            _apologise(respond, body, setup.told())
            return
        ref = uuid.uuid4().hex[:8]
        logger.exception("listener failed", exc_info=error, extra={"ref": ref})
        _apologise(respond, body, f":warning: Sorry, something went wrong on our side. Reference: `{ref}`.")

    return app


def _apologise(respond: Callable | None, body: dict, text: str) -> None:
    """Tell the person through the request's response_url, when it has one (best effort)."""
    if respond is not None and body.get("response_url"):
        try:
            respond(text=text)
        except Exception:  # noqa: BLE001 - the apology is best effort; the failure is logged already
            logger.warning("could not apologise")
