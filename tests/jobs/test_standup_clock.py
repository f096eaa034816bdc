"""The projects' clock under a test clock: standups at local time, prompts, exactly once, grace, misses."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, date, datetime

from rq import Queue

from jobs.queues import DEFAULT, LOW, job_id_for
from jobs.runtime import build_runtime
from jobs.standup_clock import tick
from maestro.models import Assignee
from maestro.sprint_store import SprintStore
from maestro.standup_store import StandupStore
from maestro.standups import Absence
from maestro.store import NewTask, TaskStore

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
    store.apply(CHANNEL, "T-2", "done", actor=BOB, source="d2")
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


def test_prompts_at_each_persons_local_time_none_while_away(runtime, redis, sandbox, run_jobs):
    berlin_project(redis, prompt_lead_minutes=60)
    standups = StandupStore(redis, TEAM)
    for user in (ALICE, BOB, CAROL):
        standups.join(CHANNEL, user)
    standups.add_absence(
        CAROL, Absence(start=date(2026, 11, 24), end=date(2026, 11, 30)), today=date(2026, 11, 23)
    )
    first = tick(runtime, utc(2026, 11, 23, 23, 0))
    assert f"participants:{TEAM}:{CHANNEL}:2026112323" in first.enqueued  # no timezones known yet
    assert run_jobs() == 0  # users.info: Alice Berlin, Bob New York, Carol Tokyo
    assert {u: str(z) for u, z in standups.zones([ALICE, BOB, CAROL]).items()} == {
        ALICE: "Europe/Berlin",
        BOB: "America/New_York",
        CAROL: "Asia/Tokyo",
    }
    assert tick(runtime, utc(2026, 11, 23, 23, 30)).enqueued == []  # 08:30 in Tokyo, but Carol is away
    assert tick(runtime, utc(2026, 11, 24, 7, 30)).enqueued == [f"prompt:{TEAM}:{CHANNEL}:{ALICE}:2026-11-24"]
    assert standup_claims(tick(runtime, utc(2026, 11, 24, 8, 30)))
    assert tick(runtime, utc(2026, 11, 24, 13, 29)).enqueued == []
    assert tick(runtime, utc(2026, 11, 24, 13, 30)).enqueued == [f"prompt:{TEAM}:{CHANNEL}:{BOB}:2026-11-24"]
    assert run_jobs() == 0
    for user in (ALICE, BOB):
        (dm,) = sandbox.workspace.messages("D" + user[1:])
        assert dm["text"].startswith(
            f"Standup for <#{CHANNEL}> at 09:30 Europe/Berlin — what did you do yesterday"
        )
        assert dm["blocks"][1]["elements"][0]["value"] == f"{CHANNEL}|2026-11-24"
    assert sandbox.workspace.messages("D0CAROL") == []


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
