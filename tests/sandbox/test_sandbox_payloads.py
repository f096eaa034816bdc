"""Payload factories produce Slack's wire formats."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from sandbox import payloads

MESSAGE = {
    "type": "message",
    "ts": "1763780000.000100",
    "text": "Task T-1",
    "blocks": [
        {"type": "section", "block_id": "title", "text": {"type": "mrkdwn", "text": "*T-1*"}},
        {
            "type": "actions",
            "block_id": "task_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "task_start",
                    "value": "T-1",
                    "text": {"type": "plain_text", "text": "Start"},
                },
                {
                    "type": "button",
                    "action_id": "task_done",
                    "value": "T-1",
                    "text": {"type": "plain_text", "text": "Done"},
                },
            ],
        },
    ],
}

SLASH_FIELDS = {
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
}


def test_slash_command_fields() -> None:
    fields = payloads.slash_command("/task", "new Write the API", user_id="U0BOB", response_url="http://r/1")
    assert set(fields) == SLASH_FIELDS
    assert all(isinstance(v, str) for v in fields.values())
    assert fields["command"] == "/task" and fields["text"] == "new Write the API"
    assert (fields["user_id"], fields["user_name"]) == ("U0BOB", "bob")
    assert (fields["channel_id"], fields["channel_name"]) == ("C0PROJECT", "project")
    assert (fields["team_id"], fields["team_domain"], fields["api_app_id"]) == (
        "T0SANDBOX",
        "sandbox",
        "A0MAESTRO",
    )
    assert fields["is_enterprise_install"] == "false"
    parts = fields["trigger_id"].split(".")
    assert len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit()
    other = payloads.slash_command("task", "", response_url="http://r/2")
    assert other["trigger_id"] != fields["trigger_id"] and other["command"] == "/task"


def test_block_actions_payload() -> None:
    payload = payloads.block_actions(
        "task_done",
        "T-1",
        message=MESSAGE,
        channel_id="C0PROJECT",
        user_id="U0CAROL",
        response_url="http://r/3",
    )
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": "U0CAROL", "username": "carol", "name": "carol", "team_id": "T0SANDBOX"}
    assert payload["team"] == {"id": "T0SANDBOX", "domain": "sandbox"}
    assert payload["api_app_id"] == "A0MAESTRO"
    assert payload["container"] == {
        "type": "message",
        "message_ts": MESSAGE["ts"],
        "channel_id": "C0PROJECT",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C0PROJECT", "name": "project"}
    assert payload["message"]["ts"] == MESSAGE["ts"] and payload["message"]["blocks"] == MESSAGE["blocks"]
    assert payload["response_url"] == "http://r/3" and payload["trigger_id"]
    (action,) = payload["actions"]
    assert action["action_id"] == "task_done" and action["block_id"] == "task_actions"
    assert action["type"] == "button" and action["value"] == "T-1"
    assert action["text"] == {"type": "plain_text", "text": "Done", "emoji": True}
    assert action["action_ts"]


def test_block_actions_on_an_ephemeral_has_no_message() -> None:
    payload = payloads.block_actions(
        "x", "v", message=None, channel_id="C0PROJECT", response_url="http://r", message_ts="1.000002"
    )
    assert payload["container"]["is_ephemeral"] is True
    assert payload["container"]["message_ts"] == "1.000002"
    assert "message" not in payload


def test_view_submission_payload() -> None:
    payload = payloads.view_submission(
        "new_task",
        {
            "title_block": {"title": "Write the API"},
            "agent_block": {"agent": {"type": "static_select", "selected_option": {"value": "backend"}}},
        },
        private_metadata='{"channel": "C0PROJECT"}',
        user_id="U0BOB",
    )
    assert payload["type"] == "view_submission"
    view = payload["view"]
    assert view["callback_id"] == "new_task" and view["id"].startswith("V")
    assert view["private_metadata"] == '{"channel": "C0PROJECT"}'
    assert view["state"]["values"]["title_block"]["title"] == {
        "type": "plain_text_input",
        "value": "Write the API",
    }
    assert view["state"]["values"]["agent_block"]["agent"]["selected_option"]["value"] == "backend"
    assert payload["user"]["id"] == "U0BOB"


def test_event_envelope_and_events() -> None:
    mention = payloads.app_mention("status please", user="U0ALICE", channel="C0PROJECT")
    assert mention["type"] == "app_mention" and mention["text"] == "<@UMAESTRO> status please"
    assert mention["event_ts"] == mention["ts"] and "thread_ts" not in mention
    in_thread = payloads.app_mention(
        "<@UMAESTRO> again", user="U0BOB", channel="C0PROJECT", thread_ts=mention["ts"]
    )
    assert in_thread["text"] == "<@UMAESTRO> again" and in_thread["thread_ts"] == mention["ts"]
    assert float(in_thread["ts"]) > float(mention["ts"])

    first = payloads.event_callback(mention)
    second = payloads.event_callback(mention)
    assert first["type"] == "event_callback" and first["event"] == mention
    assert first["event_id"].startswith("Ev") and first["event_id"] != second["event_id"]
    assert first["team_id"] == "T0SANDBOX" and first["api_app_id"] == "A0MAESTRO"
    assert first["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": "T0SANDBOX",
            "user_id": "UMAESTRO",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    assert isinstance(first["event_time"], int) and first["token"]

    bot = payloads.message_event("hi", user="UMAESTRO", channel="D0BOB", bot_id="BMAESTRO")
    assert bot["bot_id"] == "BMAESTRO" and bot["channel_type"] == "im"
    home = payloads.app_home_opened("U0BOB")
    assert home == {**home, "type": "app_home_opened", "user": "U0BOB", "tab": "home"}


def test_encodings() -> None:
    body = payloads.form_encode({"command": "/task", "text": "a&b c"})
    assert parse_qs(body.decode()) == {"command": ["/task"], "text": ["a&b c"]}
    payload = {"type": "block_actions", "actions": [{"value": "ü & ="}]}
    fields = parse_qs(payloads.interactive_body(payload).decode())
    assert list(fields) == ["payload"] and json.loads(fields["payload"][0]) == payload


def test_a_static_select_sends_the_chosen_option_as_slack_does() -> None:
    option = {"text": {"type": "plain_text", "text": "security"}, "value": "security"}
    select = {
        "type": "static_select",
        "action_id": "pick",
        "options": [option],
        "placeholder": {"type": "plain_text", "text": "Pick"},
    }
    message = {"ts": "1.2", "blocks": [{"type": "actions", "block_id": "b1", "elements": [select]}]}
    payload = payloads.block_actions(
        "pick", "security", message=message, channel_id="C0PROJECT", response_url="http://r/4"
    )
    (action,) = payload["actions"]
    assert action["type"] == "static_select" and action["selected_option"] == option and "value" not in action
    with pytest.raises(ValueError, match="has no option 'devops'"):
        payloads.block_actions("pick", "devops", message=message, channel_id="C0PROJECT", response_url="r")
