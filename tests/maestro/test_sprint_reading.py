"""Standups and reports read a sprint the same way: its day, a closed one, and what comes next."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maestro.models import Assignee, Priority, Task, TaskStatus
from maestro.report_cards import build_status_report_messages
from maestro.report_data import read_status_report
from maestro.reports import build_status_report
from maestro.sprint_store import SprintStore
from maestro.sprints import Sprint, SprintStatus
from maestro.standup_cards import build_standup_messages
from maestro.standup_report import build_standup
from maestro.standup_store import StandupStore
from maestro.standups import note_day
from maestro.store import NewTask, TaskStore

TEAM, CHANNEL, ALICE = "T0SANDBOX", "C0PROJECT", "U0ALICE"
BERLIN = ZoneInfo("Europe/Berlin")


def text_of(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def berlin_project(redis) -> None:
    TaskStore(redis, TEAM).ensure_project(CHANNEL)
    StandupStore(redis, TEAM).update_schedule(
        CHANNEL, lambda s: s.model_copy(update={"timezone": "Europe/Berlin", "at": time(9, 30)})
    )


def test_standup_and_status_report_agree_on_the_day_of_a_sprint_started_today(redis):
    berlin_project(redis)
    TaskStore(redis, TEAM).create_task(CHANNEL, NewTask(title="Login API"), actor=ALICE, source="t1")
    sprints = SprintStore(redis, TEAM)
    friday = date(2026, 11, 27)
    sprints.start(CHANNEL, "Checkout", actor=ALICE, today=friday, source="s1")
    sprints.add_tasks(CHANNEL, ["T-1"], actor=ALICE, source="a1")
    # Friday 15:00 in Berlin, after the day's standup: `/standup` posts Monday's, as it stands now.
    now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    day = note_day(StandupStore(redis, TEAM).schedule(CHANNEL), now)
    assert day == date(2026, 11, 30)
    standup = text_of(build_standup_messages(build_standup(redis, TEAM, CHANNEL, day, now=now)))
    report = text_of(build_status_report_messages(read_status_report(redis, TEAM, CHANNEL, now=now)))
    assert "day 1 of 14 · 13 days left" in standup and "day 1 of 14 · 13 days left" in report
    assert "day 4 of 14" not in standup

    # 00:30 on Saturday in Berlin is still Friday in UTC: both read the project's date.
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    day = note_day(StandupStore(redis, TEAM).schedule(CHANNEL), late)
    standup = text_of(build_standup_messages(build_standup(redis, TEAM, CHANNEL, day, now=late)))
    report = text_of(build_status_report_messages(read_status_report(redis, TEAM, CHANNEL, now=late)))
    assert "day 2 of 14 · 12 days left" in standup and "day 2 of 14 · 12 days left" in report


def sprint_task(number: int, sprint: Sprint | None, **fields) -> Task:
    return Task(
        key=f"T-{number}",
        team_id=TEAM,
        channel_id=CHANNEL,
        title=f"Task {number}",
        assignee=Assignee(kind="agent", id="backend"),
        sprint=sprint.id if sprint else None,
        created_by=ALICE,
        **fields,
    )


def test_a_sprint_closed_early_reports_its_close_not_the_days_left():
    start = date(2026, 11, 27)
    closed = Sprint(
        team_id=TEAM,
        channel_id=CHANNEL,
        number=1,
        name="Checkout",
        start=start,
        end=start + timedelta(days=13),
        created_by=ALICE,
        status=SprintStatus.CLOSED,
        closed_at=datetime(2026, 11, 27, 23, 30, tzinfo=UTC),  # Saturday 00:30 in Berlin
        carried_to="backlog",
        carried=["T-2"],
    )
    tasks = [
        sprint_task(
            1, closed, status=TaskStatus.COMPLETED, completed_at=datetime(2026, 11, 27, 12, tzinfo=UTC)
        ),
        sprint_task(2, None),
    ]
    now = datetime(2026, 11, 28, 10, 0, tzinfo=BERLIN)
    report = build_status_report(
        tasks=tasks,
        sprint=closed,
        milestones=[],
        risks=[],
        escalations=[],
        now=now,
        today=now.date(),
        reason="sprint-end",
    )
    text = text_of(build_status_report_messages(report))
    assert "closed 2026-11-28, on day 2 of 14" in text
    assert "days left" not in text and "13 days" not in text and "12 days" not in text
    assert "1 open task of this sprint moved to the backlog." in text


def test_the_next_sprint_preview_lists_the_backlog_not_the_sprints_own_tasks():
    sprint = Sprint(
        team_id=TEAM,
        channel_id=CHANNEL,
        number=7,
        name="Sprint 7",
        start=date(2026, 6, 1),
        end=date(2026, 6, 14),
        created_by=ALICE,
    )
    tasks = [
        sprint_task(1, sprint, status=TaskStatus.COMPLETED, completed_at=datetime(2026, 6, 5, tzinfo=UTC)),
        sprint_task(2, sprint, status=TaskStatus.IN_PROGRESS, percent=40),
        sprint_task(3, sprint),
        sprint_task(4, None, priority=Priority.LOW),
        sprint_task(5, None, priority=Priority.CRITICAL),
        sprint_task(6, None, status=TaskStatus.COMPLETED, completed_at=datetime(2026, 6, 5, tzinfo=UTC)),
    ]
    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    report = build_status_report(
        tasks=tasks, sprint=sprint, milestones=[], risks=[], escalations=[], now=now, today=now.date()
    )
    messages = build_status_report_messages(report)
    preview = text_of(messages).split("Next sprint preview", 1)[1]
    assert "*T-2*" not in preview and "*T-3*" not in preview and "*T-6*" not in preview
    assert preview.index("*T-5*") < preview.index("*T-4*")  # the backlog, most urgent first
    assert "2 open tasks of this sprint carry over unless finished" in preview


def test_tasks_waiting_for_a_persons_review_say_so_in_the_standup_and_the_report():
    from maestro.standups import compute_standup

    now = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    tasks = [
        sprint_task(1, None, status=TaskStatus.REVIEW, review_by="person"),
        sprint_task(2, None, status=TaskStatus.REVIEW, review_by="agent"),
    ]
    standup = compute_standup(
        team_id=TEAM,
        channel_id=CHANNEL,
        day=now.date(),
        now=now,
        timezone="UTC",
        tasks=tasks,
        last_standup=None,
    )
    text = text_of(build_standup_messages(standup))
    assert "*T-1* Task 1 · waiting for a person's review" in text
    assert "*T-2* Task 2 · waiting" not in text
    report = build_status_report(
        tasks=tasks, sprint=None, milestones=[], risks=[], escalations=[], now=now, today=now.date()
    )
    assert "1 waiting for a person's review: *T-1*" in text_of(build_status_report_messages(report))
