"""The offline brain's answers in threads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.brain import ThreadContext
from agents.offline import OFFLINE_REPLY_NOTE, OfflineBrain
from agents.roster import DEFAULT_ROSTER
from maestro.models import Assignee, Task, TaskStatus

BACKEND = next(a for a in DEFAULT_ROSTER if a.id == "backend")
BRAIN = OfflineBrain()


def make_task(**changes) -> Task:
    base = Task(
        key="T-4",
        team_id="T1",
        channel_id="C1",
        title="Let users cancel orders",
        description="Cancel an order before it ships, releasing its inventory reservation.",
        assignee=Assignee(kind="agent", id="backend"),
        acceptance_criteria=["Cancelled orders release inventory", "Tests written and passing"],
        depends_on=["T-1", "T-2"],
        created_by="U0ALICE",
    )
    return base.model_copy(update=changes)


def ask(question: str, task: Task | None = None, plan_brief: str | None = "Order management") -> str:
    ctx = ThreadContext(agent=BACKEND, question=question, asked_by="U0BOB", task=task, plan_brief=plan_brief)
    result = BRAIN.answer(ctx)
    assert result.brain == "offline" and result.value.escalation is None
    return result.value.text


def test_introduces_itself_and_its_task_and_says_it_is_offline():
    text = ask("hello", make_task(status=TaskStatus.IN_PROGRESS, percent=60))
    lines = text.splitlines()
    assert lines[0].startswith("I'm Backend Engineer (Implementer, `backend`)")
    assert lines[1] == "I'm on *T-4 — Let users cancel orders*, in progress (60%)."
    assert lines[-1] == OFFLINE_REPLY_NOTE
    assert "offline brain" in OFFLINE_REPLY_NOTE and "ANTHROPIC_API_KEY" in OFFLINE_REPLY_NOTE
    assert "Ask me about its status" in text


def test_status_lists_the_criteria_left():
    text = ask("What's the status? How far are you?", make_task(status=TaskStatus.IN_PROGRESS, percent=60))
    assert "Status: in progress (60%)." in text
    assert (
        "Acceptance criteria still to meet: Cancelled orders release inventory; Tests written and passing."
        in text
    )
    done = ask("status?", make_task(status=TaskStatus.COMPLETED))
    assert "All 2 acceptance criteria were accepted." in done


def test_why_gives_the_description_and_the_plan():
    text = ask("why are we doing this?", make_task())
    assert "Why: Cancel an order before it ships, releasing its inventory reservation." in text
    assert "It's part of the plan “Order management”." in text


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (TaskStatus.ASSIGNED, "Next: I start it once T-1, T-2 are done."),
        (TaskStatus.IN_PROGRESS, "Next: I finish the deliverable and send it to review."),
        (TaskStatus.REVIEW, "Next: the reviewer's verdict"),
        (TaskStatus.COMPLETED, "Nothing: the task is done."),
    ],
)
def test_whats_next_depends_on_the_status(status, expected):
    assert expected in ask("what's next?", make_task(status=status))


def test_who_and_blocked():
    text = ask("who owns this?", make_task(assignee=Assignee(kind="user", id="U0CAROL")))
    assert "It's assigned to user U0CAROL; U0ALICE created it." in text
    assert "<@" not in text, "the renderer escapes; no raw mentions"
    blocked = make_task(
        status=TaskStatus.BLOCKED,
        blocked_reason="waiting for the payment provider's sandbox keys",
        blocked_since=datetime(2026, 2, 14, 9, 30, tzinfo=UTC),
    )
    text = ask("are you blocked?", blocked)
    assert (
        "Yes, it's blocked since 2026-02-14 09:30 UTC: waiting for the payment provider's sandbox keys."
        in text
    )
    assert "It waits for T-1, T-2; nothing else blocks it." in ask("is anything blocking?", make_task())
    assert "`/task unblock T-4`" in ask("what's next", blocked)


def test_several_topics_in_one_question():
    text = ask("Status, and who is on it, and why?", make_task(status=TaskStatus.REVIEW))
    assert "Status: in review." in text and "It's assigned to the backend agent" in text and "Why:" in text


def test_an_unrecognised_question_still_gets_the_task_data():
    text = ask("Can you make it purple?", make_task())
    assert "Offline I can only answer from the task's data" in text
    assert "Acceptance criteria still to meet" in text and "Next: I start it" in text


def test_without_a_task():
    assert "This thread is about the plan: Order management." in ask("status?", None)
    assert "I'm not on a task in this thread." in ask("status?", None, plan_brief=None)


def test_long_tasks_are_cut_to_fit():
    task = make_task(
        description="word " * 1000, acceptance_criteria=[f"criterion {i} " + "x" * 200 for i in range(12)]
    )
    text = ask("status and why and what's next and who and blocked?", task)
    assert len(text) <= 3000
    assert text.endswith(OFFLINE_REPLY_NOTE)
