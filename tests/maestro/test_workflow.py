from datetime import UTC, datetime

import pytest

from maestro.errors import UserError
from maestro.models import Assignee, Task, TaskStatus
from maestro.workflow import allowed_actions, apply_action, describe_event

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def make_task(**changes) -> Task:
    base = Task(key="T-3", team_id="T1", channel_id="C1", title="Write the login API", created_by="U1")
    return base.model_copy(update=changes)


def test_happy_path_assigned_to_completed():
    task = make_task()
    task, started = apply_action(task, "start", actor="U1", now=NOW)
    assert (task.status, started.from_status, started.to_status) == (
        TaskStatus.IN_PROGRESS,
        TaskStatus.ASSIGNED,
        TaskStatus.IN_PROGRESS,
    )
    task, _ = apply_action(task, "progress", actor="U1", now=NOW, percent=60)
    assert task.percent == 60
    task, _ = apply_action(task, "review", actor="U1", now=NOW)
    assert task.status is TaskStatus.REVIEW
    task, done = apply_action(task, "done", actor="U1", now=NOW)
    assert task.status is TaskStatus.COMPLETED and task.percent == 100 and task.completed_at == NOW
    assert task.version == 4 and done.action == "done"


@pytest.mark.parametrize("status", [TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.REVIEW])
def test_block_from_any_open_status_and_back(status):
    task = make_task(status=status)
    blocked, event = apply_action(task, "block", actor="U1", now=NOW, reason="waiting for the API contract")
    assert blocked.status is TaskStatus.BLOCKED
    assert (blocked.blocked_reason, blocked.blocked_since, blocked.blocked_from) == (
        "waiting for the API contract",
        NOW,
        status,
    )
    assert event.detail["reason"] == "waiting for the API contract"
    back, _ = apply_action(blocked, "unblock", actor="U1", now=NOW)
    assert back.status is status and back.blocked_reason is None and back.blocked_since is None


def test_invalid_transition_names_the_allowed_ones():
    task = make_task()
    with pytest.raises(UserError) as refused:
        apply_action(task, "done", actor="U1", now=NOW)
    message = refused.value.message
    assert "T-3 is *Assigned*" in message
    assert "`/task start T-3`" in message and "`/task block T-3 REASON`" in message
    assert "/task review" not in message


def test_completed_is_final():
    task = make_task(status=TaskStatus.COMPLETED)
    assert allowed_actions(task) == []
    with pytest.raises(UserError, match="nothing more"):
        apply_action(task, "start", actor="U1", now=NOW)


def test_block_needs_a_reason_within_the_limit():
    with pytest.raises(UserError, match="Say why"):
        apply_action(make_task(), "block", actor="U1", now=NOW, reason="  ")
    with pytest.raises(UserError, match="at most 500"):
        apply_action(make_task(), "block", actor="U1", now=NOW, reason="x" * 501)


def test_progress_range_and_assign():
    with pytest.raises(UserError, match="0 to 100"):
        apply_action(make_task(status=TaskStatus.IN_PROGRESS), "progress", actor="U1", now=NOW, percent=101)
    task, event = apply_action(
        make_task(), "assign", actor="U1", now=NOW, assignee=Assignee(kind="user", id="U2")
    )
    assert task.assignee == Assignee(kind="user", id="U2") and task.status is TaskStatus.ASSIGNED
    assert describe_event(event) == "<@U1> assigned T-3 to <@U2>."
    with pytest.raises(UserError, match="already assigned"):
        apply_action(task, "assign", actor="U1", now=NOW, assignee=Assignee(kind="user", id="U2"))


def test_describe_event_escapes_reasons():
    _, event = apply_action(make_task(), "block", actor="U1", now=NOW, reason="<!channel> waiting")
    assert describe_event(event) == "<@U1> blocked T-3: &lt;!channel&gt; waiting"


@pytest.mark.parametrize(
    ("kind", "ident"), [("user", "U1> <!channel"), ("user", "bob"), ("agent", "Backend<@U1>"), ("agent", "")]
)
def test_assignee_ids_that_could_ping_are_refused(kind, ident):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Assignee(kind=kind, id=ident)
