"""The risk register: seed 001's RAG rule, the store over a real Redis, and the pure builders."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest

from maestro.errors import NotFound, UserError
from maestro.risk_cards import (
    MAX_REGISTER_MESSAGE_CHARS,
    MAX_REGISTER_MESSAGES,
    build_risk_blocks,
    build_risk_list_blocks,
    build_risk_register_messages,
    risk_line,
)
from maestro.risk_store import RiskStore
from maestro.risks import Impact, Probability, Rag, Risk, RiskCategory, RiskStatus, risk_rag

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    ("probability", "impact", "rag"),
    [
        ("low", "low", Rag.GREEN),
        ("low", "medium", Rag.AMBER),
        ("low", "high", Rag.AMBER),  # seed 001's own RISK-003
        ("low", "critical", Rag.RED),
        ("medium", "low", Rag.AMBER),
        ("medium", "medium", Rag.AMBER),
        ("medium", "high", Rag.AMBER),  # seed 001's RISK-001
        ("medium", "critical", Rag.RED),
        ("high", "low", Rag.AMBER),
        ("high", "medium", Rag.AMBER),
        ("high", "high", Rag.RED),
        ("high", "critical", Rag.RED),
    ],
)
def test_rag_rule_of_seed_001(probability, impact, rag):
    assert risk_rag(Probability(probability), Impact(impact)) is rag


def add(store: RiskStore, description: str, source: str, **fields) -> Risk:
    return store.add(CHANNEL, description=description, actor="U0BOB", source=source, **fields)


def test_add_numbers_risks_per_project_and_is_idempotent_per_source(redis):
    store = RiskStore(redis, TEAM)
    first = add(store, "Kafka integration complexity", "s1", impact="high", owner="backend")
    again = add(store, "Kafka integration complexity", "s1", impact="high", owner="backend")
    second = add(
        store, "Payment provider outage", "s2", category="dependency", probability="high", impact="high"
    )
    other_channel = store.add("C0GENERAL", description="x", actor="U0BOB", source="s3")
    other_team = RiskStore(redis, "T0OTHER").add(CHANNEL, description="x", actor="U0BOB", source="s1")
    assert (first.key, again.key, second.key) == ("RISK-001", "RISK-001", "RISK-002")
    assert (other_channel.key, other_team.key) == ("RISK-001", "RISK-001")
    assert again.id == first.id and len(store.list(CHANNEL)) == 2
    assert (
        store.get(CHANNEL, "risk-001") == store.get(CHANNEL, "Risk-1") == first
        and first.rag is Rag.AMBER
        and second.rag is Rag.RED
    )
    assert [e.action for e in store.events(CHANNEL, "RISK-001")] == ["created"]


def test_bad_values_write_nothing(redis):
    store = RiskStore(redis, TEAM)
    for fields, message in [
        ({"probability": "likely"}, "isn't a probability. Use one of: low, medium, high"),
        ({"category": "people"}, "schedule, technical, dependency, resource, security"),
        ({"owner": "<!channel>"}, "`&lt;!channel&gt;` can't own a risk"),
    ]:
        with pytest.raises(UserError, match=message):
            add(store, "x", "bad", **fields)
    with pytest.raises(UserError, match="at most 1,000"):
        add(store, "x" * 1001, "bad")
    assert store.list(CHANNEL, open_only=False) == [] and add(store, "ok", "good").key == "RISK-001"
    with pytest.raises(NotFound, match=r"There's no RISK-009 here. `/risk list` shows the register."):
        store.get(CHANNEL, "RISK-009")


def test_update_and_close_keep_versions_indexes_and_an_audit_trail(redis):
    store = RiskStore(redis, TEAM)
    risk = add(store, "Gateway delayed", "s1", impact="medium")
    turned = store.update(
        CHANNEL, "risk-001", actor="U0CAROL", probability="high", impact=Impact.HIGH, source="u1"
    )
    assert turned.rag is Rag.RED and turned.version == 2 and turned.updated_at > risk.updated_at
    assert (
        store.update(CHANNEL, "RISK-001", actor="U0CAROL", probability="low", source="u1") == turned
    )  # retry
    assert store.update(CHANNEL, "RISK-001", actor="U0CAROL", probability="high") == turned  # no change
    with pytest.raises(UserError, match="isn't an impact"):
        store.update(CHANNEL, "RISK-001", actor="U0CAROL", impact="huge")
    with pytest.raises(TypeError):
        store.update(CHANNEL, "RISK-001", actor="U0CAROL", rag="GREEN")
    closed = store.close(CHANNEL, "RISK-001", status=RiskStatus.MITIGATED, actor="U0BOB")
    assert closed.status is RiskStatus.MITIGATED and closed.closed_at and closed.version == 3
    assert store.close(CHANNEL, "RISK-001", status=RiskStatus.MITIGATED, actor="U0BOB") == closed
    assert store.list(CHANNEL) == [] and store.list(CHANNEL, open_only=False) == [closed]
    events = store.events(CHANNEL, "RISK-001")
    assert [(e.action, e.actor, e.version) for e in events] == [
        ("created", "U0BOB", 1),
        ("updated", "U0CAROL", 2),
        ("closed", "U0BOB", 3),
    ]
    assert events[1].changes == {
        "probability": ["medium", "high"],
        "impact": ["medium", "high"],
        "rag": ["AMBER", "RED"],
    }
    assert events[2].changes["status"] == ["open", "mitigated"]
    reopened = store.update(CHANNEL, "RISK-001", actor="U0BOB", status="open")
    assert reopened.closed_at is None and store.list(CHANNEL) == [reopened]
    with pytest.raises(NotFound):
        store.update(CHANNEL, "RISK-404", actor="U0BOB", impact="low")


def test_concurrent_updates_lose_nothing(redis):
    add(RiskStore(redis, TEAM), "Shared risk", "s1")
    fields = [{"mitigation": "m"}, {"owner": "qa"}, {"probability": "high"}, {"category": "security"}] * 3
    threads = [
        threading.Thread(
            target=lambda f=f: RiskStore(redis, TEAM).update(CHANNEL, "RISK-001", actor="U0BOB", **f)
        )
        for f in fields
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    risk = RiskStore(redis, TEAM).get(CHANNEL, "RISK-001")
    assert (risk.mitigation, risk.owner, risk.probability, risk.category) == ("m", "qa", "high", "security")
    assert risk.version == 5 and len(RiskStore(redis, TEAM).events(CHANNEL, "RISK-001")) == 5


def test_list_is_worst_first_then_by_key_and_opened_since_sees_only_new_open_risks(redis):
    store = RiskStore(redis, TEAM)
    add(store, "green", "a", probability="low", impact="low")
    add(store, "amber", "b")
    add(store, "red one", "c", impact="critical")
    cutoff = store.get(CHANNEL, "RISK-003").created_at
    add(store, "red two", "d", probability="high", impact="high")
    add(store, "amber two", "e")
    add(store, "closed red", "f", impact="critical")
    store.close(CHANNEL, "RISK-006", actor="U0BOB")
    assert [r.key for r in store.list(CHANNEL)] == [
        "RISK-003",
        "RISK-004",
        "RISK-002",
        "RISK-005",
        "RISK-001",
    ]
    assert [r.key for r in store.list(CHANNEL, open_only=False)][-1] == "RISK-006"
    assert [r.key for r in store.opened_since(CHANNEL, cutoff)] == ["RISK-004", "RISK-005"]
    assert [r.key for r in store.opened_since(CHANNEL, cutoff - timedelta(days=1))][0] == "RISK-001"


def risk(number: int, **fields) -> Risk:
    values = {"description": f"Risk number {number}", "created_by": "U0BOB"} | fields
    return Risk(key=f"RISK-{number:03d}", team_id=TEAM, channel_id=CHANNEL, **values)


def test_one_risk_in_seed_001s_format_with_user_text_escaped():
    shown = risk(
        1,
        description="Kafka <!channel> & friends",
        mitigation="Use <https://evil|idempotent> consumers",
        category=RiskCategory.TECHNICAL,
        impact=Impact.HIGH,
        owner="backend",
    )
    text = dump(build_risk_blocks(shown))
    assert "*RISK-001*: Kafka &lt;!channel&gt; &amp; friends" in text
    assert (
        "Category: technical | Probability: medium | Impact: high | RAG: :large_orange_circle: AMBER" in text
    )
    assert "Owner: backend (agent) | Status: open" in text
    assert "Use &lt;https://evil|idempotent&gt; consumers" in text and "<!channel>" not in text
    line = risk_line(risk(7, description="Payment provider outage", impact=Impact.CRITICAL, owner="U0BOB"))
    assert line == ":red_circle: RED *RISK-007* Payment provider outage — owner <@U0BOB>"


def assert_within_block_kit_limits(messages: list[dict]) -> None:
    for message in messages:
        blocks = message["blocks"]
        assert message["text"] and len(blocks) <= 50
        texts = [b["text"]["text"] for b in blocks if b["type"] in ("section", "header")]
        texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
        assert all(len(t) <= 3000 for t in texts)
        assert sum(map(len, texts)) <= MAX_REGISTER_MESSAGE_CHARS  # Slack's ~12,000 total


RAGS = [("high", "critical"), ("medium", "medium"), ("low", "low")]  # number % 3: 0 RED, 1 AMBER, 2 GREEN


def test_a_register_of_200_risks_is_split_within_block_kit_limits_red_first():
    risks = [
        risk(
            n,
            description=f"Risk {n}: the vendor may ship late",
            mitigation="Weekly check-in with the vendor",
            probability=RAGS[n % 3][0],
            impact=RAGS[n % 3][1],
            owner="U0CAROL",
        )
        for n in range(1, 201)
    ]
    messages = build_risk_register_messages(risks, generated=date(2026, 3, 2))
    assert_within_block_kit_limits(messages)
    assert 1 < len(messages) <= MAX_REGISTER_MESSAGES
    first = messages[0]["blocks"]
    assert first[0]["text"]["text"] == "RISK REGISTER"
    assert "Generated: 2026-03-02" in dump(first)
    assert (
        "*200 open* · :red_circle: 66 RED · :large_orange_circle: 67 AMBER · :large_green_circle: 67 GREEN"
        in (dump(first))
    )
    assert "(continued, 2/" in dump(messages[1]["blocks"])
    everything = dump([m["blocks"] for m in messages])
    assert all(f"*RISK-{n:03d}*" in everything for n in range(1, 201))  # nothing dropped
    assert everything.index("*RISK-198*") < everything.index("*RISK-001*") < everything.index("*RISK-002*")


def test_a_register_of_huge_risks_folds_visibly_and_escapes_everything():
    risks = [
        risk(
            n,
            description=("<!channel> & " * 100)[:1000],
            mitigation="m" * 1000,
            probability=RAGS[n % 3][0],
            impact=RAGS[n % 3][1],
        )
        for n in range(1, 201)
    ]
    messages = build_risk_register_messages(risks, generated=date(2026, 3, 2))
    assert_within_block_kit_limits(messages)
    assert len(messages) == MAX_REGISTER_MESSAGES
    everything = dump([m["blocks"] for m in messages])
    assert "<!channel>" not in everything and "&lt;!channel&gt; &amp;" in everything
    shown = sum(f"*RISK-{n:03d}*" in everything for n in range(1, 201))
    assert f"… and {200 - shown} more" in dump(messages[-1]["blocks"])
    assert "*RISK-003*" in everything and "*RISK-001*" not in everything  # Red first; the rest folded


def test_empty_register_and_list():
    (message,) = build_risk_register_messages([], generated=date(2026, 3, 2))
    assert "No risks recorded" in dump(message["blocks"])
    assert "None. Add one" in dump(build_risk_list_blocks([], title="Open risks"))
    many = build_risk_list_blocks([risk(n) for n in range(1, 101)], title="Open risks")
    assert len(many) <= 50 and "… and 40 more" in dump(many)
    huge = build_risk_list_blocks(
        [risk(n, description="<&>" * 333) for n in range(1, 101)], title="Open risks"
    )
    assert_within_block_kit_limits([{"text": "Open risks", "blocks": huge}])
    assert "more. `/report risks` posts the whole register." in dump(huge)
