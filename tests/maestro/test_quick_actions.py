import pytest

from maestro.models import Assignee
from maestro.plans import ISSUE_TYPES
from maestro.quick_actions import mentioned_key, parse_plan_action, parse_quick_action, strip_mentions


@pytest.mark.parametrize(
    ("text", "verb", "key", "extra"),
    [
        ("done", "done", None, {}),
        ("<@UMAESTRO> done!", "done", None, {}),
        ("T-3 done", "done", "T-3", {}),
        ("blocked: waiting for the schema", "block", None, {"reason": "waiting for the schema"}),
        ("<@UMAESTRO|maestro> t4 blocked - no creds", "block", "T-4", {"reason": "no creds"}),
        ("progress 60", "progress", None, {"percent": 60}),
        ("progress 60%", "progress", None, {"percent": 60}),
        ("assign <@U0BOB|bob>", "assign", None, {"assignee": Assignee(kind="user", id="U0BOB")}),
    ],
)
def test_quick_actions(text, verb, key, extra):
    action = parse_quick_action(text)
    assert action is not None and action.verb == verb and action.key == key
    for name, value in extra.items():
        assert getattr(action, name) == value


@pytest.mark.parametrize(
    "text",
    [
        "why is this done this way?",
        "progress 140",
        "is it done yet",
        "blocked",
        "assign bob",
        "<@UMAESTRO> what next",
    ],
)
def test_questions_are_not_quick_actions(text):
    assert parse_quick_action(text) is None


def test_helpers():
    assert strip_mentions("<@UMAESTRO> <@U0BOB> hello there") == "hello there"
    assert mentioned_key("what about t-12 and T-3?") == "T-12"
    assert mentioned_key("no key here") is None


@pytest.mark.parametrize(
    ("text", "verb", "value"),
    [
        ("re-plan as security", "replan", "security"),
        ("<@UMAESTRO> replan as an incident", "replan", "production-error"),
        ("Re-plan it as data migration.", "replan", "data-migration"),
        ("re-plan as wizardry", "replan", "wizardry"),
        ("card T-3", "card", "T-3"),
        ("show t-12", "card", "T-12"),
    ],
)
def test_plan_thread_actions(text, verb, value):
    action = parse_plan_action(text, ISSUE_TYPES)
    assert action is not None and action.verb == verb
    assert (action.issue_type if verb == "replan" else action.key) == value


@pytest.mark.parametrize("text", ["why this plan?", "can we re-plan this later", "card", "done"])
def test_other_plan_thread_messages_are_not_plan_actions(text):
    assert parse_plan_action(text, ISSUE_TYPES) is None
