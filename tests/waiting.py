"""Waiting for work Bolt does after its ack (an event's listener runs on Bolt's thread pool)."""

from __future__ import annotations

import time
from collections.abc import Callable


def settled(check: Callable[[], object], timeout: float = 10.0) -> bool:
    """Wait until ``check()`` is true, at most ``timeout`` seconds; return ``check()``'s answer.

    A synchronisation, not a timing: the answer is ``check()``'s, whatever time it took.
    """
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(check())
