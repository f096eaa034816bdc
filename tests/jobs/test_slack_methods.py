"""Every Web API method Maestro calls works with the scopes of manifest.yml, and the manifest asks no more.

The methods are found in the code (bot/, jobs/, maestro/, agents/), so a new call fails this test
until it is exercised here, in each kind of conversation Maestro works in, against the sandbox,
which enforces Slack's scopes (sandbox/scopes.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from slack_sdk import WebClient

from jobs.slack import MaestroWebClient, make_web_client
from sandbox import Workspace
from sandbox.methods import scope_error
from sandbox.scopes import EVENT_SCOPES, manifest_grant

ROOT = Path(__file__).resolve().parents[2]
PUBLIC, PRIVATE, ALICE = "C0PROJECT", "G0PRIVATE", "U0ALICE"

CALLED_BY_BOLT = {"auth_test"}
"""Bolt's token check (``maestro web`` at start, else Bolt's first request)."""

MAESTRO_EVENTS = {
    "app_mention",
    "message.channels",
    "message.groups",
    "message.im",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
}
"""bot/events.py: mentions, thread replies and DMs (public and private channels, DMs); bot/home.py;
bot/oauth.py: uninstalls and revoked tokens."""


def web_api_calls_in_code() -> set[str]:
    """Names of the WebClient methods called anywhere in Maestro's code (``x.chat_postMessage(...)``)."""
    methods = {name for name in vars(WebClient) if not name.startswith("_")}
    found = set()
    for package in ("bot", "jobs", "maestro", "agents"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in methods:
                        found.add(node.func.attr)
    return found


def exercise(client: WebClient, workspace: Workspace) -> dict[str, Callable[[], object]]:
    """Each method Maestro calls, called as Maestro calls it, in every kind of conversation it works in."""
    dm = workspace.open_im(ALICE)

    def in_each_conversation(call: Callable[[str], object]) -> Callable[[], None]:
        return lambda: [call(channel) for channel in (PUBLIC, PRIVATE, dm)]

    def stream(channel: str, thread_ts: str) -> None:
        streamer = client.chat_stream(
            channel=channel, thread_ts=thread_ts, recipient_team_id="T0SANDBOX", recipient_user_id=ALICE
        )
        streamer.append(markdown_text="A long answer, " * 30)
        streamer.append(markdown_text="streamed.")
        streamer.stop()

    def post(channel: str) -> str:
        return client.chat_postMessage(channel=channel, text="T-1 · Write the API")["ts"]

    return {
        "auth_test": client.auth_test,
        "conversations_info": in_each_conversation(lambda c: client.conversations_info(channel=c)),
        "conversations_history": in_each_conversation(
            lambda c: client.conversations_history(channel=c, limit=20, include_all_metadata=True)
        ),
        "conversations_replies": in_each_conversation(
            lambda c: client.conversations_replies(channel=c, ts=post(c), include_all_metadata=True)
        ),
        "chat_postMessage": in_each_conversation(post),
        "chat_update": in_each_conversation(
            lambda c: client.chat_update(channel=c, ts=post(c), text="edited")
        ),
        "chat_delete": in_each_conversation(lambda c: client.chat_delete(channel=c, ts=post(c))),
        "chat_stream": in_each_conversation(lambda c: stream(c, post(c))),
        "chat_postEphemeral": in_each_conversation(
            lambda c: client.chat_postEphemeral(channel=c, user=ALICE, text="only you")
        ),
        "files_upload_v2": in_each_conversation(
            lambda c: client.files_upload_v2(
                channel=c,
                file=b"\x89PNG chart",
                filename="timeline.png",
                title="Timeline",
                alt_txt="a bar per task",
                initial_comment="The timeline as a chart",
                thread_ts=post(c),
            )
        ),
        "conversations_open": lambda: client.conversations_open(users=ALICE),
        "users_info": lambda: client.users_info(user=ALICE),
        "views_open": lambda: client.views_open(
            trigger_id="1.2.abc",
            view={"type": "modal", "title": {"type": "plain_text", "text": "Block T-1"}, "blocks": []},
        ),
        "views_publish": lambda: client.views_publish(user_id=ALICE, view={"type": "home", "blocks": []}),
    }


def test_every_web_api_method_maestro_calls_works_with_the_manifests_scopes(settings, sandbox):
    client = make_web_client(settings)
    assert isinstance(client, MaestroWebClient)
    calls = exercise(client, sandbox.workspace)
    assert web_api_calls_in_code() | CALLED_BY_BOLT == set(calls), "exercise the new Web API call here"
    for call in calls.values():
        call()  # raises SetupError (missing_scope …) if the manifest lacks a scope
    made = sandbox.workspace.calls()
    assert {c["method"] for c in made} >= {"conversations.info", "files.completeUploadExternal"}
    assert [c for c in made if not c["ok"]] == []


def test_the_manifest_asks_for_no_more_than_maestro_uses(settings, sandbox):
    for call in exercise(make_web_client(settings), sandbox.workspace).values():
        call()  # recorded by the sandbox
    nothing = Workspace(scopes=[], bot_events=[])  # what each recorded call needs: its refusal there
    refusals = [scope_error(nothing, c["method"], c["args"]) for c in sandbox.workspace.calls()]
    needed_by_calls = {refusal["needed"] for refusal in refusals if refusal}
    grant = manifest_grant()
    assert set(grant.bot_events) == MAESTRO_EVENTS
    needed_by_events = {EVENT_SCOPES[event] for event in grant.bot_events} - {None}
    assert set(grant.scopes) == needed_by_calls | needed_by_events | {"commands"}
    assert {"groups:read", "groups:history", "im:read"} <= set(grant.scopes)  # private channels and DMs
