"""Fixed identifiers and secrets of the sandbox Slack workspace.

These values are fake and safe to commit: they only ever travel between the app and the
local emulator on 127.0.0.1.
"""

TEAM_ID = "T0SANDBOX"
"""Team (workspace) id of the sandbox workspace."""

TEAM_DOMAIN = "sandbox"
"""Team domain, as in ``sandbox.slack.com``."""

TEAM_NAME = "Sandbox"
"""Human-readable team name returned by ``auth.test``."""

BOT_USER_ID = "UMAESTRO"
"""User id of the Maestro bot user."""

BOT_ID = "BMAESTRO"
"""Bot id (``B…``) of the Maestro bot, as found in ``message.bot_id``."""

BOT_NAME = "maestro"
"""Handle of the bot user."""

API_APP_ID = "A0MAESTRO"
"""App id sent as ``api_app_id`` in every payload."""

# The bot token the sandbox Web API accepts and the secret it signs with: Maestro's settings use
# them when no Slack credentials are given, so they are defined once, there.
from maestro.settings import SANDBOX_BOT_TOKEN as SANDBOX_BOT_TOKEN  # noqa: E402
from maestro.settings import SANDBOX_SIGNING_SECRET as SANDBOX_SIGNING_SECRET  # noqa: E402

VERIFICATION_TOKEN = "sandbox-verification-token"
"""Deprecated verification token carried in the ``token`` field of payloads."""

RESPONSE_URL_MAX_USES = 5
"""How many times Slack lets an app post to one ``response_url``."""

RESPONSE_URL_TTL_SECONDS = 1800.0
"""Lifetime of a ``response_url`` in seconds (30 minutes)."""

TRIGGER_TTL_SECONDS = 3.0
"""Lifetime of a ``trigger_id`` in seconds."""
