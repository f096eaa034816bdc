"""Telling the person who asked: ephemeral replies through ``response_url`` or ``chat.postEphemeral``."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from jobs.runtime import Runtime
from jobs.slack import SetupError, log_setup_error, make_response_client

logger = logging.getLogger(__name__)


def tell_requester(
    runtime: Runtime,
    *,
    text: str,
    channel_id: str,
    user_id: str,
    response_url: str | None = None,
    blocks: list[dict] | None = None,
    thread_ts: str | None = None,
) -> None:
    """Show ``text`` (mrkdwn, already escaped) to one person only.

    Uses the request's ``response_url`` when there is one (works in DMs and channels the bot
    isn't in), else ``chat.postEphemeral`` (in the thread ``thread_ts`` when given). Failures are
    logged, not raised: a reply that can't be shown must not fail the job that already did its work.
    """
    try:
        if response_url:
            response = make_response_client(response_url).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            if response.status_code == 200:
                return
            logger.warning("response_url answered %s", response.status_code, extra={"channel": channel_id})
        runtime.slack.chat_postEphemeral(
            channel=channel_id, user=user_id, text=text, blocks=blocks, thread_ts=thread_ts
        )
    except SetupError as error:  # Slack refuses everything of this kind: logged once, with the fix
        log_setup_error(error, runtime.redis)
    except (SlackApiError, OSError):
        logger.warning(
            "could not tell the requester", exc_info=True, extra={"channel": channel_id, "user": user_id}
        )
