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


def test_every_role_has_nearest_roles_that_are_other_roles():
    from agents.staffing import NEAREST_ROLES

    assert set(NEAREST_ROLES) == set(AGENT_ROLES)
    for role, near in NEAREST_ROLES.items():
        assert role not in near and set(near) <= set(AGENT_ROLES), role


def test_nearest_enabled_role():
    from agents.staffing import nearest_enabled

    everyone = set(AGENT_ROLES)
    assert nearest_enabled("security", everyone) == "security"
    assert nearest_enabled("security", everyone - {"security"}) == "code-reviewer"
    assert nearest_enabled("security", everyone - {"security", "code-reviewer"}) is None
    assert nearest_enabled("backend-architect", everyone - {"backend-architect"}) == "database-architect"
    assert nearest_enabled("backend-architect", everyone - {"backend-architect", "database-architect"}) == (
        "backend"
    )
    assert nearest_enabled("tpm", everyone - {"tpm"}) is None
    assert nearest_enabled("data-eng", everyone) is None  # a project's own agent is never planned


def test_restaff_sends_disabled_roles_to_the_nearest_or_to_a_person():
    from agents.staffing import restaff
    from maestro.plans import Plan, PlannedTask, PlanRequirement

    plan = Plan(
        brief="Harden the login",
        issue_type="security",
        workflow="DESIGN → IMPLEMENT → REVIEW",
        requirements=[PlanRequirement(id="R1", text="Rate-limit the login")],
        tasks=[
            PlannedTask(ref="P1", title="Threat-model the login", role="security", covers=["R1"]),
            PlannedTask(
                ref="P2", title="Build the rate limiter", role="backend", depends_on=["P1"], covers=["R1"]
            ),
            PlannedTask(ref="P3", title="Test the login", role="qa", depends_on=["P2"], covers=["R1"]),
        ],
    )
    assert restaff(plan, DEFAULT_ROSTER) == []
    roster = roster_for([{"id": "security", "enabled": False}, {"id": "qa", "enabled": False}])
    moves = restaff(plan, roster)
    assert [(m.ref, m.role, m.to, m.to_name) for m in moves] == [
        ("P1", "security", "code-reviewer", "Code Reviewer"),
        ("P3", "qa", "code-reviewer", "Code Reviewer"),
    ]
    roster = roster_for([{"id": "security", "enabled": False}, {"id": "code-reviewer", "enabled": False}])
    assert [(m.ref, m.role_name, m.to) for m in restaff(plan, roster)] == [("P1", "Security Engineer", None)]


def test_a_disabled_master_plans_nothing():
    from agents.staffing import planner

    assert planner(DEFAULT_ROSTER).id == "master"
    with pytest.raises(UserError, match="The Master is disabled in this channel.*`/agents enable master`"):
        planner(roster_for([{"id": "master", "enabled": False}]))


def test_roster_changes_say_what_changed_and_how_to_undo_it():
    from agents.roster import roster_changes

    before = roster_for([])
    after = roster_for(
        [
            {"id": "backend", "name": "<!here> Bea", "tier": "opus"},
            {"id": "security", "enabled": False},
            {"id": "data-eng", "name": "Data Engineer", "specialty": "ETL", "based_on": "backend"},
        ]
    )
    changes = roster_changes(before, after)
    assert [(c.agent_id, c.kind) for c in changes] == [
        ("backend", "renamed"),
        ("backend", "tier"),
        ("security", "disabled"),
        ("data-eng", "added"),
    ]
    assert changes[0].sentence == "Renamed *Backend Engineer* to *&lt;!here&gt; Bea*"
    assert changes[0].undo == "`/agents rename backend Backend Engineer` undoes it."
    assert changes[2].undo == "`/agents enable security` undoes it."
    assert [c.kind for c in roster_changes(after, before)] == ["renamed", "tier", "enabled", "removed"]
    assert roster_changes(after, after) == []


def test_bad_values_are_told_as_rules_with_an_example_not_as_regexes():
    for bad, message in [
        ("- id: Bad Id", "Agent #1: An agent id is 2–40 characters: lowercase letters, digits and hyphens"),
        ("- id: backend\n  tier: wizard", "Agent #1: A tier is `haiku`, `sonnet` or `opus`"),
        ("- id: backend\n  name: " + "n" * 61, "Agent #1: A name is 1–60 characters, e.g. `Data Engineer`"),
        ("- backend", "Agent #1: Each agent is a mapping with at least an `id`, e.g. `- id: backend`"),
    ]:
        with pytest.raises(UserError, match=message) as raised:
            load_overrides_yaml(bad)
        assert "pattern" not in raised.value.message and "String should" not in raised.value.message
