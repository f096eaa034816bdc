"""End to end: two ``maestro clock`` processes on one Redis enqueue each standup exactly once."""

from __future__ import annotations

import json

import pytest
from rq import Queue

from jobs.queues import DEFAULT, job_id_for
from jobs.standup_clock import MANUAL_WATERMARK_KEY, WATERMARK_KEY
from maestro.standup_store import StandupStore
from maestro.store import TaskStore

pytestmark = pytest.mark.e2e

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def test_two_clock_processes_enqueue_one_standup(processes, redis_url, redis):
    TaskStore(redis, TEAM).ensure_project(CHANNEL)
    StandupStore(redis, TEAM).update_schedule(
        CHANNEL, lambda s: s.model_copy(update={"timezone": "Europe/Berlin", "prompt_lead_minutes": 0})
    )
    group = processes(REDIS_URL=redis_url, MAESTRO_LOG_FORMAT="json")
    # Tuesday 24 Nov 2026, 09:30 in Berlin: both clocks tick at the standup's minute
    clocks = [group.start("clock", "--once", "--now", "2026-11-24T08:30:00Z") for _ in range(2)]
    assert [clock.wait(timeout=60) for clock in clocks] == [0, 0], group.logs()
    # a clock restarted within the grace finds it already enqueued
    assert group.start("clock", "--once", "--now", "2026-11-24T08:40:00Z").wait(timeout=60) == 0

    claim = f"standup:{TEAM}:{CHANNEL}:2026-11-24"
    standups = [i for i in Queue(DEFAULT, connection=redis).job_ids if i.startswith("standup")]
    assert standups == [job_id_for(claim)]
    lines = [json.loads(line) for line in group.logs().splitlines() if line.startswith("{")]
    enqueued = [line for line in lines if line["message"] == f"enqueued {claim}"]
    assert len(enqueued) == 1, group.logs()
    # ticks at a made-up time keep their own watermark: the real clocks' is untouched
    assert redis.get(WATERMARK_KEY) is None and redis.get(MANUAL_WATERMARK_KEY)
