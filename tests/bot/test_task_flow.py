"""Slack request → Bolt listener → RQ job → Slack post, in process, on a real Redis and the sandbox."""

from __future__ import annotations

import json
import time

from rq import Queue
from rq.registry import FailedJobRegistry

from jobs.commands import run_task_command
from jobs.queues import HIGH, QUEUE_NAMES, enqueue
from maestro.cards import ACTION_BLOCK, ACTION_DONE, ACTION_START, ACTION_UNBLOCK, VIEW_BLOCK_REASON
from maestro.commands import TaskCommand
from maestro.models import TaskStatus
from maestro.store import TaskStore

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


def queued(redis) -> int:
    return sum(Queue(name, connection=redis).count for name in QUEUE_NAMES)


def cards(sandbox) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if m.get("blocks")]


def card_of(sandbox, key: str) -> dict:
    for message in cards(sandbox):
        if message["blocks"][0]["text"]["text"].startswith(f"{key} ·"):
            return message
    raise AssertionError(f"no card for {key}: {[m['text'] for m in cards(sandbox)]}")


def answer(sent) -> str:
    """The text and blocks of an ack as one string (Bolt sends text-only acks as text/plain)."""
    try:
        return json.dumps(json.loads(sent.body), ensure_ascii=False)
    except ValueError:
        return sent.body


def status_field(card: dict) -> str:
    return next(f["text"] for f in card["blocks"][1]["fields"] if f["text"].startswith("*Status*"))


def test_new_task_posts_a_card(sender, sandbox, redis, run_jobs):
    sent = sender.command("/task", "new Write the login API --agent backend --priority high")
    assert sent.status == 200 and sent.body == ""
    assert queued(redis) == 1
    assert run_jobs() == 0
    card = card_of(sandbox, "T-1")
    assert card["blocks"][0]["text"]["text"] == "T-1 · Write the login API"
    assert "backend (agent)" in json.dumps(card["blocks"])
    assert [e["action_id"] for e in card["blocks"][-1]["elements"]] == [ACTION_START, ACTION_BLOCK]
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert task.message_ts == card["ts"] and task.created_by == "U0ALICE"


def test_buttons_move_the_card_and_say_so_in_its_thread(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API --owner <@U0BOB|bob>")
    run_jobs()
    assert (
        sender.press(card_of(sandbox, "T-1"), ACTION_START, channel_id=CHANNEL, user_id="U0BOB").status == 200
    )
    assert run_jobs() == 0
    card = card_of(sandbox, "T-1")
    assert "In progress" in status_field(card)
    assert [e["action_id"] for e in card["blocks"][-1]["elements"]] == [ACTION_DONE, ACTION_BLOCK]
    sender.press(card, ACTION_DONE, channel_id=CHANNEL, user_id="U0BOB")
    run_jobs()
    card = card_of(sandbox, "T-1")
    assert "Completed" in status_field(card) and card["blocks"][-1]["type"] != "actions"
    notes = [m["text"] for m in sandbox.workspace.thread(CHANNEL, card["ts"])[1:]]
    assert notes == [
        "<@U0BOB> moved T-1 from Assigned to *In progress*.",
        "<@U0BOB> moved T-1 from In progress to *Completed*.",
    ]
    assert "Done by <@U0BOB>, who worked it" in json.dumps(card["blocks"])
    assert len(cards(sandbox)) == 1  # updated in place, never reposted
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").status is TaskStatus.COMPLETED


def test_commands_change_state_and_confirm_ephemerally(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API")
    run_jobs()
    sent = sender.command("/task", "progress T-1 40")
    run_jobs()
    assert "40%" in status_field(card_of(sandbox, "T-1"))
    replies = sandbox.workspace.response_posts()
    assert any("T-1 is now *In progress* · 40%" in json.dumps(r, ensure_ascii=False) for r in replies), (
        replies
    )
    assert sent.status == 200


def test_block_button_opens_a_modal_and_its_submission_blocks(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API")
    run_jobs()
    assert sender.press(card_of(sandbox, "T-1"), ACTION_BLOCK, channel_id=CHANNEL).status == 200
    view = sandbox.workspace.wait_for(sandbox.workspace.views_opened)[-1]["view"]  # opened just after the ack
    assert view["callback_id"] == VIEW_BLOCK_REASON and view["private_metadata"] == f"{CHANNEL}|T-1"
    empty = sender.submit_view(
        VIEW_BLOCK_REASON,
        {"reason": {"reason": {"type": "plain_text_input", "value": " "}}},
        private_metadata=view["private_metadata"],
    )
    assert empty.status == 200 and json.loads(empty.body)["response_action"] == "errors"
    assert queued(redis) == 0
    sender.submit_view(
        VIEW_BLOCK_REASON,
        {"reason": {"reason": {"type": "plain_text_input", "value": "waiting for <!here> schema"}}},
        private_metadata=view["private_metadata"],
    )
    run_jobs()
    card = card_of(sandbox, "T-1")
    assert "*BLOCKED* — waiting for &lt;!here&gt; schema" in status_field(card)
    sender.press(card, ACTION_UNBLOCK, channel_id=CHANNEL)
    run_jobs()
    assert "Assigned" in status_field(card_of(sandbox, "T-1"))


def test_bad_signature_is_refused_and_nothing_enqueued(web_url, sandbox, redis):
    from sandbox import SlackSender

    forged = SlackSender(web_url, signing_secret="not-the-secret", server=sandbox)
    assert forged.command("/task", "new Forged").status == 401
    assert queued(redis) == 0 and not redis.keys("maestro:*")


def test_stale_timestamp_is_refused_and_nothing_enqueued(sender, redis):
    sent = sender.command("/task", "new Replayed", timestamp=int(time.time()) - 301)
    assert sent.status == 401
    assert queued(redis) == 0 and not redis.keys("maestro:*")


def test_unknown_task_key_is_an_ephemeral_error(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API")
    run_jobs()
    before = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    sent = sender.command("/task", "start T-42")
    assert sent.status == 200
    assert "There's no task T-42" in answer(sent) and "in_channel" not in answer(sent)
    assert queued(redis) == 0 and TaskStore(redis, TEAM).get(CHANNEL, "T-1") == before


def test_pinging_title_is_posted_escaped(sender, sandbox, run_jobs):
    sender.command("/task", "new Tell <!channel> and <@U0BOB> & co")
    run_jobs()
    card = cards(sandbox)[0]
    posted = json.dumps(card["blocks"]) + card["text"]
    assert "<!channel>" not in posted and "<@U0BOB>" not in posted
    assert "&lt;!channel&gt; and &lt;@U0BOB&gt; &amp; co" in posted


def test_oversized_title_is_refused_with_the_limit(sender, sandbox, redis):
    sent = sender.command("/task", "new " + "x" * 4000)
    assert "at most 140 characters; yours has 4,000" in answer(sent)
    assert queued(redis) == 0 and cards(sandbox) == []


def test_slack_retry_of_a_command_makes_one_task(sender, sandbox, redis, run_jobs):
    first = sender.command("/task", "new Write the login API")
    retry = sender.retry(first, num=1, reason="http_timeout")
    assert retry.status == 200
    run_jobs()
    assert [t.key for t in TaskStore(redis, TEAM).list_tasks(CHANNEL)] == ["T-1"]
    assert len(cards(sandbox)) == 1


def test_double_click_applies_once(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API")
    run_jobs()
    card = card_of(sandbox, "T-1")
    first = sender.press(card, ACTION_START, channel_id=CHANNEL)
    sender.resend(first)  # the same payload again (same action_ts)
    assert queued(redis) == 1
    sender.press(card, ACTION_START, channel_id=CHANNEL)  # a real second click: a new action_ts
    run_jobs()
    task = TaskStore(redis, TEAM).get(CHANNEL, "T-1")
    assert [e.action for e in TaskStore(redis, TEAM).events(task.id)] == ["created", "card_posted", "started"]
    assert len(sandbox.workspace.thread(CHANNEL, card["ts"])) == 2
    assert sandbox.workspace.response_posts() == []  # no "can't be started" for the second click


def test_job_run_twice_posts_and_changes_once(runtime, sandbox, redis):
    command = TaskCommand(verb="new", title="Write the login API").model_dump(mode="json")
    assert run_task_command(TEAM, CHANNEL, "U0ALICE", command, "src-1") == "T-1"
    assert run_task_command(TEAM, CHANNEL, "U0ALICE", command, "src-1") == "T-1"
    start = TaskCommand(verb="start", key="T-1").model_dump(mode="json")
    run_task_command(TEAM, CHANNEL, "U0ALICE", start, "src-2")
    run_task_command(TEAM, CHANNEL, "U0ALICE", start, "src-2")
    assert len(cards(sandbox)) == 1
    assert len(sandbox.workspace.thread(CHANNEL, cards(sandbox)[0]["ts"])) == 2
    assert len(TaskStore(redis, TEAM).list_tasks(CHANNEL)) == 1


def test_rate_limited_post_is_retried_after_retry_after(runtime, sandbox, redis):
    sandbox.workspace.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=1, times=1)
    command = TaskCommand(verb="new", title="Write the login API").model_dump(mode="json")
    started = time.monotonic()
    run_task_command(TEAM, CHANNEL, "U0ALICE", command, "src-429")
    assert time.monotonic() - started >= 1.0  # slept Retry-After
    assert len(sandbox.workspace.calls("chat.postMessage")) == 2
    assert len(cards(sandbox)) == 1


def test_refused_transition_tells_the_requester_once(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API")
    run_jobs()
    sender.command("/task", "done T-1")
    run_jobs()
    replies = json.dumps(sandbox.workspace.response_posts())
    assert "T-1 is *Assigned*, so it can't be marked done" in replies
    assert "`/task start T-1`" in replies
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").status is TaskStatus.ASSIGNED


def test_job_failing_for_good_tells_the_requester_and_stays_failed(runtime, sandbox, redis, run_jobs):
    response_url = sandbox.new_response_url(CHANNEL, "U0ALICE")
    sandbox.workspace.fail_next(
        "chat.postMessage", status=500, error="internal_error", retry_after=None, times=10
    )
    job = enqueue(
        redis,
        run_task_command,
        TEAM,
        CHANNEL,
        "U0ALICE",
        TaskCommand(verb="new", title="Doomed").model_dump(mode="json"),
        "src-doomed",
        response_url,
        queue=HIGH,
        meta={"channel_id": CHANNEL, "user_id": "U0ALICE", "response_url": response_url},
    )
    job.retries_left = 0  # this is its last attempt
    job.save()
    assert run_jobs() == 1
    assert job.id in FailedJobRegistry(HIGH, connection=redis).get_job_ids()
    replies = json.dumps(sandbox.workspace.response_posts())
    assert "didn't go through" in replies and job.id in replies
    # the task exists and nothing was posted twice; a later retry can still post its card
    assert [t.key for t in TaskStore(redis, TEAM).list_tasks(CHANNEL)] == ["T-1"]
    assert cards(sandbox) == []


def test_list_and_show_answer_ephemerally(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new First --agent qa")
    sender.command("/task", "new Second --after T-1")
    run_jobs()
    listing = json.loads(sender.command("/task", "list").body)
    text = json.dumps(listing["blocks"])
    assert "Open tasks* (2)" in text and "T-1" in text and "T-2" in text
    shown = json.dumps(json.loads(sender.command("/task", "show T-1").body)["blocks"])
    assert "T-2" in shown and "History" in shown and "created T-1" in shown
    # the first card now says what it unblocks
    assert "T-2" in json.dumps(card_of(sandbox, "T-1")["blocks"])


def test_maestro_alias_and_help(sender, redis, run_jobs, sandbox):
    help_text = json.dumps(json.loads(sender.command("/maestro", "help").body))
    assert "/task new" in help_text
    sender.command("/maestro", "task new Through the alias")
    run_jobs()
    assert card_of(sandbox, "T-1")
    unknown = json.dumps(json.loads(sender.command("/maestro", "dance").body))
    assert "isn't a command" in unknown


def test_healthz(web_url):
    import urllib.request

    with urllib.request.urlopen(f"{web_url}/healthz") as response:
        assert response.status == 200


def test_change_before_the_first_card_is_shown_on_it(runtime, sandbox, redis):
    """The new-task job posts under the card lock, so a change that raced it is on the card."""
    store = TaskStore(redis, TEAM)
    racy = TaskCommand(verb="new", title="Racy").new_task()
    store.create_task(CHANNEL, racy, actor="U0ALICE", source="src-new")
    start = TaskCommand(verb="start", key="T-1").model_dump(mode="json")
    run_task_command(TEAM, CHANNEL, "U0BOB", start, "src-start")  # ran before the new job's post
    new = TaskCommand(verb="new", title="Racy").model_dump(mode="json")
    run_task_command(TEAM, CHANNEL, "U0ALICE", new, "src-new")  # the new job, finishing late
    assert len(cards(sandbox)) == 1
    assert "In progress" in status_field(card_of(sandbox, "T-1"))


def test_card_posted_but_not_recorded_is_adopted_not_orphaned(runtime, sandbox, redis):
    """A crash between the post and recording its ts: the re-run records the ts it finds."""
    new = TaskCommand(verb="new", title="Crashy").model_dump(mode="json")
    store = TaskStore(redis, TEAM)
    crashy = TaskCommand(verb="new", title="Crashy").new_task()
    change = store.create_task(CHANNEL, crashy, actor="U0A", source="s")
    posted = runtime.slack.chat_postMessage(channel=CHANNEL, text="T-1: Crashy", blocks=[])
    store.claim_post(f"card:{change.task.id}")
    store.confirm_post(f"card:{change.task.id}", posted["ts"])  # ...and the worker died here
    run_task_command(TEAM, CHANNEL, "U0A", new, "s")
    assert store.get(CHANNEL, "T-1").message_ts == posted["ts"]
    run_task_command(TEAM, CHANNEL, "U0A", TaskCommand(verb="start", key="T-1").model_dump(mode="json"), "s2")
    assert "In progress" in status_field(sandbox.workspace.find_message(CHANNEL, posted["ts"]))


def test_not_in_channel_is_told_and_changes_nothing(sender, sandbox, redis, run_jobs):
    sandbox.workspace.set_bot_member(CHANNEL, False)
    sender.command("/task", "new Lost in space")
    assert run_jobs() == 0
    assert TaskStore(redis, TEAM).list_tasks(CHANNEL) == []
    assert "/invite @maestro" in json.dumps(sandbox.workspace.response_posts())


def test_deleted_card_is_posted_again_on_the_next_change(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Write the login API")
    run_jobs()
    first = card_of(sandbox, "T-1")
    assert sandbox.workspace.delete_message(CHANNEL, first["ts"])
    sender.command("/task", "start T-1")
    assert run_jobs() == 0
    again = card_of(sandbox, "T-1")
    assert again["ts"] != first["ts"] and "In progress" in status_field(again)
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").message_ts == again["ts"]


def test_listing_reads_only_open_tasks_unless_asked(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Finished thing")
    sender.command("/task", "new Open thing")
    run_jobs()
    sender.command("/task", "start T-1")
    run_jobs()
    sender.command("/task", "done T-1")
    run_jobs()
    assert "Finished thing" not in answer(sender.command("/task", "list"))
    assert "Finished thing" in answer(sender.command("/task", "list done"))
    assert "Finished thing" in answer(sender.command("/task", "list all"))


def test_a_task_due_before_a_task_it_waits_for_is_saved_with_a_warning(sender, sandbox, redis, run_jobs):
    sender.command("/task", "new Payment contract --agent backend --due 2026-12-20")
    assert run_jobs() == 0
    assert sandbox.workspace.response_posts() == []  # no date to contradict: nothing to say
    sender.command("/task", "new Checkout <UI> --agent frontend --after T-1 --due 2026-12-10")
    assert run_jobs() == 0
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-2").due.isoformat() == "2026-12-10"  # not refused
    (told,) = [p["body"] for p in sandbox.workspace.response_posts()]
    assert told["response_type"] == "ephemeral" and "Saved as given, but the dates contradict" in told["text"]
    assert "*T-2* is due 2026-12-10, before *T-1* (due 2026-12-20), which it waits for." in told["text"]
