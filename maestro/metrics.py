"""Prometheus metrics of every Maestro process, served by ``maestro web`` at ``GET /metrics``.

Web, workers (RQ forks a work horse per job) and the clock are separate processes: with
``PROMETHEUS_MULTIPROC_DIR`` set (prometheus_client's multiprocess mode; ``maestro up`` sets it
under ``MAESTRO_DATA_DIR``), each process writes its samples to files there and ``/metrics``
adds them up. Without it, ``/metrics`` shows the web process's own samples only.

Metric names, with their labels:

- ``maestro_requests_total{surface}`` — Slack requests a listener handled (``command``,
  ``action``, ``view``, ``event``, ``other``);
- ``maestro_acks_total{surface, outcome}`` and ``maestro_ack_seconds{surface}`` — how each
  listener ended (``ok`` / ``error``) and how long it took before Bolt's answer;
- ``maestro_jobs_total{queue, job, outcome}`` and ``maestro_job_seconds{queue, job}``;
- ``maestro_slack_api_calls_total{method}`` and ``maestro_slack_api_errors_total{method, error}``
  — Web API calls made by jobs (Slack's method name and ``error``);
- ``maestro_claude_calls_total{model, outcome}``, ``maestro_claude_tokens_total{model, kind}``
  (``input``, ``output``, ``cache_read``, ``cache_write``) and ``maestro_claude_seconds{model}``
  (model ``offline`` for the offline brain; outcome ``claude``, ``offline`` or ``fallback``);
- ``maestro_scheduled_fires_total{schedule, outcome}`` — what the clock found due: ``enqueued``,
  ``missed`` (too late, logged), ``taken`` (another clock had it), ``failed`` (retried later);
- ``maestro_queue_depth{queue}`` and ``maestro_queue_oldest_seconds{queue}`` — read from Redis at
  each scrape (:mod:`jobs.queue_metrics`).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.registry import Collector

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's own variable: the directory of the multiprocess mode's sample files."""

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0)
"""Seconds: our ack budget is 100 ms at p99; Slack gives up at 3 s."""

REQUESTS = Counter("maestro_requests", "Slack requests a listener handled", ["surface"])
ACKS = Counter("maestro_acks", "Slack requests acknowledged, by outcome", ["surface", "outcome"])
ACK_SECONDS = Histogram(
    "maestro_ack_seconds", "Seconds a listener took before Bolt's answer", ["surface"], buckets=ACK_BUCKETS
)
JOBS = Counter("maestro_jobs", "Jobs run, by queue, job and outcome", ["queue", "job", "outcome"])
JOB_SECONDS = Histogram("maestro_job_seconds", "Seconds a job ran", ["queue", "job"])
SLACK_CALLS = Counter("maestro_slack_api_calls", "Slack Web API calls made by jobs", ["method"])
SLACK_ERRORS = Counter("maestro_slack_api_errors", "Slack Web API calls refused", ["method", "error"])
CLAUDE_CALLS = Counter("maestro_claude_calls", "Agent calls, by model and outcome", ["model", "outcome"])
CLAUDE_TOKENS = Counter("maestro_claude_tokens", "Claude tokens, by model and kind", ["model", "kind"])
SCHEDULED = Counter(
    "maestro_scheduled_fires", "Scheduled work the clock found due, by what it did", ["schedule", "outcome"]
)
CLAUDE_SECONDS = Histogram("maestro_claude_seconds", "Seconds an agent call took (all its turns)", ["model"])


def render(*collectors: Collector) -> tuple[bytes, str]:
    """Return the Prometheus text exposition of every process (multiprocess mode) or this one.

    Args:
        collectors: more samples read at scrape time (queue depth, from Redis).

    Returns:
        ``(body, content type)``.
    """
    # prometheus_client reads PROMETHEUS_MULTIPROC_DIR itself, at import; we only follow its choice
    if os.environ.get(MULTIPROC_VARIABLE):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    if collectors:
        extra = CollectorRegistry()
        for collector in collectors:
            extra.register(collector)
        body += generate_latest(extra)
    return body, CONTENT_TYPE_LATEST
