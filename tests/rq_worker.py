"""The RQ worker tests run jobs with, in the test's own process."""

from __future__ import annotations

from rq import SimpleWorker


class InProcessWorker(SimpleWorker):
    """A ``SimpleWorker`` without RQ's command channel (pub/sub), for burst runs in tests.

    With redis-py 8.2 the channel's thread can hold a burst worker's exit for 60 s; tests send
    no worker commands, so they don't need it.
    """

    def subscribe(self) -> None:
        """Listen for no commands."""
