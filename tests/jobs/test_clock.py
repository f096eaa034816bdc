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


def test_the_fire_lock_is_keyed_on_the_scheduled_time_not_the_execution_time(runtime, redis):
    from datetime import UTC, datetime

    checks = next(s for s in schedules() if s.id == "escalation-checks")  # every 5 minutes
    ten, five_past = datetime(2026, 11, 24, 10, 0, tzinfo=UTC), datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    late = five_past.timestamp() + 0.1
    # clock A runs the 10:00 fire late, at 10:05:00.1; clock B the 10:05 fire on time: two fires, two jobs
    assert fire(runtime, checks, now=late, scheduled=ten) is True
    assert fire(runtime, checks, now=late + 0.1, scheduled=five_past) is True
    assert fire(runtime, checks, now=late + 30, scheduled=five_past) is False  # a third clock, same fire
    assert fire(runtime, checks, now=late + 60) is False  # no scheduled time given: taken from the trigger
    assert Queue(LOW, connection=redis).count == 2


def test_the_executor_hands_each_fire_its_scheduled_time():
    import threading
    from datetime import UTC, datetime, timedelta

    from apscheduler.schedulers.background import BackgroundScheduler

    from jobs.clock import FireTimeExecutor

    seen: dict = {}
    done = threading.Event()

    def job(scheduled=None):
        seen["scheduled"] = scheduled
        done.set()

    run_date = (datetime.now(UTC) + timedelta(milliseconds=200)).replace(microsecond=0) + timedelta(seconds=1)
    scheduler = BackgroundScheduler(timezone="UTC", executors={"default": FireTimeExecutor(max_workers=1)})
    scheduler.add_job(job, "date", run_date=run_date, misfire_grace_time=60)
    scheduler.start()
    try:
        assert done.wait(10)
        for _ in range(500):  # let the scheduler drop the finished date job before shutting it down
            if not scheduler.get_jobs():
                break
            done.wait(0.01)
    finally:
        scheduler.shutdown()
    assert seen["scheduled"] == run_date
