"""One log line per Slack request: team, channel, command or action, task key, job id, duration."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from jobs.slack import MaestroWebClient
from maestro import metrics

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


SURFACES = {"block_actions": "action", "view_submission": "view", "event_callback": "event"}
"""A payload's ``type`` → the surface counted in :mod:`maestro.metrics` (slash commands have none)."""


def surface_of(body: dict) -> str:
    """Return a request's surface: ``command``, ``action``, ``view``, ``event`` or ``other``."""
    if "command" in body:
        return "command"
    return SURFACES.get(str(body.get("type")), "other")


def measure_request(body: dict, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's argument name
    """Bolt middleware: count the request and time its ack (``maestro_requests``, ``maestro_ack_seconds``).

    With ``process_before_response=False`` Bolt's ``next()`` returns once the listener has acked
    (the rest of the listener runs after), so the time measured is the ack's.
    """
    surface = surface_of(body)
    metrics.REQUESTS.labels(surface).inc()
    started = time.perf_counter()
    outcome = "error"
    try:
        response = next()
        outcome = "ok" if response is None or response.status < 400 else "error"
        return response
    finally:
        metrics.ACK_SECONDS.labels(surface).observe(time.perf_counter() - started)
        metrics.ACKS.labels(surface, outcome).inc()


def count_slack_calls(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
    """Bolt middleware: listeners' Web API client counts its calls by method too (``maestro_slack_api_*``).

    Bolt builds a plain ``WebClient`` per request (with the request's token); this swaps in a
    :class:`~jobs.slack.MaestroWebClient` with the same token, URL, timeout and retry handlers.
    """
    client = context.client
    if client is not None and not isinstance(client, MaestroWebClient):
        context["client"] = MaestroWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            headers=client.headers,
            team_id=context.team_id,
            retry_handlers=client.retry_handlers,
        )
    return next()
