"""Posting exactly once: a Redis claim per post, released if Slack refuses, confirmed with its ``ts``."""

from __future__ import annotations

from typing import Any

from jobs.runtime import Runtime
from maestro.store import TaskStore


def post_once(runtime: Runtime, store: TaskStore, claim: str, **message: Any) -> str | None:
    """Post ``message`` (``chat.postMessage`` arguments) unless post ``claim`` was made or is being made.

    Args:
        runtime: the job's runtime (Slack client, Redis).
        store: the team's store, which holds the claims.
        claim: a name for what the post announces, e.g. ``card:<task id>``, ``note:<event id>``.
        **message: ``channel``, ``text``, ``blocks``, ``thread_ts`` …

    Returns:
        The new message's ``ts``, or None when it was not posted because of the claim.

    Raises:
        slack_sdk.errors.SlackApiError: Slack refused after its retries; the claim is released
            so RQ's retry of the job can post.
    """
    if not store.claim_post(claim):
        return None
    try:
        response = runtime.slack.chat_postMessage(**message)
    except BaseException:
        store.release_post(claim)
        raise
    store.confirm_post(claim, response["ts"])
    return response["ts"]
