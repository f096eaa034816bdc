"""The draft plan, its batch messages and its edit modal: pure builders, within Slack's limits."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block

from agents.planner import build_plan
from maestro.plans import MAX_PLAN_TASKS, Plan, PlannedTask, PlanRequirement
from maestro.team_cards import (
    ACTION_CREATE_TASKS,
    ACTION_EDIT_PLAN,
    ACTION_POST_CARDS,
    ACTION_REPLAN,
    build_plan_draft_blocks,
    build_plan_edit_modal,
    plan_thread_messages,
)
from sandbox.examples import ORDER_MANAGEMENT
from sandbox.validation import block_errors

PLAN_ID = "0123456789abcdef0123456789abcdef"


def big_plan() -> Plan:
    tasks = [
        PlannedTask(
            ref=f"P{n}",
            title=f"<!channel> task {n} " + "word " * 20,
            role="backend",
            depends_on=[f"P{n - 1}"] if n % 3 == 0 else [],
            covers=[f"R{n}"],
        )
        for n in range(1, MAX_PLAN_TASKS + 1)
    ]
    requirements = [
        PlanRequirement(id=f"R{n}", text=f"<@U1> requirement {n} " + "text " * 60) for n in range(1, 41)
    ]
    return Plan(
        brief="<!here> a big plan",
        issue_type="backend-feature",
        type_reason="It mentions <!channel>",
        workflow="w",
        requirements=requirements,
        open_questions=["<b>why?</b>"] * 10,
        tasks=tasks,
    )


def test_the_draft_names_type_requirements_batches_and_its_three_controls():
    plan = build_plan(ORDER_MANAGEMENT)
    blocks = build_plan_draft_blocks(plan, plan_id=PLAN_ID, requested_by="U0ALICE", note="Offline brain.")
    text = json.dumps(blocks, ensure_ascii=False)
    assert blocks[0]["text"]["text"].startswith("Draft plan: E-Commerce Order Management System")
    assert (
        "*Type* backend-feature (high confidence)" in text and "`A1` (check) 95% order success rate" in text
    )
    assert "*12 tasks in 6 batches*" in text and "*Batch 4* (in parallel)" in text
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        ACTION_CREATE_TASKS,
        ACTION_REPLAN,
        ACTION_EDIT_PLAN,
    ]
    assert actions["block_id"] == f"plan_draft:{PLAN_ID}"
    assert "backend-feature" not in [o["value"] for o in actions["elements"][1]["options"]]
    assert block_errors(blocks) == [] and all(Block.parse(b) for b in blocks)


def test_a_12_task_plan_posts_one_message_per_batch():
    plan = build_plan(ORDER_MANAGEMENT)
    messages = plan_thread_messages(plan, plan_id=PLAN_ID, keys={f"P{n}": f"T-{n + 4}" for n in range(1, 13)})
    assert [text.split(":")[0] for text, _ in messages] == [f"Batch {n} of 6" for n in range(1, 7)]
    first_text, first = messages[0]
    assert first_text == "Batch 1 of 6: T-5" and "*T-5* Design the data model" in json.dumps(first)
    assert f"{PLAN_ID}:1" in json.dumps(first) and ACTION_POST_CARDS in json.dumps(first)
    assert "after T-5" in json.dumps(messages[1][1])
    assert 1 + len(messages) <= 15


def test_a_40_task_plan_fits_slack_and_escapes_what_people_wrote():
    plan = big_plan()
    blocks = build_plan_draft_blocks(plan, plan_id=PLAN_ID, requested_by="U0ALICE", note="n")
    assert block_errors(blocks) == [] and len(blocks) <= 50
    dumped = json.dumps(blocks)
    assert "<!channel>" not in dumped and "<!here>" not in dumped and "<@U1>" not in dumped
    for _, message in plan_thread_messages(plan, plan_id=PLAN_ID):
        assert block_errors(message) == [] and "<!channel>" not in json.dumps(message)
    modal = build_plan_edit_modal(plan, plan_id=PLAN_ID, channel_id="C1", version=3)
    assert len(modal["blocks"]) <= 100 and json.loads(modal["private_metadata"]) == {
        "p": PLAN_ID,
        "c": "C1",
        "v": 3,
    }
    assert block_errors(modal["blocks"], max_blocks=100) == []
    assert len(modal["title"]["text"]) <= 24
    assert all(len(o["text"]["text"]) <= 75 for o in modal["blocks"][1]["element"]["options"])
