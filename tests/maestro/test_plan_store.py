import pytest

from maestro.errors import UserError
from maestro.models import TaskStatus
from maestro.plan_store import PlanStore
from maestro.plans import Plan, PlannedTask
from maestro.store import NewTask, TaskStore


def make_plan(**changes) -> Plan:
    tasks = [
        PlannedTask(ref="P1", title="Design the API", role="backend-architect", estimate_days=2),
        PlannedTask(
            ref="P2", title="Design the schema", role="database-architect", depends_on=["P1"], estimate_days=3
        ),
        PlannedTask(ref="P3", title="Build the API", role="backend", depends_on=["P2"], estimate_days=3),
        PlannedTask(
            ref="P4", title="Build the admin page", role="frontend", depends_on=["P1"], estimate_days=1
        ),
        PlannedTask(ref="P5", title="Test plan", role="qa", depends_on=["P3", "P4"], estimate_days=1),
    ]
    base = dict(
        brief="Orders", issue_type="backend-feature", workflow="DESIGN → IMPLEMENT → REVIEW", tasks=tasks
    )
    return Plan(**{**base, **changes})


@pytest.fixture
def stores(redis):
    tasks = TaskStore(redis, "T0TEAM")
    return tasks, PlanStore(tasks)


def test_plan_creates_every_task_with_keys_batches_and_critical_path(stores):
    tasks, plans = stores
    tasks.create_task("C1", NewTask(title="existing"), actor="U1", source="s0")  # T-1 is taken
    record, created, new = plans.create_plan(
        "C1", "Build orders", make_plan(), actor="U1", source="p1", message_ts="111.1"
    )
    assert new and [t.key for t in created] == ["T-2", "T-3", "T-4", "T-5", "T-6"]
    assert record.keys == {"P1": "T-2", "P2": "T-3", "P3": "T-4", "P4": "T-5", "P5": "T-6"}
    assert record.batches == [["T-2"], ["T-3", "T-5"], ["T-4"], ["T-6"]]
    assert record.critical_path == ["T-2", "T-3", "T-4", "T-6"]
    t4 = tasks.get("C1", "T-4")
    assert t4.assignee.id == "backend" and t4.depends_on == ["T-3"] and t4.plan_id == record.id
    assert t4.thread_ts == "111.1" and t4.status is TaskStatus.ASSIGNED
    assert tasks.unblocks("C1", "T-2") == ["T-3", "T-5"]
    assert plans.get(record.id) == record


def test_same_source_plans_once(stores):
    tasks, plans = stores
    first, _, _ = plans.create_plan("C1", "Build orders", make_plan(), actor="U1", source="p1")
    again, created, new = plans.create_plan("C1", "Build orders", make_plan(), actor="U1", source="p1")
    assert not new and again.id == first.id and len(created) == 5
    assert len(tasks.list_tasks("C1")) == 5


def test_a_cycle_is_refused_naming_it_and_nothing_is_created(stores):
    tasks, plans = stores
    plan = make_plan()
    plan.tasks[0].depends_on = ["P5"]
    with pytest.raises(UserError) as refused:
        plans.create_plan("C1", "Loop", plan, actor="U1", source="p1")
    assert "P1 → P5 → P3 → P2 → P1" in refused.value.message
    assert tasks.list_tasks("C1") == []


def test_unknown_reference_is_refused(stores):
    tasks, plans = stores
    plan = make_plan()
    plan.tasks[4].depends_on = ["P9"]
    with pytest.raises(UserError, match="P9"):
        plans.create_plan("C1", "Bad", plan, actor="U1", source="p1")
    assert tasks.list_tasks("C1") == []
