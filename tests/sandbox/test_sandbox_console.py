"""The console, driven through a StringIO against a stand-in app."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from sandbox import SandboxServer, SlackSender, run_console

if TYPE_CHECKING:
    from conftest import Received, StandInApp


def _card(state: str) -> list[dict]:
    def button(action_id: str, label: str) -> dict:
        return {
            "type": "button",
            "action_id": action_id,
            "value": "T-1",
            "text": {"type": "plain_text", "text": label},
        }

    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Task T-1"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Write the login API: {state}"}},
        {
            "type": "actions",
            "elements": [
                button("task_start", "Start"),
                button("task_done", "Done"),
                button("task_block", "Block"),
            ],
        },
    ]


def _tiny_app(client: WebClient):
    """A stand-in app: commands post a card, buttons update it, mentions get a thread reply."""

    def reply(received: Received) -> tuple[int, str]:
        if received.kind == "command":
            client.chat_postMessage(channel=received.data["channel_id"], text="T-1", blocks=_card("new"))
            return 200, "Got it"
        if received.kind == "interactive":
            payload = received.data
            action = payload["actions"][0]
            client.chat_update(
                channel=payload["channel"]["id"],
                ts=payload["message"]["ts"],
                text="T-1",
                blocks=_card(f"{action['action_id']} by {payload['user']['name']}"),
            )
            return 200, ""
        if received.kind == "event":
            event = received.data["event"]
            client.chat_postMessage(
                channel=event["channel"],
                text=f"echo {event['text']}",
                thread_ts=event.get("thread_ts") or event["ts"],
            )
        return 200, ""

    return reply


def _run(server: SandboxServer, app_url: str, script: str) -> str:
    out = io.StringIO()
    code = run_console(
        SlackSender(app_url, server=server),
        server,
        stdin=io.StringIO(script),
        stdout=out,
        wait=2.0,
        settle=0.15,
    )
    assert code == 0
    return out.getvalue()


def test_console_session(server: SandboxServer, stand_in_app: StandInApp, client: WebClient) -> None:
    stand_in_app.reply = _tiny_app(client)
    output = _run(
        server,
        stand_in_app.url,
        "\n".join(
            [
                "/task new Write the login API --agent backend",
                ":user U0BOB",
                ":press 2",
                ":log",
                "hello bot",
                ":thread 1",
                ":quit",
                "/task never-sent",
            ]
        )
        + "\n",
    )

    # the command reached the app exactly as typed, signed
    commands = [r for r in stand_in_app.received if r.kind == "command"]
    assert len(commands) == 1 and commands[0].signature_ok
    assert (commands[0].data["command"], commands[0].data["text"]) == (
        "/task",
        "new Write the login API --agent backend",
    )

    # the card and the ack were printed, buttons numbered
    assert "== Task T-1 ==" in output
    assert "[1] Start  [2] Done  [3] Block" in output
    assert "only visible to you" in output and "Got it" in output

    # :press 2 pressed Done as bob, and the update was printed
    press = [r for r in stand_in_app.received if r.kind == "interactive"]
    assert len(press) == 1
    assert press[0].data["actions"][0]["action_id"] == "task_done" and press[0].data["user"]["id"] == "U0BOB"
    assert "Write the login API: task_done by bob" in output
    assert server.workspace.messages("C0PROJECT")[0]["blocks"][1]["text"]["text"].endswith("task_done by bob")

    # plain text became an app_mention from bob; the reply shows, and the thread is listed
    events = [r for r in stand_in_app.received if r.kind == "event"]
    assert events[0].data["event"]["type"] == "app_mention"
    assert (
        events[0].data["event"]["text"] == "<@UMAESTRO> hello bot"
        and events[0].data["event"]["user"] == "U0BOB"
    )
    assert "echo @maestro hello bot" in output
    after_thread = output.split(":thread 1", 1)[1]
    assert "thread start" in after_thread and "echo @maestro hello bot" in after_thread

    # nothing after :quit was sent
    assert output.rstrip().endswith("bye")
    assert "never-sent" not in json.dumps([r.data for r in stand_in_app.received])


def test_console_bad_input_prints_errors_not_tracebacks(
    server: SandboxServer, stand_in_app: StandInApp
) -> None:
    output = _run(
        server,
        stand_in_app.url,
        "\n".join(
            [
                ":press 9",
                ":press x",
                ":thread 4",
                ":user nobody",
                ":user UMAESTRO",
                ":channel nowhere",
                ":log -1",
                ":wut",
                "/",
                ":channel #general",
                ":users",
                ":wait 0.1",
            ]
        )
        + "\n",
    )
    assert "Traceback" not in output
    assert output.count("error:") == 9
    assert "no button [9]" in output and "unknown console command :wut" in output
    assert "now in #general (C0GENERAL)" in output
    assert "U0CAROL" in output and "Asia/Tokyo" in output
    assert "(nothing from the bot within 0.1 s)" in output
    assert stand_in_app.received == []


def test_console_reports_app_failures(server: SandboxServer, stand_in_app: StandInApp) -> None:
    stand_in_app.reply = lambda r: (500, "kaboom")
    output = _run(server, stand_in_app.url, "/task x\n")
    assert "the app answered HTTP 500 to /task: kaboom" in output
    assert "dispatch_failed" in output

    unreachable = _run(server, "http://127.0.0.1:9", "/task x\nhello\n")
    assert unreachable.count("error: could not reach the app") == 2
    assert "Traceback" not in unreachable
