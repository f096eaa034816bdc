from datetime import date

import pytest

from bot.parsing import MAX_TITLE_LENGTH, parse_task_command, request_id, split_flags
from maestro.errors import UserError
from maestro.models import Assignee, Priority


def test_new_with_every_option():
    cmd = parse_task_command(
        "new Write the user's login API --agent Backend --priority HIGH --after T-1, t2 --due 2026-12-01 "
        '--desc "JWT, refresh tokens" --criteria "returns 401 on bad password; rate limited"'
    )
    assert cmd.verb == "new"
    assert cmd.title == "Write the user's login API"
    assert cmd.assignee == Assignee(kind="agent", id="backend")
    assert cmd.priority is Priority.HIGH
    assert cmd.depends_on == ["T-1", "T-2"]
    assert cmd.due == date(2026, 12, 1)
    assert cmd.description == "JWT, refresh tokens"
    assert cmd.acceptance_criteria == ["returns 401 on bad password", "rate limited"]


def test_phone_dashes_and_curly_quotes():
    cmd = parse_task_command("new \u201cShip it\u201d \u2014owner <@U0BOB|bob> \u2014priority low")
    assert cmd.title == "Ship it"
    assert cmd.assignee == Assignee(kind="user", id="U0BOB")
    assert cmd.priority is Priority.LOW


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("new", "Give the task a title"),
        ("new x --agent wizard", "isn't an agent"),
        ("new x --owner @bob", "isn't a Slack mention"),
        ("new x --priority urgent", "isn't a priority"),
        ("new x --due 12/01/2026", "Use YYYY-MM-DD"),
        ("new x --after banana", "isn't a task key"),
        ("new x --colour red", "`--colour` isn't an option"),
        ("new x --agent qa --agent qa", "given twice"),
        ("new x --agent qa --owner <@U1>", "not both"),
        ("frobnicate T-1", "isn't a command"),
        ("start", "Which task?"),
        ("start T-1 now", "takes only a task key"),
        ("progress T-1 140", "0 to 100"),
        ("block T-1", "Say why"),
        ("list everything", "I can't list"),
    ],
)
def test_malformed_commands_say_what_to_type(text, message):
    with pytest.raises(UserError) as refused:
        parse_task_command(text)
    assert message in refused.value.message
    assert "`" in refused.value.message  # every refusal shows something to type


def test_title_limit_is_named():
    with pytest.raises(UserError) as refused:
        parse_task_command("new " + "x" * 4000)
    assert f"at most {MAX_TITLE_LENGTH} characters; yours has 4,000" in refused.value.message


def test_oversized_command_text_is_refused():
    with pytest.raises(UserError, match="limit is 8,000"):
        parse_task_command("new " + "x" * 9000)


def test_user_text_in_errors_is_escaped():
    with pytest.raises(UserError) as refused:
        parse_task_command("<!channel> go")
    assert "<!channel>" not in refused.value.message and "&lt;!channel&gt;" in refused.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start t-4", ("start", "T-4", None, None)),
        ("progress T-4 60%", ("progress", "T-4", 60, None)),
        ("progress 60 T-4", ("progress", "T-4", 60, None)),
        ("block T-4: waiting for the schema", ("block", "T-4", None, "waiting for the schema")),
        ("done 4", ("done", "T-4", None, None)),
    ],
)
def test_keyed_verbs(text, expected):
    cmd = parse_task_command(text)
    assert (cmd.verb, cmd.key, cmd.percent, cmd.reason) == expected


def test_assign_to_person_or_agent():
    assert parse_task_command("assign T-2 <@U0BOB|bob>").assignee == Assignee(kind="user", id="U0BOB")
    assert parse_task_command("assign T-2 --agent qa").assignee == Assignee(kind="agent", id="qa")
    assert parse_task_command("assign T-2 qa").assignee == Assignee(kind="agent", id="qa")


@pytest.mark.parametrize(
    ("text", "filter_", "value"),
    [
        ("list", "open", None),
        ("list mine", "mine", None),
        ("list blocked", "blocked", None),
        ("list review", "status", "REVIEW"),
        ("list --agent backend", "agent", "backend"),
        ("list devops", "agent", "devops"),
        ("list <@U0BOB|bob>", "user", "U0BOB"),
        ("list all", "all", None),
    ],
)
def test_list_filters(text, filter_, value):
    cmd = parse_task_command(text)
    assert (cmd.list_filter, cmd.list_value) == (filter_, value)


def test_empty_and_help():
    assert parse_task_command("").verb == "help"
    assert parse_task_command("help").verb == "help"


def test_a_quoted_value_is_one_value_even_with_dashes_inside():
    head, flags = split_flags(
        "Bob's sprint --goal \"ship it --days later\" --gate 'a --b' --gate don't --days 3",
        ("goal", "gate", "days"),
        repeatable=("gate",),
    )
    assert head == "Bob's sprint"
    assert flags == {"goal": "ship it --days later", "gate": ["a --b", "don't"], "days": "3"}
    assert split_flags("x", ("gate",), repeatable=("gate",)) == ("x", {"gate": []})
    assert split_flags('x --goal "unclosed --days 3', ("goal", "days"))[1] == {
        "goal": '"unclosed',
        "days": "3",
    }
    with pytest.raises(UserError, match="`--days` is given twice"):
        split_flags("x --days 1 --days 2", ("days",))
    cmd = parse_task_command('new Docs --desc "explain --agent and --owner" --agent backend')
    assert cmd.description == "explain --agent and --owner" and cmd.assignee.id == "backend"


def test_request_id_is_the_trigger_id_or_who_where_what():
    assert request_id({"trigger_id": "123.456.abc", "text": "x"}) == "123.456.abc"
    one = request_id({"user_id": "U1", "channel_id": "C1", "text": "close"})
    assert one.startswith("U1-C1-") and one != request_id(
        {"user_id": "U1", "channel_id": "C1", "text": "list"}
    )
