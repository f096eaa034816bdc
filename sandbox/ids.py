"""Generators of Slack-style identifiers: message timestamps, trigger ids, event ids, view ids.

All generators are thread-safe and process-wide, so a ``ts`` made for an incoming event can
never collide with one the emulated Web API hands out.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time

_TS_LOCK = threading.Lock()
_last_ts_micros = 0
_serial = itertools.count(1)

TS_PATTERN = re.compile(r"^\d{1,12}\.\d{1,6}$")
"""What a well-formed Slack ``ts`` looks like (seconds, dot, up to six digits)."""


def next_ts() -> str:
    """Return a new message timestamp, unique and increasing within this process.

    Returns:
        str: A Slack ``ts`` such as ``"1763780000.000100"`` (epoch seconds, dot, six digits of
        microseconds). Each call returns a strictly larger value than the previous one.
    """
    global _last_ts_micros
    with _TS_LOCK:
        now = int(time.time() * 1_000_000)
        _last_ts_micros = max(_last_ts_micros + 1, now)
        value = _last_ts_micros
    return f"{value // 1_000_000}.{value % 1_000_000:06d}"


def observe_ts(ts: str) -> None:
    """Make later :func:`next_ts` values larger than ``ts``.

    Args:
        ts: A Slack timestamp produced elsewhere (for example by a test).
    """
    global _last_ts_micros
    if not TS_PATTERN.match(ts or ""):
        return
    seconds, _, frac = ts.partition(".")
    micros = int(seconds) * 1_000_000 + int(frac.ljust(6, "0"))
    with _TS_LOCK:
        _last_ts_micros = max(_last_ts_micros, micros)


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key of a Slack timestamp.

    Args:
        ts: A ``ts`` string such as ``"1763780000.000100"``.

    Returns:
        tuple[int, int]: (seconds, microseconds); ``(0, 0)`` for malformed values.
    """
    if not TS_PATTERN.match(ts or ""):
        return (0, 0)
    seconds, _, frac = ts.partition(".")
    return (int(seconds), int(frac.ljust(6, "0")))


def new_trigger_id() -> str:
    """Return a fresh trigger id in Slack's shape.

    Returns:
        str: For example ``"13345224609.738474920.8088930838d88f008e0"``.
    """
    return f"{next(_serial) + 13345224600}.{738474920}.{secrets.token_hex(10)[:19]}"


def new_event_id() -> str:
    """Return a fresh Events API event id.

    Returns:
        str: ``"Ev"`` followed by ten upper-case letters and digits, e.g. ``"Ev0SB1K3H7Q2"``.
    """
    return "Ev" + secrets.token_hex(5).upper()


def new_view_id() -> str:
    """Return a fresh view id.

    Returns:
        str: ``"V"`` followed by ten upper-case hex characters.
    """
    return "V" + secrets.token_hex(5).upper()


def new_file_id() -> str:
    """Return a fresh file id.

    Returns:
        str: ``"F"`` followed by ten upper-case hex characters.
    """
    return "F" + secrets.token_hex(5).upper()


def new_action_ts() -> str:
    """Return an ``action_ts`` for an interaction (same shape as a message ``ts``).

    Returns:
        str: A timestamp string like ``"1763780000.123456"``.
    """
    return next_ts()


def new_token(nbytes: int = 12) -> str:
    """Return a URL-safe random token (for response_url paths and hashes).

    Args:
        nbytes: Bytes of randomness.

    Returns:
        str: Hex string of ``2 * nbytes`` characters.
    """
    return secrets.token_hex(nbytes)
