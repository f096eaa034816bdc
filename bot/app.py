"""The composition root: ``create_app`` builds the Bolt app and registers every listener."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from redis import Redis
from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot import actions, commands, events, oauth, views
from bot.deps import Deps
from bot.observe import count_slack_calls, measure_request
from jobs.slack import SetupError, log_setup_error, make_web_client
from maestro.settings import Settings

logger = logging.getLogger(__name__)

BOLT_OAUTH_VARIABLES = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
"""Variables whose presence makes Bolt turn its own OAuth on (``App.__init__``), whatever we pass."""

_environ_lock = threading.Lock()


@contextmanager
def _bolt_oauth_variables_hidden() -> Iterator[None]:
    """Hide :data:`BOLT_OAUTH_VARIABLES` from Bolt while it builds the app.

    Bolt reads ``os.environ`` itself: with both variables set and no ``oauth_settings`` it builds
    an OAuth flow (serving ``/slack/install``, a file store under ``$HOME``) and drops the bot
    token. It has no switch to stop that, so single mode hides them for the constructor only.
    """
    with _environ_lock:
        hidden = {name: os.environ.pop(name) for name in BOLT_OAUTH_VARIABLES if name in os.environ}
        try:
            yield
        finally:
            os.environ.update(hidden)


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
    if not settings.oauth_mode and (settings.slack_client_id or settings.slack_client_secret):
        logger.warning(
            "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are ignored with MAESTRO_INSTALL_MODE=single "
            "(set MAESTRO_INSTALL_MODE=oauth for installs through /slack/install)"
        )
    if settings.oauth_mode:  # each request's token comes from its team's installation
        app = App(
            signing_secret=settings.signing_secret,
            client=client or make_web_client(settings),  # no token: the API URL and retries
            oauth_settings=oauth.build_oauth_settings(settings, redis),
            user_facing_authorize_error_message=oauth.NOT_INSTALLED_TEXT,
            process_before_response=True,  # answer once the listener has recorded its job
        )
        oauth.register(app, oauth.installation_store(settings, redis))
    else:
        with _bolt_oauth_variables_hidden():
            app = App(
                signing_secret=settings.signing_secret,
                client=client or make_web_client(settings),  # carries the bot token and the API URL
                token_verification_enabled=verify_token,
                process_before_response=True,  # answer once the listener has recorded its job
            )
        oauth.register_single_workspace(app)
    deps = Deps(settings=settings, redis=redis)
    app.middleware(measure_request)
    app.middleware(count_slack_calls)

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
