"""The TPM's reports as pure builders: RAG status report, dependency map, timeline, their Slack messages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from maestro.errors import NotFound
from maestro.escalations import YES_NO, EscalationRecord
from maestro.models import Assignee, Task, TaskStatus
from maestro.report_cards import (
    MAX_MESSAGE_CHARS,
    build_dependency_map_messages,
    build_status_report_messages,
    build_timeline_messages,
)
from maestro.reports import build_dependency_map, build_status_report, group_rag
from maestro.risks import Impact, Probability, Rag, Risk
from maestro.sprints import Milestone, Sprint
from maestro.timeline import LABEL_WIDTH, LINE_WIDTH, build_timeline, render_timeline_text
from sandbox.boards import ORDER_TASKS, generated_board
from sandbox.validation import block_errors

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
SPRINT = Sprint(
    team_id=TEAM,
    channel_id=CHANNEL,
    number=7,
    name="Checkout",
    start=date(2026, 6, 1),
    end=date(2026, 6, 14),
    created_by="U0ALICE",
)
MILESTONE_OF = {1: "M1", 2: "M1", 10: "M1", 3: "M2", 4: "M2", 5: "M2", 6: "M2", 7: "M2"}


def milestone(key: str, title: str, **fields) -> Milestone:
    return Milestone(key=key, team_id=TEAM, channel_id=CHANNEL, title=title, created_by="U0ALICE", **fields)


MILESTONES = [
    milestone("M1", "Contracts"),
    milestone("M2", "Services", depends_on=["M1"]),
    milestone("M3", "API & delivery", depends_on=["M2"], due=date(2026, 6, 20)),
]


def order_board() -> list[Task]:
    """Seed 002's 12 subtasks in sprint 7: 4 done, T-4 at 60%, T-5 blocked 3 days, T-6 in review."""
    tasks = []
    for number, (title, role, deps) in enumerate(ORDER_TASKS, start=1):
        tasks.append(
            Task(
                key=f"T-{number}",
                team_id=TEAM,
                channel_id=CHANNEL,
                title=title,
                assignee=Assignee(kind="agent", id=role),
                depends_on=[f"T-{d}" for d in deps],
                milestone=MILESTONE_OF.get(number, "M3"),
                sprint=SPRINT.id,
                estimate_days=2,
                created_by="U0ALICE",
                created_at=NOW - timedelta(days=9 - number / 2),
            )
        )
    done = {"status": TaskStatus.COMPLETED}
    changes = {
        1: done,
        2: done,
        3: done,
        10: done,
        4: {"status": TaskStatus.IN_PROGRESS, "percent": 60},
        5: {
            "status": TaskStatus.BLOCKED,
            "blocked_reason": "waiting for <!channel> Stripe keys",
            "blocked_since": NOW - timedelta(days=3),
        },
        6: {"status": TaskStatus.REVIEW},
    }
    for number, change in changes.items():
        if change is done:
            change = {**done, "completed_at": NOW - timedelta(days=5 - number / 4)}
        tasks[number - 1] = tasks[number - 1].model_copy(update=change)
    return tasks


def risk(key: str, probability: Probability, impact: Impact, description: str = "Stripe outage") -> Risk:
    return Risk(
        key=key,
        team_id=TEAM,
        channel_id=CHANNEL,
        description=description,
        probability=probability,
        impact=impact,
        owner="backend",
        created_by="U0ALICE",
    )


def texts(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def test_status_report_of_seed_002_sprint():
    escalation = EscalationRecord(
        team_id=TEAM,
        channel_id=CHANNEL,
        issue="<!here> Which payment provider?",
        options=list(YES_NO),
        raised_by="U0BOB",
        deciders=["U0BOB"],
        blocking=["T-5"],
        created_at=NOW - timedelta(hours=12),
    )
    report = build_status_report(
        tasks=order_board(),
        sprint=SPRINT,
        milestones=MILESTONES,
        risks=[
            risk("RISK-001", Probability.HIGH, Impact.HIGH),
            risk("RISK-002", Probability.LOW, Impact.LOW),
        ],
        escalations=[escalation],
        now=NOW,
        today=TODAY,
    )
    assert report.overall is Rag.RED
    rows = {r.key: r for r in report.milestones}
    assert [rows[k].rag for k in ("M1", "M2", "M3")] == [Rag.GREEN, Rag.RED, Rag.GREEN]
    assert (rows["M1"].percent, rows["M2"].percent) == (100, 50)  # M2: 100 + 60 + 0 + 90 + 0 over 5
    assert rows["M2"].owner == Assignee(kind="agent", id="backend")
    assert rows["M2"].status.why == "T-5 blocked 3.0 days"
    assert [b.key for b in report.blockers if b.kind == "task"] == ["T-5"]
    assert [t.key for t in report.completed] == ["T-10", "T-3", "T-2", "T-1"]
    assert [t.key for t in report.carry_over][:3] == ["T-4", "T-5", "T-6"]
    assert [m.key for m in report.startable] == ["M3"]

    messages = build_status_report_messages(report)
    channel = texts(messages[:1])
    assert "Generated: 2026-06-10" in channel and "Reporter: tpm" in channel
    assert "*OVERALL STATUS:* :red_circle: RED" in channel and "RAG rule: RED = over 3 days late" in channel
    assert ":red_circle: RED *M2 — Services* · 50% of 5 · backend (agent) — T-5 blocked 3.0 days" in channel
    assert ":large_green_circle: GREEN *M1 — Contracts* · 100% of 3" in channel
    # Seed 001's risk format: [RISK-001] RED: … Impact … Mitigation … Owner (RED ones in the channel message).
    assert ":red_circle: *[RISK-001] RED:* Stripe outage\\nImpact: high · probability high" in channel
    assert "Mitigation: _no mitigation yet_ — `/risk update RISK-001 --mitigation …`" in channel
    assert "Owner: backend (agent)" in channel
    assert (
        "*T-5*" in channel and "waiting for &lt;!channel&gt; Stripe keys" in channel and "3.0 days" in channel
    )
    assert "Decision needed" in channel and "<@U0BOB>" in channel and "&lt;!here&gt; Which" in channel
    assert "Completed this sprint" in channel and "*T-10*" in channel
    assert "Next sprint preview" in channel and "Can start: *M3*" in channel
    everything = texts(messages)
    assert "<!channel>" not in everything and "<!here>" not in everything
    # The preview counts what the sprint carries on; it lists only work outside the sprint (none here).
    preview = everything.split("Next sprint preview", 1)[1]
    assert "8 open tasks of this sprint carry over unless finished" in preview and "*T-12*" not in preview


def rated(tasks: list[Task], due: date | None, blocked_days: float = 2.0) -> tuple[Rag, str]:
    from maestro.triggers import projected_finish

    status = group_rag(
        tasks, finish=projected_finish(tasks, NOW), due=due, now=NOW, today=TODAY, blocked_days=blocked_days
    )
    return status.rag, status.why


def one_task(**fields) -> Task:
    values = {
        "key": "T-1",
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "title": "Work",
        "estimate_days": 5,
        "created_by": "U0ALICE",
        **fields,
    }
    return Task(**values)


def test_rag_rule_cases():
    # One open task of 5 days finishes on the 15th.
    assert rated([one_task()], due=date(2026, 6, 15)) == (Rag.GREEN, "on track")
    assert rated([one_task()], due=None) == (Rag.GREEN, "on track")
    assert rated([one_task()], due=date(2026, 6, 13)) == (
        Rag.AMBER,
        "finishes 2 days late: 2026-06-15, due 2026-06-13",
    )
    assert rated([one_task()], due=date(2026, 6, 11))[0] is Rag.RED  # 4 days late: seed 001's "> 3 days"
    assert rated([one_task()], due=date(2026, 6, 12))[0] is Rag.AMBER  # exactly 3 days late
    blocked = {"status": TaskStatus.BLOCKED, "blocked_reason": "API keys"}
    assert rated([one_task(**blocked, blocked_since=NOW - timedelta(days=1))], None) == (
        Rag.AMBER,
        "T-1 blocked",
    )
    assert rated([one_task(**blocked, blocked_since=NOW - timedelta(days=2.5))], None)[0] is Rag.RED
    assert (
        rated([one_task(**blocked, blocked_since=NOW - timedelta(days=2.5))], None, blocked_days=3)[0]
        is Rag.AMBER
    )
    finished = one_task(status=TaskStatus.COMPLETED, completed_at=NOW - timedelta(days=1))
    assert rated([finished], due=date(2026, 6, 1)) == (Rag.GREEN, "done")


def test_overall_is_the_worst_of_milestones_sprint_and_risks_and_needs_no_sprint_or_milestones():
    tasks = [one_task(due=None)]
    calm = build_status_report(
        tasks=tasks, sprint=None, milestones=[], risks=[], escalations=[], now=NOW, today=TODAY
    )
    assert calm.overall is Rag.GREEN and calm.milestones == [] and calm.drivers == []
    messages = build_status_report_messages(calm)
    assert "Milestone summary" not in texts(messages) and "the whole board" in messages[0]["text"]
    risky = build_status_report(
        tasks=tasks,
        sprint=None,
        milestones=[],
        risks=[
            risk("RISK-003", Probability.HIGH, Impact.CRITICAL),
            risk("RISK-004", Probability.LOW, Impact.HIGH),
        ],
        escalations=[],
        now=NOW,
        today=TODAY,
    )
    assert risky.overall is Rag.RED and risky.drivers == ["RISK-003 is RED"]
    labelled = build_status_report(
        tasks=[one_task(milestone="Beta"), one_task(key="T-2", milestone=None)],
        sprint=None,
        milestones=[],
        risks=[],
        escalations=[],
        now=NOW,
        today=TODAY,
    )
    assert [row.key for row in labelled.milestones] == ["Beta", "—"]  # grouped by label, unlabelled last


def all_messages(count: int) -> list[list[dict]]:
    sprint = SPRINT
    tasks, milestones = generated_board(count, now=NOW, sprint_id=sprint.id, milestones=12)
    risks = [risk(f"RISK-{n:03d}", Probability.HIGH, Impact.HIGH, "x <!channel> " * 60) for n in range(1, 30)]
    reports = [
        build_status_report(
            tasks=tasks, sprint=s, milestones=m, risks=risks, escalations=[], now=NOW, today=TODAY
        )
        for s in (sprint, None)
        for m in (milestones, [])
    ]
    return [
        *(build_status_report_messages(r) for r in reports),
        build_dependency_map_messages(build_dependency_map(tasks, milestones, today=TODAY)),
        build_dependency_map_messages(build_dependency_map(tasks, [], today=TODAY)),
        build_dependency_map_messages(build_dependency_map(tasks, [], focus="T-250", today=TODAY)),
        build_timeline_messages(build_timeline(tasks, milestones, sprint=sprint, today=TODAY, now=NOW)),
        build_timeline_messages(build_timeline(tasks, [], sprint=None, today=TODAY, now=NOW)),
    ]


def test_every_message_of_a_500_task_board_is_within_block_kit_limits():
    reports = all_messages(500)
    for messages in reports:
        assert messages, "every report has a message"
        for message in messages:
            blocks = message["blocks"]
            assert block_errors(blocks) == [], message["text"]
            assert len(blocks) <= 50 and 0 < len(message["text"]) <= 4000
            assert all(len(b["text"]["text"]) <= 150 for b in blocks if b["type"] == "header")
            size = sum(
                len(b["text"]["text"]) if "text" in b else sum(len(e["text"]) for e in b["elements"])
                for b in blocks
            )
            assert size <= MAX_MESSAGE_CHARS
        assert "<!channel>" not in texts(messages) and "<!here>" not in texts(messages)
    status, deps = texts(reports[0]), texts(reports[4])
    assert "more in the thread" in status and "… and" in status  # long lists fold visibly
    assert "more in the thread" in deps and "tasks without open dependencies" not in deps  # per milestone
    assert "tasks without open dependencies not shown" in texts(reports[5])


def test_dependency_map_shows_what_blocks_what():
    tasks = order_board()
    focus = build_dependency_map(tasks, MILESTONES, focus="t5", today=TODAY)
    assert focus.mode == "task" and [n.node.key for n in focus.nodes] == ["T-5", "T-2", "T-7"]
    t5 = focus.nodes[0]
    assert [r.key for r in t5.depends_on] == ["T-2"] and [r.key for r in t5.depended_on_by] == ["T-7"]
    assert [r.key for r in t5.blocking] == ["T-7"] and t5.blocked_by == []
    t7 = focus.nodes[2]
    assert [r.key for r in t7.blocked_by] == ["T-4", "T-5"]  # T-3 is done
    text = texts(build_dependency_map_messages(focus))
    assert "Dependency map — T-5" in text and "Blocking tasks: *T-7*" in text
    assert "Blocked by: *T-4* Implement inventory reservati… `[~]` 60% (backend (agent))" in text

    by_milestone = build_dependency_map(tasks, MILESTONES, today=TODAY)
    m2 = next(n for n in by_milestone.nodes if n.node.key == "M2")
    assert [r.key for r in m2.depends_on] == ["M1"] and [r.key for r in m2.depended_on_by] == ["M3"]
    assert [r.key for r in m2.blocking] == ["T-6", "T-7"] and [r.key for r in m2.blocked_by] == ["T-5"]
    around = build_dependency_map(tasks, MILESTONES, focus="M3", today=TODAY)
    assert [n.node.key for n in around.nodes] == ["M3", "M1", "M2"]
    with pytest.raises(NotFound, match="T-99"):
        build_dependency_map(tasks, MILESTONES, focus="T-99", today=TODAY)


def test_timeline_text_fits_a_phone_and_folds_rows():
    text = render_timeline_text(build_timeline(order_board(), [], sprint=SPRINT, today=TODAY, now=NOW))
    lines = text.splitlines()
    assert lines[0] == "TIMELINE — Sprint 7 — Checkout" and max(map(len, lines)) <= LINE_WIDTH
    assert any(line.startswith("T-5 ") and line.endswith("0% R") for line in lines)
    assert any(line.startswith("T-1 ") and line.endswith("100% G") and "[" in line for line in lines)
    assert any("^ today 06-10" in line for line in lines) and any(
        "^ sprint end 06-14" in line for line in lines
    )

    tasks, milestones = generated_board(500, now=NOW)
    big = render_timeline_text(build_timeline(tasks, [], sprint=None, today=TODAY, now=NOW))
    assert max(map(len, big.splitlines())) <= LINE_WIDTH
    assert "… and 470 more" in big and big.count("\n") < 45
    gates = render_timeline_text(build_timeline(tasks, milestones, sprint=SPRINT, today=TODAY, now=NOW))
    assert "M1.1 " in gates and "gate" in gates and max(map(len, gates.splitlines())) <= LINE_WIDTH


def gated_report(gates_met: list[int], due: date | None = None):
    """M1 has 3 gates and every task done; M2 depends on it and has not started."""
    done = {"status": TaskStatus.COMPLETED, "completed_at": NOW - timedelta(days=1)}
    tasks = [
        one_task(key="T-1", milestone="M1", **done),
        one_task(key="T-2", milestone="M1", **done),
        one_task(key="T-3", milestone="M2"),
    ]
    milestones = [
        milestone(
            "M1", "Contracts", gates=["Health checks pass", "Docs", "Demo"], gates_met=gates_met, due=due
        ),
        milestone("M2", "Services", depends_on=["M1"]),
    ]
    report = build_status_report(
        tasks=tasks, sprint=None, milestones=milestones, risks=[], escalations=[], now=NOW, today=TODAY
    )
    timeline = build_timeline(tasks, milestones, sprint=None, today=TODAY, now=NOW)
    return report, timeline


def test_a_milestone_is_done_only_when_its_gates_are_met():
    report, timeline = gated_report([0])
    m1 = report.milestones[0]
    assert (m1.rag, m1.status.why, m1.status.done, m1.percent) == (Rag.AMBER, "gates 1/3 met", False, 100)
    assert report.overall is Rag.AMBER and report.drivers == ["M1: gates 1/3 met"]
    assert report.startable == []  # M2 waits for M1's gates
    assert ":large_orange_circle: AMBER *M1 — Contracts* · 100% of 2 · _unassigned_ — gates 1/3 met" in texts(
        build_status_report_messages(report)
    )
    assert {r.key: (r.done, r.rag) for r in timeline.rows}["M1"] == (False, Rag.AMBER)

    late, _ = gated_report([0], due=TODAY - timedelta(days=5))
    assert (late.milestones[0].rag, late.milestones[0].status.why) == (
        Rag.RED,
        "gates 1/3 met, 5 days past due 2026-06-05",
    )

    met, timeline = gated_report([0, 1, 2])
    assert (met.milestones[0].rag, met.milestones[0].status.done) == (Rag.GREEN, True)
    assert [m.key for m in met.startable] == ["M2"]
    assert "· gates 3/3 — done" in texts(build_status_report_messages(met))
    assert {r.key: r.done for r in timeline.rows}["M1"] is True


def test_status_report_risks_show_impact_mitigation_and_owner_escaped():
    mitigated = risk("RISK-002", Probability.MEDIUM, Impact.HIGH, "Kafka <!here> flaps").model_copy(
        update={"mitigation": "Pin <https://evil|the image> & retry " + "x" * 300, "owner": None}
    )
    report = build_status_report(
        tasks=[one_task()],
        sprint=None,
        milestones=[],
        risks=[mitigated],
        escalations=[],
        now=NOW,
        today=TODAY,
    )
    channel = texts(build_status_report_messages(report)[:1])
    assert ":large_orange_circle: *[RISK-002] AMBER:* Kafka &lt;!here&gt; flaps" in channel
    assert "Impact: high · probability medium" in channel
    assert (
        "Mitigation: Pin &lt;https://evil|the image&gt; &amp; retry xxx" in channel
        and "x" * 130 not in channel
    )
    assert "Owner: _unowned_ — `/risk update RISK-002 --owner @someone`" in channel
    assert "<!here>" not in channel and "<https://evil" not in channel


def test_open_red_risks_are_folded_at_the_top_of_the_map_and_the_timeline():
    reds = [risk(f"RISK-{n:03d}", Probability.HIGH, Impact.HIGH, f"Red {n} <!channel>") for n in range(1, 8)]
    amber = risk("RISK-009", Probability.MEDIUM, Impact.MEDIUM, "Amber one")
    tasks = order_board()
    for messages in (
        build_dependency_map_messages(build_dependency_map(tasks, MILESTONES, today=TODAY), [*reds, amber]),
        build_dependency_map_messages(build_dependency_map([one_task()], [], today=TODAY), [*reds, amber]),
        build_timeline_messages(build_timeline(tasks, MILESTONES, sprint=SPRINT, today=TODAY, now=NOW), reds),
    ):
        channel = texts(messages[:1])
        assert "*Open RED risks* (7)" in channel and "*RISK-005* Red 5 &lt;!channel&gt;" in channel
        assert "RISK-006" not in channel and "_… and 2 more._ `/report risks` posts the register." in channel
        assert "Amber one" not in channel and "<!channel>" not in channel
        assert all(block_errors(m["blocks"]) == [] for m in messages)
    quiet = texts(
        build_timeline_messages(build_timeline(tasks, [], sprint=None, today=TODAY, now=NOW), [amber])
    )
    assert "Open RED risks" not in quiet


def planned_milestones() -> tuple[list[Task], list[Milestone]]:
    """Seed 002's board made by one plan (every task created the same day) under four milestones."""
    tasks = [t.model_copy(update={"created_at": NOW - timedelta(days=9)}) for t in order_board()]
    tasks[7] = tasks[7].model_copy(update={"due": date(2026, 6, 16)})  # T-8
    stones = [
        milestone("M1", "Contracts", due=date(2026, 6, 5)),
        milestone("M2", "Services", depends_on=["M1"], due=date(2026, 6, 12)),
        milestone("M3", "API & delivery", depends_on=["M2"], due=date(2026, 6, 20)),
        milestone("M4", "Launch", depends_on=["M3"], due=date(2026, 6, 26)),  # no tasks yet
    ]
    return tasks, stones


def test_a_milestones_bar_spans_its_tasks_and_every_milestone_and_due_date_is_drawn():
    tasks, stones = planned_milestones()
    timeline = build_timeline(tasks, stones, sprint=SPRINT, today=TODAY, now=NOW)
    rows = {r.key: r for r in timeline.rows}
    assert set(rows) == {"M1", "M2", "M3", "M4"}
    # M3's tasks wait for M2's: its bar starts when they can start, not when the plan made them.
    assert rows["M3"].start == date(2026, 6, 14) and rows["M3"].end == date(2026, 6, 18)
    assert rows["M2"].start == date(2026, 6, 1) and rows["M2"].end == date(2026, 6, 14)
    assert rows["M1"].deadline == date(2026, 6, 5) and rows["M1"].late  # finished on the 7th
    assert rows["M4"].start is None and rows["M4"].deadline == date(2026, 6, 26)

    text = render_timeline_text(timeline)
    lines = text.splitlines()
    assert max(map(len, lines)) <= LINE_WIDTH
    (m4,) = [line for line in lines if line.startswith("M4 ")]
    assert m4.endswith("* no tasks")  # M4's gate is in the window and on its row
    (m3,) = [line for line in lines if line.startswith("M3 ")]
    assert m3.index("[") == LABEL_WIDTH + 1 + 13 and m3.index("]") < m3.index("*")  # 06-14 → 06-18, due 06-20
    assert "^ M3 gate 06-20" in text and "* due" in lines[-1]

    by_task = build_timeline(tasks, [], sprint=SPRINT, today=TODAY, now=NOW)
    task_rows = {r.key: r for r in by_task.rows}
    assert task_rows["T-8"].deadline == date(2026, 6, 16) and not task_rows["T-8"].late
    assert task_rows["T-7"].start == date(2026, 6, 12)  # after T-5, its last dependency, not on the 1st
    (t8,) = [line for line in render_timeline_text(by_task).splitlines() if line.startswith("T-8 ")]
    assert "*" in t8
