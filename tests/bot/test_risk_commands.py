"""/risk through signed requests, the web app, the worker and the Slack sandbox."""

from __future__ import annotations

import json

import pytest

from bot.risk_commands import parse_risk_command
from maestro.errors import UserError
from maestro.escalations import EscalationStore
from maestro.risk_store import RiskStore
from maestro.risks import Rag, RiskStatus

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
BOB, CAROL = "U0BOB", "U0CAROL"


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def notes(sandbox) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if "RISK-" in m["text"]]


def test_parse_risk_command():
    cmd = parse_risk_command(
        "add Payment  provider outage —category dependency --probability LOW --impact high "
        "--owner <@U0BOB|bob> --mitigation “Abstract payment behind an interface”"
    )
    assert cmd.fields == {
        "description": "Payment provider outage",
        "category": "dependency",
        "probability": "low",
        "impact": "high",
        "owner": BOB,
        "mitigation": "Abstract payment behind an interface",
    }
    assert parse_risk_command("add x --owner @backend").fields["owner"] == "backend"
    for word in ("RISK-7", "risk-007", "risk7", "7"):
        assert parse_risk_command(f"show {word}").key == "RISK-007"
    assert parse_risk_command("update RISK-7 --owner none").fields == {"owner": None}
    assert parse_risk_command("close RISK-7 --as Mitigated").status is RiskStatus.MITIGATED
    assert parse_risk_command("list all").everything and parse_risk_command("").verb == "help"
    assert parse_risk_command("promote RISK-7").error == "`/risk promote` isn't a command."
    for bad, message in [
        ("add --impact high", "Say what could go wrong"),
        ("add x --impact huge", "`huge` isn't an impact. Use one of: low, medium, high, critical."),
        ("add x --category people", "Use one of: schedule, technical, dependency, resource, security."),
        ("add x --owner @bob", "isn't a Slack mention"),
        ("add x --owner <!channel>", "`&lt;!channel&gt;` can't own a risk"),
        ("add " + "x" * 1001, "at most 1,000 characters"),
        ("update RISK-7", "Say what to change"),
        ("show T-3", "isn't a risk key like `RISK-7`"),
        ("close RISK-7 --as open", "Use one of: mitigated, accepted, closed."),
        ("list <!here>", "I can't list `&lt;!here&gt;`"),
    ]:
        with pytest.raises(UserError, match=message):
            parse_risk_command(bad)


def test_add_posts_one_escaped_announcement_even_when_slack_retries(sender, sandbox, redis, run_jobs):
    sent = sender.command(
        "/risk", "add Ship <!channel> & pray --impact critical --owner <@U0BOB|bob>", user_id="U0CAROL"
    )
    assert "Recorded *RISK-001* (:red_circle: RED)" in sent.body
    assert "Recorded *RISK-001*" in sender.retry(sent).body  # Slack's retry: the same risk, nothing new
    assert run_jobs() == 0
    (note,) = notes(sandbox)
    shown = dump(note)
    assert "New risk *RISK-001* (:red_circle: RED) added by <@U0CAROL>" in shown
    assert "Ship &lt;!channel&gt; &amp; pray" in shown and "<!channel>" not in shown
    assert "Owner: <@U0BOB> | Status: open" in shown and note["text"].startswith("New risk RISK-001 (RED)")
    (risk,) = RiskStore(redis, TEAM).list(CHANNEL)
    assert (risk.key, risk.rag, risk.owner, risk.created_by) == ("RISK-001", Rag.RED, BOB, "U0CAROL")


def test_bad_values_and_unknown_keys_change_nothing(sender, sandbox, redis, run_jobs):
    refused = sender.command("/risk", "add Vendor late --probability likely").body
    assert "`likely` isn't a probability. Use one of: low, medium, high." in refused
    assert RiskStore(redis, TEAM).list(CHANNEL, open_only=False) == [] and run_jobs() == 0
    sender.command("/risk", "add Vendor late")
    run_jobs()
    assert "isn't an impact" in sender.command("/risk", "update RISK-1 --impact huge").body
    for text in ("show RISK-9", "update risk-9 --impact low", "close 9"):
        assert (
            "There's no RISK-009 here. `/risk list` shows the register." in sender.command("/risk", text).body
        )
    assert RiskStore(redis, TEAM).get(CHANNEL, "RISK-001").version == 1
    assert run_jobs() == 0 and len(notes(sandbox)) == 1


def test_update_close_list_show_and_help(sender, sandbox, redis, run_jobs):
    sender.command("/risk", "add Gateway delayed --owner backend")
    sender.command("/risk", "add Kafka flaky on laptops --probability low --impact low")
    run_jobs()
    assert len(notes(sandbox)) == 2
    sender.command("/risk", "update RISK-2 --mitigation Pin the image")  # stays GREEN: no note
    run_jobs()
    assert len(notes(sandbox)) == 2
    answer = sender.command("/risk", "update RISK-1 --probability high --impact high", user_id=BOB).body
    assert "*RISK-001* is updated: :red_circle: RED" in answer
    run_jobs()
    assert ":rotating_light: *RISK-001* turned :red_circle: RED (was AMBER) — by <@U0BOB>" in dump(
        notes(sandbox)[-1]
    )
    listing = sender.command("/risk", "list").body
    assert listing.index("RISK-001") < listing.index("RISK-002") and "backend (agent)" in listing
    assert "Pin the image" in sender.command("/risk", "show risk-2").body
    closed = sender.command("/risk", "close RISK-1 --as accepted").body
    assert "*RISK-001* is accepted" in closed
    run_jobs()
    assert ":white_check_mark: *RISK-001* closed as accepted by <@U0ALICE>" in dump(notes(sandbox)[-1])
    assert len(notes(sandbox)) == 4
    assert "RISK-001" not in sender.command("/risk", "list").body
    assert "RISK-001" in sender.command("/risk", "list all").body
    history = dump(json.loads(sender.command("/risk", "show RISK-1").body))
    assert (
        "added it" in history
        and "probability medium → high" in history
        and "closed it as accepted" in history
    )
    assert "isn't a command" in sender.command("/risk", "promote RISK-1").body
    shown_help = sender.command("/risk", "help").body
    assert (
        "The risk register" in shown_help and "Anyone in the channel can add, update and close" in shown_help
    )


def test_risks_stay_open_to_everyone_when_the_project_has_approvers(sender, sandbox, redis, run_jobs):
    EscalationStore(redis, TEAM).add_approver(CHANNEL, BOB)
    sender.command("/risk", 'add Vendor late --mitigation "switch with --fallback on"', user_id=CAROL)
    assert "is updated" in sender.command("/risk", "update RISK-1 --impact high", user_id=CAROL).body
    assert "is mitigated" in sender.command("/risk", "close RISK-1 --as mitigated", user_id=CAROL).body
    risk = RiskStore(redis, TEAM).get(CHANNEL, "RISK-1")
    assert risk.status is RiskStatus.MITIGATED and risk.mitigation == "switch with --fallback on"
    assert run_jobs() == 0 and sandbox.workspace.calls("users.info") == []


def test_not_in_channel_keeps_the_risk_and_tells_the_requester_once(sender, sandbox, redis, run_jobs):
    sandbox.workspace.set_bot_member(CHANNEL, False)
    sent = sender.command("/risk", "add Vendor ships late")
    sender.retry(sent)
    assert run_jobs() == 0
    assert RiskStore(redis, TEAM).get(CHANNEL, "RISK-1").description == "Vendor ships late"
    told = [p for p in sandbox.workspace.response_posts() if "/invite @maestro" in dump(p)]
    assert len(told) == 1 and "RISK-001 is recorded" in dump(told[0])
