"""``/maestro <command> …`` reaches the same listener as the command itself."""

from __future__ import annotations

import json

import pytest

TEAM, CHANNEL, ALICE = "T0SANDBOX", "C0PROJECT", "U0ALICE"


def answer(sent) -> str:
    assert sent.status == 200, sent.body
    try:
        return json.dumps(sent.json(), ensure_ascii=False)
    except ValueError:
        return sent.body


@pytest.mark.parametrize(
    ("command", "text", "expected"),
    [
        ("sprint", "help", "/sprint start"),
        ("risk", "help", "/risk add"),
        ("report", "help", "/report status"),
        ("standup", "help", "/standup schedule"),
    ],
)
def test_maestro_alias_answers_like_the_command(sender, command, text, expected):
    direct = answer(sender.command(f"/{command}", text, user_id=ALICE))
    aliased = answer(sender.command("/maestro", f"{command} {text}", user_id=ALICE))
    assert expected in direct and expected in aliased


def test_maestro_alias_changes_state_like_the_command(sender, redis, run_jobs):
    from maestro.risk_store import RiskStore

    answer(sender.command("/maestro", "risk add Payment provider outage --impact critical", user_id=ALICE))
    assert run_jobs() == 0
    [risk] = RiskStore(redis, TEAM).list(CHANNEL)
    assert risk.key == "RISK-001" and risk.rag.value == "RED"


def test_maestro_help_lists_the_tpm_commands(sender):
    text = answer(sender.command("/maestro", "help", user_id=ALICE))
    for word in ("/sprint start", "/standup schedule", "/report status", "/risk add", "Home"):
        assert word in text
