"""Queue depth and age for ``/metrics``, read from Redis at each scrape (RQ keeps them there)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from redis import Redis
from rq import Queue
from rq.job import Job

from jobs.queues import QUEUE_NAMES


class QueueCollector:
    """Collects ``maestro_queue_depth{queue}`` and ``maestro_queue_oldest_seconds{queue}``.

    Depth is the jobs waiting in the queue; the oldest's age is seconds since the job at its head
    was enqueued (0 for an empty queue). One ``LLEN`` and one job read per queue per scrape.
    """

    def __init__(self, redis: Redis):
        self.redis = redis

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the two gauges, one sample per queue."""
        depth = GaugeMetricFamily("maestro_queue_depth", "Jobs waiting, by queue", labels=["queue"])
        oldest = GaugeMetricFamily(
            "maestro_queue_oldest_seconds", "Seconds the job at the queue's head has waited", labels=["queue"]
        )
        now = time.time()
        for name in QUEUE_NAMES:
            queue = Queue(name, connection=self.redis)
            depth.add_metric([name], queue.count)
            head = queue.get_job_ids(0, 1)
            job = Job.fetch(head[0], connection=self.redis) if head else None
            waited = now - job.enqueued_at.timestamp() if job is not None and job.enqueued_at else 0.0
            oldest.add_metric([name], max(waited, 0.0))
        yield depth
        yield oldest
