"""The App Home tab: the opener's board, published by a job, refreshed when something of theirs changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jobs.home import refresh_homes
from maestro.escalations import EscalationRecord
from maestro.home import build_home_board
from maestro.home_cards import MAX_HOME_BLOCKS, build_home_view
from maestro.models import Assignee, Task, TaskStatus
from maestro.plans import EscalationOption
from maestro.risks import Risk
from sandbox import payloads

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
BOB, CAROL = "U0BOB", "U0CAROL"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def task(n: int, *, assignee: str | None = BOB, status=TaskStatus.ASSIGNED, created_by=CAROL, **kw) -> Task:
    return Task(
        key=f"T-{n}",
        team_id=TEAM,
        channel_id=CHANNEL,
        title=kw.pop("title", f"Task {n}"),
        assignee=Assignee(kind="user", id=assignee) if assignee else Assignee(kind="agent", id="backend"),
        status=status,
        created_by=created_by,
        **kw,
    )


def home_text(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_board_sorts_what_is_mine_to_do_review_and_decide():
    tasks = [
        task(1),
        task(2, status=TaskStatus.BLOCKED, blocked_reason="waiting on <!channel>"),
        task(3, assignee=CAROL),  # someone else's
        task(4, assignee=CAROL, status=TaskStatus.REVIEW, created_by=BOB),  # Bob created it: his review
        task(
            5, assignee=None, status=TaskStatus.REVIEW, created_by=BOB
        ),  # an agent's work that a model reviews
        task(6, assignee=None, status=TaskStatus.REVIEW, created_by=BOB, review_by="person"),  # a draft: his
    ]
    escalation = EscalationRecord(
        team_id=TEAM,
        channel_id=CHANNEL,
        issue="Which provider?",
        options=[EscalationOption(label="Stripe", tradeoff="fast")],
        raised_by=CAROL,
        deciders=[BOB],
    )
    not_mine = escalation.model_copy(update={"id": "other", "deciders": [CAROL]})
    risk = Risk(
        key="RISK-001",
        team_id=TEAM,
        channel_id=CHANNEL,
        description="Outage",
        impact="critical",
        created_by=CAROL,
    )
    board = build_home_board(
        BOB, open_tasks=tasks, escalations=[escalation, not_mine], sprints=[], risks=[risk], now=NOW
    )
    assert [t.key for t in board.my_tasks] == ["T-2", "T-1"]  # blocked first
    assert [t.key for t in board.to_review] == ["T-4", "T-6"]
    assert [e.id for e in board.to_decide] == [escalation.id]
    text = home_text(build_home_view(board))
    assert "Your tasks* (2)" in text and "Waiting for your review* (2)" in text
    assert "Which provider?" in text and "RISK-001" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_a_huge_board_stays_within_the_home_tab_limit():
    tasks = [task(n, title="x" * 200) for n in range(1, 2001)]
    board = build_home_board(BOB, open_tasks=tasks, escalations=[], sprints=[], risks=[], now=NOW)
    view = build_home_view(board)
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b["type"] == "section")
    assert "… and 1985 more" in home_text(view)


def test_an_empty_board_says_how_to_start():
    view = build_home_view(
        build_home_board(BOB, open_tasks=[], escalations=[], sprints=[], risks=[], now=NOW)
    )
    assert "/task new" in home_text(view)


def test_opening_home_publishes_the_board_and_a_change_of_mine_refreshes_it(sender, sandbox, redis, run_jobs):
    sent = sender.command("/task", "new Write the signup API --owner <@U0BOB|bob>", user_id=CAROL)
    assert sent.status == 200
    assert run_jobs() == 0
    assert sandbox.workspace.home_view(BOB) is None  # nobody opened it: nothing published

    assert sender.event(payloads.app_home_opened(BOB)).status == 200
    assert run_jobs() == 0
    view = sandbox.workspace.home_view(BOB)
    assert view is not None and "Write the signup API" in home_text(view)
    assert "Your tasks* (1)" in home_text(view)

    sender.command("/task", "start T-1", user_id=BOB)
    assert run_jobs() == 0
    assert "In progress" in home_text(sandbox.workspace.home_view(BOB)) or "[~]" in home_text(
        sandbox.workspace.home_view(BOB)
    )

    sender.command("/task", "done T-1", user_id=BOB)
    assert run_jobs() == 0
    assert "Write the signup API" not in home_text(sandbox.workspace.home_view(BOB))


def test_refreshes_are_only_for_viewers_and_coalesce(redis):
    from jobs.home import home_opened

    assert refresh_homes(redis, TEAM, [BOB, CAROL, "system"]) == 0  # nobody has opened the Home tab
    assert home_opened(redis, TEAM, BOB) is True
    assert refresh_homes(redis, TEAM, [BOB, CAROL]) == 0  # Bob's publish is still queued: coalesced


def test_sprints_and_risks_of_channels_without_a_part_of_mine_are_not_shown():
    other = Risk(
        key="RISK-001", team_id=TEAM, channel_id="C0SECRET", description="Secret plan", created_by=CAROL
    )
    mine = Risk(
        key="RISK-002", team_id=TEAM, channel_id=CHANNEL, description="Outage", created_by=CAROL, owner=BOB
    )
    board = build_home_board(BOB, open_tasks=[], escalations=[], sprints=[], risks=[other, mine], now=NOW)
    assert [r.key for r in board.risks] == ["RISK-002"]
    assert "Secret plan" not in home_text(build_home_view(board))


def test_home_sprint_rag_is_the_status_reports(sender, sandbox, redis, run_jobs):
    from maestro.report_data import read_status_report

    sender.command("/task", "new Write the signup API --owner <@U0BOB|bob>", user_id=CAROL)
    sender.command("/task", "new Wire the gateway --owner <@U0BOB|bob>", user_id=CAROL)
    assert run_jobs() == 0
    sender.command("/sprint", "start Checkout", user_id=CAROL)
    sender.command("/sprint", "add T-1 T-2", user_id=CAROL)
    sender.command("/task", "block T-2 waiting for the contract", user_id=BOB)
    sender.command(
        "/risk", "add Payment provider outage --impact critical --owner <@U0BOB|bob>", user_id=CAROL
    )
    assert run_jobs() == 0
    sender.event(payloads.app_home_opened(BOB))
    assert run_jobs() == 0
    report = read_status_report(redis, TEAM, CHANNEL)
    text = home_text(sandbox.workspace.home_view(BOB))
    assert f"{report.overall.value} · <#{CHANNEL}> *Checkout*" in text
    assert report.overall.value == "RED"  # the critical risk makes it so, in both
    assert "0/2 done" in text and "1 blocked" in text


def test_a_risk_of_mine_refreshes_my_home(sender, sandbox, redis, run_jobs):
    sender.event(payloads.app_home_opened(BOB))
    assert run_jobs() == 0
    assert "Payment provider outage" not in home_text(sandbox.workspace.home_view(BOB))
    sender.command("/risk", "add Payment provider outage --owner <@U0BOB|bob>", user_id=CAROL)
    assert run_jobs() == 0
    assert "Payment provider outage" in home_text(sandbox.workspace.home_view(BOB))


def test_home_times_are_in_the_viewers_time_zone():
    raised = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Sunday 22 Nov, 22:00 in New York
    escalation = EscalationRecord(
        team_id=TEAM,
        channel_id=CHANNEL,
        issue="Which provider?",
        options=[EscalationOption(label="A", tradeoff="x"), EscalationOption(label="B", tradeoff="y")],
        raised_by=CAROL,
        deciders=[BOB],
        created_at=raised,
    )
    board = build_home_board(
        BOB,
        open_tasks=[],
        escalations=[escalation],
        sprints=[],
        risks=[],
        now=NOW,
        viewer_zone="America/New_York",
    )
    text = home_text(build_home_view(board))
    # Slack's client shows each <!date> in the reader's zone; the fallback is written in it too.
    stamp = int(NOW.timestamp())
    updated = f"Updated <!date^{stamp}^{{date_short_pretty}} at {{time}}|Mon 23 Nov 04:00 America/New_York>"
    assert updated in text
    assert f"since <!date^{int(raised.timestamp())}^{{date_short_pretty}}|Nov 22 America/New_York>" in text
    assert " UTC" not in text


def test_opening_home_looks_up_the_viewers_zone_once_and_shows_times_in_it(sender, sandbox, redis, run_jobs):
    from maestro.standup_store import StandupStore

    sender.command("/task", "new Write the signup API --owner <@U0BOB|bob>", user_id=CAROL)
    assert run_jobs() == 0
    sender.event(payloads.app_home_opened(BOB))
    assert run_jobs() == 0
    text = home_text(sandbox.workspace.home_view(BOB))
    assert "Updated <!date^" in text and " America/New_York>" in text  # Bob's Slack profile's zone
    assert str(StandupStore(redis, TEAM).zones([BOB])[BOB]) == "America/New_York"  # the standups' cache
