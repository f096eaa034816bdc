import pytest

from agents.roster import DEFAULT_ROSTER, AgentOverride, apply_overrides, load_overrides_yaml, roster_for
from maestro.errors import UserError
from maestro.models import AGENT_ROLES


def test_default_roster_covers_every_role_with_a_tier_and_prompt():
    assert [a.id for a in DEFAULT_ROSTER] == list(AGENT_ROLES)
    assert {a.tier for a in DEFAULT_ROSTER} == {"haiku", "sonnet", "opus"}
    assert all(len(a.system_prompt) > 200 and "{" not in a.system_prompt for a in DEFAULT_ROSTER)
    assert next(a for a in DEFAULT_ROSTER if a.id == "code-reviewer").produces == [
        "review",
        "escalation",
        "reply",
    ]


def test_overrides_rename_disable_and_add():
    roster = apply_overrides(
        DEFAULT_ROSTER,
        [
            AgentOverride(id="backend", name="Bea", tier="opus"),
            AgentOverride(id="security", enabled=False),
            AgentOverride(id="data-eng", name="Data Engineer", specialty="ETL", based_on="backend"),
        ],
    )
    by_id = {a.id: a for a in roster}
    assert by_id["backend"].name == "Bea" and by_id["backend"].tier == "opus"
    assert not by_id["security"].enabled
    assert by_id["data-eng"].system_prompt == by_id["backend"].system_prompt and roster[-1].id == "data-eng"
    with pytest.raises(UserError, match="needs a name"):
        apply_overrides(DEFAULT_ROSTER, [AgentOverride(id="ghost")])


def test_yaml_file():
    overrides = load_overrides_yaml(
        "agents:\n  - id: backend\n    name: Bea\n  - id: qa\n    enabled: false\n"
    )
    roster = {a.id: a for a in roster_for([o.model_dump(exclude_none=True) for o in overrides])}
    assert roster["backend"].name == "Bea" and not roster["qa"].enabled
    for bad, message in [("- [unclosed", "valid YAML"), ("id: x", "YAML list"), ("- id: Bad Id", "Agent #1")]:
        with pytest.raises(UserError, match=message):
            load_overrides_yaml(bad)
