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
from jobs.slack import make_web_client
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
        # Answer Slack only once the listener has returned: what the web acknowledges is already
        # recorded with its job (jobs.queues.enqueue_once), buttons and events included (Bolt
        # would otherwise answer at ack(), or before an event listener even runs).
        process_before_response=True,
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
        ref = uuid.uuid4().hex[:8]
        logger.exception("listener failed", exc_info=error, extra={"ref": ref})
        if respond is not None and body.get("response_url"):
            try:
                respond(text=f":warning: Sorry, something went wrong on our side. Reference: `{ref}`.")
            except Exception:  # noqa: BLE001 - the apology is best effort; the failure is logged above
                logger.warning("could not apologise", extra={"ref": ref})

    return app
