"""Local emulator of Slack for running and testing Maestro with no network and no workspace.

Main pieces:

- :class:`~sandbox.workspace.Workspace` — in-memory state of the fake workspace.
- :class:`~sandbox.web_api.SandboxServer` — the emulated Web API on 127.0.0.1 (point
  ``SLACK_API_URL`` / ``WebClient(base_url=…)`` at ``server.api_url``).
- :class:`~sandbox.sender.SlackSender` — sends signed commands, button presses, events and
  modal submissions to the app, as Slack does.
- :mod:`~sandbox.payloads` — factories of Slack's wire formats.
- :func:`~sandbox.signing.sign_request` — v0 request signatures.
- :mod:`~sandbox.render` — messages as terminal text with numbered buttons.
- :func:`~sandbox.console.run_console` — an interactive line-based Slack stand-in.
"""

from .console import run_console
from .constants import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    SANDBOX_BOT_TOKEN,
    SANDBOX_SIGNING_SECRET,
    TEAM_DOMAIN,
    TEAM_ID,
)
from .render import render_blocks, render_message, render_view
from .sender import SentRequest, SlackSender
from .signing import sign_request, verify_request
from .web_api import SandboxServer
from .workspace import Workspace

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "SANDBOX_BOT_TOKEN",
    "SANDBOX_SIGNING_SECRET",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "SandboxServer",
    "SentRequest",
    "SlackSender",
    "Workspace",
    "render_blocks",
    "render_message",
    "render_view",
    "run_console",
    "sign_request",
    "verify_request",
]
