"""/report: status, dependency map, timeline and risk reports."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Register the listeners of this surface."""
