"""OAuth mode: installs through Bolt's ``OAuthSettings``, stored in Redis; uninstalls and revocations.

``GET /slack/install`` starts Slack's OAuth v2 flow (a page with "Add to Slack", ``state`` kept in
Redis) and ``GET /slack/oauth_redirect`` finishes it (``oauth.v2.access``; the installation is
saved, encrypted). Bolt's authorization then takes each request's token from the store, and
refreshes a rotating token before it expires (Bolt's own ``TokenRotator``). ``app_uninstalled``
deletes the team's installations (and its data with ``MAESTRO_UNINSTALL_DATA=delete``);
``tokens_revoked`` deletes the revoked tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlparse

from redis import Redis
from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.deps import Deps
from maestro.installations import RedisInstallationStore, RedisOAuthStateStore
from maestro.settings import DEFAULT_SLACK_API_URL, Settings
from maestro.team_data import delete_team_data

logger = logging.getLogger(__name__)

BOT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
)
"""The bot scopes an install asks for: ``manifest.yml``'s ``oauth_config.scopes.bot`` (a test checks)."""

INSTALL_PATH = "/slack/install"
"""Where an admin starts an install (Bolt renders the "Add to Slack" page)."""

REDIRECT_PATH = "/slack/oauth_redirect"
"""Where Slack sends the admin back with the code (the app's Redirect URL ends with it)."""


NOT_INSTALLED_TEXT = (
    ":warning: Maestro isn't installed in this workspace (or was uninstalled), so that didn't go "
    "through. A workspace admin can install it from Maestro's install page (`/slack/install`)."
)
"""What a person is told (ephemerally) when their workspace has no installation."""


def authorization_url(settings: Settings) -> str:
    """Return Slack's authorize page for the API URL in force (``…/oauth/v2/authorize``).

    Slack's own for Slack's Web API; on the sandbox (``SLACK_API_URL`` elsewhere), the sandbox's.
    """
    parsed = urlparse(settings.api_url or DEFAULT_SLACK_API_URL)
    return f"{parsed.scheme}://{parsed.netloc}/oauth/v2/authorize"


def installation_store(settings: Settings, redis: Redis) -> RedisInstallationStore:
    """Return the installation store of an OAuth-mode process (the key is validated by settings)."""
    assert settings.maestro_encryption_key is not None
    return RedisInstallationStore(redis, settings.maestro_encryption_key.get_secret_value())


def build_oauth_settings(settings: Settings, redis: Redis) -> OAuthSettings:
    """Return Bolt's OAuth settings: our scopes, paths, Redis stores and token rotation."""
    assert settings.slack_client_id and settings.slack_client_secret
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(settings),
        installation_store=installation_store(settings, redis),
        installation_store_bot_only=True,
        state_store=RedisOAuthStateStore(redis),
    )


def register(app: App, store: RedisInstallationStore) -> None:
    """Register what OAuth mode adds: remembering each team's enterprise, uninstall and revocation."""
    revocations = TokenRevocationListeners(store)

    @app.middleware
    def remember_team(context: BoltContext, next: Callable[[], BoltResponse]) -> None:
        if context.team_id:  # jobs know only the team: note its org, for org-wide installs
            store.remember_team(context.team_id, context.enterprise_id, bool(context.is_enterprise_install))
        next()

    def handle_app_uninstalled(context: BoltContext) -> None:
        """Delete the team's installations; its data too with ``MAESTRO_UNINSTALL_DATA=delete``."""
        revocations.handle_app_uninstalled_events(context)
        deps: Deps = context["deps"]
        kept = deps.settings.maestro_uninstall_data == "keep"
        if not kept and context.team_id:
            delete_team_data(deps.redis, context.team_id)
        logger.info(
            "uninstalled", extra={"team": context.team_id, "outcome": "data kept" if kept else "data deleted"}
        )

    def handle_tokens_revoked(event: dict, context: BoltContext) -> None:
        """Delete the revoked tokens' installations."""
        revocations.handle_tokens_revoked_events(event, context)
        logger.info("tokens revoked", extra={"team": context.team_id})

    app.event("app_uninstalled")(handle_app_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)


def register_single_workspace(app: App) -> None:
    """Register the uninstall and revocation listeners of single mode: acked and logged with the fix.

    Slack retries an event that isn't answered 2xx, so the subscribed events get a listener here
    too; there is no installation to delete (the token is ``SLACK_BOT_TOKEN``).
    """

    def handle_uninstalled_single(event: dict, context: BoltContext) -> None:
        """Log that the workspace's token no longer works, with what to do."""
        logger.error(
            "Slack says %s: SLACK_BOT_TOKEN no longer works; reinstall the app and set the new token",
            event.get("type"),
            extra={"team": context.team_id},
        )

    app.event("app_uninstalled")(handle_uninstalled_single)
    app.event("tokens_revoked")(handle_uninstalled_single)
