"""Slack's OAuth v2 install flow, as the sandbox emulates it for one app and several workspaces.

- ``GET /oauth/v2/authorize?client_id=…&scope=…&state=…[&redirect_uri=…][&team=T…]`` — Slack's
  authorize page, with the admin's "Allow" already clicked: a ``302`` to the redirect URL with
  ``code`` and ``state``. ``team`` picks the workspace (Slack's own parameter; the sandbox's first
  workspace when absent). An unknown ``client_id`` or a ``redirect_uri`` that isn't the app's
  answers ``400`` (Slack shows an error page and redirects nowhere).
- ``POST /api/oauth.v2.access`` — exchanges a code (once, within 10 minutes; with the same
  ``redirect_uri`` when the authorize step had one) or, with ``grant_type=refresh_token``, a
  refresh token, for a bot token. The client authenticates with HTTP Basic or ``client_id`` /
  ``client_secret`` fields. Errors are Slack's: ``invalid_client_id``, ``bad_client_secret``,
  ``invalid_code``, ``bad_redirect_uri``, ``invalid_grant_type``, ``invalid_refresh_token``.

Slack's reference: ``https://docs.slack.dev/reference/methods/oauth.v2.access`` and
``https://docs.slack.dev/authentication/installing-with-oauth``; token rotation:
``https://docs.slack.dev/authentication/using-token-rotation``.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .constants import API_APP_ID
from .methods import error
from .workspace import Workspace

CODE_TTL_SECONDS = 600.0
"""Slack's codes expire after 10 minutes."""

ROTATING_TOKEN_TTL_SECONDS = 43_200
"""Seconds a rotating token lives (Slack's ``expires_in``: 12 hours)."""

from maestro.settings import SANDBOX_CLIENT_ID as SANDBOX_CLIENT_ID  # noqa: E402
from maestro.settings import SANDBOX_CLIENT_SECRET as SANDBOX_CLIENT_SECRET  # noqa: E402


@dataclass
class OAuthApp:
    """The app as Slack knows it for installs, and the tokens it was given, per workspace.

    Attributes:
        client_id: The app's client id.
        client_secret: Its secret.
        redirect_url: The app's configured Redirect URL (``…/slack/oauth_redirect``); None: the
            authorize step must carry ``redirect_uri``.
        token_rotation: Give rotating tokens (``xoxe.xoxb-…`` with a refresh token, 12 h).
    """

    client_id: str = SANDBOX_CLIENT_ID
    client_secret: str = SANDBOX_CLIENT_SECRET
    redirect_url: str | None = None
    token_rotation: bool = False
    _codes: dict[str, dict] = field(default_factory=dict)
    _refresh: dict[str, Workspace] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def authorize(self, query: dict[str, str], workspaces: dict[str, Workspace]) -> tuple[int, str]:
        """Serve the authorize page: ``(302, location)`` on "Allow", ``(400, reason)`` otherwise."""
        if query.get("client_id") != self.client_id:
            return 400, "invalid_client_id"
        redirect = query.get("redirect_uri") or self.redirect_url
        if redirect is None or (self.redirect_url and redirect != self.redirect_url):
            return 400, "bad_redirect_uri"
        team = query.get("team") or next(iter(workspaces))
        if team not in workspaces:
            return 400, "team_not_found"
        code = secrets.token_hex(12)
        with self._lock:
            self._codes[code] = {
                "team": team,
                "scope": query.get("scope", ""),
                "redirect_uri": query.get("redirect_uri"),
                "expires": time.time() + CODE_TTL_SECONDS,
            }
        sep = "&" if "?" in redirect else "?"
        return 302, f"{redirect}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"

    def _client_ok(self, args: dict, authorization: str) -> dict | None:
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except ValueError:
                return error("invalid_client_id")
        if client_id != self.client_id:
            return error("invalid_client_id")
        if secret != self.client_secret:
            return error("bad_client_secret")
        return None

    def access(
        self, args: dict, authorization: str, workspaces: dict[str, Workspace]
    ) -> tuple[dict, Workspace | None]:
        """Serve ``oauth.v2.access``; return the body and the workspace given a token (or None)."""
        refused = self._client_ok(args, authorization)
        if refused is not None:
            return refused, None
        grant = args.get("grant_type", "authorization_code")
        with self._lock:
            if grant == "refresh_token":
                ws = self._refresh.get(args.get("refresh_token", ""))
                if ws is None:
                    return error("invalid_refresh_token"), None
                scope = ",".join(ws.grant.scopes)
            elif grant == "authorization_code":
                entry = self._codes.pop(args.get("code", ""), None)
                if entry is None or entry["expires"] < time.time():
                    return error("invalid_code"), None
                if entry["redirect_uri"] and args.get("redirect_uri") != entry["redirect_uri"]:
                    return error("bad_redirect_uri"), None
                ws, scope = workspaces[entry["team"]], entry["scope"]
            else:
                return error("invalid_grant_type"), None
            body = self._token_body(ws, scope)
            if grant == "refresh_token":
                body["refresh_token"] = args["refresh_token"]  # Slack keeps the refresh token
            elif "refresh_token" in body:
                self._refresh[body["refresh_token"]] = ws
        return body, ws

    def _token_body(self, ws: Workspace, scope: str) -> dict:
        prefix = "xoxe.xoxb-1-" if self.token_rotation else "xoxb-"
        body = {
            "ok": True,
            "access_token": f"{prefix}{ws.team_id}-{secrets.token_hex(12)}",
            "token_type": "bot",
            "scope": scope,
            "bot_user_id": ws.bot_user_id,
            "app_id": API_APP_ID,
            "team": {"name": ws.team_name, "id": ws.team_id},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0ALICE"},
        }
        if self.token_rotation:
            body["refresh_token"] = f"xoxe-1-{secrets.token_hex(16)}"
            body["expires_in"] = ROTATING_TOKEN_TTL_SECONDS
        return body
