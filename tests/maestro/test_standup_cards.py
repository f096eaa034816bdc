"""Standup rendering at its worst (escaping, huge notes, long lists) and note parsing and dating."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from maestro.errors import UserError
from maestro.escalations import YES_NO, EscalationRecord
from maestro.models import Assignee, Task, TaskStatus
from maestro.risks import Impact, Probability, Risk
from maestro.standup_cards import build_note_message, build_standup_messages, message_within_limits
from maestro.standup_schedule import StandupSchedule
from maestro.standups import Absence, StandupNote, compute_standup, note_day, parse_note

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # a Tuesday
DAY = date(2026, 11, 24)
KINDS = (TaskStatus.IN_PROGRESS, TaskStatus.REVIEW, TaskStatus.BLOCKED, TaskStatus.COMPLETED)
# a character that isn't the start of &amp; &lt; &gt; or a whole mention/link: a cut in the middle
_HALF_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def worst_tasks(users: list[str], per_kind: int = 8) -> list[Task]:
    tasks, n = [], 0
    for user in users:
        for status in KINDS:
            for _ in range(per_kind):
                n += 1
                fields: dict = {}
                if status is TaskStatus.BLOCKED:
                    fields = {"blocked_reason": "<" * 200, "blocked_since": NOW - timedelta(days=3)}
                if status is TaskStatus.COMPLETED:
                    fields = {"completed_at": NOW - timedelta(hours=1)}
                tasks.append(
                    Task(
                        key=f"T-{n}",
                        created_by="U0",
                        team_id="T",
                        channel_id="C",
                        title="&" * 200,
                        status=status,
                        assignee=Assignee(kind="user", id=user),
                        **fields,
                    )
                )
    return tasks


def full_note(user: str) -> StandupNote:
    return StandupNote(user_id=user, date=DAY, yesterday="&" * 1000, today="<" * 1000, blockers="&\n" * 500)


def block_texts(message: dict) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
        elif "text" in block:
            texts.append(block["text"]["text"])
    return texts


def assert_within_limits(messages: list[dict]) -> str:
    for message in messages:
        assert message_within_limits(message), [len(t) for t in block_texts(message)]
        blocks = message["blocks"]
        assert len(blocks) <= 50 and sum(len(t) for t in block_texts(message)) <= 8000
        assert all(len(t) <= 3000 for t in block_texts(message))
        assert len(json.dumps(blocks)) < 12000  # Slack's msg_blocks_too_long
        for text in block_texts(message):
            assert not _HALF_ENTITY.search(text), text  # escaped, then cut between entities
            assert "<" not in re.sub(r"<[@#!][^<>\s]+>", "", text)  # no mention cut in half
    return "\n".join(t for m in messages for t in block_texts(m))


def test_the_worst_standup_of_one_person_fits_and_says_what_it_folds():
    people = [f"U0M{i:03d}" for i in range(300)]
    escalations = [
        EscalationRecord(
            team_id="T",
            channel_id="C",
            issue="&" * 400,
            options=list(YES_NO),
            raised_by="system",
            blocking=["T-1"],
            created_at=NOW - timedelta(hours=i),
        )
        for i in range(200)
    ]
    risks = [
        Risk(
            key=f"RISK-{i:03d}",
            team_id="T",
            channel_id="C",
            description="<" * 1000,
            probability=Probability.HIGH,
            impact=Impact.HIGH,
            owner="U0ALICE",
            created_by="U0ALICE",
            created_at=NOW - timedelta(days=9),
        )
        for i in range(1, 201)
    ]
    standup = compute_standup(
        team_id="T",
        channel_id="C",
        day=DAY,
        now=NOW,
        timezone="Europe/Berlin",
        tasks=worst_tasks(["U01"]),
        last_standup=NOW - timedelta(days=1),
        notes={"U01": full_note("U01")},
        participants=people,
        absences={u: [Absence(start=DAY, end=DAY + timedelta(days=3))] for u in people[:150]},
        escalations=escalations,
        open_risks=risks,
    )
    messages = build_standup_messages(standup)
    assert 1 < len(messages) <= 6
    text = assert_within_limits(messages)
    assert re.search(r"… and \d+ more — `/escalate list`", text)
    assert re.search(r"… and \d+ more — `/risk list`", text)
    assert re.search(r":palm_tree: .* … and \d+ more", text) and re.search(
        r"No update yet from .* … and \d+", text
    )
    for n in range(1, 33):  # 8 of each kind: every task is listed
        assert f"*T-{n}* &amp;" in text
    assert "*Yesterday:* &amp;&amp;" in text and "*Today:* &lt;&lt;" in text and "*Blockers:* &amp;" in text
    assert "<@U01> (continued)" in text  # one person's part goes on in the next message
    assert text.count("…") >= 32 + 3  # every cut is visible


def test_a_team_of_worst_cases_folds_whole_people_by_name():
    users = [f"U0P{i:02d}" for i in range(12)]
    standup = compute_standup(
        team_id="T",
        channel_id="C",
        day=DAY,
        now=NOW,
        timezone="Europe/Berlin",
        tasks=worst_tasks(users, per_kind=3),
        last_standup=None,
        notes={u: full_note(u) for u in users},
    )
    messages = build_standup_messages(standup)
    assert len(messages) == 6
    text = assert_within_limits(messages)
    folded = re.search(r"… and (\d+) more people and agents, not shown: (.*) — `/task list`", text)
    assert folded, text[-500:]
    shown = [u for u in users if f"*<@{u}>*" in text]
    assert folded.group(2).split(", ") == [f"<@{u}>" for u in users[len(shown) :]]
    assert len(shown) + int(folded.group(1)) == len(users)


def test_a_late_note_message_keeps_every_part_within_limits():
    message = build_note_message(full_note("U01"), late=True)
    text = assert_within_limits([message])
    assert "<@U01>'s update (after the standup)" in text
    assert all(label in text for label in ("*Yesterday:*", "*Today:*", "*Blockers:*"))


def test_a_note_reply_needs_a_colon_or_pipes_but_the_command_keeps_its_loose_form():
    assert parse_note("yesterday shipped the login API | today the signup form") == {
        "yesterday": "shipped the login API",
        "today": "the signup form",
    }
    assert parse_note("*Yesterday:* shipped", strict=True) == {"yesterday": "shipped"}
    assert parse_note("Yesterday: shipped\nToday - tests\nBlockers\nthe DBA", strict=True) == {
        "yesterday": "shipped",
        "today": "tests",
        "blockers": "the DBA",
    }
    assert parse_note("yesterday shipped | blockers none", strict=True) == {
        "yesterday": "shipped",
        "blockers": "none",
    }
    for reply in ("yesterday's standup was wrong", "today I'm out sick, can you take T-4?", "today"):
        with pytest.raises(UserError):
            parse_note(reply, strict=True)
    with pytest.raises(UserError):
        parse_note("yesterday's standup was wrong")  # no label at all, strict or not


def test_a_note_is_for_the_projects_next_standup():
    berlin = StandupSchedule(at=time(9, 30), timezone="Europe/Berlin")  # Mon–Fri
    # Los Angeles, Monday 20:00 = Tuesday 05:00 in Berlin: Tuesday's standup
    assert note_day(berlin, datetime(2026, 11, 24, 4, 0, tzinfo=UTC)) == date(2026, 11, 24)
    # Berlin, Monday 20:00, after Monday's standup: Tuesday's
    assert note_day(berlin, datetime(2026, 11, 23, 19, 0, tzinfo=UTC)) == date(2026, 11, 24)
    # Friday after the standup: Monday's
    assert note_day(berlin, datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) == date(2026, 11, 30)
    los_angeles = StandupSchedule(at=time(9, 30), timezone="America/Los_Angeles")
    # Tokyo, Tuesday 00:30 = Monday 07:30 in Los Angeles, before its standup: Monday's
    assert note_day(los_angeles, datetime(2026, 11, 23, 15, 30, tzinfo=UTC)) == date(2026, 11, 23)
    off = berlin.model_copy(update={"enabled": False})
    assert note_day(off, datetime(2026, 11, 23, 23, 30, tzinfo=UTC)) == date(2026, 11, 24)  # Berlin's today


def rendered_lines(messages: list[dict]) -> list[str]:
    """The text lines a reader scrolls through, message after message."""
    return [line for m in messages for text in block_texts(m) for line in text.split("\n")]


def test_a_twelve_task_sprint_standup_fits_a_phone():
    from maestro.sprints import Sprint
    from sandbox.boards import ORDER_TASKS

    sprint = Sprint(
        team_id="T",
        channel_id="C",
        number=3,
        name="Orders",
        start=DAY - timedelta(days=6),
        end=DAY + timedelta(days=7),
        created_by="U0ALICE",
    )
    people = ["U0ALICE", "U0BOB", "U0CAROL"]
    statuses = (
        [TaskStatus.COMPLETED] * 3 + [TaskStatus.IN_PROGRESS] * 2 + [TaskStatus.REVIEW, TaskStatus.BLOCKED]
    )
    tasks = []
    for number, (title, role, _) in enumerate(ORDER_TASKS, start=1):
        status = statuses[number - 1] if number <= len(statuses) else TaskStatus.ASSIGNED
        who = Assignee(kind="user", id=people[number % 3]) if number % 2 else Assignee(kind="agent", id=role)
        fields: dict = {}
        if status is TaskStatus.COMPLETED:
            fields["completed_at"] = NOW - timedelta(hours=3)
        if status is TaskStatus.IN_PROGRESS:
            fields["percent"] = 40
        if status is TaskStatus.BLOCKED:
            fields.update(blocked_reason="Stripe keys", blocked_since=NOW - timedelta(days=1))
        tasks.append(
            Task(
                key=f"T-{number}",
                team_id="T",
                channel_id="C",
                title=title,
                status=status,
                assignee=who,
                sprint=sprint.id,
                created_by="U0ALICE",
                **fields,
            )
        )
    # Work finished outside the sprint since the last standup is not this sprint's news.
    outside = [
        Task(
            key=f"T-{n}",
            team_id="T",
            channel_id="C",
            title="Old chore",
            status=TaskStatus.COMPLETED,
            completed_at=NOW - timedelta(hours=2),
            assignee=Assignee(kind="user", id="U0ALICE"),
            created_by="U0",
        )
        for n in range(13, 18)
    ]
    notes = {
        u: StandupNote(
            user_id=u, date=DAY, yesterday="the cart service", today="payment tests", blockers="none"
        )
        for u in people[:2]
    }
    standup = compute_standup(
        team_id="T",
        channel_id="C",
        day=DAY,
        now=NOW,
        timezone="Europe/Berlin",
        tasks=tasks + outside,
        last_standup=NOW - timedelta(days=1),
        notes=notes,
        participants=people,
        sprint=sprint,
    )
    messages = build_standup_messages(standup)
    lines = rendered_lines(messages)
    assert len(messages) == 1 and len(lines) <= 25, "\n".join(lines)
    text = "\n".join(lines)
    assert all(f"*T-{n}*" not in text for n in range(13, 18))  # done: this sprint's work only
    assert all(f"*T-{n}*" in text for n in range(1, 13))  # every task of the sprint is named
    assert "*backend* (agent) · `[ ]` to do *T-8*, *T-12*" in text  # named, not just counted


def test_to_do_is_named_and_capped_with_a_count():
    tasks = [
        Task(
            key=f"T-{n}",
            team_id="T",
            channel_id="C",
            title="Work",
            assignee=Assignee(kind="agent", id="qa"),
            created_by="U0",
        )
        for n in range(1, 8)
    ]
    standup = compute_standup(
        team_id="T", channel_id="C", day=DAY, now=NOW, timezone="UTC", tasks=tasks, last_standup=None
    )
    text = assert_within_limits(build_standup_messages(standup))
    assert "*qa* (agent) · `[ ]` to do *T-1*, *T-2*, *T-3*, *T-4* +3 more" in text


def test_a_note_written_for_a_skipped_standup_carries_to_the_next_one(redis):
    from maestro.standup_report import build_standup
    from maestro.standup_store import StandupStore
    from maestro.store import TaskStore

    TaskStore(redis, "T").ensure_project("C")
    standups = StandupStore(redis, "T")
    wednesday, thursday = date(2026, 11, 25), date(2026, 11, 26)
    standups.update_schedule("C", lambda s: s.model_copy(update={"timezone": "Europe/Berlin"}))
    standups.record_standup("C", DAY, "1.0", NOW)  # Tuesday's standup was posted
    # Written Tuesday afternoon for Wednesday's standup; then Wednesday is skipped.
    standups.save_note("C", "U0BOB", wednesday, {"yesterday": "shipped <the> API", "blockers": "the DBA"})
    standups.save_note("C", "U0CAROL", wednesday, {"today": "old plan"})
    standups.save_note("C", "U0CAROL", thursday, {"today": "new plan"})
    standups.save_note("C", "U0DAN", DAY, {"today": "shown on Tuesday already"})
    standups.update_schedule("C", lambda s: s.model_copy(update={"skip": [wednesday]}))

    standup = build_standup(redis, "T", "C", thursday, now=datetime(2026, 11, 26, 8, 30, tzinfo=UTC))
    assert standup.groups and "U0BOB" not in standup.missing
    text = assert_within_limits(build_standup_messages(standup))
    assert "*Yesterday:* shipped &lt;the&gt; API · *Blockers:* the DBA" in text
    assert "_Written for Wed 25 Nov, which had no standup:_" in text
    assert "new plan" in text and "old plan" not in text  # a later answer replaces an earlier one
    assert "shown on Tuesday already" not in text  # a note of a standup that happened stays there
