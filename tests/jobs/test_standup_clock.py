"""The projects' clock under a test clock: standups at local time, prompts, exactly once, grace, misses."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from rq import Queue

from jobs.queues import DEFAULT, LOW, enqueue, job_id_for
from jobs.runtime import build_runtime
from jobs.standup_clock import tick
from maestro.models import Assignee
from maestro.sprint_store import SprintStore
from maestro.standup_store import StandupStore
from maestro.standups import Absence
from maestro.store import NewTask, TaskStore
from tests.evidence import approved_by

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin_project(redis, **fields) -> None:
    TaskStore(redis, TEAM).ensure_project(CHANNEL)
    StandupStore(redis, TEAM).update_schedule(
        CHANNEL,
        lambda s: s.model_copy(update={"timezone": "Europe/Berlin", "prompt_lead_minutes": 0, **fields}),
    )


def standup_claims(result) -> list[str]:
    return [c for c in result.enqueued if c.startswith("standup:")]


def queued_ids(redis, queue: str = DEFAULT) -> list[str]:
    return Queue(queue, connection=redis).job_ids


def top_level(sandbox, channel: str = CHANNEL) -> list[dict]:
    return [
        m for m in sandbox.workspace.messages(channel) if not m.get("thread_ts") or m["thread_ts"] == m["ts"]
    ]


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_sprint_with_tasks_gets_its_standup_at_the_scheduled_minute(runtime, redis, sandbox, run_jobs):
    berlin_project(redis)
    store = TaskStore(redis, TEAM)
    bob, backend = Assignee(kind="user", id=BOB), Assignee(kind="agent", id="backend")
    for n, (title, who) in enumerate(
        [("Login API", backend), ("Signup <form>", bob), ("Orders table", bob)], 1
    ):
        store.create_task(CHANNEL, NewTask(title=title, assignee=who), actor=ALICE, source=f"new-{n}")
    store.apply(CHANNEL, "T-1", "start", actor=ALICE, source="s1")
    store.apply(CHANNEL, "T-1", "progress", actor=ALICE, source="p1", percent=60)
    store.apply(CHANNEL, "T-2", "start", actor=BOB, source="s2")
    store.apply(CHANNEL, "T-2", "done", actor=BOB, evidence=approved_by(BOB), source="d2")
    store.apply(CHANNEL, "T-3", "block", actor=BOB, source="b3", reason="waiting for the DBA")
    sprints = SprintStore(redis, TEAM)
    sprints.start(CHANNEL, "Checkout", days=14, actor=ALICE, today=date(2026, 11, 19), source="sprint")
    sprints.add_tasks(CHANNEL, ["T-1", "T-2", "T-3"], actor=ALICE, source="add")

    # Tuesday 24 Nov, 09:30 in Berlin is 08:30 UTC
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 29))) == []
    assert not any(i.startswith("standup") for i in queued_ids(redis))
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 30))) == [f"standup:{TEAM}:{CHANNEL}:2026-11-24"]
    assert queued_ids(redis) == [job_id_for(f"standup:{TEAM}:{CHANNEL}:2026-11-24")]
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 31))) == []
    assert run_jobs() == 0

    (posted,) = top_level(sandbox)
    assert posted["text"].startswith("Standup Tue 24 Nov: 1 done, 1 in progress, 1 blocked")
    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "*Checkout* · day 6 of 14" in text
    assert "`[~]` *T-1* Login API · 60%" in text and "*backend* (agent)" in text
    assert "`[X]` *T-2* Signup &lt;form&gt;" in text
    assert "`[!]` *T-3* Orders table — waiting for the DBA · blocked 0h" in text
    assert text.index(f"<@{BOB}>") < text.index("*backend*")  # people first, then agents
    assert StandupStore(redis, TEAM).standup_ts(CHANNEL, date(2026, 11, 24)) == posted["ts"]


def test_two_clocks_ticking_at_once_enqueue_one_standup(settings, redis, runtime):
    berlin_project(redis)
    now = utc(2026, 11, 24, 8, 30)
    barrier = threading.Barrier(4)
    results = []

    def clock():
        own = build_runtime(settings)  # its own connection, like another process
        barrier.wait()
        results.append(tick(own, now))

    threads = [threading.Thread(target=clock) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claim = f"standup:{TEAM}:{CHANNEL}:2026-11-24"
    assert len(results) == 4 and sum(claim in r.enqueued for r in results) == 1
    # the others found it claimed, or (ticking a moment later) already behind the shared watermark
    assert [i for i in queued_ids(redis) if i.startswith("standup")] == [job_id_for(claim)]


def test_a_restart_within_the_grace_still_posts_and_a_longer_outage_logs_one_miss(
    runtime, redis, sandbox, run_jobs
):
    berlin_project(redis)
    TaskStore(redis, TEAM).create_task(CHANNEL, NewTask(title="Login API"), actor=ALICE, source="t1")
    handler = Captured()
    logging.getLogger("maestro.clock").addHandler(handler)
    try:
        tick(runtime, utc(2026, 11, 24, 8, 20))
        # down from 08:20 to 08:40: the 08:30 standup is 10 min late, within the 15 min grace
        assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 40))) == [
            f"standup:{TEAM}:{CHANNEL}:2026-11-24"
        ]
        assert handler.records == []
        # the next day, down from 08:20 to 09:00: 30 min late, past the grace
        tick(runtime, utc(2026, 11, 25, 8, 20))
        late = tick(runtime, utc(2026, 11, 25, 9, 0))
        assert standup_claims(late) == [] and late.missed == [f"standup:{TEAM}:{CHANNEL}:2026-11-25"]
        assert tick(runtime, utc(2026, 11, 25, 9, 1)).missed == []
        # another clock, its clock a little behind, finds the fire "in time": it was decided, nothing happens
        redis.delete("maestro:clock:projects:watermark")
        behind = tick(runtime, utc(2026, 11, 25, 8, 44))
        assert behind.missed == [] and standup_claims(behind) == []
    finally:
        logging.getLogger("maestro.clock").removeHandler(handler)
    (warning,) = handler.records
    message = warning.getMessage()
    assert CHANNEL in message and "2026-11-25T08:30:00+00:00" in message and "nothing was posted" in message
    assert run_jobs() == 0
    assert [m["text"][:18] for m in top_level(sandbox)] == ["Standup Tue 24 Nov"]


def test_prompts_at_each_persons_morning_before_the_standup_none_while_away(
    runtime, redis, sandbox, run_jobs
):
    berlin_project(redis, prompt_lead_minutes=60)
    standups = StandupStore(redis, TEAM)
    for user in (ALICE, BOB, CAROL):
        standups.join(CHANNEL, user)
    standups.add_absence(
        CAROL, Absence(start=date(2026, 11, 24), end=date(2026, 11, 30)), today=date(2026, 11, 23)
    )
    first = tick(runtime, utc(2026, 11, 23, 12, 0))
    assert f"participants:{TEAM}:{CHANNEL}:2026112312" in first.enqueued  # no timezones known yet
    assert run_jobs() == 0  # users.info: Alice Berlin, Bob New York, Carol Tokyo
    assert {u: str(z) for u, z in standups.zones([ALICE, BOB, CAROL]).items()} == {
        ALICE: "Europe/Berlin",
        BOB: "America/New_York",
        CAROL: "Asia/Tokyo",
    }
    # Tuesday's standup is 03:30 in New York: Bob is asked at his Monday 08:30 (13:30 UTC), for Tuesday
    assert tick(runtime, utc(2026, 11, 23, 13, 29)).enqueued == []
    assert tick(runtime, utc(2026, 11, 23, 13, 30)).enqueued == [f"prompt:{TEAM}:{CHANNEL}:{BOB}:2026-11-24"]
    assert run_jobs() == 0
    assert tick(runtime, utc(2026, 11, 23, 23, 30)).enqueued == []  # 08:30 in Tokyo, but Carol is away
    assert tick(runtime, utc(2026, 11, 24, 7, 30)).enqueued == [f"prompt:{TEAM}:{CHANNEL}:{ALICE}:2026-11-24"]
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 30)))
    assert tick(runtime, utc(2026, 11, 24, 13, 29)).enqueued == []
    assert tick(runtime, utc(2026, 11, 24, 13, 30)).enqueued == [f"prompt:{TEAM}:{CHANNEL}:{BOB}:2026-11-25"]
    assert run_jobs() == 0
    (alice,) = sandbox.workspace.messages("D0ALICE")
    bob = sandbox.workspace.messages("D0BOB")
    for dm in (alice, *bob):
        assert dm["text"].startswith(f"Standup for <#{CHANNEL}> on ")
        assert "at 09:30 Europe/Berlin — what did you do yesterday" in dm["text"]
    assert "on Tue 24 Nov at" in alice["text"] and "on Wed 25 Nov at" in bob[1]["text"]
    assert alice["blocks"][1]["elements"][0]["value"] == f"{CHANNEL}|2026-11-24"
    assert [dm["blocks"][1]["elements"][0]["value"] for dm in bob] == [
        f"{CHANNEL}|2026-11-24",
        f"{CHANNEL}|2026-11-25",
    ]
    assert sandbox.workspace.messages("D0CAROL") == []


def test_a_prompt_for_a_standup_already_posted_is_not_sent(runtime, redis, sandbox, run_jobs):
    from jobs.standups import send_standup_prompt

    berlin_project(redis, prompt_lead_minutes=60)
    standups = StandupStore(redis, TEAM)
    standups.join(CHANNEL, BOB)
    standups.record_standup(CHANNEL, date(2026, 11, 24), "1700000000.000100", utc(2026, 11, 24, 8, 30))
    assert send_standup_prompt(TEAM, CHANNEL, BOB, "2026-11-24") is None
    assert sandbox.workspace.messages("D0BOB") == []
    assert send_standup_prompt(TEAM, CHANNEL, BOB, "2026-11-25")  # the next one is sent


def test_weekly_review_on_mondays_and_the_sprint_report_on_its_last_day(runtime, redis):
    berlin_project(redis)
    sprint = SprintStore(redis, TEAM).start(CHANNEL, "", days=12, actor=ALICE, today=date(2026, 11, 19))
    assert sprint.end == date(2026, 11, 30)  # a Monday
    tick(runtime, utc(2026, 11, 30, 8, 0))
    result = tick(runtime, utc(2026, 11, 30, 8, 30))
    assert sorted(result.enqueued) == [
        f"sprint-end:{TEAM}:{CHANNEL}:{sprint.id}",
        f"standup:{TEAM}:{CHANNEL}:2026-11-30",
        f"weekly-review:{TEAM}:{CHANNEL}:2026-W49",
    ]
    jobs = {job.func_name: job for job in Queue(LOW, connection=redis).jobs}
    weekly = jobs["jobs.reports.post_status_report"]
    assert weekly.args == (TEAM, CHANNEL) and weekly.kwargs["reason"] == "weekly"
    assert jobs["jobs.reports.post_sprint_report"].args == (TEAM, CHANNEL, sprint.id)
    # Tuesday: neither
    tick(runtime, utc(2026, 12, 1, 8, 0))
    assert sorted(tick(runtime, utc(2026, 12, 1, 8, 30)).enqueued) == [f"standup:{TEAM}:{CHANNEL}:2026-12-01"]


def round_trips(monkeypatch, redis, action) -> int:
    """Redis round trips ``action`` makes: single commands plus pipeline executions."""
    from redis.client import Pipeline, Redis

    count = {"n": 0}
    single, batch = Redis.execute_command, Pipeline.execute

    def counted_single(self, *args, **options):
        if not isinstance(self, Pipeline):
            count["n"] += 1
        return single(self, *args, **options)

    def counted_batch(self, *args, **options):
        count["n"] += 1
        return batch(self, *args, **options)

    monkeypatch.setattr(Redis, "execute_command", counted_single)
    monkeypatch.setattr(Pipeline, "execute", counted_batch)
    try:
        action()
    finally:
        monkeypatch.undo()
    return count["n"]


def test_round_trips_do_not_grow_with_the_board_or_the_number_of_projects(monkeypatch, runtime, redis):
    from maestro.standup_report import build_standup

    store = TaskStore(redis, TEAM)
    berlin_project(redis)

    def board(size: int) -> int:
        store.create_batch(
            CHANNEL,
            [
                (k, NewTask(title=k, assignee=Assignee(kind="user", id=f"U0P{i % 20}")))
                for i, k in enumerate(store.reserve_keys(CHANNEL, size))
            ],
            actor=ALICE,
            source=f"batch-{size}",
        )
        now = utc(2026, 11, 24, 8, 30)
        return round_trips(
            monkeypatch, redis, lambda: build_standup(redis, TEAM, CHANNEL, date(2026, 11, 24), now=now)
        )

    assert board(10) == board(300)

    def ticking(minute: int) -> int:
        redis.delete("maestro:clock:projects:watermark")
        return round_trips(monkeypatch, redis, lambda: tick(runtime, utc(2026, 11, 24, 6, minute)))

    StandupStore(redis, TEAM).join(CHANNEL, BOB)
    ticking(0)  # the first tick enqueues this hour's timezone refresh; later ones find it claimed
    one = ticking(1)
    for n in range(30):
        StandupStore(redis, TEAM).join(f"C0MANY{n}", BOB)
        TaskStore(redis, TEAM).ensure_project(f"C0MANY{n}")
    ticking(2)
    assert ticking(3) == one  # nothing newly due: as many round trips for 31 projects as for 1


def test_a_scheduled_standup_with_nothing_to_report_is_not_posted(runtime, redis, sandbox, run_jobs):
    berlin_project(redis)  # a board with no tasks, notes, risks or escalations
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 30))) == [f"standup:{TEAM}:{CHANNEL}:2026-11-24"]
    assert run_jobs() == 0
    assert top_level(sandbox) == []


def three_berlin_projects(redis) -> list[str]:
    channels = ["C0AAA", "C0BBB", "C0CCC"]
    for channel in channels:
        TaskStore(redis, TEAM).ensure_project(channel)
        StandupStore(redis, TEAM).update_schedule(
            channel, lambda s: s.model_copy(update={"timezone": "Europe/Berlin", "prompt_lead_minutes": 0})
        )
        StandupStore(redis, TEAM).set_assignees(channel, [])
    return channels


def test_an_enqueue_that_fails_is_retried_by_a_later_tick_and_the_others_go_on(runtime, redis):
    channels = three_berlin_projects(redis)
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("a Redis blip")
        return enqueue(*args, **kwargs)

    now = utc(2026, 11, 24, 8, 30)
    tick(runtime, now.replace(minute=29))
    handler = Captured()
    logging.getLogger("maestro.clock").addHandler(handler)
    try:
        result = tick(runtime, now, enqueue_job=flaky)
    finally:
        logging.getLogger("maestro.clock").removeHandler(handler)
    claims = [f"standup:{TEAM}:{c}:2026-11-24" for c in channels]
    assert result.failed == claims[:1] and result.enqueued == claims[1:]
    assert "a later tick retries it" in handler.records[0].getMessage()
    assert tick(runtime, now.replace(minute=31)).enqueued == claims[:1]  # another minute: retried
    assert tick(runtime, now.replace(minute=32)).enqueued == []
    assert sorted(queued_ids(redis)) == sorted(job_id_for(c) for c in claims)


def test_a_clock_killed_mid_tick_leaves_no_claim_without_its_job(settings, runtime, redis):
    channels = three_berlin_projects(redis)
    calls = {"n": 0}

    def killed_after_one(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("SIGTERM")  # the clock process dies after enqueueing one job
        return enqueue(*args, **kwargs)

    now = utc(2026, 11, 24, 8, 30)
    tick(runtime, now.replace(minute=29))
    with pytest.raises(SystemExit):
        tick(runtime, now, enqueue_job=killed_after_one)
    claims = [f"standup:{TEAM}:{c}:2026-11-24" for c in channels]
    assert queued_ids(redis) == [job_id_for(claims[0])]
    # a minute later, two other clocks tick at once: the two lost ones are enqueued, once each
    barrier, results = threading.Barrier(2), []

    def clock():
        own = build_runtime(settings)
        barrier.wait()
        results.append(tick(own, now.replace(minute=31)))

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c for r in results for c in r.enqueued) == claims[1:]
    assert sorted(queued_ids(redis)) == sorted(job_id_for(c) for c in claims)  # the first not twice
    assert tick(runtime, now.replace(minute=32)).enqueued == []


def test_a_project_with_corrupt_records_is_logged_and_skipped_the_others_proceed(runtime, redis):
    from maestro.standup_schedule import schedule_key

    broken_schedule, broken_absence, fine = three_berlin_projects(redis)
    redis.set(schedule_key(TEAM, broken_schedule), "{not json")
    StandupStore(redis, TEAM).join(broken_absence, CAROL)
    redis.set(f"maestro:{TEAM}:standup-ooo:{CAROL}", "[{broken")
    handler = Captured()
    logging.getLogger("maestro.clock").addHandler(handler)
    try:
        tick(runtime, utc(2026, 11, 24, 8, 29))
        handler.records.clear()
        result = tick(runtime, utc(2026, 11, 24, 8, 30))
    finally:
        logging.getLogger("maestro.clock").removeHandler(handler)
    assert standup_claims(result) == [f"standup:{TEAM}:{fine}:2026-11-24"]
    skipped = {(r.team, r.channel) for r in handler.records if r.exc_info}
    assert skipped == {(TEAM, broken_schedule), (TEAM, broken_absence)}


@pytest.mark.parametrize(
    ("zone", "start", "hours", "day"),
    [
        ("Europe/Berlin", utc(2026, 3, 28, 22), 5, "2026-03-29"),  # spring forward at 01:00 UTC
        ("Europe/Berlin", utc(2026, 10, 24, 22), 6, "2026-10-25"),  # fall back at 01:00 UTC
        ("America/New_York", utc(2026, 3, 8, 5), 5, "2026-03-08"),  # spring forward at 07:00 UTC
        ("America/New_York", utc(2026, 11, 1, 4), 6, "2026-11-01"),  # fall back at 06:00 UTC
    ],
)
def test_ticking_minute_by_minute_through_dst_posts_each_standup_and_prompt_once(
    runtime, redis, zone, start, hours, day
):
    standups = StandupStore(redis, TEAM)
    times = {"C0ONE": time(1, 30), "C0TWO": time(2, 30), "C0THREE": time(3, 0)}
    for channel, at in times.items():
        TaskStore(redis, TEAM).ensure_project(channel)
        standups.update_schedule(
            channel,
            lambda s, at=at: s.model_copy(
                update={"timezone": zone, "at": at, "days": list(range(7)), "prompt_lead_minutes": 20}
            ),
        )
        standups.set_assignees(channel, [ALICE])
    standups.set_zone(ALICE, zone)
    enqueued: list[str] = []
    moment = start
    tick(runtime, moment)
    for _ in range(hours * 60):
        moment += timedelta(minutes=1)
        enqueued += tick(runtime, moment + timedelta(milliseconds=7)).enqueued
    for channel in times:  # each one exactly once: 02:30 too, where it doesn't exist or exists twice
        assert enqueued.count(f"standup:{TEAM}:{channel}:{day}") == 1, (channel, enqueued)
        assert enqueued.count(f"prompt:{TEAM}:{channel}:{ALICE}:{day}") == 1, (channel, enqueued)


def test_a_clock_run_at_a_made_up_time_does_not_make_the_real_clocks_skip(runtime, redis):
    from jobs.clock import run_clock
    from jobs.standup_clock import WATERMARK_KEY

    berlin_project(redis)
    tick(runtime, utc(2026, 11, 24, 8, 0))
    run_clock(runtime, once=True, now=utc(2026, 11, 26, 8, 30))  # `maestro clock --once --now …`
    assert float(redis.get(WATERMARK_KEY)) == utc(2026, 11, 24, 8, 0).timestamp()
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 30))) == [f"standup:{TEAM}:{CHANNEL}:2026-11-24"]
    tick(runtime, utc(2026, 11, 26, 8, 0))
    assert standup_claims(tick(runtime, utc(2026, 11, 26, 8, 30))) == []  # that run enqueued it already


def test_timezones_unknown_to_slack_are_cached_and_known_ones_refreshed_before_they_expire(
    runtime, redis, sandbox, run_jobs
):
    berlin_project(redis)
    standups = StandupStore(redis, TEAM)
    for user in (BOB, "U0GHOST"):  # users.info: Bob New York; the ghost: user_not_found
        standups.join(CHANNEL, user)
    refresh = f"participants:{TEAM}:{CHANNEL}"
    assert f"{refresh}:2026112310" in tick(runtime, utc(2026, 11, 23, 10, 0)).enqueued
    assert run_jobs() == 0
    assert {u: str(z) for u, z in standups.zones([BOB, "U0GHOST"]).items()} == {
        BOB: "America/New_York",
        "U0GHOST": "None",  # no timezone: the project's is used
    }
    assert tick(runtime, utc(2026, 11, 23, 11, 0)).enqueued == []  # not asked again every hour
    # in the last two hours before Bob's zone expires it is looked up again; users.info failing keeps it
    bob_key = f"maestro:{TEAM}:user-tz:{BOB}"
    redis.expire(bob_key, 3600)
    sandbox.workspace.fail_next("users.info", status=200, error="fatal_error")
    assert f"{refresh}:2026112312" in tick(runtime, utc(2026, 11, 23, 12, 0)).enqueued
    assert run_jobs() == 0
    assert str(standups.zones([BOB])[BOB]) == "America/New_York" and redis.ttl(bob_key) > 20 * 3600
    assert tick(runtime, utc(2026, 11, 23, 13, 0)).enqueued == []
    # a zone about to expire is used until the lookup replaces it
    redis.set(bob_key, "Asia/Tokyo", ex=3600)
    assert f"{refresh}:2026112314" in tick(runtime, utc(2026, 11, 23, 14, 0)).enqueued
    assert str(standups.zones([BOB])[BOB]) == "Asia/Tokyo"
    assert run_jobs() == 0
    assert str(standups.zones([BOB])[BOB]) == "America/New_York"
