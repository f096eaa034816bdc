"""Events API listeners: mentions, replies in threads Maestro owns, and direct messages.

Mentions are handled in ``app_mention`` only (a mention also arrives as a ``message`` event under
another event_id); replies in our threads and DMs come as ``message`` events. Every answer is
keyed by ``event_id``, so Slack's retries (``X-Slack-Retry-Num``) never get a second one; bots,
Maestro included, are never answered. Slack retries an event that isn't answered 2xx in 3 s, so
every subscribed event gets a listener.
"""

from __future__ import annotations

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.observe import logged
from bot.sprint_commands import collect_retro_reply
from bot.standup_commands import collect_prompt_reply
from jobs.queues import DEFAULT, enqueue_once, job_id_for, model_job_timeout
from jobs.threads import answer_in_thread
from maestro.team_store import TeamStore


def register(app: App) -> None:
    """Register the event listeners."""
    app.event("app_mention")(logged(handle_app_mention))
    app.event("message")(logged(handle_message))


def _from_a_bot(event: dict) -> bool:
    """True for bots (Maestro included) and for edits, joins and other non-messages."""
    return bool(event.get("bot_id")) or event.get("subtype") not in (None, "thread_broadcast")


def _enqueue_answer(context: BoltContext, body: dict, event: dict, thread_ts: str) -> None:
    deps: Deps = context["deps"]
    event_id = body.get("event_id", "")
    if not event_id:
        context["log"]["outcome"] = "duplicate"
        return
    done = enqueue_once(
        deps.store(context.team_id),
        "event",
        event_id,
        answer_in_thread,
        context.team_id,
        event["channel"],
        event.get("user", ""),
        thread_ts,
        event.get("text", "")[:4000],
        event_id,
        event.get("ts", ""),
        grace=deps.settings.maestro_inbox_grace,
        queue=DEFAULT,
        timeout=model_job_timeout(deps.settings),
        job_id=job_id_for("answer", context.team_id, event_id),
        meta={"team_id": context.team_id, "channel_id": event["channel"], "user_id": event.get("user", "")},
    )
    if done.job is None:
        context["log"]["outcome"] = "duplicate"
        return
    context["log"]["job_id"] = done.job.id
    if done.outcome == "revived":
        context["log"]["outcome"] = "revived"


def handle_app_mention(body: dict, event: dict, context: BoltContext) -> None:
    """Answer a mention in its thread (a new thread under it when it isn't in one)."""
    context["log"].update(event="app_mention")
    if _from_a_bot(event):
        return
    _enqueue_answer(context, body, event, event.get("thread_ts") or event["ts"])


def handle_message(body: dict, event: dict, context: BoltContext) -> None:
    """Answer a direct message, or a reply in a thread Maestro owns (a task's or a plan's)."""
    context["log"].update(event="message")
    if _from_a_bot(event) or not event.get("user"):
        return
    thread_ts = event.get("thread_ts")
    if event.get("channel_type") == "im":  # Slack sends no app_mention in DMs
        if collect_prompt_reply(context, body, event):
            return  # a reply to a standup prompt: saved as that day's note
        _enqueue_answer(context, body, event, thread_ts or event["ts"])
        return
    if context.bot_user_id and f"<@{context.bot_user_id}>" in event.get("text", ""):
        return  # a mention: app_mention answers it
    if collect_retro_reply(context, body, event):
        return  # a reply in a sprint's retro thread: kept as an answer, not answered
    deps: Deps = context["deps"]
    if thread_ts and TeamStore(deps.redis, context.team_id).thread_owner(event["channel"], thread_ts):
        _enqueue_answer(context, body, event, thread_ts)
