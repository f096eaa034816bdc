"""Slack request signing (v0): what Slack adds to every request it sends to an app.

Signature = ``"v0=" + hex(HMAC-SHA256(signing_secret, "v0:" + timestamp + ":" + raw_body))``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
"""Header carrying the request time in epoch seconds."""

SIGNATURE_HEADER = "X-Slack-Signature"
"""Header carrying ``v0=<hex digest>``."""


def compute_signature(signing_secret: str, body: bytes, timestamp: int | str) -> str:
    """Compute Slack's v0 signature of a raw body.

    Args:
        signing_secret: The app's signing secret.
        body: The raw request body bytes, exactly as sent.
        timestamp: Epoch seconds put in ``X-Slack-Request-Timestamp``.

    Returns:
        str: ``"v0="`` followed by 64 hex characters.
    """
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def sign_request(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Return the two headers that sign a request to the app.

    Args:
        signing_secret: The app's signing secret.
        body: The raw request body bytes.
        timestamp: Epoch seconds to sign with; now if None (pass an old value to test the
            app's 5-minute replay window).

    Returns:
        dict[str, str]: ``{"X-Slack-Request-Timestamp": "<seconds>", "X-Slack-Signature":
        "v0=<hex>"}``.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: compute_signature(signing_secret, body, ts),
    }


def verify_request(
    signing_secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float | None = None,
    tolerance: int = 300,
) -> bool:
    """Check a request's signature the way a Slack app must (for stand-in apps in tests).

    Args:
        signing_secret: The app's signing secret.
        body: Raw request body bytes.
        headers: Request headers (looked up case-insensitively).
        now: Current epoch seconds; ``time.time()`` if None.
        tolerance: Largest accepted ``|now - timestamp|`` in seconds.

    Returns:
        bool: True when the timestamp is fresh and the signature matches (constant-time).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(compute_signature(signing_secret, body, timestamp), signature)
