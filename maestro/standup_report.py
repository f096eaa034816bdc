"""Reading what a standup needs from Redis, then computing it (compute → render → post).

:func:`build_standup` reads the board, notes, participants, absences, escalations, risks and the
active sprint in a constant number of round trips (about a dozen), whatever the board's size, and
hands them to the pure :func:`maestro.standups.compute_standup`. The benchmark times it with
100, 1,000 and 10,000 tasks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from redis import Redis

from maestro.escalations import EscalationStore
from maestro.risk_store import RiskStore
from maestro.sprint_store import SprintStore
from maestro.standup_store import StandupStore
from maestro.standups import MAX_CARRY_DAYS, Standup, carry_notes, compute_standup
from maestro.store import TaskStore


def build_standup(redis: Redis, team_id: str, channel_id: str, day: date, *, now: datetime) -> Standup:
    """Read everything the standup of ``day`` needs and compute it.

    Args:
        redis: the connection.
        team_id: the Slack team.
        channel_id: the project.
        day: the project's local date of the standup.
        now: the instant it is computed (aware); done tasks count from the last scheduled
            standup before ``day`` (the last 24 h for the first one).

    Notes written for a standup that didn't happen since the last one posted (skipped, a
    holiday, standups off; at most :data:`~maestro.standups.MAX_CARRY_DAYS` back) carry to this
    one (:func:`~maestro.standups.carry_notes`).

    Returns:
        The computed :class:`~maestro.standups.Standup`, ready for
        :func:`maestro.standup_cards.build_standup_messages`.
    """
    standups = StandupStore(redis, team_id)
    schedule = standups.schedule(channel_id)
    tasks = TaskStore(redis, team_id).list_tasks(channel_id)
    last = standups.last_standup_before(channel_id, day)
    participants = standups.participants(channel_id, now=now)
    left = standups.left(channel_id)
    first = day - timedelta(days=MAX_CARRY_DAYS)
    if last is not None:
        first = max(first, last.astimezone(schedule.zone).date() + timedelta(days=1))
    notes = carry_notes(standups.notes_between(channel_id, min(first, day), day))
    people = (
        participants
        | set(notes)
        | {t.assignee.id for t in tasks if t.is_open and t.assignee and t.assignee.kind == "user"}
    )
    people -= left
    return compute_standup(
        team_id=team_id,
        channel_id=channel_id,
        day=day,
        now=now,
        timezone=schedule.timezone,
        tasks=tasks,
        last_standup=last,
        notes=notes,
        participants=people,
        absences=standups.absences(people),
        escalations=EscalationStore(redis, team_id).open_escalations(channel_id),
        open_risks=RiskStore(redis, team_id).list(channel_id, open_only=True),
        sprint=SprintStore(redis, team_id).current(channel_id),
        left=left,
    )
