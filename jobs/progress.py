"""A status line in a thread while an agent works: posted once, updated in place, removed at the end.

"Backend is reading T-2's work…" tells the people in the thread that something is happening
during a loop of several model turns. It is one message (``chat.postMessage``, then
``chat.update``), deleted (``chat.delete``) when the agent's answer is posted.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from jobs.posting import post_once
from jobs.runtime import Runtime
from maestro.store import TaskStore
from maestro.text import escape

logger = logging.getLogger(__name__)

READING: dict[str, str] = {
    "read_request": "reading the request",
    "read_task": "reading the task",
    "read_dependency_work": "reading what the tasks before it delivered",
    "read_thread": "reading this thread",
    "search_board": "looking at the board",
    "read_sprint": "looking at the sprint",
    "read_risks": "looking at the risks",
    "read_escalations": "looking at open escalations",
}
"""What each read tool looks like to a person watching the thread."""


def describe_read(agent_name: str, tool: str, args: dict[str, Any]) -> str:
    """Return the status line for a read tool, e.g. ``Backend is reading T-2's work…`` (mrkdwn)."""
    keys = [str(k) for k in args.get("keys") or []] or ([str(args["key"])] if args.get("key") else [])
    if tool == "read_dependency_work" and keys:
        doing = f"reading {', '.join(keys[:3])}'s work"
    elif tool == "read_task" and keys:
        doing = f"reading {keys[0]}"
    else:
        doing = READING.get(tool, "thinking")
    return f":hourglass_flowing_sand: _{escape(agent_name)} is {escape(doing)}…_"


class StatusLine:
    """One status message in a thread, for one agent loop (claimed by ``claim``: posted once).

    Failures to show progress are logged and never fail the job: the work matters, not its status.
    """

    def __init__(
        self, runtime: Runtime, tasks: TaskStore, channel_id: str, thread_ts: str | None, claim: str
    ):
        self.runtime = runtime
        self.tasks = tasks
        self.channel_id = channel_id
        self.thread_ts = thread_ts
        self.claim = f"status:{claim}"
        self.ts: str | None = tasks.posted_ts(self.claim)

    def show(self, text: str) -> None:
        """Post the line, or update it in place."""
        if not self.thread_ts:
            return
        try:
            if self.ts is None:
                self.ts = post_once(
                    self.runtime,
                    self.tasks,
                    self.claim,
                    channel=self.channel_id,
                    thread_ts=self.thread_ts,
                    text=text,
                )
            else:
                self.runtime.slack.chat_update(channel=self.channel_id, ts=self.ts, text=text)
        except (SlackApiError, OSError) as error:
            logger.info("status line not shown: %s", error)

    def clear(self) -> None:
        """Remove the line (the agent's answer is in the thread now)."""
        ts = self.ts or self.tasks.posted_ts(self.claim)
        if not ts:
            return
        try:
            self.runtime.slack.chat_delete(channel=self.channel_id, ts=ts)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                logger.info("status line not removed: %s", error)
        except OSError as error:
            logger.info("status line not removed: %s", error)
        self.ts = None
