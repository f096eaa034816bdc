"""Jobs that answer mentions of the bot."""

from __future__ import annotations

from jobs.observe import job_log
from jobs.posting import post_once
from jobs.runtime import get_runtime
from maestro.store import TaskStore

MENTION_HELP = (
    "Hi! I run this channel's board. Try `/task new Write the login API --agent backend`, "
    "`/task list`, or `/maestro help` for everything I can do."
)
"""What a mention is answered with."""


def reply_to_mention(team_id: str, channel_id: str, user_id: str, thread_ts: str, event_id: str) -> None:
    """Answer a mention in its thread, once per ``event_id``."""
    runtime = get_runtime()
    with job_log("reply_to_mention", team=team_id, channel=channel_id, event="app_mention"):
        store = TaskStore(runtime.redis, team_id)
        post_once(
            runtime, store, f"mention:{event_id}", channel=channel_id, thread_ts=thread_ts, text=MENTION_HELP
        )
