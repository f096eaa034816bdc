"""``POST /github/events``: GitHub's webhook deliveries, verified, deduplicated, acked and enqueued.

GitHub signs the raw body with the hook's secret (``X-Hub-Signature-256: sha256=<hex HMAC>``,
docs.github.com "Validating webhook deliveries"); a bad or missing signature is 401 and nothing
is enqueued. ``X-GitHub-Delivery`` (a uuid, the same on a redelivery) is claimed with SET NX, so
a replayed delivery changes nothing. The work happens in :func:`jobs.github.handle_delivery`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from githubkit.webhooks import verify
from redis import Redis
from redis.exceptions import RedisError

from jobs.github import handle_delivery
from jobs.queues import DEFAULT, enqueue, job_id_for
from maestro.github_store import first_delivery, forget_delivery

logger = logging.getLogger("maestro.github")

MAX_BODY = 25 * 1024 * 1024
"""GitHub caps a delivery's payload at 25 MB."""

HANDLED_EVENTS = frozenset({"pull_request", "pull_request_review", "issues", "ping"})
"""Events enqueued; others are acked and dropped."""


def _answer(start_response: Callable, status: str, message: str) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [message.encode() + b"\n"]


def handle_github_delivery(
    environ: dict, start_response: Callable, redis: Redis, secret: str | None
) -> Iterable[bytes]:
    """Answer one delivery: 401 unverified, 200 duplicate or ignored, 202 enqueued, 503 Redis down."""
    if environ.get("REQUEST_METHOD") != "POST":
        return _answer(start_response, "405 Method Not Allowed", "POST only")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > MAX_BODY:
        return _answer(start_response, "400 Bad Request", "a delivery has a JSON body")
    body = environ["wsgi.input"].read(length)
    signature = environ.get("HTTP_X_HUB_SIGNATURE_256", "")
    if not secret or not signature or not verify(secret, body, signature):
        logger.warning("github delivery refused: %s", "no secret set" if not secret else "bad signature")
        return _answer(start_response, "401 Unauthorized", "signature does not match")
    event = environ.get("HTTP_X_GITHUB_EVENT", "")
    delivery = environ.get("HTTP_X_GITHUB_DELIVERY", "")
    if not delivery or not event:
        return _answer(start_response, "400 Bad Request", "X-GitHub-Event and X-GitHub-Delivery are required")
    try:
        payload = json.loads(body)
    except ValueError:
        return _answer(start_response, "400 Bad Request", "the body is not JSON")
    if event not in HANDLED_EVENTS or not isinstance(payload, dict):
        return _answer(start_response, "200 OK", "ignored")
    try:
        if not first_delivery(redis, delivery):
            logger.info("github delivery %s already handled", delivery)
            return _answer(start_response, "200 OK", "duplicate")
        try:
            enqueue(
                redis,
                handle_delivery,
                event,
                delivery,
                payload,
                queue=DEFAULT,
                job_id=job_id_for("github", delivery),
            )
        except Exception:
            forget_delivery(redis, delivery)
            raise
    except RedisError:
        logger.exception("github delivery %s not enqueued", delivery)
        return _answer(start_response, "503 Service Unavailable", "try again")
    logger.info("github delivery %s (%s) enqueued", delivery, event)
    return _answer(start_response, "202 Accepted", "queued")
