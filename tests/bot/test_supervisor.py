"""``maestro up``'s supervisor: a child that dies is restarted after a back-off, with a log line."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from bot.supervisor import Supervisor
from tests.e2e.harness import until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def supervise():
    made: list[Supervisor] = []

    def make(*programs, **options) -> Supervisor:
        made.append(Supervisor(list(programs), env=os.environ, **options).start())
        return made[-1]

    yield make
    for supervisor in made:
        supervisor.stop(timeout=5)


def test_a_child_that_dies_is_restarted_after_a_backoff_with_a_log_line(supervise, caplog):
    supervisor = supervise(("web", SLEEPER), ("worker-1", SLEEPER), min_backoff=0.05)
    web, worker = supervisor.children
    killed = worker.process.pid
    os.kill(killed, signal.SIGKILL)

    def restarted():
        supervisor.check()
        return worker.restarts == 1

    until(restarted)
    assert worker.process.pid != killed and worker.process.poll() is None
    assert web.restarts == 0 and web.process.poll() is None
    assert "maestro up: worker-1 exited with status -9; restarting it in 0 s" in caplog.messages
    assert f"maestro up: restarted worker-1 (pid {worker.process.pid})" in caplog.messages


def test_a_child_that_keeps_dying_waits_longer_each_time_up_to_the_cap(supervise):
    supervisor = supervise(
        ("clock", [sys.executable, "-c", "raise SystemExit(1)"]), min_backoff=0.01, max_backoff=0.04
    )
    (clock,) = supervisor.children

    def died_four_times():
        supervisor.check()
        return len(clock.ended) >= 4

    until(died_four_times)
    assert clock.ended[:4] == [1, 1, 1, 1] and clock.backoff == 0.04


def test_a_child_stopped_by_its_configuration_is_not_restarted(supervise, caplog):
    supervisor = supervise(("web", [sys.executable, "-c", "raise SystemExit(2)"]), ("worker-1", SLEEPER))

    def failed():
        supervisor.check()
        return supervisor.failed

    assert until(failed) == "web stopped on a configuration error (exit status 2)"
    supervisor.check()
    assert supervisor.children[0].restarts == 0
    supervisor.run()  # returns at once: supervision has ended


def test_stop_ends_every_child_and_restarts_none(supervise):
    supervisor = supervise(("web", SLEEPER), ("worker-1", SLEEPER)).watch(interval=0.01)
    processes = supervisor.processes()
    supervisor.stop(timeout=5)
    assert all(p.poll() is not None for p in processes)
    assert all(c.restarts == 0 for c in supervisor.children)
