"""/report end to end: the listener enqueues, the job posts once, the sandbox shows posts and chart."""

from __future__ import annotations

import json
from datetime import timedelta

from jobs.charts import render_timeline_png
from jobs.reports import post_sprint_report, post_status_report, post_timeline
from maestro.models import Assignee, utcnow
from maestro.risk_store import RiskStore
from maestro.sprint_store import SprintStore
from maestro.store import NewTask, TaskStore
from maestro.timeline import build_timeline
from sandbox.boards import ORDER_TASKS
from tests.evidence import approved_by

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_board(redis) -> TaskStore:
    """Seed 002's 12 subtasks: 4 done, T-4 at 60%, T-5 blocked, T-6 in review; T-7's title pings."""
    store = TaskStore(redis, TEAM)
    keys = store.reserve_keys(CHANNEL, len(ORDER_TASKS))
    items = []
    for key, (title, role, deps) in zip(keys, ORDER_TASKS, strict=True):
        if key == "T-7":
            title = "<!channel> " + title
        new = NewTask(
            title=title,
            assignee=Assignee(kind="agent", id=role),
            depends_on=tuple(f"T-{d}" for d in deps),
            estimate_days=2,
        )
        items.append((key, new))
    store.create_batch(CHANNEL, items, actor="U0ALICE", source="test-board")
    steps = [(k, "start") for k in ("T-1", "T-2", "T-3", "T-10", "T-4", "T-6")]
    steps += [(k, "done") for k in ("T-1", "T-2", "T-3", "T-10")]
    steps += [("T-4", "progress"), ("T-6", "review"), ("T-5", "block")]
    for number, (key, action) in enumerate(steps):
        store.apply(
            CHANNEL,
            key,
            action,
            actor="U0BOB",
            source=f"test-step-{number}",
            percent=60 if action == "progress" else None,
            reason="waiting for <!channel> Stripe keys" if action == "block" else None,
            evidence=approved_by("U0BOB") if action == "done" else None,
        )
    return store


def channel_text(sandbox) -> str:
    return json.dumps(sandbox.workspace.messages(CHANNEL), ensure_ascii=False)


def test_report_timeline_posts_the_text_and_uploads_the_png_in_its_thread(sender, sandbox, redis, run_jobs):
    make_board(redis)
    sent = sender.command("/report", "timeline")
    assert sent.status == 200 and "Drawing the timeline" in sent.body
    assert run_jobs() == 0
    [message] = sandbox.workspace.messages(CHANNEL)
    assert "```TIMELINE — whole board" in json.dumps(message["blocks"], ensure_ascii=False)
    [chart] = sandbox.workspace.files()
    assert chart["name"] == "timeline.png" and chart["completed"] and chart["channels"] == [CHANNEL]
    assert chart["content"].startswith(PNG_MAGIC) and chart["thread_ts"] == message["ts"]
    assert any(r.get("files") for r in sandbox.workspace.thread(CHANNEL, message["ts"])[1:])

    # A re-run of the job (RQ's retry after a crash) posts and uploads nothing more.
    post_timeline(TEAM, CHANNEL, claim=f"report:timeline:{sent.payload['trigger_id']}")
    assert len(sandbox.workspace.messages(CHANNEL)) == 1 and len(sandbox.workspace.files()) == 1


def test_timeline_png_is_a_png_of_bounded_size(redis):
    tasks = make_board(redis).list_tasks(CHANNEL)
    png = render_timeline_png(build_timeline(tasks, [], sprint=None, today=tasks[0].created_at.date()))
    assert png.startswith(PNG_MAGIC) and 5_000 < len(png) < 1_000_000


def test_report_deps_of_a_task_shows_what_blocks_what(sender, sandbox, redis, run_jobs):
    make_board(redis)
    assert "Mapping the dependencies" in sender.command("/report", "deps T-5").body
    assert run_jobs() == 0
    text = channel_text(sandbox)
    assert "Dependency map — T-5" in text
    assert "Depends on: *T-2* `[X]`" in text and "Blocking tasks: *T-7* &lt;!channel&gt; Implement" in text
    assert "Blocked by: *T-4*" in text  # T-7's entry: T-4 is still in progress
    assert "<!channel>" not in text


def test_report_status_posts_once_and_an_empty_board_is_told(sender, sandbox, redis, run_jobs):
    for report in ("status", "deps", "timeline"):
        sender.command("/report", report)
    assert run_jobs() == 0
    assert sandbox.workspace.messages(CHANNEL) == [] and sandbox.workspace.files() == []
    told = [json.dumps(p) for p in sandbox.workspace.response_posts()]
    assert len(told) == 3 and all("Nothing to report yet" in t for t in told)

    make_board(redis)
    sent = sender.command("/report", "")
    assert "Building the status report" in sent.body
    assert run_jobs() == 0
    [report] = sandbox.workspace.messages(CHANNEL)
    text = json.dumps(report["blocks"], ensure_ascii=False)
    assert (
        "Status report — the whole board" in text and "*OVERALL STATUS:* :large_orange_circle: AMBER" in text
    )
    assert "*T-5*" in text and "waiting for &lt;!channel&gt; Stripe keys" in text and "RAG rule:" in text
    post_status_report(TEAM, CHANNEL, claim=f"report:status:{sent.payload['trigger_id']}")
    assert len(sandbox.workspace.messages(CHANNEL)) == 1

    post_status_report(TEAM, CHANNEL, reason="weekly", claim="weekly:2026-W24")
    post_status_report(TEAM, CHANNEL, reason="weekly", claim="weekly:2026-W24")
    weekly = sandbox.workspace.messages(CHANNEL)[1:]
    assert len(weekly) == 1 and "Weekly progress review" in weekly[0]["text"]


def test_sprint_report_posts_once_on_the_last_day_and_once_more_at_close(runtime, sandbox, redis):
    make_board(redis)
    sprints = SprintStore(redis, TEAM)
    sprint = sprints.start(CHANNEL, "Checkout", actor="U0ALICE", today=utcnow().date(), source="s1")
    sprints.add_tasks(CHANNEL, ["T-3", "T-4", "T-5"], actor="U0ALICE", source="s2")
    # The clock, at standup time on the sprint's last day (twice: RQ's retry).
    last_day = post_sprint_report(TEAM, CHANNEL, sprint.id)
    assert post_sprint_report(TEAM, CHANNEL, sprint.id) == last_day
    [report] = sandbox.workspace.messages(CHANNEL)
    assert report["ts"] == last_day and "Sprint report — Sprint 1 — Checkout — last day" in report["text"]
    assert "(closed)" not in json.dumps(report, ensure_ascii=False)
    assert sprints.get(CHANNEL, sprint.id).report_ts is None

    # The close: its report still posts, once, and is the one the sprint records.
    sprints.close(CHANNEL, carry="backlog", actor="U0ALICE", source="s3", today=utcnow().date())
    closed = post_sprint_report(TEAM, CHANNEL, sprint.id)
    assert closed != last_day and post_sprint_report(TEAM, CHANNEL, sprint.id) == closed
    assert [m["ts"] for m in sandbox.workspace.messages(CHANNEL)] == [last_day, closed]
    assert "Sprint report — Sprint 1 — Checkout (closed)" in sandbox.workspace.messages(CHANNEL)[1]["text"]
    assert sprints.get(CHANNEL, sprint.id).report_ts == closed


def add_risks(redis) -> None:
    risks = RiskStore(redis, TEAM)
    for n, (probability, impact) in enumerate((("high", "high"), ("medium", "medium"), ("low", "critical"))):
        risks.add(
            CHANNEL,
            description=f"<!channel> Risk {n} {impact}",
            probability=probability,
            impact=impact,
            actor="U0ALICE",
            source=f"risk-{n}",
        )


def test_open_red_risks_head_the_dependency_map_and_the_timeline(sender, sandbox, redis, run_jobs):
    make_board(redis)
    add_risks(redis)
    sender.command("/report", "deps")
    sender.command("/report", "timeline")
    assert run_jobs() == 0
    deps, timeline = (
        json.dumps(m["blocks"], ensure_ascii=False) for m in sandbox.workspace.messages(CHANNEL)
    )
    for text in (deps, timeline):
        assert "*Open RED risks* (2)" in text and "*RISK-001*" in text and "*RISK-003*" in text
        assert "RISK-002" not in text and "&lt;!channel&gt; Risk 0 high" in text and "<!channel>" not in text
    assert deps.index("Open RED risks") < deps.index("Depends on:")


def test_report_risks_and_bad_input(sender, sandbox, redis, run_jobs):
    assert "isn't a report" in sender.command("/report", "bogus").body
    assert "There's no task T-99" in sender.command("/report", "deps T-99").body
    assert "no milestone M9" in sender.command("/report", "deps M9").body
    assert "/report timeline" in sender.command("/report", "help").body
    sender.command("/report", "risks")
    assert run_jobs() == 0 and sandbox.workspace.messages(CHANNEL) == []
    assert "No open risks" in json.dumps(sandbox.workspace.response_posts())

    RiskStore(redis, TEAM).add(
        CHANNEL,
        description="<!channel> Stripe outage",
        probability="high",
        impact="high",
        actor="U0ALICE",
        source="risk-1",
    )
    sender.command("/report", "risks")
    assert run_jobs() == 0
    text = channel_text(sandbox)
    assert "RISK REGISTER" in text and "RISK-001" in text and "&lt;!channel&gt; Stripe outage" in text


def test_the_timeline_chart_shows_every_milestone_its_due_date_and_gate(redis):
    from matplotlib import dates as mdates

    from maestro.report_data import read_project

    make_board(redis)  # seed 002's 12 tasks, made by one plan: all created now
    sprints = SprintStore(redis, TEAM)
    today = read_project(redis, TEAM, CHANNEL).today
    dues = {key: today + timedelta(days=n) for key, n in (("M1", 1), ("M2", 1), ("M3", 9), ("M4", 30))}
    members = {"M1": ["T-1", "T-2", "T-10"], "M2": ["T-3", "T-4", "T-5", "T-6"], "M3": ["T-7", "T-8", "T-9"]}
    for key, due in dues.items():
        sprints.add_milestone(CHANNEL, key, f"Stage {key}", due=due, actor="U0ALICE")
        if key in members:
            sprints.attach(CHANNEL, key, members[key], actor="U0ALICE", source=f"attach-{key}")
    project = read_project(redis, TEAM, CHANNEL)
    timeline = build_timeline(project.tasks, project.milestones, sprint=None, today=today, now=project.now)
    rows = {r.key: r for r in timeline.rows}
    # M3's tasks wait for M2's (T-7 needs T-3, T-4, T-5): its bar starts when they can, not today.
    assert rows["M3"].start > today and rows["M3"].start >= rows["M2"].end
    assert rows["M2"].late and not rows["M3"].late  # M2's blocked T-5 runs past its gate tomorrow

    from jobs.charts import timeline_figure

    (axes,) = timeline_figure(timeline).axes
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels == ["M1 Stage M1", "M2 Stage M2", "M3 Stage M3", "M4 Stage M4"]  # M4 has no tasks
    texts = [t.get_text() for t in axes.texts]
    assert " no tasks" in texts and {"M1, M2", "M3", "M4"} <= set(texts)  # gates named, same day together
    diamonds = [line for line in axes.lines if line.get_marker() == "D"]
    assert len(diamonds) == 4  # a due date on every milestone's row
    late = {labels[int(d.get_ydata()[0])] for d in diamonds if d.get_markerfacecolor() != "white"}
    assert late == {"M2 Stage M2"}
    gates = [line for line in axes.lines if line.get_linestyle() == ":"]
    assert len(gates) == 3  # M1 and M2 share tomorrow
    low, high = axes.get_xlim()  # every bar, due date and gate is inside the chart
    assert high > mdates.date2num(dues["M4"]) and low < mdates.date2num(today)
