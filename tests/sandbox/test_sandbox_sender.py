"""SlackSender against a stand-in app and against a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from sandbox import SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET, SandboxServer, SlackSender, payloads

if TYPE_CHECKING:
    from conftest import Received, StandInApp

CARD = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "T-1"}},
    {
        "type": "actions",
        "block_id": "acts",
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
]


def test_command_is_signed_and_carries_a_working_response_url(
    server: SandboxServer, stand_in_app: StandInApp
) -> None:
    stand_in_app.reply = lambda r: (200, "Working on it")
    sender = SlackSender(stand_in_app.url, server=server)
    sent = sender.command("/task", "new Write the API", user_id="U0BOB")
    assert sent.status == 200 and sent.body == "Working on it" and sent.elapsed > 0
    (received,) = stand_in_app.received
    assert received.signature_ok and received.kind == "command"
    assert received.data["command"] == "/task" and received.data["text"] == "new Write the API"
    assert received.data["user_id"] == "U0BOB"
    assert received.data["response_url"] == sent.response_url and sent.response_url.startswith(server.url)
    # the ack body is shown to the user only
    (ack,) = server.workspace.ephemerals(user="U0BOB")
    assert ack["text"] == "Working on it" and ack["source"] == "ack"
    # the app can answer later through the response_url
    assert (
        WebhookClient(sent.response_url).send(text="Created T-1", response_type="in_channel").status_code
        == 200
    )
    assert server.workspace.messages("C0PROJECT")[-1]["text"] == "Created T-1"


def test_in_channel_ack_becomes_a_channel_message(server: SandboxServer, stand_in_app: StandInApp) -> None:
    stand_in_app.reply = lambda r: (
        200,
        json.dumps({"response_type": "in_channel", "text": "Everyone sees this"}),
    )
    SlackSender(stand_in_app.url, server=server).command("/task", "list")
    assert [m["text"] for m in server.workspace.messages("C0PROJECT")] == ["Everyone sees this"]
    assert server.workspace.ephemerals() == []


def test_failed_command_shows_nothing(server: SandboxServer, stand_in_app: StandInApp) -> None:
    stand_in_app.reply = lambda r: (500, "oops")
    sent = SlackSender(stand_in_app.url, server=server).command("/task", "x")
    assert sent.status == 500 and not sent.ok
    assert server.workspace.ephemerals() == []


def test_resend_is_an_identical_body_with_retry_headers(
    server: SandboxServer, stand_in_app: StandInApp
) -> None:
    sender = SlackSender(stand_in_app.url, server=server)
    first = sender.event(payloads.app_mention("hi", user="U0ALICE", channel="C0PROJECT"))
    again = sender.retry(first, num=1, reason="http_timeout")
    assert again.status == 200
    original, retried = stand_in_app.received
    assert retried.raw == original.raw
    assert retried.signature_ok
    assert retried.headers["X-Slack-Retry-Num"] == "1"
    assert retried.headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert "X-Slack-Retry-Num" not in original.headers
    assert original.data["event_id"] == retried.data["event_id"]


def test_bad_signatures_are_sent_as_asked(stand_in_app: StandInApp) -> None:
    body = payloads.form_encode({"command": "/task", "text": "x"})
    raw = SlackSender(stand_in_app.url).send_raw(
        body,
        "application/x-www-form-urlencoded",
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
    )
    assert raw.status == 401
    wrong_secret = SlackSender(stand_in_app.url, signing_secret="not-the-secret").command("/task", "x")
    assert wrong_secret.status == 401
    stale = SlackSender(stand_in_app.url).command("/task", "x", timestamp=int(time.time()) - 600)
    assert stale.status == 401
    assert [r.signature_ok for r in stand_in_app.received] == [False, False, False]


def test_press_uses_the_button_value_and_response_url(
    server: SandboxServer, stand_in_app: StandInApp
) -> None:
    ws = server.workspace
    message = ws.post_message("C0PROJECT", text="card", blocks=CARD)
    sender = SlackSender(stand_in_app.url, server=server)
    sent = sender.press(message, "task_done", channel_id="C0PROJECT", user_id="U0CAROL")
    assert sent.status == 200
    received = stand_in_app.received[-1]
    assert received.kind == "interactive" and received.signature_ok
    payload = received.data
    assert payload["actions"][0]["value"] == "T-1" and payload["actions"][0]["block_id"] == "acts"
    assert payload["user"]["id"] == "U0CAROL" and payload["message"]["ts"] == message["ts"]
    WebhookClient(payload["response_url"]).send(text="Done by carol", replace_original=True)
    assert ws.find_message("C0PROJECT", message["ts"])["text"] == "Done by carol"

    sender.press(message, "task_start", channel_id="C0PROJECT", value="override")
    assert stand_in_app.received[-1].data["actions"][0]["value"] == "override"

    with pytest.raises(LookupError) as info:
        sender.press(message, "task_missing", channel_id="C0PROJECT")
    assert "task_start" in str(info.value) and "task_done" in str(info.value)


def test_event_records_the_person_s_message_first(
    server: SandboxServer, stand_in_app: StandInApp, client: WebClient
) -> None:
    def reply(received: Received) -> tuple[int, str]:
        event = received.data["event"]
        client.chat_postMessage(
            channel=event["channel"], text="on it", thread_ts=event.get("thread_ts") or event["ts"]
        )
        return 200, ""

    stand_in_app.reply = reply
    sender = SlackSender(stand_in_app.url, server=server)
    event = payloads.app_mention("status", user="U0BOB", channel="C0PROJECT")
    sent = sender.event(event, event_id="Ev0FIXED")
    assert sent.status == 200 and sent.content_type == "application/json"
    assert stand_in_app.received[-1].data["event_id"] == "Ev0FIXED"
    thread = server.workspace.thread("C0PROJECT", event["ts"])
    assert [(m["user"], m["text"]) for m in thread] == [
        ("U0BOB", "<@UMAESTRO> status"),
        ("UMAESTRO", "on it"),
    ]


def test_submit_view(server: SandboxServer, stand_in_app: StandInApp) -> None:
    stand_in_app.reply = lambda r: (
        200,
        json.dumps({"response_action": "errors", "errors": {"title": "Required"}}),
    )
    sent = SlackSender(stand_in_app.url, server=server).submit_view(
        "new_task", {"title": {"title": ""}}, user_id="U0BOB", private_metadata="C0PROJECT"
    )
    assert sent.json()["response_action"] == "errors"
    payload = stand_in_app.received[-1].data
    assert payload["type"] == "view_submission" and payload["view"]["callback_id"] == "new_task"
    assert payload["view"]["private_metadata"] == "C0PROJECT"


# ---------------------------------------------------------------------- a real Bolt app


@pytest.fixture
def bolt_app_url(server: SandboxServer) -> Iterator[str]:
    """A slack_bolt App behind a tiny HTTP server, with its WebClient on the sandbox."""
    bolt = pytest.importorskip("slack_bolt")
    from slack_bolt.request import BoltRequest

    app = bolt.App(
        signing_secret=SANDBOX_SIGNING_SECRET,
        client=WebClient(token=SANDBOX_BOT_TOKEN, base_url=server.api_url),
    )

    @app.command("/task")
    def on_task(ack: Any, respond: Any, command: dict, client: WebClient) -> None:
        ack("Working on it")
        client.chat_postMessage(channel=command["channel_id"], text="Task T-1", blocks=CARD)
        respond(text="Created T-1")

    @app.action("task_done")
    def on_done(ack: Any, respond: Any) -> None:
        ack()
        respond(text="T-1 done", replace_original=True)

    @app.event("app_mention")
    def on_mention(event: dict, say: Any) -> None:
        say(text="hello", thread_ts=event.get("thread_ts") or event["ts"])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            response = app.dispatch(BoltRequest(body=raw, headers={k: v for k, v in self.headers.items()}))
            body = (response.body or "").encode()
            self.send_response(response.status)
            for name, values in response.headers.items():
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_bolt_app_runs_against_the_sandbox(server: SandboxServer, bolt_app_url: str) -> None:
    ws = server.workspace
    sender = SlackSender(bolt_app_url, server=server)

    sent = sender.command("/task", "new Write the API")
    assert sent.status == 200 and sent.body == "Working on it"
    card = ws.wait_for(lambda: [m for m in ws.messages("C0PROJECT") if m["text"] == "Task T-1"], timeout=5)[0]
    ws.wait_for(lambda: [e for e in ws.ephemerals(user="U0ALICE") if e["text"] == "Created T-1"], timeout=5)

    assert sender.press(card, "task_done", channel_id="C0PROJECT").status == 200
    ws.wait_for(lambda: ws.find_message("C0PROJECT", card["ts"])["text"] == "T-1 done", timeout=5)

    event = payloads.app_mention("hi", user="U0BOB", channel="C0PROJECT")
    assert sender.event(event).status == 200
    replies = ws.wait_for(lambda: ws.thread("C0PROJECT", event["ts"])[1:], timeout=5)
    assert replies[0]["text"] == "hello"

    assert SlackSender(bolt_app_url, signing_secret="wrong").command("/task", "x").status == 401
