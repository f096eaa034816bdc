import pytest

from maestro.errors import UserError
from maestro.models import TaskStatus
from maestro.plan_store import PlanRecord, PlanStore
from maestro.plans import Plan, PlanEdit, PlanEditError, PlannedTask, PlanRequirement, edit_plan
from maestro.store import NewTask, TaskStore


def make_plan(**changes) -> Plan:
    tasks = [
        PlannedTask(ref="P1", title="Design the API", role="backend-architect", estimate_days=2),
        PlannedTask(
            ref="P2", title="Design the schema", role="database-architect", depends_on=["P1"], estimate_days=3
        ),
        PlannedTask(
            ref="P3", title="Build the API", role="backend", depends_on=["P2"], estimate_days=3, covers=["R1"]
        ),
        PlannedTask(
            ref="P4",
            title="Build the admin page",
            role="frontend",
            depends_on=["P1"],
            estimate_days=1,
            covers=["R2"],
        ),
        PlannedTask(
            ref="P5", title="Test plan", role="qa", depends_on=["P3", "P4"], estimate_days=1, covers=["A1"]
        ),
    ]
    requirements = [
        PlanRequirement(id="R1", text="Orders API", source="Requirements, item 1"),
        PlanRequirement(id="R2", text="Admin page", source="Requirements, item 2"),
        PlanRequirement(id="A1", text="Orders load in 2 s", kind="acceptance"),
        PlanRequirement(id="X1", text="Refunds", kind="out_of_scope"),
    ]
    base = dict(
        brief="Orders",
        issue_type="backend-feature",
        workflow="DESIGN → IMPLEMENT → REVIEW",
        requirements=requirements,
        tasks=tasks,
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


def test_a_plan_leaving_a_requirement_uncovered_is_refused(stores):
    tasks, plans = stores
    plan = make_plan()
    plan.tasks[4].covers = []
    with pytest.raises(UserError, match="no task covers A1"):
        plans.create_plan("C1", "Orders", plan, actor="U1", source="p1")
    with pytest.raises(UserError, match="no task covers A1"):
        plans.save_draft("C1", "Orders", plan, actor="U1", source="p2")
    assert tasks.list_tasks("C1") == []


def test_a_draft_puts_nothing_on_the_board_until_its_tasks_are_created(stores):
    tasks, plans = stores
    draft, new = plans.save_draft(
        "C1", "Build orders", make_plan(), actor="U1", source="p1", message_ts="111.1"
    )
    assert new and draft.status == "draft" and draft.keys == {} and draft.plan == make_plan()
    assert tasks.list_tasks("C1") == []
    assert plans.save_draft("C1", "Build orders", make_plan(), actor="U1", source="p1") == (draft, False)
    record, created, new = plans.create_tasks(draft.id, actor="U2", source=f"plan-create-{draft.id}")
    assert new and record.id == draft.id and record.status == "created" and record.message_ts == "111.1"
    assert [t.key for t in created] == ["T-1", "T-2", "T-3", "T-4", "T-5"]
    assert record.keys["P3"] == "T-3" and record.batches == [["T-1"], ["T-2", "T-4"], ["T-3"], ["T-5"]]
    t3 = tasks.get("C1", "T-3")
    assert t3.thread_ts == "111.1" and t3.depends_on == ["T-2"] and "Covers R1." in t3.description
    again, same, new = plans.create_tasks(draft.id, actor="U2", source=f"plan-create-{draft.id}")
    assert not new and again.keys == record.keys and len(tasks.list_tasks("C1")) == 5


def test_a_draft_changes_atomically_and_a_stale_edit_is_refused(stores):
    _, plans = stores
    draft, _ = plans.save_draft("C1", "Build orders", make_plan(), actor="U1", source="p1")
    edit = PlanEdit(drop=["P4"], titles={"P3": "Build the orders API"}, roles={"P3": "frontend"})
    with pytest.raises(PlanEditError, match="P4 is the only task covering R2"):
        edit_plan(draft.plan, edit)
    edit = PlanEdit(titles={"P3": "Build the orders API"}, roles={"P3": "frontend"})
    changed = plans.update_draft(
        draft.id, lambda r: r.model_copy(update={"plan": edit_plan(r.plan, edit)}), version=0
    )
    assert changed.version == 1 and changed.plan.tasks[2].title == "Build the orders API"
    assert changed.plan.tasks[2].role == "frontend"
    with pytest.raises(UserError, match="changed while you were editing"):
        plans.update_draft(draft.id, lambda r: r, version=0)
    plans.create_tasks(draft.id, actor="U1", source="c1")
    with pytest.raises(UserError, match="already on the board"):
        plans.update_draft(draft.id, lambda r: r)


def test_dropping_a_task_keeps_what_it_waited_for():
    plan = make_plan()
    plan.tasks.append(
        PlannedTask(ref="P6", title="Extra design", role="backend-architect", depends_on=["P2"])
    )
    plan.tasks[4].depends_on = ["P6"]
    edited = edit_plan(plan, PlanEdit(drop=["P6"]))
    assert [t.ref for t in edited.tasks] == ["P1", "P2", "P3", "P4", "P5"]
    assert edited.tasks[4].depends_on == ["P2"]
    with pytest.raises(PlanEditError, match="a title has 3 to 140 characters"):
        edit_plan(plan, PlanEdit(titles={"P1": "x"}))
    with pytest.raises(PlanEditError, match="no role 'wizard'"):
        edit_plan(plan, PlanEdit(roles={"P1": "wizard"}))
    with pytest.raises(PlanEditError, match="Keep at least one task"):
        edit_plan(plan, PlanEdit(drop=[t.ref for t in plan.tasks]))


def test_a_record_stored_before_drafts_reads_as_a_created_plan():
    old = (
        '{"id": "0123456789abcdef0123456789abcdef", "team_id": "T0TEAM", "channel_id": "C1", "request": "r",'
        ' "brief": "Orders", "issue_type": "backend-feature", "workflow": "w", "keys": {"P1": "T-1"},'
        ' "batches": [["T-1"]], "critical_path": ["T-1"], "created_by": "U1"}'
    )
    record = PlanRecord.model_validate_json(old)
    assert record.status == "created" and record.plan is None and record.version == 0
