from rq import Queue

from jobs.clock import build_scheduler, fire
from jobs.housekeeping import CLOCK_HEARTBEAT_KEY
from jobs.queues import LOW
from jobs.schedules import schedules


def test_two_clocks_fire_each_slot_once(runtime, redis, run_jobs):
    heartbeat = next(s for s in schedules() if s.id == "clock-heartbeat")
    now = 1_795_000_000.0
    assert fire(runtime, heartbeat, now=now) is True
    assert fire(runtime, heartbeat, now=now + 5) is False  # a second clock, same minute
    assert Queue(LOW, connection=redis).count == 1
    assert fire(runtime, heartbeat, now=now + 60) is True  # the next minute
    assert Queue(LOW, connection=redis).count == 2
    assert run_jobs() == 0
    assert redis.get(CLOCK_HEARTBEAT_KEY)


def test_scheduler_has_every_schedule_with_a_grace_time(runtime):
    scheduler = build_scheduler(runtime)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {s.id for s in schedules()}
    assert all(job.misfire_grace_time >= 60 and job.coalesce for job in jobs.values())
