import json
from datetime import date

from slack_sdk.models.blocks import Block

from maestro.board import select_tasks
from maestro.cards import (
    ACTION_BLOCK,
    ACTION_DONE,
    ACTION_START,
    ACTION_UNBLOCK,
    MAX_LIST_ROWS,
    build_help_blocks,
    build_task_card_blocks,
    build_task_list_blocks,
    card_fallback_text,
)
from maestro.commands import TaskCommand
from maestro.models import Assignee, Priority, Task, TaskStatus


def make_task(number=3, **changes) -> Task:
    task = Task(
        key=f"T-{number}",
        team_id="T1",
        channel_id="C1",
        title="Write the login API",
        created_by="U0ALICE",
        assignee=Assignee(kind="agent", id="backend"),
        priority=Priority.HIGH,
        depends_on=["T-1"],
        acceptance_criteria=["returns 401 on a bad password"],
        due=date(2026, 12, 1),
    )
    return task.model_copy(update=changes)


def button_ids(blocks):
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def all_text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_card_has_seed_000_fields_and_buttons():
    blocks = build_task_card_blocks(make_task(), unblocks=["T-5"])
    text = all_text(blocks)
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "T-3 · Write the login API"
    for label in (
        "Assignee",
        "Priority",
        "Status",
        "Sprint",
        "Milestone",
        "Acceptance criteria",
        "Depends on",
        "Unblocks",
    ):
        assert f"*{label}*" in text
    assert "backend (agent)" in text and "T-1" in text and "T-5" in text and "☐ returns 401" in text
    assert button_ids(blocks) == [ACTION_START, ACTION_BLOCK]
    for block in blocks:  # slack_sdk's own models accept every block
        assert Block.parse(block) is not None


def test_buttons_follow_the_status():
    assert button_ids(build_task_card_blocks(make_task(status=TaskStatus.IN_PROGRESS, percent=60))) == [
        ACTION_DONE,
        ACTION_BLOCK,
    ]
    blocked = make_task(status=TaskStatus.BLOCKED, blocked_reason="schema", blocked_from=TaskStatus.ASSIGNED)
    assert button_ids(build_task_card_blocks(blocked)) == [ACTION_UNBLOCK]
    assert button_ids(build_task_card_blocks(make_task(status=TaskStatus.COMPLETED))) == []


def test_status_uses_sprint_tracking_symbols():
    text = all_text(build_task_card_blocks(make_task(status=TaskStatus.IN_PROGRESS, percent=60)))
    assert "`[~]` In progress · 60%" in text
    blocked = make_task(status=TaskStatus.BLOCKED, blocked_reason="waiting", blocked_from=TaskStatus.ASSIGNED)
    assert "`[!]` *BLOCKED* — waiting" in all_text(build_task_card_blocks(blocked))


def test_user_text_is_escaped_everywhere():
    task = make_task(
        title="<!channel> deploy & <@U123>",
        description="see <https://evil|innocent>",
        acceptance_criteria=["<!here> ok"],
    )
    text = all_text(build_task_card_blocks(task)) + card_fallback_text(task)
    for raw in ("<!channel>", "<@U123>", "<https://evil", "<!here>"):
        assert raw not in text
    assert "&lt;!channel&gt; deploy &amp; &lt;@U123&gt;" in text


def test_long_texts_are_cut_to_block_kit_limits():
    task = make_task(title="x" * 140, description="&" * 2000)
    blocks = build_task_card_blocks(task)
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)


def test_list_is_bounded_and_counts_the_rest():
    tasks = [make_task(number=n) for n in range(1, 201)]
    blocks = build_task_list_blocks(tasks, title="Open tasks")
    assert len(blocks) <= 50
    assert all_text(blocks).count("`[ ]` *T-") == MAX_LIST_ROWS
    assert f"and {200 - MAX_LIST_ROWS} more" in all_text(blocks)
    assert "Nothing here" in all_text(build_task_list_blocks([], title="Open tasks"))


def test_select_tasks_filters_and_orders():
    tasks = [
        make_task(1, priority=Priority.LOW),
        make_task(2, status=TaskStatus.BLOCKED, blocked_reason="x", priority=Priority.LOW),
        make_task(3, priority=Priority.CRITICAL, assignee=Assignee(kind="user", id="U0BOB")),
        make_task(4, status=TaskStatus.COMPLETED),
    ]
    title, chosen = select_tasks(tasks, TaskCommand(verb="list"), "U0ALICE")
    assert title == "Open tasks" and [t.key for t in chosen] == ["T-2", "T-3", "T-1"]
    _, mine = select_tasks(tasks, TaskCommand(verb="list", list_filter="mine"), "U0BOB")
    assert [t.key for t in mine] == ["T-3"]
    _, done = select_tasks(tasks, TaskCommand(verb="list", list_filter="status", list_value="COMPLETED"), "U")
    assert [t.key for t in done] == ["T-4"]


def test_help_lists_commands():
    text = all_text(build_help_blocks("oops"))
    assert "/task new" in text and "/task block" in text and "oops" in text
