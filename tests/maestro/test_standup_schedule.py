"""Standup schedule maths (one instant per local date, DST, timezones), parsing, and the standup's content."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from maestro.cards import MAX_BLOCKS, MAX_SECTION_TEXT
from maestro.errors import UserError
from maestro.models import Assignee, Task, TaskStatus
from maestro.risks import Impact, Probability, Risk
from maestro.sprints import Sprint
from maestro.standup_cards import build_note_modal, build_prompt_message, build_standup_messages
from maestro.standup_schedule import StandupSchedule
from maestro.standups import (
    Absence,
    StandupNote,
    compute_standup,
    daily_fires,
    describe_schedule,
    in_words,
    next_standup,
    parse_absence,
    parse_note,
    parse_schedule,
    prompt_fires,
    standup_fires,
    wall_time_fires,
)

BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
DAILY = list(range(7))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedule(**fields) -> StandupSchedule:
    return StandupSchedule(**{"timezone": "Europe/Berlin", **fields})


def fires_on(zone: ZoneInfo, at: time, day: date) -> list[datetime]:
    """Every fire whose UTC instant falls within a day around ``day``'s local date."""
    start = datetime.combine(day, time(0), zone) - timedelta(hours=1)
    return [f.at for f in wall_time_fires(at, zone, start, start + timedelta(hours=26)) if f.day == day]


def test_weekdays_at_local_time_in_utc():
    fires = standup_fires(schedule(at=time(9, 30)), utc(2026, 11, 22), utc(2026, 11, 29))
    assert [(f.day.isoformat(), f.at) for f in fires] == [
        (f"2026-11-{d}", utc(2026, 11, d, 8, 30))
        for d in (23, 24, 25, 26, 27)  # CET = UTC+1
    ]
    # (start, end]: a fire exactly at the start is behind us, exactly at the end is due
    assert standup_fires(schedule(), utc(2026, 11, 23, 8, 30), utc(2026, 11, 24, 8, 30))[0].at == utc(
        2026, 11, 24, 8, 30
    )


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # Berlin springs forward 02:00 → 03:00: 02:30 doesn't exist; it fires once, at 01:30 UTC
        # (= 03:30 CEST by the wall clock, an hour late). Ordinary times move with the offset.
        (BERLIN, date(2026, 3, 29), time(2, 30), [utc(2026, 3, 29, 1, 30)]),
        (BERLIN, date(2026, 3, 29), time(9, 30), [utc(2026, 3, 29, 7, 30)]),
        (BERLIN, date(2026, 3, 28), time(9, 30), [utc(2026, 3, 28, 8, 30)]),
        # Berlin falls back 03:00 → 02:00: 02:30 happens twice; the first is the standup.
        (BERLIN, date(2026, 10, 25), time(2, 30), [utc(2026, 10, 25, 0, 30)]),
        (BERLIN, date(2026, 10, 25), time(9, 30), [utc(2026, 10, 25, 8, 30)]),
        # New York: 02:30 skipped on 2026-03-08 (fires at 07:30 UTC = 03:30 EDT); 01:30 twice on 2026-11-01.
        (NEW_YORK, date(2026, 3, 8), time(2, 30), [utc(2026, 3, 8, 7, 30)]),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), [utc(2026, 11, 1, 5, 30)]),
        (NEW_YORK, date(2026, 11, 2), time(9, 30), [utc(2026, 11, 2, 14, 30)]),
        # Half-hour and far-east offsets
        (ZoneInfo("Asia/Kolkata"), date(2026, 11, 23), time(9, 30), [utc(2026, 11, 23, 4, 0)]),
        (ZoneInfo("Pacific/Auckland"), date(2026, 11, 23), time(9, 30), [utc(2026, 11, 22, 20, 30)]),
    ],
)
def test_one_fire_per_local_date_across_dst_and_zones(zone, day, at, expected):
    assert fires_on(zone, at, day) == expected


def minute_by_minute(fires_in, start: datetime, days: int) -> dict[date, list[datetime]]:
    """Walk ``days`` days from ``start`` in one-minute windows, as the clock does; fires by local date."""
    found: dict[date, list[datetime]] = {}
    moment = start.astimezone(UTC)  # (local + timedelta would step the wall clock, not time)
    for _ in range(days * 24 * 60):
        for fire in fires_in(moment, moment + timedelta(minutes=1)):
            found.setdefault(fire.day, []).append(fire.at)
        moment += timedelta(minutes=1)
    return found


@pytest.mark.parametrize(
    ("zone", "transition", "at", "instant"),
    [
        # spring forward: 02:30 doesn't exist (→ 03:30 by the wall clock); 03:00 is the first minute after
        (BERLIN, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30)),
        (BERLIN, date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1, 0)),
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30)),
        (NEW_YORK, date(2026, 3, 8), time(3, 0), utc(2026, 3, 8, 7, 0)),
        # fall back: 02:30 (Berlin) and 01:30 (New York) happen twice: the first one only
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        (BERLIN, date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2, 0)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        (NEW_YORK, date(2026, 11, 1), time(2, 30), utc(2026, 11, 1, 7, 30)),
    ],
)
def test_minute_windows_through_dst_find_exactly_one_standup_and_prompt_per_day(
    zone, transition, at, instant
):
    project = schedule(timezone=str(zone), at=at, days=DAILY, prompt_lead_minutes=45)
    start = datetime.combine(transition - timedelta(days=2), time(12), zone).astimezone(UTC)
    days = [transition + timedelta(days=n) for n in (-1, 0, 1)]
    standups = minute_by_minute(lambda a, b: standup_fires(project, a, b), start, 4)
    assert [len(standups.get(d, [])) for d in days] == [1, 1, 1]
    assert standups[transition] == [instant]
    assert minute_by_minute(lambda a, b: daily_fires(project, a, b), start, 4)[transition] == [instant]
    # a prompt 45 minutes before, by the wall clock: on spring-forward days it falls in the gap too
    prompts = minute_by_minute(lambda a, b: prompt_fires(project, zone, a, b), start, 4)
    assert [len(prompts.get(d, [])) for d in days] == [1, 1, 1]
    assert prompts[transition][0] <= instant - timedelta(minutes=45)


def test_a_window_opening_between_the_two_occurrences_of_a_repeated_time_finds_nothing():
    first = utc(2026, 10, 25, 0, 30)  # 02:30 CEST; 02:30 CET (01:30 UTC) is the repeat
    assert [f.at for f in wall_time_fires(time(2, 30), BERLIN, utc(2026, 10, 24, 23), first)] == [first]
    assert wall_time_fires(time(2, 30), BERLIN, first, utc(2026, 10, 25, 3)) == []


def test_auckland_standup_belongs_to_its_local_monday():
    fires = standup_fires(schedule(timezone="Pacific/Auckland"), utc(2026, 11, 22), utc(2026, 11, 23))
    assert [(f.day, f.at) for f in fires] == [(date(2026, 11, 23), utc(2026, 11, 22, 20, 30))]
    sunday = standup_fires(schedule(timezone="Pacific/Auckland"), utc(2026, 11, 21), utc(2026, 11, 22))
    assert sunday == []  # Saturday 20:30 UTC is Sunday in Auckland: no standup


def test_skip_holidays_off_and_days():
    week = (utc(2026, 11, 22), utc(2026, 11, 29))
    assert [f.day.day for f in standup_fires(schedule(skip=[date(2026, 11, 24)]), *week)] == [23, 25, 26, 27]
    assert [f.day.day for f in standup_fires(schedule(holidays=[date(2026, 11, 26)]), *week)] == [
        23,
        24,
        25,
        27,
    ]
    assert standup_fires(schedule(enabled=False), *week) == []
    assert [f.day.day for f in standup_fires(schedule(days=[0, 2, 4]), *week)] == [23, 25, 27]


def test_prompts_at_each_persons_own_morning_and_never_after_the_standup():
    project = schedule(at=time(9, 30), prompt_lead_minutes=60)  # Berlin: 08:30 UTC in November
    window = (utc(2026, 11, 23, 8, 30), utc(2026, 11, 24, 8, 30))  # until Tuesday's standup
    tuesday = date(2026, 11, 24)

    def asked(zone, *args, **kwargs):
        return [(f.at, f.day) for f in prompt_fires(project, zone, *args, **kwargs)]

    # 08:30 by each person's clock, the last time before the standup
    assert asked(BERLIN, *window) == [(utc(2026, 11, 24, 7, 30), tuesday)]
    assert asked(TOKYO, *window) == [(utc(2026, 11, 23, 23, 30), tuesday)]
    # west of the project, the standup (00:30 in Los Angeles, 03:30 in New York) comes before their
    # morning: they are asked at 08:30 the day before, for the project's Tuesday
    assert asked(ZoneInfo("America/Los_Angeles"), *window) == [(utc(2026, 11, 23, 16, 30), tuesday)]
    assert asked(NEW_YORK, *window) == [(utc(2026, 11, 23, 13, 30), tuesday)]
    # London's 08:30 is the standup itself: lead minutes before the standup instead
    assert asked(ZoneInfo("Europe/London"), *window) == [(utc(2026, 11, 24, 7, 30), tuesday)]
    away = [Absence(start=date(2026, 11, 20), end=tuesday)]
    assert asked(NEW_YORK, *window, absences=away) == []
    holiday = project.model_copy(update={"holidays": [tuesday]})
    assert prompt_fires(holiday, BERLIN, *window) == []
    assert prompt_fires(project.model_copy(update={"prompt_lead_minutes": 0}), BERLIN, *window) == []
    # a lead past midnight asks the evening before, for the next day's standup
    early = schedule(at=time(0, 30), prompt_lead_minutes=60)
    (fire,) = prompt_fires(early, BERLIN, utc(2026, 11, 22, 12), utc(2026, 11, 23, 12))
    assert (fire.at, fire.day) == (utc(2026, 11, 22, 22, 30), date(2026, 11, 23))


@pytest.mark.parametrize("project_zone", ["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "UTC"])
@pytest.mark.parametrize("at", [time(0, 15), time(9, 30), time(18, 0)])
def test_everyone_is_asked_once_per_standup_before_it(project_zone, at):
    project = schedule(timezone=project_zone, at=at, days=DAILY, prompt_lead_minutes=90)
    window = (utc(2026, 3, 1), utc(2026, 4, 10))  # across both sides' daylight saving changes
    standups = {f.day: f.at for f in standup_fires(project, *window)}
    people = ["America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Auckland"]
    for person in people:
        prompts = prompt_fires(project, ZoneInfo(person), *window)
        assert len({f.day for f in prompts}) == len(prompts)
        for fire in prompts:
            if fire.day in standups:
                gap = standups[fire.day] - fire.at
                assert timedelta(minutes=90) <= gap <= timedelta(hours=25), (person, fire)
        inside = [d for d in standups if window[0] + timedelta(hours=26) < standups[d]]
        assert {f.day for f in prompts} >= set(inside)


def test_next_standup_and_words():
    now = utc(2026, 11, 23, 5, 30)
    upcoming = next_standup(schedule(), now)
    assert upcoming.at == utc(2026, 11, 23, 8, 30) and in_words(upcoming.at - now) == "in 3 h"
    assert next_standup(schedule(enabled=False), now) is None
    assert (
        describe_schedule(schedule(days=[0, 2, 4], at=time(9, 5))) == "Mon, Wed, Fri at 09:05 Europe/Berlin"
    )
    assert describe_schedule(schedule(enabled=False)) == "Weekdays at 09:30 Europe/Berlin (off)"


def test_parse_schedule():
    change = parse_schedule("09:30 Europe/Berlin mon-fri")
    assert (change.at, change.timezone, change.days) == (time(9, 30), "Europe/Berlin", [0, 1, 2, 3, 4])
    assert parse_schedule("9:30am mon,wed,fri").days == [0, 2, 4]
    assert parse_schedule("9:30 pm america/new_york daily").at == time(21, 30)
    assert parse_schedule("12:15am weekdays utc").timezone == "UTC"
    assert parse_schedule("fri-mon 08:00").days == [0, 4, 5, 6]
    for bad, message in [
        ("25:00", "isn't a time"),
        ("9", "isn't a time"),
        ("09:30 Mars/Olympus", "isn't a timezone"),
        ("09:30 funday", "isn't a set of days"),
        ("mon-fri", "Give the standup's time"),
    ]:
        with pytest.raises(UserError, match=message) as error:
            parse_schedule(bad)
        assert "/standup schedule 09:30 Europe/Berlin mon-fri" in error.value.message


def test_parse_note_and_absence():
    assert parse_note("today: tests | yesterday shipped T-3 | blockers none") == {
        "today": "tests",
        "yesterday": "shipped T-3",
        "blockers": "none",
    }
    assert parse_note("Blocked: waiting for the DBA\nsince Monday") == {
        "blockers": "waiting for the DBA\nsince Monday"
    }
    for bad in ("shipped it", "", "today |", "today " + "x" * 1001):
        with pytest.raises(UserError):
            parse_note(bad)
    assert parse_absence("2026-12-20..2026-12-31") == Absence(
        start=date(2026, 12, 20), end=date(2026, 12, 31)
    )
    assert parse_absence("2026-12-24").end == date(2026, 12, 24)
    for bad in ("2026-12-31..2026-12-20", "tomorrow", "2026-01-01..2027-06-01"):
        with pytest.raises(UserError):
            parse_absence(bad)


# -- the standup's content -------------------------------------------------------------------
NOW = utc(2026, 11, 23, 8, 30)


def task(number: int, status: TaskStatus, who: str | None, **fields) -> Task:
    assignee = None
    if who:
        assignee = Assignee(kind="user", id=who) if who.startswith("U") else Assignee(kind="agent", id=who)
    return Task(
        key=f"T-{number}",
        team_id="T0",
        channel_id="C0",
        title=fields.pop("title", f"Task {number}"),
        status=status,
        assignee=assignee,
        created_by="U0ALICE",
        **fields,
    )


def text_of(messages: list[dict]) -> str:
    return json.dumps([m["blocks"] for m in messages], ensure_ascii=False)


def test_standup_content_grouped_by_assignee():
    last = NOW - timedelta(days=1)
    tasks = [
        task(1, TaskStatus.COMPLETED, "U0BOB", completed_at=NOW - timedelta(hours=2)),
        task(
            2, TaskStatus.COMPLETED, "U0BOB", completed_at=last - timedelta(hours=1)
        ),  # before the last standup
        task(3, TaskStatus.IN_PROGRESS, "backend", percent=60),
        task(4, TaskStatus.REVIEW, "U0BOB"),
        task(
            5,
            TaskStatus.BLOCKED,
            "U0CAROL",
            blocked_reason="waiting for <!channel> DBA",
            blocked_since=NOW - timedelta(days=2, hours=3),
        ),
        task(6, TaskStatus.ASSIGNED, "U0DAVE"),
    ]
    sprint = Sprint(
        team_id="T0",
        channel_id="C0",
        number=7,
        name="Sprint 7",
        start=date(2026, 11, 19),
        end=date(2026, 12, 2),
        created_by="U0ALICE",
    )
    for t in tasks[:4]:
        t.sprint = sprint.id
    red = Risk(
        key="RISK-001",
        team_id="T0",
        channel_id="C0",
        description="Provider outage",
        probability=Probability.HIGH,
        impact=Impact.HIGH,
        created_by="U0ALICE",
        created_at=NOW - timedelta(days=9),
    )
    note = StandupNote(
        user_id="U0BOB", date=NOW.date(), yesterday="shipped <@U0CAROL> & <!here>", today="T-4"
    )
    standup = compute_standup(
        team_id="T0",
        channel_id="C0",
        day=NOW.date(),
        now=NOW,
        timezone="Europe/Berlin",
        tasks=tasks,
        last_standup=last,
        notes={"U0BOB": note},
        participants={"U0ERIN"},
        absences={"U0CAROL": [Absence(start=date(2026, 11, 20), end=date(2026, 12, 31))]},
        open_risks=[red],
        sprint=sprint,
    )
    assert [g.assignee.id for g in standup.groups] == ["U0BOB", "U0CAROL", "U0DAVE", "backend"]
    bob = standup.groups[0]
    assert (
        [t.key for t in bob.done] == ["T-1"] and [t.key for t in bob.review] == ["T-4"] and bob.note == note
    )
    assert standup.groups[1].away_until == date(2026, 12, 31)
    assert standup.missing == ["U0DAVE", "U0ERIN"]  # Carol is away, Bob answered
    assert standup.sprint.day == 5 and standup.sprint.days == 14 and standup.sprint.progress.total == 4

    messages = build_standup_messages(standup)
    assert len(messages) == 1
    text = text_of(messages)
    assert "Standup · Mon 23 Nov" in text and "*Sprint 7* · day 5 of 14" in text
    assert "`[X]` *T-1* Task 1" in text and "T-2" not in text
    assert "`[~]` *T-3* Task 3 · 60%" in text and "*backend* (agent)" in text
    assert "`[!]` *T-5* Task 5 — waiting for &lt;!channel&gt; DBA · blocked 2d" in text
    assert ":palm_tree: away until Dec 31" in text
    assert "No update yet from <@U0DAVE>, <@U0ERIN>" in text and text.count("U0ERIN") == 1
    assert "shipped &lt;@U0CAROL&gt; &amp; &lt;!here&gt;" in text and "<!here>" not in text
    assert "RISK-001" in text


def test_a_500_task_standup_stays_within_block_kit_limits():
    now = NOW
    people = [f"U0P{i:03d}" for i in range(40)] + ["backend", "frontend", "qa"]
    statuses = [TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.REVIEW, TaskStatus.COMPLETED]
    tasks = [
        task(
            n,
            statuses[n % 4],
            people[n % len(people)],
            title="A long title with <tags> & more " * 5,
            percent=50,
            blocked_reason="waiting " * 30,
            blocked_since=now - timedelta(hours=5),
            completed_at=now - timedelta(hours=1),
        )
        for n in range(1, 501)
    ]
    notes = {
        p: StandupNote(user_id=p, date=now.date(), yesterday="y" * 1000, today="t" * 1000)
        for p in people[:40]
    }
    standup = compute_standup(
        team_id="T0",
        channel_id="C0",
        day=now.date(),
        now=now,
        timezone="UTC",
        tasks=tasks,
        last_standup=None,
        notes=notes,
    )
    messages = build_standup_messages(standup)
    assert 1 < len(messages) <= 6
    for message in messages:
        assert len(message["blocks"]) <= MAX_BLOCKS and len(message["text"]) < 4000
        for block in message["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
    text = text_of(messages)
    assert "more in progress — `/task list in-progress`" in text or "more people and agents" in text
    assert "(continued, 2/" in text


def test_prompt_and_modal():
    message = build_prompt_message("C0PROJECT", date(2026, 11, 23), "09:30 Europe/Berlin")
    assert message["text"].startswith(
        "Standup for <#C0PROJECT> on Mon 23 Nov at 09:30 Europe/Berlin — what did you do yesterday"
    )
    button = message["blocks"][1]["elements"][0]
    assert button["text"]["text"] == "Write my standup" and button["value"] == "C0PROJECT|2026-11-23"
    note = StandupNote(user_id="U0BOB", date=date(2026, 11, 23), today="the signup form")
    modal = build_note_modal("C0PROJECT", date(2026, 11, 23), note)
    inputs = [b["element"] for b in modal["blocks"]]
    assert [i.get("initial_value") for i in inputs] == [None, "the signup form", None]
    assert len(modal["title"]["text"]) <= 24
