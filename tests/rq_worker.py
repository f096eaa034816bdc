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


def drain(run_jobs, redis, rounds: int = 40, *, strict: bool = False) -> None:
    """Run jobs until no job is queued or deferred (jobs enqueue jobs); ``strict``: none may fail.

    Raises:
        AssertionError: jobs kept coming after ``rounds`` runs, or one failed with ``strict``.
    """
    from rq import Queue
    from rq.registry import DeferredJobRegistry

    from jobs.queues import QUEUE_NAMES

    for _ in range(rounds):
        failed = run_jobs()
        assert not (strict and failed), f"{failed} jobs failed"
        waiting = sum(
            Queue(n, connection=redis).count + DeferredJobRegistry(n, connection=redis).count
            for n in QUEUE_NAMES
        )
        if waiting == 0:
            return
    raise AssertionError("jobs kept coming")
