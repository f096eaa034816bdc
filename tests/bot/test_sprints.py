"""/sprint end to end: start → add → status; close (by option and by button) → summary, report, retro."""

from __future__ import annotations

import json

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from bot.sprint_commands import parse_sprint_command
from jobs.queues import QUEUE_NAMES
from jobs.sprints import SPRINT_REPORT_JOB, sprint_report_job_id
from maestro.errors import UserError
from maestro.escalations import EscalationStore
from maestro.models import Assignee
from maestro.sprint_cards import ACTION_CLOSE_BACKLOG, ACTION_CLOSE_NEXT
from maestro.sprint_store import SprintStore
from maestro.store import NewTask, TaskStore
from sandbox import payloads
from tests.evidence import approved_by

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"  # Alice is a workspace admin


def answer(sent) -> str:
    """The ack as text (blocks included), with non-ASCII as typed."""
    assert sent.status == 200, sent.body
    try:
        return json.dumps(sent.json(), ensure_ascii=False)
    except ValueError:
        return sent.body  # a text-only ack is sent as plain text


def board(redis, *titles: str) -> TaskStore:
    tasks = TaskStore(redis, TEAM)
    for i, title in enumerate(titles):
        tasks.create_task(
            CHANNEL,
            NewTask(title=title, assignee=Assignee(kind="agent", id="backend")),
            actor=ALICE,
            source=f"n{i}",
        )
    return tasks


def failed_job_ids(redis) -> set[str]:
    ids: set[str] = set()
    for name in QUEUE_NAMES:
        ids |= set(FailedJobRegistry(name, connection=redis).get_job_ids())
        ids |= set(ScheduledJobRegistry(name, connection=redis).get_job_ids())
    return ids


def channel_texts(sandbox) -> list[str]:
    return [m["text"] for m in sandbox.workspace.messages(CHANNEL)]


def test_parse_sprint_command():
    start = parse_sprint_command('start Checkout —days 10 --goal "Ship it"')
    assert (start.verb, start.name, start.days, start.goal) == ("start", "Checkout", 10, "Ship it")
    assert parse_sprint_command("add T-1, t2 3").keys == ["T-1", "T-2", "T-3"]
    goal = parse_sprint_command('start Checkout --goal "ship it --days later"')  # quoted: one value
    assert (goal.name, goal.goal, goal.days) == ("Checkout", "ship it --days later", None)
    close = parse_sprint_command('close --to next --next "Sprint 8" --days 7')
    assert (close.carry, close.next_name, close.days) == ("next", "Sprint 8", 7)
    assert parse_sprint_command("close").carry is None
    milestone = parse_sprint_command(
        'milestone add m1.4 Gateway --after M1.3,M1.2 --gate "Health checks" --gate "JWT" --due 2026-12-01'
    )
    assert (milestone.milestone, milestone.title, milestone.depends_on) == (
        "M1.4",
        "Gateway",
        ["M1.3", "M1.2"],
    )
    assert milestone.gates == ["Health checks", "JWT"] and milestone.due.isoformat() == "2026-12-01"
    gate = parse_sprint_command("milestone gate M1.4 2 unmet")
    assert (gate.gate, gate.met) == (2, False)
    for bad, message in [
        ("start x --days 500", "1 to 90"),
        ("add", "Which tasks"),
        ("add T-x", "isn't a task key"),
        ("close --to somewhere", "`next` or `backlog`"),
        ("close --to backlog --next S9", "there is none"),
        ("milestone add 1.4 Gateway", "isn't a milestone key"),
        ("milestone gate M1.4 first met", "by its number"),
        ("milestone gate M1.4 ² met", "by its number"),  # "²".isdigit() is True; int("²") raises
        ("milestone gate M1.4 ٣ met", "by its number"),
        ("start x --days ١٤", "whole number"),
        ("frobnicate", "isn't a command"),
    ]:
        with pytest.raises(UserError, match=message):
            parse_sprint_command(bad)


def test_start_add_and_status_show_seed_000s_tracking_format(sender, sandbox, redis, run_jobs):
    tasks = board(redis, "Login API", "Payments", "Schema", "Docs", "Cart <!channel>")
    tasks.apply(CHANNEL, "T-1", "progress", actor=ALICE, source="p", percent=60)
    tasks.apply(CHANNEL, "T-2", "block", actor=ALICE, source="b", reason="waiting for the API contract")
    tasks.apply(CHANNEL, "T-3", "start", actor=ALICE, source="s3")
    tasks.apply(CHANNEL, "T-3", "done", actor=ALICE, evidence=approved_by(ALICE), source="d3")
    tasks.apply(CHANNEL, "T-4", "start", actor=ALICE, source="s4")
    tasks.apply(CHANNEL, "T-4", "review", actor=ALICE, source="r4")

    started = answer(sender.command("/sprint", 'start Checkout --days 10 --goal "Pay <!channel>"'))
    assert "Started *Sprint 1 — Checkout*" in started and "(10 days)" in started
    assert run_jobs() == 0
    (announcement,) = [t for t in channel_texts(sandbox) if "started" in t]
    assert (
        "Checkout" in announcement and "&lt;!channel&gt;" in announcement and "<!channel>" not in announcement
    )

    assert "are in *Sprint 1 — Checkout*" in answer(sender.command("/sprint", "add T-1 T-2 T-3 T-4 T-5"))
    sender.command("/sprint", 'milestone add M1.4 Gateway --gate "Health checks pass" --gate "JWT validated"')
    sender.command("/sprint", "milestone attach M1.4 T-1")
    assert "1/2 gates met" in answer(sender.command("/sprint", "milestone gate M1.4 2 met"))

    acked = answer(sender.command("/sprint", "status"))
    assert "Gathering *Sprint 1 — Checkout*" in acked and "T-1" not in acked  # the listener renders nothing
    assert run_jobs() == 0
    (shown,) = [p for p in sandbox.workspace.response_posts() if "IN_PROGRESS" in json.dumps(p)]
    status = json.dumps(shown, ensure_ascii=False)
    for expected in (
        "`[~]` *T-1* | backend (agent) | Login API | IN_PROGRESS (60%)",
        "`[!]` *T-2* | backend (agent) | Payments | *BLOCKED* — waiting for the API contract",
        "`[X]` *T-3*",
        "`[R]` *T-4*",
        "`[ ]` *T-5* | backend (agent) | Cart &lt;!channel&gt; | ASSIGNED",
        "*Start:* ",
        "day 1 of 10",
        "*Goal:* Pay &lt;!channel&gt;",
        "1/5 done",
        "- [ ] Health checks pass",
        "- [x] JWT validated",
    ):
        assert expected in status, expected
    assert "<!channel>" not in status
    assert status.index("[!]") < status.index("[~]") < status.index("[X]")  # what needs attention first
    assert "still running" in answer(sender.command("/sprint", "start Another"))
    assert len(SprintStore(redis, TEAM).list(CHANNEL)) == 1


def test_close_to_the_backlog_posts_the_summary_and_the_retro_and_enqueues_the_report(
    sender, sandbox, redis, run_jobs
):
    tasks = board(redis, "One", "Two", "Three")
    tasks.apply(CHANNEL, "T-1", "start", actor=ALICE, source="s1")
    tasks.apply(CHANNEL, "T-1", "done", actor=ALICE, evidence=approved_by(ALICE), source="d1")
    sender.command("/sprint", "start")
    sender.command("/sprint", "add T-1 T-2 T-3")
    sprint = SprintStore(redis, TEAM).current(CHANNEL)

    assert "Closing *Sprint 1*" in answer(sender.command("/sprint", "close --to backlog"))
    run_jobs()
    report = Job.fetch(sprint_report_job_id(TEAM, CHANNEL, sprint.id), connection=redis)
    assert (report.origin, report.func_name, report.args) == (
        "low",
        SPRINT_REPORT_JOB,
        (TEAM, CHANNEL, sprint.id),
    )
    assert failed_job_ids(redis) <= {report.id}  # only the report may fail, until jobs/reports.py exists

    texts = channel_texts(sandbox)
    assert any("*Sprint 1* closed: 1/3 done; 2 back to the backlog." in t for t in texts), texts
    (retro,) = [
        m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith(":thought_balloon: Retro")
    ]
    assert "what went well, what didn't, what to change" in retro["text"]
    assert [t.sprint for t in tasks.list_tasks(CHANNEL)] == [sprint.id, None, None]
    assert SprintStore(redis, TEAM).current(CHANNEL) is None

    def reply(text: str, user: str = BOB):
        return sender.event(payloads.message_event(text, user=user, channel=CHANNEL, thread_ts=retro["ts"]))

    sender.retry(reply("+ fast reviews"))  # Slack's retry of the same event: kept once
    reply("didn't: flaky <!here> CI", ALICE)
    reply("→ smaller PRs")
    assert run_jobs() == 0
    assert len(sandbox.workspace.thread(CHANNEL, retro["ts"])) == 4  # the prompt and 3 replies; no answers

    shown = answer(sender.command("/sprint", "retro"))
    assert shown.count("fast reviews") == 1 and f"<@{BOB}>: fast reviews" in shown
    assert shown.index("Went well") < shown.index("fast reviews") < shown.index("Didn't go well")
    assert "flaky &lt;!here&gt; CI" in shown and "To change" in shown and "smaller PRs" in shown
    assert "already closed" not in answer(sender.command("/sprint", "close --to backlog"))  # none running
    assert "No sprint is running" in answer(sender.command("/sprint", "close --to backlog"))


def test_close_asks_where_unfinished_tasks_go_and_the_button_closes_once(sender, sandbox, redis, run_jobs):
    board(redis, "One", "Two")
    sender.command("/sprint", "start Sprint 7 --days 7")
    sender.command("/sprint", "add T-1 T-2")
    store = SprintStore(redis, TEAM)
    first = store.current(CHANNEL)

    question = answer(sender.command("/sprint", 'close --next "Sprint 8"'))
    assert "2 of 2 tasks aren't finished" in question and store.current(CHANNEL) == first  # nothing yet
    (asked,) = [e for e in sandbox.workspace.ephemerals(CHANNEL, ALICE) if e.get("blocks")]
    assert "Move unfinished to the next sprint" in json.dumps(asked["blocks"])
    sender.press(asked, ACTION_CLOSE_NEXT, channel_id=CHANNEL)
    sender.press(asked, ACTION_CLOSE_NEXT, channel_id=CHANNEL)  # a double click: the same question
    sandbox.workspace.wait_for(lambda: "already closing" in json.dumps(sandbox.workspace.response_posts()))
    assert Queue("high", connection=redis).count == 1  # one close job
    assert run_jobs() == 0

    following = store.current(CHANNEL)
    assert following.name == "Sprint 8" and following.days == 7 and following.id != first.id
    assert [t.key for t in store.sprint_tasks(CHANNEL, following.id)] == ["T-1", "T-2"]
    assert any("0/2 done; 2 moved to *Sprint 8*" in t for t in channel_texts(sandbox))

    sender.press(asked, ACTION_CLOSE_BACKLOG, channel_id=CHANNEL)  # the other button, too late
    sandbox.workspace.wait_for(lambda: "already closed" in json.dumps(sandbox.workspace.response_posts()))
    assert run_jobs() == 0
    assert store.current(CHANNEL) == following and len(store.list(CHANNEL)) == 2
    assert sum("closed:" in t for t in channel_texts(sandbox)) == 1


def test_malformed_or_refused_commands_change_nothing(sender, redis):
    board(redis, "One")
    sender.command("/sprint", "start")
    before = {key: redis.dump(key) for key in redis.keys("maestro:*")}
    for text, message in [
        ("add T-1 T-99", "T-99 is not a task"),
        ("remove T-42", "T-42 is not a task"),
        ("start x --days 500", "1 to 90"),
        ("milestone add M1.4 Gateway --after M9", "M9 is not a milestone"),
        ("milestone attach M1.4 T-1", "no milestone M1.4"),
        ("status Sprint 9", "no sprint “Sprint 9”"),
        ("frobnicate", "isn't a command"),
    ]:
        assert message in answer(sender.command("/sprint", text)), text
    assert "/sprint start Sprint 7" in answer(sender.command("/sprint", "frobnicate"))  # help follows
    assert {key: redis.dump(key) for key in redis.keys("maestro:*")} == before


def test_adding_a_task_to_a_sprint_updates_its_card_and_history(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API --agent backend", user_id=ALICE)
    assert run_jobs() == 0
    card_ts = TaskStore(redis, TEAM).get(CHANNEL, "T-1").message_ts

    def card_text() -> str:
        card = next(m for m in sandbox.workspace.messages(CHANNEL) if m["ts"] == card_ts)
        return json.dumps(card["blocks"], ensure_ascii=False)

    assert "Backlog" in card_text()
    answer(sender.command("/sprint", "start Checkout <b>", user_id=ALICE))
    answer(sender.command("/sprint", "add T-1", user_id=ALICE))
    assert run_jobs() == 0
    assert "Checkout &lt;b&gt;" in card_text() and "Backlog" not in card_text()
    shown = answer(sender.command("/task", "show T-1", user_id=ALICE))
    assert "moved T-1 to *Checkout &lt;b&gt;*" in shown

    answer(sender.command("/sprint", "remove T-1", user_id=ALICE))
    assert run_jobs() == 0
    assert "Backlog" in card_text()


def test_unicode_digits_are_refused_not_a_server_error(sender, redis):
    sender.command("/sprint", 'milestone add M1.4 Gateway --gate "Health checks pass"')
    for text in ("milestone gate M1.4 ² met", "start x --days ¹⁴", "status #²"):
        sent = sender.command("/sprint", text)
        assert sent.status == 200, text
    assert "by its number" in answer(sender.command("/sprint", "milestone gate M1.4 ² met"))
    assert SprintStore(redis, TEAM).get_milestone(CHANNEL, "M1.4").gates_met == []


def test_milestones_are_counted_from_their_task_indexes_by_a_job(sender, sandbox, redis, run_jobs):
    tasks = board(redis, "One", "Two", "Three", "Unattached")
    tasks.apply(CHANNEL, "T-1", "start", actor=ALICE, source="s1")
    tasks.apply(CHANNEL, "T-1", "done", actor=ALICE, evidence=approved_by(ALICE), source="d1")
    sender.command("/sprint", 'milestone add M1.1 Shared <b> --gate "Tests pass"')
    sender.command("/sprint", "milestone add M1.2 Gateway --after M1.1")
    sender.command("/sprint", "milestone attach M1.1 T-1 T-2")
    sender.command("/sprint", "milestone attach M1.2 T-3")

    acked = sender.command("/sprint", "milestones", trigger_id="trig-ms")
    assert "Counting" in answer(acked) and "M1.1" not in answer(acked)  # the ack reads nothing
    sender.retry(acked)  # Slack's retry: answered once
    assert run_jobs() == 0
    (shown,) = [p for p in sandbox.workspace.response_posts() if "Milestones" in json.dumps(p)]
    text = json.dumps(shown, ensure_ascii=False)
    assert "*M1.1 — Shared &lt;b&gt;*" in text and "50% of 2 tasks · gates 0/1" in text
    assert "*M1.2 — Gateway* · after M1.1" in text and "0% of 1 tasks" in text
    assert text.index("M1.1 —") < text.index("M1.2 —")


def test_with_approvers_only_they_the_starter_or_an_admin_close_a_sprint(sender, sandbox, redis, run_jobs):
    board(redis, "One", "Two")
    store = SprintStore(redis, TEAM)
    sender.command("/sprint", "start Sprint 7", user_id=ALICE)
    sender.command("/sprint", "add T-1 T-2", user_id=ALICE)
    sender.command("/sprint", "milestone add M1 Gateway", user_id=ALICE)
    EscalationStore(redis, TEAM).add_approver(CHANNEL, BOB)
    sprint = store.current(CHANNEL)
    assert run_jobs() == 0
    before = {key: redis.dump(key) for key in redis.keys("maestro:*") if b":seen:" not in key}

    only = (
        f"Only the approver (<@{BOB}>), <@{ALICE}> (who started it) or a workspace admin can close *Sprint 7*"
    )
    for text in ("close --to backlog", "close"):  # no question is shown to Carol either
        refused = answer(sender.command("/sprint", text, user_id=CAROL))
        assert only + ". Nothing was changed." in refused and "Move unfinished" not in refused
    assert "can redefine *M1 — Gateway*" in answer(
        sender.command("/sprint", "milestone add M1 Other", user_id=CAROL)
    )
    sender.command("/sprint", "close", user_id=ALICE)  # Alice (the admin, the starter) sees the question
    (asked,) = [e for e in sandbox.workspace.ephemerals(CHANNEL, ALICE) if e.get("blocks")]
    sender.press(asked, ACTION_CLOSE_BACKLOG, channel_id=CHANNEL, user_id=CAROL)  # pressed again: checked
    sandbox.workspace.wait_for(lambda: only in json.dumps(sandbox.workspace.response_posts()))
    assert Queue("high", connection=redis).count == 0 and run_jobs() == 0
    assert {key: redis.dump(key) for key in redis.keys("maestro:*") if b":seen:" not in key} == before

    checked = len(sandbox.workspace.calls("users.info"))
    assert "Redefined *M1 — Other*" in answer(
        sender.command("/sprint", "milestone add M1 Other", user_id=BOB)
    )
    sender.press(asked, ACTION_CLOSE_BACKLOG, channel_id=CHANNEL, user_id=BOB)  # the approver
    assert run_jobs() == 0 and store.get(CHANNEL, sprint.id).closed_by == BOB
    sender.command("/sprint", "start Sprint 8", user_id=CAROL)
    assert "Closing *Sprint 8*" in answer(sender.command("/sprint", "close --to backlog", user_id=CAROL))
    assert run_jobs() == 0 and store.current(CHANNEL) is None  # the starter closed her own sprint
    assert len(sandbox.workspace.calls("users.info")) == checked  # Redis said yes: no Web API call

    EscalationStore(redis, TEAM).remove_approver(CHANNEL, BOB)
    sender.command("/sprint", "start Sprint 9", user_id=ALICE)
    assert "Closing" in answer(sender.command("/sprint", "close --to backlog", user_id=CAROL))  # no approvers
    assert run_jobs() == 0 and store.current(CHANNEL) is None


def test_a_milestone_due_before_one_it_comes_after_is_saved_with_a_warning(sender, redis):
    added = answer(sender.command("/sprint", "milestone add M1 Contracts --due 2026-12-20"))
    assert "Added *M1 — Contracts*" in added and "contradict" not in added
    later = answer(sender.command("/sprint", "milestone add M2 Services --after M1 --due 2026-12-10"))
    assert "Added *M2 — Services*" in later  # not refused
    assert "Saved as given, but the dates contradict the order of the work" in later
    assert "*M2* is due 2026-12-10, before *M1 — Contracts* (due 2026-12-20), which it comes after." in later
    assert SprintStore(redis, TEAM).get_milestone(CHANNEL, "M2").due.isoformat() == "2026-12-10"
    # Moving the earlier one later is warned about from its side too.
    moved = answer(sender.command("/sprint", "milestone add M1 Contracts <b> --due 2026-12-24"))
    assert "*M2 — Services* comes after *M1* but is due 2026-12-10, before it (due 2026-12-24)." in moved
    fine = answer(sender.command("/sprint", "milestone add M2 Services --after M1 --due 2026-12-31"))
    assert "contradict" not in fine
