"""Sprint builders stay within Block Kit's limits and fold long content visibly."""

from __future__ import annotations

import json
from datetime import date

from maestro.models import Task, TaskStatus
from maestro.retro import RetroAnswer, RetroKind
from maestro.sprint_cards import build_retro_blocks, build_sprint_status_blocks
from maestro.sprints import Milestone, Sprint


def sprint() -> Sprint:
    return Sprint(
        team_id="T1",
        channel_id="C1",
        number=7,
        name="Checkout",
        start=date(2026, 11, 23),
        end=date(2026, 12, 6),
        created_by="U1",
    )


def within_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


def test_a_big_sprint_folds_its_tasks_visibly():
    tasks = [
        Task(
            key=f"T-{n}",
            team_id="T1",
            channel_id="C1",
            title="A long title " * 10,
            created_by="U1",
            status=TaskStatus.BLOCKED if n == 900 else TaskStatus.ASSIGNED,
            blocked_reason="waiting" if n == 900 else None,
        )
        for n in range(1, 1001)
    ]
    gates = Milestone(
        key="M1", team_id="T1", channel_id="C1", title="Base", gates=["g"] * 20, created_by="U1"
    )
    blocks = build_sprint_status_blocks(sprint(), tasks, [gates], today=date(2026, 11, 25))
    within_limits(blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "day 3 of 14" in text and "Sprint 7 — Checkout" in text
    shown = text.count("| ASSIGNED") + text.count("BLOCKED*")
    assert f"and {1000 - shown} more tasks" in text and shown > 40
    assert "*T-900*" in text  # the blocked one comes first, so folding never hides it
    assert blocks[-1]["type"] == "context" and "- [ ] g" in text


def test_retro_groups_fold_within_limits():
    answers = [
        RetroAnswer(event_id=f"E{i}", user_id="U1", kind=list(RetroKind)[i % 4], text="x" * 900, ts=str(i))
        for i in range(400)
    ]
    blocks = build_retro_blocks(sprint(), answers)
    within_limits(blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    assert all(word in text for word in ("Went well", "Didn't go well", "To change", "Other", "more answers"))
