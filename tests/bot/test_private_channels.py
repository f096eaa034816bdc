"""Maestro in a private channel and in a DM, with the scopes and events of manifest.yml."""

from __future__ import annotations

import json

from maestro.store import TaskStore
from sandbox import payloads

TEAM, PRIVATE, BOB = "T0SANDBOX", "G0PRIVATE", "U0BOB"

BEFORE_ISSUE_9 = (
    ["app_mentions:read", "channels:history", "chat:write", "commands", "im:history", "im:write"]
    + ["users:read", "files:write"],
    ["app_mention", "message.channels", "message.im", "app_home_opened"],
)
"""The manifest's bot scopes and events before issue 9."""


def test_a_private_channel_gets_cards_and_thread_answers(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Rotate the keys --owner <@U0BOB|bob>", channel_id=PRIVATE)
    assert run_jobs() == 0
    (card,) = sandbox.workspace.messages(PRIVATE)
    assert card["blocks"][0]["text"]["text"] == "T-1 · Rotate the keys"
    sent = sender.event(
        payloads.message_event("progress 60", user=BOB, channel=PRIVATE, thread_ts=card["ts"])
    )
    assert sent.delivered and sent.payload["event"]["channel_type"] == "group"  # message.groups
    run_jobs()
    assert TaskStore(redis, TEAM).get(PRIVATE, "T-1").percent == 60
    assert "60%" in json.dumps(sandbox.workspace.thread(PRIVATE, card["ts"]))


def test_a_direct_message_is_answered(sender, sandbox, run_jobs):
    sent = sender.event(payloads.message_event("what can you do?", user=BOB, channel="D0BOB"))
    assert sent.delivered  # message.im
    assert run_jobs() == 0
    question, answer = sandbox.workspace.thread("D0BOB", sent.payload["event"]["ts"])
    assert question["user"] == BOB and answer["user"] == "UMAESTRO" and answer["text"].startswith("*Master:*")


def test_with_the_old_manifest_a_private_channel_was_refused_and_deaf(sender, sandbox, run_jobs):
    sandbox.workspace.set_grant(*BEFORE_ISSUE_9)
    sent = sender.command("/task", "new Rotate the keys", channel_id=PRIVATE)
    assert run_jobs() == 1  # failed for good at once, not waiting for a retry
    (told,) = [
        p["body"]["text"] for p in sandbox.workspace.response_posts(sent.response_url.rsplit("/", 1)[1])
    ]
    assert "add the scope `groups:read` to manifest.yml" in told
    reply = sender.event(
        payloads.message_event("progress 60", user=BOB, channel=PRIVATE, thread_ts="1.000001")
    )
    assert not reply.delivered and "message.groups" in reply.body
