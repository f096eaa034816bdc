"""/standup through the web app and jobs: schedule, notes, absences, the prompt's button, modal, replies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rq import Queue

from jobs.queues import QUEUE_NAMES
from jobs.standups import post_standup, send_standup_prompt
from maestro.standup_cards import ACTION_WRITE, NOTE_INPUT_IDS, VIEW_NOTE
from maestro.standup_store import StandupStore
from maestro.standups import day_label
from maestro.store import NewTask, TaskStore
from sandbox import payloads

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


def answer(sent) -> str:
    try:
        return json.dumps(json.loads(sent.body), ensure_ascii=False)
    except ValueError:
        return sent.body


def today():
    return datetime.now(UTC).date()  # the project's timezone is UTC until a schedule names one


def queued_functions(redis) -> list[str]:
    return [job.func_name for name in QUEUE_NAMES for job in Queue(name, connection=redis).jobs]


def standups_posted(sandbox) -> list[dict]:
    return [m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Standup ")]


def schedule_around_now(sender, hours: int, zone: str = "UTC") -> date:
    """Schedule a daily standup at the wall time ``hours`` from now; return the date of the next one.

    ``hours`` < 0: today's standup (by the project's date) is over, so the next one is tomorrow's.
    """
    at = (datetime.now(UTC) + timedelta(hours=hours)).astimezone(ZoneInfo(zone))
    sender.command("/standup", f"schedule {at:%H:%M} {zone} daily")
    return at.date() if hours > 0 else at.date() + timedelta(days=1)


def test_schedule_calendar_and_status(sender, redis):
    sent = sender.command("/standup", "schedule 9:30am Europe/Berlin mon,wed,fri")
    assert "Standups: *Mon, Wed, Fri at 09:30 Europe/Berlin*. Next: " in answer(sent)
    store = StandupStore(redis, TEAM)
    assert store.schedule(CHANNEL).version == 1
    assert (TEAM, CHANNEL) in TaskStore.all_projects(redis)  # the clock walks it now
    refused = answer(sender.command("/standup", "schedule 25:00 Europe/Berlin"))
    assert ":warning:" in refused and "/standup schedule 09:30 Europe/Berlin mon-fri" in refused
    assert store.schedule(CHANNEL).version == 1  # nothing changed

    soon, later = today() + timedelta(days=20), today() + timedelta(days=21)
    assert "No standup on" in answer(sender.command("/standup", f"skip {soon.isoformat()}"))
    assert "is a holiday" in answer(sender.command("/standup", f"holiday add {later.isoformat()}"))
    assert later.isoformat() in answer(sender.command("/standup", "holidays"))
    assert "in the past" in answer(
        sender.command("/standup", f"skip {(today() - timedelta(days=2)).isoformat()}")
    )
    assert "DM each person 30 min before" in answer(sender.command("/standup", "prompt 30"))
    assert "Standups are off" in answer(sender.command("/standup", "off"))
    status = answer(sender.command("/standup", "status"))
    assert "(off)" in status and "standups are off" in status and "30 min before" in status
    assert f"*Holidays:* {later.isoformat()}" in status and f"*Skipped:* {soon.isoformat()}" in status
    assert "Standups are on" in answer(sender.command("/standup", "on"))
    assert "*Next:* " in answer(sender.command("/standup", "status"))
    assert "working day again" in answer(sender.command("/standup", f"holiday remove {later.isoformat()}"))
    schedule = store.schedule(CHANNEL)
    assert schedule.holidays == [] and schedule.skip == [soon] and schedule.prompt_lead_minutes == 30
    assert schedule.version == 7
    assert "isn't a command" in answer(sender.command("/standup", "dance"))
    assert "/standup ooo" in answer(sender.command("/standup", "help"))


def test_standup_now_shows_notes_escaped_away_people_and_who_is_missing(sender, sandbox, redis, run_jobs):
    sender.command("/task", f"new Signup form --owner <@{BOB}|bob>")
    sender.command("/task", "new Login API --agent backend")
    run_jobs()
    for user in (BOB, CAROL, ALICE):
        sender.command("/standup", "join", user_id=user)
    away = f"{today().isoformat()}..{(today() + timedelta(days=3)).isoformat()}"
    assert "You're away from" in answer(sender.command("/standup", f"ooo {away}", user_id=CAROL))
    later = today() + timedelta(days=40)
    sender.command("/standup", f"ooo {later.isoformat()}", user_id=BOB)
    status = answer(sender.command("/standup", "status"))
    assert f"<@{CAROL}> until " in status and f"<@{BOB}> {later:%b} {later.day}–" in status
    assert "*Taking part:* 3 people" in status
    saved = answer(
        sender.command("/standup", "note yesterday shipped <!channel> & more | today T-1", user_id=BOB)
    )
    assert "Saved your standup" in saved and "shipped &lt;!channel&gt; &amp; more" in saved
    assert "<!channel>" not in saved

    assert "Posting the standup of" in answer(sender.command("/standup"))
    assert run_jobs() == 0
    (posted,) = standups_posted(sandbox)
    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "*Yesterday:* shipped &lt;!channel&gt; &amp; more" in text and "<!channel>" not in text
    assert f":palm_tree: <@{CAROL}> away until" in text
    assert f"No update yet from <@{ALICE}>" in text and f"<@{CAROL}>" not in text.split("No update yet")[1]
    assert "*backend* (agent) · `[ ]` to do *T-2*" in text  # the task to do is named

    sender.command("/standup", "leave", user_id=ALICE)
    sender.command("/standup", "ooo clear", user_id=CAROL)
    assert "not marked away" in answer(sender.command("/standup", "ooo", user_id=CAROL))
    refused = answer(sender.command("/standup", "ooo 2026-12-31..2026-12-20", user_id=CAROL))
    assert "end comes before the start" in refused
    sender.command("/standup")
    run_jobs()
    second = json.dumps(standups_posted(sandbox)[-1]["blocks"], ensure_ascii=False)
    assert f"No update yet from <@{CAROL}>" in second and ALICE not in second  # Alice left


def test_a_note_is_for_the_projects_next_standup_whatever_the_writers_timezone(
    sender, sandbox, redis, run_jobs
):
    store = StandupStore(redis, TEAM)
    store.set_zone(BOB, "Pacific/Pago_Pago")  # UTC-11: always a day or two behind the project
    day = schedule_around_now(sender, 2, "Pacific/Kiritimati")  # UTC+14
    saved = answer(sender.command("/standup", "note today the signup form", user_id=BOB))
    assert f"Saved your standup for {day_label(day)} (" in saved and " Pacific/Kiritimati)." in saved
    assert store.note(CHANNEL, BOB, day).today == "the signup form"
    assert f"Posting the standup of {day_label(day)}" in answer(sender.command("/standup"))
    assert run_jobs() == 0
    text = json.dumps(standups_posted(sandbox)[-1]["blocks"], ensure_ascii=False)
    assert f"Standup · {day_label(day)}" in text and "*Today:* the signup form" in text

    tomorrow = schedule_around_now(sender, -2, "Pacific/Kiritimati")  # today's standup is over
    saved = answer(sender.command("/standup", "note blockers none", user_id=BOB))
    assert f"Saved your standup for {day_label(tomorrow)} (" in saved
    assert store.note(CHANNEL, BOB, tomorrow).blockers == "none"

    store.set_zone(CAROL, "Pacific/Kiritimati")  # now a day or two ahead of the project
    schedule_around_now(sender, 2, "Pacific/Pago_Pago")
    project_today = datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()
    away = answer(sender.command("/standup", f"ooo {project_today.isoformat()}", user_id=CAROL))
    assert f"You're away on {day_label(project_today)}" in away  # the project's today, not in the past


def test_a_note_after_the_standup_is_for_the_next_one_and_a_prompt_reply_goes_into_its_thread(
    sender, sandbox, redis, run_jobs
):
    tomorrow = schedule_around_now(sender, -2)
    day = tomorrow - timedelta(days=1)  # today's standup (by the project's date), already over
    TaskStore(redis, TEAM).create_task(CHANNEL, NewTask(title="Login API"), actor=ALICE, source="t1")
    assert post_standup(TEAM, CHANNEL, day.isoformat()) is not None  # what the clock enqueues
    assert post_standup(TEAM, CHANNEL, day.isoformat()) is not None  # a re-run posts nothing new
    (posted,) = standups_posted(sandbox)
    saved = answer(sender.command("/standup", "note today the signup form", user_id=BOB))
    assert f"Saved your standup for {day_label(tomorrow)} (" in saved and "thread" not in saved
    assert run_jobs() == 0
    assert sandbox.workspace.thread(CHANNEL, posted["ts"])[1:] == []

    values = {NOTE_INPUT_IDS["blockers"]: {NOTE_INPUT_IDS["blockers"]: "waiting for <@U0CAROL>"}}
    metadata = f"{CHANNEL}|{day.isoformat()}"  # the modal of the prompt for the posted standup
    assert sender.submit_view(VIEW_NOTE, values, user_id=BOB, private_metadata=metadata).status == 200
    sandbox.workspace.wait_for(lambda: queued_functions(redis))
    assert run_jobs() == 0
    (late,) = sandbox.workspace.thread(CHANNEL, posted["ts"])[1:]
    text = json.dumps(late["blocks"], ensure_ascii=False)
    assert f"<@{BOB}>'s update (after the standup)" in text
    assert "*Blockers:* waiting for &lt;@U0CAROL&gt;" in text and "signup form" not in text


def test_the_prompt_button_opens_a_prefilled_modal_that_saves_the_note(sender, sandbox, redis, run_jobs):
    day = schedule_around_now(sender, 2)
    sender.command("/standup", "note today the signup form", user_id=BOB)
    assert send_standup_prompt(TEAM, CHANNEL, BOB, day.isoformat()) is None  # already answered
    StandupStore(redis, TEAM).save_note(CHANNEL, BOB, day, {"today": ""}, now=datetime.now(UTC))
    assert send_standup_prompt(TEAM, CHANNEL, BOB, day.isoformat())
    assert send_standup_prompt(TEAM, CHANNEL, BOB, day.isoformat())  # once: the same DM
    (dm,) = sandbox.workspace.messages("D0BOB")
    sender.command("/standup", "note today still the signup form", user_id=BOB)

    assert sender.press(dm, ACTION_WRITE, channel_id="D0BOB", user_id=BOB).status == 200
    (opened,) = sandbox.workspace.wait_for(sandbox.workspace.views_opened)
    modal = opened["view"] if "view" in opened else opened
    assert [b["element"].get("initial_value") for b in modal["blocks"]] == [
        None,
        "still the signup form",
        None,
    ]

    values = {
        NOTE_INPUT_IDS["yesterday"]: {NOTE_INPUT_IDS["yesterday"]: "the login API"},
        NOTE_INPUT_IDS["today"]: {NOTE_INPUT_IDS["today"]: "the signup form"},
        NOTE_INPUT_IDS["blockers"]: {NOTE_INPUT_IDS["blockers"]: ""},
    }
    sent = sender.submit_view(VIEW_NOTE, values, user_id=BOB, private_metadata=modal["private_metadata"])
    assert sent.status == 200 and "errors" not in sent.body
    note = sandbox.workspace.wait_for(  # saved after the ack
        lambda: (n := StandupStore(redis, TEAM).note(CHANNEL, BOB, day)) and n.yesterday and n
    )
    assert (note.yesterday, note.today, note.blockers) == ("the login API", "the signup form", "")
    empty = {NOTE_INPUT_IDS[p]: {NOTE_INPUT_IDS[p]: ""} for p in ("yesterday", "today", "blockers")}
    refused = sender.submit_view(VIEW_NOTE, empty, user_id=BOB, private_metadata=modal["private_metadata"])
    assert "Answer at least one" in refused.body


def test_a_reply_in_the_prompt_thread_is_a_note_and_other_dms_still_go_to_the_master(
    sender, sandbox, redis, run_jobs
):
    sender.command("/standup", "schedule 09:30 UTC daily")
    prompt_ts = send_standup_prompt(TEAM, CHANNEL, BOB, today().isoformat())
    reply = payloads.message_event(
        "yesterday the login API\ntoday: <!here> signup | blockers none",
        user=BOB,
        channel="D0BOB",
        thread_ts=prompt_ts,
    )
    assert sender.event(reply).status == 200  # Bolt acks events first and runs the listener after
    assert sandbox.workspace.wait_for(lambda: queued_functions(redis)) == ["jobs.standups.post_note_update"]
    note = StandupStore(redis, TEAM).note(CHANNEL, BOB, today())
    assert (note.yesterday, note.today, note.blockers) == ("the login API", "<!here> signup", "none")
    assert run_jobs() == 0
    confirmation = sandbox.workspace.thread("D0BOB", prompt_ts)[-1]["text"]
    assert "Saved your standup" in confirmation and "&lt;!here&gt; signup" in confirmation

    for text in (
        "what's on my plate?",
        "yesterday's standup was wrong, it listed T-1 as done",
        "today I'm out sick, can someone take T-1?",
    ):
        sender.event(payloads.message_event(text, user=BOB, channel="D0BOB", thread_ts=prompt_ts))
    sender.event(payloads.message_event("hello", user=BOB, channel="D0BOB"))
    masters = sandbox.workspace.wait_for(
        lambda: (n := queued_functions(redis).count("jobs.threads.answer_in_thread")) == 4 and n
    )
    assert masters == 4  # not notes: the Master answers them
    note = StandupStore(redis, TEAM).note(CHANNEL, BOB, today())
    assert (note.yesterday, note.today) == ("the login API", "<!here> signup")  # unchanged


def test_standup_now_in_a_channel_the_bot_is_not_in_says_how_to_invite_it(sender, sandbox, redis, run_jobs):
    sandbox.workspace.set_bot_member(CHANNEL, False)
    sender.command("/standup")
    assert run_jobs() == 0
    assert standups_posted(sandbox) == []
    assert "/invite @maestro" in json.dumps(sandbox.workspace.response_posts())
