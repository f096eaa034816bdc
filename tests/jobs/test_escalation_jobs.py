"""The clock's escalation sweep and reminders, with time moved by a test clock."""

from __future__ import annotations

import json
from datetime import timedelta

from jobs.escalations import check_escalations
from maestro.escalations import EscalationStore
from maestro.models import Priority, utcnow

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def escalations(sandbox) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation")]


def test_a_task_blocked_too_long_is_escalated_once_then_as_critical(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Migrate the orders table --owner <@U0BOB|bob>")
    run_jobs()
    sender.command("/task", "block T-1 waiting for the DBA")
    run_jobs()
    now = utcnow()
    assert check_escalations((now + timedelta(days=1)).isoformat())["raised"] == 0
    assert check_escalations((now + timedelta(days=2, hours=1)).isoformat())["raised"] == 1
    assert (
        check_escalations((now + timedelta(days=2, hours=2)).isoformat())["raised"] == 0
    )  # the same fact, once
    later = check_escalations((now + timedelta(days=4, hours=1)).isoformat())
    assert later["raised"] == 1
    (record,) = EscalationStore(redis, TEAM).open_escalations(CHANNEL)  # one escalation per blocked task
    assert "blocked for 2.0 days" in record.issue
    assert record.priority is Priority.CRITICAL  # re-escalated as critical after twice the threshold
    assert check_escalations((now + timedelta(days=4, hours=2)).isoformat())["raised"] == 0  # once
    records = [record]
    assert all(r.blocking == ["T-1"] and r.deciders == ["U0ALICE"] for r in records)  # the task's creator
    assert len(escalations(sandbox)) == 1 and "blocked for" in escalations(sandbox)[0]["text"] + json.dumps(
        escalations(sandbox)[0]["blocks"]
    )


def test_an_approval_unblocks_the_task(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Migrate the orders table")
    run_jobs()
    sender.command("/task", "block T-1 waiting for the DBA")
    run_jobs()
    check_escalations((utcnow() + timedelta(days=3)).isoformat())
    message = escalations(sandbox)[0]
    approve = next(
        e["action_id"]
        for b in message["blocks"]
        for e in b.get("elements", [])
        if e.get("value", "").endswith(":0")
    )
    sender.press(message, approve, channel_id=CHANNEL, user_id="U0ALICE")
    sandbox.workspace.wait_for(lambda: redis.llen("rq:queue:high"))
    run_jobs()
    from maestro.store import TaskStore

    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").status.value == "ASSIGNED"


def test_a_due_date_the_plan_misses_is_escalated(sender, sandbox, redis, run_jobs):
    today = utcnow().date()
    sender.command("/task", f"new Ship it --due {(today - timedelta(days=5)).isoformat()}")
    run_jobs()
    assert check_escalations()["raised"] == 1
    assert "days late" in json.dumps(escalations(sandbox)[0]["blocks"])


def test_undecided_escalations_remind_their_deciders_by_dm_and_rise(sender, sandbox, redis, run_jobs):
    sender.command("/maestro", "approvers add <@U0BOB|bob>")
    sender.command("/escalate", "Ship on Friday?", user_id="U0CAROL")
    run_jobs()
    record = EscalationStore(redis, TEAM).open_escalations(CHANNEL)[0]
    start = record.created_at
    monday = start + timedelta(days=(7 - start.weekday()) % 7 or 7)  # the next Monday, after any weekend
    assert check_escalations((start + timedelta(minutes=30)).isoformat())["reminded"] == 0
    assert check_escalations((monday + timedelta(hours=9)).isoformat())["reminded"] == 1
    dms = [
        m
        for c in sandbox.workspace.channels()
        if c["id"].startswith("D")
        for m in sandbox.workspace.messages(c["id"])
    ]
    assert (
        len(dms) == 1 and "waited for your decision" in dms[0]["text"] and "Ship on Friday" in dms[0]["text"]
    )
    raised = EscalationStore(redis, TEAM).get(record.id)
    assert raised.reminders == 1 and raised.priority is Priority.CRITICAL  # high → critical
    assert check_escalations((monday + timedelta(hours=10)).isoformat())["reminded"] == 0  # not yet again


def test_thresholds_command(sender):
    assert "blocked for 2 days" in sender.command("/maestro", "escalations").body
    assert "blocked for 1 days" in sender.command("/maestro", "escalations blocked-days 1").body
    assert "after 8 working hours" in sender.command("/maestro", "escalations reminder-hours 8").body
    assert "takes a number" in sender.command("/maestro", "escalations blocked-days soon").body


def test_a_reminder_racing_a_decision_does_not_bring_the_buttons_back(
    runtime, sender, sandbox, redis, run_jobs
):
    from jobs.escalations import apply_decision, remind

    sender.command("/escalate", "Ship on Friday?", user_id="U0BOB")
    run_jobs()
    store = EscalationStore(redis, TEAM)
    stale = store.open_escalations(CHANNEL)[0]  # the sweep read it...
    store.decide(stale.id, by="U0BOB", option=0)  # ...then someone decided...
    apply_decision(TEAM, CHANNEL, stale.id)
    remind(runtime, store, stale, utcnow() + timedelta(days=7), 4)  # ...and the reminder went on
    message = escalations(sandbox)[0]
    assert "Decided: Approve" in json.dumps(message["blocks"]) and "Ask a question" not in json.dumps(
        message["blocks"]
    )


def test_one_failing_channel_does_not_stop_the_sweep(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new In general", channel_id="C0GENERAL")
    sender.command("/task", "new In the project")
    run_jobs()
    sender.command("/task", "block T-1 stuck", channel_id="C0GENERAL")
    sender.command("/task", "block T-1 stuck")
    run_jobs()
    sandbox.workspace.set_bot_member("C0GENERAL", False)  # its escalation can't be posted
    assert check_escalations((utcnow() + timedelta(days=3)).isoformat())["raised"] >= 1
    assert len(escalations(sandbox)) == 1  # C0PROJECT was still swept
