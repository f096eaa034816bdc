"""GET /metrics: Prometheus counters move with requests, acks, jobs and Slack calls; workers' too."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest
from prometheus_client import REGISTRY
from slack_sdk.errors import SlackApiError

from maestro import metrics


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(web_url: str) -> str:
    with urllib.request.urlopen(f"{web_url}/metrics", timeout=5) as response:  # noqa: S310 - loopback
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()


def test_counters_move_with_a_command_and_its_job(sender, web_url, run_jobs):
    watched = {
        "requests": ("maestro_requests_total", {"surface": "command"}),
        "acks": ("maestro_acks_total", {"surface": "command", "outcome": "ok"}),
        "acked": ("maestro_ack_seconds_count", {"surface": "command"}),
        "jobs": ("maestro_jobs_total", {"queue": "high", "job": "run_task_command", "outcome": "ok"}),
        "posts": ("maestro_slack_api_calls_total", {"method": "chat.postMessage"}),
    }
    before = {name: sample(metric, **labels) for name, (metric, labels) in watched.items()}
    sender.command("/task", "new Count me")
    assert run_jobs() == 0
    after = {name: sample(metric, **labels) for name, (metric, labels) in watched.items()}
    assert {name: after[name] - before[name] for name in before} == {
        "requests": 1,
        "acks": 1,
        "acked": 1,
        "jobs": 1,
        "posts": 1,
    }
    text = scrape(web_url)
    assert 'maestro_requests_total{surface="command"}' in text
    assert 'maestro_ack_seconds_bucket{le="0.1",surface="command"}' in text
    assert 'maestro_slack_api_calls_total{method="chat.postMessage"}' in text


def test_a_refused_slack_call_is_counted_by_method_and_error(runtime, sandbox):
    before = sample("maestro_slack_api_errors_total", method="chat.update", error="message_not_found")
    with pytest.raises(SlackApiError):
        runtime.slack.chat_update(channel="C0PROJECT", ts="1.000001", text="nothing there")
    after = sample("maestro_slack_api_errors_total", method="chat.update", error="message_not_found")
    assert after - before == 1


def test_other_processes_samples_are_served_in_multiprocess_mode(tmp_path, monkeypatch):
    monkeypatch.setenv(metrics.MULTIPROC_VARIABLE, str(tmp_path))
    worker = "from maestro import metrics; metrics.JOBS.labels('low', 'post_standup', 'ok').inc(2)"
    for _ in range(2):  # two worker processes
        subprocess.run([sys.executable, "-c", worker], check=True, env=dict(os.environ))
    body, _ = metrics.render()
    assert 'maestro_jobs_total{job="post_standup",outcome="ok",queue="low"} 4.0' in body.decode()


def test_agent_calls_are_counted_by_model_and_outcome(sender, run_jobs):
    before = sample("maestro_claude_calls_total", model="offline", outcome="offline")
    sender.command("/orchestrate", "Build a login page with email and password")
    assert run_jobs() == 0
    assert sample("maestro_claude_calls_total", model="offline", outcome="offline") - before >= 1
    assert sample("maestro_claude_seconds_count", model="offline") >= 1


def test_queue_depth_and_age_are_read_at_each_scrape(redis, web_url):
    from jobs.queues import LOW, enqueue

    assert 'maestro_queue_depth{queue="low"} 0.0' in scrape(web_url)
    enqueue(redis, "jobs.housekeeping.record_clock_heartbeat", queue=LOW)
    text = scrape(web_url)
    assert 'maestro_queue_depth{queue="low"} 1.0' in text and 'maestro_queue_depth{queue="high"} 0.0' in text
    assert 'maestro_queue_oldest_seconds{queue="low"}' in text


def test_the_clock_s_fires_are_counted_by_outcome(runtime):
    from jobs.clock import fire
    from jobs.schedules import schedules

    heartbeat = next(s for s in schedules() if s.id == "clock-heartbeat")
    before = {
        o: sample("maestro_scheduled_fires_total", schedule="clock-heartbeat", outcome=o)
        for o in ("enqueued", "taken")
    }
    assert fire(runtime, heartbeat, now=1_800_000_000.0) is True
    assert fire(runtime, heartbeat, now=1_800_000_000.0) is False  # another clock's: taken
    after = {
        o: sample("maestro_scheduled_fires_total", schedule="clock-heartbeat", outcome=o)
        for o in ("enqueued", "taken")
    }
    assert {o: after[o] - before[o] for o in before} == {"enqueued": 1, "taken": 1}


def test_listeners_slack_calls_are_counted_too(sender, sandbox, run_jobs):
    from maestro.cards import ACTION_BLOCK
    from tests.bot.test_task_flow import card_of

    sender.command("/task", "new Open a modal")
    assert run_jobs() == 0
    before = sample("maestro_slack_api_calls_total", method="views.open")
    sender.press(card_of(sandbox, "T-1"), ACTION_BLOCK, channel_id="C0PROJECT")
    sandbox.workspace.wait_for(sandbox.workspace.views_opened)
    assert sample("maestro_slack_api_calls_total", method="views.open") - before == 1
