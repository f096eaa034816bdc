"""The sandbox's OAuth v2 install flow refuses what Slack refuses."""

from __future__ import annotations

import http.client
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import SandboxServer, Workspace
from sandbox.oauth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

REDIRECT = "https://maestro.example.com/slack/oauth_redirect"


def authorize(server: SandboxServer, **query: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=5)
    connection.request("GET", "/oauth/v2/authorize?" + urlencode(query))
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.getheader("Location") or body


def code_for(server: SandboxServer, team: str | None = None) -> str:
    query = {"client_id": SANDBOX_CLIENT_ID, "scope": "chat:write,commands", "state": "s1"}
    status, where = authorize(server, **query, **({"team": team} if team else {}))
    assert status == 302 and where.startswith(REDIRECT)
    assert parse_qs(urlsplit(where).query)["state"] == ["s1"]
    return parse_qs(urlsplit(where).query)["code"][0]


@pytest.fixture
def server():
    with SandboxServer() as server:
        server.oauth.redirect_url = REDIRECT
        yield server


def test_a_code_is_exchanged_once_for_a_working_token_of_its_workspace(server):
    second = server.add_workspace(Workspace(team_id="T0SECOND", bot_token="xoxb-second"))
    client = WebClient(base_url=server.api_url)
    code = code_for(server, "T0SECOND")
    granted = client.oauth_v2_access(
        client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET, code=code
    )
    assert granted["team"]["id"] == "T0SECOND" and granted["scope"] == "chat:write,commands"
    assert (
        WebClient(token=granted["access_token"], base_url=server.api_url).auth_test()["team_id"] == "T0SECOND"
    )
    assert server.workspace_of(granted["access_token"]) is second
    with pytest.raises(SlackApiError) as again:
        client.oauth_v2_access(client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET, code=code)
    assert again.value.response["error"] == "invalid_code"


@pytest.mark.parametrize(
    ("args", "refusal"),
    [
        ({"client_id": "1.2", "client_secret": SANDBOX_CLIENT_SECRET}, "invalid_client_id"),
        ({"client_id": SANDBOX_CLIENT_ID, "client_secret": "wrong"}, "bad_client_secret"),
        (
            {"client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET, "code": "made-up"},
            "invalid_code",
        ),
        (
            {
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "grant_type": "password",
            },
            "invalid_grant_type",
        ),
        (
            {
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": "xoxe-1-made-up",
            },
            "invalid_refresh_token",
        ),
    ],
)
def test_oauth_v2_access_refuses_as_slack_does(server, args, refusal):
    code_for(server)
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=server.api_url).oauth_v2_access(**args)
    assert refused.value.response["error"] == refusal


def test_the_authorize_page_refuses_an_unknown_app_or_another_redirect(server):
    assert authorize(server, client_id="1.2", scope="commands") == (400, "invalid_client_id")
    assert authorize(
        server, client_id=SANDBOX_CLIENT_ID, scope="commands", redirect_uri="https://evil.example.com/x"
    ) == (400, "bad_redirect_uri")


def test_uninstall_revokes_the_workspace_s_tokens(server):
    client = WebClient(base_url=server.api_url)
    token = client.oauth_v2_access(
        client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET, code=code_for(server)
    )["access_token"]
    server.uninstall(server.workspace.team_id)
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=token, base_url=server.api_url).auth_test()
    assert refused.value.response["error"] == "invalid_auth"
