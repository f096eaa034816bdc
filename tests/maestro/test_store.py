import threading

import pytest

from maestro.errors import NotFound, UserError
from maestro.models import Assignee, TaskStatus
from maestro.store import NewTask, TaskStore
from tests.evidence import approved_by


@pytest.fixture
def store(redis) -> TaskStore:
    return TaskStore(redis, "T0TEAM")


def test_keys_count_up_per_project(store):
    keys = [
        store.create_task("C1", NewTask(title=f"t{i}"), actor="U1", source=f"s{i}").task.key for i in range(3)
    ]
    other = store.create_task("C2", NewTask(title="other"), actor="U1", source="s-other").task.key
    assert keys == ["T-1", "T-2", "T-3"] and other == "T-1"


def test_keys_are_unique_under_concurrency(redis):
    keys: list[str] = []

    def create(i: int) -> None:
        keys.append(
            TaskStore(redis, "T0TEAM")
            .create_task("C1", NewTask(title="x"), actor="U1", source=f"c{i}")
            .task.key
        )

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(keys, key=lambda k: int(k[2:])) == [f"T-{n}" for n in range(1, 21)]


def test_same_source_creates_once(store):
    first = store.create_task("C1", NewTask(title="once"), actor="U1", source="req-1")
    again = store.create_task("C1", NewTask(title="once"), actor="U1", source="req-1")
    assert first.new and not again.new and again.task.id == first.task.id
    assert len(store.list_tasks("C1")) == 1


def test_keys_are_team_prefixed(redis, store):
    store.create_task("C1", NewTask(title="x"), actor="U1", source="s")
    keys = set(redis.keys("*"))
    assert keys and all(k.startswith(b"maestro:T0TEAM:") for k in keys - {b"maestro:projects"})
    assert TaskStore.all_projects(redis) == [("T0TEAM", "C1")]  # the one deployment-wide index
    assert TaskStore(redis, "T0OTHER").list_tasks("C1") == []


def test_change_and_audit_event_are_written_together(store):
    task = store.create_task("C1", NewTask(title="x"), actor="U1", source="s1").task
    change = store.apply("C1", "T-1", "start", actor="U2", source="s2")
    assert change.task.status is TaskStatus.IN_PROGRESS
    events = store.events(task.id)
    assert [e.action for e in events] == ["created", "started"]
    assert events[1].actor == "U2" and events[1].source == "s2" and events[1].id == change.event.id


def test_same_source_changes_once(store):
    store.create_task("C1", NewTask(title="x"), actor="U1", source="s1")
    first = store.apply("C1", "T-1", "progress", actor="U1", source="p", percent=30)
    again = store.apply("C1", "T-1", "progress", actor="U1", source="p", percent=30)
    assert first.new and not again.new and again.event.id == first.event.id
    assert len(store.events(first.task.id)) == 2 and store.get("C1", "T-1").version == 2


def test_refused_change_changes_nothing(store):
    task = store.create_task("C1", NewTask(title="x"), actor="U1", source="s1").task
    with pytest.raises(UserError, match="can't be marked done"):
        store.apply("C1", "T-1", "done", actor="U1", evidence=approved_by("U1"), source="bad")
    assert store.get("C1", "T-1") == task and len(store.events(task.id)) == 1
    assert store.change_for_source("bad") is None


def test_unknown_key(store):
    with pytest.raises(NotFound, match="There's no task T-9"):
        store.get("C1", "T-9")
    with pytest.raises(NotFound):
        store.apply("C1", "T-9", "start", actor="U1", source="s")


def test_dependencies_must_exist_and_build_unblocks(store):
    store.create_task("C1", NewTask(title="a"), actor="U1", source="a")
    with pytest.raises(UserError, match="T-7 is not a task"):
        store.create_task("C1", NewTask(title="b", depends_on=("T-1", "T-7")), actor="U1", source="b")
    assert len(store.list_tasks("C1")) == 1
    store.create_task("C1", NewTask(title="c", depends_on=("T-1",)), actor="U1", source="c")
    assert store.unblocks("C1", "T-1") == ["T-2"]


def test_concurrent_changes_are_serialised(redis):
    TaskStore(redis, "T").create_task("C1", NewTask(title="x"), actor="U1", source="s")
    TaskStore(redis, "T").apply("C1", "T-1", "start", actor="U1", source="start")
    results = []

    def bump(i: int) -> None:
        results.append(
            TaskStore(redis, "T").apply("C1", "T-1", "progress", actor="U1", source=f"p{i}", percent=i)
        )

    threads = [threading.Thread(target=bump, args=(i,)) for i in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    task = TaskStore(redis, "T").get("C1", "T-1")
    assert task.version == 2 + 20 and len(TaskStore(redis, "T").events(task.id)) == 22


def test_post_claims(store):
    assert store.claim_post("card:1") and not store.claim_post("card:1")
    store.release_post("card:1")
    assert store.claim_post("card:1")
    store.confirm_post("card:1", "123.456")
    assert not store.claim_post("card:1")


def test_assign_and_persisted_assignee(store):
    store.create_task(
        "C1", NewTask(title="x", assignee=Assignee(kind="agent", id="qa")), actor="U1", source="s"
    )
    store.apply("C1", "T-1", "assign", actor="U1", source="a", assignee=Assignee(kind="user", id="U0BOB"))
    assert store.get("C1", "T-1").assignee == Assignee(kind="user", id="U0BOB")
