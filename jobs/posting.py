"""Posting exactly once: a Redis claim per post, released if Slack refuses, confirmed with its ``ts``."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from jobs.runtime import Runtime
from maestro.errors import UserError
from maestro.store import TaskStore

CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
"""Web API errors that mean the bot can't post in the channel at all."""

NOT_IN_CHANNEL = (
    "I'm not in this channel yet, so I can't post here. Invite me with `/invite @maestro`, then try again."
)
"""What the requester is told when the bot can't post in the channel."""

NOT_IN_GROUP_DMS = (
    "I don't work in group DMs. Use me in a channel (public or private, after `/invite @maestro`) "
    "or in a direct message with me."
)
"""What the requester is told in a group DM: the app asks for no ``mpim:*`` scope (see manifest.yml)."""

DEFAULT_MEMBER_CACHE = 600
"""Seconds a confirmed channel membership is remembered."""


def ensure_member(runtime: Runtime, store: TaskStore, channel_id: str) -> None:
    """Check the bot can post in the channel before changing anything (``conversations.info``, cached).

    Raises:
        UserError: the bot isn't a member (the message says how to invite it), or it's a group DM.
        jobs.slack.SetupError: Slack says Maestro isn't set up right (a scope, the token).
    """
    key = f"maestro:{store.team_id}:member:{channel_id}"
    if runtime.redis.get(key):
        return
    try:
        channel = runtime.slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") == "missing_scope" and error.response.get("needed") == "mpim:read":
            raise UserError(NOT_IN_GROUP_DMS) from None
        if error.response.get("error") in CHANNEL_ERRORS:
            raise UserError(NOT_IN_CHANNEL) from None
        raise
    if not (channel.get("is_member") or channel.get("is_im")):
        raise UserError(NOT_IN_CHANNEL)
    runtime.redis.set(key, "1", ex=DEFAULT_MEMBER_CACHE)


def post_once(runtime: Runtime, store: TaskStore, claim: str, **message: Any) -> str | None:
    """Post ``message`` (``chat.postMessage`` arguments) unless post ``claim`` was made or is being made.

    Args:
        runtime: the job's runtime (Slack client, Redis).
        store: the team's store, which holds the claims.
        claim: a name for what the post announces, e.g. ``card:<task id>``, ``note:<event id>``.
        **message: ``channel``, ``text``, ``blocks``, ``thread_ts`` …

    Returns:
        The message's ``ts`` — new, or of the post an earlier run made — or None while another
        run is making it.

    Raises:
        UserError: the bot can't post in the channel (not a member, archived, not found); the
            message says to invite it.
        slack_sdk.errors.SlackApiError: Slack refused after its retries; the claim is released
            so RQ's retry of the job can post.
    """
    if not store.claim_post(claim):
        return store.posted_ts(claim)
    try:
        response = runtime.slack.chat_postMessage(**message)
    except SlackApiError as error:
        store.release_post(claim)
        if error.response.get("error") in CHANNEL_ERRORS:
            raise UserError(NOT_IN_CHANNEL) from None
        raise
    except BaseException:
        store.release_post(claim)
        raise
    store.confirm_post(claim, response["ts"])
    return response["ts"]
