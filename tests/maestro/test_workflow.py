from datetime import UTC, datetime

import pytest

from maestro.errors import UserError
from maestro.models import Assignee, Task, TaskStatus
from maestro.workflow import allowed_actions, apply_action, describe_event
from tests.evidence import approved_by

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
    task, done = apply_action(task, "done", actor="U2", now=NOW, evidence=approved_by("U2"))
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
        apply_action(task, "done", actor="U1", now=NOW, evidence=approved_by("U1"))
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


def test_nothing_completes_without_evidence():
    task = make_task(status=TaskStatus.REVIEW)
    with pytest.raises(ValueError, match="only with evidence"):
        apply_action(task, "done", actor="agent:code-reviewer", now=NOW)


def test_a_completed_task_says_what_completed_it():
    from maestro.models import CompletionEvidence
    from maestro.workflow import evidence_text

    task = make_task(status=TaskStatus.REVIEW)
    review = CompletionEvidence(
        kind="review",
        by="agent:code-reviewer",
        by_name="Code Reviewer",
        model="m",
        criteria_met=4,
        criteria_total=5,
    )
    done, event = apply_action(task, "done", actor="agent:code-reviewer", now=NOW, evidence=review)
    assert evidence_text(done) == "Reviewed by Code Reviewer (Claude) — 4/5 criteria met"
    assert (
        describe_event(event) == "code-reviewer (agent) reviewed T-3: 4/5 criteria met, so it is *Completed*."
    )
    approved, _ = apply_action(task, "done", actor="U2", now=NOW, evidence=approved_by("U2"))
    assert evidence_text(approved) == "Approved by <@U2>"
    assert evidence_text(make_task(status=TaskStatus.COMPLETED)) == "Completed (no evidence recorded)"


def test_a_draft_review_waits_for_a_person():
    from maestro.workflow import WAITING_FOR_PERSON, review_state

    task = make_task(status=TaskStatus.IN_PROGRESS, assignee=Assignee(kind="agent", id="backend"))
    by_agent, _ = apply_action(task, "review", actor="agent:backend", now=NOW)
    assert review_state(by_agent) == "in review" and not by_agent.waits_for_person
    draft, _ = apply_action(task, "review", actor="agent:backend", now=NOW, review_by="person")
    assert review_state(draft) == WAITING_FOR_PERSON
    handed, event = apply_action(by_agent, "await_person", actor="agent:master", now=NOW, reason="offline")
    assert handed.waits_for_person and describe_event(event) == f"T-3 is {WAITING_FOR_PERSON}: offline"
    sent_back, _ = apply_action(draft, "reject", actor="U2", now=NOW, reason="add tests")
    assert sent_back.review_by is None and not sent_back.waits_for_person


@pytest.mark.parametrize(
    ("assignee", "status", "user", "approvers", "admin", "refused"),
    [
        ("U1", TaskStatus.IN_PROGRESS, "U1", [], False, None),  # one's own task, while working it
        ("U1", TaskStatus.REVIEW, "U1", [], False, "your own work in review"),
        ("U1", TaskStatus.REVIEW, "U2", [], False, None),
        ("U1", TaskStatus.REVIEW, "U2", ["U3"], False, "Only this channel's approvers (<@U3>)"),
        ("U1", TaskStatus.REVIEW, "U2", ["U3"], True, None),  # an admin
        ("U1", TaskStatus.REVIEW, "U3", ["U3"], False, None),
        ("U1", TaskStatus.REVIEW, "U1", ["U1"], False, "your own work in review"),  # even an approver
        ("backend", TaskStatus.REVIEW, "U2", [], False, None),
        ("backend", TaskStatus.REVIEW, "U2", ["U3"], False, "Only this channel's approvers"),
    ],
)
def test_who_may_approve(assignee, status, user, approvers, admin, refused):
    from maestro.workflow import approval_refusal

    kind = "user" if assignee.startswith("U") else "agent"
    task = make_task(status=status, assignee=Assignee(kind=kind, id=assignee))
    said = approval_refusal(task, user, approvers=approvers, is_admin=lambda: admin)
    assert (said is None) if refused is None else (refused in said)
