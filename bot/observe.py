"""One log line per Slack request: team, channel, command or action, task key, job id, duration."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("maestro.web")


def logged(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Bolt listener so it logs one line when it returns.

    The listener must take ``context``; it may add fields to ``context["log"]`` (``command``,
    ``action``, ``task_key``, ``job_id``, ``outcome``). Bolt injects arguments by name, so the
    wrapper keeps the listener's signature.
    """

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        context = kwargs["context"]
        context["log"] = {}
        started = time.perf_counter()
        try:
            return listener(**kwargs)
        finally:
            logger.info(
                "request",
                extra={
                    "team": context.team_id,
                    "channel": context.channel_id,
                    "user": context.user_id,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    **context["log"],
                },
            )

    return wrapper
