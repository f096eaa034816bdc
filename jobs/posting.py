"""Posting exactly once: a Redis claim per post, released if Slack refuses, confirmed with its ``ts``.

Every such message carries its claim in Slack's message metadata (``event_type``
:data:`POST_EVENT_TYPE`), so a post Slack made but whose confirmation never reached Redis (Redis
went away, the worker died in between) is found and adopted by the job's next attempt instead of
waiting out the claim's lease.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rq import get_current_job
from slack_sdk.errors import SlackApiError

from jobs.runtime import Runtime
from maestro.errors import UserError
from maestro.store import DEFAULT_POST_LEASE, TaskStore

logger = logging.getLogger(__name__)

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

POST_EVENT_TYPE = "maestro_post"
"""``metadata.event_type`` of the messages :func:`post_once` makes (``event_payload.claim``: the claim)."""

DEFAULT_ADOPT_LOOKBACK = DEFAULT_POST_LEASE + 60
"""Seconds of a channel's history searched for an unconfirmed post (its claim's lease, and some)."""

DEFAULT_ADOPT_LIMIT = 200
"""Messages read, at most, when searching for an unconfirmed post."""


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


def find_post(runtime: Runtime, claim: str, *, channel: str, thread_ts: str | None = None) -> str | None:
    """Return the ``ts`` of the message :func:`post_once` made for ``claim``, if Slack has it.

    Reads the thread (``conversations.replies``) or the channel's recent history
    (``conversations.history``, :data:`DEFAULT_ADOPT_LOOKBACK` seconds) with message metadata.
    A refusal (a missing ``*:history`` scope, say) is logged and taken as not found.
    """
    try:
        if thread_ts:
            response = runtime.slack.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=DEFAULT_ADOPT_LIMIT
            )
        else:
            response = runtime.slack.conversations_history(
                channel=channel,
                oldest=f"{time.time() - DEFAULT_ADOPT_LOOKBACK:.6f}",
                include_all_metadata=True,
                limit=DEFAULT_ADOPT_LIMIT,
            )
    except SlackApiError as error:
        logger.warning(
            "could not look for an unconfirmed post: %s",
            error.response.get("error"),
            extra={"channel": channel, "claim": claim},
        )
        return None
    for found in response.get("messages") or []:
        metadata = found.get("metadata") or {}
        if (
            metadata.get("event_type") == POST_EVENT_TYPE
            and (metadata.get("event_payload") or {}).get("claim") == claim
        ):
            return found.get("ts")
    return None


def post_once(runtime: Runtime, store: TaskStore, claim: str, **message: Any) -> str | None:
    """Post ``message`` (``chat.postMessage`` arguments) unless post ``claim`` was made or is being made.

    A claim left pending by a run that was cut off after Slack's answer is resolved by finding
    the post in Slack (:func:`find_post`) and confirming it; one that the same job left before
    posting (its earlier attempt) is taken back, and the post made.

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
    job = get_current_job()
    owner = job.id if job is not None else None
    if not store.claim_post(claim, owner=owner):
        ts, holder = store.post_claim(claim)
        if ts is not None:
            return ts
        ts = find_post(runtime, claim, channel=message["channel"], thread_ts=message.get("thread_ts"))
        if ts is not None:
            store.confirm_post(claim, ts)
            logger.warning("adopted a post whose confirmation was lost", extra={"claim": claim, "ts": ts})
            return ts
        if owner is None or holder != owner or not store.retake_post(claim, owner):
            return None  # another run is making it
    metadata = {"event_type": POST_EVENT_TYPE, "event_payload": {"claim": claim}}
    try:
        response = runtime.slack.chat_postMessage(metadata=metadata, **message)
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
