"""Escalations: raised by command and by the review loop, decided once, by the right people."""

from __future__ import annotations

import json
import threading

import pytest

from bot.escalations import parse_escalation
from maestro.errors import UserError
from maestro.escalation_cards import ACTION_ASK, VIEW_ASK
from maestro.escalations import EscalationRecord, EscalationStore
from maestro.models import TaskStatus
from maestro.plans import EscalationOption
from maestro.store import TaskStore

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
ADMIN, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"  # alice is the sandbox's workspace admin


def escalation_message(sandbox) -> dict:
    return next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation"))


def option_button(message: dict, label: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element["action_id"]
    raise AssertionError(f"no button {label!r}")


def raise_one(sender, run_jobs, text='Which provider? --option "Stripe: fastest" --option "Adyen: cheaper"'):
    sent = sender.command("/escalate", text, user_id=BOB)
    assert sent.status == 200 and "Escalation raised" in sent.body
    assert run_jobs() == 0


def test_parse_escalation():
    parsed = parse_escalation('Pick one —option "A: quick" --option "B: safe" --blocks T-3, T-4')
    assert parsed["issue"] == "Pick one" and parsed["blocking"] == ["T-3", "T-4"]
    assert [o["label"] for o in parsed["options"]] == ["A", "B"]
    assert [o["label"] for o in parse_escalation("Ship it?")["options"]] == ["Approve", "Reject"]
    for bad, message in [
        ("", "Say what"),
        ('x --option "A: only one"', "two to five"),
        ("x" * 1001, "at most 1,000"),
    ]:
        with pytest.raises(UserError, match=message):
            parse_escalation(bad)


def test_escalate_posts_options_and_lists_it(sender, sandbox, redis, run_jobs):
    sender.command("/escalate", "Ship <!channel> on Friday?", user_id=BOB)
    run_jobs()
    message = escalation_message(sandbox)
    text = json.dumps(message["blocks"])
    assert "Approve" in text and "Reject" in text and "Ask a question" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert f"<@{BOB}>" in text  # no approvers set: the requester decides (and admins)
    listing = sender.command("/escalate", "list").body
    assert "Open escalations" in listing and "Ship" in listing


def test_only_deciders_may_decide_and_the_first_press_wins(sender, sandbox, redis, run_jobs):
    sender.command("/maestro", f"approvers add <@{BOB}|bob>")
    raise_one(sender, run_jobs)
    message = escalation_message(sandbox)
    sender.press(message, option_button(message, "Stripe"), channel_id=CHANNEL, user_id=CAROL)
    refused = json.dumps(sandbox.workspace.wait_for(sandbox.workspace.response_posts))
    assert f"Only <@{BOB}>" in refused
    record = EscalationStore(redis, TEAM).open_escalations(CHANNEL)[0]
    assert record.decision is None
    sender.press(message, option_button(message, "Adyen"), channel_id=CHANNEL, user_id=BOB)
    run_jobs()
    decided = escalation_message(sandbox)
    assert "Decided: Adyen" in json.dumps(decided["blocks"]) and "Ask a question" not in json.dumps(
        decided["blocks"]
    )
    sender.press(message, option_button(message, "Stripe"), channel_id=CHANNEL, user_id=ADMIN)  # too late
    sandbox.workspace.wait_for(lambda: "Already decided" in json.dumps(sandbox.workspace.response_posts()))
    assert EscalationStore(redis, TEAM).get(record.id).decision.label == "Adyen"
    assert EscalationStore(redis, TEAM).open_escalations(CHANNEL) == []


def test_two_presses_at_once_make_one_decision(redis):
    store = EscalationStore(redis, TEAM)
    record, _ = store.raise_escalation(
        EscalationRecord(
            team_id=TEAM,
            channel_id=CHANNEL,
            issue="Which?",
            raised_by=BOB,
            deciders=[BOB, CAROL],
            options=[EscalationOption(label="A", tradeoff="a"), EscalationOption(label="B", tradeoff="b")],
        ),
        source="s",
    )
    results = []
    threads = [
        threading.Thread(
            target=lambda i=i: results.append(
                EscalationStore(redis, TEAM).decide(record.id, by=f"U{i}", option=i % 2)
            )
        )
        for i in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r, won in results if won]
    assert len(winners) == 1
    assert {r.decision.by for r, _ in results} == {winners[0].decision.by}  # everyone sees the one decision


def test_tampered_button_values_are_refused(sender, sandbox, redis, run_jobs):
    raise_one(sender, run_jobs)
    message = escalation_message(sandbox)
    action = option_button(message, "Stripe")
    other_team = EscalationStore(redis, "T0OTHER")
    foreign, _ = other_team.raise_escalation(
        EscalationRecord(
            team_id="T0OTHER",
            channel_id=CHANNEL,
            issue="x",
            raised_by=BOB,
            options=[EscalationOption(label="A", tradeoff="a"), EscalationOption(label="B", tradeoff="b")],
        ),
        source="other",
    )
    for value in (
        f"{foreign.id}:0",
        "not-an-id:0",
        "../../etc:1",
        f"{message['blocks'][-2]['elements'][0]['value'][:-2]}:9",
    ):
        sender.press(message, action, channel_id=CHANNEL, user_id=BOB, value=value)
    replies = sandbox.workspace.wait_for(
        lambda: len(sandbox.workspace.response_posts()) >= 4 and sandbox.workspace.response_posts()
    )
    assert all(
        "can't find that escalation" in json.dumps(r) or "isn't one of" in json.dumps(r) for r in replies
    )
    assert other_team.get(foreign.id).decision is None
    assert EscalationStore(redis, TEAM).open_escalations(CHANNEL)[0].decision is None


def test_a_question_goes_to_the_thread_and_is_answered(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Pick a provider --agent backend-architect")
    run_jobs()
    raise_one(
        sender, run_jobs, 'Which provider? --option "Stripe: fast" --option "Adyen: cheap" --blocks T-1'
    )
    message = escalation_message(sandbox)
    sender.press(message, ACTION_ASK, channel_id=CHANNEL, user_id=CAROL)
    view = sandbox.workspace.wait_for(sandbox.workspace.views_opened)[-1]["view"]
    sender.submit_view(
        VIEW_ASK,
        {"question": {"question": {"type": "plain_text_input", "value": "Fees <!here>?"}}},
        private_metadata=view["private_metadata"],
        user_id=CAROL,
    )
    assert run_jobs() == 0
    thread = [m["text"] for m in sandbox.workspace.thread(CHANNEL, message["ts"])]
    assert f"<@{CAROL}> asks: Fees &lt;!here&gt;?" in thread
    assert any(t.startswith("*Backend Architect:*") for t in thread)  # the blocked task's agent answers


def test_approvers_command(sender):
    assert "No approvers set" in sender.command("/maestro", "approvers").body
    assert f"<@{BOB}>" in sender.command("/maestro", f"approvers add <@{BOB}|bob>").body
    assert "isn't an approver" in sender.command("/maestro", f"approvers remove <@{CAROL}|carol>").body
    assert "isn't a Slack mention" in sender.command("/maestro", "approvers add bob").body


def test_reject_asks_why_and_sends_the_work_back_with_the_reason(sender, sandbox, redis, run_jobs):
    from maestro.escalation_cards import VIEW_REJECT

    sender.command("/task", "new Migrate the orders table --owner <@U0CAROL|carol>", user_id=BOB)
    run_jobs()
    sender.command("/task", "block T-1 waiting for a decision", user_id=BOB)
    run_jobs()
    raise_one(sender, run_jobs, "Drop the old column now? --blocks T-1")
    message = escalation_message(sandbox)
    sender.press(message, option_button(message, "Reject"), channel_id=CHANNEL, user_id=BOB)
    view = sandbox.workspace.wait_for(sandbox.workspace.views_opened)[-1]["view"]
    assert view["callback_id"] == VIEW_REJECT
    record = EscalationStore(redis, TEAM).open_escalations(CHANNEL)[0]
    assert record.decision is None  # nothing is decided before the reason is given
    empty = sender.submit_view(
        VIEW_REJECT,
        {"reason": {"reason": {"type": "plain_text_input", "value": ""}}},
        private_metadata=view["private_metadata"],
        user_id=BOB,
    )
    assert "Say why" in empty.body
    intruder = sender.submit_view(
        VIEW_REJECT,
        {"reason": {"reason": {"type": "plain_text_input", "value": "no"}}},
        private_metadata=view["private_metadata"],
        user_id=CAROL,
    )
    assert "Only <@U0BOB>" in intruder.body
    sender.submit_view(
        VIEW_REJECT,
        {"reason": {"reason": {"type": "plain_text_input", "value": "Back up <first>"}}},
        private_metadata=view["private_metadata"],
        user_id=BOB,
    )
    assert run_jobs() == 0
    decided = EscalationStore(redis, TEAM).get(record.id)
    assert decided.decision.label == "Reject" and decided.decision.note == "Back up <first>"
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.status is TaskStatus.ASSIGNED
    thread = [m["text"] for m in sandbox.workspace.thread(CHANNEL, task.message_ts)]
    assert f"Back to <@{CAROL}>: <@{BOB}> rejected the escalation. Back up &lt;first&gt;" in thread


def test_nobody_makes_themselves_an_approver(sender, redis):
    refused = sender.command("/maestro", f"approvers add <@{CAROL}|carol>", user_id=CAROL)
    assert "Only an approver or a workspace admin" in refused.body
    assert EscalationStore(redis, TEAM).approvers(CHANNEL) == []
    assert "Only an approver" in sender.command("/maestro", "escalations blocked-days 9", user_id=CAROL).body
    sender.command("/maestro", f"approvers add <@{BOB}|bob>", user_id=ADMIN)
    assert f"<@{CAROL}>" in sender.command("/maestro", f"approvers add <@{CAROL}|carol>", user_id=BOB).body


def test_without_approvers_the_blocked_tasks_creator_decides_not_whoever_raised_it(
    sender, sandbox, redis, run_jobs
):
    sender.command("/task", "new Migrate the orders table", user_id=BOB)
    run_jobs()
    raise_one(sender, run_jobs, "Unblock it? --blocks T-1")  # raised by bob...
    sender.command("/escalate", "Unblock it now? --blocks T-1", user_id=CAROL)  # ...and by carol
    run_jobs()
    records = EscalationStore(redis, TEAM).open_escalations(CHANNEL)
    assert [r.deciders for r in records] == [[BOB], [BOB]]
    message = [m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation")][-1]
    sender.press(message, option_button(message, "Approve"), channel_id=CHANNEL, user_id=CAROL)
    assert "Only <@U0BOB>" in json.dumps(sandbox.workspace.wait_for(sandbox.workspace.response_posts))
    assert all(r.decision is None for r in EscalationStore(redis, TEAM).open_escalations(CHANNEL))
