from datetime import UTC, date, datetime, timedelta

from maestro.models import Priority, Task, TaskStatus
from maestro.triggers import (
    blocked_too_long,
    due_date_slips,
    missing_dependencies,
    projected_finish,
    working_hours_between,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday


def task(key, **changes) -> Task:
    return Task(key=key, team_id="T", channel_id="C", title=f"task {key}", created_by="U1").model_copy(
        update=changes
    )


def blocked(key, days) -> Task:
    return task(
        key,
        status=TaskStatus.BLOCKED,
        blocked_reason="<!here> schema",
        blocked_since=NOW - timedelta(days=days),
    )


def test_blocked_past_the_threshold_then_critical_past_twice_it():
    assert blocked_too_long([blocked("T-1", 1.9)], NOW) == []
    high = blocked_too_long([blocked("T-1", 2.1)], NOW)
    assert [(f.priority, f.blocking) for f in high] == [(Priority.HIGH, ("T-1",))]
    assert "<!here> schema" in high[0].issue  # raw here: the escalation card escapes it (once)
    critical = blocked_too_long([blocked("T-1", 4.5)], NOW)
    assert critical[0].priority is Priority.CRITICAL and critical[0].source != high[0].source
    assert blocked_too_long([blocked("T-1", 1.5)], NOW, threshold_days=1)[0].priority is Priority.HIGH


def test_missing_dependency():
    findings = missing_dependencies([task("T-1"), task("T-2", depends_on=["T-1", "T-9"])])
    assert [f.issue for f in findings] == ["T-2 waits for T-9, which is not a task in this channel."]


def test_projected_finish_and_due_date_slips():
    tasks = [
        task("T-1", estimate_days=5, status=TaskStatus.IN_PROGRESS, percent=40),  # 3 days left
        task(
            "T-2", estimate_days=4, depends_on=["T-1"], due=(NOW + timedelta(days=3)).date()
        ),  # finishes in 7
        task("T-3", estimate_days=1, due=(NOW + timedelta(days=1)).date()),
    ]
    finish = projected_finish(tasks, NOW)
    assert finish["T-1"] == NOW + timedelta(days=3) and finish["T-2"] == NOW + timedelta(days=7)
    slips = due_date_slips(tasks, NOW)
    assert [f.blocking for f in slips] == [("T-2",)] and "4 days late" in slips[0].issue
    assert due_date_slips([task("T-4", due=date(2026, 11, 1), status=TaskStatus.COMPLETED)], NOW) == []


def test_working_hours_skip_weekends():
    friday_noon = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert working_hours_between(friday_noon, friday_noon + timedelta(hours=3)) == 3
    assert (
        working_hours_between(friday_noon, datetime(2026, 11, 30, 2, tzinfo=UTC)) == 12 + 2
    )  # Sat, Sun skipped
