"""The emulated Web API, exercised through a real slack_sdk WebClient."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from sandbox import BOT_ID, BOT_USER_ID, SANDBOX_BOT_TOKEN, SandboxServer

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Task* T-1"}}


def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read().decode()


def test_auth_test_identifies_the_bot(client: WebClient) -> None:
    data = client.auth_test().data
    assert data["ok"] is True
    assert (data["team_id"], data["user_id"], data["bot_id"]) == ("T0SANDBOX", BOT_USER_ID, BOT_ID)
    assert data["url"] == "https://sandbox.slack.com/"


def test_post_message_is_stored_in_order_with_increasing_ts(client: WebClient, server: SandboxServer) -> None:
    first = client.chat_postMessage(channel="C0PROJECT", text="one", blocks=[SECTION])
    second = client.chat_postMessage(channel="C0PROJECT", text="two")
    assert first["channel"] == "C0PROJECT"
    assert first["message"]["blocks"] == [SECTION]
    assert first["message"]["bot_id"] == BOT_ID
    stored = server.workspace.messages("C0PROJECT")
    assert [m["text"] for m in stored] == ["one", "two"]
    assert float(first["ts"]) < float(second["ts"])
    assert stored[0]["ts"] == first["ts"] and stored[0]["reply_count"] == 0


def test_form_encoded_blocks_and_metadata_are_decoded(server: SandboxServer) -> None:
    from urllib.parse import urlencode

    body = urlencode(
        {
            "channel": "C0GENERAL",
            "text": "form",
            "blocks": json.dumps([SECTION]),
            "metadata": json.dumps({"event_type": "task_created", "event_payload": {"id": 7}}),
        }
    ).encode()
    status, _, text = _post(
        server.api_url + "chat.postMessage",
        body,
        {"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200 and json.loads(text)["ok"] is True
    message = server.workspace.messages("C0GENERAL")[0]
    assert message["blocks"] == [SECTION]
    assert message["metadata"]["event_payload"] == {"id": 7}


def test_post_message_errors(client: WebClient) -> None:
    cases = [
        ({"channel": "C0PROJECT"}, "no_text"),
        ({"channel": "nope", "text": "x"}, "channel_not_found"),
        ({"channel": "C0PROJECT", "text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        ({"channel": "C0PROJECT", "text": "x", "blocks": [SECTION] * 51}, "invalid_blocks"),
        (
            {
                "channel": "C0PROJECT",
                "text": "x",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}],
            },
            "invalid_blocks",
        ),
        (
            {
                "channel": "C0PROJECT",
                "text": "x",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            "invalid_blocks",
        ),
        ({"channel": "C0PROJECT", "text": "a" * 40001}, "msg_too_long"),
        ({"channel": "C0PROJECT", "text": "x", "thread_ts": "0"}, "invalid_thread_ts"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(SlackApiError) as info:
            client.api_call("chat.postMessage", json=kwargs)
        assert info.value.response["error"] == expected, kwargs


def test_limits_at_the_edge_are_accepted(client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3000}}] * 50
    assert client.chat_postMessage(channel="C0PROJECT", text="b" * 40000, blocks=blocks)["ok"]


def test_unknown_channel_ids_are_created_on_first_use(client: WebClient, server: SandboxServer) -> None:
    client.chat_postMessage(channel="C0NEW", text="hello")
    assert [m["text"] for m in server.workspace.messages("C0NEW")] == ["hello"]
    info = client.conversations_info(channel="C0NEW")["channel"]
    assert info["id"] == "C0NEW" and info["is_member"] is True
    assert client.conversations_info(channel="C0GENERAL")["channel"]["name"] == "general"


def test_threads_via_conversations_replies(client: WebClient, server: SandboxServer) -> None:
    parent = client.chat_postMessage(channel="C0PROJECT", text="parent")["ts"]
    r1 = client.chat_postMessage(channel="C0PROJECT", text="r1", thread_ts=parent)
    client.chat_postMessage(channel="C0PROJECT", text="r2", thread_ts=parent, reply_broadcast=True)
    client.chat_postMessage(channel="C0PROJECT", text="r3", thread_ts=r1["ts"])  # a reply's ts → same thread
    replies = client.conversations_replies(channel="C0PROJECT", ts=parent)
    assert [m["text"] for m in replies["messages"]] == ["parent", "r1", "r2", "r3"]
    assert replies["has_more"] is False
    head = replies["messages"][0]
    assert head["reply_count"] == 3 and head["thread_ts"] == parent
    assert all(m["thread_ts"] == parent for m in replies["messages"][1:])
    # only the parent and the broadcast reply show in the channel
    assert [m["text"] for m in server.workspace.messages("C0PROJECT")] == ["parent", "r2"]
    with pytest.raises(SlackApiError) as info:
        client.conversations_replies(channel="C0PROJECT", ts="1.000001")
    assert info.value.response["error"] == "thread_not_found"


def test_chat_update(client: WebClient, server: SandboxServer) -> None:
    ts = client.chat_postMessage(channel="C0PROJECT", text="old", blocks=[SECTION])["ts"]
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "done"}}]
    result = client.chat_update(channel="C0PROJECT", ts=ts, text="new", blocks=new_blocks)
    assert (result["channel"], result["ts"], result["text"]) == ("C0PROJECT", ts, "new")
    stored = server.workspace.find_message("C0PROJECT", ts)
    assert stored["text"] == "new" and stored["blocks"] == new_blocks and "edited" in stored
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C0PROJECT", ts="1700000000.000001", text="x")
    assert info.value.response["error"] == "message_not_found"
    human = server.workspace.add_user_message("C0PROJECT", "U0BOB", "mine")
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C0PROJECT", ts=human["ts"], text="x")
    assert info.value.response["error"] == "cant_update_message"


def test_post_ephemeral(client: WebClient, server: SandboxServer) -> None:
    result = client.chat_postEphemeral(channel="C0PROJECT", user="U0BOB", text="psst", blocks=[SECTION])
    assert result["message_ts"]
    records = server.workspace.ephemerals(user="U0BOB")
    assert len(records) == 1
    assert records[0]["channel"] == "C0PROJECT" and records[0]["text"] == "psst"
    assert records[0]["ts"] == result["message_ts"]
    assert server.workspace.ephemerals(user="U0ALICE") == []
    assert server.workspace.messages("C0PROJECT") == []
    with pytest.raises(SlackApiError) as info:
        client.chat_postEphemeral(channel="C0PROJECT", user="U0NOBODY", text="x")
    assert info.value.response["error"] == "user_not_found"


def test_users_info(client: WebClient) -> None:
    alice = client.users_info(user="U0ALICE")["user"]
    assert alice["name"] == "alice" and alice["is_admin"] is True and alice["is_bot"] is False
    assert alice["tz"] == "Europe/Berlin" and alice["tz_offset"] in (3600, 7200)
    carol = client.users_info(user="U0CAROL")["user"]
    assert carol["tz_offset"] == 9 * 3600 and carol["profile"]["display_name"] == "carol"
    assert client.users_info(user=BOT_USER_ID)["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U0NOBODY")
    assert info.value.response["error"] == "user_not_found"


def test_views_open_and_publish(client: WebClient, server: SandboxServer) -> None:
    view = {
        "type": "modal",
        "callback_id": "new_task",
        "title": {"type": "plain_text", "text": "New task"},
        "blocks": [SECTION],
    }
    opened = client.views_open(trigger_id="123.456.abc", view=view)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "new_task"
    assert server.workspace.views_opened()[0]["view"]["id"] == opened["id"]
    with pytest.raises(SlackApiError) as info:
        client.api_call("views.open", json={"trigger_id": "123.456.abc"})
    assert info.value.response["error"] == "invalid_arguments"

    home = {"type": "home", "blocks": [SECTION]}
    published = client.views_publish(user_id="U0BOB", view=home)["view"]
    assert published["id"].startswith("V")
    assert server.workspace.home_view("U0BOB")["blocks"] == [SECTION]
    assert server.workspace.home_view("U0ALICE") is None


def test_expired_trigger_is_rejected(client: WebClient, server: SandboxServer) -> None:
    server.workspace.trigger_ttl = 0.05
    server.workspace.register_trigger("999.1.old", "U0ALICE")
    time.sleep(0.1)
    with pytest.raises(SlackApiError) as info:
        client.views_open(
            trigger_id="999.1.old",
            view={"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []},
        )
    assert info.value.response["error"] == "expired_trigger_id"


def test_permalink_and_conversations_open(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0PROJECT", text="x")["ts"]
    link = client.chat_getPermalink(channel="C0PROJECT", message_ts=ts)["permalink"]
    assert link == f"https://sandbox.slack.com/archives/C0PROJECT/p{ts.replace('.', '')}"
    im = client.conversations_open(users="U0BOB")["channel"]["id"]
    assert im.startswith("D")
    client.chat_postMessage(channel="U0BOB", text="dm")  # a user id posts to the IM
    assert client.conversations_replies(channel=im, ts=client.chat_postMessage(channel=im, text="y")["ts"])[
        "ok"
    ]


def test_files_upload_v2(client: WebClient, server: SandboxServer) -> None:
    result = client.files_upload_v2(
        channel="C0PROJECT",
        content=b"\x89PNG-bytes",
        filename="burndown.png",
        title="Burndown",
        initial_comment="chart",
    )
    assert result["file"]["title"] == "Burndown"
    files = server.workspace.files()
    assert len(files) == 1
    assert files[0]["content"] == b"\x89PNG-bytes" and files[0]["name"] == "burndown.png"
    assert files[0]["channels"] == ["C0PROJECT"]
    shared = server.workspace.messages("C0PROJECT")[-1]
    assert shared["text"] == "chart" and shared["files"][0]["id"] == files[0]["id"]
    methods = [c["method"] for c in server.workspace.calls()]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_wrong_or_missing_token(server: SandboxServer) -> None:
    with pytest.raises(SlackApiError) as info:
        WebClient(token="xoxb-wrong", base_url=server.api_url).chat_postMessage(channel="C0PROJECT", text="x")
    assert info.value.response["error"] == "invalid_auth"
    status, _, body = _post(server.api_url + "auth.test", b"", {})
    assert status == 200 and json.loads(body)["error"] == "not_authed"
    assert server.workspace.messages("C0PROJECT") == []


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.scheduleMessage", json={"channel": "C0PROJECT", "text": "x"})
    assert info.value.response.status_code == 200
    assert info.value.response["error"] == "unknown_method"


def test_rate_limit_injection_with_retry_handler(server: SandboxServer) -> None:
    server.workspace.fail_next("chat.postMessage", retry_after=0)
    client = WebClient(
        token=SANDBOX_BOT_TOKEN,
        base_url=server.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C0PROJECT", text="eventually")["ok"] is True
    attempts = server.workspace.calls("chat.postMessage")
    assert [(c["status"], c["ok"]) for c in attempts] == [(429, False), (200, True)]
    assert attempts[0]["error"] == "ratelimited"
    assert len(server.workspace.messages("C0PROJECT")) == 1


def test_rate_limit_without_handler_raises_with_retry_after(server: SandboxServer, client: WebClient) -> None:
    server.workspace.fail_next("users.info", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.users_info(user="U0BOB")
        assert info.value.response.status_code == 429
        assert (
            info.value.response.headers.get("Retry-After", info.value.response.headers.get("retry-after"))
            == "7"
        )
        assert info.value.response["error"] == "ratelimited"
    assert client.users_info(user="U0BOB")["ok"] is True


def test_fault_with_other_status_and_error(server: SandboxServer, client: WebClient) -> None:
    server.workspace.fail_next("chat.update", status=500, error="internal_error", retry_after=None)
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C0PROJECT", ts="1.000001", text="x")
    assert info.value.response.status_code == 500
    assert "Retry-After" not in info.value.response.headers


def test_response_url_rules(server: SandboxServer) -> None:
    ws = server.workspace
    ts = ws.post_message("C0PROJECT", text="card")["ts"]
    url = server.new_response_url("C0PROJECT", "U0BOB", message_ts=ts)
    webhook = WebhookClient(url)
    assert webhook.send(text="just you").status_code == 200
    assert ws.ephemerals(user="U0BOB")[-1]["text"] == "just you"
    assert webhook.send(text="everyone", response_type="in_channel").status_code == 200
    assert ws.messages("C0PROJECT")[-1]["text"] == "everyone"
    assert webhook.send(text="replaced", replace_original=True).status_code == 200
    assert ws.find_message("C0PROJECT", ts)["text"] == "replaced"
    assert webhook.send(text="four").status_code == 200
    assert webhook.send(delete_original=True).status_code == 200
    assert ws.find_message("C0PROJECT", ts) is None
    sixth = webhook.send(text="too many")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    posts = ws.response_posts()
    assert len(posts) == 6 and posts[-1]["result"] == "used_url"
    assert posts[0]["response_token"] == url.rsplit("/", 1)[1]


def test_response_url_replaces_an_ephemeral(server: SandboxServer) -> None:
    ws = server.workspace
    eph = ws.post_ephemeral("C0PROJECT", "U0ALICE", text="choose")
    url = server.new_response_url("C0PROJECT", "U0ALICE", ephemeral_ts=eph["ts"])
    assert WebhookClient(url).send(text="chosen", replace_original=True).status_code == 200
    assert [e["text"] for e in ws.ephemerals(user="U0ALICE")] == ["chosen"]


def test_state_and_reset_endpoints(server: SandboxServer, client: WebClient) -> None:
    client.chat_postMessage(channel="C0PROJECT", text="x")
    with urllib.request.urlopen(server.url + "/sandbox/state", timeout=5) as response:
        state = json.load(response)
    assert state["messages"]["C0PROJECT"][0]["text"] == "x"
    assert state["calls"][0]["method"] == "chat.postMessage"
    status, _, _ = _post(server.url + "/sandbox/reset", b"", {})
    assert status == 200
    assert server.workspace.messages("C0PROJECT") == [] and server.workspace.calls() == []


def test_handler_exception_answers_500_and_server_survives(
    server: SandboxServer, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox import methods

    def boom(*args: object) -> dict:
        raise RuntimeError("boom")

    monkeypatch.setitem(methods.METHODS, "users.info", boom)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U0BOB")
    assert info.value.response.status_code == 500
    assert client.auth_test()["ok"] is True


def test_refuses_non_loopback_host() -> None:
    with pytest.raises(ValueError):
        SandboxServer(host="0.0.0.0")
