"""The sandbox refuses what Slack refuses an app installed from manifest.yml: scopes and events."""

from __future__ import annotations

import json
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SANDBOX_BOT_TOKEN, SandboxServer, SlackSender, Workspace, payloads
from sandbox.methods import METHODS
from sandbox.scopes import METHOD_SCOPES, Grant, manifest_grant


def refusal(call) -> dict:
    with pytest.raises(SlackApiError) as caught:
        call()
    return dict(caught.value.response.data)


@pytest.fixture
def narrow() -> SandboxServer:
    """A sandbox whose app has only channels:read and chat:write."""
    with SandboxServer(Workspace(scopes=["channels:read", "chat:write"], bot_events=[])) as server:
        yield server


def test_a_method_without_its_scope_is_refused_with_needed_and_provided_as_slack_does(narrow):
    request = urllib.request.Request(
        narrow.api_url + "users.info",
        data=b"user=U0BOB",
        headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        body = json.loads(response.read())
    assert body == {
        "ok": False,
        "error": "missing_scope",
        "needed": "users:read",
        "provided": "channels:read,chat:write",
    }
    assert narrow.workspace.calls("users.info")[-1]["error"] == "missing_scope"


def test_a_refused_call_changes_nothing():
    with SandboxServer(Workspace(scopes=["commands"], bot_events=[])) as server:
        client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=server.api_url, timeout=5)
        body = refusal(lambda: client.chat_postMessage(channel="C0PROJECT", text="hi"))
        assert (body["needed"], body["provided"]) == ("chat:write", "commands")
        assert server.workspace.messages("C0PROJECT") == []


def test_the_conversations_scope_is_the_one_of_the_conversations_kind(narrow):
    client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=narrow.api_url, timeout=5)
    assert client.conversations_info(channel="C0PROJECT")["channel"]["id"] == "C0PROJECT"  # public
    assert refusal(lambda: client.conversations_info(channel="G0PRIVATE"))["needed"] == "groups:read"
    assert refusal(lambda: client.conversations_info(channel="D0BOB"))["needed"] == "im:read"
    assert refusal(lambda: client.conversations_info(channel="U0BOB"))["needed"] == "im:read"  # the DM
    group_dm = narrow.workspace.open_mpim(["U0BOB", "U0CAROL"])
    assert refusal(lambda: client.conversations_info(channel=group_dm))["needed"] == "mpim:read"
    assert refusal(lambda: client.conversations_open(users="U0BOB"))["needed"] == "im:write"
    assert refusal(lambda: client.conversations_open(users="U0BOB,U0CAROL"))["needed"] == "mpim:write"
    assert refusal(lambda: client.conversations_replies(channel="C0PROJECT", ts="1.2"))["needed"] == (
        "channels:history"
    )
    # A conversation Slack doesn't know: its own error, not a scope.
    assert refusal(lambda: client.conversations_info(channel="X0NOPE"))["error"] == "channel_not_found"
    narrow.workspace.set_grant(scopes=["channels:read", "groups:read", "chat:write"])
    assert client.conversations_info(channel="G0PRIVATE")["channel"]["is_private"] is True


def test_a_group_dm_is_a_group_dm():
    with SandboxServer(Workspace(scopes=["mpim:write", "mpim:read"], bot_events=[])) as server:
        client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=server.api_url, timeout=5)
        group_dm = client.conversations_open(users="U0CAROL,U0BOB")["channel"]["id"]
        assert client.conversations_open(users="U0BOB,U0CAROL")["channel"]["id"] == group_dm
        info = client.conversations_info(channel=group_dm)["channel"]
        assert info["is_mpim"] and not info["is_group"] and info["is_private"]
        assert server.workspace.conversation_kind(group_dm) == "mpim"


def test_the_app_has_the_manifests_scopes_and_events_unless_told_otherwise():
    grant = manifest_grant()
    assert "chat:write" in grant.scopes and "app_mention" in grant.bot_events
    workspace = Workspace()
    assert workspace.grant == grant
    assert workspace.snapshot()["grant"] == {
        "scopes": list(grant.scopes),
        "bot_events": list(grant.bot_events),
    }
    workspace.reset()  # a reset clears the state, not the installed app
    assert workspace.grant == grant
    assert Workspace(scopes=["commands", "commands"], bot_events=[]).grant == Grant(("commands",), ())


def test_every_emulated_method_has_its_scopes_in_the_table():
    assert set(METHODS) == set(METHOD_SCOPES)


def test_events_go_only_under_the_apps_subscriptions_and_scopes(stand_in_app):
    with SandboxServer(
        Workspace(scopes=["channels:history", "groups:history"], bot_events=["message.channels"])
    ) as server:
        sender = SlackSender(stand_in_app.url, server=server)
        public = sender.event(payloads.message_event("in public", user="U0BOB", channel="C0PROJECT"))
        assert public.delivered and public.ok
        private = sender.event(payloads.message_event("in private", user="U0BOB", channel="G0PRIVATE"))
        assert not private.delivered and private.status == 0
        assert "message.groups" in private.body
        assert [m["text"] for m in server.workspace.messages("G0PRIVATE")] == ["in private"]  # still written
        home = sender.event(payloads.app_home_opened("U0BOB"))
        assert not home.delivered and "app_home_opened" in home.body
        assert [r.data["event"]["text"] for r in stand_in_app.received] == ["in public"]

        server.workspace.set_grant(
            scopes=["channels:history"], bot_events=["message.groups", "app_home_opened"]
        )
        private = sender.event(payloads.message_event("again", user="U0BOB", channel="G0PRIVATE"))
        assert not private.delivered and "groups:history" in private.body  # subscribed, but no scope
        assert sender.event(payloads.app_home_opened("U0BOB")).delivered  # needs no scope
        group_dm = server.workspace.open_mpim(["U0BOB", "U0CAROL"])
        server.workspace.set_grant(scopes=["mpim:history"], bot_events=["message.mpim"])
        sent = sender.event(payloads.message_event("all of us", user="U0BOB", channel=group_dm))
        assert sent.delivered and sent.payload["event"]["channel_type"] == "mpim"


def test_the_manifests_subscriptions_cover_private_channels_and_dms(stand_in_app, server):
    sender = SlackSender(stand_in_app.url, server=server)  # the manifest's grant
    for channel in ("C0PROJECT", "G0PRIVATE", "D0BOB"):
        assert sender.event(payloads.message_event("hi", user="U0BOB", channel=channel)).delivered
    assert sender.event(payloads.app_mention("hi", user="U0BOB", channel="G0PRIVATE")).delivered
    assert sender.event(payloads.app_home_opened("U0BOB")).delivered
    assert len(stand_in_app.received) == 5
