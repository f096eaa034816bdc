"""The App Home tab: the board of the person who opens it."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Register the listeners of this surface."""
