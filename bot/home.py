"""The App Home tab: the board of the person who opens it, published by a job."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.deps import Deps
from bot.observe import logged
from jobs.home import home_opened, request_home
from maestro.home_cards import ACTION_HOME_REFRESH


def register(app: App) -> None:
    """Register the Home tab's listeners."""
    app.event("app_home_opened")(logged(handle_app_home_opened))
    app.action(ACTION_HOME_REFRESH)(logged(handle_home_refresh_button))


def handle_app_home_opened(event: dict, context: BoltContext) -> None:
    """Publish the opener's board when they open the Home tab (the Messages tab is ignored)."""
    context["log"].update(event="app_home_opened")
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    deps: Deps = context["deps"]
    home_opened(deps.redis, context.team_id, event["user"])


def handle_home_refresh_button(ack: Ack, body: dict, context: BoltContext) -> None:
    """Publish the presser's board again."""
    ack()
    context["log"].update(action=ACTION_HOME_REFRESH)
    deps: Deps = context["deps"]
    request_home(deps.redis, context.team_id, body["user"]["id"])
