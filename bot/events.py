"""Events API listeners.

Slack retries an event that isn't answered 2xx in 3 seconds, so every subscribed event gets a
listener (Bolt answers 404 to unhandled ones). Mentions get a pointer to the commands until the
agents answer in threads; they are deduplicated by ``event_id`` and never answered for a bot.
"""

from __future__ import annotations

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.observe import logged
from jobs.mentions import reply_to_mention
from jobs.queues import DEFAULT, enqueue, job_id_for


def register(app: App) -> None:
    """Register the event listeners."""
    app.event("app_mention")(logged(handle_app_mention))
    app.event("message")(logged(handle_message))
    app.event("app_home_opened")(logged(handle_app_home_opened))


def handle_app_mention(body: dict, event: dict, context: BoltContext) -> None:
    """Answer a mention once (in its thread) with how to use Maestro."""
    deps: Deps = context["deps"]
    if event.get("bot_id") or event.get("subtype") == "bot_message":
        return
    event_id = body.get("event_id", "")
    context["log"].update(event="app_mention")
    if not event_id or not deps.store(context.team_id).first_seen("event", event_id):
        context["log"]["outcome"] = "duplicate"
        return
    job = enqueue(
        deps.redis,
        reply_to_mention,
        context.team_id,
        event["channel"],
        event.get("user", ""),
        event.get("thread_ts") or event["ts"],
        event_id,
        queue=DEFAULT,
        job_id=job_id_for("mention", context.team_id, event_id),
        meta={"team_id": context.team_id, "channel_id": event["channel"], "user_id": event.get("user", "")},
    )
    context["log"]["job_id"] = job.id


def handle_message(context: BoltContext) -> None:
    """Acknowledge channel and DM messages (threads are routed to agents in a later release)."""
    context["log"].update(event="message")


def handle_app_home_opened(context: BoltContext) -> None:
    """Acknowledge the Home tab being opened (the board view comes with the TPM)."""
    context["log"].update(event="app_home_opened")
