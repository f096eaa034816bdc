"""SprintStore: sprints, their task index, closing, milestones and retro answers on a real Redis."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from redis import Redis

from maestro.errors import NotFound, UserError
from maestro.models import TaskStatus
from maestro.retro import RetroAnswer, RetroKind, classify_retro
from maestro.sprint_store import SprintStore
from maestro.sprints import SprintStatus
from maestro.store import NewTask, TaskStore
from tests.evidence import approved_by

TEAM, CHANNEL = "T0TEAM", "C1"
TODAY = date(2026, 11, 23)


@pytest.fixture
def store(redis) -> SprintStore:
    return SprintStore(redis, TEAM)


def make_tasks(redis, count: int) -> list[str]:
    tasks = TaskStore(redis, TEAM)
    return [
        tasks.create_task(CHANNEL, NewTask(title=f"task {i}"), actor="U1", source=f"new-{i}").task.key
        for i in range(count)
    ]


def test_start_numbers_sprints_and_refuses_a_second_active_one(store):
    first = store.start(CHANNEL, "", actor="U1", today=TODAY)
    assert (first.name, first.number, first.start, first.end) == ("Sprint 1", 1, TODAY, date(2026, 12, 6))
    assert store.current(CHANNEL) == first and first.day_of(TODAY) == 1 and first.days == 14
    with pytest.raises(UserError, match="still running.*`/sprint close`"):
        store.start(CHANNEL, "Checkout", actor="U1", today=TODAY)
    with pytest.raises(UserError, match="1 to 90 days"):
        store.start(CHANNEL, "x", days=0, actor="U1", today=TODAY)
    assert store.list(CHANNEL) == [first]
    assert store.find(CHANNEL, "sprint 1") == first and store.find(CHANNEL, "#1") == first
    with pytest.raises(NotFound, match="/sprint list"):
        store.find(CHANNEL, "<!channel>")


def test_add_and_remove_keep_the_index_and_the_tasks_in_step(redis, store):
    keys = make_tasks(redis, 4)
    sprint = store.start(CHANNEL, "Checkout", actor="U1", today=TODAY)
    TaskStore(redis, TEAM).apply(CHANNEL, "T-4", "start", actor="U1", source="s")
    TaskStore(redis, TEAM).apply(
        CHANNEL, "T-4", "done", actor="U1", evidence=approved_by("U1"), source="d"
    )  # done tasks may join
    added = store.add_tasks(CHANNEL, ["t-1", "T-2", "T-4"], actor="U2", source="add-1")
    assert [t.key for t in added] == ["T-1", "T-2", "T-4"] and {t.sprint for t in added} == {sprint.id}
    assert [t.key for t in store.sprint_tasks(CHANNEL, sprint.id)] == ["T-1", "T-2", "T-4"]
    events = TaskStore(redis, TEAM).events(added[0].id)
    assert (
        events[-1].action == "sprint" and events[-1].actor == "U2" and events[-1].detail["name"] == "Checkout"
    )

    store.add_tasks(CHANNEL, ["T-1"], actor="U2", source="add-1")  # same source: nothing again
    assert len(TaskStore(redis, TEAM).events(added[0].id)) == 2

    with pytest.raises(NotFound, match="T-9, T-8 are not a task"):
        store.add_tasks(CHANNEL, ["T-3", "T-9", "T-8"], actor="U2", source="add-2")
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-3").sprint is None  # nothing changed

    store.remove_tasks(CHANNEL, ["T-2", "T-3"], actor="U2", source="rm-1")
    assert [t.key for t in store.sprint_tasks(CHANNEL, sprint.id)] == ["T-1", "T-4"]
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-2").sprint is None
    assert len(keys) == 4


def test_close_moves_unfinished_tasks_to_the_next_sprint(redis, store):
    make_tasks(redis, 3)
    tasks = TaskStore(redis, TEAM)
    sprint = store.start(CHANNEL, "Sprint 7", days=10, actor="U1", today=TODAY)
    store.add_tasks(CHANNEL, ["T-1", "T-2", "T-3"], actor="U1", source="add")
    tasks.apply(CHANNEL, "T-1", "start", actor="U1", source="s1")
    tasks.apply(CHANNEL, "T-1", "done", actor="U1", evidence=approved_by("U1"), source="d1")
    tasks.apply(CHANNEL, "T-2", "block", actor="U1", source="b2", reason="waiting")

    result = store.close(CHANNEL, carry="next", actor="U1", source="close-1", today=date(2026, 12, 2))
    assert result.new and (result.done, result.total, result.carried) == (1, 3, ["T-2", "T-3"])
    assert result.closed.status is SprintStatus.CLOSED and result.closed.carried == ["T-2", "T-3"]
    following = result.next
    assert following is not None and following.name == "Sprint 2" and following.number == 2
    assert (following.start, following.days) == (date(2026, 12, 3), 10)
    assert store.current(CHANNEL) == following and result.closed.carried_to == following.id
    assert [t.key for t in store.sprint_tasks(CHANNEL, sprint.id)] == ["T-1"]
    assert [t.key for t in store.sprint_tasks(CHANNEL, following.id)] == ["T-2", "T-3"]
    assert tasks.get(CHANNEL, "T-2").status is TaskStatus.BLOCKED  # moving keeps the status

    again = store.close(CHANNEL, carry="next", actor="U1", source="close-1", today=date(2026, 12, 2))
    assert not again.new and again.next == following and store.current(CHANNEL) == following
    with pytest.raises(UserError, match="already closed"):
        store.close(CHANNEL, carry="backlog", actor="U1", source="close-2", today=TODAY, sprint_id=sprint.id)
    with pytest.raises(UserError, match="finished in \\*Sprint 7\\*"):
        store.add_tasks(CHANNEL, ["T-1"], actor="U1", source="steal")  # history stays put


def test_close_to_the_backlog_leaves_no_sprint_running(redis, store):
    make_tasks(redis, 2)
    sprint = store.start(CHANNEL, "Sprint 1", actor="U1", today=TODAY)
    store.add_tasks(CHANNEL, ["T-1", "T-2"], actor="U1", source="add")
    result = store.close(CHANNEL, carry="backlog", actor="U1", source="c", today=TODAY)
    assert result.next is None and result.carried == ["T-1", "T-2"] and result.closed.carried_to == "backlog"
    assert store.current(CHANNEL) is None and store.sprint_tasks(CHANNEL, sprint.id) == []
    assert {t.sprint for t in TaskStore(redis, TEAM).list_tasks(CHANNEL)} == {None}
    with pytest.raises(UserError, match="No sprint is running"):
        store.close(CHANNEL, carry="backlog", actor="U1", source="c2", today=TODAY)
    assert store.start(CHANNEL, "", actor="U1", today=TODAY).number == 2


def test_concurrent_adds_and_close_leave_the_index_consistent(redis, store):
    make_tasks(redis, 20)
    store.start(CHANNEL, "Sprint 1", actor="U1", today=TODAY)

    def add(i: int) -> None:
        SprintStore(redis, TEAM).add_tasks(CHANNEL, [f"T-{i + 1}"], actor="U1", source=f"a{i}")

    threads = [threading.Thread(target=add, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = store.close(CHANNEL, carry="next", actor="U1", source="c", today=TODAY)
    assert len(result.carried) == 20 and result.next is not None
    assert len(store.sprint_tasks(CHANNEL, result.next.id)) == 20


def test_milestones_dependencies_gates_and_cycles(redis, store):
    make_tasks(redis, 3)
    store.add_milestone(CHANNEL, "M1.1", "Shared packages", actor="U1")
    store.add_milestone(CHANNEL, "m1.3", "User service", depends_on=["M1.1"], actor="U1")
    gateway = store.add_milestone(
        CHANNEL,
        "M1.4",
        "Gateway",
        depends_on=["M1.3"],
        gates=["All services pass health checks", "JWT validated"],
        due=date(2026, 12, 1),
        actor="U1",
    )
    store.add_milestone(CHANNEL, "M1.10", "Later", actor="U1")
    assert gateway.label == "M1.4 — Gateway" and gateway.depends_on == ["M1.3"]
    assert [m.key for m in store.milestones(CHANNEL)] == ["M1.1", "M1.3", "M1.4", "M1.10"]

    with pytest.raises(UserError, match="M2.1 is not a milestone"):
        store.add_milestone(CHANNEL, "M1.5", "Migrations", depends_on=["M2.1"], actor="U1")
    with pytest.raises(UserError, match="cycle: M1.1 → M1.4 → M1.3 → M1.1"):
        store.add_milestone(CHANNEL, "M1.1", "Shared packages", depends_on=["M1.4"], actor="U1")
    assert store.get_milestone(CHANNEL, "M1.1").depends_on == []  # nothing changed

    met = store.set_gate(CHANNEL, "M1.4", 1, True, actor="U1")
    assert met.gates_met == [1]
    with pytest.raises(UserError, match="no gate 3; its gates are numbered 1 to 2"):
        store.set_gate(CHANNEL, "M1.4", 2, True, actor="U1")
    redefined = store.add_milestone(CHANNEL, "M1.4", "Gateway", gates=["JWT validated", "Docs"], actor="U1")
    assert redefined.gates_met == [0] and redefined.version == 3  # the met gate kept by its text

    attached = store.attach(CHANNEL, "M1.4", ["T-1", "T-2"], actor="U1", source="att")
    assert {t.milestone for t in attached} == {"M1.4"}
    store.attach(CHANNEL, "M1.3", ["T-2"], actor="U1", source="att-2")
    assert [t.key for t in store.milestone_tasks(CHANNEL, "M1.4")] == ["T-1"]
    assert [t.key for t in store.milestone_tasks(CHANNEL, "m1.3")] == ["T-2"]
    with pytest.raises(NotFound, match="no milestone M9"):
        store.attach(CHANNEL, "M9", ["T-3"], actor="U1", source="att-3")


@pytest.mark.parametrize(
    ("text", "kind", "rest"),
    [
        ("Went well: fast deploys", RetroKind.WENT_WELL, "fast deploys"),
        ("+ pairing", RetroKind.WENT_WELL, "pairing"),
        ("well: reviews", RetroKind.WENT_WELL, "reviews"),
        ("Didn't go well - flaky CI", RetroKind.DIDNT, "flaky CI"),
        ("didnt: estimates", RetroKind.DIDNT, "estimates"),
        ("- too many meetings", RetroKind.DIDNT, "too many meetings"),
        ("→ smaller PRs", RetroKind.CHANGE, "smaller PRs"),
        ("-> smaller PRs", RetroKind.CHANGE, "smaller PRs"),
        ("Try: mob on Fridays", RetroKind.CHANGE, "mob on Fridays"),
        ("changelog was nice", RetroKind.OTHER, "changelog was nice"),
        ("thanks all", RetroKind.OTHER, "thanks all"),
    ],
)
def test_retro_replies_are_classified_by_their_opening_words(text, kind, rest):
    assert classify_retro(text) == (kind, rest)


def test_retro_answers_are_kept_once_per_event(store):
    sprint = store.start(CHANNEL, "", actor="U1", today=TODAY)
    store.set_retro_thread(CHANNEL, sprint.id, "1700000000.000100")
    assert store.retro_sprint_id(CHANNEL, "1700000000.000100") == sprint.id
    assert store.get(CHANNEL, sprint.id).retro_ts == "1700000000.000100"
    answer = RetroAnswer(event_id="Ev1", user_id="U1", kind=RetroKind.DIDNT, text="slow CI", ts="2.0")
    assert store.add_retro_answer(CHANNEL, sprint.id, answer)
    assert not store.add_retro_answer(CHANNEL, sprint.id, answer.model_copy(update={"text": "dup"}))
    store.add_retro_answer(
        CHANNEL,
        sprint.id,
        RetroAnswer(event_id="Ev2", user_id="U2", kind=RetroKind.OTHER, text="hi", ts="1.0"),
    )
    assert [a.text for a in store.retro_answers(CHANNEL, sprint.id)] == ["hi", "slow CI"]


class CloseWhileReading(Redis):
    """A client whose pipelines run ``on_read`` once, right after reading sprint records (MGET).

    It stands for another process committing between a transaction's read and its EXEC.
    """

    on_read = None

    def pipeline(self, *args, **kwargs):
        pipe = super().pipeline(*args, **kwargs)
        mget = pipe.mget

        def racing_mget(keys, *more):
            found = mget(keys, *more)
            if self.on_read and all(re.search(r":sprint:[^:]+$", str(k)) for k in keys):
                on_read, self.on_read = self.on_read, None
                on_read()
            return found

        pipe.mget = racing_mget
        return pipe


def test_a_close_committing_during_remove_keeps_the_finished_task_in_the_closed_sprint(
    redis, redis_url, store
):
    make_tasks(redis, 1)
    tasks = TaskStore(redis, TEAM)
    sprint = store.start(CHANNEL, "Sprint 1", actor="U1", today=TODAY)
    store.add_tasks(CHANNEL, ["T-1"], actor="U1", source="add")
    tasks.apply(CHANNEL, "T-1", "start", actor="U1", source="s")
    tasks.apply(CHANNEL, "T-1", "done", actor="U1", evidence=approved_by("U1"), source="d")

    def close_the_record() -> None:  # a close's write to the sprint's record, from elsewhere
        closed = sprint.model_copy(update={"status": SprintStatus.CLOSED, "version": sprint.version + 1})
        redis.set(f"maestro:{TEAM}:project:{CHANNEL}:sprint:{sprint.id}", closed.model_dump_json())

    racing = CloseWhileReading.from_url(redis_url)
    racing.on_read = close_the_record
    with pytest.raises(UserError, match="finished in \\*Sprint 1\\*, which is closed"):
        SprintStore(racing, TEAM).remove_tasks(CHANNEL, ["T-1"], actor="U2", source="rm")
    assert racing.on_read is None  # the close did happen mid-transaction
    assert tasks.get(CHANNEL, "T-1").sprint == sprint.id
    assert [t.key for t in store.sprint_tasks(CHANNEL, sprint.id)] == ["T-1"]


def test_attached_tasks_read_only_the_milestones_indexes(redis, store):
    make_tasks(redis, 5)
    store.add_milestone(CHANNEL, "M1", "One", actor="U1")
    store.add_milestone(CHANNEL, "M2", "Two", actor="U1")
    store.attach(CHANNEL, "M1", ["T-3", "T-1"], actor="U1", source="a1")
    store.attach(CHANNEL, "M2", ["T-4"], actor="U1", source="a2")
    store.attach(CHANNEL, "M2", ["T-1"], actor="U1", source="a3")  # moved: out of M1's index
    assert [(t.key, t.milestone) for t in store.attached_tasks(CHANNEL, ["m1", "M2"])] == [
        ("T-1", "M2"),
        ("T-3", "M1"),
        ("T-4", "M2"),
    ]
    assert [t.key for t in store.attached_tasks(CHANNEL, ["M1"])] == ["T-3"]
    assert store.attached_tasks(CHANNEL, []) == []


def test_redefining_a_milestone_that_changed_since_it_was_read_changes_nothing(store):
    first = store.add_milestone(CHANNEL, "M1", "One", actor="U1", expect_version=0)
    with pytest.raises(UserError, match="M1 changed while you were typing"):
        store.add_milestone(CHANNEL, "M1", "Mine", actor="U2", expect_version=0)  # someone added it first
    assert store.get_milestone(CHANNEL, "M1") == first
    assert store.add_milestone(CHANNEL, "M1", "Mine", actor="U2", expect_version=1).version == 2
