"""Workspace state, waiting and thread safety."""

from __future__ import annotations

import threading

import pytest

from sandbox import Workspace
from sandbox.ids import ts_key


def test_ts_unique_and_increasing_across_threads() -> None:
    ws = Workspace()

    def post(n: int) -> None:
        for i in range(50):
            ws.post_message("C0PROJECT", text=f"{n}-{i}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps = [m["ts"] for m in ws.messages("C0PROJECT")]
    assert len(stamps) == 200 and len(set(stamps)) == 200
    assert stamps == sorted(stamps, key=ts_key)
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_channel_rules() -> None:
    ws = Workspace()
    assert ws.resolve_channel("C0ANY") == "C0ANY" and ws.channel("C0ANY")["is_channel"] is True
    assert ws.resolve_channel("G0PRIV") == "G0PRIV"
    assert ws.resolve_channel("U0BOB") == "D0BOB"
    assert ws.resolve_channel("general") is None and ws.resolve_channel("X1") is None
    with pytest.raises(ValueError):
        ws.add_user_message("nope", "U0BOB", "x")


def test_threads_orphans_and_user_messages() -> None:
    ws = Workspace()
    parent = ws.add_user_message("C0PROJECT", "U0BOB", "<@UMAESTRO> hi", ts="1763780000.000100")
    assert (
        ws.add_user_message("C0PROJECT", "U0BOB", "again", ts="1763780000.000100")["text"] == "<@UMAESTRO> hi"
    )
    reply = ws.post_message("C0PROJECT", text="hello", thread_ts=parent["ts"])
    assert ts_key(reply["ts"]) > ts_key(parent["ts"])
    assert [m["text"] for m in ws.thread("C0PROJECT", parent["ts"])] == ["<@UMAESTRO> hi", "hello"]
    assert ws.find_message("C0PROJECT", parent["ts"])["reply_users"] == ["UMAESTRO"]
    orphan = ws.post_message("C0PROJECT", text="lost", thread_ts="1700000000.000001")
    assert orphan["thread_ts"] == "1700000000.000001"
    assert [m["text"] for m in ws.messages("C0PROJECT")] == ["<@UMAESTRO> hi"]
    assert [m["text"] for m in ws.thread("C0PROJECT", "1700000000.000001")] == ["lost"]


def test_inspection_returns_copies() -> None:
    ws = Workspace()
    ws.post_message("C0PROJECT", text="x", blocks=[{"type": "divider"}])
    ws.messages("C0PROJECT")[0]["blocks"].append({"type": "divider"})
    assert len(ws.messages("C0PROJECT")[0]["blocks"]) == 1


def test_wait_for_returns_value_or_explains_timeout() -> None:
    ws = Workspace()
    timer = threading.Timer(0.1, lambda: ws.post_message("C0GENERAL", text="late"))
    timer.start()
    found = ws.wait_for(lambda: ws.messages("C0GENERAL"), timeout=2)
    assert found[0]["text"] == "late"
    with pytest.raises(TimeoutError) as info:
        ws.wait_for(lambda: ws.messages("C0PROJECT"), timeout=0.1)
    assert "C0GENERAL: 1" in str(info.value) and "0.10s" in str(info.value)


def test_fault_queue_and_reset() -> None:
    ws = Workspace()
    ws.fail_next("chat.update", times=2)
    ws.fail_next("chat.update", status=200, error="channel_not_found", retry_after=None)
    taken = [ws.take_fault("chat.update") for _ in range(4)]
    assert [t and t["error"] for t in taken] == ["ratelimited", "ratelimited", "channel_not_found", None]
    assert taken[0]["status"] == 429 and taken[0]["retry_after"] == 1
    ws.post_message("C0PROJECT", text="x")
    ws.post_ephemeral("C0PROJECT", "U0BOB", text="y")
    ws.fail_next("auth.test")
    ws.reset()
    assert ws.messages("C0PROJECT") == [] and ws.ephemerals() == [] and ws.take_fault("auth.test") is None
    assert ws.journal_seq == 0 and ws.channel("C0GENERAL")["name"] == "general"


def test_journal_records_changes_in_order() -> None:
    ws = Workspace()
    start = ws.journal_seq
    m = ws.post_message("C0PROJECT", text="a")
    ws.update_message("C0PROJECT", m["ts"], text="b")
    ws.post_ephemeral("C0PROJECT", "U0BOB", text="c")
    kinds = [e["kind"] for e in ws.changes(start)]
    assert kinds == ["message", "update", "ephemeral"]
    assert ws.changes(ws.journal_seq) == []
